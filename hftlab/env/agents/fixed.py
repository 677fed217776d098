"""Fixed-policy agents: TWAP, fixed-spread and Avellaneda–Stoikov market makers, noise traders.

* **TWAP** (``twap_near``, ``twap_far``): an execution task (same Q, T, side rules as the
  execution agent) on the schedule ``S_t = floor((t + 1) Q / T)``: in step t its one
  order is set to ``S_t - executed`` shares at the near touch (best own-side price) or
  the far touch (best opposite price); on the last step the remainder goes as a market
  order, as for the execution agent.
* **Fixed spread**: quotes ``mm_size`` at ``mid -/+ fs_half_spread`` ticks (rounded
  outwards to the grid, never crossing).
* **Avellaneda–Stoikov**: reservation price ``r = mid - x gamma sigma^2 tau`` and spread
  ``delta = gamma sigma^2 tau + (2 / gamma) ln(1 + gamma / kappa)`` (ticks; ``x``
  inventory in ``mm_size`` units, ``tau`` steps left), quotes ``r -/+ delta / 2``.
* **Noise** (zero intelligence): each step with probability ``noise_prob`` a random side
  and size in 1..``noise_max_size``; with probability ``noise_market_prob`` a market
  order, else a limit order 0..``noise_levels - 1`` ticks behind its own touch
  (replacing its previous order).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from hftlab.env.agents.common import Orders, View, grid_down, grid_up
from hftlab.env.agents import market_making as mm


def twap_schedule(t, T, Q):
    """Shares due by the end of step t: floor((t + 1) Q / T)."""
    return ((t + 1) * Q) // T


def twap_due(t, T, Q, executed):
    """Shares the TWAP schedule says are still due in step t: max(floor((t + 1) Q / T) - executed, 0)."""
    return jnp.maximum(twap_schedule(t, T, Q) - executed, 0)


def twap(t, T, Q, d, executed, view: View, far: bool) -> Orders:
    n = d.shape[0]
    due = twap_due(t, T, Q, executed)
    price = jnp.where((d > 0) == far, view.ask, view.bid).astype(jnp.int32)
    return Orders(
        want=jnp.ones((n, 1), bool), side=d[:, None], price=price[:, None], qty=due[:, None].astype(jnp.int32),
        market=jnp.zeros((n, 1), bool), flat=jnp.zeros((n,), jnp.int32),
    )


def fixed_spread(n, view: View, params) -> Orders:
    h = params.fs_half_spread.astype(jnp.float32) * view.tick
    bid = jnp.full((n,), grid_down(view.mid - h, view.tick))
    ask = jnp.full((n,), grid_up(view.mid + h, view.tick))
    return mm.quotes(bid, ask, jnp.full((n,), params.mm_size), view)


def avellaneda_stoikov(inv, t, T, view: View, params) -> Orders:
    tickf = view.tick.astype(jnp.float32)
    x = inv.astype(jnp.float32) / jnp.maximum(params.mm_size, 1)
    tau = (T - t).astype(jnp.float32)
    g, k, s = params.as_gamma, params.as_kappa, params.as_sigma
    r = view.mid / tickf - x * g * s * s * tau
    delta = g * s * s * tau + (2.0 / g) * jnp.log1p(g / k)
    bid = grid_down((r - delta / 2) * tickf, view.tick)
    ask = grid_up((r + delta / 2) * tickf, view.tick)
    return mm.quotes(bid, ask, jnp.full(inv.shape, params.mm_size), view)


def noise(key, n, view: View, params) -> Orders:
    k1, k2, k3, k4, k5 = jax.random.split(key, 5)
    act = jax.random.uniform(k1, (n,)) < params.noise_prob
    side = jnp.where(jax.random.bernoulli(k2, 0.5, (n,)), 1, -1).astype(jnp.int32)
    market = jax.random.uniform(k3, (n,)) < params.noise_market_prob
    size = jax.random.randint(k4, (n,), 1, jnp.maximum(params.noise_max_size, 1) + 1)
    off = jax.random.randint(k5, (n,), 0, jnp.maximum(params.noise_levels, 1))
    near = jnp.where(side > 0, view.bid, view.ask)
    price = (near - side * off * view.tick).astype(jnp.int32)
    return Orders(
        want=act[:, None], side=side[:, None], price=price[:, None], qty=size[:, None].astype(jnp.int32),
        market=market[:, None], flat=jnp.zeros((n,), jnp.int32),
    )
