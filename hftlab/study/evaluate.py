"""Held-out evaluation of the market study: learned greedy policies against the fixed-policy baselines.

A baseline takes a learning type's place as an alternative environment configuration
with the same task (:func:`hftlab.env.baselines.baseline_config`), on the same windows
with the same PRNG keys, so the historical flow and the random parts are identical; only
the policy under test differs. Each baseline replaces only its own learning type: the
other learning type keeps its learned greedy policy (:func:`baseline_runs`), so e.g. the
learned execution agent and both TWAPs trade beside the same learned market maker, and
the learned market maker and both baseline market makers beside the same learned
execution agent. (Pairing baselines with each other would hand the TWAPs the baseline
market makers' tight quotes — liquidity the learned execution agent never sees — and
measure the pair, not the policy.)

The result is a tidy :class:`pandas.DataFrame`, one row per (policy, window, agent) for
each agent type: columns ``type`` (``execution`` / ``market_making``), ``policy``
(``ippo``, ``twap_near``, ``twap_far``, ``fixed_spread``, ``avellaneda_stoikov``),
``window``, ``agent`` and the metrics (execution: ``shortfall_bps``, ``fill_rate``,
``executed``; market making: ``pnl``, ``inventory``, ``inventory_std``, ``fills``,
``sharpe``), plus ``episode_return`` for the learned policies. :func:`summarize` gives
mean and spread per policy of :data:`KEY_METRICS`.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.errors import InputError
from hftlab.rl.config import TrainConfig
from hftlab.rl.evaluate import agents_of, check_windows, episode_runner, greedy_episodes, run_windows, tidy

KEY_METRICS = {"execution": ("shortfall_bps", "fill_rate"), "market_making": ("pnl", "inventory_std")}


def fill_columns(trace: dict, agents, tick: float) -> dict:
    """:func:`hftlab.env.fills.fill_metrics` of a traced runner for the global agent indices ``agents``:
    ``{metric: (W, len(agents))}``."""
    from hftlab.env.fills import fill_metrics

    steps_first = jax.tree_util.tree_map(lambda x: np.swapaxes(np.asarray(x), 0, 1), trace)
    m = fill_metrics(steps_first, float(tick))
    return {k: np.asarray(v)[:, list(agents)] for k, v in m.items() if not k.endswith("_shares")}


def baseline_runs(env) -> list:
    """``[(learning type, baseline, environment)]``: each baseline in its learning type's place, alone.

    Only the type under test is replaced; every other learning type keeps its learned
    (greedy) policy, so a baseline and the learned agent face the same partner in the
    same book. ``env.with_config`` rebuilds a wrapped environment's whole stack.
    """
    from hftlab.env.baselines import baseline_config, baselines_for

    runs = []
    for lt in env.learning_types:
        for b in baselines_for(lt):
            runs.append((lt, b, env.with_config(baseline_config(env.config, lt, b))))
    return runs


def evaluate(params, env, windows, key, env_params=None, config: TrainConfig | None = None,
             baselines: bool = True, fills: bool = False) -> pd.DataFrame:
    """Greedy learned policies and the baselines on the same held-out ``windows`` and keys.

    ``params``: ``{type: flax params}`` of one trained run; ``config``: the
    :class:`TrainConfig` it was trained with (network shapes); ``env_params``: the
    environment parameters holding the data the windows index (e.g. the held-out day).
    """
    if env_params is None:
        raise InputError("evaluate: env_params (the data the windows refer to) is required")
    config = config if config is not None else TrainConfig()
    missing = [t for t in env.learning_types if t not in params]
    if missing:
        raise InputError(f"evaluate: params have no entry for agent type(s) {missing}")
    w = check_windows(windows, env_params)
    keys = jax.random.split(key, w.shape[0])
    tick = float(np.asarray(env_params.tick))
    columns = functools.partial(fill_columns, tick=tick) if fills else None
    frames = [greedy_episodes(params, config, env, env_params, w, key, columns=columns)]
    if baselines:
        for lt, b, benv in baseline_runs(env):
            run = episode_runner(config, benv, ((lt, b),), fills)
            out = run_windows(run, {t: params[t] for t in benv.learning_types}, env_params, w, keys, env=benv)
            if fills:
                out, trace = out
            # the replacing agents are the last ones of their fixed type
            n = env.num_agents(lt)
            out = {name: {k: v[:, -n:] for k, v in m.items()} for name, m in out.items()}
            if fills:
                cols = fill_columns(trace, agents_of(benv, b, n), tick)
                out = {name: {**m, **cols} for name, m in out.items()}
            frames.append(pd.DataFrame(tidy(out, {lt: (lt, b)}, w)))
    return pd.concat(frames, ignore_index=True)


def summarize(table: pd.DataFrame, metrics: dict | None = None) -> pd.DataFrame:
    """Mean, standard deviation and count per (type, policy) of the key metrics."""
    metrics = metrics or KEY_METRICS
    rows = []
    for (t, pol), g in table.groupby(["type", "policy"], sort=False):
        row = {"type": t, "policy": pol, "episodes": len(g)}
        for m in metrics.get(t, ()):
            row[f"{m}_mean"] = float(g[m].mean())
            row[f"{m}_sd"] = float(g[m].std(ddof=1)) if len(g) > 1 else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def inventory_paths(params, env, windows, key, env_params, config: TrainConfig | None = None,
                    type_: str = "market_making") -> pd.DataFrame:
    """Per step, the inventory of the learned ``type_`` agents and of each baseline in their place, on the
    same ``windows`` and keys as :func:`evaluate` (the same compiled runners): tidy columns ``policy``,
    ``window``, ``agent``, ``step``, ``inventory``."""
    config = config if config is not None else TrainConfig()
    if type_ not in env.learning_types:
        raise InputError(f"inventory_paths: {type_!r} is not a learning type of the environment")
    w = check_windows(windows, env_params)
    keys = jax.random.split(key, w.shape[0])
    runs = [("ippo", env, agents_of(env, type_), None)]
    runs += [(b, benv, agents_of(benv, b, env.num_agents(type_)), ((type_, b),))
             for lt, b, benv in baseline_runs(env) if lt == type_]
    frames = []
    for policy, e, idx, report in runs:
        run = episode_runner(config, e, report, True)
        _, trace = run_windows(run, {t: params[t] for t in e.learning_types}, env_params, w, keys, env=e)
        inv = np.asarray(trace["agents"]["inventory"])[:, :, idx]  # (W, T, n)
        W_, T, n = inv.shape
        frames.append(pd.DataFrame({"policy": policy, "window": np.repeat(w, T * n),
                                    "agent": np.tile(np.arange(n), W_ * T),
                                    "step": np.tile(np.repeat(np.arange(1, T + 1), n), W_),
                                    "inventory": inv.reshape(-1).astype(np.float64)}))
    return pd.concat(frames, ignore_index=True)
