"""Hand-worked cases of the plain-Python reference book (the oracle of the differential tests)."""

from __future__ import annotations

import numpy as np
import pytest

from hftlab.lob import messages as M
from hftlab.lob.reference import DictBook, ReferenceBook

B, S = M.BUY, M.SELL


def msg(typ, side, price, size, oid, trader=0, ts=34200, tns=0):
    return [typ, side, price, size, oid, trader, ts, tns]


def limit(side, price, size, oid, trader=0, t=0):
    return msg(M.LIMIT, side, price, size, oid, trader, 34200, t)


def book_with(rows, capacity=None, full_side="reject"):
    b = ReferenceBook(capacity=capacity, full_side=full_side)
    for r in rows:
        assert b.apply(r) == []
    return b


def test_resting_orders_and_l2():
    b = book_with([limit(B, 100, 5, 1), limit(B, 99, 3, 2), limit(S, 102, 4, 3), limit(S, 102, 6, 4), limit(B, 100, 2, 5)])
    np.testing.assert_array_equal(b.l2(3), [[102, 10, 100, 7], [0, 0, 99, 3], [0, 0, 0, 0]])
    assert b.best() == (100, 102)
    assert b.orders(B) == [(100, 5, 1, 0), (100, 2, 5, 0), (99, 3, 2, 0)]  # FIFO within a level
    assert b.events[M.LIMIT] == 5


def test_sweep_through_several_orders_and_levels():
    b = book_with([
        limit(S, 101, 3, 1), limit(S, 101, 4, 2), limit(S, 102, 5, 3), limit(S, 104, 2, 4), limit(B, 99, 1, 5),
    ])
    # buy 10 @ 102: fills 3 @101 (id 1), 4 @101 (id 2), 3 @102 (id 3 partially), nothing rests
    trades = b.apply(msg(M.LIMIT, B, 102, 10, 50, trader=2, ts=34201, tns=7))
    assert trades == [
        (101, 3, 1, 50, 0, 2, 34201, 7, B),
        (101, 4, 2, 50, 0, 2, 34201, 7, B),
        (102, 3, 3, 50, 0, 2, 34201, 7, B),
    ]
    np.testing.assert_array_equal(b.l2(2), [[102, 2, 99, 1], [104, 2, 0, 0]])
    # buy 6 @ 103: takes the 2 left @102, the remaining 4 rest at 103 (the new best bid)
    trades = b.apply(limit(B, 103, 6, 51))
    assert trades == [(102, 2, 3, 51, 0, 0, 34200, 0, B)]
    np.testing.assert_array_equal(b.l2(2), [[104, 2, 103, 4], [0, 0, 99, 1]])


def test_sell_sweep_trades_at_resting_prices_best_first():
    b = book_with([limit(B, 100, 2, 1), limit(B, 101, 1, 2), limit(B, 99, 5, 3), limit(B, 101, 1, 4)])
    trades = b.apply(limit(S, 100, 10, 9))
    # best bid first (101, FIFO id 2 then id 4), then 100; 99 does not cross; remainder 6 rests @100
    assert [(t[0], t[1], t[2]) for t in trades] == [(101, 1, 2), (101, 1, 4), (100, 2, 1)]
    assert all(t[8] == S for t in trades)
    np.testing.assert_array_equal(b.l2(2), [[100, 6, 99, 5], [0, 0, 0, 0]])


def test_fifo_within_level_partial_fill():
    b = book_with([limit(S, 101, 5, 1), limit(S, 101, 5, 2), limit(S, 101, 5, 3)])
    trades = b.apply(limit(B, 101, 7, 10))
    assert [(t[2], t[1]) for t in trades] == [(1, 5), (2, 2)]
    assert b.orders(S) == [(101, 3, 2, 0), (101, 5, 3, 0)]
    # a later order at the same price queues behind the partially filled one
    b.apply(limit(S, 101, 1, 4))
    trades = b.apply(limit(B, 101, 4, 11))
    assert [(t[2], t[1]) for t in trades] == [(2, 3), (3, 1)]


def test_market_and_ioc_remainders_are_dropped():
    b = book_with([limit(S, 101, 2, 1), limit(S, 105, 3, 2), limit(B, 99, 4, 3)])
    trades = b.apply(msg(M.MARKET, B, 0, 10, 20, trader=1))  # price ignored, sweeps everything
    assert [(t[0], t[1]) for t in trades] == [(101, 2), (105, 3)]
    np.testing.assert_array_equal(b.l2(1), [[0, 0, 99, 4]])
    assert b.count(B) == 1  # the 5 unfilled shares did not rest
    b2 = book_with([limit(B, 100, 2, 1), limit(B, 98, 3, 2)])
    trades = b2.apply(msg(M.IOC, S, 99, 10, 21, trader=1))  # only 100 crosses 99
    assert [(t[0], t[1]) for t in trades] == [(100, 2)]
    np.testing.assert_array_equal(b2.l2(1), [[0, 0, 98, 3]])
    assert b2.count(S) == 0
    # IOC that does not cross at all: nothing happens
    assert b2.apply(msg(M.IOC, S, 99, 10, 22, trader=1)) == []
    assert b2.events[M.IOC] == 2 and b2.events[M.MARKET] == 0


def test_market_on_empty_side():
    b = ReferenceBook()
    assert b.apply(msg(M.MARKET, S, 0, 5, 1, trader=1)) == []
    assert b.count(S) == 0 and b.count(B) == 0


def test_cancel_delete_execute_known_ids():
    b = book_with([limit(B, 100, 10, 1), limit(B, 100, 5, 2), limit(S, 103, 8, 3)])
    assert b.apply(msg(M.CANCEL, B, 100, 4, 1)) == []
    assert b.orders(B) == [(100, 6, 1, 0), (100, 5, 2, 0)]  # keeps its place in the queue
    b.apply(msg(M.DELETE, B, 100, 1, 2))  # a delete removes the whole order, whatever its size field
    assert b.orders(B) == [(100, 6, 1, 0)]
    trades = b.apply(msg(M.EXECUTE, S, 103, 3, 3, ts=34210, tns=99))
    assert trades == [(103, 3, 3, 0, 0, 0, 34210, 99, B)]  # aggressor is the buyer: AGGR_SIDE = -side
    trades = b.apply(msg(M.EXECUTE, S, 103, 50, 3))  # over-execution fills what is there
    assert [t[1] for t in trades] == [5] and b.count(S) == 0
    b.apply(msg(M.CANCEL, B, 100, 6, 1))  # cancel to zero removes
    assert b.count(B) == 0 and b.unresolved == 0
    assert b.events[M.CANCEL] == 2 and b.events[M.DELETE] == 1 and b.events[M.EXECUTE] == 2


def test_hidden_cross_halt_noop_leave_book():
    b = book_with([limit(B, 100, 10, 1)])
    before = b.l2(2)
    for t in (M.HIDDEN, M.CROSS, M.HALT, M.NOOP):
        assert b.apply(msg(t, B, 100, 10, 1)) == []
    np.testing.assert_array_equal(b.l2(2), before)
    assert [b.events[t] for t in (M.NOOP, M.HIDDEN, M.CROSS, M.HALT)] == [1, 1, 1, 1]


def test_seeding_from_l2():
    row = [101, 5, 100, 7, 102, 3, 99, 2, 9999999999, 0, -9999999999, 0]
    b = ReferenceBook.from_l2(row)
    np.testing.assert_array_equal(b.l2(3), [[101, 5, 100, 7], [102, 3, 99, 2], [0, 0, 0, 0]])
    assert b.orders(S) == [(101, 5, -101, 0), (102, 3, -102, 0)]
    assert b.orders(B) == [(100, 7, -100, 0), (99, 2, -99, 0)]
    b2 = ReferenceBook.from_l2(np.array(row).reshape(3, 4))
    np.testing.assert_array_equal(b2.l2(3), b.l2(3))
    with pytest.raises(ValueError):
        ReferenceBook.from_l2(row, capacity=1)


def test_unknown_id_fallback_to_seeded_order():
    b = ReferenceBook.from_l2([101, 500, 100, 700, 102, 300, 99, 200])
    # cancel of an order that rested before the data began: reduces the seeded aggregate
    b.apply(msg(M.CANCEL, B, 100, 100, 123456))
    # a delete of an unknown id removes only `size` shares of the aggregate
    b.apply(msg(M.DELETE, B, 99, 50, 123457))
    # an execution of an unknown id fills from the seeded order and reports it as passive
    trades = b.apply(msg(M.EXECUTE, S, 101, 200, 123458, ts=34300, tns=1))
    assert trades == [(101, 200, -101, 0, 0, 0, 34300, 1, B)]
    np.testing.assert_array_equal(b.l2(2), [[101, 300, 100, 600], [102, 300, 99, 150]])
    assert b.unresolved == 0
    # new orders queue behind the seeded one at the same price
    b.apply(limit(S, 101, 10, 7))
    trades = b.apply(limit(B, 101, 305, 8))
    assert [(t[2], t[1]) for t in trades] == [(-101, 300), (7, 5)]
    # unknown id at a price with no seeded order -> unresolved, book unchanged
    before = b.l2(3)
    b.apply(msg(M.CANCEL, S, 101, 5, 999))  # 101 now holds only order 7 (not seeded)
    b.apply(msg(M.DELETE, B, 98, 5, 998))  # no order at all at 98
    np.testing.assert_array_equal(b.l2(3), before)
    assert b.unresolved == 2
    # delete of an unknown id larger than the aggregate removes the seeded order
    b.apply(msg(M.DELETE, S, 102, 1000, 997))
    assert b.l2(1)[0, 0] == 101 and b.count(S) == 1


def test_agent_messages_never_fall_back():
    b = ReferenceBook.from_l2([101, 500, 100, 700])
    b.apply(msg(M.CANCEL, B, 100, 100, 555, trader=3))
    trades = b.apply(msg(M.EXECUTE, S, 101, 100, 556, trader=3))
    assert trades == []
    np.testing.assert_array_equal(b.l2(1), [[101, 500, 100, 700]])
    assert b.unresolved == 2
    # but an agent can cancel its own known order
    b.apply(limit(B, 99, 10, 42, trader=3))
    b.apply(msg(M.CANCEL, B, 99, 4, 42, trader=3))
    assert b.orders(B)[-1] == (99, 6, 42, 3)


def test_full_side_rejects_the_remainder():
    b = book_with([limit(B, 100, 1, 1), limit(B, 98, 1, 2), limit(B, 98, 1, 3)], capacity=3)
    b.apply(limit(B, 99, 5, 4))  # better than the worst, but the side is full: rejected
    assert b.overflow == 1
    assert sorted(o[2] for o in b.orders(B)) == [1, 2, 3]
    b.apply(limit(B, 97, 5, 6))  # worse: rejected too
    assert b.overflow == 2 and b.count(B) == 3
    # the asks are a separate side with their own capacity
    b.apply(limit(S, 105, 1, 7))
    assert b.count(S) == 1 and b.overflow == 2


def test_full_side_matching_frees_slots():
    b2 = book_with([limit(B, 100, 1, 1), limit(B, 99, 1, 2)], capacity=2)
    b2.apply(limit(S, 101, 1, 3))
    b2.apply(limit(S, 102, 1, 4))
    # a crossing sell takes bid 100 first; its remainder (2 @ 100) then finds the asks full
    # and is rejected, but the fill itself happened
    trades = b2.apply(limit(S, 100, 3, 5))
    assert [(t[0], t[1]) for t in trades] == [(100, 1)]
    assert b2.overflow == 1 and b2.orders(S) == [(101, 1, 3, 0), (102, 1, 4, 0)]
    assert b2.orders(B) == [(99, 1, 2, 0)]
    b2.apply(msg(M.DELETE, S, 102, 1, 4, trader=0))  # a freed slot takes the next order
    b2.apply(limit(S, 103, 1, 6))
    assert [o[0] for o in b2.orders(S)] == [101, 103] and b2.overflow == 1


def test_full_side_rejected_order_is_unknown_to_cancels():
    b = book_with([limit(B, 100, 1, 1), limit(B, 98, 1, 2)], capacity=2)
    b.apply(limit(B, 99, 1, 3))  # rejected
    b.apply(msg(M.CANCEL, B, 99, 1, 3, trader=1))
    assert b.unresolved == 1


def test_full_side_evict_policy_evicts_worst_latest_when_better():
    b = book_with([limit(B, 100, 1, 1), limit(B, 98, 1, 2), limit(B, 98, 1, 3)], capacity=3, full_side="evict")
    b.apply(limit(B, 99, 5, 4))  # better than the worst (98): evicts the latest at 98 (id 3)
    assert b.overflow == 1 and sorted(o[2] for o in b.orders(B)) == [1, 2, 4]
    b.apply(limit(B, 98, 5, 5))  # not strictly better than the worst (98): rejected
    assert b.overflow == 2 and sorted(o[2] for o in b.orders(B)) == [1, 2, 4]
    a = book_with([limit(S, 101, 1, 1), limit(S, 103, 1, 2)], capacity=2, full_side="evict")
    a.apply(limit(S, 102, 1, 3))  # better than 103: evicts it
    a.apply(limit(S, 104, 1, 4))  # worse: rejected
    assert [o[0] for o in a.orders(S)] == [101, 102] and a.overflow == 2
    with pytest.raises(ValueError):
        ReferenceBook(full_side="drop")


def test_trade_overflow_counted_beyond_max_trades():
    b = book_with([limit(S, 100 + i, 1, i + 1) for i in range(6)])
    trades = b.apply(limit(B, 110, 6, 99), max_trades=4)
    assert len(trades) == 4 and b.trade_overflow == 2
    assert b.count(S) == 0  # all six fills executed


def test_dict_book_matches_reference_on_noncrossing_flow():
    rng = np.random.default_rng(1)
    ref, dic = ReferenceBook.from_l2([105, 50, 95, 60]), DictBook.from_l2([105, 50, 95, 60])
    live: dict[int, tuple[int, int]] = {}
    rows = []
    for i in range(3000):
        u = rng.random()
        if u < 0.5 or not live:
            side = int(rng.choice([B, S]))
            price = int(rng.integers(90, 100)) if side == B else int(rng.integers(101, 111))
            row = limit(side, price, int(rng.integers(1, 20)), 1000 + i)
            live[1000 + i] = (side, price)
        else:
            oid = int(rng.choice(list(live)))
            side, price = live[oid]
            typ = int(rng.choice([M.CANCEL, M.DELETE, M.EXECUTE]))
            row = msg(typ, side, price, int(rng.integers(1, 10)), oid)
            if typ == M.DELETE:
                del live[oid]
        if rng.random() < 0.05:  # unknown ids against the seeded levels
            row = msg(M.CANCEL, B, 95, 1, 77) if rng.random() < 0.5 else msg(M.EXECUTE, S, 105, 1, 78)
        rows.append(row)
    for r in rows:
        ref.apply(r)
        dic.apply(r)
    np.testing.assert_array_equal(ref.l2(10), dic.l2(10))
    dic2 = DictBook.from_l2([105, 50, 95, 60])
    assert dic2.replay(np.array(rows)) == len(rows)
    np.testing.assert_array_equal(dic2.l2(10), ref.l2(10))
    assert dic2.unresolved == dic.unresolved == ref.unresolved
