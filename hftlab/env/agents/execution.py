"""The optimal-execution agent: buy or sell ``Q`` shares within ``T`` steps.

Actions (discrete): 0 holds (the resting order, if any, stays); ``1 + m * 4 + level``
sets the agent's one order to a quantity ``min(mult_m * ceil(Q / T), remaining)`` at
``level`` in (far touch, mid, near touch, passive = near touch ``passive_ticks`` deeper)
— variant ``qty_levels``; variant ``levels`` has the single multiple 1 (5 actions).
Variant ``schedule`` has no hold: ``a = level + 4 * m`` sends ``min(mult_m * due_t, remaining)``
shares at ``level``, with ``due_t = max(floor((t + 1) Q / T) - executed, 0)`` the quantity
the TWAP schedule says is due (what the TWAP baselines send, :func:`twap_due`), so
"1x due at far / near touch" are exactly the two TWAP baselines and anything learned is
adaptivity on top of the schedule (``mult > 1``: trade ahead of it). A
far-touch order crosses at the best opposite price (its remainder rests there). On the
last step every action is replaced by a market order for the remainder; whatever the
book cannot fill is executed at the far touch plus ``deadline_penalty_ticks``, against
the historical flow — so the task always completes.

Reward (ticks per task share). With ``d`` = +1 buy / -1 sell, fills ``q_i`` at ``p_i``
in step t, ``q_t = sum q_i`` and the step's market VWAP ``v_t`` (historical executions
of the step; the mid if there were none)::

    r_t = [ d * sum_i q_i (v_t - p_i)  +  w * d * q_t (a - v_t) ] / (tick * Q)

with ``a`` the arrival mid. The first term is the execution advantage against the
market in the step, the second the drift since arrival; with ``w = 1`` the episode sum
is ``d * sum_i q_i (a - p_i) / (tick Q)``, the slippage against the arrival price.
Implementation shortfall in bps: ``-slippage / (a Q) * 1e4`` (positive = cost).
"""

from __future__ import annotations

import jax.numpy as jnp

from hftlab.env.agents.common import Orders, View, grid_down, grid_up, log_depth

N_LEVELS = 4  # far touch, mid, near touch, passive
FAR, MID, NEAR, PASSIVE = range(N_LEVELS)
N_FEATURES = 11


def twap_schedule(t, T, Q):
    """Shares due by the end of step t: floor((t + 1) Q / T)."""
    return ((t + 1) * Q) // T


def twap_due(t, T, Q, executed):
    """Shares the TWAP schedule says are still due in step t: max(floor((t + 1) Q / T) - executed, 0)."""
    return jnp.maximum(twap_schedule(t, T, Q) - executed, 0)


def multiples(cfg) -> tuple:
    return (1,) if cfg.execution_actions == "levels" else tuple(cfg.exec_qty_multiples)


def num_actions(cfg) -> int:
    return (0 if cfg.execution_actions == "schedule" else 1) + N_LEVELS * len(multiples(cfg))


def obs_size(cfg) -> int:
    return N_FEATURES + (2 * cfg.obs_levels if cfg.observation == "depth" else 0)


def action_labels(cfg) -> list[str]:
    """Human-readable name of every action (index = action)."""
    names = ("far touch", "mid", "near touch", "passive")
    if cfg.execution_actions == "schedule":
        return [f"{m}x due @ {names[l]}" for m in multiples(cfg) for l in range(N_LEVELS)]
    return ["hold"] + [f"{m}x slice @ {names[l]}" for m in multiples(cfg) for l in range(N_LEVELS)]


def slice_size(params, cfg):
    """The TWAP slice ceil(Q / T)."""
    T = cfg.episode_steps
    return (params.exec_qty + T - 1) // T


def level_price(level, d, view: View, cfg):
    """Limit price of ``level`` for side ``d`` (+1 buy)."""
    tick = view.tick
    far = jnp.where(d > 0, view.ask, view.bid)
    near = jnp.where(d > 0, view.bid, view.ask)
    mid = jnp.where(d > 0, grid_down(view.mid, tick), grid_up(view.mid, tick))
    passive = near - d * cfg.passive_ticks * tick
    return jnp.select([level == FAR, level == MID, level == NEAR], [far, mid, near], passive).astype(jnp.int32)


def decode(action, d, remaining, view: View, params, cfg, t=None) -> Orders:
    """Orders of ``n`` execution agents from their actions (n,); ``t`` (the step) is needed
    by variant ``schedule``."""
    mults = jnp.asarray(multiples(cfg), jnp.int32)
    a = jnp.clip(action.astype(jnp.int32), 0, num_actions(cfg) - 1)
    if cfg.execution_actions == "schedule":
        if t is None:
            raise ValueError("decode: variant 'schedule' needs the step t")
        idx, want = a, jnp.ones(a.shape, bool)
        unit = twap_due(t, cfg.episode_steps, params.exec_qty, params.exec_qty - remaining)
    else:
        idx, want = jnp.maximum(a - 1, 0), a > 0
        unit = slice_size(params, cfg)
    level, m = idx % N_LEVELS, mults[idx // N_LEVELS]
    qty = jnp.minimum(m * unit, remaining)
    price = level_price(level, d, view, cfg)
    n = a.shape[0]
    return Orders(
        want=want[:, None], side=d[:, None], price=price[:, None], qty=qty[:, None],
        market=jnp.zeros((n, 1), bool), flat=jnp.zeros((n,), jnp.int32),
    )


def deadline(d, remaining) -> Orders:
    """The last step: one market order for the remainder."""
    n = d.shape[0]
    return Orders(
        want=jnp.ones((n, 1), bool), side=d[:, None], price=jnp.zeros((n, 1), jnp.int32),
        qty=remaining[:, None].astype(jnp.int32), market=jnp.ones((n, 1), bool), flat=jnp.zeros((n,), jnp.int32),
    )


def observe(t, T, d, executed, Q, view: View, arrival, rest_qty, rest_price, last_fill, cfg):
    """Observation rows ``(n, obs_size)`` (features, then depth own side / opposite side).

    Features: time left ``(T - t) / T``; remaining and executed shares / Q; side; spread
    (ticks / 10); imbalance and mid move since arrival (signed by side); resting order
    size / Q and its distance from the mid; last fill / Q; the gap to the TWAP schedule,
    ``(floor((t + 1) Q / T) - executed) / ceil(Q / T)`` clipped to [-4, 4] and scaled to
    [-1, 1] (positive: behind the schedule) — what a schedule-tracking policy such as
    TWAP acts on, so the learner can represent it and deviate from it.
    """
    n = d.shape[0]
    Qf = jnp.maximum(Q, 1).astype(jnp.float32)
    df = d.astype(jnp.float32)
    tickf = view.tick.astype(jnp.float32)
    has = rest_qty > 0
    slice_ = jnp.maximum((Q + T - 1) // T, 1).astype(jnp.float32)
    due = twap_schedule(t, T, Q)  # shares due by the end of this step
    feats = jnp.stack([
        jnp.full((n,), (T - t) / T, jnp.float32),
        (Q - executed) / Qf,
        executed / Qf,
        df,
        jnp.broadcast_to(view.spread / 10.0, (n,)),
        df * view.imbalance,
        df * (view.mid - arrival) / tickf / 10.0,
        rest_qty / Qf,
        jnp.where(has, df * (view.mid - rest_price) / tickf / 10.0, 0.0),
        last_fill / Qf,
        jnp.clip((due - executed) / slice_, -4.0, 4.0) / 4.0,
    ], axis=1).astype(jnp.float32)
    if cfg.observation != "depth":
        return feats
    bid_depth = jnp.broadcast_to(view.bid_depth, (n,) + view.bid_depth.shape[-1:])
    ask_depth = jnp.broadcast_to(view.ask_depth, (n,) + view.ask_depth.shape[-1:])
    own = jnp.where(d[:, None] > 0, bid_depth, ask_depth)
    opp = jnp.where(d[:, None] > 0, ask_depth, bid_depth)
    return jnp.concatenate([feats, log_depth(own), log_depth(opp)], axis=1)


def reward(d_inv, d_cash, vwap, ref, arrival, tick, Q, weight):
    """Per-step reward (module docstring); ``d_cash`` in ticks relative to ``ref``."""
    tickf = tick.astype(jnp.float32)
    adv = d_cash.astype(jnp.float32) * tickf + d_inv.astype(jnp.float32) * (vwap - ref)
    drift = d_inv.astype(jnp.float32) * (arrival - vwap)
    return (adv + weight * drift) / (tickf * jnp.maximum(Q, 1))


def slippage(inv, cash, ref, arrival, tick):
    """Price units: d * sum q_i (a - p_i) = cash * tick + inv * (a - ref)."""
    return cash.astype(jnp.float32) * tick + inv.astype(jnp.float32) * (arrival - ref)


def metrics(inv, cash, d, ref, arrival, tick, Q, executed_before_deadline):
    """``shortfall_bps``, ``fill_rate`` (share of Q filled by the agent's own orders before the
    deadline step), ``executed`` (shares, deadline included)."""
    Qf = jnp.maximum(Q, 1).astype(jnp.float32)
    slip = slippage(inv, cash, ref, arrival, tick)
    return {
        "shortfall_bps": (-slip / (arrival * Qf) * 1e4).astype(jnp.float32),
        "fill_rate": (executed_before_deadline / Qf).astype(jnp.float32),
        "executed": (d * inv).astype(jnp.float32),
    }


# ---- the registry's interface (hftlab.env.agents.registry): the execution-task category and the learner
def act(inp) -> Orders:
    """Decode the learning agent's actions (``inp.action``)."""
    return decode(inp.action, inp.side, inp.remaining, inp.view, inp.params, inp.config, inp.t)


def observe_input(inp):
    return observe(inp.t, inp.T, inp.side, inp.executed, inp.params.exec_qty, inp.view, inp.arrival,
                   inp.rest_qty[:, 0], inp.rest_price[:, 0], jnp.abs(inp.last_fill), inp.config)


def task_reward(out):
    """:func:`reward` of any execution-category type."""
    return reward(out.d_inv, out.d_cash, out.vwap, out.ref, out.arrival, out.tick, out.params.exec_qty,
                  out.params.drift_weight)


def task_metrics(out) -> dict:
    """:func:`metrics` of any execution-category type, plus ``slippage_ticks``."""
    m = metrics(out.inv, out.cash, out.side, out.ref, out.arrival, out.tick, out.params.exec_qty,
                out.side * out.inv_before)
    m["slippage_ticks"] = (slippage(out.inv, out.cash, out.ref, out.arrival, out.tick) / out.tick).astype(jnp.float32)
    return m
