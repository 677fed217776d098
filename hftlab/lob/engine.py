"""The JAX limit order book: one book, pure functions, price-time matching.

A book is two sides of fixed capacity ``C`` (row 0 bids, row 1 asks). Each slot holds one
resting order: price, quantity (0 = empty slot), order id, trader id, time and an arrival
number ``seq`` (time priority: orders arrive in time order, so arrival order is time order).

Every function here works on ONE book; batches are ``jax.vmap``. Message and trade layouts
are in :mod:`hftlab.lob.messages`; the semantics, message type by message type, are in
:func:`apply`.

How it runs. A stream is processed by a *micro-step* machine (:func:`_micro_step`): each
step does exactly one unit of work in every book — either one fill of an aggressive order
against the best opposite order, or the whole of any other message (rest a limit order,
cancel, delete, execute). A message that sweeps n resting orders takes n steps; a book's
message pointer advances when its message is finished. The step has no branches per
message type: all books run the same few passes over the ``C`` slots —

* one ``min`` over the opposite side's price keys: the best price (does the message cross?);
* one ``min`` over the own side's id row: the order with the message's id, else the seeded
  order at the message's price (seeded orders have id ``-price``: the unknown-id fallback),
  or the first free slot for a resting order (an empty slot has id ``EMPTY``);
* one scatter writing the one slot the step changes in each book.

Only a fill needs the earliest order at the best price, and historical flow seldom
crosses (its trades arrive as executions), so that search runs only on steps where some
book crosses, and then only over the few books that do.

Many books run as *lanes* of one machine: a ``while_loop`` over steps until every lane has
consumed its N messages (bounded by ``N * (capacity + 2)`` steps); lanes that finish early
idle, so a batch costs about N + (fills of its busiest lane) steps. The loop state puts
the slot axis before the lane axis, so a pass over slots is an elementwise ``min`` across
all books at once. The loop carries the lane axis itself (``custom_vmap``): ``vmap`` of a
per-book ``while_loop`` would select between old and new state of every book at every
step, a full pass over all books per message.
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


MIN_CAPACITY = 16  # the smallest capacity :func:`capacity_for` chooses


def capacity_needed(peak_orders: int, extra_orders: int = 0, levels: int = 0) -> int:
    """The fewest slots per side with which a replay never overflows: ``max(peak_orders + extra_orders, levels)``.

    ``peak_orders`` is the most resting orders one side of the book reaches on the data
    (measured with :meth:`hftlab.lob.reference.ReferenceBook.peak_orders`, seeded orders
    included); ``extra_orders`` the most orders other traders (agents) can add to one side
    on top of it; ``levels`` the levels of the orderbook rows the book is seeded from
    (:func:`from_l2` needs one slot per level).
    """
    for name, v in (("peak_orders", peak_orders), ("extra_orders", extra_orders), ("levels", levels)):
        if int(v) < 0:
            raise InputError(f"capacity_needed: {name} must be >= 0, got {v}")
    return max(int(peak_orders) + int(extra_orders), int(levels))


def capacity_for(peak_orders: int, extra_orders: int = 0, levels: int = 0) -> int:
    """The book capacity (slots per side) to build for data whose sides peak at ``peak_orders`` resting orders.

    The rule: the smallest power of two strictly greater than
    :func:`capacity_needed` ``(peak_orders, extra_orders, levels)``, and at least
    :data:`MIN_CAPACITY` (16). So a side never fills (at least one slot of headroom), and
    few distinct capacities compile. Examples: peak 100 -> 128; peak 127 -> 128; peak 128
    -> 256; peak 100 with 16 agent orders -> 128; peak 3 -> 16.
    """
    need = capacity_needed(peak_orders, extra_orders, levels)
    return max(MIN_CAPACITY, 1 << need.bit_length())


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
    with order id ``-price`` (negative ids mark seeded orders, see the unknown-id rule in
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
    seq = jnp.broadcast_to(jnp.arange(levels, dtype=jnp.int32), (2, levels))
    zero = jnp.zeros((2, levels), jnp.int32)
    seeded = jnp.stack([
        jnp.where(live, price, 0), jnp.where(live, size, 0), jnp.where(live, -price, EMPTY), zero, zero, zero, seq,
    ], axis=1)  # (2, 7, L)
    book = empty(capacity)
    return book.replace(orders=book.orders.at[:, :, :levels].set(seeded), next_seq=jnp.int32(levels))


# --------------------------------------------------------------------------- helpers


def _side_key(side_idx, price):
    """Price as a key where smaller is better: asks ascending, bids descending."""
    return jnp.where(side_idx == ASK, price, -price)


def _trade_rows(price, qty, passive_oid, aggr_oid, passive_trader, aggr_trader, ts, tns, aggr_side):
    """Trade rows ``(L, 9)`` from per-lane columns."""
    return jnp.stack([price, qty, passive_oid, aggr_oid, passive_trader, aggr_trader, ts, tns, aggr_side],
                     axis=-1).astype(jnp.int32)


# --------------------------------------------------------------------------- the lanes machine


@struct.dataclass
class _Lanes:
    """``L`` books ("lanes") laid out for the micro-step, and their pending aggressive orders.

    Two copies serve two access patterns. ``key`` and ``oid`` are dense rows, slot axis
    before lane axis, so lanes are contiguous and a reduction over a side's slots is an
    elementwise ``min`` across all books at once: ``key`` is each slot's price priority
    (:func:`_side_key`: smaller is better on both sides; ``BIG`` for an empty slot), ``oid``
    its order id (``EMPTY`` for an empty slot). ``slots`` holds every field of every slot
    with the fields innermost, so the one slot a step reads and writes in each lane is one
    contiguous run. The pending fields hold an aggressive order part-way through its sweep
    (``active``: the lane's current message is that order).
    """

    slots: jax.Array  # int32 (2, C, L, 7): side x slot x lane x field (the Book's fields)
    key: jax.Array  # int32 (2, C, L)
    oid: jax.Array  # int32 (2, C, L)
    next_seq: jax.Array  # (L,)
    overflow: jax.Array
    unresolved: jax.Array
    trade_overflow: jax.Array
    events: jax.Array  # (N_EVENTS, L)
    active: jax.Array  # bool (L,)
    msg: jax.Array  # int32 (8, L): the pending order
    remaining: jax.Array  # its shares still to trade
    fills: jax.Array  # fills so far of the current message (the row of its next trade)

    @staticmethod
    def start(book: Book) -> "_Lanes":
        """From a :class:`Book` with a leading lane axis ``(L, ...)``."""
        slots = jnp.transpose(book.orders, (1, 3, 0, 2))  # (L, 2, 7, C) -> (2, C, L, 7)
        oid = slots[..., OID]
        side = jnp.arange(2, dtype=jnp.int32)[:, None, None]
        key = jnp.where(oid != EMPTY, _side_key(side, slots[..., PRICE]), BIG)
        lanes = slots.shape[2]
        zero = jnp.zeros((lanes,), jnp.int32)
        return _Lanes(slots, key, oid, book.next_seq, book.overflow, book.unresolved, book.trade_overflow,
                      book.events.T, jnp.zeros((lanes,), bool), jnp.zeros((M.N_MSG_FIELDS, lanes), jnp.int32),
                      zero, zero)

    def book(self) -> Book:
        return Book(jnp.transpose(self.slots, (2, 0, 3, 1)), self.next_seq, self.overflow, self.unresolved,
                    self.trade_overflow, self.events.T)


_FEW = 16  # lanes handled one by one when so few cross at once


def _earliest(s: "_Lanes", opp, best_key, crosses):
    """Per crossing lane, the slot of the earliest order (lowest ``seq``) at ``best_key`` on side ``opp``.

    Historical flow seldom crosses, so usually only a handful of lanes need this: their
    opposite rows are gathered and searched alone (``_FEW`` at most); more at once take the
    pass over every lane. Either pass ranks ``seq * C + slot`` in one min while arrival
    numbers stay below ``2**31 / C``, else it takes the lowest ``seq`` and then its slot.
    """
    capacity, lanes = s.key.shape[1], s.key.shape[2]
    small = jnp.max(s.next_seq) < (2**31 - 1) // capacity

    def search(keys, seqs, best, axis):
        at_best = keys == jnp.expand_dims(best, axis)
        iota = jax.lax.broadcasted_iota(jnp.int32, keys.shape, axis)

        def one_pass(_):
            return jnp.min(jnp.where(at_best, seqs * capacity + iota, BIG), axis=axis) % capacity

        def two_passes(_):
            first = jnp.min(jnp.where(at_best, seqs, BIG), axis=axis)
            return jnp.min(jnp.where(at_best & (seqs == jnp.expand_dims(first, axis)), iota, capacity), axis=axis)

        return jax.lax.cond(small, one_pass, two_passes, None)

    def few(_):
        idx = jnp.nonzero(crosses, size=_FEW, fill_value=lanes)[0]
        at = jnp.minimum(idx, lanes - 1)
        side = opp[at]
        j = search(s.key[side, :, at], s.slots[side, :, at, SEQ], best_key[at], 1)
        return jnp.zeros_like(best_key).at[idx].set(j, mode="drop")

    def every(_):
        keys = jnp.where(opp == BID, s.key[BID], s.key[ASK])
        seqs = jnp.where(opp == BID, s.slots[BID, ..., SEQ], s.slots[ASK, ..., SEQ])
        return search(keys, seqs, best_key, 0)

    return jax.lax.cond(jnp.sum(crosses) <= _FEW, few, every, None)


def _micro_step(s: _Lanes, nxt, live, keep_trades: bool):
    """One unit of work on every live lane: a fill of its pending aggressive order, or one whole message.

    Args:
      s: the lanes.
      nxt: int32 ``(8, L)``, each lane's next message (used where nothing is pending).
      live: bool ``(L,)``: lanes that work this step (others change nothing).
      keep_trades: static; False skips what only the trade rows need.

    Returns:
      ``(s, trades, trade_index)``: ``trades`` ``(L, 9)`` is the trade each lane made this
      step (quantity 0 if none), ``trade_index`` its row among the current message's trades;
      ``s.active`` says which lanes' current message is not finished.
    """
    capacity, lanes = s.key.shape[1], s.key.shape[2]
    lane = jnp.arange(lanes)
    iota = jnp.arange(capacity, dtype=jnp.int32)[:, None]

    cur = jnp.where(s.active, s.msg, nxt)
    typ, side, price, size, oid = cur[M.TYPE], cur[M.SIDE], cur[M.PRICE], cur[M.SIZE], cur[M.OID]
    trader = cur[M.TRADER]
    typ = jnp.where(live, typ, M.NOOP)
    own = jnp.where(side == M.BUY, BID, ASK)
    opp = 1 - own

    aggressive = (typ == M.LIMIT) | (typ == M.MARKET) | (typ == M.IOC)
    remaining = jnp.where(s.active, s.remaining, jnp.where(aggressive, jnp.maximum(size, 0), 0))
    fills = jnp.where(s.active, s.fills, 0)

    # (a) the best opposite price: one min over the opposite key row. Does the message cross?
    best_key = jnp.min(jnp.where(opp == BID, s.key[BID], s.key[ASK]), axis=0)
    limit_key = jnp.where(typ == M.MARKET, BIG - 1, _side_key(opp, price))
    crosses = aggressive & (remaining > 0) & (best_key <= limit_key) & (fills <= capacity)

    # (b) the earliest order at that price, the one a fill hits. Historical flow rarely crosses
    #     (its trades arrive as executions), so this runs only on steps where some lane does.
    j_best = jax.lax.cond(jnp.any(crosses), lambda _: _earliest(s, opp, best_key, crosses),
                          lambda _: jnp.zeros_like(best_key), None)

    # (c) the own side, one min over the id row: the order with the message's id < the seeded
    #     order at the message's price (id -price: the unknown-id fallback) < nothing; a resting
    #     order looks for the first free slot (id EMPTY) instead
    rests = (typ == M.LIMIT) & (remaining > 0) & ~crosses
    by_id = (typ == M.CANCEL) | (typ == M.DELETE) | (typ == M.EXECUTE)
    own_oid = jnp.where(own == BID, s.oid[BID], s.oid[ASK])
    target = jnp.where(rests, EMPTY, oid)
    seed_id = jnp.where(rests | (trader != 0) | (price <= 0), target, -price)  # target: no second match
    j_own = jnp.min(jnp.where(own_oid == target, iota, jnp.where(own_oid == seed_id, capacity + iota, 2 * capacity)),
                    axis=0)
    found_id = j_own < capacity
    found_seed = (j_own >= capacity) & (j_own < 2 * capacity)

    # (d) the one slot this step writes, in every lane (unchanged where nothing happens)
    side_w = jnp.where(crosses, opp, own)
    j = jnp.where(crosses, j_best, j_own % capacity)
    slot = s.slots[side_w, j, lane]  # (L, 7)
    q = slot[:, QTY]
    fill = jnp.where(crosses, jnp.minimum(remaining, q), 0)
    reduce_by = jnp.where(crosses, fill, jnp.where((typ == M.DELETE) & found_id, q, jnp.maximum(size, 0)))
    new_q = jnp.maximum(q - reduce_by, 0)
    placing = rests & found_id
    write = crosses | placing | (by_id & (found_id | found_seed))
    gone = write & ~placing & (new_q == 0)
    updated = slot.at[:, QTY].set(jnp.where(write, new_q, q)).at[:, OID].set(jnp.where(gone, EMPTY, slot[:, OID]))
    placed = jnp.stack([price, remaining, oid, trader, cur[M.TIME_S], cur[M.TIME_NS], s.next_seq], axis=-1)
    new_slot = jnp.where(placing[:, None], placed, updated)
    new_oid = new_slot[:, OID]
    new_key = jnp.where(new_oid != EMPTY, _side_key(side_w, new_slot[:, PRICE]), BIG)
    slots = s.slots.at[side_w, j, lane].set(new_slot)
    key = s.key.at[side_w, j, lane].set(new_key)
    oids = s.oid.at[side_w, j, lane].set(new_oid)

    # (e) the trade: a fill of the aggressive order, or a type-4 execution of a resting order
    executed = (typ == M.EXECUTE) & (found_id | found_seed)
    traded = jnp.where(crosses | executed, q - new_q, 0)
    if keep_trades:
        trades = _trade_rows(
            slot[:, PRICE], traded, slot[:, OID], jnp.where(crosses, oid, 0), slot[:, TRADER],
            jnp.where(crosses, trader, 0), cur[M.TIME_S], cur[M.TIME_NS], jnp.where(crosses, side, -side),
        )
    else:
        trades = jnp.zeros((lanes, M.N_TRADE_FIELDS), jnp.int32).at[:, M.T_QTY].set(traded)
    trade_index = jnp.where(crosses, fills, 0)

    # (f) bookkeeping: is the message finished?
    left = remaining - fill
    pending = crosses & (left > 0)
    consumed = live & ~pending
    kinds = jnp.arange(N_EVENTS, dtype=jnp.int32)[:, None]
    s = s.replace(
        slots=slots,
        key=key,
        oid=oids,
        next_seq=s.next_seq + placing,
        overflow=s.overflow + (rests & ~found_id),
        unresolved=s.unresolved + (by_id & ~found_id & ~found_seed),
        events=s.events + ((kinds == jnp.clip(typ, 0, N_EVENTS - 1)) & consumed),
        active=pending,
        msg=cur,
        remaining=left,
        fills=fills + 1,
    )
    return s, trades, trade_index


# --------------------------------------------------------------------------- streams


def _lanes_loop(book: Book, messages, max_trades: int, keep_trades: bool):
    """Run many books ("lanes", leading axis L) through their streams ``messages`` (L, N, 8).

    One ``while_loop`` over micro-steps until every lane has consumed its N messages; a lane
    whose message is an aggressive order that still crosses stays on it for one more fill
    per step. A finished lane's step changes nothing, so the loop needs no per-lane select
    of its state (which ``vmap`` of a per-book ``while_loop`` would add: a full pass over
    every book at every step). Historical flow seldom crosses, so a stream costs about one
    step per message.
    """
    lanes, n = messages.shape[0], messages.shape[1]
    bound = n * (book.orders.shape[-1] + 2)
    rows = jnp.arange(lanes)

    def cond(c):
        return jnp.any(c[1] < n) & (c[2] < bound)

    def step(c):
        s, ptr, steps, trades = c
        live = ptr < n
        nxt = messages[rows, jnp.minimum(ptr, n - 1)].T
        s, trade, k = _micro_step(s, nxt, live, keep_trades)
        made = trade[:, M.T_QTY] > 0
        s = s.replace(trade_overflow=s.trade_overflow + (made & (k >= max_trades)))
        if keep_trades:
            trades = trades.at[rows, jnp.where(made, ptr, n), k].set(trade, mode="drop")
        return s, ptr + (live & ~s.active), steps + 1, trades

    def body(c):  # two steps per turn of the loop (a second step on finished lanes changes nothing)
        return step(step(c))

    trades = jnp.zeros((lanes, n if keep_trades else 0, max_trades, M.N_TRADE_FIELDS), jnp.int32)
    carry = (_Lanes.start(book), jnp.zeros((lanes,), jnp.int32), jnp.int32(0), trades)
    s, _, _, trades = jax.lax.while_loop(cond, body, carry)
    return s.book(), trades


CPU_CHUNK = 32  # lanes per loop on a CPU (measured: 32 beats 16, 24, 48, 64 and 1024 by 1.2-1.8x)


def _chunked(book: Book, messages, max_trades: int, keep_trades: bool):
    """:func:`_lanes_loop` over groups of ``CPU_CHUNK`` lanes, one group after another, on a CPU.

    A small group's books stay in the core's cache while its loop runs, and a step's few
    crossing lanes hold up only their own group; one loop over thousands of books would
    stream all of them through memory at every step. The last group is padded with empty
    books replaying no-ops. A GPU runs all lanes in one loop (its parallelism is the lanes).
    """
    lanes = messages.shape[0]
    if lanes <= CPU_CHUNK or jax.default_backend() != "cpu":
        return _lanes_loop(book, messages, max_trades, keep_trades)
    size = CPU_CHUNK
    groups = -(-lanes // size)
    pad = groups * size - lanes

    def grouped(x):
        return jnp.concatenate([x, jnp.zeros((pad,) + x.shape[1:], x.dtype)]).reshape((groups, size) + x.shape[1:])

    book_g = jax.tree.map(grouped, book)
    book_g = book_g.replace(orders=book_g.orders.at[-1, size - pad:, :, OID].set(EMPTY)) if pad else book_g
    out = jax.lax.map(lambda a: _lanes_loop(a[0], a[1], max_trades, keep_trades), (book_g, grouped(messages)))
    return jax.tree.map(lambda x: x.reshape((groups * size,) + x.shape[2:])[:lanes], out)


def _broadcast_unbatched(axis_size, in_batched, args):
    return jax.tree.map(
        lambda x, b: x if b else jnp.broadcast_to(x, (axis_size,) + jnp.shape(x)), args, tuple(in_batched)
    )


@lru_cache(maxsize=None)
def _lanes_runner(max_trades: int, keep_trades: bool):
    """:func:`_lanes_loop` whose own ``vmap`` flattens the new axis into the lanes (nested vmaps)."""

    @custom_batching.custom_vmap
    def run(book, messages):
        return _chunked(book, messages, max_trades, keep_trades)

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
