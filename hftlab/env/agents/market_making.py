"""The market-making agent: quotes a bid and an ask, earns the spread, carries inventory.

Actions (discrete), with offsets ``o`` (``EnvConfig.mm_offsets``) and size multiples ``m``
(``mm_size_multiples``): ``a = i_bid + n_o * (i_ask + n_o * i_size)`` for ``a < n_o^2 n_m``
quotes a bid at offset ``o[i_bid]`` and an ask at ``o[i_ask]``, each of
``m[i_size] * mm_size`` shares; the last action (``n_o^2 n_m``) flattens: both quotes are
pulled and a market order sends the inventory back to zero. Offsets are in ticks away
from the touch (variant ``ticks``: bid = best bid - o ticks; a negative offset quotes
inside the spread, improving the touch by |o| ticks — on a 16–28-tick spread that is
where a market maker earns; with independent bid and ask offsets and its inventory
observed, the agent can skew its quotes against its inventory) or in multiples of the
half-spread away from the mid (variant ``half_spread``: bid = mid - o * spread / 2,
rounded down to the tick grid); quotes never cross the opposite touch. On the last step
quotes are pulled and the inventory unwound with a market order (any part the book
cannot fill goes at the far touch plus ``deadline_penalty_ticks``).

Reward (ticks per ``mm_size`` share): the mark-to-mid PnL change minus the inventory
penalty, with ``V_t = cash_t + inv_t * mid_t`` and ``x_t = inv_t / mm_size``::

    r_t = (V_t - V_{t-1}) / (tick * mm_size) - lambda * phi(x_t),   phi = x^2 | |x| | 0.
"""

from __future__ import annotations

import jax.numpy as jnp

from hftlab.env.agents.common import Orders, View, grid_down, grid_up, log_depth, passive_clamp

N_FEATURES = 10


def num_actions(cfg) -> int:
    return len(cfg.mm_offsets) ** 2 * len(cfg.mm_size_multiples) + 1


def obs_size(cfg) -> int:
    return N_FEATURES + (2 * cfg.obs_levels if cfg.observation == "depth" else 0)


def action_labels(cfg) -> list[str]:
    """Human-readable name of every action (index = action)."""
    unit = "ticks" if cfg.mm_actions == "ticks" else "half-spreads"
    offs, sizes = cfg.mm_offsets, cfg.mm_size_multiples

    def side(name, o):
        return f"{name} {abs(o)} inside" if o < 0 else f"{name} -{o}" if name == "bid" else f"{name} +{o}"

    out = [f"{side('bid', offs[a % len(offs)])} / {side('ask', offs[(a // len(offs)) % len(offs)])} {unit}, "
           f"{sizes[a // len(offs) ** 2]}x size" for a in range(len(offs) ** 2 * len(sizes))]
    return out + ["flatten"]


def quotes(bid, ask, size, view: View) -> Orders:
    """Two-sided quotes (n,) -> Orders with slot 0 = bid, slot 1 = ask, passive-clamped."""
    bid, ask = passive_clamp(bid, ask, view)
    n = bid.shape[0]
    return Orders(
        want=jnp.ones((n, 2), bool),
        side=jnp.broadcast_to(jnp.array([1, -1], jnp.int32), (n, 2)),
        price=jnp.stack([bid, ask], 1).astype(jnp.int32),
        qty=jnp.stack([size, size], 1).astype(jnp.int32),
        market=jnp.zeros((n, 2), bool),
        flat=jnp.zeros((n,), jnp.int32),
    )


def flatten(inv) -> Orders:
    """Pull both quotes and send a market order for -inventory."""
    n = inv.shape[0]
    return Orders(
        want=jnp.ones((n, 2), bool), side=jnp.broadcast_to(jnp.array([1, -1], jnp.int32), (n, 2)),
        price=jnp.zeros((n, 2), jnp.int32), qty=jnp.zeros((n, 2), jnp.int32), market=jnp.zeros((n, 2), bool),
        flat=(-inv).astype(jnp.int32),
    )


def decode(action, inv, view: View, params, cfg) -> Orders:
    offs = jnp.asarray(cfg.mm_offsets, jnp.float32)
    sizes = jnp.asarray(cfg.mm_size_multiples, jnp.int32)
    n_o, n_a = len(cfg.mm_offsets), num_actions(cfg)
    a = jnp.clip(action.astype(jnp.int32), 0, n_a - 1)
    ob, oa, s = offs[a % n_o], offs[(a // n_o) % n_o], sizes[jnp.minimum(a // (n_o * n_o), sizes.shape[0] - 1)]
    tick = view.tick
    if cfg.mm_actions == "ticks":
        bid = view.bid - (ob * tick).astype(jnp.int32)
        ask = view.ask + (oa * tick).astype(jnp.int32)
    else:  # half_spread
        half = (view.ask - view.bid).astype(jnp.float32) / 2.0
        bid = grid_down(view.mid - ob * half, tick)
        ask = grid_up(view.mid + oa * half, tick)
    q = quotes(bid, ask, s * params.mm_size, view)
    flat = flatten(inv)
    is_flat = (a == n_a - 1)
    pick = lambda x, y: jnp.where(is_flat.reshape((-1,) + (1,) * (x.ndim - 1)), y, x)
    return Orders(*(pick(x, y) for x, y in zip(
        (q.want, q.side, q.price, q.qty, q.market, q.flat),
        (flat.want, flat.side, flat.price, flat.qty, flat.market, flat.flat))))


def observe(t, T, inv, size, view: View, arrival, rest_qty, rest_price, last_fill, cfg):
    """Observation rows ``(n, obs_size)``; ``rest_*`` are (n, 2): bid slot, ask slot."""
    n = inv.shape[0]
    sz = jnp.maximum(size, 1).astype(jnp.float32)
    tickf = view.tick.astype(jnp.float32)
    hb, ha = rest_qty[:, 0] > 0, rest_qty[:, 1] > 0
    feats = jnp.stack([
        jnp.full((n,), (T - t) / T, jnp.float32),
        inv / sz / 10.0,
        jnp.broadcast_to(view.spread / 10.0, (n,)),
        jnp.broadcast_to(view.imbalance, (n,)),
        jnp.broadcast_to((view.mid - arrival) / tickf / 10.0, (n,)),
        hb.astype(jnp.float32),
        ha.astype(jnp.float32),
        jnp.where(hb, (view.mid - rest_price[:, 0]) / tickf / 10.0, 0.0),
        jnp.where(ha, (rest_price[:, 1] - view.mid) / tickf / 10.0, 0.0),
        last_fill / sz,
    ], axis=1).astype(jnp.float32)
    if cfg.observation != "depth":
        return feats
    depth = jnp.concatenate([log_depth(view.bid_depth), log_depth(view.ask_depth)], axis=-1)
    return jnp.concatenate([feats, jnp.broadcast_to(depth, (n, depth.shape[-1]))], axis=1)


def value(inv, cash, mid, ref, tick):
    """Mark-to-mid value in price units, relative to holding nothing at ``ref``."""
    return cash.astype(jnp.float32) * tick + inv.astype(jnp.float32) * (mid - ref)


def penalty(inv, size, kind: str):
    x = inv.astype(jnp.float32) / jnp.maximum(size, 1)
    if kind == "quadratic":
        return x * x
    if kind == "linear":
        return jnp.abs(x)
    return jnp.zeros_like(x)


def reward(v_new, v_old, inv, tick, size, weight, kind: str):
    return (v_new - v_old) / (tick * jnp.maximum(size, 1)) - weight * penalty(inv, size, kind)


# ---- the registry's interface (hftlab.env.agents.registry): the quoting category and the learner
PRICE_SCALE = 10_000.0  # data prices are dollars x 10 000


def act(inp) -> Orders:
    """Decode the learning market maker's actions (``inp.action``)."""
    return decode(inp.action, inp.inv, inp.view, inp.params, inp.config)


def observe_input(inp):
    return observe(inp.t, inp.T, inp.inv, inp.params.mm_size, inp.view, inp.arrival, inp.rest_qty, inp.rest_price,
                   inp.last_fill, inp.config)


def quoting_reward(out):
    """:func:`reward` of any quoting-category type."""
    return reward(out.value_new, out.value_old, out.inv, out.tick, out.params.mm_size, out.params.inventory_penalty,
                  out.config.inventory_penalty)


def quoting_metrics(out) -> dict:
    """``pnl`` (mark-to-mid, dollars), ``inventory``, ``inventory_std``, ``fills``, ``sharpe`` of any quoting type."""
    n_steps = jnp.float32(out.config.episode_steps)
    s = out.sums
    mean_i = s["inv"] / n_steps
    mean_r = s["ret"] / n_steps
    sd_r = jnp.sqrt(jnp.maximum(s["ret_sq"] / n_steps - mean_r ** 2, 0.0))
    return {
        "pnl": (out.value_new / PRICE_SCALE).astype(jnp.float32),
        "inventory": out.inv_before.astype(jnp.float32),
        "inventory_std": jnp.sqrt(jnp.maximum(s["inv_sq"] / n_steps - mean_i ** 2, 0.0)),
        "fills": (s["bought"] + s["sold"]).astype(jnp.float32),
        "sharpe": jnp.where(sd_r > 0, mean_r / jnp.maximum(sd_r, 1e-9), 0.0).astype(jnp.float32),
    }
