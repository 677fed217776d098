"""Fixed-policy baselines, rollouts and episode evaluation on chosen windows.

A baseline takes a learning type's place as an *alternative configuration*: the
learning agents of that type are replaced by the same number of fixed-policy agents
with the same task (:func:`baseline_config`), so the learned policy and every baseline
run on identical windows and keys (:func:`evaluate`).

* execution: ``twap_near``, ``twap_far`` (:data:`BASELINES`);
* market making: ``fixed_spread``, ``avellaneda_stoikov``.

:func:`rollout` runs ``num_envs`` environments for ``num_steps`` steps (``lax.scan`` over
steps, ``vmap`` over environments) with a policy ``policy(key, obs) -> actions``
(default: uniformly random actions) and returns the stacked rewards, dones and info.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp

from hftlab.env import config as C
from hftlab.env.config import EnvConfig
from hftlab.errors import InputError

BASELINES = {C.EXECUTION: (C.TWAP_NEAR, C.TWAP_FAR), C.MARKET_MAKING: (C.FIXED_SPREAD, C.AVELLANEDA_STOIKOV)}


def baseline_config(config: EnvConfig, learning_type: str, baseline: str) -> EnvConfig:
    """``config`` with the agents of ``learning_type`` replaced by ``baseline`` agents (same count, same task)."""
    if learning_type not in BASELINES:
        raise InputError(f"baseline_config: unknown learning type {learning_type!r} (choose from {', '.join(BASELINES)})")
    if baseline not in BASELINES[learning_type]:
        raise InputError(f"baseline_config: {baseline!r} is not a baseline for {learning_type} "
                         f"(choose from {', '.join(BASELINES[learning_type])})")
    n = config.count(learning_type)
    if n == 0:
        raise InputError(f"baseline_config: the configuration has no {learning_type} agents to replace")
    return config.replace(**{learning_type: 0, baseline: config.count(baseline) + n})


@lru_cache(maxsize=64)
def random_policy(env):
    """``policy(key, obs) -> actions``: uniform random actions for every learning type (cached per env)."""

    def policy(key, obs):
        keys = jax.random.split(key, max(len(env.learning_types), 1))
        return {t: jax.random.randint(k, (env.num_agents(t),), 0, env.num_actions(t))
                for k, t in zip(keys, env.learning_types)}

    return policy


def constant_policy(env, actions: dict | None = None):
    """``policy(key, obs) -> actions``: the same action every step (default: action 0, hold / tightest quotes)."""
    return _constant_policy(env, tuple(sorted((actions or {}).items())))


@lru_cache(maxsize=256)
def _constant_policy(env, actions: tuple):
    acts = dict(actions)

    def policy(key, obs):
        return {t: jnp.full((env.num_agents(t),), acts.get(t, 0), jnp.int32) for t in env.learning_types}

    return policy


@lru_cache(maxsize=64)
def _rollout_fn(env, params_treedef, num_steps: int, batched: bool, with_windows: bool, policy):
    def one(params, key, window):
        k0, k1 = jax.random.split(key)
        if with_windows:
            obs, state = env.reset_window(k0, params, window)
        else:
            obs, state = env.reset(k0, params)

        def body(carry, k):
            obs, state = carry
            ka, ks = jax.random.split(k)
            obs, state, rew, dones, info = env.step(ks, state, policy(ka, obs), params)
            return (obs, state), {"rewards": rew, "dones": dones, "info": info}

        (_, state), traj = jax.lax.scan(body, (obs, state), jax.random.split(k1, num_steps))
        return state, traj

    if batched:
        return jax.jit(jax.vmap(one, in_axes=(None, 0, 0 if with_windows else None)))
    return jax.jit(one)


def rollout(env, params, key, num_steps: int, num_envs: int | None = None, policy=None, windows=None):
    """Run environments for ``num_steps`` steps; returns ``(final_state, traj)``.

    ``traj`` holds ``rewards``, ``dones``, ``info`` stacked over steps (leading axis
    ``num_steps``, then ``num_envs`` when given). ``windows`` (an int, or ``num_envs``
    ints) starts each environment on a chosen window (:meth:`reset_window`). The
    compiled function is cached per (environment configuration, sizes, policy).
    """
    policy = random_policy(env) if policy is None else policy
    with_windows = windows is not None
    fn = _rollout_fn(env, jax.tree.structure(params), int(num_steps), num_envs is not None, with_windows, policy)
    w = jnp.asarray(windows if with_windows else 0, jnp.int32)
    if num_envs is None:
        return fn(params, key, w)
    keys = jax.random.split(key, num_envs)
    state, traj = fn(params, keys, w)
    return state, jax.tree.map(lambda x: jnp.swapaxes(x, 0, 1), traj)  # steps first


def episode_metrics(traj, agent_type: str):
    """The metrics of ``agent_type`` on the steps where an episode ended: dict of arrays (episodes, agents)."""
    done = traj["dones"]["__all__"] if "__all__" in traj["dones"] else None
    if done is None:
        raise InputError("episode_metrics: traj has no dones")
    info = traj["info"][agent_type]
    mask = jnp.asarray(done).reshape(-1)
    return {k: jnp.asarray(v).reshape((-1,) + v.shape[2 if v.ndim > 2 else 1:])[mask] for k, v in info.items()}


def evaluate(config: EnvConfig, params, windows, key, policy=None):
    """One episode per window for the configuration and every baseline of its learning types.

    Returns ``{name: {agent_type: {metric: (len(windows), agents)}}}`` with ``name`` =
    ``"policy"`` for ``config`` itself (actions from ``policy``, default constant action 0)
    and ``"<learning_type>:<baseline>"`` for each baseline configuration; all runs use the
    same windows and keys.
    """
    from hftlab.env.market import MarketEnv

    windows = jnp.asarray(windows, jnp.int32)
    out = {}
    runs = [("policy", config)]
    for lt in C.LEARNING_TYPES:
        if config.count(lt):
            runs += [(f"{lt}:{b}", baseline_config(config, lt, b)) for b in BASELINES[lt]]
    for name, cfg in runs:
        env = MarketEnv(cfg)
        pol = policy if (policy is not None and name == "policy") else constant_policy(env)
        _, traj = rollout(env, params, key, cfg.episode_steps, num_envs=int(windows.shape[0]), policy=pol,
                          windows=windows)
        out[name] = {t: {k: v[-1] for k, v in traj["info"][t].items()} for t in env.types}
    return out


def trace_episode(env, params, window: int, key, actions: dict | None = None, policy=None, num_steps=None):
    """One episode on ``window`` as a tidy table (pandas), for charts.

    Runs ``num_steps`` (default the episode length) steps with constant ``actions``
    (dict type -> action, default 0) or ``policy``. Returns ``(market, agents)``:
    ``market`` one row per step (``step``, ``bid``, ``ask``, ``mid``, ``vwap`` in dollars,
    ``unresolved``); ``agents`` one row per step and agent (``agent`` label, ``type``,
    ``inventory``, ``pnl`` mark-to-mid in dollars, ``fill`` signed shares this step).
    """
    import numpy as np
    import pandas as pd

    from hftlab.env.market import PRICE_SCALE

    n = env.config.episode_steps if num_steps is None else int(num_steps)
    pol = policy if policy is not None else constant_policy(env, actions)
    _, traj = rollout(env, params, key, n, windows=int(window), policy=pol)
    mk = jax.tree.map(np.asarray, traj["info"]["market"])
    ag = jax.tree.map(np.asarray, traj["info"]["agents"])
    steps = np.arange(n)
    market = pd.DataFrame({
        "step": steps, "bid": mk["bid"] / PRICE_SCALE, "ask": mk["ask"] / PRICE_SCALE, "mid": mk["mid"] / PRICE_SCALE,
        "vwap": mk["vwap"] / PRICE_SCALE, "unresolved": mk["unresolved"],
    })
    tick = float(params.tick)
    # mark-to-mid value: cash (ticks rel. ref) * tick + inventory * (mid - ref); ref is fixed in an episode
    _, st0 = env.reset_window(key, params, int(window))
    ref = float(st0.ref)
    rows = []
    counts = {}
    for a, t in enumerate(env.agent_type):
        counts[t] = counts.get(t, 0) + 1
        label = f"{t} {counts[t]}" if env.config.count(t) > 1 else t
        pnl = (ag["cash_total"][:, a] * tick + ag["inventory"][:, a] * (mk["mid"] - ref)) / PRICE_SCALE
        rows.append(pd.DataFrame({"step": steps, "agent": label, "type": t, "inventory": ag["inventory"][:, a],
                                  "pnl": pnl, "fill": ag["fill"][:, a]}))
    agents = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["step", "agent", "type", "inventory", "pnl", "fill"])
    return market, agents


def baseline_table(config: EnvConfig, params, windows, key, policy=None):
    """:func:`evaluate` as a tidy table: one row per (run, agent type, window, agent) with its metrics."""
    import numpy as np
    import pandas as pd

    res = evaluate(config, params, windows, key, policy=policy)
    frames = []
    for run, by_type in res.items():
        for t, metrics in by_type.items():
            m = {k: np.asarray(v) for k, v in metrics.items()}
            n_w, n_a = next(iter(m.values())).shape
            df = pd.DataFrame({k: v.reshape(-1) for k, v in m.items()})
            df["window"] = np.repeat(np.asarray(windows), n_a)
            df["run"], df["type"] = run, t
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def world_table(env, params, windows, key, actions: dict | None = None):
    """Every agent's episode metrics, one episode per window, all agents trading in the same market.

    A cheaper view than :func:`evaluate` (one compiled world instead of one per baseline):
    the learning agents take constant ``actions`` while the fixed policies act beside them.
    Returns a tidy table: one row per (window, agent) with ``type`` and its metrics.
    """
    import numpy as np
    import pandas as pd

    windows = np.asarray(windows)
    _, traj = rollout(env, params, key, env.config.episode_steps, num_envs=len(windows),
                      policy=constant_policy(env, actions), windows=windows)
    frames = []
    for t in env.types:
        m = {k: np.asarray(v[-1]) for k, v in traj["info"][t].items()}
        n_a = next(iter(m.values())).shape[1]
        df = pd.DataFrame({k: v.reshape(-1) for k, v in m.items()})
        df["window"] = np.repeat(windows, n_a)
        df["run"], df["type"] = "world", t
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
