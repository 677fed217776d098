"""Test-wide settings: quick mode on, figures into a temporary folder, a shared JAX cache.

Set here, before any kernel starts, so nbval's notebook kernels inherit them too.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

os.environ.setdefault("HFTLAB_QUICK", "1")
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(ROOT / ".jax_cache"))
os.environ.setdefault("HFTLAB_FIGURES", str(ROOT / "test-artifacts" / "figures"))

# The pytest process itself compiles without the persistent cache: it keeps every executable
# in memory anyway, and reading back entries that notebook kernels and CLI subprocesses wrote
# is where the suite crashed (a segfault inside jax's cache read). Those child processes
# still share the folder above, where their repeated compilations pay off.
import jax  # noqa: E402

jax.config.update("jax_enable_compilation_cache", False)


def pytest_runtest_teardown(item, nextitem):
    """Drop the compiled programs of a test file once its last test has run: a long suite in one
    process otherwise keeps every executable it ever compiled."""
    if nextitem is None or nextitem.path != item.path:
        jax.clear_caches()


def pytest_collection_modifyitems(session, config, items):
    """The browser tests run last. Each runs a notebook in JupyterLab against a time limit, and by
    then the headless notebook runs and the CLI tests have filled the shared JAX cache above with
    the same programs, so what they time is the notebook, not a cold compilation."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)  # stable: order kept otherwise
