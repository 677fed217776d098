"""Validation of the book against LOBSTER orderbook files (the protocols of ``specs/lob.md``).

1. :func:`one_step` — for every message t >= 1: seed a book from orderbook row t-1, apply
   message t, compare with row t. All transitions of a day run as vmapped batches.
2. :func:`k_step` — seed from row s, apply messages s+1..s+k, compare with row s+k, for
   many windows at once; agreement as a function of k.

Which levels are comparable: LOBSTER reports only the top L levels, so when a message
empties a level, the file's level L is filled from liquidity the book has never seen.
Levels 1..L-1 are therefore always comparable after one message. For L = 1 the single
level is compared, except on a side that the message emptied. That rule is
:func:`compared_levels` (with :func:`compared_levels_label` for reports and
:func:`l2_agrees` for replayed books against file rows); every comparison with an
orderbook file goes through it.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from hftlab.errors import InputError
from hftlab.lob import engine


def compared_levels(levels: int) -> int:
    """How many top levels of an ``levels``-level LOBSTER orderbook file a replayed book is compared on.

    ``L - 1`` (1 when ``L = 1``): the file's level L may be refilled from liquidity deeper
    than L that the book has never seen, so it is not comparable.
    """
    return max(int(levels) - 1, 1)


def compared_levels_label(levels: int) -> str:
    """``"levels 1..L-1"`` (``"level 1"`` for single-level files), for reports."""
    return f"levels 1..{compared_levels(levels)}" if int(levels) > 1 else "level 1"


def l2_agrees(replayed_l2, file_l2) -> np.ndarray:
    """Whether replayed books equal orderbook-file rows on the :func:`compared_levels`.

    Both in the engine's ``l2`` layout ``(..., L, 4)`` (file rows through
    :func:`hftlab.lob.lobster.orderbook_l2`); L is the file's. Returns bool of the leading
    shape (a plain bool for one row each).
    """
    replayed, theirs = np.asarray(replayed_l2), np.asarray(file_l2)
    n = compared_levels(theirs.shape[-2])
    return (replayed[..., :n, :] == theirs[..., :n, :]).all(axis=(-2, -1))


def clip_orderbook(orderbook) -> np.ndarray:
    """LOBSTER orderbook rows as int32: the +-9999999999 empty-level prices are clipped."""
    ob = np.asarray(orderbook)
    return np.clip(ob, -(2**31) + 1, 2**31 - 1).astype(np.int32)


def _compare(book_l2, file_row, n_compare: int, levels: int):
    """Per-level agreement ``(n_compare,)`` of the engine's L2 with a file row (sizes 0 = empty)."""
    f = file_row.reshape(levels, 4)[:n_compare]
    e = book_l2[:n_compare]
    ask_ok = (e[:, 1] == f[:, 1]) & ((f[:, 1] == 0) | (e[:, 0] == f[:, 0]))
    bid_ok = (e[:, 3] == f[:, 3]) & ((f[:, 3] == 0) | (e[:, 2] == f[:, 2]))
    if levels == 1:  # a side the message emptied shows unseen liquidity in the file
        ask_ok = ask_ok | (e[:, 1] == 0)
        bid_ok = bid_ok | (e[:, 3] == 0)
    return ask_ok & bid_ok


@partial(jax.jit, static_argnames=("levels", "capacity"))
def _one_step_batch(prev_rows, msgs, next_rows, levels: int, capacity: int):
    n_compare = compared_levels(levels)

    def one(prev, msg, nxt):
        book = engine.from_l2(prev, capacity)
        book, _ = engine.apply(book, msg, 1)
        return _compare(engine.l2(book, n_compare), nxt, n_compare, levels)

    return jax.vmap(one)(prev_rows, msgs, next_rows)


def one_step(messages, orderbook, batch: int = 8192, capacity: int | None = None) -> np.ndarray:
    """Protocol 1: agreement of every one-message transition, bool ``(N-1, n_compare)``.

    Row i is the transition into orderbook row i+1 (message i+1); column k is level k+1;
    ``n_compare`` is L-1 (1 for single-level files).

    Args:
      messages: the engine's message array ``(N, 8)`` (:func:`hftlab.lob.lobster.to_messages`).
      orderbook: the LOBSTER orderbook array ``(N, 4L)``.
      batch: transitions per vmapped call (fixed, so the batch compiles once).
      capacity: slots per side of the seeded books (default ``L + 2``: a seeded book holds
        at most L orders plus the one a message adds).
    """
    messages = np.asarray(messages, np.int32)
    ob = clip_orderbook(orderbook)
    if messages.ndim != 2 or ob.ndim != 2 or len(messages) != len(ob):
        raise InputError(f"messages {messages.shape} and orderbook {ob.shape} must be 2-D with the same number of rows")
    if ob.shape[1] % 4:
        raise InputError(f"orderbook must have 4*L columns, got {ob.shape[1]}")
    levels = ob.shape[1] // 4
    capacity = capacity or levels + 2
    n = len(messages) - 1
    out = []
    for start in range(0, n, batch):
        idx = np.arange(start, start + batch)
        valid = idx < n
        idx = np.where(valid, idx, 0)
        res = _one_step_batch(ob[idx], messages[idx + 1], ob[idx + 1], levels, capacity)
        out.append(np.asarray(res)[valid])
    return np.concatenate(out) if out else np.zeros((0, compared_levels(levels)), bool)


@partial(jax.jit, static_argnames=("k", "levels", "n_compare", "capacity"))
def _k_step_batch(starts, messages, ob, k: int, levels: int, n_compare: int, capacity: int):
    def one(s):
        book = engine.from_l2(ob[s], capacity)
        window = jax.lax.dynamic_slice_in_dim(messages, s + 1, k)
        book, _ = engine.replay(book, window, max_trades=1, trades=False)
        return _compare(engine.l2(book, n_compare), ob[s + k], n_compare, levels)

    return jax.vmap(one)(starts)


def k_step(messages, orderbook, ks=(1, 2, 5, 10, 20, 50, 100), n_windows: int = 1000, n_compare: int | None = None,
           capacity: int = 64, seed: int = 0):
    """Protocol 2: fraction of windows whose top ``n_compare`` levels agree after k messages.

    For each k, ``n_windows`` start rows s are drawn uniformly (same seed for every k); the
    book is seeded from row s, replays messages s+1..s+k and is compared with row s+k.
    Returns a pandas DataFrame with columns ``k``, ``agreement`` (all compared levels
    agree), ``level_agreement`` (mean over levels) and ``windows``.
    """
    import pandas as pd

    messages = np.asarray(messages, np.int32)
    ob = clip_orderbook(orderbook)
    levels = ob.shape[1] // 4
    n_compare = n_compare or compared_levels(levels)
    if n_compare > levels:
        raise InputError(f"cannot compare {n_compare} levels of a {levels}-level orderbook file")
    rng = np.random.default_rng(seed)
    rows = []
    msgs_j, ob_j = jnp.asarray(messages), jnp.asarray(ob)
    for k in ks:
        if k >= len(messages):
            raise InputError(f"window of k={k} messages is longer than the day ({len(messages)} messages)")
        starts = rng.integers(0, len(messages) - k, size=n_windows).astype(np.int32)
        ok = np.asarray(_k_step_batch(jnp.asarray(starts), msgs_j, ob_j, int(k), levels, n_compare, capacity))
        rows.append(dict(k=int(k), agreement=float(ok.all(axis=1).mean()), level_agreement=float(ok.mean()),
                         windows=int(n_windows)))
    return pd.DataFrame(rows)


def summary(agree: np.ndarray) -> dict:
    """Share of transitions that agree on all compared levels, and per level."""
    agree = np.asarray(agree)
    return dict(
        transitions=int(agree.shape[0]),
        all_levels=float(agree.all(axis=1).mean()) if len(agree) else float("nan"),
        per_level=[float(x) for x in agree.mean(axis=0)] if len(agree) else [],
        disagreements=int((~agree.all(axis=1)).sum()),
    )
