"""``hftlab synth``: fit the synthetic order-flow generator to a day, write generated LOBSTER days, and
compare them with the real day fact by fact, next to the unfitted generator.

    hftlab synth --fit ../shared/data/lobster/LOBSTER_SampleFile_GOOG_2012-06-21_5.zip --days 3 --out synth_goog

The fit, the generation and the report are :func:`hftlab.lob.calibrate.fit_and_generate`.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fit", required=True, metavar="DAY", help="the LOBSTER day to fit (.zip or message CSV; 'bundled')")
    p.add_argument("--days", type=int, default=1, metavar="N", help="generated days to write (default 1)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the generated days and the report")
    p.add_argument("--seed", type=int, default=0, help="seed of the first generated day (the next days: seed + 1, ...)")


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from hftlab.lob import calibrate, lobster

    real = lobster.load(args.fit)
    print(f"fitting the generator to {real.name}: {len(real):,} messages")
    out = calibrate.fit_and_generate(real, args.days, args.out, seed=args.seed)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.precision", 4):
        print("\nparameters (fitted vs default):")
        print(out["params"].to_string())
        print(f"\nstylized facts: {real.name} vs {args.days} generated day(s), fitted and default generator "
              "(distance to the real day: lower is closer)")
        print(out["report"].to_string(index=False))
    closer = (out["report"].closer == "fitted").sum()
    print(f"\nfitted closer than default on {closer} of {len(out['report'])} facts")
    print(f"days, params.csv and fidelity.csv written to {args.out}")
    return 0
