"""Paired per-window differences and their moving-block bootstrap intervals.

The unit of evidence is a held-out **window**: every policy trades the same windows, each
as a buy and as a sell task, with the same PRNG keys, beside the same learned partner.
For a learned policy L and a baseline B, the paired difference of a window is

    d_w = mean over seeds and task sides of  metric(L, w, side, seed) - metric(B, w, side, seed)

(a baseline runs per seed because it trades beside that seed's learned partner). Seeds
are averaged inside the window, so the interval measures market noise — which windows the
afternoon happened to hold — not optimiser noise counted as independent evidence.

Neighbouring windows share the day's volatility regime, so the ``d_w`` are not
independent. :func:`block_bootstrap` resamples the time-ordered ``d_w`` in blocks of
``b`` consecutive windows (Künsch's moving-block bootstrap), which keeps the dependence
within a block; :func:`block_length` is ``ceil(n^(1/3))``, the order that minimises the
mean squared error of the bootstrap variance estimate (Hall, Horowitz & Jing 1995), at
least 2. With non-overlapping windows of 1,600 messages (a few minutes of trading) the
lag-1 autocorrelation of ``d_w`` is small on the recorded days (reported per comparison
as ``lag1_autocorr``), so blocks of 3–4 windows cover it.

"Beats" holds only when the 95% interval excludes 0 on the side of the learned policy:
lower shortfall for execution, higher PnL for market making.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hftlab.errors import InputError

#: per agent type: the metric compared and whether higher is better
TARGET_METRIC = {"execution": ("shortfall_bps", False), "market_making": ("pnl", True)}
N_BOOT = 10_000
LEVEL = 0.95


def block_length(n: int) -> int:
    """Moving-block length for ``n`` time-ordered windows: ``max(2, ceil(n ** (1/3)))``, at most ``n``."""
    if n < 1:
        raise InputError("block_length: needs at least one window")
    return int(min(n, max(2, math.ceil(n ** (1.0 / 3.0)))))


def block_bootstrap(x, block: int | None = None, n_boot: int = N_BOOT, level: float = LEVEL,
                    seed: int = 0) -> dict:
    """Moving-block bootstrap of the mean of the time-ordered values ``x``.

    Each replicate concatenates ``ceil(n / block)`` blocks of ``block`` consecutive values,
    their starts drawn uniformly from ``0 .. n - block``, cut to ``n`` values; the interval is
    the percentile interval of the replicate means. Returns ``{"mean", "lo", "hi", "se", "n",
    "block", "lag1_autocorr"}``; ``seed`` fixes the resampling, so a recomputation from the
    same records gives the same interval.
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 1 or x.size < 2:
        raise InputError(f"block_bootstrap: needs a 1-d series of at least 2 windows (got shape {x.shape})")
    if not np.isfinite(x).all():
        raise InputError("block_bootstrap: the per-window differences contain NaN or infinity")
    if not 0.0 < level < 1.0:
        raise InputError(f"block_bootstrap: level must lie in (0, 1) (got {level})")
    n = x.size
    b = block_length(n) if block is None else int(block)
    if not 1 <= b <= n:
        raise InputError(f"block_bootstrap: block length must lie in 1..{n} (got {block})")
    k = -(-n // b)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - b + 1, size=(n_boot, k))
    idx = (starts[:, :, None] + np.arange(b)[None, None, :]).reshape(n_boot, k * b)[:, :n]
    means = x[idx].mean(axis=1)
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [a, 1.0 - a])
    xc = x - x.mean()
    denom = float((xc ** 2).sum())
    r1 = float((xc[1:] * xc[:-1]).sum() / denom) if denom > 0 else 0.0
    return {"mean": float(x.mean()), "lo": float(lo), "hi": float(hi), "se": float(means.std(ddof=1)),
            "n": int(n), "block": int(b), "lag1_autocorr": r1}


def per_window(records: pd.DataFrame, type_: str, policy: str, metric: str) -> pd.Series:
    """``metric`` of ``policy`` per window (mean over seeds, task sides and the type's agents), time-ordered."""
    r = records[(records["type"] == type_) & (records["policy"] == policy)]
    if r.empty:
        raise InputError(f"records: no rows of policy {policy!r} for type {type_!r}")
    return r.groupby("window")[metric].mean().sort_index()


def paired_differences(records: pd.DataFrame, type_: str, baseline: str | None, learned: str = "ippo",
                       metric: str | None = None) -> pd.Series:
    """Per window, learned − baseline (each averaged over seeds and sides); ``baseline=None``: learned − 0."""
    metric = metric or TARGET_METRIC[type_][0]
    mine = per_window(records, type_, learned, metric)
    if baseline is None:
        return mine
    theirs = per_window(records, type_, baseline, metric)
    if not mine.index.equals(theirs.index):
        raise InputError(f"records: {learned} and {baseline} were not evaluated on the same windows")
    return mine - theirs


def compare(records: pd.DataFrame, type_: str, baselines=None, learned: str = "ippo", block: int | None = None,
            n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """One row per baseline of ``type_`` (every other policy in ``records``; for market making also
    ``zero``, i.e. PnL above 0): the paired mean difference, its block-bootstrap interval and the
    verdict ``beats`` (interval excludes 0 on the learned policy's side), ``worse`` (excludes it on
    the other side) or ``no difference``."""
    metric, higher = TARGET_METRIC[type_]
    pols = [p for p in pd.unique(records.loc[records["type"] == type_, "policy"]) if p != learned]
    baselines = list(pols if baselines is None else baselines)
    if type_ == "market_making" and "zero" not in baselines:
        baselines.append("zero")
    rows = []
    for b in baselines:
        d = paired_differences(records, type_, None if b == "zero" else b, learned, metric)
        ci = block_bootstrap(d.to_numpy(), block=block, n_boot=n_boot, seed=seed)
        good, bad = (ci["lo"] > 0, ci["hi"] < 0) if higher else (ci["hi"] < 0, ci["lo"] > 0)
        rows.append({"type": type_, "metric": metric, "learned": learned, "baseline": b, **ci,
                     "verdict": "beats" if good else "worse" if bad else "no difference"})
    return pd.DataFrame(rows)


def verdict_table(records: pd.DataFrame, block: int | None = None, n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """:func:`compare` for every agent type present in ``records`` (column ``evaluation`` kept if present:
    one comparison per evaluation set, e.g. the held-out part of the training stock and of another)."""
    groups = records.groupby("evaluation", sort=False) if "evaluation" in records else [(None, records)]
    frames = []
    for name, g in groups:
        for t in TARGET_METRIC:
            if (g["type"] == t).any():
                tab = compare(g, t, block=block, n_boot=n_boot, seed=seed)
                if name is not None:
                    tab.insert(0, "evaluation", name)
                frames.append(tab)
    if not frames:
        raise InputError("records: no execution or market-making rows to compare")
    return pd.concat(frames, ignore_index=True)


def format_verdicts(table) -> str:
    """Plain text, one line per comparison of :func:`verdict_table` (a DataFrame or its records):
    mean difference [95% interval] and the verdict."""
    table = pd.DataFrame(table)
    lines = []
    for r in table.itertuples():
        where = f"{r.evaluation}: " if hasattr(r, "evaluation") else ""
        versus = "0" if r.baseline == "zero" else r.baseline
        lines.append(f"{where}{r.type} {r.metric}: {r.learned} − {versus} = {r.mean:+.3f} "
                     f"[{r.lo:+.3f}, {r.hi:+.3f}] ({r.n} windows, blocks of {r.block}) → {r.verdict}")
    return "\n".join(lines)
