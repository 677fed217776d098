"""Held-out portfolio metrics: how close the generated portfolios' holdings count, HHI and
turnover come to the real ones on the held-out last months.

For the model, the model with ``phi`` shuffled across funds, the generator-only model and each
baseline (:mod:`hftlab.fundgan.baselines`): the mean absolute error of each metric, in two
protocols (:func:`heldout_errors`):

- **one-step**: every month starts from the fund's real drifted previous portfolio;
- **rollout**: every method starts from the real portfolio at the end of the last training
  month and trades from its own portfolios through all held-out months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hftlab.fundgan import baselines
from hftlab.fundgan.encode import generate
from hftlab.fundgan.panel import Panel, make_panel
from hftlab.fundgan.portfolio import drift, portfolio_metrics
from hftlab.fundgan.trained import TrainedModel

METRICS = ("holdings", "hhi", "turnover")


def metric_errors(w_gen: np.ndarray, w_real: np.ndarray, w_prev: np.ndarray,
                  w_prev_gen: np.ndarray | None = None) -> dict[str, float]:
    """Mean absolute errors of holdings count, HHI and turnover (generated vs real).

    Turnover is measured against each path's own drifted previous weights (``w_prev_gen`` for
    the generated path when it differs from the real one, as in a rollout)."""
    g = portfolio_metrics(w_gen, w_prev if w_prev_gen is None else w_prev_gen)
    r = portfolio_metrics(w_real, w_prev)
    return {m: float(np.mean(np.abs(g[m] - r[m]))) for m in METRICS}


def training_profile(universe, t_train: int) -> dict[str, np.ndarray]:
    """Per-fund means over the training months: turnover, holdings, factor exposure."""
    w = universe.weights[:, :t_train]
    wp = universe.drifted_previous()[:, :t_train]
    m = portfolio_metrics(w, wp)
    z = universe.z_characteristics()[:t_train]
    return {
        "turnover": m["turnover"][:, 1:].mean(1),
        "holdings": m["holdings"].mean(1),
        "exposure": np.einsum("ftn,tnk->fk", w, z) / t_train,
    }


def heldout_errors(model: TrainedModel, universe, phi: np.ndarray, generator_only: TrainedModel | None = None,
                   seed: int = 0, panel: Panel | None = None, protocol: str = "one-step") -> pd.DataFrame:
    """Portfolio-metric errors on the held-out months of the model, its controls and baselines.

    ``protocol="one-step"``: every month starts from the fund's real previous portfolio.
    ``protocol="rollout"``: every method starts from the real portfolio at the end of the last
    training month and then trades from its own portfolios through all held-out months (the
    zero-trade baseline becomes buy-and-hold); errors are averaged over funds and months.
    """
    from hftlab.errors import InputError

    if protocol not in ("one-step", "rollout"):
        raise InputError(f"protocol={protocol!r}: use 'one-step' or 'rollout'")
    panel = panel or make_panel(universe)
    months = np.arange(model.t_train, universe.n_months)
    w_real = universe.weights[:, months]
    w_prev = universe.drifted_previous()[:, months]
    rng = np.random.default_rng(seed)
    prof = training_profile(universe, model.t_train)
    z = universe.z_characteristics()[months]
    shuffled = phi[rng.permutation(len(phi))]
    tilt = baselines.factor_tilt_matched(z, prof["exposure"], prof["holdings"])
    if protocol == "one-step":
        paths = {
            "model": generate(model, panel, phi, months, seed),
            "model, shuffled phi": generate(model, panel, shuffled, months, seed),
            "zero-trade": baselines.zero_trade(w_prev),
            "turnover-matched random": baselines.random_turnover_matched(rng, w_prev, prof["turnover"]),
            "factor-tilt matched": tilt,
        }
        if generator_only is not None:
            paths["generator-only"] = generate(generator_only, panel, np.zeros_like(phi), months, seed)
        rows = [{"method": k, **metric_errors(v, w_real, w_prev)} for k, v in paths.items()]
        return pd.DataFrame(rows).set_index("method")

    r = universe.returns[months]
    w0 = universe.weights[:, months[0] - 1]
    steps = {
        "model": lambda wp, j: generate(model, panel, phi, months[j : j + 1], seed + j, w_prev=wp[:, None])[:, 0],
        "model, shuffled phi": lambda wp, j: generate(model, panel, shuffled, months[j : j + 1], seed + j,
                                                      w_prev=wp[:, None])[:, 0],
        "zero-trade": lambda wp, j: wp,
        "turnover-matched random": lambda wp, j: baselines.random_turnover_matched(rng, wp[:, None], prof["turnover"])[:, 0],
        "factor-tilt matched": lambda wp, j: tilt[:, j],
    }
    if generator_only is not None:
        zeros = np.zeros_like(phi)
        steps["generator-only"] = lambda wp, j: generate(generator_only, panel, zeros, months[j : j + 1], seed + j,
                                                         w_prev=wp[:, None])[:, 0]
    rows = []
    for name, step in steps.items():
        w, gen, gen_prev = w0, [], []
        for j in range(len(months)):
            wp = drift(w, r[j])
            w = np.asarray(step(wp, j), dtype=np.float64)
            gen.append(w)
            gen_prev.append(wp)
        rows.append({"method": name, **metric_errors(np.stack(gen, 1), w_real, w_prev, np.stack(gen_prev, 1))})
    return pd.DataFrame(rows).set_index("method")


__all__ = ["METRICS", "heldout_errors", "metric_errors", "training_profile"]
