"""Fit the synthetic order-flow generator to a day, and measure how close generated days come.

:func:`fit` estimates the :class:`~hftlab.lob.synthetic.SynthParams` of a LOBSTER day
(method of moments, one statistic per parameter):

* **event mix**: a run of type-4 executions on one side at one timestamp is one market
  order (followed by a type 1 of the aggressor at that timestamp: a marketable limit
  order that rests its remainder; one filled in full looks like a market order, so
  ``w_market`` absorbs those and ``w_marketable_limit`` counts only the resting ones); limit orders, hidden executions and cancellations are single messages. The
  weights are the event counts relative to limit orders (``w_limit`` stays 0.5, only
  ratios matter); the cancellation weight is queue-reactive in the generator
  (``w_cancel * n / target_orders`` for ``n`` resting orders), so it is the cancellation
  count over the limit count times ``target_orders / n̄``, with ``n̄`` the mean resting
  orders (within ``max_depth`` ticks of their side's best) at event times in a replay of
  the day by the reference book; ``p_partial``: type 2 among cancellations;
  ``p_cancel_best``: the share of cancellations at the touch beyond the share of resting
  orders there; ``p_cancel_recent``: the share of cancellations of one of the last
  ``recent_window`` limit orders placed beyond the share ``recent_window / n̄`` a uniform
  choice would give (at most ``1 - p_cancel_best``);
* **placement**: for limit orders placed when the spread has room inside, the shares
  inside the spread (``p_inside``; by one tick: ``p_one_tick``, net of the uniform choice
  that also lands on one tick) and at the best
  (``p_at_best``); deeper distances ``d >= 1`` give ``p_depth = 1 / mean(d)`` (geometric);
  ``p_fleeting``: the share of improving orders deleted within ``FLEETING_MESSAGES``
  messages beyond the same share of orders placed at the best, ``(f_in - f_best) / (1 - f_best)``;
* **sizes**: multiples of 100 among limit-order sizes (``p_round_lot``), their mean lot
  count (``p_more_lots = 1 - 1 / mean``), the median and log-sd of odd lots; the mean
  market order over the mean limit order (``market_size_scale``);
* **times**: the intraday U (``intraday_u``) from a least-squares fit of message counts
  per 30-minute bin to ``c (1 + a x^2)``; the burst share and burst mean gap
  (``p_burst``, ``burst_mean_s``) from a two-component exponential mixture (EM) of the
  positive gaps in business time (clock gaps times the fitted intensity).

``recent_window``, ``max_improve`` and ``max_depth`` keep their defaults.

:func:`stylized_facts` collects, for a day, the samples of each stylized fact (spread,
inter-arrival times, order sizes, depth by level, order-book imbalance, time to cancel,
mid-price returns at several horizons); :func:`compare` gives the distance between two
sets of days per fact (the 1-Wasserstein distance between the samples via
:func:`scipy.stats.wasserstein_distance`, or an absolute difference for the scalar facts:
the depth profile's L1 distance, return volatility and autocorrelation per horizon), as
LOB-Bench compares generative order-book models.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd

from hftlab.errors import InputError
from hftlab.lob import lobster
from hftlab.lob import messages as M
from hftlab.lob.synthetic import SESSION_END_S, SESSION_START_S, SynthParams

HORIZONS_S = (1.0, 10.0, 60.0)  # mid-price return horizons of the report


# --------------------------------------------------------------------------- events


def _events(m: np.ndarray) -> np.ndarray:
    """Event kind of each message row: 0 limit, 1 cancel, 2 market (first execution of a sweep),
    3 marketable limit's resting part (type 1 right after a sweep, same time, aggressor side),
    4 hidden, -1 a later execution of the same sweep or another type."""
    typ, side = m[:, M.TYPE], m[:, M.SIDE]
    t = m[:, M.TIME_S].astype(np.int64) * 1_000_000_000 + m[:, M.TIME_NS]
    kind = np.full(len(m), -1, np.int64)
    kind[typ == M.LIMIT] = 0
    kind[(typ == M.CANCEL) | (typ == M.DELETE)] = 1
    kind[typ == M.HIDDEN] = 4
    ex = typ == M.EXECUTE
    prev_same = np.zeros(len(m), bool)
    prev_same[1:] = ex[:-1] & (t[1:] == t[:-1]) & (side[1:] == side[:-1])
    kind[ex & ~prev_same] = 2
    after_sweep = np.zeros(len(m), bool)
    after_sweep[1:] = ex[:-1] & (t[1:] == t[:-1]) & (side[1:] == -side[:-1])
    kind[(typ == M.LIMIT) & after_sweep] = 3
    return kind


def _replay_counts(m: np.ndarray, seed_row: np.ndarray, tick: int, max_depth: int):
    """Per message, before it: resting orders within ``max_depth`` ticks of their side's best
    (both sides), and the share of the message side's orders at its best (NaN for an empty side)."""
    from hftlab.lob.reference import ReferenceBook

    book = ReferenceBook.from_l2(seed_row)
    n = len(m)
    count = np.zeros(n, np.float64)
    at_best = np.full(n, np.nan)
    rows = m.tolist()
    for i, r in enumerate(rows):
        tot = 0
        for k, s in enumerate(book.sides):
            best = s.best_price()
            if best is None:
                continue
            lim = max_depth * tick
            for p, q in s.levels.items():
                if abs(p - best) <= lim:
                    tot += len(q)
            if (k == 0) == (r[M.SIDE] > 0) and s.count:
                at_best[i] = len(s.levels[best]) / s.count
        count[i] = tot
        book.apply(r)
    return count, at_best


FLEETING_MESSAGES = 10  # an order deleted within this many messages of its placement counts as quickly cancelled


def _deleted_within(m: np.ndarray, k: int) -> np.ndarray:
    """Per message row: True for a limit order (type 1) deleted in full (type 3) within ``k`` messages."""
    typ, oid = m[:, M.TYPE], m[:, M.OID].astype(np.int64)
    lim = np.flatnonzero(typ == M.LIMIT)
    dele = np.flatnonzero(typ == M.DELETE)
    out = np.zeros(len(m), bool)
    if not lim.size or not dele.size:
        return out
    order = np.argsort(oid[lim], kind="stable")
    ids = oid[lim][order]
    pos = np.searchsorted(ids, oid[dele])
    found = (pos < ids.size) & (ids[np.minimum(pos, ids.size - 1)] == oid[dele])
    placed = lim[order][np.minimum(pos, ids.size - 1)]
    ok = found & (dele > placed) & (dele - placed <= k)
    out[placed[ok]] = True
    return out


def _cancel_ranks(m: np.ndarray) -> np.ndarray:
    """Per cancellation (type 2 or 3) of an order placed in the file: how many limit orders were placed
    after it and before the cancellation (0: the latest one)."""
    typ, oid = m[:, M.TYPE], m[:, M.OID].astype(np.int64)
    lim = np.flatnonzero(typ == M.LIMIT)
    canc = np.flatnonzero((typ == M.DELETE) | (typ == M.CANCEL))
    if not lim.size or not canc.size:
        return np.zeros(0, np.int64)
    order = np.argsort(oid[lim], kind="stable")
    ids = oid[lim][order]
    pos = np.searchsorted(ids, oid[canc])
    found = (pos < ids.size) & (ids[np.minimum(pos, ids.size - 1)] == oid[canc])
    k_placed = order[np.minimum(pos, ids.size - 1)]  # the order's position among the limit orders
    k_now = np.searchsorted(lim, canc)  # limit orders placed before the cancellation
    ok = found & (lim[k_placed] < canc)
    return (k_now - k_placed - 1)[ok]


def _em_two_exponentials(x: np.ndarray, iters: int = 200) -> tuple[float, float, float]:
    """``(weight, mean)`` of the short component and the long mean of a 2-exponential mixture."""
    x = np.asarray(x, np.float64)
    w, m1, m2 = 0.5, float(np.quantile(x, 0.25)), float(np.quantile(x, 0.9))
    for _ in range(iters):
        a = w / m1 * np.exp(-x / m1)
        b = (1 - w) / m2 * np.exp(-x / m2)
        r = a / np.maximum(a + b, 1e-300)
        w = float(r.mean())
        m1 = float((r * x).sum() / max(r.sum(), 1e-12))
        m2 = float(((1 - r) * x).sum() / max((1 - r).sum(), 1e-12))
    if m1 > m2:
        w, m1, m2 = 1 - w, m2, m1
    return w, m1, m2


def _intensity(t_s: np.ndarray) -> tuple[float, np.ndarray]:
    """Fitted ``a`` of ``lambda(t) ~ 1 + a x^2`` (x in [-1, 1] over the session) and lambda at each time."""
    span = SESSION_END_S - SESSION_START_S
    x = np.clip((t_s - SESSION_START_S) / span * 2 - 1, -1, 1)
    edges = np.linspace(-1, 1, 14)
    counts, _ = np.histogram(x, bins=edges)
    centres = (edges[:-1] + edges[1:]) / 2
    A = np.stack([np.ones_like(centres), centres**2], 1)
    (c, ca), *_ = np.linalg.lstsq(A, counts.astype(np.float64), rcond=None)
    a = float(max(ca / c, 0.0)) if c > 0 else 0.0
    lam = 1.0 + a * x**2
    lam = lam / np.mean(1.0 + a * np.linspace(-1, 1, 2001) ** 2)
    return a, lam


# --------------------------------------------------------------------------- the fit


def fit(days, base: SynthParams | None = None) -> SynthParams:
    """:class:`SynthParams` fitted to one or several LOBSTER days (pooled); see the module docstring.

    ``base`` supplies the parameters that are not fitted (default :class:`SynthParams`).
    """
    days = [days] if isinstance(days, lobster.LobsterDay) else list(days)
    if not days:
        raise InputError("fit: no days")
    base = base or SynthParams()
    c = {k: [] for k in ("kind", "d", "room", "size", "msize", "cnt", "best_share", "cancel_at_best", "type", "gaps", "lam",
                         "t", "quick_inside", "quick_best", "cancel_rank")}
    for day in days:
        m = lobster.to_messages(day)
        if len(m) < 100:
            raise InputError(f"fit: {day.name} has {len(m)} messages; a fit needs at least 100")
        tick = max(int(np.gcd.reduce(m[(m[:, M.TYPE] == M.LIMIT) & (m[:, M.PRICE] > 0), M.PRICE].astype(np.int64))), 1)
        kind = _events(m)
        ob = day.orderbook
        before = np.concatenate([ob[:1] * 0, ob[:-1]])  # the book before each message (row -1: empty)
        before[0] = ob[0] if day.meta.get("initial_book") != "empty" else 0
        ask, asz, bid, bsz = before[:, 0], before[:, 1], before[:, 2], before[:, 3]
        side, price = m[:, M.SIDE].astype(np.int64), m[:, M.PRICE].astype(np.int64)
        own = np.where(side > 0, bid, ask)
        opp = np.where(side > 0, ask, bid)
        own_ok = np.where(side > 0, bsz, asz) > 0
        opp_ok = np.where(side > 0, asz, bsz) > 0
        lim = (kind == 0) & own_ok & opp_ok
        d = np.where(side > 0, own - price, price - own) // tick  # ticks behind the own best (negative: inside)
        room = np.abs(opp - own) // tick - 1
        c["d"].append(d[lim])
        c["room"].append(room[lim])
        c["cancel_rank"].append(_cancel_ranks(m))
        quick = _deleted_within(m, FLEETING_MESSAGES)
        c["quick_inside"].append(quick[lim & (d < 0) & (room > 0)])
        c["quick_best"].append(quick[lim & (d == 0) & (room > 0)])
        c["size"].append(m[kind == 0, M.SIZE])
        # market order sizes: the executions of each sweep summed
        sweep_id = np.cumsum(kind == 2)
        ex = m[:, M.TYPE] == M.EXECUTE
        sizes = np.bincount(sweep_id[ex], weights=m[ex, M.SIZE])
        c["msize"].append(sizes[sizes > 0])
        c["kind"].append(kind)
        c["type"].append(m[:, M.TYPE])
        cnt, share = _replay_counts(m, ob[0] if day.meta.get("initial_book") != "empty" else np.zeros_like(ob[0]),
                                    tick, base.max_depth)
        ev = kind >= 0
        c["cnt"].append(cnt[ev])
        canc = kind == 1
        c["best_share"].append(share[canc])
        c["cancel_at_best"].append((price == own)[canc] & own_ok[canc])
        t = m[:, M.TIME_S] + m[:, M.TIME_NS] * 1e-9
        c["t"].append(t)
    kind = np.concatenate(c["kind"])
    counts = np.bincount(kind[kind >= 0], minlength=5).astype(np.float64)
    n_lim = max(counts[0], 1.0)
    w_limit = base.w_limit
    n_bar = float(np.mean(np.concatenate(c["cnt"])))
    typ = np.concatenate(c["type"])
    n_partial, n_delete = float((typ == M.CANCEL).sum()), float((typ == M.DELETE).sum())
    # placement (orders placed when the spread has room inside)
    d, room = np.concatenate(c["d"]), np.concatenate(c["room"])
    has_room = room > 0
    inside = d[has_room] < 0
    p_inside = float(inside.mean()) if has_room.any() else base.p_inside
    p_at_best = float((d[has_room] == 0).mean()) if has_room.any() else base.p_at_best
    if inside.any():  # P(-1 | inside) = p_one_tick + (1 - p_one_tick) / k, k ~ ticks an improving order may take
        k = np.maximum((room[has_room][inside] * base.max_improve).astype(np.int64), 1)
        q1 = float(np.mean(1.0 / k))
        f1 = float((d[has_room][inside] == -1).mean())
        p_one_tick = float(np.clip((f1 - q1) / max(1.0 - q1, 1e-9), 0.0, 1.0))
    else:
        p_one_tick = base.p_one_tick
    # fleeting improving orders: deleted within a few messages more often than orders joining the best
    qi, qb = np.concatenate(c["quick_inside"]), np.concatenate(c["quick_best"])
    if qi.size and qb.size:
        base_rate = float(qb.mean())
        p_fleeting = float(np.clip((qi.mean() - base_rate) / max(1.0 - base_rate, 1e-9), 0.0, 1.0))
    else:
        p_fleeting = base.p_fleeting
    deep = d[d >= 1]
    p_depth = float(1.0 / deep.mean()) if deep.size else base.p_depth
    # sizes
    size = np.concatenate(c["size"]).astype(np.float64)
    round_lot = (size % 100 == 0) & (size > 0)
    lots = size[round_lot] / 100
    odd = size[~round_lot & (size < 100) & (size > 0)]
    msize = np.concatenate(c["msize"])
    # cancellations at the touch beyond the share of resting orders there
    share = np.concatenate(c["best_share"])
    at_best = np.concatenate(c["cancel_at_best"])
    ok = np.isfinite(share)
    q = float(share[ok].mean()) if ok.any() else 0.0
    p_cancel_best = float(np.clip((at_best[ok].mean() - q) / max(1 - q, 1e-9), 0.0, 1.0)) if ok.any() else base.p_cancel_best
    # cancellations of recent orders: the share hitting one of the last recent_window limit orders placed,
    # beyond the share a uniform choice among the n̄ resting orders would give
    rank = np.concatenate(c["cancel_rank"])
    if rank.size:
        chance = min(base.recent_window / max(n_bar, 1.0), 1.0)
        f_recent = float((rank < base.recent_window).mean())
        p_cancel_recent = float(np.clip((f_recent - chance) / max(1.0 - chance, 1e-9), 0.0, 1.0 - p_cancel_best))
    else:
        p_cancel_recent = base.p_cancel_recent
    # times
    t = np.concatenate(c["t"])
    a, lam = _intensity(t)
    gaps = []
    start = 0
    for tt in c["t"]:
        n = len(tt)
        g = np.diff(tt) * lam[start + 1:start + n]
        gaps.append(g[g > 0])
        start += n
    gaps = np.concatenate(gaps)
    p_burst, burst_mean, _ = _em_two_exponentials(gaps) if gaps.size > 10 else (base.p_burst, base.burst_mean_s, 0.0)
    return replace(
        base,
        w_limit=w_limit,
        w_cancel=float(w_limit * counts[1] / n_lim * base.target_orders / max(n_bar, 1.0)),
        w_market=float(w_limit * (counts[2] - counts[3]) / n_lim),
        w_marketable_limit=float(w_limit * counts[3] / n_lim),
        w_hidden=float(w_limit * counts[4] / n_lim),
        p_partial=n_partial / max(n_partial + n_delete, 1.0),
        p_cancel_best=p_cancel_best, p_cancel_recent=p_cancel_recent,
        p_inside=p_inside, p_one_tick=p_one_tick, p_at_best=p_at_best, p_depth=p_depth, p_fleeting=p_fleeting,
        p_round_lot=float(round_lot.mean()),
        p_more_lots=float(1.0 - 1.0 / lots.mean()) if lots.size else base.p_more_lots,
        odd_lot_median=float(np.median(odd)) if odd.size else base.odd_lot_median,
        odd_lot_sigma=float(np.std(np.log(odd))) if odd.size > 1 else base.odd_lot_sigma,
        market_size_scale=float(msize.mean() / size.mean()) if msize.size and size.size else base.market_size_scale,
        p_burst=float(p_burst), burst_mean_s=float(burst_mean), intraday_u=float(a),
    )


def generation_args(day: lobster.LobsterDay) -> dict:
    """Arguments of :func:`hftlab.lob.synthetic.generate_day` that mimic ``day``: its size, levels,
    tick, first mid price (on the tick grid), ticker and date."""
    m = lobster.to_messages(day)
    prices = m[(m[:, M.TYPE] == M.LIMIT) & (m[:, M.PRICE] > 0), M.PRICE].astype(np.int64)
    tick = max(int(np.gcd.reduce(prices)), 1) if prices.size else 100
    ob = day.orderbook
    quoted = np.flatnonzero((ob[:, 1] > 0) & (ob[:, 3] > 0))
    mid = (ob[quoted[0], 0] + ob[quoted[0], 2]) // 2 if quoted.size else int(np.median(prices))
    return {"n_messages": len(day), "levels": day.levels, "tick": tick, "start_price": int(mid // tick * tick),
            "ticker": day.ticker or "SYNTH", "date": day.date or "2012-06-21"}


def param_table(*named: tuple[str, SynthParams]) -> pd.DataFrame:
    """The parameters side by side: one row per field, one column per ``(name, params)``."""
    return pd.DataFrame({name: [getattr(p, f.name) for f in fields(SynthParams)] for name, p in named},
                        index=[f.name for f in fields(SynthParams)])


# --------------------------------------------------------------------------- stylized facts


def _mid_series(day: lobster.LobsterDay):
    ob = day.orderbook
    ok = (ob[:, 1] > 0) & (ob[:, 3] > 0)
    t = day.time_s[ok] + day.time_ns[ok] * 1e-9
    return t, (ob[ok, 0] + ob[ok, 2]) / 2.0


def _returns(day: lobster.LobsterDay, h: float) -> np.ndarray:
    t, mid = _mid_series(day)
    if t.size < 2:
        return np.zeros(0)
    grid = np.arange(t[0], t[-1], h)
    idx = np.searchsorted(t, grid, side="right") - 1
    p = mid[np.clip(idx, 0, None)]
    return 1e4 * np.diff(np.log(p))


def stylized_facts(day: lobster.LobsterDay) -> dict:
    """Samples of each fact of ``day``: ``{fact: 1-d array}`` (distributions) and scalars
    (``depth_profile``: mean depth per level, both sides, normalised to sum 1)."""
    m = lobster.to_messages(day)
    ob = day.orderbook
    quoted = (ob[:, 1] > 0) & (ob[:, 3] > 0)
    prices = m[(m[:, M.TYPE] == M.LIMIT) & (m[:, M.PRICE] > 0), M.PRICE].astype(np.int64)
    tick = max(int(np.gcd.reduce(prices)), 1) if prices.size else 100
    t = m[:, M.TIME_S] + m[:, M.TIME_NS] * 1e-9
    dt = np.diff(t)
    L = day.levels
    sizes = ob[:, 1::2].reshape(len(ob), L, 2).sum(-1).astype(np.float64)  # ask + bid size per level
    prof = sizes.mean(0)
    b1, a1 = ob[quoted, 3].astype(np.float64), ob[quoted, 1].astype(np.float64)
    # time to cancel: deletions (type 3) of orders placed in the file
    placed = {}
    lim = np.flatnonzero(m[:, M.TYPE] == M.LIMIT)
    for i in lim.tolist():
        placed[int(m[i, M.OID])] = t[i]
    dele = np.flatnonzero(m[:, M.TYPE] == M.DELETE)
    ttc = np.array([t[i] - placed[o] for i, o in zip(dele.tolist(), m[dele, M.OID].tolist()) if o in placed])
    facts = {
        "spread_ticks": (ob[quoted, 0] - ob[quoted, 2]) / tick,
        "log10_inter_arrival_s": np.log10(dt[dt > 0]),
        "log10_order_size": np.log10(np.maximum(m[m[:, M.TYPE] == M.LIMIT, M.SIZE], 1)),
        "depth_profile": prof / max(prof.sum(), 1e-12),
        "log10_depth_level1": np.log10(np.maximum(sizes[quoted, 0], 1)),
        "imbalance_level1": (b1 - a1) / np.maximum(b1 + a1, 1),
        "log10_time_to_cancel_s": np.log10(np.maximum(ttc[ttc >= 0], 1e-9)),
    }
    for h in HORIZONS_S:
        facts[f"return_bps_{h:g}s"] = _returns(day, h)
    return facts


def _pool(fact_list: list[dict], key: str) -> np.ndarray:
    return np.concatenate([f[key] for f in fact_list]) if fact_list else np.zeros(0)


def _acf1(x: np.ndarray) -> float:
    x = x - x.mean()
    den = float((x * x).sum())
    return float((x[1:] * x[:-1]).sum() / den) if den > 0 and x.size > 2 else 0.0


def fact_values(fact_list: list[dict]) -> dict:
    """One headline number per fact (pooled over days): means, and per horizon the return sd and lag-1 autocorrelation."""
    out = {}
    for k in fact_list[0]:
        if k == "depth_profile":
            out["depth_level1_share"] = float(np.mean([f[k][0] for f in fact_list]))
        elif k.startswith("return_bps_"):
            r = _pool(fact_list, k)
            h = k[len("return_bps_"):]
            out[f"volatility_bps_{h}"] = float(r.std()) if r.size else float("nan")
            out[f"autocorr1_{h}"] = float(np.mean([_acf1(f[k]) for f in fact_list]))
        else:
            out[k] = float(_pool(fact_list, k).mean())
    return out


def compare(real: list[dict], generated: list[dict]) -> pd.DataFrame:
    """Distance per fact between two sets of days' facts (:func:`stylized_facts`), pooled over days.

    Rows: ``fact``, ``metric`` (``wasserstein``, ``L1`` or ``abs diff``), ``distance``.
    """
    from scipy.stats import wasserstein_distance

    rows = []
    for k in real[0]:
        if k == "depth_profile":
            a = np.mean([f[k] for f in real], 0)
            b = np.mean([f[k] for f in generated], 0)
            rows.append(("depth_profile", "L1", float(np.abs(a - b).sum())))
            continue
        x, y = _pool(real, k), _pool(generated, k)
        rows.append((k, "wasserstein", float(wasserstein_distance(x, y)) if x.size and y.size else float("nan")))
        if k.startswith("return_bps_"):
            h = k[len("return_bps_"):]
            rows.append((f"volatility_bps_{h}", "abs diff", abs(float(x.std()) - float(y.std()))))
            rows.append((f"autocorr1_{h}", "abs diff", abs(np.mean([_acf1(f[k]) for f in real])
                                                            - np.mean([_acf1(f[k]) for f in generated]))))
    return pd.DataFrame(rows, columns=["fact", "metric", "distance"])


def fidelity_report(real_days, fitted_days, default_days) -> pd.DataFrame:
    """Per fact: the real value, the fitted and default generators' values and distances to the real days,
    and whether the fit is closer. Values are means (``depth_profile``: the share of depth at level 1;
    returns: their standard deviation)."""
    rf = [stylized_facts(d) for d in real_days]
    ff = [stylized_facts(d) for d in fitted_days]
    df = [stylized_facts(d) for d in default_days]
    fit_d = compare(rf, ff).rename(columns={"distance": "fitted"})
    def_d = compare(rf, df).rename(columns={"distance": "default"})
    out = fit_d.merge(def_d, on=["fact", "metric"])
    vals = {"real": fact_values(rf), "fitted_value": fact_values(ff), "default_value": fact_values(df)}
    for col, v in vals.items():
        alias = {"depth_profile": "depth_level1_share", **{f"return_bps_{h:g}s": f"volatility_bps_{h:g}s" for h in HORIZONS_S}}
        out[col] = [v.get(f, v.get(alias.get(f, ""), np.nan)) for f in out.fact]
    out["closer"] = np.where(out.fitted < out.default, "fitted", np.where(out.fitted > out.default, "default", "tie"))
    return out[["fact", "metric", "real", "fitted_value", "default_value", "fitted", "default", "closer"]]


def fit_and_generate(real: lobster.LobsterDay, n_days: int, out_dir, seed: int = 0, log=print) -> dict:
    """Fit the generator to ``real``, write ``n_days`` generated LOBSTER days to ``out_dir`` (dated the
    days after ``real``), and compare them, and as many days of the unfitted default generator, with
    ``real`` fact by fact (:func:`fidelity_report`).

    Returns ``{"params": param_table, "report": fidelity table, "paths": [message CSVs], "fitted": SynthParams}``;
    ``out_dir`` also gets ``params.csv`` and ``fidelity.csv``.
    """
    import datetime as dt
    from pathlib import Path

    from hftlab.lob import synthetic

    if n_days < 1:
        raise InputError(f"--days must be at least 1 (got {n_days})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fitted = fit(real)
    args = generation_args(real)
    try:
        d0 = dt.date.fromisoformat(args["date"])
    except ValueError:
        d0 = dt.date(2012, 6, 21)
    gen, default, paths = [], [], []
    for k in range(n_days):
        a = {**args, "date": (d0 + dt.timedelta(days=k + 1)).isoformat()}
        day = synthetic.generate_day(seed=seed + k, params=fitted, **a)
        paths.append(synthetic.save_day(day, out)[0])
        gen.append(day)
        default.append(synthetic.generate_day(seed=seed + k, params=synthetic.SynthParams(), **a))
        log(f"generated {paths[-1].name} ({len(day):,} messages)")
    report = fidelity_report([real], gen, default)
    params = param_table(("fitted", fitted), ("default", synthetic.SynthParams()))
    params.to_csv(out / "params.csv")
    report.to_csv(out / "fidelity.csv", index=False)
    return {"params": params, "report": report, "paths": paths, "fitted": fitted}


__all__ = ["HORIZONS_S", "fit_and_generate", "compare", "fact_values", "fidelity_report", "fit", "generation_args", "param_table",
           "stylized_facts"]
