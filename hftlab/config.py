"""Run-wide switches and paths, read in one place.

Quick mode: set ``HFTLAB_QUICK=1`` (the tests do) and every experiment shrinks (envs,
steps, seeds, epochs, horizon) so each notebook runs in well under two minutes on two
CPU cores. Only the edges read it — the commands, the notebooks, the tests — through
:func:`quick` or :func:`pick`, and pass it to library functions as an explicit argument
or a named configuration; library code never reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

QUICK_ENV = "HFTLAB_QUICK"
FIGURES_ENV = "HFTLAB_FIGURES"
CACHE_ENV = "HFTLAB_CACHE"


def quick() -> bool:
    """True when quick mode is on (``HFTLAB_QUICK`` set to anything but 0/false/empty)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def pick(full: T, quick_value: T) -> T:
    """``quick_value`` in quick mode, ``full`` otherwise."""
    return quick_value if quick() else full


def repo_root() -> Path | None:
    """The source checkout this package lives in (editable install), or None."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").exists() else None


def data_samples_dir() -> Path:
    """Folder of the bundled sample data (``data_samples/`` of the checkout)."""
    root = repo_root()
    if root is None:
        raise FileNotFoundError("data_samples/ not found: install hftlab from a checkout (pip install -e .)")
    return root / "data_samples"


def shared_data_dir() -> Path | None:
    """``../shared/data`` beside the checkout, where real LOBSTER sample days live; None if absent."""
    env = os.environ.get("HFTLAB_SHARED_DATA")
    if env:
        p = Path(env)
        return p if p.exists() else None
    root = repo_root()
    if root is None:
        return None
    p = root.parent / "shared" / "data"
    return p if p.exists() else None


def days_cache_dir() -> Path:
    """Where :func:`hftlab.data.open_days` caches converted days: ``$HFTLAB_CACHE``, else ``~/.cache/hftlab/days``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "hftlab" / "days"


def figures_dir() -> Path:
    """Where commands and notebooks write figures: ``$HFTLAB_FIGURES``, else ``figures/`` of the checkout."""
    env = os.environ.get(FIGURES_ENV)
    root = repo_root()
    d = Path(env) if env else (root / "figures" if root is not None else Path.cwd() / "figures")
    d.mkdir(parents=True, exist_ok=True)
    return d
