"""Book-messages per second: B vmapped JAX books vs the plain-Python dictionary book.

Each of the B books is seeded from the orderbook row at its own window start and replays
the next N messages of the day (different windows, spread over the day). The JAX figure is
B x N / wall time of one jitted ``vmap(replay)`` call after compilation (median of
``--repeats`` runs); compile time is reported separately. The baseline is
:class:`hftlab.lob.reference.DictBook` (price level -> {order id: quantity}, no matching)
on the same windows' messages, in the same run; its rate does not depend on B, so it is
measured on the first ``min(B, 64)`` windows.

    python benchmarks/lob_throughput.py                      # GOOG level-5 day if present, else the sample day
    python benchmarks/lob_throughput.py --day data_samples/SYNTH_..._message_10.csv --json out.json
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

from hftlab.lob import engine, lobster, validate
from hftlab.lob.reference import DictBook


def pick_day(path: str | None):
    if path:
        return lobster.load(path)
    for p in lobster.sample_days():
        if "GOOG" in p.name and p.name.endswith("_5.zip"):
            return lobster.load_zip(p)
    return lobster.sample_day()


def windows(n_messages: int, b: int, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.integers(0, n_messages - n - 1, size=b))


def time_jax(books, msgs, repeats: int):
    fn = jax.jit(jax.vmap(lambda bk, m: engine.replay(bk, m, max_trades=16, trades=False)[0]))
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn(books, msgs))
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn(books, msgs))
        runs.append(time.perf_counter() - t0)
    run = statistics.median(runs)
    return run, max(first - run, 0.0), out


def time_dict(rows_per_book, seeds, repeats: int):
    runs = []
    for _ in range(repeats):
        books = [DictBook.from_l2(s) for s in seeds]
        t0 = time.perf_counter()
        for book, rows in zip(books, rows_per_book):
            apply = book.apply
            for r in rows:
                apply(r)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--day", help="LOBSTER message CSV or .zip (default: GOOG level 5 if present, else the sample day)")
    ap.add_argument("--books", type=int, nargs="+", default=[1, 64, 1024, 8192])
    ap.add_argument("--messages", type=int, default=1000, help="messages per book (N)")
    ap.add_argument("--capacity", type=int, default=100, help="slots per side")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)

    day = pick_day(args.day)
    msgs = lobster.to_messages(day)
    ob = validate.clip_orderbook(day.orderbook)
    print(f"day {day.ticker} {day.date}, {len(msgs):,} messages, {day.levels} levels; N = {args.messages} messages "
          f"per book, capacity {args.capacity}; {platform.processor() or platform.machine()}, "
          f"jax {jax.__version__} on {jax.devices()[0].platform}")
    results = []
    header = f"{'books':>6} {'JAX msg/s':>12} {'dict msg/s':>12} {'ratio':>6} {'compile s':>9} {'run s':>7}"
    print(header)
    for b in args.books:
        starts = windows(len(msgs), b, args.messages)
        seeds = ob[starts]
        idx = starts[:, None] + 1 + np.arange(args.messages)[None, :]
        batch = msgs[idx]
        books = jax.vmap(lambda r: engine.from_l2(r, args.capacity))(jnp.asarray(seeds))
        run, compile_s, out = time_jax(books, jnp.asarray(batch), args.repeats)
        k = min(b, 64)
        rows = [DictBook.prepare(batch[i]) for i in range(k)]
        dict_s = time_dict(rows, seeds[:k], args.repeats)
        jax_rate = b * args.messages / run
        dict_rate = k * args.messages / dict_s
        overflow = int(np.asarray(out.overflow).sum())
        r = dict(books=b, messages_per_book=args.messages, jax_msgs_per_s=jax_rate, dict_msgs_per_s=dict_rate,
                 ratio=jax_rate / dict_rate, compile_s=compile_s, run_s=run, overflow=overflow)
        results.append(r)
        print(f"{b:>6} {jax_rate:>12.3e} {dict_rate:>12.3e} {r['ratio']:>6.2f} {compile_s:>9.2f} {run:>7.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(day=f"{day.ticker} {day.date} L{day.levels}", device=jax.devices()[0].platform,
                           results=results), f, indent=2)
    return results


if __name__ == "__main__":
    main()
