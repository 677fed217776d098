"""Input checks for the fund-strategy GAN: one-line :class:`InputError` naming the problem.

Shapes must agree (``weights`` (funds, months, stocks), ``characteristics`` (months,
stocks, 7), ``returns`` (months, stocks), ...), nothing may be NaN / infinite, and every
weight vector must be a long-only portfolio: non-negative and summing to one.
"""

from __future__ import annotations

import numpy as np

from hftlab.errors import InputError
from hftlab.fundgan.model import N_SUMMARIES
from hftlab.fundgan.names import CHAR_NAMES, PARAM_NAMES

WEIGHT_SUM_TOL = 1e-3


def check_config(cfg) -> None:
    """Sizes of a :class:`~hftlab.fundgan.universe.UniverseConfig` that the simulation can run."""
    if cfg.n_funds < 8:
        raise InputError(f"n_funds={cfg.n_funds}: need at least 8 funds (two per style class)")
    if cfg.n_stocks < 20:
        raise InputError(f"n_stocks={cfg.n_stocks}: need at least 20 stocks")
    if cfg.n_months < 4:
        raise InputError(f"n_months={cfg.n_months}: need at least 4 months")
    if cfg.window < 12:
        raise InputError(f"window={cfg.window}: the rolling estimation window needs at least 12 months")
    if cfg.burn_in < 1:
        raise InputError(f"burn_in={cfg.burn_in}: need at least 1 burn-in month")
    if len(cfg.style_shares) != 4 or min(cfg.style_shares) < 0 or sum(cfg.style_shares) <= 0:
        raise InputError(f"style_shares={cfg.style_shares}: need four non-negative shares")


def check_train_config(cfg, n_months: int) -> None:
    """A :class:`~hftlab.fundgan.train.TrainConfig` that fits a universe of ``n_months``."""
    if cfg.test_months < 1 or n_months - cfg.test_months < 3:
        raise InputError(
            f"test_months={cfg.test_months}: needs at least 1 held-out month and 3 training months "
            f"(the universe has {n_months})"
        )
    for name in ("iterations", "batch_funds", "enc_months", "gen_months", "n_critic", "chunk", "latent_dim"):
        if getattr(cfg, name) < 1:
            raise InputError(f"{name}={getattr(cfg, name)}: must be at least 1")
    if cfg.latent_dim < N_SUMMARIES + 1:
        raise InputError(f"latent_dim={cfg.latent_dim}: must be at least {N_SUMMARIES + 1} "
                         f"(phi carries the fund's {N_SUMMARIES} summaries and more)")
    if cfg.lr_generator <= 0 or cfg.lr_critic <= 0:
        raise InputError("learning rates must be positive")


def check_finite(name: str, x: np.ndarray, source: str = "") -> None:
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number):
        raise InputError(f"{_p(source)}{name}: expected numbers, got dtype {x.dtype}")
    bad = ~np.isfinite(x)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(x[idx]) else "infinite value"
        raise InputError(f"{_p(source)}{name}: {kind} at index {idx} ({int(bad.sum())} non-finite entries)")


def check_shape(name: str, x: np.ndarray, shape: tuple, source: str = "") -> None:
    """``shape`` entries may be None (any size)."""
    x = np.asarray(x)
    if x.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, x.shape)):
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        raise InputError(f"{_p(source)}{name}: expected shape {want}, got {tuple(x.shape)}")


def check_portfolios(name: str, w: np.ndarray, source: str = "", tol: float = WEIGHT_SUM_TOL) -> None:
    """Every vector along the last axis is non-negative and sums to one."""
    w = np.asarray(w)
    check_finite(name, w, source)
    neg = w < 0
    if neg.any():
        idx = tuple(int(i) for i in np.argwhere(neg)[0])
        raise InputError(f"{_p(source)}{name}: weights are not portfolios: negative weight {w[idx]:.4g} at {idx}")
    s = w.sum(-1)
    off = np.abs(s - 1) > tol
    if off.any():
        idx = tuple(int(i) for i in np.argwhere(off)[0])
        raise InputError(f"{_p(source)}{name}: weights are not portfolios: they sum to {s[idx]:.4g} at {idx}, not 1")


def check_universe(u, source: str = "universe") -> None:
    """Every array of a :class:`~hftlab.fundgan.universe.FundUniverse`: shapes, finiteness, portfolios."""
    w = np.asarray(u.weights)
    if w.ndim != 3:
        raise InputError(f"{source}: weights: expected shape (funds, months, stocks), got {tuple(w.shape)}")
    f, t, n = w.shape
    if f < 1 or t < 2 or n < 2:
        raise InputError(f"{source}: weights: need at least 1 fund, 2 months and 2 stocks, got {tuple(w.shape)}")
    check_shape("factor_returns", u.factor_returns, (t, 4), source)
    check_shape("returns", u.returns, (t, n), source)
    check_shape("characteristics", u.characteristics, (t, n, len(CHAR_NAMES)), source)
    check_shape("cap", u.cap, (t, n), source)
    check_shape("loadings", u.loadings, (t, n, 4), source)
    check_shape("alpha", u.alpha, (t, n), source)
    check_shape("weights_init", u.weights_init, (f, n), source)
    for name in ("factor_returns", "returns", "characteristics", "cap", "loadings", "alpha"):
        check_finite(name, getattr(u, name), source)
    if (np.asarray(u.returns) <= -1).any():
        raise InputError(f"{_p(source)}returns: a return of -100% or less (prices must stay positive)")
    check_portfolios("weights", w, source)
    check_portfolios("weights_init", u.weights_init, source)
    need = ["style", "rule", *PARAM_NAMES]
    missing = [c for c in need if c not in u.funds.columns]
    if missing:
        raise InputError(f"{_p(source)}funds table: missing column(s) {', '.join(missing)}")
    if len(u.funds) != f:
        raise InputError(f"{_p(source)}funds table: {len(u.funds)} rows for {f} funds in weights")


def _p(source: str) -> str:
    return f"{source}: " if source else ""
