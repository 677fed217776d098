"""Held-out evaluation: greedy learned policies against the fixed-policy baselines, same windows, same keys.

:func:`greedy_episodes` runs one episode per given window (``env.reset_window``) with
the arg-max actions of the trained actor-critics (a ``lax.scan`` over the episode's
steps, ``vmap`` over windows) and returns each learning type's end-of-episode metrics
(``info[type]`` on the step where the episode ends) plus the episode return.

:func:`evaluate` adds the baselines of :mod:`hftlab.env.baselines`. A baseline takes
the learning agents' place as an alternative environment configuration with the same
task (``baseline_config``), on the same windows with the same PRNG keys, so the
historical flow and the random parts are identical; only the policy under test differs.
Each baseline replaces only its own learning type: the other learning type keeps its
learned greedy policy (:func:`baseline_runs`), so e.g. the learned execution agent and both
TWAPs trade beside the same learned market maker, and the learned market maker and both
baseline market makers beside the same learned execution agent. (Pairing baselines with
each other would hand the TWAPs the baseline market makers' tight quotes — liquidity the
learned execution agent never sees — and measure the pair, not the policy.)

The result is a tidy :class:`pandas.DataFrame`, one row per (policy, window, agent)
for each agent type: columns ``type`` (``execution`` / ``market_making``), ``policy``
(``ippo``, ``twap_near``, ``twap_far``, ``fixed_spread``, ``avellaneda_stoikov``),
``window``, ``agent`` and the metrics (execution: ``shortfall_bps``, ``fill_rate``,
``executed``; market making: ``pnl``, ``inventory``, ``inventory_std``, ``fills``,
``sharpe``), plus ``episode_return`` for the learned policies. :func:`summarize` gives
mean and spread per policy.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.errors import InputError
from hftlab.rl.config import TrainConfig
from hftlab.rl.ippo import make_policy
from hftlab.rl.networks import initial_hidden

KEY_METRICS = {"execution": ("shortfall_bps", "fill_rate"), "market_making": ("pnl", "inventory_std")}


def _episodes_fn(config: TrainConfig, env, report_types: dict):
    """The compiled episode runner, cached per (train config, env type and config, reported types)."""
    key = (config, type(env), getattr(env, "config", None), tuple(sorted(report_types.items())))
    try:
        hash(key)
    except TypeError:
        return _build_episodes_fn(config, env, report_types)
    if key not in _EPISODES_CACHE:
        _EPISODES_CACHE[key] = _build_episodes_fn(config, env, report_types)
    return _EPISODES_CACHE[key]


_EPISODES_CACHE: dict = {}


def _build_episodes_fn(config: TrainConfig, env, report_types: dict):
    """Jitted ``run(params, env_params, windows, key) -> {type: {metric: (W, n)}}``.

    ``report_types`` maps a reported name to the ``info`` type holding its metrics (the
    learning type itself, or a fixed type that took its place).
    """
    types = tuple(env.learning_types)
    act = make_policy(config, env) if types else None
    T = env.episode_steps

    def one(params, env_params, window, key):
        k_reset, k_run = jax.random.split(key)
        obs, state = env.reset_window(k_reset, env_params, window)
        hidden = {t: initial_hidden(config.agent(t), env.num_agents(t)) for t in types}
        resets = {t: jnp.ones((env.num_agents(t),), bool) for t in types}
        ret = {t: jnp.zeros((env.num_agents(t),), jnp.float32) for t in types}

        def body(carry, k):
            obs, state, hidden, resets, ret, finished, found, fret = carry
            ka, ks = jax.random.split(k)
            if types:
                actions, hidden, _, _ = act(params, hidden, obs, resets, ka, greedy=True)
            else:
                actions = {}
            obs, state, rew, dones, info = env.step(ks, state, actions, env_params)
            done = dones["__all__"] & ~finished
            ret = {t: ret[t] + jnp.where(finished, 0.0, rew[t]) for t in types}
            cur = {name: dict(info[src]) for name, src in report_types.items()}
            found = jax.tree_util.tree_map(lambda f, c: jnp.where(done, c, f), found, cur)
            fret = {t: jnp.where(done, ret[t], fret[t]) for t in types}
            resets = {t: dones[t] for t in types}
            return (obs, state, hidden, resets, ret, finished | dones["__all__"], found, fret), None

        zero_actions = {t: jnp.zeros((env.num_agents(t),), jnp.int32) for t in types}
        first_info = jax.eval_shape(env.step, k_run, state, zero_actions, env_params)[4]
        found = {name: jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), dict(first_info[src]))
                 for name, src in report_types.items()}
        fret = {t: jnp.zeros((env.num_agents(t),), jnp.float32) for t in types}
        carry = (obs, state, hidden, resets, ret, jnp.bool_(False), found, fret)
        carry, _ = jax.lax.scan(body, carry, jax.random.split(k_run, T))
        found, fret = carry[-2], carry[-1]
        return {name: {**m, **({"episode_return": fret[name]} if name in fret else {})} for name, m in found.items()}

    return jax.jit(jax.vmap(one, in_axes=(None, None, 0, 0)))


def _check_windows(windows, env_params) -> np.ndarray:
    w = np.asarray(windows)
    if w.ndim != 1 or w.size == 0 or not np.issubdtype(w.dtype, np.integer):
        raise InputError(f"evaluate: windows must be a non-empty 1-d array of window indices (got shape {w.shape}, {w.dtype})")
    starts = getattr(env_params, "starts", None)
    if starts is not None and (w.min() < 0 or w.max() >= int(np.asarray(starts).shape[0])):
        raise InputError(f"evaluate: window indices must lie in 0..{int(np.asarray(starts).shape[0]) - 1} "
                         f"(got {int(w.min())}..{int(w.max())})")
    return w.astype(np.int32)


def _tidy(results: dict, policy_of: dict, windows: np.ndarray) -> list[dict]:
    rows = []
    for name, metrics in results.items():
        arrs = {k: np.asarray(v) for k, v in metrics.items()}
        W, n = next(iter(arrs.values())).shape[:2]
        for i in range(W):
            for a in range(n):
                rows.append({"type": policy_of[name][0], "policy": policy_of[name][1], "window": int(windows[i]),
                             "agent": a, **{k: float(v[i, a]) for k, v in arrs.items() if v.ndim == 2}})
    return rows


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
            cfg = baseline_config(env.config, lt, b)
            benv = env.with_config(cfg)
            runs.append((lt, b, benv))
    return runs


def greedy_episodes(params, config: TrainConfig, env, env_params, windows, key) -> pd.DataFrame:
    """Tidy table of the learned greedy policies' episodes on ``windows`` (policy ``ippo``)."""
    w = _check_windows(windows, env_params)
    run = _episodes_fn(config, env, {t: t for t in env.learning_types})
    keys = jax.random.split(key, w.shape[0])
    out = jax.device_get(run(params, env_params, jnp.asarray(w), keys))
    return pd.DataFrame(_tidy(out, {t: (t, "ippo") for t in env.learning_types}, w))


def evaluate(params, env, windows, key, env_params=None, config: TrainConfig | None = None,
             baselines: bool = True) -> pd.DataFrame:
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
    w = _check_windows(windows, env_params)
    keys = jax.random.split(key, w.shape[0])
    frames = [greedy_episodes(params, config, env, env_params, w, key)]
    if baselines:
        for lt, b, benv in baseline_runs(env):
            run = _episodes_fn(config, benv, {lt: b})
            out = jax.device_get(run({t: params[t] for t in benv.learning_types}, env_params, jnp.asarray(w), keys))
            # the replacing agents are the last ones of their fixed type
            out = {name: {k: v[:, -env.num_agents(name):] for k, v in m.items()} for name, m in out.items()}
            frames.append(pd.DataFrame(_tidy(out, {lt: (lt, b)}, w)))
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
