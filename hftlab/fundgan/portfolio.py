"""Portfolio arithmetic shared by the universe, the model and the evaluation.

- :func:`drift`: weights after a month of returns, ``w~_i = w_i (1 + r_i) / sum_j w_j (1 + r_j)``
  (numpy in, numpy out; JAX in, JAX out, so it also runs inside jitted code);
- :func:`portfolio_metrics`: holdings count, HHI and one-way turnover (numpy).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def drift(w, r):
    """Weights after one month of returns: ``w_i (1 + r_i) / sum_j w_j (1 + r_j)`` along the last axis.

    numpy arrays give a numpy array, JAX arrays (or tracers) a JAX array."""
    xp = jnp if isinstance(w, jax.Array) or isinstance(r, jax.Array) else np
    g = w * (1.0 + r)
    return g / xp.maximum(g.sum(-1, keepdims=True), 1e-12)


def portfolio_metrics(w: np.ndarray, w_prev_drifted: np.ndarray) -> dict[str, np.ndarray]:
    """Holdings count, HHI = sum w^2 and one-way turnover 1/2 |w - w~|_1 along the last axis."""
    w = np.asarray(w)
    return {
        "holdings": (w > 0).sum(-1).astype(np.float64),
        "hhi": (w.astype(np.float64) ** 2).sum(-1),
        "turnover": 0.5 * np.abs(w - w_prev_drifted).sum(-1),
    }
