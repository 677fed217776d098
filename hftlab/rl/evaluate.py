"""Greedy evaluation of trained policies on given windows (any environment following the contract).

:func:`greedy_episodes` runs one episode per given window (``env.reset_window``) with
the arg-max actions of the trained actor-critics (a ``lax.scan`` over the episode's
steps, ``vmap`` over windows) and returns each learning type's end-of-episode metrics
(``info[type]`` on the step where the episode ends) plus the episode return, as a tidy
:class:`pandas.DataFrame`: one row per (window, agent) and type, columns ``type``,
``policy``, ``window``, ``agent`` and every metric.

:func:`episode_runner` is the compiled runner underneath; its ``report`` argument maps a
reported name to the ``info`` entry holding its metrics, so a study can run the same
episodes with a fixed-policy agent in a learning type's place and report it under that
type. Runners are built by a
pure function of hashable static arguments (train config, environment, report), cached
with :func:`functools.lru_cache`.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.errors import InputError
from hftlab.rl.config import TrainConfig
from hftlab.rl.ippo import make_policy
from hftlab.rl.networks import initial_hidden


TRACE_MARKET = ("mid", "mid_before", "ref")  # the market entries fill metrics need, per step


@functools.lru_cache(maxsize=32)
def episode_runner(config: TrainConfig, env, report: tuple[tuple[str, str], ...] | None = None,
                   trace: bool = False):
    """Jitted ``run(params, env_params, windows, keys) -> {name: {metric: (W, n)}}``.

    With ``trace``, ``run`` returns ``(metrics, trace)``: ``trace`` holds every step's
    ``info["agents"]`` and the market entries of :data:`TRACE_MARKET` (``(W, T, ...)``), what
    :func:`hftlab.study.evaluate.fill_columns` reads.

    ``report``: ``((name, info type), ...)``, each reported name with the ``info`` entry
    holding its metrics (the learning type itself, or a fixed type that took its place);
    default: every learning type under its own name. ``config`` and ``env`` are hashable
    (an environment compares by :meth:`~hftlab.env.base.MultiAgentEnv.identity`), so equal
    arguments share one compiled runner.
    """
    report_types = dict(report) if report is not None else {t: t for t in env.learning_types}
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
            ys = {"agents": info["agents"], "market": {k: info["market"][k] for k in TRACE_MARKET}} if trace else None
            return (obs, state, hidden, resets, ret, finished | dones["__all__"], found, fret), ys

        zero_actions = {t: jnp.zeros((env.num_agents(t),), jnp.int32) for t in types}
        first_info = jax.eval_shape(env.step, k_run, state, zero_actions, env_params)[4]
        found = {name: jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), dict(first_info[src]))
                 for name, src in report_types.items()}
        fret = {t: jnp.zeros((env.num_agents(t),), jnp.float32) for t in types}
        carry = (obs, state, hidden, resets, ret, jnp.bool_(False), found, fret)
        carry, ys = jax.lax.scan(body, carry, jax.random.split(k_run, T))
        found, fret = carry[-2], carry[-1]
        out = {name: {**m, **({"episode_return": fret[name]} if name in fret else {})} for name, m in found.items()}
        return (out, ys) if trace else out

    return jax.jit(jax.vmap(one, in_axes=(None, None, 0, 0)))


EVAL_CHUNK = 16  # windows per compiled call: every window count reuses one compiled runner per environment


def run_windows(run, params, env_params, windows, keys, chunk: int = EVAL_CHUNK, env=None):
    """``run`` (an :func:`episode_runner`) over ``windows`` / ``keys`` in calls of exactly ``chunk`` windows
    (the last one padded by repeating its final window, the padding dropped), outputs concatenated
    on the host. A window's result does not depend on the others in its call. With ``env``, each call
    gets ``env.episode_params`` of its windows: the market's then holds only those windows' messages,
    so evaluations on training, validation and held-out data of any size share one compiled runner."""
    w = np.asarray(windows, np.int32)
    keys = np.asarray(keys)
    n = w.shape[0]
    pad = (-n) % chunk
    if pad:
        w = np.concatenate([w, np.repeat(w[-1:], pad)])
        keys = np.concatenate([keys, np.repeat(keys[-1:], pad, axis=0)])
    parts = []
    for i in range(0, w.shape[0], chunk):
        p_i, w_i = env_params, jnp.asarray(w[i:i + chunk])
        if env is not None:
            p_i, w_i = env.episode_params(env_params, w_i)
        parts.append(jax.device_get(run(params, p_i, w_i, jnp.asarray(keys[i:i + chunk]))))
    out = jax.tree_util.tree_map(lambda *xs: np.concatenate(xs, axis=0), *parts)
    return jax.tree_util.tree_map(lambda x: x[:n], out)


def agents_of(env, type_: str, last: int | None = None) -> list[int]:
    """Global indices of ``env``'s agents of ``type_`` (the ``last`` ones only, if given)."""
    idx = [a for a, name in enumerate(env.agent_type) if name == type_]
    return idx[-last:] if last else idx


def check_windows(windows, env_params) -> np.ndarray:
    w = np.asarray(windows)
    if w.ndim != 1 or w.size == 0 or not np.issubdtype(w.dtype, np.integer):
        raise InputError(f"evaluate: windows must be a non-empty 1-d array of window indices (got shape {w.shape}, {w.dtype})")
    starts = getattr(env_params, "starts", None)
    if starts is not None and (w.min() < 0 or w.max() >= int(np.asarray(starts).shape[0])):
        raise InputError(f"evaluate: window indices must lie in 0..{int(np.asarray(starts).shape[0]) - 1} "
                         f"(got {int(w.min())}..{int(w.max())})")
    return w.astype(np.int32)


def tidy(results: dict, policy_of: dict, windows: np.ndarray) -> list[dict]:
    """Rows of a runner's output: ``policy_of[name] = (type, policy)`` labels each reported name."""
    rows = []
    for name, metrics in results.items():
        arrs = {k: np.asarray(v) for k, v in metrics.items()}
        W, n = next(iter(arrs.values())).shape[:2]
        for i in range(W):
            for a in range(n):
                rows.append({"type": policy_of[name][0], "policy": policy_of[name][1], "window": int(windows[i]),
                             "agent": a, **{k: float(v[i, a]) for k, v in arrs.items() if v.ndim == 2}})
    return rows


def greedy_episodes(params, config: TrainConfig, env, env_params, windows, key, columns=None) -> pd.DataFrame:
    """Tidy table of the learned greedy policies' episodes on ``windows`` (policy ``ippo``).

    ``columns(trace, agents)``, if given, adds per-window columns computed from the traced
    episodes (``{metric: (W, len(agents))}``) for each learning type's global agent indices
    ``agents`` -- the study layer passes its fills-by-source metrics this way."""
    w = check_windows(windows, env_params)
    run = episode_runner(config, env, None, columns is not None)
    keys = jax.random.split(key, w.shape[0])
    out = run_windows(run, params, env_params, w, keys, env=env)
    if columns is not None:
        out, trace = out
        out = {t: {**m, **columns(trace, agents_of(env, t))} for t, m in out.items()}
    return pd.DataFrame(tidy(out, {t: (t, "ippo") for t in env.learning_types}, w))
