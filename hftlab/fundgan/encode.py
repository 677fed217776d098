"""Applying a trained model to the universe: every fund's strategy code ``phi`` and the
portfolios the allocator generates with it.

- :func:`encode_funds`: encoder means over windows of ``enc_months`` of a fund's training
  months, averaged; the probes use the last :data:`PHI_WINDOW` (36) months, as in the paper.
- :func:`generation_phi`: the code the model generates with, over all training months (the
  best estimate of the fund's strategy that the training data give).
- :func:`generate`: one-step-ahead portfolios of every fund from a previous portfolio.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from hftlab.fundgan.model import N_SUMMARIES, fund_summaries
from hftlab.fundgan.panel import Panel, make_panel
from hftlab.fundgan.trained import TrainedModel

PHI_WINDOW = 36


@partial(jax.jit, static_argnums=(0,))
def _encode_batch(enc, params, feats, w, w_prev):
    return enc.apply(params, feats, w, w_prev)[0]


@jax.jit
def _summaries_batch(feats, w, w_prev):
    return fund_summaries(feats, w, w_prev)


def encode_funds(model: TrainedModel, universe, panel: Panel | None = None, batch: int = 64,
                 window: int | None = PHI_WINDOW, summaries: bool = False) -> np.ndarray:
    """Each fund's ``phi``: encoder means over windows of ``enc_months`` of its last ``window``
    training months (``None``: all of them), averaged. (F, L).

    The probes use the last :data:`PHI_WINDOW` (36) months, as in the paper; the model generates
    with the code of all training months (:func:`generation_phi`), the best estimate of the fund's
    strategy that the training data give. ``summaries``: instead of the code, the fund's computed
    summaries (:func:`hftlab.fundgan.model.fund_summaries`) over the same windows (F, 7)."""
    panel = panel or make_panel(universe)
    enc = model.modules[0]
    m = model.config.enc_months
    t_hi = model.t_train
    t_lo = 1 if window is None else max(1, t_hi - window)
    starts = list(range(t_lo, t_hi - m + 1, m)) or [max(1, t_hi - m)]
    if summaries:
        fn = _summaries_batch
        out = np.zeros((universe.n_funds, N_SUMMARIES), np.float32)
    else:
        fn = partial(_encode_batch, enc, model.gen_params["encoder"])
        out = np.zeros((universe.n_funds, model.config.latent_dim), np.float32)
    for s in starts:
        t = jnp.arange(s, min(s + m, t_hi))
        for lo in range(0, universe.n_funds, batch):
            f = jnp.arange(lo, min(lo + batch, universe.n_funds))[:, None]
            w = panel.w[f, t]
            wp = panel.drifted(f, t)
            feats = jnp.broadcast_to(panel.feats[t], (*w.shape, panel.feats.shape[-1]))
            out[lo : lo + f.shape[0]] += np.asarray(fn(feats, w, wp))
    return out / len(starts)


def generation_phi(model: TrainedModel, universe, panel: Panel | None = None) -> np.ndarray:
    """The ``phi`` the model generates with: :func:`encode_funds` over all training months (F, L)."""
    return encode_funds(model, universe, panel, window=None)


@partial(jax.jit, static_argnums=(0, 1))
def _allocate(alloc, noise_dim, params, feats, w_prev, phi, key):
    noise = jax.random.normal(key, (*w_prev.shape, noise_dim))
    return alloc.apply(params, feats, w_prev, phi, noise)


def generate(model: TrainedModel, panel: Panel, phi: np.ndarray, months: np.ndarray, seed: int = 0,
             batch: int = 64, w_prev: np.ndarray | None = None) -> np.ndarray:
    """One-step-ahead portfolios of every fund in ``months`` from its real drifted previous
    weights (or ``w_prev``, (F, T, N)). ``phi`` (F, L). Returns (F, len(months), N)."""
    alloc = model.modules[1]
    t = jnp.asarray(months)
    n_funds = phi.shape[0]
    out = []
    key = jax.random.PRNGKey(seed)
    for lo in range(0, n_funds, batch):
        f = jnp.arange(lo, min(lo + batch, n_funds))
        wp = panel.drifted(f[:, None], t) if w_prev is None else jnp.asarray(w_prev[lo : lo + len(f)])
        feats = jnp.broadcast_to(panel.feats[t], (*wp.shape, panel.feats.shape[-1]))
        ph = jnp.broadcast_to(jnp.asarray(phi[lo : lo + len(f)])[:, None], (*wp.shape[:2], phi.shape[-1]))
        key, k = jax.random.split(key)
        out.append(np.asarray(_allocate(alloc, model.config.noise_dim, model.gen_params["allocator"], feats, wp, ph, k)))
    return np.concatenate(out, axis=0)


__all__ = ["PHI_WINDOW", "encode_funds", "generate", "generation_phi"]
