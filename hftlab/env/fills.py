"""Fill metrics of an episode: where each agent's fills came from, and what they were worth after.

From a rollout's per-step ``info`` (:func:`hftlab.env.baselines.rollout`, steps first), per
environment and agent:

* ``shares_executions`` — passive fills by historical executions (the aggressive orders
  they record, :func:`hftlab.env.market.executions_meet_agents`);
* ``shares_crossing`` — passive fills by historical limit orders that crossed the agent's quote;
* ``shares_agents`` — fills against another agent's order;
* ``shares_taking`` — the agent's own orders taking historical resting orders;
* ``shares_deadline`` — the remainder executed at the deadline (far touch plus penalty);
* ``passive_share`` — passive shares (executions + crossing) over all shares traded;
* ``markout_1``, ``markout_5`` — ticks per share gained by the fills of a step when marked to
  the market mid 1 and 5 steps after the end of that step: for a buy of q at p, ``q (mid_{t+h} - p) / tick``
  (positive: the price moved the fill's way). Fills whose horizon runs past the episode's
  end, and the deadline step, are left out (``markout_*_shares`` says how many count);
* ``spread_captured`` — ticks per share against the market mid at the start of the fill's
  step (what a passive fill earns before the price moves; negative for taking);
* ``queue_ahead_at_fill`` — mean shares resting ahead of a passively filled order when the
  historical messages of its step began (share-weighted).

The market mid is the book's without any agent's orders (``info['market']['mid']``).
NaN where an agent has no fill to average over.
"""

from __future__ import annotations

import numpy as np

HORIZONS = (1, 5)
SOURCES = ("executions", "crossing", "agents", "taking", "deadline")


def fill_metrics(info: dict, tick: float) -> dict:
    """``{metric: (E, A) array}`` from ``info`` stacked over steps ``(T, E, ...)`` (or ``(T, ...)`` for one env)."""
    ag = {k: np.asarray(v) for k, v in info["agents"].items()}
    mk = {k: np.asarray(v) for k, v in info["market"].items()}
    if ag["fill"].ndim == 2:  # one environment: add its axis
        ag = {k: v[:, None] for k, v in ag.items()}
        mk = {k: v[:, None] for k, v in mk.items()}
    T = ag["fill"].shape[0]
    fill, cash = ag["fill"].astype(np.float64), ag["cash"].astype(np.float64)  # (T, E, A); cash: ticks rel. ref
    ref, mid, before = (mk[k].astype(np.float64)[..., None] for k in ("ref", "mid", "mid_before"))  # (T, E, 1)
    out = {f"shares_{s}": ag[f"filled_{'taking' if s == 'taking' else 'at_deadline' if s == 'deadline' else 'by_' + s}"]
           .sum(axis=0).astype(np.float64) for s in SOURCES}
    total = sum(out[f"shares_{s}"] for s in SOURCES)
    passive = out["shares_executions"] + out["shares_crossing"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["passive_share"] = np.where(total > 0, passive / np.maximum(total, 1), np.nan)
        steps = np.arange(T)[:, None, None]
        trading = steps < T - 1  # the deadline step is not a trading decision
        size = np.abs(fill)

        def marked(m, use):
            val = np.where(use, fill * (m - ref) / tick + cash, 0.0).sum(axis=0)
            n = np.where(use, size, 0.0).sum(axis=0)
            return np.where(n > 0, val / np.maximum(n, 1e-12), np.nan), n

        out["spread_captured"], _ = marked(before, trading)
        for h in HORIZONS:
            later = np.concatenate([mid[h:], np.repeat(mid[-1:], h, axis=0)], axis=0)  # mid_{t+h}
            out[f"markout_{h}"], out[f"markout_{h}_shares"] = marked(later, trading & (steps + h <= T - 1))
        out["queue_ahead_at_fill"] = np.where(passive > 0, ag["queue_ahead_x_filled"].sum(axis=0) / np.maximum(passive, 1),
                                              np.nan)
    return out


def compare_fill_rules(config, params, windows, key, actions: dict | None = None,
                       rules=("named", "aggressive")) -> "pandas.DataFrame":  # noqa: F821
    """The same agents with the same constant ``actions`` (default 0: the market maker quotes at the
    touch) on the same ``windows`` under each fill rule (:class:`~hftlab.env.config.EnvConfig` ``fills``):
    one row per (rule, agent type) with the mean per episode of the shares by source, the markouts,
    the spread captured and the type's PnL or shortfall."""
    import jax
    import pandas as pd

    from hftlab.env.baselines import constant_policy, rollout
    from hftlab.env.market import MarketEnv

    windows = np.asarray(windows, np.int32)
    rows = []
    for rule in rules:
        env = MarketEnv(config.replace(fills=rule, debug=False))
        _, traj = rollout(env, params, key, env.config.episode_steps, num_envs=len(windows),
                          policy=constant_policy(env, actions), windows=windows)
        info = jax.device_get(traj["info"])
        m = fill_metrics(info, float(params.tick))
        for t in env.types:
            idx = [a for a, name in enumerate(env.agent_type) if name == t]
            row = {"rule": rule, "type": t}
            for k, v in m.items():
                row[k] = float(np.nanmean(v[:, idx])) if np.isfinite(v[:, idx]).any() else np.nan
            for k in ("pnl", "shortfall_bps"):
                if k in info[t]:
                    row[k] = float(np.mean(np.asarray(info[t][k])[-1]))
            rows.append(row)
    return pd.DataFrame(rows)
