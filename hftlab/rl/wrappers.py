"""Environment wrappers for training: the same contract as :class:`hftlab.env.MarketEnv`.

:class:`FeatureSubset` shows a learning agent type only some columns of its observation.
Why it matters on one day of data: the training windows of a day overlap and are replayed
thousands of times, so a network that sees the book's depth profile, imbalance and the
mid's path can recognise *where in the day* it is and learn the price moves that follow —
a policy that looks excellent on the training windows and does worse than TWAP on the
held-out part of the day (:func:`hftlab.rl.experiment.generalization_gap` measures it).
Restricting the execution agent to its schedule state (time left, shares left, the gap to
the TWAP schedule, its resting order) and the spread leaves it what an execution policy
needs and nothing that identifies the day.
"""

from __future__ import annotations

import numpy as np

from hftlab.env.agents import execution as ex
from hftlab.errors import InputError

#: names of the execution agent's feature columns (:func:`hftlab.env.agents.execution.observe`)
EXECUTION_FEATURES = ("time_left", "remaining", "executed", "side", "spread", "imbalance", "mid_move",
                      "rest_qty", "rest_distance", "last_fill", "schedule_gap")
#: the schedule state and the spread: nothing that identifies the time of day
SCHEDULE_FEATURES = ("time_left", "remaining", "side", "spread", "rest_qty", "rest_distance", "schedule_gap")
assert len(EXECUTION_FEATURES) == ex.N_FEATURES


class FeatureSubset:
    """``env`` with agent type ``t``'s observation cut to the columns ``columns[t]`` (indices)."""

    def __init__(self, env, columns: dict):
        for t, cols in columns.items():
            if t not in env.learning_types:
                raise InputError(f"FeatureSubset: {t!r} is not a learning agent type of the environment")
            n = env.obs_size(t)
            if len(cols) == 0 or any((not isinstance(c, (int, np.integer))) or not 0 <= c < n for c in cols):
                raise InputError(f"FeatureSubset: columns for {t!r} must be indices in 0..{n - 1} (got {cols})")
        self.env, self.columns = env, {t: tuple(int(c) for c in cols) for t, cols in columns.items()}
        self.config, self.learning_types = env.config, env.learning_types

    @classmethod
    def execution(cls, env, names=SCHEDULE_FEATURES):
        """The execution agent sees only the named features (:data:`EXECUTION_FEATURES`)."""
        bad = [n for n in names if n not in EXECUTION_FEATURES]
        if bad:
            raise InputError(f"FeatureSubset: unknown execution features {bad} (choose from {EXECUTION_FEATURES})")
        return cls(env, {"execution": [EXECUTION_FEATURES.index(n) for n in names]})

    def _key(self):
        return (self.config, tuple(sorted(self.columns.items())))

    def __hash__(self):
        return hash((type(self), self._key()))

    def __eq__(self, other):
        return isinstance(other, FeatureSubset) and self._key() == other._key()

    def with_config(self, config):
        """The same subset around ``MarketEnv(config)`` (types the new world lacks are dropped)."""
        from hftlab.env import MarketEnv

        inner = MarketEnv(config)
        cols = {t: c for t, c in self.columns.items() if t in inner.learning_types}
        return FeatureSubset(inner, cols) if cols else inner

    def _cut(self, obs):
        return {t: (o[..., list(self.columns[t])] if t in self.columns else o) for t, o in obs.items()}

    # ---- the contract
    def num_agents(self, t):
        return self.env.num_agents(t)

    def num_actions(self, t):
        return self.env.num_actions(t)

    def obs_size(self, t):
        return len(self.columns[t]) if t in self.columns else self.env.obs_size(t)

    def default_params(self, *a, **kw):
        return self.env.default_params(*a, **kw)

    def reset(self, key, params):
        obs, state = self.env.reset(key, params)
        return self._cut(obs), state

    def reset_window(self, key, params, window):
        obs, state = self.env.reset_window(key, params, window)
        return self._cut(obs), state

    def step(self, key, state, actions, params):
        obs, state, rew, dones, info = self.env.step(key, state, actions, params)
        return self._cut(obs), state, rew, dones, info
