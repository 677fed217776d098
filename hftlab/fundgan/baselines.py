"""Baselines for the held-out portfolio metrics (all numpy; arrays are (funds, months, N)).

- **zero-trade**: keep last month's portfolio as it drifted, ``w_t = w~_{t-1}``.
- **turnover-matched random**: trade towards a random portfolio just enough that the
  turnover equals the fund's mean training turnover ``tau``:
  ``w = (1 - a) w~ + a q`` with ``a = tau / (1/2 |q - w~|_1)``; ``q`` has as many names as
  the fund holds, half of them drawn from its holdings and half from the rest, with
  Dirichlet weights.
- **factor-tilt matched**: rebuilt every month from the fund's mean training factor
  exposure ``e`` (z-scored characteristics): equal weights on the ``K`` stocks with the
  highest ``z_i^T e``, ``K`` the fund's mean training holdings count.
- the **generator-only** baseline is the allocator trained without a strategy code
  (:func:`hftlab.fundgan.train.train_generator_only`), evaluated by :mod:`hftlab.fundgan.heldout`.
"""

from __future__ import annotations

import numpy as np


def zero_trade(w_prev: np.ndarray) -> np.ndarray:
    return np.array(w_prev, copy=True)


def random_turnover_matched(rng: np.random.Generator, w_prev: np.ndarray, turnover: np.ndarray) -> np.ndarray:
    """``w_prev`` (F, T, N); ``turnover`` (F,) the per-fund target turnover."""
    f, t, n = w_prev.shape
    out = np.empty_like(w_prev)
    for i in range(f):
        for j in range(t):
            wp = w_prev[i, j]
            held = np.flatnonzero(wp > 0)
            other = np.flatnonzero(wp <= 0)
            k = max(len(held), 1)
            k_in = min(len(held), (k + 1) // 2)
            k_out = min(len(other), k - k_in)
            names = np.concatenate([rng.choice(held, k_in, replace=False), rng.choice(other, k_out, replace=False)])
            q = np.zeros(n)
            q[names] = rng.dirichlet(np.ones(len(names)))
            dist = 0.5 * np.abs(q - wp).sum()
            a = 0.0 if dist <= 0 else min(1.0, turnover[i] / dist)
            out[i, j] = (1 - a) * wp + a * q
    return out


def factor_tilt_matched(z: np.ndarray, exposure: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    """``z`` (T, N, K) characteristics of the months; ``exposure`` (F, K); ``holdings`` (F,)."""
    score = np.einsum("tnk,fk->ftn", z, exposure)
    n = z.shape[1]
    k = np.clip(np.round(holdings).astype(int), 1, n)
    rank = np.argsort(np.argsort(-score, axis=-1), axis=-1)
    w = (rank < k[:, None, None]).astype(np.float64)
    return w / w.sum(-1, keepdims=True)
