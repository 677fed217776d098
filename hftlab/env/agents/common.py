"""Shared pieces of the agent types: the market view and the desired-orders record."""

from __future__ import annotations

import jax.numpy as jnp
from flax import struct


@struct.dataclass
class View:
    """What an agent sees of the book at the start of a step (prices in data units).

    ``bid``/``ask`` are the touch prices with an empty side filled in one tick away from the
    other (or around the last mid), ``mid`` float, ``spread`` in ticks, ``imbalance`` of
    the top level in [-1, 1], ``bid_depth``/``ask_depth`` the sizes of the first levels.
    Each agent's view is of the book without its own orders (own-order masking); a type's
    ``act`` / ``observe`` get its agents' views, every field with a leading agent axis
    ``(n,)`` (depths ``(n, levels)``).
    """

    bid: jnp.ndarray
    ask: jnp.ndarray
    mid: jnp.ndarray
    spread: jnp.ndarray
    imbalance: jnp.ndarray
    bid_depth: jnp.ndarray
    ask_depth: jnp.ndarray
    tick: jnp.ndarray


@struct.dataclass
class Orders:
    """Desired orders of ``n`` agents with ``S`` slots each (see :mod:`hftlab.env.agents`)."""

    want: jnp.ndarray  # bool (n, S): set this slot (False: leave it as it is)
    side: jnp.ndarray  # int32 (n, S): +1 buy / -1 sell
    price: jnp.ndarray  # int32 (n, S)
    qty: jnp.ndarray  # int32 (n, S): 0 with want = delete the resting order
    market: jnp.ndarray  # bool (n, S): send as a market order
    flat: jnp.ndarray  # int32 (n,): signed market order (market makers' flatten / unwind), 0 none


def grid_down(x, tick):
    """Largest multiple of ``tick`` <= x (x float or int)."""
    return (jnp.floor(x / tick) * tick).astype(jnp.int32)


def grid_up(x, tick):
    return (jnp.ceil(x / tick) * tick).astype(jnp.int32)


def passive_clamp(bid, ask, view: View):
    """Quotes that do not cross: bid <= ask touch - tick, ask >= bid touch + tick."""
    return jnp.minimum(bid, view.ask - view.tick), jnp.maximum(ask, view.bid + view.tick)


def log_depth(x):
    return jnp.log1p(jnp.maximum(x, 0).astype(jnp.float32)) / 5.0
