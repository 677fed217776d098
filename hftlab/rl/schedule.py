"""Execution actions relative to the TWAP schedule: a wrapper of :class:`hftlab.env.MarketEnv`.

With the environment's own execution actions (a multiple of the TWAP slice at a price
level) a learner has to discover the schedule before it can improve on it. Here the
execution agent's action picks *how* to trade the quantity the TWAP schedule says is due,
so each TWAP baseline is one constant action and anything learned is adaptivity on top:

* the due quantity in step ``t``: ``due_t = max(floor((t + 1) Q / T) - executed, 0)``
  (what :func:`hftlab.env.agents.fixed.twap` sends);
* action ``a = level + 3 * k``: ``factor[k] * due_t`` shares at ``level`` in (far touch,
  mid, near touch); ``factor`` defaults to ``(1, 2)`` (2: trade ahead of the schedule).

The wrapper translates the action into the environment's ``qty_levels`` action whose
quantity ``m * ceil(Q / T)`` (``m`` in ``EnvConfig.exec_qty_multiples``) is closest to the
target (``due_t = 0``: hold, the resting order stays). Use :func:`schedule_config` for a
configuration with fine enough multiples. The market maker's actions pass through.
Everything else (observations, rewards, info, baselines via ``config``) is the wrapped
environment's, so :mod:`hftlab.rl.ippo` and :mod:`hftlab.rl.evaluate` run on it unchanged.
"""

from __future__ import annotations

import jax.numpy as jnp

from hftlab.env import config as C
from hftlab.env.agents import execution as ex
from hftlab.env.agents.fixed import twap_schedule
from hftlab.errors import InputError

LEVELS = (ex.FAR, ex.MID, ex.NEAR)
LEVEL_NAMES = ("far touch", "mid", "near touch")
MULTIPLES = (1, 2, 3, 4, 5, 6, 8, 12, 16)


def schedule_config(config):
    """``config`` with the ``qty_levels`` actions and the multiples the translation needs."""
    return config.replace(execution_actions="qty_levels", exec_qty_multiples=MULTIPLES)


class ScheduleExecutionEnv:
    """``env`` (a :class:`MarketEnv`) with TWAP-relative execution actions (module docstring)."""

    def __init__(self, env, factors: tuple = (1, 2)):
        cfg = env.config
        if cfg.execution_actions != "qty_levels":
            raise InputError("ScheduleExecutionEnv: the wrapped environment needs execution_actions='qty_levels'")
        if not factors or any((not isinstance(f, int)) or f < 1 for f in factors):
            raise InputError(f"ScheduleExecutionEnv: factors must be positive integers (got {factors})")
        self.env, self.config, self.factors = env, cfg, tuple(factors)
        self.learning_types = env.learning_types
        self._lo = cfg.offset(C.EXECUTION)
        self._n = cfg.count(C.EXECUTION)

    def __hash__(self):
        return hash((type(self), self.config, self.factors))

    def __eq__(self, other):
        return isinstance(other, ScheduleExecutionEnv) and (self.config, self.factors) == (other.config, other.factors)

    def with_config(self, config):
        """The same wrapper around ``MarketEnv(config)`` (plain ``MarketEnv`` if it has no execution agent)."""
        from hftlab.env import MarketEnv

        inner = MarketEnv(config)
        if config.count(C.EXECUTION) == 0:
            return inner
        return ScheduleExecutionEnv(inner, self.factors)

    # ---- the contract
    def num_agents(self, t):
        return self.env.num_agents(t)

    def obs_size(self, t):
        return self.env.obs_size(t)

    def num_actions(self, t):
        if t == C.EXECUTION:
            return len(LEVELS) * len(self.factors)
        return self.env.num_actions(t)

    def action_labels(self, t=C.EXECUTION) -> list[str]:
        return [f"{f}x due @ {LEVEL_NAMES[i]}" for f in self.factors for i in range(len(LEVELS))]

    def default_params(self, *a, **kw):
        return self.env.default_params(*a, **kw)

    def reset(self, key, params):
        return self.env.reset(key, params)

    def reset_window(self, key, params, window):
        return self.env.reset_window(key, params, window)

    def translate(self, state, action, params):
        """Environment actions ``(n,)`` for the execution agents' schedule actions ``(n,)``."""
        cfg, T = self.config, self.config.episode_steps
        s = slice(self._lo, self._lo + self._n)
        d = state.side[s]
        executed = d * state.inv[s]
        Q = params.exec_qty
        due = jnp.maximum(twap_schedule(state.t, T, Q) - executed, 0)
        a = jnp.clip(action.astype(jnp.int32), 0, self.num_actions(C.EXECUTION) - 1)
        level = jnp.asarray(LEVELS, jnp.int32)[a % len(LEVELS)]
        factor = jnp.asarray(self.factors, jnp.int32)[a // len(LEVELS)]
        target = (factor * due).astype(jnp.float32)
        slice_ = ex.slice_size(params, cfg).astype(jnp.float32)
        mults = jnp.asarray(cfg.exec_qty_multiples, jnp.float32)
        m_idx = jnp.argmin(jnp.abs(mults[None, :] * slice_ - target[:, None]), axis=1).astype(jnp.int32)
        env_action = 1 + m_idx * ex.N_LEVELS + level
        return jnp.where(due > 0, env_action, 0).astype(jnp.int32)

    def step(self, key, state, actions, params):
        actions = dict(actions)
        if C.EXECUTION in self.learning_types:
            if C.EXECUTION not in actions:
                raise InputError("step: actions has no entry for learning type 'execution'")
            actions[C.EXECUTION] = self.translate(state, actions[C.EXECUTION], params)
        return self.env.step(key, state, actions, params)
