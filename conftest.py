"""Test-wide settings: quick mode on, figures into a temporary folder, a shared JAX cache.

Set here, before any kernel starts, so nbval's notebook kernels inherit them too.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

os.environ.setdefault("HFTLAB_QUICK", "1")
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(ROOT / ".jax_cache"))
os.environ.setdefault("HFTLAB_FIGURES", str(ROOT / "test-artifacts" / "figures"))
