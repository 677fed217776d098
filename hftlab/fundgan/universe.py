"""Synthetic market and fund universe with known ground truth.

The market
----------
Four Carhart factors ``y_t = (MKT-RF, SMB, HML, UMD)`` are i.i.d. Gaussian with the
long-run monthly means, volatilities and correlations of the Kenneth French data
library (1926-2023, rounded; :data:`FACTOR_MEAN`, :data:`FACTOR_VOL`,
:data:`FACTOR_CORR`). Each stock ``i`` has slowly drifting true loadings and alpha,

    beta_{i,t} = beta_bar_i + d_{i,t},   d_{i,t} = 0.97 d_{i,t-1} + noise,
    alpha_{i,t} = 0.9 alpha_{i,t-1} + noise,
    r_{i,t} = alpha_{i,t} + beta_{i,t}^T y_t + sigma_i eps_{i,t},

and a market cap that compounds with its returns. What funds (and the model) see
are the **characteristics**: 36-month rolling OLS estimates of alpha and the four
loadings, the rolling residual volatility and log market cap — noisy, as real
estimates are (:data:`CHAR_NAMES`).

The funds
---------
Four style classes, Index / Core / Growth / Value (8 / 51 / 33 / 9 %). Each fund has
known parameters (:data:`PARAM_NAMES`): tilts ``b`` on the four z-scored loadings,
risk aversion ``lambda``, target holdings ``H``, adjustment speed ``kappa`` and
conviction noise ``sigma_eps``, and follows one known rule. With ``z`` the month's
cross-sectionally z-scored characteristics and ``eps`` an AR(1) (rho 0.6)
fund-specific conviction about every stock, the fund's score is

    s_i = 0.5 z_alpha,i + b^T z_beta,i + sigma_eps eps_i

- ``tilt`` (characteristic / logit tilt): ``s_i -= 0.5 lambda z_vol,i``; the target
  holds the top-H stocks by score with weights proportional to ``exp(s_i)``.
- ``mv`` (mean-variance): target = argmax over the simplex of
  ``s^T w - tau/2 |w|^2 - lambda/2 w^T B Sigma_y B^T w / sigma_mkt^2`` (B the
  estimated loadings), with ``tau`` set each month so the risk-free part holds H names;
  solved by accelerated projected gradient.
- ``index``: cap weights over the H largest stocks (tiny tracking noise).

Every month the fund's weights first drift with returns,
``w~_i = w_i (1 + r_i) / sum_j w_j (1 + r_j)``, then partially adjust,
``v = (1 - kappa) w~ + kappa target``; positions outside the target that fall below
``0.3 / H`` are closed and the rest renormalised. Turnover is ``1/2 |w_t - w~_{t-1}|_1``.

Calibration targets (:data:`CALIBRATION_TARGETS`): median holdings ~100, HHI in
0.01-0.03, monthly turnover ~0.17. The default universe has 1436 funds, 120 months
and 300 stocks (the paper's universe has 500; 300 keeps full training on two CPU cores
within minutes while leaving the median fund to hold a third of the market).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.fundgan.names import CHAR_NAMES, FACTOR_NAMES, PARAM_NAMES, RULES, STYLES  # noqa: F401 (PARAM_NAMES re-exported)
from hftlab.fundgan.portfolio import drift, portfolio_metrics
from hftlab.fundgan.validate import check_config, check_universe

# Long-run monthly Carhart factor moments (Kenneth French data library, 1926-2023; rounded).
FACTOR_MEAN = np.array([0.0068, 0.0020, 0.0035, 0.0063])
FACTOR_VOL = np.array([0.0533, 0.0318, 0.0357, 0.0468])
FACTOR_CORR = np.array(
    [
        [1.00, 0.31, 0.22, -0.34],
        [0.31, 1.00, 0.12, -0.16],
        [0.22, 0.12, 1.00, -0.41],
        [-0.34, -0.16, -0.41, 1.00],
    ]
)
FACTOR_COV = FACTOR_CORR * np.outer(FACTOR_VOL, FACTOR_VOL)

CALIBRATION_TARGETS = {
    "median holdings": (100.0, 60.0, 150.0),  # (target, low, high): accepted band
    "median HHI": (0.02, 0.01, 0.03),
    "median monthly turnover": (0.17, 0.10, 0.25),
}

RHO_CONVICTION = 0.6
CLOSE_FRACTION = 0.3


@dataclass(frozen=True)
class UniverseConfig:
    """Sizes and style mix of the synthetic universe (static; hashable)."""

    n_funds: int = 1436
    n_stocks: int = 300
    n_months: int = 120
    window: int = 36  # rolling-estimation window of the characteristics (months)
    burn_in: int = 12  # months the funds trade before the recorded panel starts
    style_shares: tuple[float, float, float, float] = (0.08, 0.51, 0.33, 0.09)
    holdings_median: float = 85.0  # median target holdings of active funds
    mv_iters: int = 25  # projected-gradient iterations per month (warm-started)

    @staticmethod
    def small() -> "UniverseConfig":
        """The bundled sample / quick-mode size: 96 funds, 100 stocks, 48 months."""
        return UniverseConfig(n_funds=96, n_stocks=100, n_months=48, holdings_median=32.0)



@dataclass
class FundUniverse:
    """The generated panel: market arrays (month-major) and fund weights.

    Month ``t`` runs from the end of month ``t-1`` to the end of month ``t``:
    ``returns[t]`` is realised during it, ``characteristics[t]`` and ``cap[t]`` are known
    at its end, and ``weights[:, t]`` is the portfolio chosen then. ``weights_init`` is the
    portfolio at the end of month -1, so month 0's drift is defined.
    """

    factor_returns: np.ndarray  # (T, 4)
    returns: np.ndarray  # (T, N) simple monthly excess returns
    characteristics: np.ndarray  # (T, N, 7) raw, see CHAR_NAMES
    cap: np.ndarray  # (T, N) market cap at month end
    loadings: np.ndarray  # (T, N, 4) true factor loadings
    alpha: np.ndarray  # (T, N) true alpha
    weights: np.ndarray  # (F, T, N) portfolio weights at month end
    weights_init: np.ndarray  # (F, N)
    funds: pd.DataFrame  # one row per fund: style, rule and true parameters
    config: UniverseConfig = field(default_factory=UniverseConfig)

    @property
    def n_funds(self) -> int:
        return self.weights.shape[0]

    @property
    def n_months(self) -> int:
        return self.weights.shape[1]

    @property
    def n_stocks(self) -> int:
        return self.weights.shape[2]

    def z_characteristics(self) -> np.ndarray:
        """Characteristics z-scored across stocks each month, (T, N, 7)."""
        return zscore_cross_section(self.characteristics)

    def drifted_previous(self) -> np.ndarray:
        """``w~_{t-1}``: last month's weights drifted by this month's returns, (F, T, N)."""
        prev = np.concatenate([self.weights_init[:, None], self.weights[:, :-1]], axis=1)
        return drift(prev, self.returns[None])

    def style_codes(self) -> np.ndarray:
        return self.funds["style"].map({s: i for i, s in enumerate(STYLES)}).to_numpy()

    def rule_codes(self) -> np.ndarray:
        return self.funds["rule"].map({s: i for i, s in enumerate(RULES)}).to_numpy()

    # ------------------------------------------------------------------ tidy frames
    def factor_frame(self) -> pd.DataFrame:
        """Long frame: month, factor, return."""
        t, k = np.meshgrid(np.arange(self.n_months), np.arange(4), indexing="ij")
        return pd.DataFrame(
            {"month": t.ravel(), "factor": np.array(FACTOR_NAMES)[k.ravel()], "return": self.factor_returns.ravel()}
        )

    def stock_frame(self) -> pd.DataFrame:
        """One row per stock-month: return, cap, characteristics."""
        t, i = np.meshgrid(np.arange(self.n_months), np.arange(self.n_stocks), indexing="ij")
        data = {"month": t.ravel(), "stock": i.ravel(), "return": self.returns.ravel(), "cap": self.cap.ravel()}
        for k, name in enumerate(CHAR_NAMES):
            data[name] = self.characteristics[..., k].ravel()
        return pd.DataFrame(data)

    def fund_month_frame(self) -> pd.DataFrame:
        """One row per fund-month: holdings, HHI, turnover and factor exposures."""
        m = portfolio_metrics(self.weights, self.drifted_previous())
        f, t = np.meshgrid(np.arange(self.n_funds), np.arange(self.n_months), indexing="ij")
        data = {
            "fund": f.ravel(),
            "month": t.ravel(),
            "style": np.asarray(self.funds["style"])[f.ravel()],
            "holdings": m["holdings"].ravel(),
            "hhi": m["hhi"].ravel(),
            "turnover": m["turnover"].ravel(),
        }
        expo = np.einsum("ftn,tnk->ftk", self.weights, self.z_characteristics())
        for k, name in enumerate(CHAR_NAMES):
            data[f"exposure_{name}"] = expo[..., k].ravel()
        return pd.DataFrame(data)

    def holdings_frame(self, funds: list[int] | np.ndarray | None = None) -> pd.DataFrame:
        """Long frame of the non-zero positions: fund, month, stock, weight."""
        idx = np.arange(self.n_funds) if funds is None else np.asarray(funds)
        w = self.weights[idx]
        f, t, i = np.nonzero(w)
        return pd.DataFrame({"fund": idx[f], "month": t, "stock": i, "weight": w[f, t, i]})

    def calibration(self) -> pd.DataFrame:
        """Calibration figures next to their targets (medians over funds of per-fund medians)."""
        m = portfolio_metrics(self.weights, self.drifted_previous())
        got = {
            "median holdings": float(np.median(np.median(m["holdings"], axis=1))),
            "median HHI": float(np.median(np.median(m["hhi"], axis=1))),
            "median monthly turnover": float(np.median(np.median(m["turnover"][:, 1:], axis=1))),
        }
        rows = []
        for name, (target, lo, hi) in CALIBRATION_TARGETS.items():
            rows.append({"figure": name, "value": got[name], "target": target, "low": lo, "high": hi,
                         "ok": lo <= got[name] <= hi})
        fm = self.factor_returns.mean(0)
        fv = self.factor_returns.std(0)
        for k, name in enumerate(FACTOR_NAMES):
            se_m = FACTOR_VOL[k] / np.sqrt(self.n_months)
            rows.append({"figure": f"{name} mean (monthly)", "value": float(fm[k]), "target": FACTOR_MEAN[k],
                         "low": FACTOR_MEAN[k] - 3 * se_m, "high": FACTOR_MEAN[k] + 3 * se_m,
                         "ok": abs(fm[k] - FACTOR_MEAN[k]) <= 3 * se_m})
            se_v = FACTOR_VOL[k] / np.sqrt(2 * self.n_months)
            rows.append({"figure": f"{name} vol (monthly)", "value": float(fv[k]), "target": FACTOR_VOL[k],
                         "low": FACTOR_VOL[k] - 4 * se_v, "high": FACTOR_VOL[k] + 4 * se_v,
                         "ok": abs(fv[k] - FACTOR_VOL[k]) <= 4 * se_v})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write the universe as one compressed ``.npz`` (arrays as float32, the fund table as columns)."""
        path = Path(path)
        arrays = {k: getattr(self, k) for k in ARRAY_FIELDS}
        arrays = {k: v.astype(np.float32) for k, v in arrays.items()}
        for col in self.funds.columns:
            v = self.funds[col].to_numpy()
            arrays[f"fund__{col}"] = v.astype(str) if v.dtype == object else v
        arrays["config"] = np.array(repr(dataclasses.asdict(self.config)))
        np.savez_compressed(path, **arrays)
        return path


ARRAY_FIELDS = ("factor_returns", "returns", "characteristics", "cap", "loadings", "alpha", "weights", "weights_init")


def load_universe(path: str | Path) -> FundUniverse:
    """Read a universe written by :meth:`FundUniverse.save`, checking every array."""
    from hftlab.errors import InputError

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such fund-universe file")
    try:
        z = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input
        raise InputError(f"{path}: not a fund-universe .npz file ({type(exc).__name__})") from None
    missing = [k for k in ARRAY_FIELDS if k not in z.files]
    if missing:
        raise InputError(f"{path}: missing array(s) {', '.join(missing)}")
    arrays = {k: np.asarray(z[k], dtype=np.float64 if k == "factor_returns" else np.float32) for k in ARRAY_FIELDS}
    funds = pd.DataFrame({k[len("fund__"):]: z[k] for k in z.files if k.startswith("fund__")})
    cfg = UniverseConfig()
    if "config" in z.files:
        import ast

        d = ast.literal_eval(str(z["config"]))
        d["style_shares"] = tuple(d["style_shares"])
        cfg = UniverseConfig(**d)
    u = FundUniverse(**arrays, funds=funds, config=cfg)
    check_universe(u, source=str(path))
    return u


# ---------------------------------------------------------------------- helpers
def zscore_cross_section(x: np.ndarray, axis: int = -2) -> np.ndarray:
    """z-score along the stock axis (default: second to last)."""
    mu = x.mean(axis=axis, keepdims=True)
    sd = x.std(axis=axis, keepdims=True) + 1e-8
    return (x - mu) / sd


# ---------------------------------------------------------------------- the market
def _ar1(key, shape, n, rho, sd):
    """n steps of a stationary AR(1) with persistence rho and stationary sd, (n, *shape)."""
    k0, k1 = jax.random.split(key)
    x0 = sd * jax.random.normal(k0, shape)
    innov = sd * jnp.sqrt(1 - rho**2) * jax.random.normal(k1, (n, *shape))

    def step(x, e):
        x = rho * x + e
        return x, x

    _, xs = jax.lax.scan(step, x0, innov)
    return xs


@partial(jax.jit, static_argnums=(1, 2))
def simulate_market(key: jax.Array, n_stocks: int, n_total: int) -> dict[str, jax.Array]:
    """Factor returns, true loadings / alpha, stock returns and caps for ``n_total`` months."""
    kf, kb, kd, ka, ks, kc, ke = jax.random.split(key, 7)
    chol = jnp.linalg.cholesky(jnp.asarray(FACTOR_COV))
    y = jnp.asarray(FACTOR_MEAN) + jax.random.normal(kf, (n_total, 4)) @ chol.T
    # persistent loadings; small stocks load on SMB
    z = jax.random.normal(kb, (n_stocks, 5))
    log_cap0 = 1.5 * z[:, 4]
    beta_bar = jnp.stack(
        [1.0 + 0.35 * z[:, 0], 0.4 + 0.45 * z[:, 1] - 0.25 * z[:, 4], 0.2 + 0.6 * z[:, 2], 0.0 + 0.3 * z[:, 3]],
        axis=1,
    )
    dev = _ar1(kd, (n_stocks, 4), n_total, 0.97, 0.15)
    beta = beta_bar[None] + dev
    alpha = _ar1(ka, (n_stocks,), n_total, 0.9, 0.003)
    sigma = 0.08 * jnp.exp(0.3 * jax.random.normal(ks, (n_stocks,)) - 0.15 * z[:, 4])
    eps = jax.random.normal(ke, (n_total, n_stocks))
    r = alpha + jnp.einsum("tnk,tk->tn", beta, y) + sigma * eps
    r = jnp.maximum(r, -0.95)
    log_cap = log_cap0 + jnp.cumsum(jnp.log1p(r), axis=0)
    return {"factors": y, "beta": beta, "alpha": alpha, "returns": r, "log_cap": log_cap}


@partial(jax.jit, static_argnums=(2,))
def rolling_characteristics(returns: jax.Array, factors: jax.Array, window: int) -> jax.Array:
    """Rolling OLS of each stock on [1, y] over the previous ``window`` months, inclusive.

    Returns (T - window + 1, N, 6): alpha, four loadings, residual volatility.
    """
    n_total = returns.shape[0]
    starts = jnp.arange(n_total - window + 1)

    def one(s):
        yw = jax.lax.dynamic_slice_in_dim(factors, s, window)
        rw = jax.lax.dynamic_slice_in_dim(returns, s, window)
        d = jnp.concatenate([jnp.ones((window, 1)), yw], axis=1)
        coef = jnp.linalg.solve(d.T @ d, d.T @ rw)  # (5, N)
        resid = rw - d @ coef
        vol = jnp.sqrt((resid**2).sum(0) / (window - 5))
        return jnp.concatenate([coef.T, vol[:, None]], axis=1)

    return jax.lax.map(one, starts)


# ---------------------------------------------------------------------- the fund rules
def _zscore(x):
    return (x - x.mean(0)) / (x.std(0) + 1e-8)


def _project(v):
    from hftlab.fundgan.sparse import sparse_simplex

    return sparse_simplex(v)


def _top_mask(s, h, n):
    """Mask of the h largest entries of s (h traced; ties aside)."""
    from hftlab.fundgan.sparse import kth_largest

    return s >= kth_largest(s, h)


def fund_score(params: dict, z: jax.Array, eps: jax.Array) -> jax.Array:
    """The fund's per-stock score ``0.5 z_alpha + b^T z_beta + sigma_eps eps`` (tilt funds also
    subtract ``0.5 lambda z_vol``)."""
    s = 0.5 * z[:, 0] + z[:, 1:5] @ params["tilts"] + params["conviction_noise"] * eps
    return s - jnp.where(params["rule"] == 2, 0.5 * jnp.nan_to_num(params["risk_aversion"]) * z[:, 5], 0.0)


def tilt_target(params, z, eps):
    """Logit tilt: ``exp(s)`` over the top-H stocks by score."""
    s = fund_score(params, z, eps)
    mask = _top_mask(s, params["holdings_target"], s.shape[0])
    e = jnp.where(mask, jnp.exp(s - jnp.max(s)), 0.0)
    return e / e.sum()


def mv_target(params, z, eps, bhat, w_start, n_iter: int):
    """Mean-variance on the simplex by accelerated projected gradient (FISTA).

    maximise  s^T w - tau/2 |w|^2 - lambda/2 w^T B Sigma_y B^T w / sigma_mkt^2,
    tau = sum over the top-H scores of (s_i - s_(H+1)), so the risk-free problem holds H names.
    """
    s = fund_score(params, z, eps)
    h = params["holdings_target"]
    from hftlab.fundgan.sparse import kth_largest

    cut = kth_largest(s, jnp.minimum(h + 1, s.shape[0]))
    tau = jnp.maximum(jnp.sum(jnp.maximum(s - cut, 0.0)), 1e-3)
    lam = jnp.nan_to_num(params["risk_aversion"])
    sig = jnp.asarray(FACTOR_COV / FACTOR_VOL[0] ** 2, dtype=s.dtype)

    def grad(w):
        return s - tau * w - lam * (bhat @ (sig @ (bhat.T @ w)))

    lip = tau + lam * jnp.sum(bhat**2) * jnp.max(jnp.linalg.eigvalsh(sig))
    step = 1.0 / lip

    def body(_, c):
        w, v, t = c
        w_new = _project(v + step * grad(v))
        t_new = 0.5 * (1 + jnp.sqrt(1 + 4 * t * t))
        v_new = w_new + ((t - 1) / t_new) * (w_new - w)
        return w_new, v_new, t_new

    w, _, _ = jax.lax.fori_loop(0, n_iter, body, (w_start, w_start, jnp.asarray(1.0, s.dtype)))
    return w


def index_target(params, log_cap, eps):
    """Cap weights over the H largest stocks, times a small tracking-noise factor."""
    mask = _top_mask(log_cap, params["holdings_target"], log_cap.shape[0])
    e = jnp.where(mask, jnp.exp(log_cap - jnp.max(log_cap) + params["conviction_noise"] * eps), 0.0)
    return e / e.sum()


def fund_target(params, z, bhat, log_cap, eps, w_start, n_iter: int):
    """The target portfolio of a fund following ``params['rule']`` (0 index, 1 mv, 2 tilt)."""
    return jax.lax.switch(
        params["rule"],
        [
            lambda: index_target(params, log_cap, eps),
            lambda: mv_target(params, z, eps, bhat, w_start, n_iter),
            lambda: tilt_target(params, z, eps),
        ],
    )


def adjust(params, w_drifted, target):
    """Partial adjustment towards the target, closing small positions outside it."""
    v = (1 - params["adjust_speed"]) * w_drifted + params["adjust_speed"] * target
    close = (target <= 0) & (v < CLOSE_FRACTION / params["holdings_target"])
    v = jnp.where(close, 0.0, v)
    return v / v.sum()


def fund_step(params, w_prev, target_prev, eps, r, z, bhat, log_cap, n_iter: int):
    """One month of one fund: drift, new target, partial adjustment. Returns (w, target)."""
    w_drift = drift(w_prev, r)
    target = fund_target(params, z, bhat, log_cap, eps, target_prev, n_iter)
    return adjust(params, w_drift, target), target


def sample_fund_params(rng: np.random.Generator, cfg: UniverseConfig) -> pd.DataFrame:
    """Draw every fund's style, rule and true parameters."""
    n = cfg.n_funds
    shares = np.asarray(cfg.style_shares) / np.sum(cfg.style_shares)
    counts = np.floor(shares * n).astype(int)
    counts[1] += n - counts.sum()
    style = np.repeat(np.arange(4), counts)
    rng.shuffle(style)
    tilt_mean = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [0.3, 0.2, -1.0, 0.6], [-0.2, 0.1, 1.0, -0.3]])
    tilt_sd = np.array([0.0, 0.2, 0.2, 0.2])
    tilts = tilt_mean[style] + tilt_sd[style, None] * rng.standard_normal((n, 4))
    p_mv = np.array([0.0, 0.5, 0.3, 0.3])
    rule = np.where(style == 0, 0, np.where(rng.random(n) < p_mv[style], 1, 2))
    nstk = cfg.n_stocks
    h_active = np.exp(np.log(cfg.holdings_median) + 0.35 * rng.standard_normal(n))
    h_index = rng.uniform(0.5, 1.0, n) * nstk
    holdings = np.where(style == 0, h_index, h_active)
    holdings = np.clip(np.round(holdings), min(20, nstk // 4), np.where(style == 0, nstk, int(0.8 * nstk))).astype(int)
    risk = np.where(style == 0, np.nan, np.exp(rng.uniform(np.log(0.3), np.log(3.0), n)))
    speed = np.where(style == 0, rng.uniform(0.6, 1.0, n), rng.uniform(0.2, 0.7, n))
    noise = np.where(style == 0, rng.uniform(0.0, 0.05, n), rng.uniform(0.3, 1.2, n))
    df = pd.DataFrame(
        {
            "fund": np.arange(n),
            "style": np.array(STYLES)[style],
            "rule": np.array(RULES)[rule],
            "tilt_mkt": tilts[:, 0],
            "tilt_smb": tilts[:, 1],
            "tilt_hml": tilts[:, 2],
            "tilt_umd": tilts[:, 3],
            "risk_aversion": risk,
            "holdings_target": holdings,
            "adjust_speed": speed,
            "conviction_noise": noise,
        }
    )
    return df


def params_to_jax(funds: pd.DataFrame) -> dict[str, jax.Array]:
    """The fund table as arrays for :func:`fund_step` (leading axis: funds)."""
    return {
        "tilts": jnp.asarray(funds[["tilt_mkt", "tilt_smb", "tilt_hml", "tilt_umd"]].to_numpy(), jnp.float32),
        "risk_aversion": jnp.asarray(funds["risk_aversion"].to_numpy(), jnp.float32),
        "holdings_target": jnp.asarray(funds["holdings_target"].to_numpy(), jnp.int32),
        "adjust_speed": jnp.asarray(funds["adjust_speed"].to_numpy(), jnp.float32),
        "conviction_noise": jnp.asarray(funds["conviction_noise"].to_numpy(), jnp.float32),
        "rule": jnp.asarray(funds["rule"].map({r: i for i, r in enumerate(RULES)}).to_numpy(), jnp.int32),
    }


def _targets_by_rule(params, groups, z, bhat, log_cap, eps, targ_prev, n_iter):
    """Every fund's target, each rule computed only for its own funds. (F, N)."""
    out = jnp.zeros_like(targ_prev)
    sub = lambda idx: jax.tree.map(lambda a: a[idx], params)  # noqa: E731
    if groups[0].size:
        idx = groups[0]
        out = out.at[idx].set(jax.vmap(index_target, in_axes=(0, None, 0))(sub(idx), log_cap, eps[idx]))
    if groups[1].size:
        idx = groups[1]
        f = jax.vmap(mv_target, in_axes=(0, None, 0, None, 0, None))
        out = out.at[idx].set(f(sub(idx), z, eps[idx], bhat, targ_prev[idx], n_iter))
    if groups[2].size:
        idx = groups[2]
        out = out.at[idx].set(jax.vmap(tilt_target, in_axes=(0, None, 0))(sub(idx), z, eps[idx]))
    return out


def _simulate_funds(params, rules, key, returns, z, bhat, log_cap, n_iter: int):
    """Scan the fund rules over months (funds batched). Returns weights (T, F, N)."""
    groups = tuple(np.flatnonzero(rules == k) for k in range(3))
    return _simulate_funds_jit(params, groups, key, returns, z, bhat, log_cap, n_iter)


@partial(jax.jit, static_argnames=("n_iter",))
def _simulate_funds_jit(params, groups, key, returns, z, bhat, log_cap, n_iter: int):
    n_months, n_stocks = returns.shape
    n_funds = params["rule"].shape[0]
    k0, k1 = jax.random.split(key)
    eps0 = jax.random.normal(k0, (n_funds, n_stocks))
    uniform = jnp.full((n_funds, n_stocks), 1.0 / n_stocks)
    # month 0: start in the target (the mean-variance solve from scratch gets more iterations)
    targ0 = _targets_by_rule(params, groups, z[0], bhat[0], log_cap[0], eps0, uniform, 4 * n_iter)
    adjust_all = jax.vmap(adjust)

    def month(carry, xs):
        w, targ, eps = carry
        r, zt, bt, lc, k = xs
        eps = RHO_CONVICTION * eps + np.sqrt(1 - RHO_CONVICTION**2) * jax.random.normal(k, eps.shape)
        w_drift = drift(w, r)
        targ = _targets_by_rule(params, groups, zt, bt, lc, eps, targ, n_iter)
        w = adjust_all(params, w_drift, targ)
        return (w, targ, eps), w

    keys = jax.random.split(k1, n_months)
    _, ws = jax.lax.scan(month, (targ0, targ0, eps0), (returns, z, bhat, log_cap, keys))
    return ws


def generate_universe(cfg: UniverseConfig | None = None, seed: int = 0) -> FundUniverse:
    """Simulate the market and every fund; deterministic in ``seed``."""
    cfg = cfg or UniverseConfig()
    check_config(cfg)
    key = jax.random.PRNGKey(seed)
    km, kf = jax.random.split(key)
    n_total = cfg.window - 1 + cfg.burn_in + cfg.n_months
    mk = simulate_market(km, cfg.n_stocks, n_total)
    est = rolling_characteristics(mk["returns"], mk["factors"], cfg.window)  # (burn+T, N, 6)
    lc = mk["log_cap"][cfg.window - 1 :]
    chars = jnp.concatenate([est, lc[..., None]], axis=-1)
    z = jax.vmap(_zscore)(chars)
    r = mk["returns"][cfg.window - 1 :]
    funds = sample_fund_params(np.random.default_rng(seed), cfg)
    rules = funds["rule"].map({k: i for i, k in enumerate(RULES)}).to_numpy()
    ws = _simulate_funds(params_to_jax(funds), rules, kf, r, z, chars[..., 1:5], lc, n_iter=cfg.mv_iters)
    ws = np.asarray(jnp.transpose(ws, (1, 0, 2)))  # (F, burn+T, N)
    b = cfg.burn_in
    sl = slice(cfg.window - 1 + b, None)
    return FundUniverse(
        factor_returns=np.asarray(mk["factors"][sl], np.float64),
        returns=np.asarray(mk["returns"][sl], np.float32),
        characteristics=np.asarray(chars[b:], np.float32),
        cap=np.asarray(jnp.exp(lc[b:]), np.float32),
        loadings=np.asarray(mk["beta"][sl], np.float32),
        alpha=np.asarray(mk["alpha"][sl], np.float32),
        weights=np.ascontiguousarray(ws[:, b:], dtype=np.float32),
        weights_init=np.asarray(ws[:, b - 1], np.float32),
        funds=funds,
        config=cfg,
    )


def sample_path() -> Path:
    """The bundled small universe, ``data_samples/fund_universe_small.npz``."""
    from hftlab.config import data_samples_dir

    return data_samples_dir() / "fund_universe_small.npz"
