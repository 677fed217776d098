"""Factor-model market used to generate synthetic months for the counterfactual term.

The generator is asked to apply a fund's ``phi`` in market states the fund never saw.
A synthetic month starts from a real month-end (the fund's real weights, the stocks'
raw characteristics) and draws

    y ~ N(mu_y, Sigma_y),   r_i = alpha_i + beta_i^T y + sigma_i e_i,
    x'_i = x_i + dx_i,      dx_i ~ N(0, diag(s^2)),

with alpha, beta, sigma read off the stocks' characteristics (the factor model
``r = alpha + beta^T y + eps`` the paper's VAE is built on), ``mu_y, Sigma_y`` the
sample moments of the factor returns and ``s`` the standard deviation of the monthly
change of each characteristic, all fitted on the training months. The fund's weights
drift with ``r``; the new characteristics are z-scored across stocks.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from hftlab.fundgan.portfolio import drift


@struct.dataclass
class FactorMarket:
    factor_mean: jax.Array  # (4,)
    factor_chol: jax.Array  # (4, 4)
    char_step_sd: jax.Array  # (7,) sd of monthly changes of the raw characteristics


def fit_factor_market(factor_returns: np.ndarray, characteristics: np.ndarray) -> FactorMarket:
    """Fit the factor model on (T, 4) factor returns and (T, N, 7) raw characteristics."""
    y = np.asarray(factor_returns, np.float64)
    cov = np.cov(y.T) + 1e-8 * np.eye(4)
    steps = np.diff(np.asarray(characteristics, np.float64), axis=0).reshape(-1, characteristics.shape[-1])
    return FactorMarket(
        factor_mean=jnp.asarray(y.mean(0), jnp.float32),
        factor_chol=jnp.asarray(np.linalg.cholesky(cov), jnp.float32),
        char_step_sd=jnp.asarray(steps.std(0), jnp.float32),
    )


def sample_month(market: FactorMarket, key: jax.Array, chars: jax.Array, w: jax.Array):
    """One synthetic month after the month-end (``chars`` (..., N, 7) raw, ``w`` (..., N)).

    Returns ``(z, r, capw, w_drifted)``: new z-scored characteristics, the month's returns,
    cap weights and the weights drifted by the returns.
    """
    ky, ke, kx = jax.random.split(key, 3)
    batch = chars.shape[:-2]
    y = market.factor_mean + jax.random.normal(ky, (*batch, 4)) @ market.factor_chol.T
    alpha, beta, vol = chars[..., 0], chars[..., 1:5], jnp.abs(chars[..., 5])
    r = alpha + jnp.einsum("...nk,...k->...n", beta, y) + vol * jax.random.normal(ke, chars.shape[:-1])
    r = jnp.maximum(r, -0.95)
    new = chars + market.char_step_sd * jax.random.normal(kx, chars.shape)
    new = new.at[..., 6].set(chars[..., 6] + jnp.log1p(r))  # log cap compounds with the return
    z = (new - new.mean(-2, keepdims=True)) / (new.std(-2, keepdims=True) + 1e-8)
    capw = jax.nn.softmax(new[..., 6], axis=-1)
    return z, r, capw, drift(w, r)
