"""Wrappers of the market for training (the contract of :class:`hftlab.env.base.Wrapper`).

:class:`FeatureSubset` shows a learning agent type only some columns of its observation.
Why it matters on one day of data: the training windows of a day overlap and are replayed
thousands of times, so a network that sees the book's depth profile, imbalance and the
mid's path can recognise *where in the day* it is and learn the price moves that follow —
a policy that looks excellent on the training windows and does worse than TWAP on the
held-out part of the day (the market study's ``generalization_gap`` measures it).
The task side is the other leak: with the day's trend, buying early and selling late pays
on the training windows, and a policy that knows its side learns that timing.
:data:`FEATURE_SETS` names the subsets: ``schedule`` keeps the schedule state (time left,
shares left, the gap to the TWAP schedule, its resting order) and the spread, nothing that
identifies the day; the ``side_blind`` variants drop the side as well.
"""

from __future__ import annotations

import numpy as np

from hftlab.env.agents import execution as ex
from hftlab.env.base import Box, Wrapper
from hftlab.errors import InputError

#: names of the execution agent's feature columns (:func:`hftlab.env.agents.execution.observe`)
EXECUTION_FEATURES = ("time_left", "remaining", "executed", "side", "spread", "imbalance", "mid_move",
                      "rest_qty", "rest_distance", "last_fill", "schedule_gap")
#: the schedule state and the spread: nothing that identifies the time of day
SCHEDULE_FEATURES = ("time_left", "remaining", "side", "spread", "rest_qty", "rest_distance", "schedule_gap")
assert len(EXECUTION_FEATURES) == ex.N_FEATURES

#: named execution feature sets (``hftlab train --exec-features``). Every other feature is
#: already signed by the task side (imbalance, mid move, own / opposite depth), so without the
#: ``side`` column a policy is *side-blind*: it acts the same for a buy and a sell in the same
#: side-relative situation. On one day of training data that matters: the day's price trend
#: rewards buying early and selling late on the training windows, a side-aware policy learns
#: that timing, and it does not carry over to a later part of the day; with random task
#: sides a side-blind policy gains nothing from the trend (it cancels between buys and sells).
FEATURE_SETS = {
    "all": EXECUTION_FEATURES,
    "schedule": SCHEDULE_FEATURES,
    "side_blind": tuple(f for f in EXECUTION_FEATURES if f != "side"),
    "schedule_side_blind": tuple(f for f in SCHEDULE_FEATURES if f != "side"),
}
#: the sets that keep the book's depth columns (observation ``"depth"``) after their features
DEPTH_SETS = ("all", "side_blind")


class FeatureSubset(Wrapper):
    """``env`` with agent type ``t``'s observation cut to the columns ``columns[t]`` (indices)."""

    def __init__(self, env, columns: dict):
        super().__init__(env)
        for t, cols in columns.items():
            if t not in env.learning_types:
                raise InputError(f"FeatureSubset: {t!r} is not a learning agent type of the environment")
            n = env.obs_size(t)
            if len(cols) == 0 or any((not isinstance(c, (int, np.integer))) or not 0 <= c < n for c in cols):
                raise InputError(f"FeatureSubset: columns for {t!r} must be indices in 0..{n - 1} (got {cols})")
        self.columns = {t: tuple(int(c) for c in cols) for t, cols in columns.items()}

    @classmethod
    def execution(cls, env, names=SCHEDULE_FEATURES, depth: bool = False):
        """The execution agent sees only the named features (:data:`EXECUTION_FEATURES`), and with
        ``depth`` the book-depth columns after them (observation ``"depth"``)."""
        bad = [n for n in names if n not in EXECUTION_FEATURES]
        if bad:
            raise InputError(f"FeatureSubset: unknown execution features {bad} (choose from {EXECUTION_FEATURES})")
        cols = [EXECUTION_FEATURES.index(n) for n in names]
        if depth:
            cols += list(range(ex.N_FEATURES, env.obs_size("execution")))
        return cls(env, {"execution": cols})

    @classmethod
    def named(cls, env, name: str):
        """``env`` with the execution feature set :data:`FEATURE_SETS` ``[name]`` (the depth kept
        for :data:`DEPTH_SETS`); ``"all"`` returns ``env`` unchanged."""
        if name not in FEATURE_SETS:
            raise InputError(f"FeatureSubset: unknown execution feature set {name!r} (choose from {sorted(FEATURE_SETS)})")
        if name == "all":
            return env
        return cls.execution(env, FEATURE_SETS[name], depth=name in DEPTH_SETS)

    def options(self) -> tuple:
        return tuple(sorted(self.columns.items()))

    def rewrap(self, env):
        """The same subset around ``env`` (types it lacks are dropped)."""
        cols = {t: c for t, c in self.columns.items() if t in env.learning_types}
        return FeatureSubset(env, cols) if cols else env

    def observation_space(self, t):
        return Box((len(self.columns[t]),)) if t in self.columns else self.env.observation_space(t)

    def transform_obs(self, obs):
        return {t: (o[..., list(self.columns[t])] if t in self.columns else o) for t, o in obs.items()}
