"""The JAX limit order book: one book, pure functions, price-time matching.

A book is two sides of fixed capacity ``C`` (row 0 bids, row 1 asks). Each slot holds one
resting order: price, quantity (0 = empty slot), order id, trader id, time and an arrival
number ``seq`` (time priority: orders arrive in time order, so arrival order is time order).

Every function here works on ONE book and ONE message; batches are ``jax.vmap``, streams
are ``jax.lax.scan`` (see :func:`replay`). Message and trade layouts are in
:mod:`hftlab.lob.messages`; the semantics, message type by message type, are in
:func:`apply`.

Speed. Under ``vmap`` every lane runs every instruction, so the common case is written as
a handful of passes over the ``C`` slots of one side, shared by all message types:

* one masked reduction gives the best opposite price, so a message knows whether it
  crosses without entering the matching loop;
* one ``argmax`` over a single mask finds the slot a message acts on: the first free slot
  for a resting order, the order with the message's id for a cancel / delete / execution;
* the rare cases run in :func:`_when` blocks — a ``while_loop`` of at most one iteration,
  which under ``vmap`` executes only when some lane needs it (a ``lax.cond`` would run
  both branches in every lane): the matching sweep, the fallback to a seeded order for an
  unknown id, and eviction when a side is full.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from hftlab.errors import InputError
from hftlab.lob import messages as M

BIG = jnp.int32(2**31 - 1)
BID, ASK = 0, 1
N_EVENTS = M.N_TYPES


@struct.dataclass
class Book:
    """One limit order book. Every array field is int32 with shape ``(2, capacity)``.

    Attributes:
      price, qty, oid, trader, time_s, time_ns, seq: the resting orders, row 0 bids,
        row 1 asks; ``qty == 0`` marks an empty slot.
      next_seq: arrival number of the next resting order.
      overflow: orders that found their side full (evicted or rejected, see :func:`apply`).
      unresolved: cancels / deletes / executions whose order could not be found.
      trade_overflow: fills executed beyond ``max_trades`` in one message (executed, not
        reported in that message's trades array).
      events: messages processed, by type (index = message type, shape ``(10,)``).
    """

    price: jax.Array
    qty: jax.Array
    oid: jax.Array
    trader: jax.Array
    time_s: jax.Array
    time_ns: jax.Array
    seq: jax.Array
    next_seq: jax.Array
    overflow: jax.Array
    unresolved: jax.Array
    trade_overflow: jax.Array
    events: jax.Array

    @property
    def capacity(self) -> int:
        return self.price.shape[-1]


ORDER_FIELDS = ("price", "qty", "oid", "trader", "time_s", "time_ns", "seq")


def empty(capacity: int) -> Book:
    """A book with no orders and ``capacity`` slots per side."""
    capacity = _check_capacity(capacity)
    z = jnp.zeros((2, capacity), jnp.int32)
    s = jnp.int32(0)
    return Book(z, z, z, z, z, z, z, s, s, s, s, jnp.zeros((N_EVENTS,), jnp.int32))


def _check_capacity(capacity) -> int:
    try:
        c = int(capacity)
    except (TypeError, ValueError):
        raise InputError(f"capacity must be an integer, got {capacity!r}") from None
    if c < 1:
        raise InputError(f"capacity must be at least 1 slot per side, got {c}")
    return c


def _as_int32_row(row) -> jax.Array:
    """LOBSTER rows hold +-9999999999 placeholders that do not fit int32: clip on the host."""
    if isinstance(row, jax.Array):
        return row.astype(jnp.int32)
    arr = np.asarray(row)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise InputError("orderbook row contains NaN or infinite values")
        arr = np.rint(arr)
    return jnp.asarray(np.clip(arr, -(2**31) + 1, 2**31 - 1).astype(np.int32))


def from_l2(orderbook_row, capacity: int) -> Book:
    """A book seeded from one LOBSTER orderbook row ``[askP1, askS1, bidP1, bidS1, askP2, ...]``.

    Each non-empty level (size > 0) becomes one resting order of that size at that price,
    with order id ``-(level)`` (negative ids mark seeded orders, see the unknown-id rule in
    :func:`apply`) and trader 0. Empty levels (size 0, price +-9999999999) are skipped.
    ``capacity`` is the number of slots per side (static; at least the number of levels).
    """
    capacity = _check_capacity(capacity)
    row = _as_int32_row(orderbook_row)
    if row.ndim != 1 or row.shape[0] % 4 != 0 or row.shape[0] == 0:
        raise InputError(f"orderbook row must have 4*L values, got shape {tuple(row.shape)}")
    levels = row.shape[0] // 4
    if capacity < levels:
        raise InputError(f"capacity {capacity} is smaller than the {levels} levels of the orderbook row")
    book = empty(capacity)
    lv = row.reshape(levels, 4)
    price = jnp.stack([lv[:, 2], lv[:, 0]])  # (2, L): bids, asks
    size = jnp.maximum(jnp.stack([lv[:, 3], lv[:, 1]]), 0)
    live = size > 0
    ids = -jnp.arange(1, levels + 1, dtype=jnp.int32)
    pad = capacity - levels
    fill = lambda a: jnp.pad(a, ((0, 0), (0, pad)))
    return book.replace(
        price=fill(jnp.where(live, price, 0)),
        qty=fill(jnp.where(live, size, 0)),
        oid=fill(jnp.where(live, jnp.broadcast_to(ids, (2, levels)), 0)),
        seq=fill(jnp.broadcast_to(jnp.arange(levels, dtype=jnp.int32), (2, levels))),
        next_seq=jnp.int32(levels),
    )


# --------------------------------------------------------------------------- helpers


def _when(pred, fn, carry):
    """``fn(carry)`` if ``pred`` else ``carry``, as a one-iteration ``while_loop``.

    Unlike ``lax.cond``, which ``vmap`` turns into "run both branches everywhere", a batched
    ``while_loop`` runs its body only if some lane's predicate is true.
    """

    def body(c):
        _, inner = c
        return jnp.bool_(False), fn(inner)

    return jax.lax.while_loop(lambda c: c[0], body, (pred, carry))[1]


def _side_key(side_idx, price):
    """Price as a key where smaller is better: asks ascending, bids descending."""
    return jnp.where(side_idx == ASK, price, -price)


def _best(book: Book, side_idx):
    """Slot of the best order of a side (best price, then earliest arrival) and its key."""
    live = book.qty[side_idx] > 0
    key = jnp.where(live, _side_key(side_idx, book.price[side_idx]), BIG)
    best_key = jnp.min(key)
    at_best = live & (key == best_key)
    j = jnp.argmin(jnp.where(at_best, book.seq[side_idx], BIG))
    return j, best_key


def _set_slot(book: Book, side_idx, j, **values) -> Book:
    return book.replace(**{f: getattr(book, f).at[side_idx, j].set(v) for f, v in values.items()})


def _trade_row(price, qty, passive_oid, aggr_oid, passive_trader, aggr_trader, ts, tns, aggr_side):
    return jnp.stack([price, qty, passive_oid, aggr_oid, passive_trader, aggr_trader, ts, tns, aggr_side]).astype(
        jnp.int32
    )


# --------------------------------------------------------------------------- matching


def _match(book: Book, msg, remaining, trades):
    """Sweep the side opposite to ``msg`` while it crosses the limit price (price-time priority).

    Each iteration fills against the best resting order (best price, then earliest arrival)
    at that order's price; an order filled to 0 leaves the book. Bounded by ``capacity + 1``
    iterations: every iteration but the last empties a resting order.
    """
    typ, side, price = msg[M.TYPE], msg[M.SIDE], msg[M.PRICE]
    opp = jnp.where(side == M.BUY, ASK, BID)
    limit_key = jnp.where(typ == M.MARKET, BIG - 1, _side_key(opp, price))
    max_trades = trades.shape[0]
    bound = book.capacity + 1

    def cond(c):
        return c[4]

    def body(c):
        book, remaining, trades, n, _ = c
        j, best_key = _best(book, opp)
        crosses = best_key <= limit_key
        resting = book.qty[opp, j]
        fill = jnp.where(crosses, jnp.minimum(remaining, resting), 0)
        book = book.replace(
            qty=book.qty.at[opp, j].add(-fill),
            trade_overflow=book.trade_overflow + ((fill > 0) & (n >= max_trades)),
        )
        row = _trade_row(
            book.price[opp, j], fill, book.oid[opp, j], msg[M.OID], book.trader[opp, j], msg[M.TRADER],
            msg[M.TIME_S], msg[M.TIME_NS], side,
        )
        trades = trades.at[jnp.where(fill > 0, n, max_trades)].set(row, mode="drop")
        remaining = remaining - fill
        n = n + (fill > 0)
        go = crosses & (remaining > 0) & (n < bound)
        return book, remaining, trades, n, go

    # does the message cross at all? one masked reduction, no loop for the common case
    live = book.qty[opp] > 0
    best_key = jnp.min(jnp.where(live, _side_key(opp, book.price[opp]), BIG))
    go = (remaining > 0) & (best_key <= limit_key)
    book, remaining, trades, _, _ = jax.lax.while_loop(cond, body, (book, remaining, trades, jnp.int32(0), go))
    return book, remaining, trades


# --------------------------------------------------------------------------- one message


def apply(book: Book, message, max_trades: int = 16):
    """The book after one message, and the trades it caused.

    Args:
      book: a single :class:`Book`.
      message: int32 ``(8,)`` row, layout in :mod:`hftlab.lob.messages`.
      max_trades: static; rows of the returned trades array.

    Returns:
      ``(book, trades)``, trades int32 ``(max_trades, 9)``; unused rows have quantity 0.

    Semantics by type:

    * 1 limit: matches the opposite side while it crosses (price-time priority, trades at
      the resting price), the remainder rests with the next arrival number.
    * 8 market: as 1 with no price limit; 9 IOC: as 1; for both the remainder is dropped.
    * 2 cancel: the order (found by id on the message's side) loses ``size`` shares
      (removed at 0); 3 delete: the order is removed; 4 execution: the resting order
      (side = the message's side) is filled by ``min(size, quantity)`` and a trade is
      reported with aggressor id and trader 0.
    * 5 hidden execution, 6 cross, 7 halt, 0 no-op: the book is unchanged.
    * Unknown ids (2, 3, 4) of the historical flow (trader 0): the seeded order (negative
      id, see :func:`from_l2`) resting at the message's price on that side is reduced by
      the message's size (4: filled), since it stands for the orders that rested there
      before the data began. With no such order, or for an agent's message (trader >= 1),
      the book is unchanged and ``unresolved`` counts the message.
    * Full side: a remainder that finds no free slot evicts the worst-priced resting order
      (latest arrival among equals) if its own price is strictly better, else it is
      rejected; either way ``overflow`` counts it.

    Every message increments ``events[type]``.
    """
    msg = jnp.asarray(message, jnp.int32)
    typ, side, price, size, oid = msg[M.TYPE], msg[M.SIDE], msg[M.PRICE], msg[M.SIZE], msg[M.OID]
    own = jnp.where(side == M.BUY, BID, ASK)
    trades = jnp.zeros((max_trades, M.N_TRADE_FIELDS), jnp.int32)
    book = book.replace(events=book.events.at[jnp.clip(typ, 0, N_EVENTS - 1)].add(1))

    # 1. aggressive orders sweep the opposite side
    aggressive = (typ == M.LIMIT) | (typ == M.MARKET) | (typ == M.IOC)
    book, remaining, trades = _match(book, msg, jnp.where(aggressive, jnp.maximum(size, 0), 0), trades)

    # 2. one pass over the own side finds the slot: first free slot to rest, or the order by id
    rests = (typ == M.LIMIT) & (remaining > 0)
    by_id = (typ == M.CANCEL) | (typ == M.DELETE) | (typ == M.EXECUTE)
    qty_own = book.qty[own]
    target = jnp.where(rests, qty_own == 0, (book.oid[own] == oid) & (qty_own > 0))
    j = jnp.argmax(target)
    found = target[j]

    # 2a. unknown id from the historical flow: fall back to the seeded order at that price
    def seeded(c):
        j, found = c
        cand = (book.price[own] == price) & (book.oid[own] < 0) & (qty_own > 0)
        k = jnp.argmax(cand)
        return jnp.where(cand[k], k, j), cand[k]

    lost = by_id & ~found
    j, found_seed = _when(lost & (msg[M.TRADER] == 0), seeded, (j, jnp.bool_(False)))
    found = found | found_seed
    book = book.replace(unresolved=book.unresolved + (lost & ~found_seed))

    # 2b. full side: evict the worst-priced order if the newcomer beats it, else reject
    def evict(c):
        j, found, book = c
        live = book.qty[own] > 0
        key = jnp.where(live, _side_key(own, book.price[own]), -BIG)
        worst_key = jnp.max(key)
        w = jnp.argmax(jnp.where(live & (key == worst_key), book.seq[own], -1))
        better = _side_key(own, price) < worst_key
        return jnp.where(better, w, j), better, book.replace(overflow=book.overflow + 1)

    full = rests & ~found
    j, found, book = _when(full, evict, (j, found, book))

    # 3. write the slot
    q = book.qty[own, j]
    reduce_by = jnp.where(typ == M.DELETE, jnp.where(found_seed, size, q), size)
    new_q = jnp.where(rests, remaining, jnp.maximum(q - jnp.maximum(reduce_by, 0), 0))
    write = found & (rests | by_id)
    is_new = write & rests
    old = {f: getattr(book, f)[own, j] for f in ORDER_FIELDS}
    new = dict(
        price=jnp.where(is_new, price, old["price"]),
        qty=jnp.where(write, new_q, old["qty"]),
        oid=jnp.where(is_new, oid, old["oid"]),
        trader=jnp.where(is_new, msg[M.TRADER], old["trader"]),
        time_s=jnp.where(is_new, msg[M.TIME_S], old["time_s"]),
        time_ns=jnp.where(is_new, msg[M.TIME_NS], old["time_ns"]),
        seq=jnp.where(is_new, book.next_seq, old["seq"]),
    )
    book = _set_slot(book, own, j, **new)
    book = book.replace(next_seq=book.next_seq + is_new)

    # 4. an execution of a visible order is a trade against the resting order
    executed = write & (typ == M.EXECUTE)
    row = _trade_row(
        old["price"], q - new_q, old["oid"], 0, old["trader"], 0, msg[M.TIME_S], msg[M.TIME_NS], -side,
    )
    trades = trades.at[0].set(jnp.where(executed, row, trades[0]))
    return book, trades


# --------------------------------------------------------------------------- streams and views


@partial(jax.jit, static_argnames=("max_trades", "trades"))
def replay(book: Book, messages, max_trades: int = 16, trades: bool = True):
    """Apply a stream of messages ``(N, 8)`` with ``lax.scan``.

    Returns ``(book, trades)``: the final book and the per-message trades
    ``(N, max_trades, 9)`` (``None`` with ``trades=False``, which skips writing them).
    """

    def step(b, m):
        b, t = apply(b, m, max_trades)
        return b, (t if trades else None)

    return jax.lax.scan(step, book, jnp.asarray(messages, jnp.int32))


def l2(book: Book, levels: int) -> jax.Array:
    """Aggregated depth, int32 ``(levels, 4)``: ask price, ask size, bid price, bid size.

    Best level first; orders at the same price are summed; an empty level is ``0, 0``.
    """
    cols = []
    for side_idx in (ASK, BID):
        live = book.qty[side_idx] > 0
        key = jnp.where(live, _side_key(side_idx, book.price[side_idx]), BIG)
        prev = -BIG
        prices, sizes = [], []
        for _ in range(levels):
            k = jnp.min(jnp.where(key > prev, key, BIG))
            size = jnp.sum(jnp.where(key == k, book.qty[side_idx], 0))
            ok = k < BIG
            prices.append(jnp.where(ok, jnp.where(side_idx == ASK, k, -k), 0))
            sizes.append(jnp.where(ok, size, 0))
            prev = k
        cols += [jnp.stack(prices), jnp.stack(sizes)]
    return jnp.stack(cols, axis=1).astype(jnp.int32)


@partial(jax.jit, static_argnames=("levels",))
def replay_l2(book: Book, messages, levels: int):
    """Like :func:`replay`, returning the book and its L2 view after every message ``(N, levels, 4)``."""

    def step(b, m):
        b, _ = apply(b, m, 1)
        return b, l2(b, levels)

    return jax.lax.scan(step, book, jnp.asarray(messages, jnp.int32))


def best_prices(book: Book):
    """``(best_bid, best_ask)``; 0 for an empty side."""
    top = l2(book, 1)[0]
    return top[2], top[0]
