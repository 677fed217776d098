"""Book-messages per second: B vmapped JAX books vs the plain-Python dictionary book.

Each of the B books is seeded from the orderbook row at its own window start and replays
the next N messages of the day (different windows, spread over the day); the measurement
is :func:`hftlab.lob.replays.batched_throughput`: B x N / wall time of one compiled
``vmap`` of the replay (median of ``--repeats`` runs, compile time separately), and, in the
same run, :class:`hftlab.lob.reference.DictBook` (price level -> {order id: quantity}, no
matching) on the first 64 of the same windows.

    python benchmarks/lob_throughput.py                      # GOOG level-5 day if present, else the sample day
    python benchmarks/lob_throughput.py --day data_samples/SYNTH_..._message_10.csv --json out.json
"""

from __future__ import annotations

import argparse
import json
import os


def pick_day(path: str | None):
    from hftlab.lob import lobster

    if path:
        return lobster.load(path)
    for p in lobster.sample_days():
        if "GOOG" in p.name and p.name.endswith("_5.zip"):
            return lobster.load(p)
    return lobster.load(lobster.BUNDLED)


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--day", help="LOBSTER message CSV or .zip (default: GOOG level 5 if present, else the sample day)")
    ap.add_argument("--books", type=int, nargs="+", default=[1, 64, 1024, 8192])
    ap.add_argument("--messages", type=int, default=1000, help="messages per book (N)")
    ap.add_argument("--capacity", type=int, default=100, help="slots per side")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--devices", type=int, default=1,
                    help="also split each batch over this many devices (on a CPU: one per core)")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)
    if args.devices > 1 and "jax" not in __import__("sys").modules:  # CPU cores as devices, before JAX starts
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={args.devices}".strip()
    import jax

    from hftlab.lob.replays import batched_throughput

    day = pick_day(args.day)
    print(f"day {day.ticker} {day.date}, {len(day):,} messages, {day.levels} levels; N = {args.messages} messages "
          f"per book, capacity {args.capacity}; jax {jax.__version__} on {jax.devices()[0].platform}")
    table = batched_throughput(day, batch_sizes=args.books, window=args.messages, capacity=args.capacity,
                               repeats=args.repeats, devices=args.devices)
    dict_rate = float(table.loc[table.label.str.startswith("dict"), "msgs_per_s"].iloc[0])
    print(f"{'books':>6} {'devices':>7} {'JAX msg/s':>12} {'dict msg/s':>12} {'ratio':>6} {'compile s':>9} {'run s':>7}")
    results = []
    for r in table[table.label.str.startswith("JAX")].itertuples():
        results.append(dict(books=r.books, devices=r.devices, messages_per_book=r.window, jax_msgs_per_s=r.msgs_per_s,
                            dict_msgs_per_s=dict_rate, ratio=r.msgs_per_s / dict_rate, compile_s=r.compile_s,
                            run_s=r.seconds, overflow=r.overflow))
        print(f"{r.books:>6} {r.devices:>7} {r.msgs_per_s:>12.3e} {dict_rate:>12.3e} {r.msgs_per_s / dict_rate:>6.2f} "
              f"{r.compile_s:>9.2f} {r.seconds:>7.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(day=f"{day.ticker} {day.date} L{day.levels}", device=jax.devices()[0].platform,
                           results=results), f, indent=2)
    return results


if __name__ == "__main__":
    main()
