"""Does the latent code capture the strategy? Probes from a fund's ``phi``.

- :func:`probe_recall`: ``phi`` -> style class (or the fund's rule: index / mean-variance /
  tilt) with a linear SVM or an RBF SVM; 5-fold cross-validated macro recall (the mean of the
  per-class recalls). The probes' ``phi`` is :func:`hftlab.fundgan.encode.encode_funds` over the
  last 36 training months, as in the paper.
- :func:`parameter_r2`: cross-validated R^2 of each true parameter from ``phi`` (ridge
  regression; holdings and risk aversion on a log scale; risk aversion over active funds).
- :func:`summary_fit`: how ``phi`` carries the fund's computed summaries (the allocator's
  linear read-out, and whether any single lane is a copy of one).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.fundgan.encode import encode_funds
from hftlab.fundgan.model import N_SUMMARIES, Allocator
from hftlab.fundgan.names import PARAM_NAMES
from hftlab.fundgan.panel import Panel, make_panel
from hftlab.fundgan.trained import TrainedModel


def probe_recall(phi: np.ndarray, labels: np.ndarray, kind: str = "linear", folds: int = 5, seed: int = 0) -> float:
    """Cross-validated macro recall of a linear or RBF SVM from ``phi`` to ``labels``."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, LinearSVC
    from sklearn.metrics import recall_score

    clf = LinearSVC(C=1.0, max_iter=20000) if kind == "linear" else SVC(kernel="rbf", C=10.0, gamma="scale")
    pipe = make_pipeline(StandardScaler(), clf)
    n_min = int(np.bincount(labels).min()) if len(labels) else 0
    k = max(2, min(folds, n_min))
    pred = cross_val_predict(pipe, phi, labels, cv=StratifiedKFold(k, shuffle=True, random_state=seed))
    return float(recall_score(labels, pred, average="macro"))


def parameter_targets(universe) -> pd.DataFrame:
    """The true parameters as regression targets (log holdings, log risk aversion)."""
    f = universe.funds
    out = f[list(PARAM_NAMES)].astype(float).copy()
    out["holdings_target"] = np.log(out["holdings_target"])
    out["risk_aversion"] = np.log(out["risk_aversion"])
    return out


def parameter_r2(phi: np.ndarray, universe, folds: int = 5, seed: int = 0) -> dict[str, float]:
    """Cross-validated R^2 of every true parameter from ``phi`` (ridge regression)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import r2_score
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = parameter_targets(universe)
    out = {}
    for name in PARAM_NAMES:
        ok = np.isfinite(y[name].to_numpy())
        yy = y[name].to_numpy()[ok]
        pipe = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
        pred = cross_val_predict(pipe, phi[ok], yy, cv=KFold(folds, shuffle=True, random_state=seed))
        out[name] = float(r2_score(yy, pred))
    return out


SUMMARY_NAMES = ("expo_mkt", "expo_smb", "expo_hml", "expo_umd", "log_count_share", "log_n_hhi", "5_turnover")
assert len(SUMMARY_NAMES) == N_SUMMARIES


def summary_fit(model: TrainedModel, universe, phi: np.ndarray, panel: Panel | None = None) -> pd.DataFrame:
    """How phi carries the fund's computed summaries (:func:`hftlab.fundgan.model.fund_summaries`
    over the same months as ``phi``, the last :data:`PHI_WINDOW` training months), per summary:

    - ``readout r2``: R^2 of the allocator's read-out ``A phi + b`` (:meth:`Allocator.summaries`);
    - ``best lane |corr|``: the largest absolute correlation of any single lane of phi with it
      (1 for a copied lane);
    - ``max |lane - summary|``: over funds, for the lane with that largest correlation (0 for a
      copied lane).
    """
    panel = panel or make_panel(universe)
    s = encode_funds(model, universe, panel, summaries=True)
    alloc = model.modules[1]
    pred = np.asarray(alloc.apply(model.gen_params["allocator"], jnp.asarray(phi), method=Allocator.summaries))
    rows = []
    for j, name in enumerate(SUMMARY_NAMES):
        y = s[:, j].astype(np.float64)
        r2 = 1.0 - np.sum((pred[:, j] - y) ** 2) / max(np.sum((y - y.mean()) ** 2), 1e-30)
        corr = np.array([abs(np.corrcoef(phi[:, k], y)[0, 1]) if phi[:, k].std() > 0 else 0.0
                         for k in range(phi.shape[1])])
        k = int(np.argmax(corr))
        rows.append({"summary": name, "readout r2": float(r2), "best lane": k + 1, "best lane |corr|": float(corr[k]),
                     "max |lane - summary|": float(np.abs(phi[:, k] - y).max())})
    return pd.DataFrame(rows).set_index("summary")


__all__ = ["SUMMARY_NAMES", "parameter_r2", "parameter_targets", "probe_recall", "summary_fit"]
