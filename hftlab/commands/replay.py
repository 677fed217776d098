"""``hftlab replay``: replay a LOBSTER day through the JAX book and validate it against the orderbook file.

    hftlab replay MESSAGE_CSV [ORDERBOOK_CSV] [--capacity N] [--figures-name NAME]
    hftlab replay LOBSTER_SampleFile_GOOG_2012-06-21_5.zip

What it does, with the same library calls as ``notebooks/01_order_book.ipynb``:

1. loads the day (:func:`hftlab.lob.lobster.load`; bad files -> one line, exit 2);
2. one-step validation (protocol 1, :func:`hftlab.lob.validate.one_step`): every message t
   applied to a book seeded from orderbook row t-1, compared with row t on levels 1..L-1;
3. a full replay: a book seeded from row 0 replays messages 1..N-1 in one ``lax.scan``;
   the share of rows on which it still agrees with the file (unseen deeper liquidity
   makes real days drift), the final book, and the counters (overflow, unresolved);
4. throughput of that scan in messages/s (median of repeats, compile time separately);
5. a figure (final depth + mid / spread over the day) in ``figures/``.

Steps 2–4 are :func:`hftlab.lob.replays.replay_day`. ``--capacity`` defaults to
:func:`hftlab.lob.replays.measured_capacity`: the peak number of resting orders per side
that the plain-Python reference book reaches on the same replay, sized by
:func:`hftlab.lob.engine.capacity_for`, so no side overflows.
"""

from __future__ import annotations

import argparse

from hftlab.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="MESSAGE_CSV [ORDERBOOK_CSV] (the orderbook file is found beside a LOBSTER-named message "
                        "file), or one LOBSTER .zip")
    p.add_argument("--capacity", type=int, default=None,
                   help="order slots per book side (default: the measured peak, rounded up to a power of two)")
    p.add_argument("--figures-name", default=None, help="figure file name without extension (default: replay_TICKER_DATE_L)")
    p.add_argument("--repeats", type=int, default=None, help="timed replays for the throughput median (default 3; 1 in quick mode)")


def run(args: argparse.Namespace) -> int:
    from hftlab.config import pick
    from hftlab.lob import lobster, replays, stats
    from hftlab.viz import save_chart
    from hftlab.viz.lob import replay_figure

    if len(args.paths) > 2:
        raise InputError(f"replay takes MESSAGE_CSV [ORDERBOOK_CSV] or one .zip, got {len(args.paths)} paths")
    if args.capacity is not None and args.capacity < 1:
        raise InputError(f"--capacity must be at least 1, got {args.capacity}")
    if args.repeats is not None and args.repeats < 1:
        raise InputError(f"--repeats must be at least 1, got {args.repeats}")
    day = lobster.load(*args.paths)
    r = replays.replay_day(day, capacity=args.capacity, repeats=args.repeats or pick(3, 1))
    print(replays.format_summary(r))
    chart = replay_figure(r["final_l2"], stats.mid_spread_series(day), title=day.name)
    paths = save_chart(chart, args.figures_name or replays.default_figure_name(day))
    print("figure     " + ", ".join(str(p) for p in paths))
    return 0
