"""The fund-strategy GAN: strategy encoder, allocator (generator) and WGAN-GP critic.

It models ``P(w_t | X_t, r_t, w_{t-1}, phi)``: a fund's weights this month given the
stocks' characteristics, this month's returns, last month's weights and a latent code
``phi`` of the fund's strategy.

- :class:`StrategyEncoder` ``q(phi | history)``: a Gaussian (mean, log-variance) over an
  8-dimensional ``phi`` from a set of fund-months. Per stock a shared MLP embeds
  (characteristics, weight, previous weight, trade); each month pools them by sums
  weighted by the portfolio, by the holdings indicator, by the trade and uniformly
  (so it is invariant to the order of the stocks), adds the portfolio's and the trade's
  exposures to the stock features and the month's holdings count, HHI and turnover, and the month embeddings are averaged (invariant to the order of
  the months too).
- :class:`Allocator` (the generator): one MLP shared across stocks gives every stock a
  score from its characteristics, return, drifted previous weight, cap weight, ``phi``
  and a noise draw; with ``k(phi)`` a learned adjustment speed,
  ``score_i = (1 - k) w~_i + g_i / N`` and ``w = sparsemax(score)`` — a long-only
  portfolio with exact zeros (:func:`hftlab.fundgan.sparse.sparse_simplex`). The last
  layer starts at zero, so the untrained allocator is close to the zero-trade portfolio.
- :class:`Critic`: an MLP on a portfolio's summary (:func:`portfolio_summary`:
  exposures ``w^T Z``, trade exposures, previous exposures, turnover, HHI, holdings,
  entries / exits) and ``phi``; trained as a WGAN-GP critic (:func:`gradient_penalty`).
"""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from hftlab.fundgan.sparse import sparse_simplex

N_CHARS = 7  # z-scored characteristics (see universe.CHAR_NAMES)
STOCK_FEATURES = N_CHARS + 2  # + this month's z-scored return, N * cap weight
SOFT_COUNT_SCALE = 1e-3
SHARP_COUNT_SCALE = 1e-5  # sum w / (w + 1e-5) is close to the holdings count, and differentiable


class MLP(nn.Module):
    features: Sequence[int]
    act: str = "relu"

    @nn.compact
    def __call__(self, x):
        f = {"relu": nn.relu, "leaky_relu": lambda v: nn.leaky_relu(v, 0.2)}[self.act]
        for d in self.features:
            x = f(nn.Dense(d)(x))
        return x


def stock_features(z: jax.Array, r: jax.Array, capw: jax.Array) -> jax.Array:
    """Per-stock market features ``[z (7), z-scored return, N * cap weight]``: (..., N, 9)."""
    n = r.shape[-1]
    rz = (r - r.mean(-1, keepdims=True)) / (r.std(-1, keepdims=True) + 1e-6)
    return jnp.concatenate([z, rz[..., None], n * capw[..., None]], axis=-1)


def portfolio_stats(w: jax.Array, w_prev: jax.Array) -> jax.Array:
    """``[log(count / N), log(N HHI), turnover, log(N HHI(w~)), log(count(w~) / N)]``: (..., 5)."""
    n = w.shape[-1]
    cnt = jnp.sum(w > 0, -1)
    cnt_p = jnp.sum(w_prev > 0, -1)
    return jnp.stack(
        [
            jnp.log(jnp.maximum(cnt, 1) / n),
            jnp.log(n * jnp.sum(w * w, -1)),
            0.5 * jnp.sum(jnp.abs(w - w_prev), -1),
            jnp.log(n * jnp.sum(w_prev * w_prev, -1)),
            jnp.log(jnp.maximum(cnt_p, 1) / n),
        ],
        axis=-1,
    )


class StrategyEncoder(nn.Module):
    """``q(phi | fund-months)``: returns (mean, log-variance), each (..., latent_dim).

    Inputs have shape (..., M, N, ·): M months of N stocks.
    """

    latent_dim: int = 8
    stock_hidden: int = 32
    hidden: int = 64

    @nn.compact
    def __call__(self, feats: jax.Array, w: jax.Array, w_prev: jax.Array):
        n = w.shape[-1]
        x = jnp.concatenate(
            [feats, n * w[..., None], n * w_prev[..., None], n * (w - w_prev)[..., None],
             (w > 0)[..., None].astype(w.dtype), (w_prev > 0)[..., None].astype(w.dtype)],
            axis=-1,
        )
        h = MLP((self.stock_hidden, self.stock_hidden))(x)  # (..., M, N, H)
        held = (w > 0).astype(w.dtype)
        held = held / jnp.maximum(held.sum(-1, keepdims=True), 1.0)
        trade = jnp.abs(w - w_prev)
        trade = trade / jnp.maximum(trade.sum(-1, keepdims=True), 1e-6)
        pooled = jnp.concatenate(
            [
                jnp.einsum("...n,...nk->...k", w, feats),  # the portfolio's exposures, passed through
                jnp.einsum("...n,...nk->...k", w - w_prev, feats),  # and its trade's
                jnp.einsum("...n,...nh->...h", w, h),
                jnp.einsum("...n,...nh->...h", held, h),
                jnp.einsum("...n,...nh->...h", trade, h),
                h.mean(-2),
                portfolio_stats(w, w_prev),
            ],
            axis=-1,
        )
        m = MLP((self.hidden,))(pooled)  # (..., M, hidden)
        g = MLP((self.hidden,))(m.mean(-2))
        mean = nn.Dense(self.latent_dim)(g)
        logvar = nn.Dense(self.latent_dim, kernel_init=nn.initializers.zeros, bias_init=nn.initializers.constant(-2.0))(g)
        return mean, jnp.clip(logvar, -10.0, 4.0)


class Allocator(nn.Module):
    """The generator: per-stock scores from a shared MLP, then a sparse simplex projection.

    ``feats`` (..., N, 9), ``w_prev`` (..., N) drifted previous weights, ``phi`` (..., L),
    ``noise`` (..., N, noise_dim). Returns weights (..., N) on the simplex with exact zeros.
    """

    hidden: Sequence[int] = (64, 64)

    @nn.compact
    def __call__(self, feats, w_prev, phi, noise):
        n = w_prev.shape[-1]
        phi_b = jnp.broadcast_to(phi[..., None, :], (*w_prev.shape, phi.shape[-1]))
        x = jnp.concatenate(
            [feats, n * w_prev[..., None], (w_prev > 0)[..., None].astype(w_prev.dtype), phi_b, noise], axis=-1
        )
        g = nn.Dense(1, kernel_init=nn.initializers.zeros)(MLP(tuple(self.hidden))(x))[..., 0]
        k = nn.sigmoid(nn.Dense(1, bias_init=nn.initializers.constant(-4.0))(phi))  # adjustment speed
        score = (1.0 - k) * w_prev + g / n
        return sparse_simplex(score)


def portfolio_summary(w, w_prev, z, capw):
    """What the critic sees of a portfolio: (..., 3 * 7 + 9).

    ``w^T z``, ``(w - w~)^T z``, ``w~^T z``, turnover, log N HHI(w), log N HHI(w~),
    hard and soft holdings counts / N, count(w~) / N, weight of new entries, weight of
    exits, distance to the cap-weighted market.
    """
    n = w.shape[-1]
    e = jnp.einsum("...n,...nk->...k", w, z)
    de = jnp.einsum("...n,...nk->...k", w - w_prev, z)
    ep = jnp.einsum("...n,...nk->...k", w_prev, z)
    soft = jnp.sum(w / (w + SOFT_COUNT_SCALE), -1) / n
    scal = jnp.stack(
        [
            0.5 * jnp.sum(jnp.abs(w - w_prev), -1),
            jnp.log(n * jnp.sum(w * w, -1)),
            jnp.log(n * jnp.sum(w_prev * w_prev, -1)),
            jnp.sum(w > 0, -1) / n,
            soft,
            jnp.sum(w_prev > 0, -1) / n,
            jnp.sum(jnp.where(w_prev > 0, 0.0, w), -1),
            jnp.sum(jnp.where(w > 0, 0.0, w_prev), -1),
            0.5 * jnp.sum(jnp.abs(w - capw), -1),
        ],
        axis=-1,
    )
    return jnp.concatenate([e, de, ep, scal], axis=-1)


SUMMARY_DIM = 3 * N_CHARS + 9


def trading_stats(w, w_prev):
    """Differentiable trading statistics matched in the generator loss: (..., 3).

    ``[turnover / 0.1, log(N HHI), log(soft count / N)]``, soft count ``sum w / (w + 1e-5)``
    (within a few percent of the holdings count for real positions, but with a gradient
    that pushes tiny positions out of the support).
    """
    n = w.shape[-1]
    soft = jnp.sum(w / (w + SHARP_COUNT_SCALE), -1)
    return jnp.stack(
        [5.0 * jnp.sum(jnp.abs(w - w_prev), -1), jnp.log(n * jnp.sum(w * w, -1)), jnp.log(soft / n)], axis=-1
    )


class Critic(nn.Module):
    """WGAN critic ``D(summary, phi)`` -> scalar (no normalisation layers, as GP requires)."""

    hidden: Sequence[int] = (128, 128)

    @nn.compact
    def __call__(self, summary, phi):
        x = jnp.concatenate([summary, phi], axis=-1)
        return nn.Dense(1)(MLP(tuple(self.hidden), act="leaky_relu")(x))[..., 0]


def gradient_penalty(critic_fn, real: jax.Array, fake: jax.Array, cond: jax.Array, key: jax.Array) -> jax.Array:
    """WGAN-GP penalty ``E[(|grad_x D(x_hat, c)|_2 - 1)^2]``, ``x_hat = u real + (1 - u) fake``.

    ``critic_fn(x, c)`` maps one input row and its condition to a scalar; ``real``/``fake``
    are (B, D), ``cond`` (B, C), ``u ~ U(0, 1)`` per row (Gulrajani et al. 2017).
    """
    u = jax.random.uniform(key, (real.shape[0], 1))
    x_hat = u * real + (1.0 - u) * fake
    grads = jax.vmap(jax.grad(critic_fn))(x_hat, cond)
    norms = jnp.sqrt(jnp.sum(grads**2, axis=-1) + 1e-12)
    return jnp.mean((norms - 1.0) ** 2)


def kl_standard_normal(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, I)), summed over the latent, averaged over the batch."""
    return jnp.mean(0.5 * jnp.sum(jnp.exp(logvar) + mean**2 - 1.0 - logvar, axis=-1))
