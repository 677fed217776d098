"""Markowitz proximity: how close portfolios lie to the month's long-only efficient frontier.

``proximity = sigma_eff(mu_w) / sigma_w`` (:func:`markowitz_proximity`), per style for the real
funds and the model's one-step-ahead portfolios on the held-out months (:func:`markowitz_by_style`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.fundgan.encode import generate
from hftlab.fundgan.names import STYLES
from hftlab.fundgan.panel import Panel, make_panel
from hftlab.fundgan.sparse import sparse_simplex
from hftlab.fundgan.trained import TrainedModel

FRONTIER_POINTS = 48
FRONTIER_ITERS = 300


def month_moments(universe, t_train: int, months: np.ndarray):
    """Expected returns and factor-model risk per month, from what is known at the month's start.

    ``mu_i = alpha^_i + beta^_i^T mean(y)`` and ``Sigma = B^ Cov(y) B^T + diag(s^_i^2)``, with the
    previous month-end's estimated characteristics (alpha^, loadings B^, residual volatility s^)
    and the factor moments of the training months. Returns mu (M, N), B (M, N, 4), s2 (M, N),
    Cov(y) (4, 4)."""
    y = universe.factor_returns[:t_train]
    chars = universe.characteristics[np.asarray(months) - 1].astype(np.float64)
    b = chars[..., 1:5]
    mu = chars[..., 0] + b @ y.mean(0)
    return mu, b, chars[..., 5] ** 2, np.cov(y.T)


@jax.jit
def _frontier(mu, b, s2, cov_y):
    """Long-only efficient frontier of one month: for a grid of risk tolerances ``g``,
    ``argmax_w mu^T w - 1/(2 g) w^T Sigma w`` on the simplex (accelerated projected gradient).
    Returns (expected return, volatility) per grid point, sorted by expected return."""
    n = mu.shape[0]
    sig = lambda w: b @ (cov_y @ (b.T @ w)) + s2 * w  # noqa: E731
    lip = jnp.sum(b**2) * jnp.max(jnp.linalg.eigvalsh(cov_y)) + jnp.max(s2)
    gammas = jnp.logspace(-4, 1, FRONTIER_POINTS)

    def solve(g):
        step = g / lip
        w0 = jnp.full((n,), 1.0 / n)

        def body(_, c):
            w, v, t = c
            w_new = sparse_simplex(v + step * (mu - sig(v) / g))
            t_new = 0.5 * (1 + jnp.sqrt(1 + 4 * t * t))
            return w_new, w_new + ((t - 1) / t_new) * (w_new - w), t_new

        w, _, _ = jax.lax.fori_loop(0, FRONTIER_ITERS, body, (w0, w0, jnp.asarray(1.0, mu.dtype)))
        return mu @ w, jnp.sqrt(w @ sig(w))

    m, v = jax.vmap(solve)(gammas)
    order = jnp.argsort(m)
    return m[order], v[order]


def markowitz_proximity(w: np.ndarray, universe, t_train: int, months: np.ndarray) -> np.ndarray:
    """Markowitz proximity of portfolios ``w`` (F, M, N) held over ``months``: (F, M) in [0, 1].

    ``proximity = sigma_eff(mu_w) / sigma_w``: the lowest volatility with which a long-only
    portfolio reaches at least the portfolio's expected return ``mu_w = mu^T w`` (the efficient
    frontier; the global minimum-variance volatility for ``mu_w`` below its expected return),
    over the portfolio's own volatility ``sqrt(w^T Sigma w)``, with ``mu`` and ``Sigma`` of
    :func:`month_moments`. 1 (100 %) means on the efficient frontier; a portfolio that takes
    twice the necessary risk for its expected return scores 0.5."""
    mu, b, s2, cov_y = month_moments(universe, t_train, months)
    out = np.zeros(w.shape[:2])
    for j in range(len(months)):
        args = [jnp.asarray(a, jnp.float32) for a in (mu[j], b[j], s2[j], cov_y)]
        fm, fv = (np.asarray(a, np.float64) for a in _frontier(*args))
        # efficient branch: from the minimum-variance point up; volatility non-decreasing in return
        i0 = int(np.argmin(fv))
        fm, fv = fm[i0:], np.maximum.accumulate(fv[i0:])
        wj = w[:, j].astype(np.float64)
        m_w = wj @ mu[j]
        f = wj @ b[j]
        vol = np.sqrt(np.einsum("fk,kl,fl->f", f, cov_y, f) + (wj**2) @ s2[j])
        eff = np.interp(m_w, fm, fv, left=fv[0], right=fv[-1])
        out[:, j] = np.minimum(eff / vol, 1.0)
    return out


def markowitz_by_style(model: TrainedModel, universe, phi: np.ndarray, seed: int = 0,
                       panel: Panel | None = None) -> pd.DataFrame:
    """Mean Markowitz proximity (%) per style over the held-out months: the real funds, the
    model (one step ahead from the real previous portfolios) and |model - real| per fund-month."""
    panel = panel or make_panel(universe)
    months = np.arange(model.t_train, universe.n_months)
    real = markowitz_proximity(universe.weights[:, months], universe, model.t_train, months)
    gen = markowitz_proximity(generate(model, panel, phi, months, seed), universe, model.t_train, months)
    style = np.asarray(universe.funds["style"])
    rows = []
    for s in STYLES:
        m = style == s
        if m.any():
            rows.append({"style": s, "real": 100 * real[m].mean(), "model": 100 * gen[m].mean(),
                         "abs difference": 100 * np.abs(gen[m] - real[m]).mean()})
    return pd.DataFrame(rows).set_index("style")


__all__ = ["FRONTIER_ITERS", "FRONTIER_POINTS", "markowitz_by_style", "markowitz_proximity", "month_moments"]
