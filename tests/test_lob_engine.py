"""The JAX book's own behaviour: seeding, matching sweeps, counters, jit / vmap / nested vmap."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hftlab import lob
from hftlab.errors import InputError
from hftlab.lob import engine
from hftlab.lob import messages as M

ROW = np.array([10100, 5, 10000, 7, 10200, 3, 9900, 2, 9999999999, 0, -9999999999, 0])


def msg(typ, side, price, size, oid, trader=1, t=1):
    return jnp.array([typ, side, price, size, oid, trader, t, 0], jnp.int32)


def test_from_l2_accepts_lobster_placeholders_and_skips_empty_levels():
    book = lob.from_l2(ROW, 8)
    np.testing.assert_array_equal(
        lob.l2(book, 3), [[10100, 5, 10000, 7], [10200, 3, 9900, 2], [0, 0, 0, 0]]
    )
    assert int((book.qty > 0).sum()) == 4
    assert set(np.asarray(book.oid)[np.asarray(book.qty) > 0].tolist()) == {-10100, -10200, -10000, -9900}


@pytest.mark.parametrize("capacity, row", [(2, ROW), (0, ROW), ("x", ROW), (8, ROW[:5])])
def test_from_l2_rejects_bad_input(capacity, row):
    with pytest.raises(InputError):
        lob.from_l2(row, capacity)


def test_one_aggressive_order_sweeps_several_orders_and_levels():
    book = engine.empty(8)
    for i, (p, q) in enumerate([(101, 2), (101, 3), (102, 4), (103, 5)]):
        book, _ = lob.apply(book, msg(M.LIMIT, M.SELL, p, q, 10 + i, trader=2))
    book, trades = jax.jit(lob.apply)(book, msg(M.LIMIT, M.BUY, 102, 8, 99, trader=3))
    t = np.asarray(trades)
    made = t[t[:, M.T_QTY] > 0]
    # price-time: both orders at 101 (FIFO), then 102; trades at the resting prices
    np.testing.assert_array_equal(made[:, [M.T_PRICE, M.T_QTY, M.T_PASSIVE_OID, M.T_AGGR_OID]],
                                  [[101, 2, 10, 99], [101, 3, 11, 99], [102, 3, 12, 99]])
    assert set(made[:, M.T_AGGR_SIDE]) == {M.BUY} and set(made[:, M.T_PASSIVE_TRADER]) == {2}
    np.testing.assert_array_equal(lob.l2(book, 2), [[102, 1, 0, 0], [103, 5, 0, 0]])


def test_market_and_ioc_remainders_are_dropped():
    book = lob.from_l2(ROW, 8)
    book, trades = lob.apply(book, msg(M.MARKET, M.SELL, 0, 20, 7))
    assert int(trades[:, M.T_QTY].sum()) == 9  # the whole bid side
    assert int(book.qty.sum()) == 8 and int((book.qty[engine.BID] > 0).sum()) == 0
    book, trades = lob.apply(book, msg(M.IOC, M.BUY, 10100, 6, 8))
    assert int(trades[:, M.T_QTY].sum()) == 5 and int(lob.l2(book, 1)[0, 3]) == 0


def test_full_side_rejects_and_counts_overflow():
    book = engine.empty(2)
    for i, p in enumerate([100, 99, 101]):
        book, _ = lob.apply(book, msg(M.LIMIT, M.BUY, p, 1, i + 1))
    assert int(book.overflow) == 1
    np.testing.assert_array_equal(np.sort(np.asarray(book.price[engine.BID])), [99, 100])


def test_fills_beyond_max_trades_are_executed_and_counted():
    book = engine.empty(8)
    for i in range(6):
        book, _ = lob.apply(book, msg(M.LIMIT, M.SELL, 100 + i, 1, i + 1))
    book, trades = lob.apply(book, msg(M.LIMIT, M.BUY, 110, 6, 50), max_trades=4)
    assert int((trades[:, M.T_QTY] > 0).sum()) == 4 and int(book.trade_overflow) == 2
    assert int(book.qty[engine.ASK].sum()) == 0


def test_unknown_ids_fall_back_to_seeded_orders_for_history_only():
    book = lob.from_l2(ROW, 8)
    book, trades = lob.apply(book, msg(M.EXECUTE, M.BUY, 10000, 4, 555, trader=0))
    assert int(lob.l2(book, 1)[0, 3]) == 3 and int(trades[0, M.T_QTY]) == 4
    assert int(trades[0, M.T_PASSIVE_OID]) == -10000 and int(trades[0, M.T_AGGR_SIDE]) == M.SELL
    book, _ = lob.apply(book, msg(M.CANCEL, M.BUY, 10000, 1, 556, trader=5))  # an agent's unknown id
    assert int(lob.l2(book, 1)[0, 3]) == 3 and int(book.unresolved) == 1
    book, _ = lob.apply(book, msg(M.DELETE, M.SELL, 10500, 1, 557, trader=0))  # no seeded order there
    assert int(book.unresolved) == 2


def _random_stream(rng, n):
    rows = []
    for i in range(n):
        typ = rng.choice([M.LIMIT, M.LIMIT, M.LIMIT, M.CANCEL, M.DELETE, M.EXECUTE, M.MARKET])
        side = rng.choice([M.BUY, M.SELL])
        rows.append([typ, side, 1000 + rng.integers(-5, 6), rng.integers(1, 6), rng.integers(1, i + 2), 1, i, 0])
    return np.asarray(rows, np.int32)


def test_replay_equals_message_by_message_and_vmap_equals_loop():
    rng = np.random.default_rng(0)
    streams = np.stack([_random_stream(rng, 60) for _ in range(4)])
    seeds = np.stack([np.array([1001, 5, 999, 5, 1002, 5, 998, 5])] * 4)
    books = jax.vmap(lambda r: lob.from_l2(r, 16))(jnp.asarray(seeds))
    vb, vt = jax.jit(jax.vmap(lambda b, m: lob.replay(b, m)))(books, jnp.asarray(streams))
    vvb, vvt = jax.jit(jax.vmap(jax.vmap(lambda b, m: lob.replay(b, m))))(
        jax.tree.map(lambda x: x.reshape((2, 2) + x.shape[1:]), books), jnp.asarray(streams).reshape(2, 2, 60, 8))
    apply = jax.jit(lob.apply)
    for i in range(4):
        book = lob.from_l2(seeds[i], 16)
        sb, st = lob.replay(book, streams[i])
        for j, m in enumerate(streams[i]):
            book, t = apply(book, m)
            np.testing.assert_array_equal(t, st[j])
        np.testing.assert_array_equal(book.orders, sb.orders)
        np.testing.assert_array_equal(sb.orders, vb.orders[i])
        np.testing.assert_array_equal(st, vt[i])
        np.testing.assert_array_equal(vvb.orders[i // 2, i % 2], sb.orders)
        np.testing.assert_array_equal(vvt[i // 2, i % 2], st)
        assert int(sb.events.sum()) == 60
    b2, t2 = lob.replay(lob.from_l2(seeds[0], 16), streams[0], trades=False)
    assert t2 is None and np.array_equal(b2.orders, vb.orders[0])


def test_large_batches_run_in_cache_sized_groups_with_the_same_result(monkeypatch):
    """On a CPU a batch above ``CPU_CHUNK`` books runs group by group (last group padded)."""
    rng = np.random.default_rng(1)
    streams = jnp.asarray(np.stack([_random_stream(rng, 40) for _ in range(7)]))
    seeds = np.stack([np.array([1001, 5, 999, 5, 1002, 5, 998, 5])] * 7)
    books = jax.vmap(lambda r: lob.from_l2(r, 16))(jnp.asarray(seeds))
    monkeypatch.setattr(engine, "CPU_CHUNK", 3)  # 7 books: 3 groups of 3, two padding books
    grouped = jax.jit(jax.vmap(lambda b, m: lob.replay(b, m, max_trades=5)))(books, streams)
    for i in range(7):
        one = lob.replay(lob.from_l2(seeds[i], 16), streams[i], max_trades=5)
        for a, b in zip(jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(grouped)):
            np.testing.assert_array_equal(a, b[i])
    assert int((grouped[1][..., M.T_QTY] > 0).sum()) > 0


def test_capacity_rule():
    # the smallest power of two strictly above max(peak + extra, levels), at least 16
    assert [engine.capacity_for(p) for p in (0, 3, 15, 16, 100, 127, 128, 1000)] == [16, 16, 16, 32, 128, 128, 256, 1024]
    assert engine.capacity_for(100, extra_orders=16) == 128 and engine.capacity_for(120, extra_orders=16) == 256
    assert engine.capacity_for(3, levels=40) == 64
    assert engine.capacity_needed(100, 16, 10) == 116 and engine.capacity_needed(3, 0, 10) == 10
    for peak in range(0, 600):  # the rule the replay command used: 2 ** ceil(log2(max(peak, levels, 8) + 1))
        for levels in (1, 5, 10):
            assert engine.capacity_for(peak, levels=levels) == int(2 ** np.ceil(np.log2(max(peak, levels, 8) + 1)))
        # the experiments' rule, 2 ** ceil(log2(peak + 16)), is capacity_for(peak, extra_orders=15)
        assert engine.capacity_for(peak, extra_orders=15) == int(2 ** np.ceil(np.log2(peak + 16)))
    assert lob.capacity_for is engine.capacity_for
    with pytest.raises(InputError, match="peak_orders must be >= 0"):
        engine.capacity_for(-1)
