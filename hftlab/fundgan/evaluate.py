"""Does the latent code capture the strategy? Probes, parameter recovery, held-out metrics.

- **Probes**: the fund's ``phi`` (encoder means averaged over its last 36 training
  months, in windows of ``enc_months``; the model itself generates with the code averaged
  over all training months, :func:`generation_phi`) -> style class, with a linear SVM and an RBF SVM;
  5-fold cross-validated macro recall (the mean of the per-class recalls). The same for
  the fund's rule (index / mean-variance / tilt).
- **Parameter recovery**: cross-validated R^2 of each true parameter from ``phi`` (ridge
  regression; holdings and risk aversion on a log scale; risk aversion over active funds).
- **Held-out portfolio metrics**: on the held-out last months, every fund's portfolio is
  generated from its real drifted previous weights (one step ahead) and compared with
  the real one: mean absolute error of the holdings count, the HHI and the turnover —
  for the model and each baseline (:mod:`hftlab.fundgan.baselines`), the generator-only
  model and the model with ``phi`` shuffled across funds.
- **Strategy swap**: fund A's month with fund B's ``phi``. The model's change in factor
  exposure is compared with the true one: fund B's rule applied to fund A's portfolio
  and market (noise-free rules, from :mod:`hftlab.fundgan.universe`); reported as the error,
  the correlation and the regression slope of the model's change on the true change (1: the
  model reacts fully; below 1: it under-reacts).
- **Markowitz proximity**: per style, how close the real and the generated held-out
  portfolios lie to the month's long-only efficient frontier (:func:`markowitz_proximity`).
- **Critic distance**: a fresh WGAN-GP critic trained for a fixed number of steps to
  tell real from generated held-out portfolios; its final Wasserstein estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd

from hftlab.fundgan import baselines
from hftlab.fundgan.model import N_SUMMARIES, Allocator, Critic, fund_summaries, gradient_penalty, portfolio_summary
from hftlab.fundgan.train import Panel, TrainedModel, _drift, make_panel, untrained
from hftlab.fundgan.universe import CHAR_NAMES, PARAM_NAMES, RULES, STYLES, portfolio_metrics

METRICS = ("holdings", "hhi", "turnover")
PHI_WINDOW = 36


# ---------------------------------------------------------------------- applying the model
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
            wp = _drift(panel.w[f, t - 1], panel.r[t])
            feats = jnp.broadcast_to(panel.feats[t], (*w.shape, panel.feats.shape[-1]))
            out[lo : lo + f.shape[0]] += np.asarray(fn(feats, w, wp))
    return out / len(starts)


SUMMARY_NAMES = ("expo_mkt", "expo_smb", "expo_hml", "expo_umd", "log_count_share", "log_n_hhi", "5_turnover")
assert len(SUMMARY_NAMES) == N_SUMMARIES


def summary_fit(model: TrainedModel, universe, phi: np.ndarray, panel: Panel | None = None) -> pd.DataFrame:
    """How phi carries the fund's computed summaries (:func:`hftlab.fundgan.model.fund_summaries`
    over the same months as ``phi``, the last :data:`PHI_WINDOW` training months), per summary:

    - ``readout r2``: R^2 of the allocator's read-out ``A phi + b`` (:meth:`Allocator.summaries`;
      with ``anchor="all"`` phi's own lanes: 1 by construction);
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
        wp = _drift(panel.w[f[:, None], t - 1], panel.r[t]) if w_prev is None else jnp.asarray(w_prev[lo : lo + len(f)])
        feats = jnp.broadcast_to(panel.feats[t], (*wp.shape, panel.feats.shape[-1]))
        ph = jnp.broadcast_to(jnp.asarray(phi[lo : lo + len(f)])[:, None], (*wp.shape[:2], phi.shape[-1]))
        key, k = jax.random.split(key)
        out.append(np.asarray(_allocate(alloc, model.config.noise_dim, model.gen_params["allocator"], feats, wp, ph, k)))
    return np.concatenate(out, axis=0)


# ---------------------------------------------------------------------- probes
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


# ---------------------------------------------------------------------- portfolio metrics
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
            wp = _np_drift(w, r[j])
            w = np.asarray(step(wp, j), dtype=np.float64)
            gen.append(w)
            gen_prev.append(wp)
        rows.append({"method": name, **metric_errors(np.stack(gen, 1), w_real, w_prev, np.stack(gen_prev, 1))})
    return pd.DataFrame(rows).set_index("method")


def _np_drift(w, r):
    g = w * (1.0 + r)
    return g / g.sum(-1, keepdims=True)


# ---------------------------------------------------------------------- strategy swap
def true_rule_weights(universe, rule_of: np.ndarray, portfolio_of: np.ndarray, t: int) -> np.ndarray:
    """Weights that the true (noise-free) rule of fund ``rule_of[i]`` picks in month ``t``
    starting from fund ``portfolio_of[i]``'s portfolio at the end of month ``t - 1``. (P, N)."""
    from hftlab.fundgan.universe import fund_step, params_to_jax

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
    wp_a = np.asarray(_drift(panel.w[a, t - 1], panel.r[t]))[:, None]
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


# ---------------------------------------------------------------------- Markowitz proximity
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
    from hftlab.fundgan.sparse import sparse_simplex

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


# ---------------------------------------------------------------------- critic distance
def critic_distance(model: TrainedModel, universe, phi: np.ndarray, steps: int = 300, batch: int = 256,
                    seed: int = 0, panel: Panel | None = None) -> float:
    """Wasserstein estimate of a fresh WGAN-GP critic between real and generated held-out portfolios."""
    panel = panel or make_panel(universe)
    months = np.arange(model.t_train, universe.n_months)
    w_gen = generate(model, panel, phi, months, seed)
    w_real = universe.weights[:, months]
    w_prev = universe.drifted_previous()[:, months]
    z = universe.z_characteristics()[months][None]
    capw = (universe.cap / universe.cap.sum(-1, keepdims=True))[months][None]
    summ = lambda w: np.asarray(portfolio_summary(jnp.asarray(w), jnp.asarray(w_prev), jnp.asarray(z), jnp.asarray(capw)))  # noqa: E731
    s_real = summ(w_real).reshape(-1, summ(w_real).shape[-1])
    s_fake = summ(w_gen).reshape(s_real.shape)
    cond = np.broadcast_to(phi[:, None], (*w_real.shape[:2], phi.shape[-1])).reshape(-1, phi.shape[-1])
    return fit_critic_distance(s_real, s_fake, cond, steps=steps, batch=batch, seed=seed)


def fit_critic_distance(s_real, s_fake, cond, steps: int = 300, batch: int = 256, seed: int = 0) -> float:
    critic = Critic()
    key = jax.random.PRNGKey(seed)
    params = critic.init(key, jnp.asarray(s_real[:1]), jnp.asarray(cond[:1]))
    opt = optax.adam(1e-3, b1=0.5, b2=0.9)
    s_real, s_fake, cond = (jnp.asarray(x, jnp.float32) for x in (s_real, s_fake, cond))
    n = s_real.shape[0]

    def loss(p, idx, k):
        one = lambda s, c: critic.apply(p, s, c)  # noqa: E731
        r, f, c = s_real[idx], s_fake[idx], cond[idx]
        d = critic.apply(p, r, c).mean() - critic.apply(p, f, c).mean()
        return -d + 10.0 * gradient_penalty(one, r, f, c, k), d

    @jax.jit
    def run(params, key):
        def step(carry, _):
            p, o, k = carry
            k, k1, k2 = jax.random.split(k, 3)
            idx = jax.random.randint(k1, (batch,), 0, n)
            (_, d), g = jax.value_and_grad(loss, has_aux=True)(p, idx, k2)
            u, o = opt.update(g, o, p)
            return (optax.apply_updates(p, u), o, k), d

        (p, _, _), ds = jax.lax.scan(step, (params, opt.init(params), key), None, length=steps)
        return ds

    ds = run(params, key)
    return float(jnp.mean(ds[-max(steps // 10, 1):]))


# ---------------------------------------------------------------------- everything
@dataclass
class Evaluation:
    """All evaluation figures of one trained model (one seed)."""

    seed: int
    probe: dict[str, float]
    parameter_r2: dict[str, float]
    errors: pd.DataFrame  # one-step protocol
    rollout_errors: pd.DataFrame  # rollout protocol
    swap: pd.DataFrame
    train_seconds: float
    phi: np.ndarray = field(repr=False)
    shuffled_probe: dict[str, float] = field(default_factory=dict)
    untrained_probe: dict[str, float] = field(default_factory=dict)  # the same probes on an untrained encoder
    summaries: pd.DataFrame | None = None  # summary_fit of phi
    markowitz: pd.DataFrame | None = None
    phi_generation: np.ndarray | None = field(default=None, repr=False)  # the code over all training months

    def to_dict(self) -> dict:
        return {
            "seed": self.seed,
            "probe_macro_recall": self.probe,
            "shuffled_phi_probe_macro_recall": self.shuffled_probe,
            "untrained_encoder_probe_macro_recall": self.untrained_probe,
            "summary_fit": None if self.summaries is None else self.summaries.to_dict(orient="index"),
            "parameter_r2": self.parameter_r2,
            "portfolio_metric_errors": {m: self.errors[m].to_dict() for m in METRICS},
            "portfolio_metric_errors_rollout": {m: self.rollout_errors[m].to_dict() for m in METRICS},
            "strategy_swap": self.swap.to_dict(orient="index"),
            "markowitz_proximity_pct": None if self.markowitz is None else self.markowitz.to_dict(orient="index"),
            "train_seconds": self.train_seconds,
        }


def evaluate(model: TrainedModel, universe, generator_only: TrainedModel | None = None, seed: int = 0) -> Evaluation:
    """Probes, parameter R^2, held-out metric errors vs baselines, strategy swap."""
    panel = make_panel(universe)
    phi = encode_funds(model, universe, panel)  # the probes' code: the last 36 training months
    phi_gen = generation_phi(model, universe, panel)  # the code the model generates with
    style, rule = universe.style_codes(), universe.rule_codes()
    rng = np.random.default_rng(seed + 1)
    shuffled = phi[rng.permutation(len(phi))]
    probe = {
        "style, linear": probe_recall(phi, style, "linear", seed=seed),
        "style, rbf": probe_recall(phi, style, "rbf", seed=seed),
        "rule, linear": probe_recall(phi, rule, "linear", seed=seed),
        "rule, rbf": probe_recall(phi, rule, "rbf", seed=seed),
    }
    shuffled_probe = {
        "style, linear": probe_recall(shuffled, style, "linear", seed=seed),
        "style, rbf": probe_recall(shuffled, style, "rbf", seed=seed),
    }
    phi0 = encode_funds(untrained(universe, model.config, seed=model.seed), universe, panel)
    untrained_probe = {
        "style, linear": probe_recall(phi0, style, "linear", seed=seed),
        "style, rbf": probe_recall(phi0, style, "rbf", seed=seed),
    }
    return Evaluation(
        seed=model.seed,
        probe=probe,
        parameter_r2=parameter_r2(phi, universe, seed=seed),
        errors=heldout_errors(model, universe, phi_gen, generator_only, seed=seed, panel=panel),
        rollout_errors=heldout_errors(model, universe, phi_gen, generator_only, seed=seed, panel=panel,
                                      protocol="rollout"),
        swap=strategy_swap(model, universe, phi_gen, seed=seed, panel=panel),
        train_seconds=model.train_seconds,
        phi=phi,
        shuffled_probe=shuffled_probe,
        untrained_probe=untrained_probe,
        summaries=summary_fit(model, universe, phi, panel),
        markowitz=markowitz_by_style(model, universe, phi_gen, seed=seed, panel=panel),
        phi_generation=phi_gen,
    )


__all__ = [
    "Evaluation",
    "METRICS",
    "critic_distance",
    "encode_funds",
    "evaluate",
    "generate",
    "generation_phi",
    "heldout_errors",
    "markowitz_by_style",
    "markowitz_proximity",
    "metric_errors",
    "parameter_r2",
    "probe_recall",
    "strategy_swap",
    "summary_fit",
    "swap_pair",
    "true_rule_weights",
    "STYLES",
    "RULES",
]
