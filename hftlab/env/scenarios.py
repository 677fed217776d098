"""Small drawn books that show the market's fill rule step by step (notebook 02, tests).

:func:`execution_meets_agent`: an agent bids $100.50 alone at the best bid; the data
record a sell-initiated execution of 60 shares of a resting bid at $100.00. Under the
market's rule (:func:`hftlab.env.market.executions_meet_agents`) the execution is the
aggressive sell it records: it meets the agent's better-priced bid first and the named
order gets what is left (nothing). Under a plain replay it reduces only the named order,
and the agent — with strict price priority — is not filled.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.env.config import AGENT_OID_BASE
from hftlab.env.market import replay_historical
from hftlab.lob import engine
from hftlab.lob import messages as M

TICK = 2500  # $0.25 in LOBSTER price units (dollars x 10 000)
P100 = 1_000_000  # $100.00


def _msg(typ, side, price, size, oid, trader=0):
    return [typ, side, price, size, oid, trader, 34_200, 0]


def book_table(book) -> pd.DataFrame:
    """Resting orders as a table: side, price ($), shares, order id, owner (``history`` or ``agent N``), in
    price-time priority per side (asks lowest first, bids highest first)."""
    rows = []
    for name, side, sign in (("ask", engine.ASK, 1), ("bid", engine.BID, -1)):
        o = np.asarray(book.orders[side])
        for j in range(o.shape[1]):
            if o[engine.QTY, j] > 0:
                tr = int(o[engine.TRADER, j])
                rows.append({"side": name, "price": o[engine.PRICE, j] / 1e4, "shares": int(o[engine.QTY, j]),
                             "order": int(o[engine.OID, j]), "owner": "history" if tr == 0 else f"agent {tr - 1}",
                             "_key": (sign * o[engine.PRICE, j], o[engine.SEQ, j])})
    rows.sort(key=lambda r: (r["side"] != "ask", r["_key"]))
    return pd.DataFrame([{k: v for k, v in r.items() if k != "_key"} for r in rows])


def execution_meets_agent() -> dict:
    """The scenario of the module docstring: ``{"before", "message", "aggressive", "named", "agent_filled"}``
    (books as :func:`book_table` tables; ``agent_filled``: shares the agent got under each rule)."""
    agent = AGENT_OID_BASE
    book = engine.empty(16)
    orders = [(1, P100, 100, 7, 0), (1, P100 + 2 * TICK, 80, agent, 1), (-1, P100 + 8 * TICK, 50, 9, 0)]
    book, _ = engine.replay(book, jnp.asarray([_msg(M.LIMIT, *o) for o in orders], jnp.int32), trades=False)
    block = jnp.asarray([_msg(M.EXECUTE, 1, P100, 60, 7)], jnp.int32)
    aggressive, _, took = replay_historical(book, block, jnp.asarray([[agent, 0]], jnp.int32))
    named, _ = engine.replay(book, block, trades=False)
    qty = lambda b: int(np.asarray(b.orders)[:, engine.QTY][np.asarray(b.orders)[:, engine.OID] == agent].sum())  # noqa: E731
    return {
        "before": book_table(book),
        "message": "execution (type 4) of 60 shares of bid order 7 at $100.00: a sell-initiated trade",
        "aggressive": book_table(aggressive),
        "named": book_table(named),
        "agent_filled": {"aggressive": int(np.asarray(took).sum()), "named": 80 - qty(named)},
    }
