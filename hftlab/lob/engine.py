"""The JAX limit order book: one book, pure functions, price-time matching.

A book is two sides of fixed capacity ``C`` (row 0 bids, row 1 asks). Each slot holds one
resting order: price, quantity (0 = empty slot), order id, trader id, time and an arrival
number ``seq`` (time priority: orders arrive in time order, so arrival order is time order).

Every function here works on ONE book; batches are ``jax.vmap``. Message and trade layouts
are in :mod:`hftlab.lob.messages`; the semantics, message type by message type, are in
:func:`apply`.

How it runs. A stream is processed by a *micro-step* machine (:func:`_micro_step`): each
step does exactly one unit of work — either one fill of an aggressive order against the
best opposite order, or the whole of any other message (rest a limit order, cancel,
delete, execute). A message that sweeps n resting orders takes n steps; the message
pointer advances when a message is finished. The step has no branches and no inner loops:
under ``vmap`` every lane runs every instruction, so the step is a few passes over the
``C`` slots shared by all message types —

* one masked ``min`` finds the best opposite price (does the message cross?) and one
  ``argmin`` the earliest order at that price (the one a fill would hit);
* one ``min`` over a single score finds the slot the message acts on: the order with the
  message's id, else the seeded order at the message's price (unknown-id fallback), or the
  first free slot for a resting order (an empty slot has id ``EMPTY``);
* one scatter writes the one slot the step changes.

A stream of N messages is a ``while_loop`` over steps until every lane has consumed its N
messages (bounded by ``N * (capacity + 2)`` steps). Lanes that finish early idle, so a
batch costs about N + (fills of its busiest lane) steps. The loop carries a lane axis of
its own (``custom_vmap``): ``vmap`` of a per-book ``while_loop`` would select between old
and new state of every book at every step, a full pass over all books per message.
"""

from __future__ import annotations

from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct
from jax import custom_batching

from hftlab.errors import InputError
from hftlab.lob import messages as M

BIG = jnp.int32(2**31 - 1)
EMPTY = jnp.int32(-(2**31))  # order id of an empty slot (never a real id)
BID, ASK = 0, 1
N_EVENTS = M.N_TYPES

# fields of a resting order, the middle axis of ``Book.orders``
PRICE, QTY, OID, TRADER, TIME_S, TIME_NS, SEQ = range(7)


@struct.dataclass
class Book:
    """One limit order book.

    Attributes:
      orders: int32 ``(2, 7, capacity)``: side (0 bids, 1 asks) x field x slot, the fields
        being price, qty, oid, trader, time_s, time_ns, seq (also readable as properties
        ``book.price`` ... ``book.seq``, each ``(2, capacity)``). An empty slot has
        quantity 0 and order id ``EMPTY`` (-2**31), so one compare on the id row finds
        both an order and a free slot.
      next_seq: arrival number of the next resting order.
      overflow: limit orders whose remainder found its side full and was rejected.
      unresolved: cancels / deletes / executions whose order could not be found.
      trade_overflow: fills executed beyond ``max_trades`` in one message (executed, not
        reported in that message's trades array).
      events: messages processed, by type (index = message type, shape ``(10,)``).
    """

    orders: jax.Array
    next_seq: jax.Array
    overflow: jax.Array
    unresolved: jax.Array
    trade_overflow: jax.Array
    events: jax.Array

    @property
    def capacity(self) -> int:
        return self.orders.shape[-1]

    price = property(lambda self: self.orders[..., PRICE, :])
    qty = property(lambda self: self.orders[..., QTY, :])
    oid = property(lambda self: self.orders[..., OID, :])
    trader = property(lambda self: self.orders[..., TRADER, :])
    time_s = property(lambda self: self.orders[..., TIME_S, :])
    time_ns = property(lambda self: self.orders[..., TIME_NS, :])
    seq = property(lambda self: self.orders[..., SEQ, :])


def empty(capacity: int) -> Book:
    """A book with no orders and ``capacity`` slots per side."""
    capacity = _check_capacity(capacity)
    orders = jnp.zeros((2, 7, capacity), jnp.int32).at[:, OID].set(EMPTY)
    z = jnp.int32(0)
    return Book(orders, z, z, z, z, jnp.zeros((N_EVENTS,), jnp.int32))


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
    lv = row.reshape(levels, 4)
    price = jnp.stack([lv[:, 2], lv[:, 0]])  # (2, L): bids, asks
    size = jnp.maximum(jnp.stack([lv[:, 3], lv[:, 1]]), 0)
    live = size > 0
    ids = jnp.broadcast_to(-jnp.arange(1, levels + 1, dtype=jnp.int32), (2, levels))
    seq = jnp.broadcast_to(jnp.arange(levels, dtype=jnp.int32), (2, levels))
    zero = jnp.zeros((2, levels), jnp.int32)
    seeded = jnp.stack([
        jnp.where(live, price, 0), jnp.where(live, size, 0), jnp.where(live, ids, EMPTY), zero, zero, zero, seq,
    ], axis=1)  # (2, 7, L)
    book = empty(capacity)
    return book.replace(orders=book.orders.at[:, :, :levels].set(seeded), next_seq=jnp.int32(levels))


# --------------------------------------------------------------------------- helpers


def _side_key(side_idx, price):
    """Price as a key where smaller is better: asks ascending, bids descending."""
    return jnp.where(side_idx == ASK, price, -price)


def _row(orders, side_idx, field):
    """One field of one side, chosen with a select rather than a gather (fuses into the reductions)."""
    return jnp.where(side_idx == BID, orders[BID, field], orders[ASK, field])


def _trade_row(price, qty, passive_oid, aggr_oid, passive_trader, aggr_trader, ts, tns, aggr_side):
    return jnp.stack([price, qty, passive_oid, aggr_oid, passive_trader, aggr_trader, ts, tns, aggr_side]).astype(
        jnp.int32
    )


@struct.dataclass
class Pending:
    """An aggressive order part-way through its sweep (carried between micro-steps)."""

    active: jax.Array  # bool: the current message is this order, not the next in the stream
    msg: jax.Array  # int32 (8,)
    remaining: jax.Array  # int32: shares still to trade
    fills: jax.Array  # int32: fills so far (the row of its next trade)

    @staticmethod
    def none() -> "Pending":
        return Pending(jnp.bool_(False), jnp.zeros((M.N_MSG_FIELDS,), jnp.int32), jnp.int32(0), jnp.int32(0))


# --------------------------------------------------------------------------- the micro-step


def _micro_step(book: Book, pend: Pending, nxt, live=True):
    """One unit of work on one book: a fill of the pending aggressive order, or one whole message.

    Args:
      book, pend: the book and the aggressive order being swept (if ``pend.active``).
      nxt: the next message of the stream (used when nothing is pending).
      live: False for a lane that has finished its stream (the step then changes nothing).

    Returns:
      ``(book, pend, consumed, trade_row, trade_index)``: ``consumed`` says the current
      message is finished; ``trade_row`` is the trade this step made (quantity 0 if none)
      and ``trade_index`` its row among the current message's trades.
    """
    cur = jnp.where(pend.active, pend.msg, nxt)
    typ, side, price, size, oid = cur[M.TYPE], cur[M.SIDE], cur[M.PRICE], cur[M.SIZE], cur[M.OID]
    trader = cur[M.TRADER]
    typ = jnp.where(live, typ, M.NOOP)
    own = jnp.where(side == M.BUY, BID, ASK)
    opp = 1 - own
    orders = book.orders
    capacity = orders.shape[-1]
    iota = jnp.arange(capacity, dtype=jnp.int32)

    aggressive = (typ == M.LIMIT) | (typ == M.MARKET) | (typ == M.IOC)
    remaining = jnp.where(pend.active, pend.remaining, jnp.where(aggressive, jnp.maximum(size, 0), 0))
    fills = jnp.where(pend.active, pend.fills, 0)  # fills so far of the current message

    # (a) the opposite side: best price, and the earliest order there
    opp_oid, opp_seq = _row(orders, opp, OID), _row(orders, opp, SEQ)
    opp_key = jnp.where(opp_oid != EMPTY, _side_key(opp, _row(orders, opp, PRICE)), BIG)
    best_key = jnp.min(opp_key)
    j_best = jnp.argmin(jnp.where(opp_key == best_key, opp_seq, BIG)).astype(jnp.int32)
    limit_key = jnp.where(typ == M.MARKET, BIG - 1, _side_key(opp, price))
    crosses = aggressive & (remaining > 0) & (best_key <= limit_key) & (fills <= capacity)

    # (b) the own side: one score, lowest wins: the order by id < the seeded order at the price
    #     (unknown-id fallback) < nothing; a resting order looks for the first free slot instead
    rests = (typ == M.LIMIT) & (remaining > 0) & ~crosses
    by_id = (typ == M.CANCEL) | (typ == M.DELETE) | (typ == M.EXECUTE)
    own_oid, own_price = _row(orders, own, OID), _row(orders, own, PRICE)
    seeded = (own_price == price) & (own_oid < 0) & (own_oid != EMPTY) & (trader == 0) & ~rests
    score = jnp.where(own_oid == jnp.where(rests, EMPTY, oid), iota, jnp.where(seeded, capacity + iota, 2 * capacity))
    j_own = jnp.min(score)
    found_id = j_own < capacity
    found_seed = (j_own >= capacity) & (j_own < 2 * capacity)

    # (c) the one slot this step writes
    side_w = jnp.where(crosses, opp, own)
    j = jnp.where(crosses, j_best, j_own % capacity)
    slot = orders[side_w, :, j]
    q = slot[QTY]
    fill = jnp.where(crosses, jnp.minimum(remaining, q), 0)
    reduce_by = jnp.where(crosses, fill, jnp.where((typ == M.DELETE) & found_id, q, jnp.maximum(size, 0)))
    new_q = jnp.maximum(q - reduce_by, 0)
    updated = slot.at[QTY].set(new_q).at[OID].set(jnp.where(new_q > 0, slot[OID], EMPTY))
    placed = jnp.stack([price, remaining, oid, trader, cur[M.TIME_S], cur[M.TIME_NS], book.next_seq])
    placing = rests & found_id
    write = crosses | placing | (by_id & (found_id | found_seed))
    new_slot = jnp.where(placing, placed, jnp.where(write, updated, slot))
    orders = orders.at[side_w, :, j].set(new_slot)

    # (d) the trade: a fill of the aggressive order, or a type-4 execution of a resting order
    executed = (typ == M.EXECUTE) & (found_id | found_seed)
    traded = jnp.where(crosses | executed, q - new_q, 0)
    trade = _trade_row(
        slot[PRICE], traded, slot[OID], jnp.where(crosses, oid, 0), slot[TRADER], jnp.where(crosses, trader, 0),
        cur[M.TIME_S], cur[M.TIME_NS], jnp.where(crosses, side, -side),
    )
    trade_index = jnp.where(crosses, fills, 0)

    # (e) bookkeeping: is the message finished?
    left = remaining - fill
    consumed = live & ~(crosses & (left > 0))
    pend = Pending(crosses & (left > 0), cur, left, fills + 1)
    book = Book(
        orders,
        book.next_seq + placing,
        book.overflow + (rests & ~found_id),
        book.unresolved + (by_id & ~found_id & ~found_seed),
        book.trade_overflow,
        book.events.at[jnp.clip(typ, 0, N_EVENTS - 1)].add(consumed),
    )
    return book, pend, consumed, trade, trade_index


# --------------------------------------------------------------------------- streams


def _lanes_loop(book: Book, messages, max_trades: int, keep_trades: bool):
    """Run many books ("lanes", leading axis L) through their streams ``messages`` (L, N, 8).

    One ``while_loop`` over micro-steps until every lane has consumed its N messages; the
    step is ``vmap``-ed over lanes and a finished lane's step changes nothing, so the loop
    needs no per-lane select of its state (which ``vmap`` of a per-book ``while_loop``
    would add: a full pass over every book at every step).
    """
    lanes, n = messages.shape[0], messages.shape[1]
    bound = n * (book.orders.shape[-1] + 2)
    trades = jnp.zeros((lanes, n if keep_trades else 0, max_trades, M.N_TRADE_FIELDS), jnp.int32)
    pend = jax.tree.map(lambda x: jnp.broadcast_to(x, (lanes,) + x.shape), Pending.none())
    rows = jnp.arange(lanes)

    def cond(c):
        return jnp.any(c[2] < n) & (c[3] < bound)

    def body(c):
        book, pend, ptr, steps, trades = c
        live = ptr < n
        nxt = messages[rows, jnp.minimum(ptr, n - 1)]
        book, pend, consumed, trade, k = jax.vmap(_micro_step)(book, pend, nxt, live)
        made = trade[:, M.T_QTY] > 0
        book = book.replace(trade_overflow=book.trade_overflow + (made & (k >= max_trades)))
        if keep_trades:
            trades = trades.at[rows, jnp.where(made, ptr, n), k].set(trade, mode="drop")
        return book, pend, ptr + consumed, steps + 1, trades

    carry = (book, pend, jnp.zeros((lanes,), jnp.int32), jnp.int32(0), trades)
    book, _, _, _, trades = jax.lax.while_loop(cond, body, carry)
    return book, trades


def _broadcast_unbatched(axis_size, in_batched, args):
    return jax.tree.map(
        lambda x, b: x if b else jnp.broadcast_to(x, (axis_size,) + jnp.shape(x)), args, tuple(in_batched)
    )


@lru_cache(maxsize=None)
def _lanes_runner(max_trades: int, keep_trades: bool):
    """:func:`_lanes_loop` whose own ``vmap`` flattens the new axis into the lanes (nested vmaps)."""

    @custom_batching.custom_vmap
    def run(book, messages):
        return _lanes_loop(book, messages, max_trades, keep_trades)

    @run.def_vmap
    def run_batched(axis_size, in_batched, book, messages):
        book, messages = _broadcast_unbatched(axis_size, in_batched, (book, messages))
        lanes = messages.shape[1]
        flat = lambda x: x.reshape((axis_size * lanes,) + x.shape[2:])
        out = run(jax.tree.map(flat, book), flat(messages))
        unflat = lambda x: x.reshape((axis_size, lanes) + x.shape[1:])
        out = jax.tree.map(unflat, out)
        return out, jax.tree.map(lambda _: True, out)

    return run


@lru_cache(maxsize=None)
def _runner(max_trades: int, keep_trades: bool):
    """One book through one stream; under ``vmap`` the books become the lanes of one loop."""
    lanes_run = _lanes_runner(max_trades, keep_trades)

    @custom_batching.custom_vmap
    def run(book, messages):
        out = lanes_run(jax.tree.map(lambda x: x[None], book), messages[None])
        return jax.tree.map(lambda x: x[0], out)

    @run.def_vmap
    def run_batched(axis_size, in_batched, book, messages):
        book, messages = _broadcast_unbatched(axis_size, in_batched, (book, messages))
        out = lanes_run(book, messages)
        return out, jax.tree.map(lambda _: True, out)

    return run


def _run(book: Book, messages, max_trades: int, keep_trades: bool):
    """Process ``messages`` (N, 8) with micro-steps; trades per message if ``keep_trades``."""
    return _runner(int(max_trades), bool(keep_trades))(book, jnp.asarray(messages, jnp.int32))


def apply(book: Book, message, max_trades: int = 16):
    """The book after one message, and the trades it caused.

    Args:
      book: a single :class:`Book`.
      message: int32 ``(8,)`` row, layout in :mod:`hftlab.lob.messages`.
      max_trades: static; rows of the returned trades array.

    Returns:
      ``(book, trades)``, trades int32 ``(max_trades, 9)``; unused rows have quantity 0.

    Semantics by type:

    * 1 limit: matches the opposite side while it crosses (price-time priority: best price,
      then earliest arrival; trades at the resting price), the remainder rests with the
      next arrival number.
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
    * Full side: a remainder that finds no free slot is rejected (the resting orders keep
      their places) and ``overflow`` counts it. Size the capacity so that this does not
      happen (``benchmarks/`` and the tests measure what real days need).
    * More than ``max_trades`` fills: all are executed; the ones beyond ``max_trades`` are
      not in the returned array and ``trade_overflow`` counts them.

    Every message increments ``events[type]``. Order id ``-2**31`` is reserved for empty slots.
    """
    book, trades = _run(book, jnp.asarray(message, jnp.int32)[None], max_trades, True)
    return book, trades[0]


@partial(jax.jit, static_argnames=("max_trades", "trades"))
def replay(book: Book, messages, max_trades: int = 16, trades: bool = True):
    """Apply a stream of messages ``(N, 8)`` in order; the same semantics as :func:`apply`.

    Returns ``(book, trades)``: the final book and the per-message trades
    ``(N, max_trades, 9)`` (``None`` with ``trades=False``, which skips recording them).
    """
    book, t = _run(book, messages, max_trades, trades)
    return book, (t if trades else None)


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
