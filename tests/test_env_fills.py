"""How historical executions meet agents' orders: micro scenarios on a small book, each drawn in its failure message.

A LOBSTER execution (type 4) of a resting order at price p is replayed as the aggressive order it
records: agent orders priced better than p, or at p and earlier than the named order, fill first,
and the named order is executed only by what is left (:func:`hftlab.env.market.replay_historical`).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from hftlab.env.config import AGENT_OID_BASE
from hftlab.env.market import replay_historical
from hftlab.lob import engine
from hftlab.lob import messages as M

TICK = 2500  # $0.25 in LOBSTER units
P100 = 1_000_000  # $100.00


def msg(typ, side, price, size, oid, trader=0):
    return [typ, side, price, size, oid, trader, 34_200, 0]


def agent_oid(a, slot=0):
    return AGENT_OID_BASE + a * (1 << 20) + slot


def book_with(*orders):
    """A book from limit orders (in arrival order) that do not cross."""
    book = engine.empty(16)
    if orders:
        book, _ = engine.replay(book, jnp.asarray([msg(M.LIMIT, *o) for o in orders], jnp.int32), trades=False)
    return book


def draw(book) -> str:
    """The book as text: each side's orders (price $, qty, id, trader) in slot order."""
    lines = []
    for name, side in (("asks", engine.ASK), ("bids", engine.BID)):
        o = np.asarray(book.orders[side])
        rows = [f"  {o[engine.PRICE, j] / 1e4:8.2f} x {o[engine.QTY, j]:4d}  id {o[engine.OID, j]}  trader {o[engine.TRADER, j]}"
                for j in range(o.shape[1]) if o[engine.QTY, j] > 0]
        lines += [name + ":"] + (rows or ["  (empty)"])
    return "\n".join(lines)


def run(book, agent_orders, block):
    """Replay ``block`` with the agents' resting orders ``agent_orders`` ((A, 2) ids); returns what changed."""
    oid = jnp.asarray(agent_orders, jnp.int32)
    after, replayed, took = replay_historical(book, jnp.asarray(block, jnp.int32), oid)
    return after, np.asarray(replayed), np.asarray(took)


def qty_of(book, oid) -> int:
    o = np.asarray(book.orders)
    return int(o[:, engine.QTY][o[:, engine.OID] == oid].sum())


def test_agent_bid_above_the_execution_price_is_filled_first():
    # the agent bids $100.50 alone at the best bid; the data record a sell-initiated execution at $100.00
    a = agent_oid(0)
    book = book_with((1, P100, 100, 7), (1, P100 + 2 * TICK, 80, a, 1), (-1, P100 + 8 * TICK, 50, 9))
    after, replayed, took = run(book, [[a, 0]], [msg(M.EXECUTE, 1, P100, 60, 7)])
    pic = draw(book)
    assert took[0, 0] == 60, pic  # the agent's bid met the sell first
    assert qty_of(after, a) == 20, pic
    assert qty_of(after, 7) == 100, pic  # the named order is untouched: nothing was left for it
    assert replayed[-1, M.TYPE] == M.NOOP, pic


def test_agent_behind_a_historical_order_at_the_same_price_waits():
    a = agent_oid(0)
    book = book_with((1, P100, 100, 7), (1, P100, 80, a, 1))  # historical first, agent second
    after, _, took = run(book, [[a, 0]], [msg(M.EXECUTE, 1, P100, 60, 7)])
    assert took[0, 0] == 0, draw(book)
    assert qty_of(after, 7) == 40 and qty_of(after, a) == 80, draw(after)


def test_agent_ahead_in_time_at_the_price_fills_first_and_the_named_order_gets_the_rest():
    a = agent_oid(0)
    book = book_with((1, P100, 40, a, 1), (1, P100, 100, 7))  # agent first
    after, replayed, took = run(book, [[a, 0]], [msg(M.EXECUTE, 1, P100, 60, 7)])
    assert took[0, 0] == 40, draw(book)
    assert qty_of(after, a) == 0 and qty_of(after, 7) == 80, draw(after)  # the named order: only the 20 left
    assert replayed[-1, M.SIZE] == 20, draw(book)


def test_price_then_time_priority_among_agents_and_sides():
    a0, a1, a2 = agent_oid(0), agent_oid(1), agent_oid(2)
    book = book_with((1, P100, 100, 7), (1, P100 + TICK, 30, a1, 2), (1, P100 + 2 * TICK, 30, a0, 1),
                     (-1, P100 + 4 * TICK, 30, a2, 3))
    # a sell of 50 at $100.00: the $100.50 bid first, then the $100.25 bid; the agent's ask is not on that side
    after, _, took = run(book, [[a0, 0], [a1, 0], [a2, 0]], [msg(M.EXECUTE, 1, P100, 50, 7)])
    np.testing.assert_array_equal(took[:, 0], [30, 20, 0], err_msg=draw(book))
    assert qty_of(after, 7) == 100, draw(after)
    # a buyer-initiated execution of an ask: the agent's ask at a lower price fills first
    book = book_with((-1, P100 + 6 * TICK, 100, 8), (-1, P100 + 4 * TICK, 30, a2, 3))
    after, _, took = run(book, [[a2, 0]], [msg(M.EXECUTE, -1, P100 + 6 * TICK, 50, 8)])
    assert took[0, 0] == 30 and qty_of(after, 8) == 80, draw(book)


def test_hidden_execution_fills_better_priced_agents_only():
    a0, a1 = agent_oid(0), agent_oid(1)
    book = book_with((1, P100 + 2 * TICK, 30, a0, 1), (1, P100, 30, a1, 2))
    after, replayed, took = run(book, [[a0, 0], [a1, 0]], [msg(M.HIDDEN, 1, P100, 50, 0)])
    np.testing.assert_array_equal(took[:, 0], [30, 0], err_msg=draw(book))  # at p: a visible order was not hit
    assert replayed[-1, M.SIZE] == 20 and replayed[-1, M.TYPE] == M.HIDDEN, draw(book)


def test_named_order_arriving_in_the_block_is_behind_the_agent():
    a = agent_oid(0)
    book = book_with((1, P100, 25, a, 1))
    block = [msg(M.LIMIT, 1, P100, 100, 7), msg(M.EXECUTE, 1, P100, 10, 7)]
    after, _, took = run(book, [[a, 0]], block)
    assert took[0, 0] == 10 and qty_of(after, 7) == 100 and qty_of(after, a) == 15, draw(after)


def test_an_execution_fills_an_agent_order_once():
    a = agent_oid(0)
    book = book_with((1, P100, 100, 7), (1, P100 + TICK, 30, a, 1))
    block = [msg(M.EXECUTE, 1, P100, 20, 7), msg(M.EXECUTE, 1, P100, 20, 7)]
    after, replayed, took = run(book, [[a, 0]], block)
    assert took[0, 0] == 30, draw(book)  # 20 from the first, the last 10 from the second
    assert qty_of(after, a) == 0 and qty_of(after, 7) == 90, draw(after)
    np.testing.assert_array_equal(replayed[-2:, M.SIZE], [0, 10])


@pytest.mark.parametrize("typ", [M.LIMIT, M.CANCEL, M.DELETE, M.EXECUTE, M.HIDDEN])
def test_no_agent_orders_leave_the_block_unchanged(typ):
    book = book_with((1, P100, 100, 7), (-1, P100 + 4 * TICK, 50, 9))
    block = np.asarray([msg(typ, 1, P100, 30, 7)], np.int32)
    after, replayed, took = run(book, np.zeros((1, 2), np.int32), block)
    plain, _ = engine.replay(book, jnp.asarray(block), trades=False)
    np.testing.assert_array_equal(replayed[-1], block[0])
    np.testing.assert_array_equal(np.asarray(after.orders), np.asarray(plain.orders))
    assert took.sum() == 0


def test_own_orders_are_masked_from_the_agent_but_visible_to_others():
    from hftlab.env.market import _masked_views

    a1 = agent_oid(0)
    # historical bid $100.00 / ask $101.00; agent 1 (trader 1) bids $100.50 alone at the best bid
    book = book_with((1, P100, 100, 7), (-1, P100 + 4 * TICK, 50, 9), (1, P100 + 2 * TICK, 80, a1, 1))
    v = _masked_views(book, jnp.float32(P100), TICK, 3, num_agents=2)
    bid, mid = np.asarray(v.bid), np.asarray(v.mid)
    assert bid[0] == P100 and bid[1] == P100, draw(book)  # the market and agent 1 itself: no $100.50 bid
    assert bid[2] == P100 + 2 * TICK, draw(book)  # agent 2 sees agent 1's bid like any other order
    assert mid[1] == P100 + 2 * TICK and mid[2] == P100 + 3 * TICK, draw(book)  # its own quote does not move its mid
    np.testing.assert_array_equal(np.asarray(v.bid_depth)[1], [100, 0, 0], err_msg=draw(book))


def test_queue_position_counts_the_shares_ahead():
    from hftlab.env.market import _queue_ahead

    a0, a1 = agent_oid(0), agent_oid(1)
    # bids: 100 at $100.25 (better), 40 at $100.00 (earlier), then agent 0's 30 at $100.00, then 60 at $100.00
    book = book_with((1, P100 + TICK, 100, 5), (1, P100, 40, 6), (1, P100, 30, a0, 1), (1, P100, 60, 7),
                     (-1, P100 + 4 * TICK, 50, 9), (-1, P100 + 3 * TICK, 20, a1, 2))
    ahead = np.asarray(_queue_ahead(book, jnp.asarray([[a0, 0], [a1, 0]], jnp.int32)))
    np.testing.assert_array_equal(ahead, [[140, 0], [0, 0]], err_msg=draw(book))  # the better ask is first


def test_executing_agent_orders_in_place_equals_replaying_their_rows():
    """The agents' executions change the book as the type-4 rows on their ids would in the engine
    (quantities, emptied slots, event counts), for a partial fill, a whole fill and no fill."""
    from hftlab.env.market import _execute_agent_orders

    a0, a1, a2 = agent_oid(0), agent_oid(1), agent_oid(2)
    book = book_with((M.BUY, P100, 100, 11), (M.BUY, P100 - TICK, 50, a0), (M.SELL, P100 + TICK, 80, a1),
                     (M.SELL, P100 + 2 * TICK, 30, a2))
    oid = jnp.asarray([[a0, 0], [a1, 0], [a2, 0]], jnp.int32)
    took = jnp.asarray([[20, 0], [80, 0], [0, 0]], jnp.int32)
    rows = [msg(M.EXECUTE if t else M.NOOP, s, p, t, o, trader=a + 1)
            for a, (o, s, p, t) in enumerate([(a0, M.BUY, P100 - TICK, 20), (a1, M.SELL, P100 + TICK, 80),
                                              (a2, M.SELL, P100 + 2 * TICK, 0)])]
    rows = [r for pair in zip(rows, [msg(M.NOOP, 1, 0, 0, 0)] * 3) for r in pair]
    want, _ = engine.replay(book, jnp.asarray(rows, jnp.int32), max_trades=1, trades=False)
    got = _execute_agent_orders(book, oid, took)
    np.testing.assert_array_equal(np.asarray(got.orders), np.asarray(want.orders), err_msg=draw(got))
    np.testing.assert_array_equal(np.asarray(got.events), np.asarray(want.events))
    assert qty_of(got, a0) == 30 and qty_of(got, a1) == 0 and qty_of(got, a2) == 30
