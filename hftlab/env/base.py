"""The environment contract every hftlab environment and wrapper implements (gymnax / JaxMARL style).

An environment is pure: state and parameters are explicit pytrees, configuration is a
frozen dataclass fixed at construction. Observations, actions, rewards and dones are
dicts keyed by *learning agent type*, each an array over that type's agents; ``dones``
also carries ``"__all__"`` (the episode ended). Per-episode metrics are in
``info[type]`` on the step where ``dones["__all__"]`` is True.

* :meth:`MultiAgentEnv.reset` ``(key, params) -> (obs, state)``: a new episode;
* :meth:`MultiAgentEnv.reset_window` ``(key, params, window) -> (obs, state)``: a new
  episode on a chosen start (deterministic evaluation);
* :meth:`MultiAgentEnv.step_env`: one step, no reset (what a subclass writes);
* :meth:`MultiAgentEnv.step` ``(key, state, actions, params) -> (obs, state, rewards,
  dones, info)``: :meth:`step_env` plus the auto-reset, written once here;
* :meth:`action_space` / :meth:`observation_space` per learning type, :attr:`episode_steps`.

:class:`Wrapper` forwards everything to the environment it wraps; a wrapper overrides
only what it changes. :mod:`hftlab.rl` depends on this contract alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from hftlab.errors import InputError


@dataclass(frozen=True)
class Discrete:
    """Actions ``0 .. n - 1``."""

    n: int


@dataclass(frozen=True)
class Box:
    """Real observation rows of ``shape`` (per agent)."""

    shape: tuple[int, ...]


class MultiAgentEnv:
    """Base class of the contract (module docstring). Subclasses set ``config`` and
    ``learning_types`` and write :meth:`reset_window`, :meth:`step_env`, :meth:`num_agents`,
    :meth:`action_space`, :meth:`observation_space` and :attr:`episode_steps`."""

    config = None
    learning_types: tuple[str, ...] = ()

    # ---- spaces
    @property
    def episode_steps(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def num_agents(self, t: str) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def action_space(self, t: str) -> Discrete:  # pragma: no cover - abstract
        raise NotImplementedError

    def observation_space(self, t: str) -> Box:  # pragma: no cover - abstract
        raise NotImplementedError

    def identity(self) -> tuple:
        """What makes two environments the same (static arguments and caches compare it)."""
        return (type(self), self.config)

    def __eq__(self, other):
        return isinstance(other, MultiAgentEnv) and other.identity() == self.identity()

    def __hash__(self):
        return hash(self.identity())

    def num_actions(self, t: str) -> int:
        return self.action_space(t).n

    def obs_size(self, t: str) -> int:
        return self.observation_space(t).shape[-1]

    def check_type(self, t: str) -> None:
        """One-line error unless ``t`` is a learning type of this environment."""
        if t not in self.learning_types:
            raise InputError(f"{type(self).__name__}: {t!r} is not a learning agent type "
                             f"(this environment has {', '.join(self.learning_types) or 'none'})")

    # ---- configuration
    def with_config(self, config) -> "MultiAgentEnv":
        """The same kind of environment built on another configuration (wrappers rewrap)."""
        return type(self)(config)

    def default_params(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def episode_params(self, params, windows):
        """``(params, windows)`` for running one episode from each of ``windows``: an environment may
        return parameters holding only what those episodes read, with the windows re-indexed in them,
        so that evaluations on any data share compiled programs. Default: unchanged."""
        return params, windows

    # ---- dynamics
    def reset(self, key, params):
        """``(obs, state)`` of a new episode."""
        raise NotImplementedError  # pragma: no cover - abstract

    def reset_window(self, key, params, window):  # pragma: no cover - abstract
        raise NotImplementedError

    def step_env(self, key, state, actions, params):  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, key, state, actions, params):
        """:meth:`step_env`, then a fresh episode (:meth:`reset`) where the episode ended."""
        k_step, k_reset = jax.random.split(key)
        obs_st, state_st, rewards, dones, info = self.step_env(k_step, state, actions, params)
        obs_re, state_re = self.reset(k_reset, params)
        done = dones["__all__"]
        state = jax.tree.map(lambda r, s: jnp.where(done, r, s), state_re, state_st)
        obs = jax.tree.map(lambda r, s: jnp.where(done, r, s), obs_re, obs_st)
        return obs, state, rewards, dones, info


class Wrapper(MultiAgentEnv):
    """Forwards the contract to ``self.env``; subclasses override what they change.

    A wrapper that changes observations overrides :meth:`transform_obs` (applied to
    :meth:`reset`, :meth:`reset_window` and :meth:`step_env`) and :meth:`observation_space`;
    :meth:`rewrap` builds the same wrapper around another environment, so
    :meth:`with_config` rebuilds the whole stack.
    """

    def __init__(self, env: MultiAgentEnv):
        if not isinstance(env, MultiAgentEnv):
            raise InputError(f"{type(self).__name__}: wraps a MultiAgentEnv, got {type(env).__name__}")
        self.env = env

    @property
    def config(self):
        return self.env.config

    @property
    def learning_types(self):
        return self.env.learning_types

    @property
    def episode_steps(self) -> int:
        return self.env.episode_steps

    def __getattr__(self, name):  # anything else of the inner environment (e.g. MarketEnv.types)
        if name == "env":
            raise AttributeError(name)
        return getattr(self.env, name)

    def num_agents(self, t):
        return self.env.num_agents(t)

    def action_space(self, t):
        return self.env.action_space(t)

    def observation_space(self, t):
        return self.env.observation_space(t)

    def default_params(self, *args, **kwargs):
        return self.env.default_params(*args, **kwargs)

    def episode_params(self, params, windows):
        return self.env.episode_params(params, windows)

    def rewrap(self, env: MultiAgentEnv) -> MultiAgentEnv:  # pragma: no cover - abstract
        raise NotImplementedError

    def options(self) -> tuple:
        """The wrapper's own settings (hashable), part of :meth:`identity`."""
        return ()

    def identity(self) -> tuple:
        return (type(self), self.env.identity(), self.options())

    def with_config(self, config):
        return self.rewrap(self.env.with_config(config))

    def transform_obs(self, obs: dict) -> dict:
        return obs

    def reset(self, key, params):
        obs, state = self.env.reset(key, params)
        return self.transform_obs(obs), state

    def reset_window(self, key, params, window):
        obs, state = self.env.reset_window(key, params, window)
        return self.transform_obs(obs), state

    def step_env(self, key, state, actions, params):
        obs, state, rewards, dones, info = self.env.step_env(key, state, actions, params)
        return self.transform_obs(obs), state, rewards, dones, info
