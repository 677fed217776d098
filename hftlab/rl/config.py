"""IPPO configuration: static structure (frozen dataclasses) and traced hyperparameters (pytrees).

Two kinds of settings, kept apart on purpose:

* :class:`TrainConfig` / :class:`AgentConfig` are **static**: they fix shapes and
  control flow (number of environments, rollout length, network sizes, epochs,
  minibatches). They are frozen, hashable dataclasses; changing one recompiles.
* :class:`AgentHParams` (one per learning agent type) and the environment-parameter
  overrides are **traced**: they are arguments of ``train(key, env_params, hparams)``,
  so ``jax.vmap(train)`` over a grid of learning rates, entropy coefficients or
  inventory penalties is one compiled call (see :mod:`hftlab.rl.sweep`).

Each agent type gets its own :class:`AgentConfig` and :class:`AgentHParams` (for
instance a smaller entropy bonus for the market maker than for the execution agent);
a type missing from ``TrainConfig.agents`` uses the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import jax.numpy as jnp
from flax import struct

from hftlab.errors import InputError


@dataclass(frozen=True)
class AgentConfig:
    """Static settings of one agent type's actor-critic and its PPO update.

    The float fields are the *defaults* of the traced :class:`AgentHParams`.
    """

    network: str = "mlp"  # "mlp" or "gru"
    hidden: tuple[int, ...] = (64, 64)
    gru_size: int = 64
    activation: str = "tanh"  # "tanh" or "relu"
    lr: float = 2.5e-4
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    clip_eps: float = 0.2
    max_grad_norm: float = 0.5
    gamma: float = 0.99
    gae_lambda: float = 0.95
    reward_scale: float = 1.0
    anneal_lr: bool = True

    def check(self, name: str) -> None:
        if self.network not in ("mlp", "gru"):
            raise InputError(f"agent {name!r}: network must be 'mlp' or 'gru' (got {self.network!r})")
        if self.activation not in ("tanh", "relu"):
            raise InputError(f"agent {name!r}: activation must be 'tanh' or 'relu' (got {self.activation!r})")
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise InputError(f"agent {name!r}: hidden sizes must be positive integers (got {self.hidden})")
        if self.gru_size < 1:
            raise InputError(f"agent {name!r}: gru_size must be positive (got {self.gru_size})")
        if not self.lr > 0:
            raise InputError(f"agent {name!r}: lr must be positive (got {self.lr})")
        if not self.reward_scale > 0:
            raise InputError(f"agent {name!r}: reward_scale must be positive (got {self.reward_scale})")
        for k in ("ent_coef", "vf_coef", "clip_eps", "max_grad_norm"):
            if not getattr(self, k) >= 0:
                raise InputError(f"agent {name!r}: {k} must be non-negative (got {getattr(self, k)})")
        for k in ("gamma", "gae_lambda"):
            if not 0.0 <= getattr(self, k) <= 1.0:
                raise InputError(f"agent {name!r}: {k} must lie in [0, 1] (got {getattr(self, k)})")


@struct.dataclass
class AgentHParams:
    """Traced PPO hyperparameters of one agent type (scalars, or arrays under a sweep)."""

    lr: jnp.ndarray
    ent_coef: jnp.ndarray
    vf_coef: jnp.ndarray
    clip_eps: jnp.ndarray
    max_grad_norm: jnp.ndarray
    gamma: jnp.ndarray
    gae_lambda: jnp.ndarray
    reward_scale: jnp.ndarray  # rewards are multiplied by it for GAE and the value targets


HPARAM_NAMES = tuple(f.name for f in fields(AgentHParams))


@dataclass(frozen=True)
class TrainConfig:
    """Static settings of an IPPO run.

    ``total_timesteps`` counts environment steps (``num_envs`` × ``num_steps`` per
    update); ``num_updates = total_timesteps // (num_envs * num_steps)``.
    ``agents`` is a tuple of ``(type_name, AgentConfig)`` pairs (a tuple so the config
    stays hashable). ``shard_envs`` places the environment axis on a device mesh over
    all devices (:mod:`hftlab.rl.sharding`). ``progress_every`` > 0 reports progress
    from inside the compiled loop every that many updates.
    """

    num_envs: int = 64
    num_steps: int = 64
    total_timesteps: int = 64 * 64 * 20
    update_epochs: int = 4
    num_minibatches: int = 4
    agents: tuple[tuple[str, AgentConfig], ...] = field(default_factory=tuple)
    shard_envs: bool = False
    progress_every: int = 0

    @property
    def num_updates(self) -> int:
        return self.total_timesteps // (self.num_envs * self.num_steps)

    def agent(self, name: str) -> AgentConfig:
        for n, a in self.agents:
            if n == name:
                return a
        return AgentConfig()

    def with_agent(self, name: str, **changes) -> "TrainConfig":
        """A copy with agent type ``name``'s :class:`AgentConfig` changed."""
        from dataclasses import replace

        new = replace(self.agent(name), **changes)
        rest = tuple((n, a) for n, a in self.agents if n != name)
        return replace(self, agents=rest + ((name, new),))

    def check(self, learning_types: tuple[str, ...] | None = None) -> None:
        for k in ("num_envs", "num_steps", "update_epochs", "num_minibatches"):
            v = getattr(self, k)
            if not isinstance(v, int) or v < 1:
                raise InputError(f"TrainConfig.{k} must be a positive integer (got {v!r})")
        if self.num_updates < 1:
            raise InputError(
                f"TrainConfig.total_timesteps={self.total_timesteps} is less than one update "
                f"(num_envs × num_steps = {self.num_envs * self.num_steps})")
        if self.progress_every < 0:
            raise InputError(f"TrainConfig.progress_every must be >= 0 (got {self.progress_every})")
        names = [n for n, _ in self.agents]
        if len(set(names)) != len(names):
            raise InputError(f"TrainConfig.agents names a type twice: {names}")
        if learning_types is not None:
            unknown = sorted(set(names) - set(learning_types))
            if unknown:
                raise InputError(f"TrainConfig.agents: unknown agent type(s) {unknown}; the env has {list(learning_types)}")
        for n, a in self.agents:
            a.check(n)


def default_hparams(config: TrainConfig, learning_types: tuple[str, ...]) -> dict:
    """Traced hyperparameters from the config's defaults: ``{"agents": {type: AgentHParams}, "env": {}}``.

    ``hparams["env"]`` maps :class:`EnvParams` field names to values that replace the
    environment parameters inside ``train`` (e.g. ``{"inventory_penalty": 0.01}``).
    """
    agents = {}
    for t in learning_types:
        a = config.agent(t)
        agents[t] = AgentHParams(**{k: jnp.asarray(getattr(a, k), jnp.float32) for k in HPARAM_NAMES})
    return {"agents": agents, "env": {}}
