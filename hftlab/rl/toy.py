"""A tiny two-type multi-agent environment with a known optimum, for testing IPPO.

It implements the environment contract (:class:`hftlab.env.base.MultiAgentEnv`: pure
``reset`` / ``step_env``, the shared auto-reset, observations, actions and rewards keyed
by agent type, per type an array over that type's instances, episode metrics in
``info[type]`` on the step where ``dones["__all__"]`` is True), so ``make_train`` runs on
it unchanged.

Two agent types with different observation and action spaces, episodes of
``horizon`` steps:

* ``"guess"`` — a contextual bandit. Each step every guess agent sees a one-hot
  context :math:`c \\in \\{0..K-1\\}` (fresh, uniform) and the time fraction; action
  :math:`a \\in \\{0..K-1\\}`; reward :math:`r = \\mathbb 1[a = c]`.
  Optimal episode return: ``horizon`` (random policy: ``horizon / K``).
* ``"chain"`` — delayed reward, so values must be learned across steps. Observation:
  time fraction and the fraction of steps waited so far. Action 0 *take* pays
  ``take_reward`` at once; action 1 *wait* pays nothing now, but the last step pays
  ``wait_bonus`` × (number of waits). Episode return
  :math:`\\text{take}\\,(T-w) + \\text{bonus}\\,w`, linear in the number of waits
  :math:`w`, so the optimum is all-wait when ``wait_bonus > take_reward`` (return
  ``wait_bonus × T``) and all-take otherwise. A myopic learner (γ = 0) takes.

``wait_bonus`` and ``take_reward`` live in :class:`ToyParams` (traced), which lets
tests check that sweeps over environment parameters reach the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
from flax import struct

from hftlab.env.base import Box, Discrete, MultiAgentEnv
from hftlab.errors import InputError


@dataclass(frozen=True)
class ToyConfig:
    num_guess: int = 2
    num_chain: int = 3
    num_contexts: int = 3
    horizon: int = 8

    def __post_init__(self):
        for k in ("num_guess", "num_chain", "num_contexts", "horizon"):
            if int(getattr(self, k)) < 1:
                raise InputError(f"ToyConfig.{k} must be a positive integer (got {getattr(self, k)})")


@struct.dataclass
class ToyParams:
    take_reward: jnp.ndarray = 0.1
    wait_bonus: jnp.ndarray = 0.3
    window_lo: jnp.ndarray = 0
    window_hi: jnp.ndarray = 16


@struct.dataclass
class ToyState:
    t: jnp.ndarray  # () int32, steps taken in this episode
    context: jnp.ndarray  # (num_guess,) int32
    correct: jnp.ndarray  # (num_guess,) float32
    waits: jnp.ndarray  # (num_chain,) float32


class ToyEnv(MultiAgentEnv):
    """The two-type toy (see module docstring)."""

    learning_types = ("guess", "chain")

    def __init__(self, config: ToyConfig = ToyConfig()):
        self.config = config

    def default_params(self, data=None) -> ToyParams:
        return ToyParams(take_reward=jnp.float32(0.1), wait_bonus=jnp.float32(0.3),
                         window_lo=jnp.int32(0), window_hi=jnp.int32(16))

    @property
    def episode_steps(self) -> int:
        return self.config.horizon

    def num_agents(self, t: str) -> int:
        self.check_type(t)
        return {"guess": self.config.num_guess, "chain": self.config.num_chain}[t]

    def action_space(self, t: str) -> Discrete:
        self.check_type(t)
        return Discrete({"guess": self.config.num_contexts, "chain": 2}[t])

    def observation_space(self, t: str) -> Box:
        self.check_type(t)
        return Box(({"guess": self.config.num_contexts + 1, "chain": 2}[t],))

    def optimal_return(self, t: str, params: ToyParams) -> float:
        T = self.config.horizon
        if t == "guess":
            return float(T)
        return float(T * max(float(params.take_reward), float(params.wait_bonus)))

    # -- dynamics ---------------------------------------------------------------------------
    def _obs(self, s: ToyState) -> dict:
        c = self.config
        tf = jnp.full((1,), s.t / c.horizon, jnp.float32)
        g = jnp.concatenate([jax.nn.one_hot(s.context, c.num_contexts),
                             jnp.broadcast_to(tf, (c.num_guess, 1))], axis=1)
        ch = jnp.stack([jnp.broadcast_to(tf, (c.num_chain,)), s.waits / c.horizon], axis=1)
        return {"guess": g.astype(jnp.float32), "chain": ch.astype(jnp.float32)}

    def _fresh(self, key) -> ToyState:
        c = self.config
        return ToyState(t=jnp.int32(0),
                        context=jax.random.randint(key, (c.num_guess,), 0, c.num_contexts),
                        correct=jnp.zeros((c.num_guess,), jnp.float32),
                        waits=jnp.zeros((c.num_chain,), jnp.float32))

    def reset(self, key, params: ToyParams):
        s = self._fresh(key)
        return self._obs(s), s

    def reset_window(self, key, params: ToyParams, window_index):
        """Deterministic start for evaluation: the window index seeds the contexts."""
        return self.reset(jax.random.fold_in(jax.random.PRNGKey(0), window_index), params)

    def step_env(self, key, state: ToyState, actions: dict, params: ToyParams):
        c = self.config
        a_g = actions["guess"].astype(jnp.int32)
        a_c = actions["chain"].astype(jnp.int32)
        hit = (a_g == state.context).astype(jnp.float32)
        wait = (a_c == 1).astype(jnp.float32)
        t = state.t + 1
        done = t >= c.horizon
        waits = state.waits + wait
        r_chain = (1.0 - wait) * params.take_reward + jnp.where(done, params.wait_bonus * waits, 0.0)
        correct = state.correct + hit
        new = ToyState(t=t, context=jax.random.randint(key, (c.num_guess,), 0, c.num_contexts),
                       correct=correct, waits=waits)
        info = {"guess": {"accuracy": correct / c.horizon},
                "chain": {"wait_fraction": waits / c.horizon}}
        rewards = {"guess": hit, "chain": r_chain.astype(jnp.float32)}
        dones = {"guess": jnp.full((c.num_guess,), done), "chain": jnp.full((c.num_chain,), done),
                 "__all__": done}
        return self._obs(new), new, rewards, dones, info
