"""Bandit environments as reward tables: arm ``k`` pays ``values[k, j]`` with prob ``probs[k, j]``.

One representation covers every environment of the package:

* an SCM bandit: ``probs[k] = P(Y | do(a_k))`` exactly (:func:`from_scm`), ``values``
  the reward variable's values;
* a Bernoulli bandit (:func:`bernoulli`);
* a simulator bandit: ``values[k]`` a bank of simulated outcomes of arm ``k``,
  ``probs`` uniform (:func:`from_samples`) -- a pull resamples one run.

The arm means ``μ_k = Σ_j probs[k, j] values[k, j]`` are exact, so pseudo-regret
``Σ_t (μ* − μ_{a_t})`` is computed exactly.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from hftlab.errors import InputError


@struct.dataclass
class RewardTable:
    values: jax.Array  # (K, V) float32
    probs: jax.Array  # (K, V) float32, rows sum to 1
    cdf: jax.Array  # (K, V) float32, cumulative probs (inverse-CDF sampling, O(log V))

    @property
    def n_arms(self) -> int:
        return self.values.shape[0]

    @property
    def means(self) -> jax.Array:
        return jnp.sum(self.values * self.probs, axis=-1)

    @property
    def gaps(self) -> jax.Array:
        m = self.means
        return jnp.max(m) - m


def sample_reward(key: jax.Array, env: RewardTable, arm: jax.Array) -> jax.Array:
    """One reward of ``arm`` (scalar), by inverse-CDF sampling."""
    u = jax.random.uniform(key)
    j = jnp.searchsorted(env.cdf[arm], u, side="right")
    return env.values[arm, jnp.minimum(j, env.values.shape[1] - 1)]


def _table(values: np.ndarray, probs: np.ndarray) -> RewardTable:
    cdf = np.cumsum(probs, axis=1)
    cdf[:, -1] = 1.0
    return RewardTable(jnp.asarray(values, jnp.float32), jnp.asarray(probs, jnp.float32), jnp.asarray(cdf, jnp.float32))


def make_table(values, probs) -> RewardTable:
    values = np.asarray(values, np.float32)
    probs = np.asarray(probs, np.float64)
    if values.ndim == 1:
        values = np.broadcast_to(values, probs.shape)
    if values.shape != probs.shape or probs.ndim != 2:
        raise InputError(f"reward table: values {values.shape} and probs {probs.shape} must both be (K, V)")
    if np.any(probs < -1e-9) or not np.allclose(probs.sum(1), 1.0, atol=1e-4):
        raise InputError("reward table: every arm's probabilities must be non-negative and sum to 1")
    probs = np.clip(probs, 0, None)
    probs = probs / probs.sum(1, keepdims=True)
    return _table(values, probs)


def bernoulli(means) -> RewardTable:
    """Bernoulli arms with the given success probabilities."""
    m = np.asarray(means, np.float64)
    if m.ndim != 1 or np.any((m < 0) | (m > 1)):
        raise InputError("bernoulli: means must be a 1-D array of probabilities in [0, 1]")
    return make_table(np.array([0.0, 1.0]), np.stack([1 - m, m], 1))


def from_samples(samples) -> RewardTable:
    """Empirical distribution of a bank of outcomes, ``samples`` of shape ``(K, M)``."""
    s = np.asarray(samples, np.float32)
    if s.ndim != 2 or s.shape[1] < 1:
        raise InputError("from_samples: samples must have shape (K, M) with M >= 1")
    return _table(s, np.full(s.shape, 1.0 / s.shape[1]))


def from_scm(dists, values) -> RewardTable:
    """Reward table of an SCM bandit: ``dists[k] = P(Y | do(a_k))`` over ``values``."""
    return make_table(np.asarray(values, np.float32), np.asarray(dists))


def base_env(ab) -> RewardTable:
    """The base bandit of an :class:`~hftlab.bandits.abstraction.Abstraction`."""
    return from_scm(ab.base_reward_dists(), ab.base_reward_values)


def abstract_env(ab) -> RewardTable:
    """The abstract bandit of an :class:`~hftlab.bandits.abstraction.Abstraction`."""
    return from_scm(ab.abstract_reward_dists(), ab.abstract_reward_values)


def pad_table(env: RewardTable, n_arms: int, n_values: int) -> RewardTable:
    """Pad to ``n_arms`` arms and ``n_values`` support points (padding arms pay 0 surely;
    padding values have probability 0). Used to share compilations across experiments;
    padded arms must be masked inactive."""
    K, V = env.values.shape
    if n_arms < K or n_values < V:
        raise InputError(f"cannot pad a ({K}, {V}) reward table down to ({n_arms}, {n_values})")
    values = np.zeros((n_arms, n_values), np.float32)
    probs = np.zeros((n_arms, n_values))
    values[:K, :V] = np.asarray(env.values)
    probs[:K, :V] = np.asarray(env.probs)
    probs[K:, 0] = 1.0
    return _table(values, probs)
