"""Two plain-Python order books: the reference (the oracle) and the dictionary baseline.

* :class:`ReferenceBook` implements the engine contract (``hftlab.lob`` semantics: price-time
  matching, MARKET / IOC, the unknown-id fallback to seeded orders, the full-side rule,
  per-message trades and the counters) with sorted price levels of FIFO queues. It is
  written independently of the JAX engine and is what the differential tests compare
  the engine against, message by message.
* :class:`DictBook` is the speed baseline: price level -> {order id: quantity}, LOBSTER
  message types 1..5 applied as fast as plain Python allows, no matching.

Both read the engine's int message rows (``hftlab.lob.messages``):
``TYPE SIDE PRICE SIZE OID TRADER TIME_S TIME_NS``.
"""

from __future__ import annotations

import bisect
from collections import deque
from typing import Iterable, Sequence

import numpy as np

from hftlab.lob import messages as M

BID, ASK = 0, 1  # side rows, as in the engine's Book (row 0 bids, row 1 asks)


def _side_row(direction: int) -> int:
    """LOBSTER direction (+1 buy / -1 sell) -> side row (0 bids / 1 asks)."""
    return BID if direction > 0 else ASK


class _Order:
    """One resting order; mutable quantity."""

    __slots__ = ("price", "qty", "oid", "trader", "time_s", "time_ns", "seq")

    def __init__(self, price: int, qty: int, oid: int, trader: int, time_s: int, time_ns: int, seq: int):
        self.price = price
        self.qty = qty
        self.oid = oid
        self.trader = trader
        self.time_s = time_s
        self.time_ns = time_ns
        self.seq = seq

    def __repr__(self) -> str:
        return f"_Order(p={self.price}, q={self.qty}, id={self.oid}, tr={self.trader}, seq={self.seq})"


class _Side:
    """One side of the book: sorted distinct prices, a FIFO queue (by arrival) per price."""

    def __init__(self, is_bid: bool):
        self.is_bid = is_bid
        self.prices: list[int] = []  # ascending
        self.levels: dict[int, deque[_Order]] = {}
        self.by_oid: dict[int, list[_Order]] = {}  # id -> resting orders with that id
        self.count = 0  # resting orders

    # best = highest bid / lowest ask; worst = lowest bid / highest ask
    def best_price(self) -> int | None:
        if not self.prices:
            return None
        return self.prices[-1] if self.is_bid else self.prices[0]

    def worst_price(self) -> int | None:
        if not self.prices:
            return None
        return self.prices[0] if self.is_bid else self.prices[-1]

    def better(self, a: int, b: int) -> bool:
        """Is price ``a`` strictly better than ``b`` for an order on this side?"""
        return a > b if self.is_bid else a < b

    def add(self, order: _Order) -> None:
        q = self.levels.get(order.price)
        if q is None:
            q = deque()
            self.levels[order.price] = q
            bisect.insort(self.prices, order.price)
        q.append(order)
        self.by_oid.setdefault(order.oid, []).append(order)
        self.count += 1

    def remove(self, order: _Order) -> None:
        q = self.levels[order.price]
        q.remove(order)
        same = self.by_oid[order.oid]
        same.remove(order)
        if not same:
            del self.by_oid[order.oid]
        self.count -= 1
        if not q:
            del self.levels[order.price]
            i = bisect.bisect_left(self.prices, order.price)
            del self.prices[i]

    def orders(self) -> Iterable[_Order]:
        for p in self.prices:
            yield from self.levels[p]

    def find(self, oid: int) -> _Order | None:
        """The resting order with id ``oid`` (earliest arrival if ids repeat), or None."""
        same = self.by_oid.get(oid)
        return min(same, key=lambda o: o.seq) if same else None

    def seeded_at(self, price: int) -> _Order | None:
        """The seeded order (negative id) resting at ``price``, earliest arrival first, or None."""
        q = self.levels.get(price)
        if not q:
            return None
        cands = [o for o in q if o.oid < 0]
        return min(cands, key=lambda o: o.seq) if cands else None

    def worst_latest(self) -> _Order:
        """The order to evict: worst price, latest arrival among the worst."""
        q = self.levels[self.worst_price()]
        return max(q, key=lambda o: o.seq)

    def l2(self, levels: int) -> list[tuple[int, int]]:
        ps = reversed(self.prices) if self.is_bid else iter(self.prices)
        out = []
        for p in ps:
            if len(out) == levels:
                break
            out.append((p, sum(o.qty for o in self.levels[p])))
        return out


class ReferenceBook:
    """The contract's order book in plain Python: sorted price levels of FIFO queues.

    ``capacity`` (per side) is ``None`` for unbounded, or the engine's capacity. When a
    resting remainder finds its side full, ``overflow += 1`` and ``full_side`` decides:

    * ``"reject"`` (default, what ``hftlab.lob.engine`` does): the remainder is dropped and
      the resting orders keep their places;
    * ``"evict"``: if the new price is strictly better than the worst resting price, the
      worst-priced order (latest arrival among the worst) is evicted and the new one rests;
      otherwise the remainder is rejected.

    ``apply(row)`` takes one engine message row (``TYPE SIDE PRICE SIZE OID TRADER TIME_S
    TIME_NS``) and returns the reported trades as 9-tuples (``PRICE QTY PASSIVE_OID AGGR_OID
    PASSIVE_TRADER AGGR_TRADER TIME_S TIME_NS AGGR_SIDE``), at most ``max_trades`` of them;
    further fills are executed and counted in ``trade_overflow``.

    Counters: ``overflow``, ``unresolved``, ``trade_overflow``, ``events`` (count per
    message type 0..9, every applied message counted).
    """

    def __init__(self, capacity: int | None = None, max_trades: int = 16, full_side: str = "reject"):
        if full_side not in ("reject", "evict"):
            raise ValueError(f"full_side must be 'reject' or 'evict', got {full_side!r}")
        self.capacity = capacity
        self.full_side = full_side
        self.max_trades = max_trades
        self.sides = (_Side(is_bid=True), _Side(is_bid=False))
        self.next_seq = 0
        self.overflow = 0
        self.unresolved = 0
        self.trade_overflow = 0
        self.events = [0] * M.N_TYPES

    # ------------------------------------------------------------------ seeding

    @classmethod
    def from_l2(cls, row: Sequence[int] | np.ndarray, capacity: int | None = None, max_trades: int = 16,
                full_side: str = "reject") -> "ReferenceBook":
        """A book seeded from a LOBSTER orderbook row (see :meth:`seed_l2`)."""
        book = cls(capacity=capacity, max_trades=max_trades, full_side=full_side)
        book.seed_l2(row)
        return book

    def seed_l2(self, row: Sequence[int] | np.ndarray) -> None:
        """Add one resting order per non-empty level of ``row``.

        ``row`` is ``[askP1, askS1, bidP1, bidS1, askP2, ...]`` (a LOBSTER orderbook row) or
        the same as ``(L, 4)``. Each level's order gets id ``-price`` (the seeded order at a
        price is found by its id), trader 0, time 0; arrival order is level 1 first (ask
        before bid within a level). Levels with size <= 0 (LOBSTER's empty placeholders)
        are skipped.
        """
        flat = [int(v) for v in np.asarray(row).reshape(-1)]
        if len(flat) % 4:
            raise ValueError(f"an orderbook row has 4 columns per level, got {len(flat)}")
        for k in range(len(flat) // 4):
            ap, asz, bp, bsz = flat[4 * k: 4 * k + 4]
            for side, p, q in ((ASK, ap, asz), (BID, bp, bsz)):
                if q > 0:
                    if self.capacity is not None and self.sides[side].count >= self.capacity:
                        raise ValueError(f"capacity {self.capacity} is too small to seed {len(flat) // 4} levels")
                    self.sides[side].add(_Order(p, q, -p, 0, 0, 0, self.next_seq))
                    self.next_seq += 1

    # ------------------------------------------------------------------ messages

    def apply(self, msg: Sequence[int] | np.ndarray, max_trades: int | None = None) -> list[tuple[int, ...]]:
        """Apply one message row; returns the reported trades (9-tuples)."""
        mt = self.max_trades if max_trades is None else max_trades
        typ, direction, price, size, oid, trader, ts, tns = (int(v) for v in msg[: M.N_MSG_FIELDS])
        if not 0 <= typ < M.N_TYPES:
            raise ValueError(f"unknown message type {typ}")
        self.events[typ] += 1
        fills: list[tuple[int, ...]] = []
        if typ in (M.LIMIT, M.MARKET, M.IOC):
            self._aggress(typ, direction, price, size, oid, trader, ts, tns, fills)
        elif typ in (M.CANCEL, M.DELETE, M.EXECUTE):
            self._reduce(typ, direction, price, size, oid, trader, ts, tns, fills)
        # HIDDEN, CROSS, HALT, NOOP: book unchanged
        if len(fills) > mt:
            self.trade_overflow += len(fills) - mt
            fills = fills[:mt]
        return fills

    def replay(self, messages: np.ndarray | Sequence[Sequence[int]], max_trades: int | None = None) -> list[list[tuple[int, ...]]]:
        """Apply every row in order; returns the trades of each message."""
        rows = messages.tolist() if isinstance(messages, np.ndarray) else messages
        return [self.apply(r, max_trades) for r in rows]

    def _aggress(self, typ, direction, price, size, oid, trader, ts, tns, fills) -> None:
        own = self.sides[_side_row(direction)]
        opp = self.sides[1 - _side_row(direction)]
        q = size
        while q > 0:
            best = opp.best_price()
            if best is None:
                break
            if typ != M.MARKET:
                crosses = best <= price if direction > 0 else best >= price
                if not crosses:
                    break
            resting = opp.levels[best][0]  # FIFO: earliest arrival at the best price
            f = min(q, resting.qty)
            fills.append((resting.price, f, resting.oid, oid, resting.trader, trader, ts, tns, direction))
            resting.qty -= f
            q -= f
            if resting.qty <= 0:
                opp.remove(resting)
        if q <= 0 or typ != M.LIMIT:
            return  # MARKET / IOC remainders are dropped
        order = _Order(price, q, oid, trader, ts, tns, self.next_seq)
        self.next_seq += 1
        if self.capacity is not None and own.count >= self.capacity:
            self.overflow += 1
            if self.full_side == "evict" and own.better(price, own.worst_price()):
                own.remove(own.worst_latest())
            else:
                return  # rejected: the side is full
        own.add(order)

    def _reduce(self, typ, direction, price, size, oid, trader, ts, tns, fills) -> None:
        side = self.sides[_side_row(direction)]
        order = side.find(oid)
        if order is None and trader == 0:
            order = side.seeded_at(price)
        if order is None:
            self.unresolved += 1
            return
        if typ == M.EXECUTE:
            f = min(size, order.qty)
            if f > 0:
                fills.append((order.price, f, order.oid, 0, order.trader, 0, ts, tns, -direction))
            order.qty -= f
        elif typ == M.DELETE and order.oid == oid:
            order.qty = 0  # a known order is removed whole
        else:
            order.qty -= size  # CANCEL, or DELETE of an unknown id against the seeded aggregate
        if order.qty <= 0:
            side.remove(order)

    # ------------------------------------------------------------------ views

    def l2(self, levels: int) -> np.ndarray:
        """int64 ``(levels, 4)``: ask price, ask size, bid price, bid size; empty levels 0/0."""
        out = np.zeros((levels, 4), np.int64)
        for k, (p, q) in enumerate(self.sides[ASK].l2(levels)):
            out[k, 0], out[k, 1] = p, q
        for k, (p, q) in enumerate(self.sides[BID].l2(levels)):
            out[k, 2], out[k, 3] = p, q
        return out

    def orders(self, direction: int) -> list[tuple[int, int, int, int]]:
        """Resting orders of a side (+1 bids / -1 asks) as (price, qty, oid, trader), best price first, FIFO."""
        side = self.sides[_side_row(direction)]
        ps = reversed(side.prices) if side.is_bid else side.prices
        return [(o.price, o.qty, o.oid, o.trader) for p in ps for o in side.levels[p]]

    def count(self, direction: int) -> int:
        """Number of resting orders on a side (+1 bids / -1 asks)."""
        return self.sides[_side_row(direction)].count

    def best(self) -> tuple[int | None, int | None]:
        """(best bid, best ask) prices, None for an empty side."""
        return self.sides[BID].best_price(), self.sides[ASK].best_price()

    def peak_orders(self, messages: np.ndarray | Sequence[Sequence[int]]) -> tuple[int, int]:
        """Apply every row, tracking the most resting orders per side: ``(bids, asks)``.

        Run on an unbounded book (``capacity=None``) it measures the capacity a replay needs
        so that no side ever overflows.
        """
        rows = messages.tolist() if isinstance(messages, np.ndarray) else messages
        bids, asks = self.sides[BID], self.sides[ASK]
        peak_b, peak_a = bids.count, asks.count
        for r in rows:
            self.apply(r)
            if bids.count > peak_b:
                peak_b = bids.count
            if asks.count > peak_a:
                peak_a = asks.count
        return peak_b, peak_a

    def counters(self) -> dict:
        return {
            "overflow": self.overflow,
            "unresolved": self.unresolved,
            "trade_overflow": self.trade_overflow,
            "events": list(self.events),
        }


class DictBook:
    """The plain dictionary book: the speed baseline.

    Each side is ``{price: {order id: quantity}}``; messages of LOBSTER types 1..5 are
    applied with no matching (LOBSTER's data never crosses): 1 adds, 2 reduces, 3
    removes, 4 reduces (a fill), 5 does nothing. An id not found at its price reduces the
    seeded order (negative id) of that level, as the reference book does. Python dicts
    keep insertion order, so a level's orders stay FIFO.
    """

    __slots__ = ("bids", "asks", "unresolved")

    def __init__(self):
        self.bids: dict[int, dict[int, int]] = {}
        self.asks: dict[int, dict[int, int]] = {}
        self.unresolved = 0

    @classmethod
    def from_l2(cls, row: Sequence[int] | np.ndarray) -> "DictBook":
        """Seed one order per non-empty level (id: minus its price)."""
        book = cls()
        flat = [int(v) for v in np.asarray(row).reshape(-1)]
        for k in range(len(flat) // 4):
            ap, asz, bp, bsz = flat[4 * k: 4 * k + 4]
            if asz > 0:
                book.asks.setdefault(ap, {})[-ap] = asz
            if bsz > 0:
                book.bids.setdefault(bp, {})[-bp] = bsz
        return book

    @staticmethod
    def prepare(messages: np.ndarray) -> list[list[int]]:
        """Engine message rows as Python lists of ints (do this outside any timing)."""
        return np.asarray(messages)[:, : M.N_MSG_FIELDS].tolist()

    def apply(self, msg: Sequence[int]) -> None:
        typ, side, price, size, oid = msg[0], msg[1], msg[2], msg[3], msg[4]
        book = self.bids if side > 0 else self.asks
        if typ == 1:
            level = book.get(price)
            if level is None:
                book[price] = {oid: size}
            else:
                level[oid] = size
        elif 2 <= typ <= 4:
            level = book.get(price)
            if level is None:
                self.unresolved += 1
                return
            if oid not in level:
                oid = next((k for k in level if k < 0), None)
                if oid is None:
                    self.unresolved += 1
                    return
                left = level[oid] - size  # unknown id: reduce the seeded aggregate by `size`
            elif typ == 3:
                left = 0
            else:
                left = level[oid] - size
            if left > 0:
                level[oid] = left
            else:
                del level[oid]
                if not level:
                    del book[price]

    def replay(self, messages: np.ndarray | list[list[int]]) -> int:
        """Apply all rows (an int array is converted with :meth:`prepare` first); returns the count."""
        rows = self.prepare(messages) if isinstance(messages, np.ndarray) else messages
        bids, asks = self.bids, self.asks
        unresolved = 0
        for typ, side, price, size, oid, *_ in rows:
            if typ == 1:
                book = bids if side > 0 else asks
                level = book.get(price)
                if level is None:
                    book[price] = {oid: size}
                else:
                    level[oid] = size
            elif 2 <= typ <= 4:
                book = bids if side > 0 else asks
                level = book.get(price)
                if level is None:
                    unresolved += 1
                    continue
                q = level.get(oid)
                if q is None:
                    oid = next((k for k in level if k < 0), None)
                    if oid is None:
                        unresolved += 1
                        continue
                    left = level[oid] - size
                elif typ == 3:
                    left = 0
                else:
                    left = q - size
                if left > 0:
                    level[oid] = left
                else:
                    del level[oid]
                    if not level:
                        del book[price]
        self.unresolved += unresolved
        return len(rows)

    def l2(self, levels: int) -> np.ndarray:
        """int64 ``(levels, 4)`` as :meth:`ReferenceBook.l2` (sorted only when asked)."""
        out = np.zeros((levels, 4), np.int64)
        for k, p in enumerate(sorted(self.asks)[:levels]):
            out[k, 0], out[k, 1] = p, sum(self.asks[p].values())
        for k, p in enumerate(sorted(self.bids, reverse=True)[:levels]):
            out[k, 2], out[k, 3] = p, sum(self.bids[p].values())
        return out


__all__ = ["DictBook", "ReferenceBook"]
