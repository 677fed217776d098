"""Replays of LOBSTER days through the JAX book: a whole day checked and timed, many windows at once.

* :func:`replay_day` — one day: the one-step validation (:func:`hftlab.lob.validate.one_step`),
  a full replay from orderbook row 0 in one ``lax.scan`` (rows agreeing with the file, the
  final book, the counters) and its throughput; :func:`format_summary` prints it.
* :func:`measured_capacity` — the capacity a day's replay needs, measured with the
  reference book and sized by :func:`hftlab.lob.engine.capacity_for`.
* :func:`replay_windows` — many windows of one day as ONE vmapped batch of books.
* :func:`replay_window` — one window, the replayed book next to the file's row.
* :func:`batched_throughput` — book-messages per second of vmapped batches against the
  plain-Python dictionary book.

Comparisons with the file use the levels of :func:`hftlab.lob.validate.compared_levels`.
Sizes (repeats, windows) are explicit arguments; nothing here reads quick mode.
"""

from __future__ import annotations

import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from hftlab.errors import InputError
from hftlab.lob import engine, lobster, validate
from hftlab.lob import messages as M

TYPE_LABELS = {1: "new", 2: "cancel", 3: "delete", 4: "execute", 5: "hidden", 6: "cross", 7: "halt"}


def measured_capacity(messages: np.ndarray, seed_row: np.ndarray, levels: int) -> tuple[int, int]:
    """``(capacity, peak)``: the peak resting orders per side of the reference replay of ``messages``
    from ``seed_row``, and the capacity :func:`hftlab.lob.engine.capacity_for` gives it."""
    from hftlab.lob.reference import ReferenceBook

    peak = max(ReferenceBook.from_l2(seed_row).peak_orders(messages))
    return engine.capacity_for(peak, levels=levels), int(peak)


def replay_day(day: lobster.LobsterDay, capacity: int | None = None, repeats: int = 3) -> dict:
    """Validate and replay one :class:`~hftlab.lob.lobster.LobsterDay`; returns the numbers of the summary.

    Args:
      day: the day (:func:`hftlab.lob.lobster.load`).
      capacity: slots per side of the replayed book (default: :func:`measured_capacity`).
      repeats: timed replays; the throughput is their median (compile time separately).
    """
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
    compiled = engine.replay.lower(book0, stream, trades=False).compile()  # ahead of time: compile alone
    compile_s = time.perf_counter() - t0
    runs = []
    for _ in range(max(int(repeats), 1)):
        t0 = time.perf_counter()
        book, _ = compiled(book0, stream)
        jax.block_until_ready(book)
        runs.append(time.perf_counter() - t0)
    run_s = float(np.median(runs))
    out.update(run_s=run_s, compile_s=compile_s, msgs_per_s=(len(day) - 1) / run_s, timed_runs=len(runs))

    _, l2s = engine.replay_l2(book0, stream, L)
    rows_ok = validate.l2_agrees(np.asarray(l2s), file_l2[1:])
    out["replay_rows_agreeing"] = float(rows_ok.mean())
    bad = np.flatnonzero(~rows_ok)
    out["first_disagreement"] = int(bad[0] + 1) if bad.size else None
    out["final_agrees"] = bool(rows_ok[-1])
    out["final_l2"] = np.asarray(engine.l2(book, L))
    out["counters"] = {"overflow": int(book.overflow), "unresolved": int(book.unresolved),
                       "trade_overflow": int(book.trade_overflow)}
    return out


def format_summary(r: dict) -> str:
    """The lines ``hftlab replay`` prints for a :func:`replay_day` result."""
    cmp = validate.compared_levels_label(r["levels"])
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


def default_figure_name(day: lobster.LobsterDay) -> str:
    """``replay_TICKER_DATE_L`` (``replay`` for a day without LOBSTER naming)."""
    if day.ticker and day.date:
        return f"replay_{day.ticker}_{day.date}_L{day.levels}"
    return "replay"


# --------------------------------------------------------------------------- batches of windows


def _replay_windows(starts, messages, orderbook, window: int, capacity: int, levels: int):
    """vmapped over ``starts``: seed from row s, replay messages s+1..s+window; final L2 and overflow."""

    def one(s):
        book = engine.from_l2(orderbook[s], capacity)
        msgs = jax.lax.dynamic_slice_in_dim(messages, s + 1, window)
        book, _ = engine.replay(book, msgs, trades=False)
        return engine.l2(book, levels), book.overflow

    return jax.vmap(one)(starts)


_replay_windows_jit = jax.jit(_replay_windows, static_argnames=("window", "capacity", "levels"))


def _device_day(day: lobster.LobsterDay):
    """The day's engine messages and int32 orderbook rows as device arrays."""
    return jnp.asarray(lobster.to_messages(day)), jnp.asarray(validate.clip_orderbook(day.orderbook))


def replay_windows(day: lobster.LobsterDay, starts, window: int, capacity: int = 128):
    """Replay many windows of one day as ONE vmapped batch of books.

    Book b is seeded from orderbook row ``starts[b]`` and replays the ``window`` messages
    after it. Returns ``(l2, overflow)``: int32 ``(B, L, 4)`` final books and ``(B,)`` overflow counters.
    """
    starts = np.asarray(starts, np.int32)
    if window < 1 or len(day) <= window:
        raise InputError(f"window of {window} messages does not fit a day of {len(day)} messages")
    if starts.size and (starts.min() < 0 or starts.max() + window >= len(day)):
        raise InputError(f"window starts must lie in 0..{len(day) - window - 1}")
    msgs, ob = _device_day(day)
    return _replay_windows_jit(jnp.asarray(starts), msgs, ob, int(window), int(capacity), day.levels)


def replay_window(day: lobster.LobsterDay, start: int, length: int, capacity: int = 256) -> dict:
    """One window of a day: a book seeded from orderbook row ``start`` replays the next ``length`` messages.

    ``length`` is clipped to the day, and a start past the end slides the window back. The
    messages are padded with no-op rows to a power of two, so few lengths compile. Returns
    ``start``, ``end`` (the file row compared with), ``length``, ``replayed`` and ``file``
    (``(L, 4)`` L2 rows) and ``agrees`` (on :func:`hftlab.lob.validate.compared_levels`).
    """
    n = len(day)
    length = int(np.clip(length, 1, n - 1))
    start = int(np.clip(start, 0, n - 1 - length))
    msgs = lobster.to_messages(day)[start + 1: start + 1 + length]
    padded = np.zeros((int(2 ** np.ceil(np.log2(length))), M.N_MSG_FIELDS), np.int32)
    padded[:length] = msgs
    book, _ = engine.replay(engine.from_l2(day.orderbook[start], capacity), jnp.asarray(padded), trades=False)
    mine = np.asarray(engine.l2(book, day.levels))
    theirs = lobster.orderbook_l2(day)[start + length]
    return dict(start=start, end=start + length, length=length, replayed=mine, file=theirs,
                agrees=bool(validate.l2_agrees(mine, theirs)))


def batched_throughput(day: lobster.LobsterDay, batch_sizes=(1, 64, 1024), window: int = 1000, capacity: int = 128,
                       repeats: int = 3, seed: int = 0, baseline_books: int = 64, devices: int = 1):
    """Book-messages per second of vmapped replays of B windows, against the plain-Python dictionary book.

    Every configuration replays windows of ``window`` messages from random start rows of
    ``day`` (different windows per book; batch B takes the first B windows of one draw).
    JAX timings: median of ``repeats`` runs of the function compiled ahead of time
    (compilation timed separately as ``compile_s``). The baseline, in the same run:
    :class:`hftlab.lob.reference.DictBook` replaying the first ``baseline_books`` of those
    windows one after another, messages pre-converted to Python lists. With ``devices`` > 1
    every batch is also replayed split over that many local devices
    (:mod:`hftlab.lob.devices`; on a CPU, one per core when JAX was started with
    ``--xla_force_host_platform_device_count``), label ``JAX B=... (D devices)``.

    Returns a DataFrame: ``label``, ``books``, ``devices``, ``window``, ``seconds``, ``msgs_per_s``, ``compile_s``, ``overflow``.
    """
    import pandas as pd

    from hftlab.lob.reference import DictBook

    if window < 1 or len(day) <= window + 1:
        raise InputError(f"window of {window} messages does not fit a day of {len(day)} messages")
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, len(day) - window - 1, size=max([int(b) for b in batch_sizes] + [int(baseline_books)]))
    msgs_d, ob_d = _device_day(day)
    devices = int(devices)
    if devices > 1:
        from hftlab.lob.devices import book_mesh, shard_books

        if len(jax.local_devices()) < devices:
            raise InputError(f"{devices} devices asked for, JAX sees {len(jax.local_devices())} (on a CPU set "
                             f"XLA_FLAGS=--xla_force_host_platform_device_count={devices} before JAX starts)")
        sharded = shard_books(partial(_replay_windows, window=int(window), capacity=int(capacity), levels=day.levels),
                              book_mesh(jax.local_devices()[:devices]), replicated=(1, 2))
    rows = []
    for B in batch_sizes:
        starts = jnp.asarray(pool[: int(B)].astype(np.int32))
        ways = [(1, lambda: _replay_windows_jit.lower(starts, msgs_d, ob_d, window=int(window), capacity=int(capacity),
                                                      levels=day.levels))]
        if devices > 1 and int(B) % devices == 0:
            ways.append((devices, lambda: sharded.lower(starts, msgs_d, ob_d)))
        for n_dev, lower in ways:
            t0 = time.perf_counter()
            compiled = lower().compile()
            compile_s = time.perf_counter() - t0
            runs = []
            for _ in range(max(int(repeats), 1)):
                t0 = time.perf_counter()
                out = compiled(starts, msgs_d, ob_d)
                jax.block_until_ready(out)
                runs.append(time.perf_counter() - t0)
            sec = float(np.median(runs))
            label = f"JAX B={B}" + (f" ({n_dev} devices)" if n_dev > 1 else "")
            rows.append(dict(label=label, books=int(B), devices=n_dev, window=window, seconds=sec,
                             msgs_per_s=B * window / sec, compile_s=compile_s, overflow=int(np.asarray(out[1]).sum())))
    msgs = lobster.to_messages(day)
    starts = pool[: int(baseline_books)]
    seeds = [day.orderbook[s] for s in starts]
    lists = [DictBook.prepare(msgs[s + 1: s + 1 + window]) for s in starts]
    runs = []
    for _ in range(max(int(repeats), 1)):
        books = [DictBook.from_l2(r) for r in seeds]  # seeding is not timed
        t0 = time.perf_counter()
        for b, rows_ in zip(books, lists):
            b.replay(rows_)
        runs.append(time.perf_counter() - t0)
    sec = float(np.median(runs))
    rows.append(dict(label="dict book (Python)", books=int(baseline_books), devices=1, window=window, seconds=sec,
                     msgs_per_s=baseline_books * window / sec, compile_s=0.0, overflow=0))
    return pd.DataFrame(rows)
