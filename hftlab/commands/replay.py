"""``hftlab replay``: replay a LOBSTER day through the JAX book and validate it against the orderbook file.

    hftlab replay MESSAGE_CSV [ORDERBOOK_CSV] [--capacity N] [--figures-name NAME]
    hftlab replay LOBSTER_SampleFile_GOOG_2012-06-21_5.zip

What it does, with the same library calls as ``notebooks/01_order_book.ipynb``:

1. loads the day (:func:`hftlab.lob.lobster.load_day`; bad files -> one line, exit 2);
2. one-step validation (protocol 1, :func:`hftlab.lob.validate.one_step`): every message t
   applied to a book seeded from orderbook row t-1, compared with row t on levels 1..L-1;
3. a full replay: a book seeded from row 0 replays messages 1..N-1 in one ``lax.scan``;
   the share of rows on which it still agrees with the file (unseen deeper liquidity
   makes real days drift), the final book, and the counters (overflow, unresolved);
4. throughput of that scan in messages/s (median of repeats, compile time separately);
5. a figure (final depth + mid / spread over the day) in ``figures/``.

``--capacity`` defaults to the peak number of resting orders per side that the
plain-Python reference book reaches on the same replay, rounded up to a power of two,
so no side overflows.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hftlab.errors import InputError

TYPE_LABELS = {1: "new", 2: "cancel", 3: "delete", 4: "execute", 5: "hidden", 6: "cross", 7: "halt"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="MESSAGE_CSV [ORDERBOOK_CSV] (the orderbook file is found beside a LOBSTER-named message "
                        "file), or one LOBSTER .zip")
    p.add_argument("--capacity", type=int, default=None,
                   help="order slots per book side (default: the measured peak, rounded up to a power of two)")
    p.add_argument("--figures-name", default=None, help="figure file name without extension (default: replay_TICKER_DATE_L)")
    p.add_argument("--repeats", type=int, default=None, help="timed replays for the throughput median (default 3; 1 in quick mode)")


def measured_capacity(messages: np.ndarray, seed_row: np.ndarray, levels: int) -> tuple[int, int]:
    """(capacity, peak): the peak resting orders per side of the reference replay, rounded up to a power of two."""
    from hftlab.lob.reference import ReferenceBook

    peak = max(ReferenceBook.from_l2(seed_row).peak_orders(messages))
    need = max(peak, levels, 8)
    return int(2 ** int(np.ceil(np.log2(need + 1)))), int(peak)


def replay_day(day, capacity: int | None = None, repeats: int = 3) -> dict:
    """Validate and replay one :class:`~hftlab.lob.lobster.LobsterDay`; returns the numbers of the summary."""
    import jax
    import jax.numpy as jnp

    from hftlab.lob import engine, lobster, validate

    if len(day) < 2:
        raise InputError(f"{day.message_path}: a replay needs at least 2 messages, found {len(day)}")
    msgs = lobster.to_messages(day)
    L = day.levels
    file_l2 = lobster.orderbook_l2(day)
    out: dict = {"name": day.name, "path": day.message_path, "messages": len(day), "levels": L}
    types = day.types
    out["by_type"] = {int(k): int((types == k).sum()) for k in range(1, 8) if (types == k).any()}

    # capacity
    if capacity is None:
        capacity, peak = measured_capacity(msgs[1:], day.orderbook[0], L)
        out["capacity_note"] = f"measured: peak {peak} resting orders per side"
    else:
        if capacity < L:
            raise InputError(f"--capacity {capacity} is smaller than the {L} levels of the orderbook file")
        out["capacity_note"] = "given"
    out["capacity"] = int(capacity)

    # protocol 1: one-step transitions, vmapped
    t0 = time.perf_counter()
    agree = validate.one_step(msgs, day.orderbook)
    out["one_step"] = validate.summary(agree)
    out["one_step_s"] = time.perf_counter() - t0

    # full replay from row 0: throughput (trades off), then L2 along the day
    book0 = engine.from_l2(day.orderbook[0], capacity)
    stream = jnp.asarray(msgs[1:])
    t0 = time.perf_counter()
    book, _ = engine.replay(book0, stream, trades=False)
    jax.block_until_ready(book)
    first = time.perf_counter() - t0
    runs = []
    for _ in range(max(int(repeats), 1)):
        t0 = time.perf_counter()
        book, _ = engine.replay(book0, stream, trades=False)
        jax.block_until_ready(book)
        runs.append(time.perf_counter() - t0)
    run_s = float(np.median(runs))
    out.update(run_s=run_s, compile_s=max(first - run_s, 0.0), msgs_per_s=(len(day) - 1) / run_s, timed_runs=len(runs))

    _, l2s = engine.replay_l2(book0, stream, L)
    l2s = np.asarray(l2s)
    n_cmp = max(L - 1, 1)
    rows_ok = (l2s[:, :n_cmp] == file_l2[1:, :n_cmp]).all(axis=(1, 2))
    out["replay_rows_agreeing"] = float(rows_ok.mean())
    bad = np.flatnonzero(~rows_ok)
    out["first_disagreement"] = int(bad[0] + 1) if bad.size else None
    out["final_agrees"] = bool(rows_ok[-1])
    out["final_l2"] = np.asarray(engine.l2(book, L))
    out["counters"] = {"overflow": int(book.overflow), "unresolved": int(book.unresolved),
                       "trade_overflow": int(book.trade_overflow)}
    return out


def format_summary(r: dict) -> str:
    L = r["levels"]
    cmp = f"levels 1..{L - 1}" if L > 1 else "level 1"
    os_ = r["one_step"]
    lines = [
        f"day        {r['name']}: {r['messages']:,} messages  ({r['path']})",
        "messages   " + "  ".join(f"{k} {TYPE_LABELS[k]}: {v:,}" for k, v in r["by_type"].items()),
        f"one-step   {os_['transitions'] - os_['disagreements']:,}/{os_['transitions']:,} transitions agree on {cmp} "
        f"= {100 * os_['all_levels']:.3f}%  ({r['one_step_s']:.1f} s, vmapped)",
        f"replay     seeded from row 0, messages 1..{r['messages'] - 1:,} in one scan: rows agreeing on {cmp} "
        f"{100 * r['replay_rows_agreeing']:.2f}%"
        + (f", first disagreement at message {r['first_disagreement']:,}" if r["first_disagreement"] else "")
        + f"; final book {'agrees' if r['final_agrees'] else 'differs'}",
        f"throughput {r['msgs_per_s']:,.0f} messages/s (median of {r['timed_runs']} run(s), {r['run_s']:.3f} s each); "
        f"compile {r['compile_s']:.2f} s",
        f"book       capacity {r['capacity']} slots per side ({r['capacity_note']}); "
        f"overflow {r['counters']['overflow']}, unresolved {r['counters']['unresolved']:,}, "
        f"trade_overflow {r['counters']['trade_overflow']}",
    ]
    return "\n".join(lines)


def _figure(day, r: dict, name: str):
    from hftlab.lob import stats
    from hftlab.viz import save_chart
    from hftlab.viz.lob import replay_figure

    chart = replay_figure(r["final_l2"], stats.mid_spread_series(day), title=day.name)
    return save_chart(chart, name)


def _default_name(day) -> str:
    if day.ticker and day.date:
        return f"replay_{day.ticker}_{day.date}_L{day.levels}"
    return "replay"


def run(args: argparse.Namespace) -> int:
    from hftlab.config import pick
    from hftlab.lob import lobster

    if len(args.paths) > 2:
        raise InputError(f"replay takes MESSAGE_CSV [ORDERBOOK_CSV] or one .zip, got {len(args.paths)} paths")
    if args.capacity is not None and args.capacity < 1:
        raise InputError(f"--capacity must be at least 1, got {args.capacity}")
    if args.repeats is not None and args.repeats < 1:
        raise InputError(f"--repeats must be at least 1, got {args.repeats}")
    day = lobster.load_day(*args.paths)
    r = replay_day(day, capacity=args.capacity, repeats=args.repeats or pick(3, 1))
    print(format_summary(r))
    paths = _figure(day, r, args.figures_name or _default_name(day))
    print("figure     " + ", ".join(str(p) for p in paths))
    return 0


def tour(args: argparse.Namespace) -> None:
    """The order-book part of ``hftlab tour``: the bundled synthetic day, replayed and validated."""
    from hftlab.config import pick
    from hftlab.lob import lobster, validate
    from hftlab.viz import save_chart
    from hftlab.viz.lob import agreement_chart

    day = lobster.sample_day()
    r = replay_day(day, repeats=pick(3, 1))
    print(format_summary(r))
    print("figure     " + ", ".join(str(p) for p in _figure(day, r, "tour_replay")))
    ks = validate.k_step(lobster.to_messages(day), day.orderbook, ks=(1, 10, 100), n_windows=pick(1000, 200))
    print("k-step     " + "  ".join(f"k={int(k)}: {a:.3f}" for k, a in zip(ks["k"], ks["agreement"])))
    save_chart(agreement_chart(ks.assign(day=day.name)), "tour_replay_agreement")
