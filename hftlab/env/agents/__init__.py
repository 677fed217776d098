"""Agent types of the market: each maps (market view, its own state, action or key) to desired orders.

* :mod:`~hftlab.env.agents.registry` — the one registry: a type is a record (act, observe, reward,
  metrics, own parameters, category); :mod:`~hftlab.env.agents.builtin` registers the built-in ones;
* :mod:`~hftlab.env.agents.execution` — the execution task (learning agent; the category's reward,
  metrics and TWAP schedule, shared by TWAP and POV);
* :mod:`~hftlab.env.agents.market_making` — the market maker (learning agent; the quoting category's
  quotes, reward and metrics, shared by the fixed quoters);
* :mod:`~hftlab.env.agents.fixed` — TWAP, fixed spread, Avellaneda–Stoikov, noise traders;
* :mod:`~hftlab.env.agents.pov` — percentage of volume.

A type's desired orders are a :class:`Orders`: per agent and order slot, whether to set the
slot (``want``), its side, limit price, quantity and whether it is a market order, plus
an optional market order per agent (``flat``: signed shares, market makers only). The
world step (:mod:`hftlab.env.market`) turns them into book messages: a slot whose order
already rests with the same side, price and quantity sends nothing (it keeps its queue
place), otherwise its old order is deleted and the new one sent.
"""

from hftlab.env.agents import builtin  # noqa: F401  (registers the built-in agent types)
from hftlab.env.agents.common import Orders, View

__all__ = ["Orders", "View"]
