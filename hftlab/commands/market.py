"""``hftlab market``: benchmark a LOBSTER day without training anything.

Tunes every baseline family on the day's training windows (:mod:`hftlab.study.baselines`:
TWAP near / far, percentage of volume, the spread-threshold rule; the null market maker,
fixed spread, Avellaneda–Stoikov calibrated on the same windows), evaluates the chosen
members and the registry defaults on the held-out windows that share no message, prints
the table and, with ``--json PATH``, writes the tuning scores and one record per window.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hftlab.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--day", default=None, help="LOBSTER day (.zip or message CSV); default: the config's day")
    p.add_argument("--config", default=None, metavar="NAME_OR_FILE",
                   help="episode shape and split: a preset (sample_day [default], lobster_goog, ...) or a .toml / .json file")
    p.add_argument("--only", default=None, metavar="TYPES",
                   help="comma-separated baseline types to tune (default: every family)")
    p.add_argument("--quick", action="store_true", help="small grids and few windows (as HFTLAB_QUICK=1)")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="write the tuning and held-out records here")


def run(args: argparse.Namespace) -> int:
    from hftlab import configs
    from hftlab.config import quick
    from hftlab.study.baselines import default_families
    from hftlab.study.day import benchmark_day, format_benchmark

    q = args.quick or quick()
    changes = {}
    if args.day is not None:
        if not Path(args.day).exists():
            raise InputError(f"--day: {args.day} does not exist")
        changes = {"day": args.day, "heldout_day": None}
    cfg = configs.load(args.config, changes, quick_mode=q)
    families = default_families(q)
    if args.only:
        wanted = [t.strip() for t in args.only.split(",") if t.strip()]
        known = {f.type for f in families}
        bad = [t for t in wanted if t not in known]
        if bad:
            raise InputError(f"--only: {', '.join(bad)} not among the baseline families ({', '.join(sorted(known))})")
        families = [f for f in families if f.type in wanted]
    if args.json is not None and not args.json.parent.exists():
        raise InputError(f"--json: folder {args.json.parent} does not exist")
    bench = benchmark_day(cfg, quick=q, families=families)
    print(format_benchmark(bench))
    if args.json is not None:
        args.json.write_text(json.dumps(bench.to_json(), indent=1, default=float))
        print(f"wrote {args.json}")
    return 0
