"""Fixed-policy agents: TWAP, fixed-spread and Avellaneda–Stoikov market makers, noise traders.

* **TWAP** (``twap_near``, ``twap_far``): an execution task (same Q, T, side rules as the
  execution agent) on the schedule ``S_t = floor((t + 1) Q / T)``: in step t its one
  order is set to ``S_t - executed`` shares at the near touch (best own-side price) or
  the far touch (best opposite price); on the last step the remainder goes as a market
  order, as for the execution agent.
* **Fixed spread**: quotes ``mm_size`` at ``mid -/+ half_spread`` ticks (rounded
  outwards to the grid, never crossing).
* **Avellaneda–Stoikov**: reservation price ``r = mid - x gamma sigma^2 tau`` and spread
  ``delta = gamma sigma^2 tau + (2 / gamma) ln(1 + gamma / kappa)`` (ticks; ``x``
  inventory in ``mm_size`` units, ``tau`` steps left), quotes ``r -/+ delta / 2``.
* **Spread rule** (``spread_rule``): the TWAP schedule's due quantity times ``multiple``,
  at the near touch while the spread is at least ``threshold`` ticks, else at the far
  touch — a one-line state rule a practitioner would try; its family (threshold ×
  multiple) is tuned on training windows (:mod:`hftlab.study.baselines`).
* **Null market maker** (``null_mm``): never quotes (PnL 0): the quoting baseline that
  any market maker has to beat before its PnL means anything.
* **Noise** (zero intelligence): each step with probability ``prob`` a random side
  and size in 1..``max_size``; with probability ``market_prob`` a market
  order, else a limit order 0..``levels - 1`` ticks behind its own touch
  (replacing its previous order).

Each policy is the ``act`` of its registry record (:mod:`hftlab.env.agents.builtin`); its
parameters (``gamma``, ``kappa``, ``sigma``, ``half_spread``, ...) are the type's own,
``params.agent[type][name]``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from hftlab.env.agents import market_making as mm
from hftlab.env.agents.common import Orders, grid_down, grid_up
from hftlab.env.agents.execution import twap_due


def twap(inp, far: bool) -> Orders:
    """The due quantity of the TWAP schedule at the near or far touch."""
    d, n, view = inp.side, inp.n, inp.view
    due = twap_due(inp.t, inp.T, inp.params.exec_qty, inp.executed)
    price = jnp.where((d > 0) == far, view.ask, view.bid).astype(jnp.int32)
    return Orders(
        want=jnp.ones((n, 1), bool), side=d[:, None], price=price[:, None], qty=due[:, None].astype(jnp.int32),
        market=jnp.zeros((n, 1), bool), flat=jnp.zeros((n,), jnp.int32),
    )


def twap_near(inp) -> Orders:
    return twap(inp, far=False)


def twap_far(inp) -> Orders:
    return twap(inp, far=True)


def spread_rule(inp) -> Orders:
    """``multiple`` x the due TWAP quantity, near touch when the spread >= ``threshold`` ticks, else far."""
    d, n, view, own = inp.side, inp.n, inp.view, inp.own
    due = twap_due(inp.t, inp.T, inp.params.exec_qty, inp.executed)
    qty = jnp.minimum(jnp.round(own["multiple"]).astype(jnp.int32) * due, inp.remaining)
    near = jnp.broadcast_to(view.spread >= own["threshold"], (n,))
    far_side = (d > 0) == ~near  # buying far = at the ask
    price = jnp.where(far_side, view.ask, view.bid).astype(jnp.int32)
    return Orders(
        want=jnp.ones((n, 1), bool), side=d[:, None], price=price[:, None], qty=qty[:, None].astype(jnp.int32),
        market=jnp.zeros((n, 1), bool), flat=jnp.zeros((n,), jnp.int32),
    )


def null_quotes(inp) -> Orders:
    """No quotes: both slots stay empty."""
    n = inp.n
    z = jnp.zeros((n, 2), jnp.int32)
    return Orders(want=jnp.zeros((n, 2), bool), side=jnp.broadcast_to(jnp.array([1, -1], jnp.int32), (n, 2)),
                  price=z, qty=z, market=jnp.zeros((n, 2), bool), flat=jnp.zeros((n,), jnp.int32))


def fixed_spread(inp) -> Orders:
    view = inp.view
    h = inp.own["half_spread"].astype(jnp.float32) * view.tick
    bid = jnp.broadcast_to(grid_down(view.mid - h, view.tick), (inp.n,))
    ask = jnp.broadcast_to(grid_up(view.mid + h, view.tick), (inp.n,))
    return mm.quotes(bid, ask, jnp.full((inp.n,), inp.params.mm_size), view)


def avellaneda_stoikov(inp) -> Orders:
    view, own = inp.view, inp.own
    tickf = view.tick.astype(jnp.float32)
    x = inp.inv.astype(jnp.float32) / jnp.maximum(inp.params.mm_size, 1)
    tau = (inp.T - inp.t).astype(jnp.float32)
    g, k, s = own["gamma"], own["kappa"], own["sigma"]
    r = view.mid / tickf - x * g * s * s * tau
    delta = g * s * s * tau + (2.0 / g) * jnp.log1p(g / k)
    bid = grid_down((r - delta / 2) * tickf, view.tick)
    ask = grid_up((r + delta / 2) * tickf, view.tick)
    return mm.quotes(bid, ask, jnp.full(inp.inv.shape, inp.params.mm_size), view)


def noise(inp) -> Orders:
    n, view, own = inp.n, inp.view, inp.own
    k1, k2, k3, k4, k5 = jax.random.split(inp.key, 5)
    act = jax.random.uniform(k1, (n,)) < own["prob"]
    side = jnp.where(jax.random.bernoulli(k2, 0.5, (n,)), 1, -1).astype(jnp.int32)
    market = jax.random.uniform(k3, (n,)) < own["market_prob"]
    max_size = jnp.maximum(own["max_size"].astype(jnp.int32), 1)
    size = jax.random.randint(k4, (n,), 1, max_size + 1)
    off = jax.random.randint(k5, (n,), 0, jnp.maximum(own["levels"].astype(jnp.int32), 1))
    near = jnp.where(side > 0, view.bid, view.ask)
    price = (near - side * off * view.tick).astype(jnp.int32)
    return Orders(
        want=act[:, None], side=side[:, None], price=price[:, None], qty=size[:, None].astype(jnp.int32),
        market=market[:, None], flat=jnp.zeros((n,), jnp.int32),
    )
