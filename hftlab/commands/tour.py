"""``hftlab tour``: the main job, every capability on the bundled sample data.

Each part is the ``tour(args)`` function of a command module, run in the notebook
order; a part prints its summary and writes its figures to ``figures/``.
"""

from __future__ import annotations

import argparse
import importlib
import time

PARTS = ["replay", "market", "train", "bandits", "fundgan"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="shrink every experiment (same as HFTLAB_QUICK=1)")
    p.add_argument("--only", choices=PARTS, action="append", help="run only these parts (repeatable)")


def run(args: argparse.Namespace) -> int:
    import os

    if args.quick:
        os.environ["HFTLAB_QUICK"] = "1"
    parts = args.only or PARTS
    for name in parts:
        try:
            mod = importlib.import_module(f"hftlab.commands.{name}")
        except ModuleNotFoundError:
            continue
        if not hasattr(mod, "tour"):
            continue
        print(f"\n=== {name} " + "=" * (60 - len(name)))
        t0 = time.perf_counter()
        mod.tour(args)
        print(f"--- {name} done in {time.perf_counter() - t0:.1f} s")
    return 0
