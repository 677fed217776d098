"""CAMAB transfer algorithms (Zennaro et al., UAI 2024): TOpt, IMIT, TExp.

Setting: an agent has run UCB1 for ``T`` rounds in the base bandit (arms ``A``); we
now act for ``T`` rounds in the abstract bandit (arms ``A′``), related by the arm map
``ω: A → A′`` of an abstraction. Regret is measured in the abstract bandit.

* **TOpt** (transfer the optimum): play ``ω(argmax_a μ̂_a)`` for all ``T`` rounds
  (ties in the base estimates broken at random). Zero regret when the abstraction
  preserves the optimum, linear regret otherwise.
* **IMIT** (imitation): replay the base agent's actions mapped through ``ω``,
  ``a′_t = ω(a_t)``; inherits the base agent's exploration, good or bad.
* **TExp** (transfer expected values), decisions taken here where the paper leaves
  them open:

  1. reward map: the least-squares line ``v′ ≈ s·v + b`` through the abstraction's
     reward-value map, with max residual ``ρ`` (``s = 1, b = 0`` for the identity,
     ``s = −1, b = 1`` for a reversed binary reward);
  2. transferred estimate of abstract arm ``a′``: ``μ̃′(a′) = max_{a ∈ ω^{-1}(a′)}
     (s·μ̂_a + b)`` over pulled preimage arms; its count is ``Σ_{a ∈ ω^{-1}(a′)} N_a``
     (counts summed);
  3. bounds ``μ̃′(a′) ± r(a′)`` with ``r = |s|·c·sqrt(ln T / N_{a*}) + e + ρ``, where
     ``a*`` is the preimage arm attaining the max (the estimate's own sample size) and
     ``e`` the IC error measured as ``W1`` on reward values -- ``W1`` bounds the
     difference of means, ``|E_p v − E_q v| ≤ W1(p, q)``, so with probability about
     ``1 − 2T^{-c²/2}`` per arm the bounds hold;
  4. abstract arms whose upper bound is below the best lower bound are eliminated;
  5. UCB1 on the surviving arms, warm-started with the transferred estimates and
     counts (``t`` starts at the summed counts).

  A wrong abstraction (large ``e``) keeps every arm but the warm start still carries
  the wrong estimates: that is how transfer hurts (the reversed-reward experiment).
* **B-UCB** (Zhang & Bareinboim 2017) lives in :mod:`hftlab.bandits.ucb` (clipped
  UCB1 index with prior bounds).

Their run functions (the registry's signature) are in :mod:`hftlab.bandits.registry`;
one CAMAB trial (the base agent's run, then each algorithm) is
:func:`hftlab.bandits.experiments.camab_trial`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from hftlab.bandits.ucb import BanditState, empirical_means, init_state


@struct.dataclass
class TransferMap:
    """What the transfer algorithms need from an abstraction, as arrays."""

    omega: jax.Array  # (K,) int32
    slope: float
    intercept: float
    error: float  # e(α) (W1 on reward values) + fit residual ρ
    base_valid: jax.Array  # (K,) bool: False for padding arms
    abstract_valid: jax.Array  # (K',) bool: False for padding arms
    n_abstract: int = struct.field(pytree_node=False)

    @property
    def preimages(self) -> jax.Array:
        return self.omega[None, :] == jnp.arange(self.n_abstract)[:, None]


def transfer_map(ab) -> TransferMap:
    """Build the :class:`TransferMap` of an :class:`~hftlab.bandits.abstraction.Abstraction`."""
    s, b, rho = ab.reward_linear_fit()
    e = ab.ic_error("wasserstein", order=1)
    return TransferMap(
        jnp.asarray(ab.omega, jnp.int32), float(s), float(b), float(e + rho),
        jnp.ones((ab.n_base_arms,), bool), jnp.ones((ab.n_abstract_arms,), bool), ab.n_abstract_arms,
    )


def pad_transfer_map(tmap: TransferMap, n_base: int, n_abstract: int) -> TransferMap:
    """Pad to ``n_base`` / ``n_abstract`` arms (padding arms invalid, never played), so
    experiments of different sizes share one compiled trial."""
    kb, ka = tmap.omega.shape[0], tmap.n_abstract
    return TransferMap(
        jnp.concatenate([tmap.omega, jnp.zeros((n_base - kb,), jnp.int32)]), tmap.slope, tmap.intercept, tmap.error,
        jnp.concatenate([tmap.base_valid, jnp.zeros((n_base - kb,), bool)]),
        jnp.concatenate([tmap.abstract_valid, jnp.zeros((n_abstract - ka,), bool)]), n_abstract,
    )


def imit_arms(base_arms: jax.Array, tmap: TransferMap) -> jax.Array:
    """IMIT: the base agent's action sequence mapped through ω."""
    return tmap.omega[base_arms]


def texp_init(base_state: BanditState, tmap: TransferMap, c: float) -> tuple[BanditState, jax.Array, jax.Array]:
    """TExp steps 1-4: warm-start state of the abstract agent, and its lower/upper bounds."""
    pulled = base_state.counts > 0
    mapped = tmap.slope * empirical_means(base_state) + tmap.intercept
    P = tmap.preimages & (pulled & tmap.base_valid)[None, :]  # (K', K)
    cand = jnp.where(P, mapped[None, :], -jnp.inf)
    est = jnp.max(cand, axis=1)
    a_star = jnp.argmax(cand, axis=1)
    has = jnp.any(P, axis=1)
    n_star = jnp.maximum(base_state.counts[a_star], 1.0)
    n_sum = jnp.sum(jnp.where(P, base_state.counts[None, :], 0.0), axis=1)
    t_base = jnp.maximum(base_state.t, 2.0)
    radius = jnp.abs(tmap.slope) * c * jnp.sqrt(jnp.log(t_base) / n_star) + tmap.error
    lower = jnp.where(has, est - radius, -jnp.inf)
    upper = jnp.where(has, est + radius, jnp.inf)
    active = (upper >= jnp.max(lower)) & tmap.abstract_valid
    counts = jnp.where(has, n_sum, 0.0)
    sums = jnp.where(has, est * n_sum, 0.0)
    return init_state(tmap.n_abstract, active=active, counts=counts, sums=sums), lower, upper
