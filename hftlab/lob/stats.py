"""Stylized facts of a LOBSTER day, as tidy pandas frames.

For a day (:class:`hftlab.lob.lobster.LobsterDay`):

* :func:`spread_distribution` — the bid-ask spread in ticks, ``(ask1 - bid1) / tick``, over
  the orderbook rows where both sides are quoted;
* :func:`size_distribution` — sizes of new limit orders (type 1) on log-spaced bins;
* :func:`inter_arrival_distribution` — message inter-arrival times ``Δt`` on log-spaced
  bins (zero gaps, i.e. same-timestamp messages, reported separately in :func:`summary`);
* :func:`mid_returns` / :func:`return_distribution` — mid-price log returns
  ``r = 10^4 · log(m_{t+h} / m_t)`` in basis points at a horizon ``h`` seconds, the mid
  ``m = (ask1 + bid1) / 2`` sampled on a regular clock grid (last value before each tick);
* :func:`message_mix` — the share of each message type;
* :func:`mid_spread_series` — mid and spread against time (for charts);
* :func:`summary` — one row of headline numbers; :func:`compare` stacks any of the above
  for several days with a ``day`` column (the tidy shape Altair wants).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from hftlab.lob.lobster import LobsterDay

TYPE_NAMES = {1: "new limit", 2: "cancel (partial)", 3: "delete", 4: "execute (visible)", 5: "execute (hidden)",
              6: "cross", 7: "halt"}


def _times(day: LobsterDay) -> np.ndarray:
    return day.time_s.astype(np.float64) + day.time_ns.astype(np.float64) * 1e-9


def _quoted(day: LobsterDay) -> np.ndarray:
    ob = day.orderbook
    return (ob[:, 1] > 0) & (ob[:, 3] > 0)


def spread_distribution(day: LobsterDay, tick: int = 100, max_ticks: int = 60) -> pd.DataFrame:
    """Columns ``spread_ticks`` (clipped at ``max_ticks``), ``fraction`` of quoted rows."""
    ob = day.orderbook[_quoted(day)]
    s = np.clip((ob[:, 0] - ob[:, 2]) // tick, 0, max_ticks)
    counts = np.bincount(s.astype(np.int64), minlength=max_ticks + 1)
    frac = counts / max(counts.sum(), 1)
    return pd.DataFrame({"spread_ticks": np.arange(max_ticks + 1), "fraction": frac})


def _log_hist(x: np.ndarray, lo: float, hi: float, per_decade: int = 5) -> pd.DataFrame:
    edges = np.logspace(np.log10(lo), np.log10(hi), int(round((np.log10(hi) - np.log10(lo)) * per_decade)) + 1)
    x = np.clip(x, edges[0], edges[-1] * 0.999999)
    counts, _ = np.histogram(x, bins=edges)
    return pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "center": np.sqrt(edges[:-1] * edges[1:]),
                         "fraction": counts / max(counts.sum(), 1)})


def size_distribution(day: LobsterDay, types: tuple[int, ...] = (1,)) -> pd.DataFrame:
    """Sizes of the messages of ``types`` (default new limit orders) on log bins: ``lo, hi, center, fraction``."""
    m = day.messages
    sizes = m[np.isin(m[:, 1], types), 3]
    sizes = sizes[sizes > 0]
    return _log_hist(sizes, 1, 10_000, per_decade=6)


def inter_arrival_distribution(day: LobsterDay) -> pd.DataFrame:
    """Positive inter-arrival times (s) on log bins from 1 µs to 100 s: ``lo, hi, center, fraction``."""
    dt = np.diff(_times(day))
    return _log_hist(dt[dt > 0], 1e-6, 100, per_decade=4)


def mid_returns(day: LobsterDay, horizon_s: float | None = 10.0, horizon_messages: int | None = None) -> np.ndarray:
    """Mid-price log returns in basis points over consecutive intervals.

    The interval is ``horizon_s`` seconds of clock time, or, with ``horizon_messages``,
    that many messages (event time: comparable across days of different activity).
    """
    ok = _quoted(day)
    t = _times(day)[ok]
    ob = day.orderbook[ok]
    if len(t) < 2:
        return np.zeros(0)
    mid = (ob[:, 0] + ob[:, 2]) / 2.0
    if horizon_messages is not None:
        rows = np.flatnonzero(ok)
        grid = np.arange(rows[0], rows[-1], int(horizon_messages))
        idx = np.searchsorted(rows, grid, side="right") - 1
    else:
        grid = np.arange(t[0], t[-1], horizon_s)
        idx = np.searchsorted(t, grid, side="right") - 1
    return np.diff(np.log(mid[idx])) * 1e4


def return_distribution(day: LobsterDay, horizon_messages: int = 100, clip_bps: float = 15.0, bins: int = 31,
                        horizon_s: float | None = None) -> pd.DataFrame:
    """Histogram of :func:`mid_returns` (clipped to ±``clip_bps``): ``center`` (bps), ``fraction``.

    Event time by default (returns over ``horizon_messages`` messages); pass ``horizon_s``
    for clock time instead.
    """
    r = mid_returns(day, horizon_s) if horizon_s is not None else mid_returns(day, None, horizon_messages)
    r = np.clip(r, -clip_bps, clip_bps)
    edges = np.linspace(-clip_bps, clip_bps, bins + 1)
    counts, _ = np.histogram(r, bins=edges)
    return pd.DataFrame({"center": (edges[:-1] + edges[1:]) / 2, "fraction": counts / max(counts.sum(), 1)})


def message_mix(day: LobsterDay) -> pd.DataFrame:
    """Columns ``type``, ``name``, ``count``, ``fraction`` (every LOBSTER type 1..7, zeros included)."""
    types = day.messages[:, 1].astype(np.int64)
    counts = np.bincount(types, minlength=8)[1:8]
    return pd.DataFrame({"type": np.arange(1, 8), "name": [TYPE_NAMES[k] for k in range(1, 8)], "count": counts,
                         "fraction": counts / max(len(types), 1)})


def mid_spread_series(day: LobsterDay, start: int = 0, length: int | None = None, max_points: int = 2000,
                      tick: int = 100) -> pd.DataFrame:
    """Mid (dollars) and spread (ticks) after each message of a window, thinned to ``max_points`` rows.

    Columns ``message`` (row index), ``time`` (seconds after midnight), ``clock`` (the time as a
    timestamp on 1970-01-01, for time axes), ``mid``, ``spread_ticks``, ``best_bid``, ``best_ask``
    (dollars). Rows with a side empty are dropped.
    """
    n = len(day)
    start = int(np.clip(start, 0, max(n - 1, 0)))
    stop = n if length is None else int(min(n, start + max(int(length), 1)))
    idx = np.arange(start, stop)
    if len(idx) > max_points:
        idx = idx[np.linspace(0, len(idx) - 1, max_points).astype(np.int64)]
    ob = day.orderbook[idx]
    ok = (ob[:, 1] > 0) & (ob[:, 3] > 0)
    idx, ob = idx[ok], ob[ok]
    return pd.DataFrame({
        "message": idx,
        "time": _times(day)[idx],
        "clock": pd.to_datetime(day.time_s[idx] * 10**9 + day.time_ns[idx], unit="ns"),
        "mid": (ob[:, 0] + ob[:, 2]) / 2e4,
        "spread_ticks": (ob[:, 0] - ob[:, 2]) / tick,
        "best_bid": ob[:, 2] / 1e4,
        "best_ask": ob[:, 0] / 1e4,
    })


def summary(day: LobsterDay, tick: int = 100, horizon_s: float = 10.0) -> dict:
    """Headline numbers: messages, duration, spread (ticks), sizes, inter-arrival, returns, mix."""
    ob = day.orderbook[_quoted(day)]
    spread = (ob[:, 0] - ob[:, 2]) / tick
    sizes = day.messages[day.messages[:, 1] == 1, 3]
    t = _times(day)
    dt = np.diff(t)
    r = mid_returns(day, horizon_s)
    r100 = mid_returns(day, None, 100)
    mix = message_mix(day).set_index("type")["fraction"]
    out = {
        "messages": len(day),
        "duration_s": float(t[-1] - t[0]) if len(t) else 0.0,
        "spread_median_ticks": float(np.median(spread)) if len(spread) else np.nan,
        "spread_mean_ticks": float(spread.mean()) if len(spread) else np.nan,
        "size_median": float(np.median(sizes)) if len(sizes) else np.nan,
        "size_round_lot_share": float(np.mean(sizes % 100 == 0)) if len(sizes) else np.nan,
        "dt_mean_s": float(dt.mean()) if len(dt) else np.nan,
        "dt_median_s": float(np.median(dt)) if len(dt) else np.nan,
        "dt_zero_share": float(np.mean(dt == 0)) if len(dt) else np.nan,
        f"ret_{horizon_s:g}s_std_bps": float(r.std()) if len(r) else np.nan,
        f"ret_{horizon_s:g}s_kurtosis": float(pd.Series(r).kurt()) if len(r) > 3 else np.nan,
        "ret_100msg_std_bps": float(r100.std()) if len(r100) else np.nan,
        "ret_100msg_kurtosis": float(pd.Series(r100).kurt()) if len(r100) > 3 else np.nan,
        "depth_level1_mean": float((ob[:, 1] + ob[:, 3]).mean() / 2) if len(ob) else np.nan,
    }
    for k in (1, 2, 3, 4, 5):
        out[f"share_type{k}"] = float(mix.loc[k])
    return out


def summary_table(days: dict[str, LobsterDay], **kw) -> pd.DataFrame:
    """:func:`summary` of several days, one row each (index = day name)."""
    return pd.DataFrame({name: summary(d, **kw) for name, d in days.items()}).T


FACTS: dict[str, Callable[[LobsterDay], pd.DataFrame]] = {
    "spread": spread_distribution,
    "order_size": size_distribution,
    "inter_arrival": inter_arrival_distribution,
    "mid_return": return_distribution,
    "message_mix": message_mix,
}


def compare(days: dict[str, LobsterDay], fact: str) -> pd.DataFrame:
    """One stylized fact (a key of :data:`FACTS`) of several days, stacked with a ``day`` column."""
    if fact not in FACTS:
        raise KeyError(f"unknown fact {fact!r}; choose one of {sorted(FACTS)}")
    return pd.concat([FACTS[fact](d).assign(day=name) for name, d in days.items()], ignore_index=True)


def stylized_facts(days: dict[str, LobsterDay]) -> dict[str, pd.DataFrame]:
    """Every fact of :data:`FACTS` for several days: ``{fact: tidy frame with a day column}``."""
    return {fact: compare(days, fact) for fact in FACTS}


__all__ = [
    "FACTS",
    "compare",
    "inter_arrival_distribution",
    "message_mix",
    "mid_returns",
    "mid_spread_series",
    "return_distribution",
    "size_distribution",
    "spread_distribution",
    "stylized_facts",
    "summary",
    "summary_table",
]
