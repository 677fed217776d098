"""``hftlab tour``: the main job, every capability on the bundled sample data.

Each part is the ``tour(args)`` function of a command module, run in the notebook order;
a part prints its summary and writes its figures to ``figures/``. ``notebooks/00_tour.ipynb``
runs the same parts through :func:`run_part` and shows the figures they wrote.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from pathlib import Path

from hftlab.config import figures_dir

PARTS = ["replay", "market", "train", "bandits", "fundgan"]
TITLES = {
    "replay": "the order book: a LOBSTER-format day replayed and validated",
    "market": "the market: execution and market-making agents among the historical flow",
    "train": "IPPO: agents trained against the baselines",
    "bandits": "causal bandits: transfer through an abstraction",
    "fundgan": "fund strategies: the latent code of a GAN",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="shrink every experiment (same as HFTLAB_QUICK=1)")
    p.add_argument("--only", choices=PARTS, action="append", help="run only these parts (repeatable)")


def available_parts() -> list[str]:
    """The parts whose command module has a ``tour`` function."""
    out = []
    for name in PARTS:
        try:
            mod = importlib.import_module(f"hftlab.commands.{name}")
        except ModuleNotFoundError:
            continue
        if hasattr(mod, "tour"):
            out.append(name)
    return out


def run_part(name: str, args: argparse.Namespace | None = None) -> list[Path]:
    """Run one part; returns the figures (PNG) it wrote, oldest first."""
    mod = importlib.import_module(f"hftlab.commands.{name}")
    before = {p: p.stat().st_mtime_ns for p in figures_dir().glob("*.png")}
    mod.tour(args or argparse.Namespace(quick=False, only=None))
    pngs = [p for p in figures_dir().glob("*.png") if before.get(p) != p.stat().st_mtime_ns]
    return sorted(pngs, key=lambda p: p.stat().st_mtime_ns)


def run(args: argparse.Namespace) -> int:
    if args.quick:
        os.environ["HFTLAB_QUICK"] = "1"
    for name in args.only or available_parts():
        print(f"\n=== {name}: {TITLES[name]}")
        t0 = time.perf_counter()
        figs = run_part(name, args)
        print(f"--- {name} done in {time.perf_counter() - t0:.1f} s; figures: {', '.join(p.name for p in figs) or 'none'}")
    return 0
