"""``hftlab tour``: the main job, every capability on the bundled sample data.

The parts, their order and their code are :mod:`hftlab.tour`; this command picks the
parts, passes quick mode and prints what each part wrote.
"""

from __future__ import annotations

import argparse
import time

from hftlab.tour import PARTS, TITLES, run_part


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="shrink every experiment (same as HFTLAB_QUICK=1)")
    p.add_argument("--only", choices=list(PARTS), action="append", help="run only these parts (repeatable)")


def run(args: argparse.Namespace) -> int:
    from hftlab.config import quick

    q = args.quick or quick()
    for name in args.only or PARTS:
        print(f"\n=== {name}: {TITLES[name]}")
        t0 = time.perf_counter()
        figs = run_part(name, quick=q)
        print(f"--- {name} done in {time.perf_counter() - t0:.1f} s; figures: {', '.join(p.name for p in figs) or 'none'}")
    return 0
