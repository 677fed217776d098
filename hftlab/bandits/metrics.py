"""Bandit metrics: pseudo-regret, realized regret, optimal-pull fraction, simple regret,
surviving-arm-set size; mean and spread over seeds.

* **cumulative pseudo-regret** ``R_T = Σ_t Δ(a_t)``, ``Δ(a) = μ* − μ(a)`` -- exact arm
  means, never negative; the quantity bandit theory bounds.
* **realized regret** ``T·μ* − Σ_t r_t`` -- what the CAMAB code reports; it carries the
  reward noise (sd about ``sqrt(T)/2`` for Bernoulli rewards) and can be negative.
* **fraction of optimal pulls**, **simple regret** ``Δ(argmax_a μ̂_a)`` of the arm the
  agent would recommend at the end, **surviving arms** (size of the active set).

Functions take arrays with the horizon on the last axis and any leading batch axes
(seeds, grids); they are jnp functions, usable inside ``jit``.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np


def pseudo_regret_curve(arms, gaps):
    """Cumulative pseudo-regret after each round: ``cumsum(Δ(a_t))``."""
    return jnp.cumsum(jnp.asarray(gaps)[arms], axis=-1)


def realized_regret_curve(rewards, mu_star):
    """Cumulative realized regret ``Σ (μ* − r_t)`` (can be negative)."""
    return jnp.cumsum(mu_star - rewards, axis=-1)


def optimal_fraction(arms, gaps, tol: float = 1e-7):
    """Fraction of rounds that pulled an optimal arm."""
    return jnp.mean(jnp.asarray(gaps)[arms] <= tol, axis=-1)


def simple_regret(counts, sums, gaps):
    """Gap of the arm with the best empirical mean among pulled arms."""
    mean = jnp.where(counts > 0, sums / jnp.maximum(counts, 1.0), -jnp.inf)
    return jnp.asarray(gaps)[jnp.argmax(mean, axis=-1)]


def checkpoints(horizon: int, n: int = 200) -> np.ndarray:
    """Round indices (0-based, last = horizon-1) at which to keep a curve: half linear,
    half log-spaced, so both early and late behaviour show."""
    lin = np.linspace(0, horizon - 1, n // 2)
    log = np.geomspace(1, horizon, n - n // 2) - 1
    return np.unique(np.concatenate([lin, log]).round().astype(int).clip(0, horizon - 1))


def summarize(x, axis: int = 0) -> dict:
    """Mean, standard deviation (ddof=1) and count over ``axis`` (the seeds)."""
    x = np.asarray(x, np.float64)
    n = x.shape[axis]
    return {"mean": x.mean(axis), "sd": x.std(axis, ddof=1) if n > 1 else np.zeros_like(x.mean(axis)), "n": n}
