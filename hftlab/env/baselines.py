"""Fixed-policy baselines, rollouts and episode tables on chosen windows.

A baseline takes a learning type's place as an *alternative configuration*: the
learning agents of that type are replaced, in place, by the same number of fixed-policy
agents with the same task (:func:`baseline_config`), so the learned policy and every
baseline run on identical windows and keys. A learning type's baselines are the
registered fixed-policy types of its category (:func:`baselines_for`): TWAP near and far
touch and POV for execution, fixed spread and Avellaneda–Stoikov for market making — a
newly registered fixed type of a category is a baseline of it with no other change.

:func:`rollout` runs ``num_envs`` environments for ``num_steps`` steps (``lax.scan`` over
steps, ``vmap`` over environments) with a policy ``policy(key, obs) -> actions``
(default: uniformly random actions) and returns the stacked rewards, dones and info.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp

from hftlab.env.agents import registry
from hftlab.env.config import EnvConfig
from hftlab.errors import InputError


def baselines_for(learning_type: str) -> tuple[str, ...]:
    """The fixed-policy types of ``learning_type``'s category, in registration order."""
    spec = registry.get(learning_type)
    if not spec.learning:
        raise InputError(f"baselines_for: {learning_type!r} is not a learning agent type")
    return tuple(s.name for s in registry.all_types() if not s.learning and s.category == spec.category)


def baseline_config(config: EnvConfig, learning_type: str, baseline: str) -> EnvConfig:
    """``config`` with the agents of ``learning_type`` replaced by ``baseline`` agents (same count, same task)."""
    choices = baselines_for(learning_type)
    if baseline not in choices:
        raise InputError(f"baseline_config: {baseline!r} is not a baseline for {learning_type} "
                         f"(choose from {', '.join(choices)})")
    if config.count(learning_type) == 0:
        raise InputError(f"baseline_config: the configuration has no {learning_type} agents to replace")
    return config.substitute(learning_type, baseline)


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


def world_table(env, params, windows, key, actions: dict | None = None):
    """Every agent's episode metrics, one episode per window, all agents trading in the same market.

    One compiled world for all agents (baselines in a learner's place: :func:`baseline_config`):
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
