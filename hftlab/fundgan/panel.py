"""The universe on the device: :class:`Panel`, the month-major market arrays and every
fund-month's weights and trading statistics, as training and evaluation read them."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from hftlab.fundgan.model import stock_features
from hftlab.fundgan.portfolio import drift


@struct.dataclass
class Panel:
    """The universe on the device, month-major market arrays and (F, T, N) weights."""

    w: jax.Array  # (F, T, N)
    r: jax.Array  # (T, N)
    z: jax.Array  # (T, N, 7) z-scored characteristics
    chars: jax.Array  # (T, N, 7) raw characteristics
    capw: jax.Array  # (T, N) cap weights
    feats: jax.Array  # (T, N, 9) allocator / encoder stock features
    count: jax.Array  # (F, T) holdings count
    turnover: jax.Array  # (F, T) one-way turnover against the drifted previous weights
    hhi: jax.Array  # (F, T) HHI

    def drifted(self, funds, months):
        """The funds' previous weights drifted by the months' returns: ``w~`` of (funds, months)."""
        return drift(self.w[funds, months - 1], self.r[months])


def fund_month_stats(universe, block: int = 128) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Holdings count, turnover against the drifted previous weights and HHI, each (F, T), of every
    fund-month, computed in blocks of funds (the drifted panel is as large as the weights)."""
    f, t, _ = universe.weights.shape
    count = np.zeros((f, t), np.float32)
    turnover = np.zeros((f, t), np.float32)
    hhi = np.zeros((f, t), np.float32)
    for lo in range(0, f, block):
        w = universe.weights[lo : lo + block]
        prev = np.concatenate([universe.weights_init[lo : lo + block, None], w[:, :-1]], axis=1)
        wp = drift(prev, universe.returns[None])
        count[lo : lo + block] = (w > 0).sum(-1)
        turnover[lo : lo + block] = 0.5 * np.abs(w - wp).sum(-1)
        hhi[lo : lo + block] = (w.astype(np.float64) ** 2).sum(-1)
    return count, turnover, hhi


def make_panel(universe) -> Panel:
    z = universe.z_characteristics().astype(np.float32)
    capw = (universe.cap / universe.cap.sum(-1, keepdims=True)).astype(np.float32)
    r = universe.returns.astype(np.float32)
    feats = np.asarray(stock_features(jnp.asarray(z), jnp.asarray(r), jnp.asarray(capw)))
    return Panel(
        w=jnp.asarray(universe.weights, jnp.float32),
        r=jnp.asarray(r),
        z=jnp.asarray(z),
        chars=jnp.asarray(universe.characteristics, jnp.float32),
        capw=jnp.asarray(capw),
        feats=jnp.asarray(feats),
        **dict(zip(("count", "turnover", "hhi"), map(jnp.asarray, fund_month_stats(universe)))),
    )


__all__ = ["Panel", "fund_month_stats", "make_panel"]
