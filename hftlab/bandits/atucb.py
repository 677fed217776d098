"""AT-UCB (Dyer, Bishop, Calinescu, Wooldridge, Zennaro 2025): explore in the cheap
abstract model, then UCB1 on the surviving arms of the expensive base model.

The elimination rule (:func:`atucb_surviving_arms`)
---------------------------------------------------
1. Pull every abstract arm ``a′`` ``n′`` times in the coarse model; empirical means
   ``μ̂′(a′)`` and radius ``β′ = sqrt(2σ² ln(2|A′|/δ) / n′)`` (σ-sub-Gaussian rewards;
   Hoeffding with a union bound over the ``|A′|`` arms, so with probability ``≥ 1 − δ``
   every ``|μ̂′ − μ′| ≤ β′``).
2. Keep base arm ``a`` iff

   .. math:: μ̂′(ω(a)) + β′ + ε \\ge \\max_b μ̂′(ω(b)) − β′ − ε,

   where ``ε`` bounds the abstraction error on rewards, ``|μ(a) − μ′(ω(a))| ≤ ε``.
   On the ``1 − δ`` event the optimal base arm ``a*`` survives: ``μ̂′(ω(a*)) + β′ + ε ≥
   μ(a*) ≥ μ(b) ≥ μ̂′(ω(b)) − β′ − ε`` for every ``b``.
3. UCB1 on the surviving base arms only (eliminated arms masked with index ``−inf``).

So the regret is the UCB1 sum over the surviving sub-optimal arms plus ``δ·T·Δ_max``;
``ε = ∞`` keeps every arm and AT-UCB *is* UCB1 (same keys, identical trajectory).

Decisions taken here where the sources leave them open:

* the coarse-model pulls cost no regret (they are simulations, not decisions in the
  system of interest); their wall-time cost is reported separately;
* ``σ = 1/2`` by default (rewards in [0, 1] are 1/2-sub-Gaussian);
* ``n′`` may be vmapped over a grid: ``n_max`` samples are drawn and the first ``n′``
  used, so shapes stay fixed;
* the fine-phase PRNG stream is the one UCB1 would use with the same seed, so the
  comparison with UCB1 is paired (common random numbers).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from hftlab.bandits.environments import RewardTable, sample_reward
from hftlab.bandits.ucb import BanditState, PolicyParams, init_state, run_policy


def coarse_radius(n_prime, n_abstract: int, delta, sigma=0.5):
    """``β′ = sqrt(2σ² ln(2|A′|/δ) / n′)``."""
    return jnp.sqrt(2.0 * sigma**2 * jnp.log(2.0 * n_abstract / delta) / n_prime)


def atucb_surviving_arms(mu_hat_abs: jax.Array, omega: jax.Array, eps, beta) -> jax.Array:
    """The AT-UCB elimination rule: boolean mask of the base arms that survive."""
    m = mu_hat_abs[omega]
    return m + beta + eps >= jnp.max(mu_hat_abs) - beta - eps


def explore_abstract(key: jax.Array, coarse_env: RewardTable, n_prime, n_max: int) -> jax.Array:
    """Phase 1: ``μ̂′`` from ``n′ ≤ n_max`` pulls of every abstract arm.

    A ``lax.scan`` over ``n_max`` rounds of one pull per arm; rounds ``≥ n′`` are
    masked, so ``n′`` can be a traced (vmapped) value and memory stays ``O(|A′|)``."""
    K = coarse_env.n_arms
    arms = jnp.arange(K)

    def pull_every_arm(sums, inp):
        k, j = inp
        r = jax.vmap(lambda kk, a: sample_reward(kk, coarse_env, a))(jax.random.split(k, K), arms)
        return sums + jnp.where(j < n_prime, r, 0.0), None

    sums, _ = jax.lax.scan(pull_every_arm, jnp.zeros((K,)), (jax.random.split(key, n_max), jnp.arange(n_max)))
    return sums / n_prime


@partial(jax.jit, static_argnames=("horizon", "n_max"))
def atucb_run(
    key: jax.Array,
    fine_env: RewardTable,
    coarse_env: RewardTable,
    omega: jax.Array,
    eps,
    n_prime,
    delta,
    horizon: int,
    n_max: int,
    c=jnp.sqrt(2.0),
    sigma=0.5,
    valid: jax.Array | None = None,
) -> tuple[BanditState, tuple[jax.Array, jax.Array]]:
    """One AT-UCB run; ``key`` is the seed's key (its fine phase matches :func:`ucb1_run`).
    ``valid`` (optional, ``(K,)`` bool) marks padding base arms, never pulled."""
    k_fine, k_coarse = jax.random.split(key)
    mu_hat = explore_abstract(k_coarse, coarse_env, n_prime, n_max)
    beta = coarse_radius(n_prime, coarse_env.n_arms, delta, sigma)
    active = atucb_surviving_arms(mu_hat, omega, eps, beta)
    if valid is not None:
        active = active & valid
    return run_policy(k_fine, fine_env, init_state(fine_env.n_arms, active=active), PolicyParams(c=c), "ucb", horizon)


@partial(jax.jit, static_argnames=("horizon",))
def ucb1_run(key: jax.Array, fine_env: RewardTable, horizon: int, c=jnp.sqrt(2.0)):
    """Plain UCB1 with the same fine-phase key as :func:`atucb_run`."""
    k_fine, _ = jax.random.split(key)
    return run_policy(k_fine, fine_env, init_state(fine_env.n_arms), PolicyParams(c=c), "ucb", horizon)
