"""Strategy swap: fund A's month with fund B's ``phi``.

The model's change in factor exposure is compared with the true one: fund B's rule applied to
fund A's portfolio and market (noise-free rules, from :mod:`hftlab.fundgan.universe`); reported
as the error, the correlation and the regression slope of the model's change on the true change
(1: the model reacts fully; below 1: it under-reacts) (:func:`strategy_swap`), and for one pair
of funds as a tidy frame to draw (:func:`swap_pair`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.fundgan.encode import generate
from hftlab.fundgan.names import CHAR_NAMES
from hftlab.fundgan.panel import Panel, make_panel
from hftlab.fundgan.trained import TrainedModel
from hftlab.fundgan.universe import fund_step, params_to_jax


def true_rule_weights(universe, rule_of: np.ndarray, portfolio_of: np.ndarray, t: int) -> np.ndarray:
    """Weights that the true (noise-free) rule of fund ``rule_of[i]`` picks in month ``t``
    starting from fund ``portfolio_of[i]``'s portfolio at the end of month ``t - 1``. (P, N)."""
    p = jax.tree.map(lambda v: v[np.asarray(rule_of)], params_to_jax(universe.funds))
    chars = jnp.asarray(universe.characteristics[t])
    z = jnp.asarray(universe.z_characteristics()[t])
    w_last = jnp.asarray(universe.weights[np.asarray(portfolio_of), t - 1])
    eps = jnp.zeros_like(w_last)
    start = jnp.full_like(w_last, 1.0 / universe.n_stocks)
    step = jax.vmap(fund_step, in_axes=(0, 0, 0, 0, None, None, None, None, None))
    w, _ = step(p, w_last, start, eps, jnp.asarray(universe.returns[t]), z, chars[:, 1:5], chars[:, 6], 100)
    return np.asarray(w)


def _swap_weights(model, universe, panel, phi, a, b, t, seed):
    """Model weights of funds ``a`` with their own and with ``b``'s phi; true-rule weights likewise."""
    wp_a = np.asarray(panel.drifted(a, t))[:, None]
    own = generate(model, panel, phi[a], np.array([t]), seed, w_prev=wp_a)[:, 0]
    swap = generate(model, panel, phi[b], np.array([t]), seed, w_prev=wp_a)[:, 0]
    return own, swap, true_rule_weights(universe, a, a, t), true_rule_weights(universe, b, a, t)


def strategy_swap(model: TrainedModel, universe, phi: np.ndarray, n_pairs: int = 200, seed: int = 0,
                  panel: Panel | None = None, return_deltas: bool = False):
    """Swap ``phi`` between random pairs of funds of different styles in the first held-out month.

    Per exposure: mean |model change - true change|; the same for a model that ignores
    the strategy code (the generator-only model: change 0); the mean true |change|; and the
    correlation of model and true changes. With ``return_deltas`` also the per-pair changes.
    """
    panel = panel or make_panel(universe)
    rng = np.random.default_rng(seed)
    style = universe.style_codes()
    a = rng.integers(0, universe.n_funds, 4 * n_pairs)
    b = rng.integers(0, universe.n_funds, 4 * n_pairs)
    keep = style[a] != style[b]
    a, b = a[keep][:n_pairs], b[keep][:n_pairs]
    t = model.t_train
    z = universe.z_characteristics()[t]
    own, swap, t_own, t_swap = _swap_weights(model, universe, panel, phi, a, b, t, seed)
    d_model = (swap - own) @ z
    d_true = (t_swap - t_own) @ z
    rows = []
    for k, name in enumerate(CHAR_NAMES):
        c = np.corrcoef(d_model[:, k], d_true[:, k])[0, 1] if d_model[:, k].std() > 0 else 0.0
        rows.append({
            "exposure": name,
            "model error": float(np.mean(np.abs(d_model[:, k] - d_true[:, k]))),
            "generator-only error": float(np.mean(np.abs(d_true[:, k]))),
            "correlation": float(c),
            # regression slope of the model's change on the true change: 1 = reacts fully
            "slope": float(np.cov(d_model[:, k], d_true[:, k])[0, 1] / max(d_true[:, k].var(ddof=1), 1e-12)),
        })
    table = pd.DataFrame(rows).set_index("exposure")
    if not return_deltas:
        return table
    deltas = pd.DataFrame({
        "exposure": np.repeat(np.array(CHAR_NAMES)[None], len(a), 0).ravel(),
        "true": d_true.ravel(), "model": d_model.ravel(),
    })
    return table, deltas


def swap_pair(model: TrainedModel, universe, phi: np.ndarray, fund_a: int, fund_b: int,
              panel: Panel | None = None) -> pd.DataFrame:
    """Fund A's first held-out month under its own and under fund B's strategy, model and truth.

    Tidy: exposure, source (model / true rule), strategy (own / swapped), value.
    """
    from hftlab.errors import InputError

    for name, f in (("fund_a", fund_a), ("fund_b", fund_b)):
        if not 0 <= int(f) < universe.n_funds:
            raise InputError(f"{name}={f}: no such fund (the universe has {universe.n_funds})")
    panel = panel or make_panel(universe)
    t = model.t_train
    z = universe.z_characteristics()[t]
    a, b = np.array([int(fund_a)]), np.array([int(fund_b)])
    ws = _swap_weights(model, universe, panel, phi, a, b, t, 0)
    rows = []
    for (source, strategy), w in zip([("model", "own"), ("model", "swapped"), ("true rule", "own"), ("true rule", "swapped")], ws):
        e = w[0] @ z
        rows += [{"exposure": n, "source": source, "strategy": strategy, "value": float(e[k])} for k, n in enumerate(CHAR_NAMES)]
    return pd.DataFrame(rows)


__all__ = ["strategy_swap", "swap_pair", "true_rule_weights"]
