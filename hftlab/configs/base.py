"""The market study's configuration: one frozen dataclass, every setting with exactly one default.

Settings that belong to an existing class live there and are nested here, never
re-declared: the PPO run shape in :class:`hftlab.rl.config.TrainConfig` (``train``), the
actor-critic and its PPO hyperparameters in :class:`hftlab.rl.config.AgentConfig`
(``agent``, shared by every learning type), the market's static settings in
:class:`hftlab.env.EnvConfig` (``env``), and the market's run parameters as overrides of
:class:`hftlab.env.EnvParams` fields (``env_params`` for training and evaluation,
``train_env_params`` for training only), handed to ``env.default_params(..., **overrides)``;
a field not overridden keeps that method's default. The fields declared here are the
study's own (data, windows, seeds, restarts, the execution agent's feature set).

The named presets (:mod:`hftlab.configs`) set the values that differ from these defaults,
each with a comment saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hftlab.env import EnvConfig
from hftlab.errors import InputError
from hftlab.rl.config import AgentConfig, TrainConfig

#: nested settings derived from the run rather than set: the book capacity (from the day's
#: data, :func:`hftlab.study.market.book_capacity`), the per-type agent configs (every
#: learning type gets ``agent``) and the progress interval (from the ``progress`` argument)
DERIVED = ("env.capacity", "train.agents", "train.progress_every")


@dataclass(frozen=True)
class ExperimentConfig:
    """One IPPO market study: data → train seeds × restarts → held-out evaluation against the baselines."""

    # --- data and windows
    day: str = "bundled"  # "bundled" (the sample day), a LOBSTER day (.zip or message CSV), or a folder / glob of days
    skip_bad_days: bool = False  # with a folder of days: leave out malformed days (reported) instead of stopping
    # with a folder of days: 0 = every training day in memory; N > 0 = stream the training days N at a
    # time (one shard per compiled chunk of `checkpoint_every` updates; validation days by date)
    days_per_shard: int = 0
    heldout_day: str | None = None  # evaluate on another day's windows instead of the later windows of `day`
    window_stride: int = 50  # messages between episode window starts (0: half a window)
    train_fraction: float = 0.75  # share of the day's windows for training; the later windows are held out
    max_eval_windows: int = 64  # held-out windows: non-overlapping ones, at most this many, spread evenly
    # other days (e.g. another stock's) whose later 1 - train_fraction part the trained policies and the
    # baselines, tuned on `day`, are also evaluated on: the cross-stock evaluation
    cross_days: tuple[str, ...] = ()
    # --- seeds and restarts
    seeds: tuple[int, ...] = (0, 1, 2, 3)  # training seeds, all in one vmapped call
    restarts: int = 2  # runs per seed; each seed keeps, per agent type, its best run on the selection windows
    select_on: str = "train"  # restarts compared on "train" windows or on "validation" windows held out of training
    validation_fraction: float = 0.2  # with select_on="validation": the last share of the training windows
    # --- the market
    env: EnvConfig = field(default_factory=EnvConfig)  # static market settings (capacity: derived from the day)
    exec_features: str = "all"  # the execution agent's observation: a set of hftlab.env.wrappers.FEATURE_SETS
    env_params: dict = field(default_factory=dict)  # EnvParams overrides, training and evaluation
    train_env_params: dict = field(default_factory=dict)  # EnvParams overrides for training only
    # --- baselines: each family tuned on training windows (hftlab.study.baselines), or the registry defaults
    tune_baselines: bool = True
    # --- IPPO
    train: TrainConfig = field(default_factory=TrainConfig)  # envs, rollout length, total env steps per run, epochs
    agent: AgentConfig = field(default_factory=AgentConfig)  # network and PPO hyperparameters, every learning type
    # --- checkpoints
    checkpoint_dir: str | None = None  # write orbax checkpoints of the training here (`hftlab train --resume DIR` continues)
    checkpoint_every: int = 50  # updates per compiled chunk: a checkpoint (checkpoint_dir) or a new shard of days (days_per_shard) after each

    @property
    def updates(self) -> int:
        """PPO updates per run: ``train.total_timesteps // (train.num_envs * train.num_steps)``."""
        return self.train.num_updates

    def train_config(self, learning_types, progress: bool = False) -> TrainConfig:
        """The :class:`TrainConfig` of a run: ``agent`` for every one of ``learning_types``."""
        from dataclasses import replace

        return replace(self.train, agents=tuple((t, self.agent) for t in learning_types),
                       progress_every=max(1, self.updates // 20) if progress else 0)

    def check(self) -> None:
        """One-line :class:`InputError` naming the first bad setting."""
        from hftlab.env.config import EnvParams
        from hftlab.env.wrappers import FEATURE_SETS

        if len(self.seeds) < 1:
            raise InputError("seeds: needs at least one seed")
        if not isinstance(self.restarts, int) or self.restarts < 1:
            raise InputError(f"restarts must be a positive integer (got {self.restarts!r})")
        if self.select_on not in ("train", "validation"):
            raise InputError(f"select_on must be 'train' or 'validation' (got {self.select_on!r})")
        if not 0.0 < self.validation_fraction < 1.0:
            raise InputError(f"validation_fraction must lie in (0, 1) (got {self.validation_fraction})")
        if not 0.0 < self.train_fraction < 1.0:
            raise InputError(f"train_fraction must lie in (0, 1) (got {self.train_fraction})")
        if self.window_stride < 0:
            raise InputError(f"window_stride must be >= 0 (got {self.window_stride})")
        if self.max_eval_windows < 1:
            raise InputError(f"max_eval_windows must be at least 1 (got {self.max_eval_windows})")
        if self.exec_features not in FEATURE_SETS:
            raise InputError(f"exec_features must be one of {sorted(FEATURE_SETS)} (got {self.exec_features!r})")
        for name in ("env_params", "train_env_params"):
            bad = sorted(set(getattr(self, name)) - set(EnvParams.__dataclass_fields__))
            if bad:
                raise InputError(f"{name}: {bad} are not fields of EnvParams")
        if not isinstance(self.checkpoint_every, int) or self.checkpoint_every < 1:
            raise InputError(f"checkpoint_every must be a positive integer (got {self.checkpoint_every!r})")
        if not isinstance(self.days_per_shard, int) or isinstance(self.days_per_shard, bool) or self.days_per_shard < 0:
            raise InputError(f"days_per_shard must be a non-negative integer (got {self.days_per_shard!r})")
        self.train.check()
        self.agent.check("agent")
