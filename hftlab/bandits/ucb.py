"""Baseline bandit algorithms in pure JAX: UCB1, B-UCB, Thompson sampling, ε-greedy.

State (:class:`BanditState`): pull counts ``N``, reward sums ``S``, the number of pulls
so far ``t``, the active-arm mask (eliminated arms stay in the arrays, masked, so
shapes are fixed under ``jit``) and nothing else. A run is one ``lax.scan`` over the
horizon (:func:`run_policy`); seeds and hyper-parameter grids are ``vmap`` s over the
key and :class:`PolicyParams`.

Indices (arm chosen = argmax, ties broken uniformly at random, inactive arms ``-inf``):

* **UCB1**: ``μ̂_k + c·sqrt(ln t / N_k)``, unpulled arms ``+inf``; ``c = sqrt(2)`` is
  Auer et al.'s UCB1.
* **B-UCB** (Zhang & Bareinboim 2017): the UCB1 index clipped to a prior upper bound,
  ``min(UCB_k, h_k)``; arms with ``h_k < max_j l_j`` start eliminated
  (:func:`bounded_init`).
* **Thompson sampling**: ``"thompson"`` is Beta–Bernoulli, ``θ_k ~ Beta(1 + S_k,
  1 + N_k − S_k)`` (for rewards in [0, 1] that are not binary, the usual
  fractional-update variant); ``"gaussian_ts"`` is Gaussian,
  ``θ_k ~ N(μ̂_k, σ²/(N_k + 1))`` with ``σ = 1/2`` (rewards in [0, 1]), unpulled arms
  first -- cheaper than Beta draws, used for continuous rewards.
* **ε-greedy**: each arm once, then with probability ε a uniformly random active arm,
  otherwise the greedy arm.
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
from flax import struct

from hftlab.bandits.environments import RewardTable, sample_reward
from hftlab.errors import InputError

POLICIES = ("ucb", "thompson", "gaussian_ts", "egreedy")


@struct.dataclass
class BanditState:
    counts: jax.Array  # (K,) float32
    sums: jax.Array  # (K,) float32
    t: jax.Array  # () float32, pulls so far (incl. transferred counts)
    active: jax.Array  # (K,) bool


@struct.dataclass
class PolicyParams:
    """Hyper-parameters that may be vmapped over (a grid of c or ε)."""

    c: jax.Array | float = math.sqrt(2.0)
    eps: jax.Array | float = 0.1
    upper: jax.Array | float = jnp.inf  # (K,) or scalar: B-UCB clipping bounds


def init_state(n_arms: int, active=None, counts=None, sums=None) -> BanditState:
    counts = jnp.zeros((n_arms,), jnp.float32) if counts is None else jnp.asarray(counts, jnp.float32)
    sums = jnp.zeros((n_arms,), jnp.float32) if sums is None else jnp.asarray(sums, jnp.float32)
    active = jnp.ones((n_arms,), bool) if active is None else jnp.asarray(active, bool)
    return BanditState(counts, sums, jnp.sum(counts), active)


def bounded_init(lower: jax.Array, upper: jax.Array) -> BanditState:
    """B-UCB start: arms whose upper bound is below the best lower bound are eliminated."""
    lower, upper = jnp.asarray(lower, jnp.float32), jnp.asarray(upper, jnp.float32)
    return init_state(lower.shape[0], active=upper >= jnp.max(lower))


def empirical_means(state: BanditState) -> jax.Array:
    return state.sums / jnp.maximum(state.counts, 1.0)


def _argmax_random(key: jax.Array, scores: jax.Array) -> jax.Array:
    """Argmax with uniform random tie-breaking (works with ±inf scores)."""
    best = scores == jnp.max(scores)
    return jax.random.categorical(key, jnp.where(best, 0.0, -jnp.inf)).astype(jnp.int32)


def ucb_index(state: BanditState, params: PolicyParams) -> jax.Array:
    mean = empirical_means(state)
    bonus = params.c * jnp.sqrt(jnp.log(jnp.maximum(state.t, 1.0)) / jnp.maximum(state.counts, 1.0))
    idx = jnp.minimum(mean + bonus, params.upper)
    idx = jnp.where(state.counts > 0, idx, jnp.inf)
    return jnp.where(state.active, idx, -jnp.inf)


def select_arm(policy: str, key: jax.Array, state: BanditState, params: PolicyParams) -> jax.Array:
    """The arm a policy pulls next."""
    k_tie, k_pol, k_eps = jax.random.split(key, 3)
    if policy == "ucb":
        return _argmax_random(k_tie, ucb_index(state, params))
    if policy == "thompson":
        a = 1.0 + state.sums
        b = 1.0 + jnp.maximum(state.counts - state.sums, 0.0)
        theta = jax.random.beta(k_pol, a, b)
        return _argmax_random(k_tie, jnp.where(state.active, theta, -jnp.inf))
    if policy == "gaussian_ts":
        theta = empirical_means(state) + 0.5 / jnp.sqrt(state.counts + 1.0) * jax.random.normal(k_pol, state.counts.shape)
        theta = jnp.where(state.counts > 0, theta, jnp.inf)
        return _argmax_random(k_tie, jnp.where(state.active, theta, -jnp.inf))
    if policy == "egreedy":
        greedy_scores = jnp.where(state.counts > 0, empirical_means(state), jnp.inf)
        greedy = _argmax_random(k_tie, jnp.where(state.active, greedy_scores, -jnp.inf))
        rand = jax.random.categorical(k_pol, jnp.where(state.active, 0.0, -jnp.inf)).astype(jnp.int32)
        explore = jax.random.uniform(k_eps) < params.eps
        unpulled = jnp.any(state.active & (state.counts == 0))
        return jnp.where(explore & ~unpulled, rand, greedy)
    raise InputError(f"unknown policy {policy!r} (choose from {', '.join(POLICIES)})")


def update(state: BanditState, arm: jax.Array, reward: jax.Array) -> BanditState:
    return state.replace(
        counts=state.counts.at[arm].add(1.0),
        sums=state.sums.at[arm].add(reward),
        t=state.t + 1.0,
    )


@partial(jax.jit, static_argnames=("policy", "horizon"))
def run_policy(
    key: jax.Array,
    env: RewardTable,
    state: BanditState,
    params: PolicyParams,
    policy: str = "ucb",
    horizon: int = 1000,
    limit: jax.Array | None = None,
) -> tuple[BanditState, tuple[jax.Array, jax.Array]]:
    """Play ``horizon`` rounds; returns the final state and the trace ``(arms, rewards)``.

    Pure: ``(key, env, state, params) -> (state, trace)``; one ``lax.scan``. With a
    (traced) ``limit``, rounds ``≥ limit`` leave the state unchanged, so runs of
    different lengths share one compiled scan of length ``horizon``.
    """

    def play_one_round(state, inp):
        k, i = inp
        k_sel, k_rew = jax.random.split(k)
        arm = select_arm(policy, k_sel, state, params)
        r = sample_reward(k_rew, env, arm)
        new = update(state, arm, r)
        if limit is not None:
            new = jax.tree_util.tree_map(lambda a, b: jnp.where(i < limit, a, b), new, state)
        return new, (arm, r)

    return jax.lax.scan(play_one_round, state, (jax.random.split(key, horizon), jnp.arange(horizon)))


def state_after(n_arms: int, arms: jax.Array, rewards: jax.Array, limit: jax.Array | None = None) -> BanditState:
    """The state after pulling ``arms`` with ``rewards`` from the empty state (rounds
    before ``limit`` only, when given)."""
    pulls = jax.nn.one_hot(arms, n_arms)
    if limit is not None:
        pulls = pulls * (jnp.arange(arms.shape[0]) < limit)[:, None]
    return init_state(n_arms, counts=pulls.sum(0), sums=rewards @ pulls)


def recommended_arm(key: jax.Array, state: BanditState) -> jax.Array:
    """The arm with the best empirical mean among the pulled ones (ties broken at random)."""
    return _argmax_random(key, jnp.where(state.counts > 0, empirical_means(state), -jnp.inf))


@partial(jax.jit, static_argnames=("horizon",))
def play_sequence(key: jax.Array, env: RewardTable, arms: jax.Array, horizon: int) -> tuple[jax.Array, jax.Array]:
    """Pull a fixed arm sequence (length ``horizon``, or a scalar arm repeated); returns
    ``(arms, rewards)``. Used by TOpt and IMIT, which do not adapt."""
    arms = jnp.broadcast_to(jnp.asarray(arms, jnp.int32), (horizon,))
    rewards = jax.vmap(lambda k, a: sample_reward(k, env, a))(jax.random.split(key, horizon), arms)
    return arms, rewards
