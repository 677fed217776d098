"""The project's own synthetic order flow, written as LOBSTER files.

A zero-intelligence / queue-reactive style generator, calibrated roughly to the real
NASDAQ sample days (AMZN, GOOG, 2012-06-21; see ``hftlab.lob.stats``):

* **limit orders** (type 1) on a random side, placed at a distance ``d`` ticks from the
  same-side best price: inside the spread (``d < 0``) with probability ``p_inside``
  when the spread allows it (by one tick with probability ``p_one_tick``, else by a
  uniform 1..``max_improve`` x the ticks inside the spread), at the best (``d = 0``) with
  probability ``p_at_best``, deeper otherwise with ``d ~ Geometric(p_depth)`` (capped at
  ``max_depth``);
* **cancellations**: full deletions (type 3) and, with probability ``p_partial``, partial
  cancellations (type 2) of a resting order chosen at the touch (probability
  ``p_cancel_best``: orders at the best are cancelled more often), among the most recent
  ones (``p_cancel_recent``), else uniformly; an order improving the best is *fleeting* with
  probability ``p_fleeting``: the next cancellation deletes it (the latest fleeting order
  first), as most orders placed inside a wide spread live tens of milliseconds. The cancellation intensity
  is queue-reactive: proportional to the number of resting orders over ``target_orders``,
  so the book hovers around that size;
* **marketable orders**, as LOBSTER shows them: a market order of size ``q`` becomes one
  type-4 execution per resting order it fills, FIFO at the touch and through the levels;
  a marketable limit order also rests its remainder (a type 1 at its limit price);
* **hidden executions** (type 5) at the touch, book unchanged;
* **sizes**: a mixture of round lots ``100 k`` (``k - 1 ~ Geometric``) and odd lots
  ``~ LogNormal`` (clipped to 1..99), as about half the real orders are multiples of 100;
* **times**: exponential inter-arrival times from a two-component mixture (bursts of
  about a millisecond, pauses of about a second) in business time, mapped to clock time
  through a U-shaped intraday intensity ``lambda(t) ~ 1 + a ((t - t_mid)/h)^2``; the day
  fills the session 9:30-16:00 (``34200..57600`` s).

The book starts **empty** and every event is in the message file (including events
deeper than the L reported levels, unlike LOBSTER, which filters them), so replaying
all messages from an empty book, or from orderbook row 0 (whose single order the unknown-id
rule then stands in for), reproduces every orderbook row exactly. A plain-Python
:class:`hftlab.lob.reference.ReferenceBook` runs inside the generator; its top-L view is
written after every message. Deterministic given the seed.

Regenerate the bundled sample: ``python -m hftlab.lob.synthetic --out data_samples``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hftlab.errors import InputError
from hftlab.lob import messages as M
from hftlab.lob.lobster import LobsterDay, l2_to_orderbook, write_day
from hftlab.lob.reference import ReferenceBook

SESSION_START_S = 34200  # 9:30
SESSION_END_S = 57600  # 16:00


@dataclass(frozen=True)
class SynthParams:
    """Order-flow parameters (probabilities per event, sizes, placement, timing)."""

    # event mix (relative weights; cancellations scale with book size / target_orders)
    w_limit: float = 0.50
    w_cancel: float = 0.43
    w_market: float = 0.035
    w_marketable_limit: float = 0.006
    w_hidden: float = 0.022
    target_orders: int = 45  # both sides together
    p_partial: float = 0.02  # share of cancellations that are partial (type 2)
    p_cancel_best: float = 0.35  # share of cancellations that hit an order at the touch
    p_cancel_recent: float = 0.2  # share of cancellations that hit a recently placed order
    recent_window: int = 8
    # placement relative to the same-side best, in ticks
    p_inside: float = 0.22
    p_one_tick: float = 0.5  # an improving order improves by one tick, else uniformly by up to
    max_improve: float = 0.5  # this share of the ticks inside the spread
    p_at_best: float = 0.18
    p_fleeting: float = 0.0  # share of improving orders that are fleeting: cancelled by the next cancellation
    p_depth: float = 0.08
    max_depth: int = 40
    # sizes
    p_round_lot: float = 0.5
    p_more_lots: float = 0.35  # P(k > 1) per extra round lot
    odd_lot_median: float = 12.0
    odd_lot_sigma: float = 0.9
    market_size_scale: float = 1.0
    # times: business-time gaps, a mixture of bursts and pauses, then a U-shaped clock
    p_burst: float = 0.55
    burst_mean_s: float = 0.0005
    intraday_u: float = 1.5  # intensity at the open/close relative to midday, minus one


def _size(rng: np.random.Generator, p: SynthParams) -> int:
    if rng.random() < p.p_round_lot:
        return 100 * int(rng.geometric(1.0 - p.p_more_lots))
    return int(np.clip(round(rng.lognormal(np.log(p.odd_lot_median), p.odd_lot_sigma)), 1, 99))


def _clock_times(rng: np.random.Generator, n: int, p: SynthParams) -> np.ndarray:
    """int64 nanoseconds after midnight for n messages, nondecreasing, inside the session."""
    span = (SESSION_END_S - SESSION_START_S) * 1.0
    burst = rng.random(n) < p.p_burst
    pause_mean = max((span / max(n, 1) - p.p_burst * p.burst_mean_s) / (1.0 - p.p_burst), 1e-6)
    gaps = rng.exponential(np.where(burst, p.burst_mean_s, pause_mean))
    gaps[0] = rng.exponential(0.05)
    u = np.cumsum(gaps)
    u = u / (u[-1] * (1.0 + 1e-6)) * span  # business time in [0, span)
    # clock time through the cumulative U-shaped intensity Lambda(t) (normalised to span)
    grid = np.linspace(0.0, span, 2001)
    x = (grid - span / 2) / (span / 2)
    lam = 1.0 + p.intraday_u * x**2
    cum = np.concatenate([[0.0], np.cumsum((lam[1:] + lam[:-1]) / 2 * np.diff(grid))])
    cum *= span / cum[-1]
    clock = np.interp(u, cum, grid)
    ns = SESSION_START_S * 10**9 + np.floor(clock * 1e9).astype(np.int64)
    return np.maximum.accumulate(ns)


class _Flow:
    """The generator's state: the book, id counter, and the message / orderbook records."""

    def __init__(self, rng: np.random.Generator, params: SynthParams, tick: int, start_price: int, levels: int):
        self.rng, self.p, self.tick, self.levels = rng, params, tick, levels
        self.book = ReferenceBook()
        self.ref_price = start_price
        self.next_oid = int(rng.integers(10_000_000, 11_000_000))
        self.rows: list[list[int]] = []
        self.recent: list[tuple[int, int]] = []  # (oid, side) of recent limit orders
        self.fleeting: list[tuple[int, int]] = []  # (oid, side) of fleeting improving orders not cancelled yet
        self.l2: list[np.ndarray] = []

    def _emit(self, row: list[int]) -> None:
        trades = self.book.apply(row)
        assert not (row[M.TYPE] == M.LIMIT and trades), "a synthetic type-1 message must not cross"
        self.rows.append(row)
        self.l2.append(self.book.l2(self.levels))

    def _oid(self) -> int:
        self.next_oid += int(self.rng.integers(1, 40))
        return self.next_oid

    def _mid(self) -> int:
        bid, ask = self.book.best()
        if bid is not None and ask is not None:
            self.ref_price = (bid + ask) // 2 // self.tick * self.tick
        elif bid is not None:
            self.ref_price = bid + self.tick
        elif ask is not None:
            self.ref_price = ask - self.tick
        return self.ref_price

    # ---------------------------------------------------------------- events

    def limit(self, ts: int, tns: int) -> bool:
        rng, p, tick = self.rng, self.p, self.tick
        side = M.BUY if rng.random() < 0.5 else M.SELL
        bid, ask = self.book.best()
        own_best = bid if side == M.BUY else ask
        opp_best = ask if side == M.BUY else bid
        if own_best is None:
            half = int(rng.integers(1, 8))
            own_best = self._mid() - side * half * tick
        if opp_best is not None:
            room = abs(opp_best - own_best) // tick - 1  # ticks strictly inside the spread
        else:
            room = 0
        u = rng.random()
        if room > 0 and u < p.p_inside:  # improve the best: by one tick, or anywhere inside the spread
            d = -1 if rng.random() < p.p_one_tick else -int(rng.integers(1, max(int(room * p.max_improve), 1) + 1))
        elif u < p.p_inside + p.p_at_best:
            d = 0
        else:
            d = min(int(rng.geometric(p.p_depth)), p.max_depth)
        price = own_best - side * d * tick
        if opp_best is not None and (price >= opp_best if side == M.BUY else price <= opp_best):
            price = opp_best - side * tick
        if price <= 0:
            return False
        oid = self._oid()
        self._emit([M.LIMIT, side, int(price), _size(rng, p), oid, 0, ts, tns])
        self.recent.append((oid, side))
        if d < 0 and p.p_fleeting > 0 and rng.random() < p.p_fleeting:
            self.fleeting.append((oid, side))
        return True

    def _resting(self, item: tuple[int, int]) -> bool:
        oid, side = item
        return self.book.sides[0 if side == M.BUY else 1].find(oid) is not None

    def cancel(self, ts: int, tns: int) -> bool:
        rng = self.rng
        nb, na = self.book.count(M.BUY), self.book.count(M.SELL)
        if nb + na == 0:
            return False
        pick = None
        self.fleeting = [o for o in self.fleeting if self._resting(o)]
        if self.fleeting:  # a fleeting improving order goes first (the latest)
            oid, side = self.fleeting.pop()
            o = self.book.sides[0 if side == M.BUY else 1].find(oid)
            self._emit([M.DELETE, side, o.price, o.qty, oid, 0, ts, tns])
            return True
        u = rng.random()
        if u < self.p.p_cancel_best:  # queue-reactive: orders at the touch are cancelled more often
            side = M.BUY if rng.random() < 0.5 else M.SELL
            s = self.book.sides[0 if side == M.BUY else 1]
            best = s.best_price()
            if best is not None:
                q = s.levels[best]
                o = q[int(rng.integers(len(q)))]
                pick = (o.price, o.qty, o.oid, side)
        elif u < self.p.p_cancel_best + self.p.p_cancel_recent:  # fleeting orders: one of the latest still resting
            live = [o for o in self.recent if self._resting(o)]
            self.recent = live[-self.p.recent_window:]
            if live:
                oid, side = live[-1 - min(int(rng.geometric(0.5)) - 1, len(live) - 1)]
                o = self.book.sides[0 if side == M.BUY else 1].find(oid)
                pick = (o.price, o.qty, oid, side)
        if pick is None:
            side = M.BUY if rng.random() < nb / (nb + na) else M.SELL
            orders = self.book.orders(side)
            price, qty, oid, _ = orders[int(rng.integers(len(orders)))]
        else:
            price, qty, oid, side = pick
        if qty > 1 and rng.random() < self.p.p_partial:
            cut = int(rng.integers(1, qty))
            self._emit([M.CANCEL, side, price, cut, oid, 0, ts, tns])
        else:
            self._emit([M.DELETE, side, price, qty, oid, 0, ts, tns])
        return True

    def market(self, ts: int, tns: int, limit_ticks: int | None = None) -> bool:
        """A marketable order: type-4 executions FIFO through the opposite side, same timestamp.

        With ``limit_ticks`` it is a marketable limit order ``limit_ticks`` through the
        opposite best: it stops at its limit and rests the remainder (type 1).
        """
        rng = self.rng
        side = M.BUY if rng.random() < 0.5 else M.SELL  # the aggressor's side
        opp = -side
        book_orders = self.book.orders(opp)
        if not book_orders:
            return False
        q = max(1, int(round(_size(rng, self.p) * self.p.market_size_scale)))
        limit = None
        if limit_ticks is not None:
            limit = book_orders[0][0] + side * limit_ticks * self.tick
        for price, qty, oid, _ in book_orders:  # best price first, FIFO within a level
            if q <= 0 or (limit is not None and (price > limit if side == M.BUY else price < limit)):
                break
            f = min(q, qty)
            self._emit([M.EXECUTE, opp, price, f, oid, 0, ts, tns])
            q -= f
        if limit is not None and q > 0:
            self._emit([M.LIMIT, side, int(limit), q, self._oid(), 0, ts, tns])
        return True

    def hidden(self, ts: int, tns: int) -> bool:
        rng = self.rng
        bid, ask = self.book.best()
        if bid is None or ask is None:
            return False
        side = M.BUY if rng.random() < 0.5 else M.SELL  # side of the hidden resting order
        price = bid if side == M.BUY else ask
        if ask - bid > 2 * self.tick and rng.random() < 0.5:  # hidden orders often sit inside the spread
            price = (bid + ask) // 2 // self.tick * self.tick
        self._emit([M.HIDDEN, side, int(price), _size(rng, self.p), 0, 0, ts, tns])
        return True


def generate_day(
    seed: int = 0,
    n_messages: int = 40_000,
    levels: int = 10,
    tick: int = 100,
    start_price: int = 2_000_000,
    params: SynthParams | None = None,
    ticker: str = "SYNTH",
    date: str = "2012-06-21",
) -> LobsterDay:
    """Generate a synthetic LOBSTER day (messages + top-``levels`` orderbook after each one).

    Args:
      seed: the random seed (the day is a deterministic function of all arguments).
      n_messages: rows of the day (exactly).
      levels: L, levels written to the orderbook.
      tick: price tick in LOBSTER units (100 = one cent).
      start_price: initial reference price (dollars x 10 000, a multiple of ``tick``).
      params: :class:`SynthParams` (defaults are calibrated to AMZN / GOOG 2012-06-21).

    Returns:
      a :class:`LobsterDay` (the book starts empty; row 0 is the book after message 0).
    """
    if n_messages < 1:
        raise InputError(f"n_messages must be at least 1, got {n_messages}")
    if levels < 1:
        raise InputError(f"levels must be at least 1, got {levels}")
    if tick < 1 or start_price <= 0 or start_price % tick:
        raise InputError(f"start_price {start_price} must be a positive multiple of tick {tick}")
    p = params or SynthParams()
    rng = np.random.default_rng(seed)
    times = _clock_times(rng, n_messages, p)
    flow = _Flow(rng, p, tick, start_price, levels)
    kinds = ("limit", "cancel", "market", "mlimit", "hidden")
    while len(flow.rows) < n_messages:
        t = int(times[min(len(flow.rows), n_messages - 1)])
        ts, tns = t // 10**9, t % 10**9
        n_orders = flow.book.count(M.BUY) + flow.book.count(M.SELL)
        w = np.array([p.w_limit, p.w_cancel * n_orders / p.target_orders, p.w_market, p.w_marketable_limit, p.w_hidden])
        kind = kinds[int(rng.choice(5, p=w / w.sum()))]
        if kind == "limit":
            flow.limit(ts, tns)
        elif kind == "cancel":
            flow.cancel(ts, tns)
        elif kind == "market":
            flow.market(ts, tns)
        elif kind == "mlimit":
            flow.market(ts, tns, limit_ticks=int(rng.integers(0, 3)))
        else:
            flow.hidden(ts, tns)
    rows = np.array(flow.rows[:n_messages], np.int64)
    # a sweep shares its timestamp; later messages keep the drawn clock (never earlier)
    t_all = rows[:, M.TIME_S] * 10**9 + rows[:, M.TIME_NS]
    t_all = np.maximum.accumulate(t_all)
    rows[:, M.TIME_S], rows[:, M.TIME_NS] = t_all // 10**9, t_all % 10**9
    l2 = np.stack(flow.l2[:n_messages])
    ob = l2_to_orderbook(l2)
    msgs = np.empty((n_messages, 6), np.float64)
    msgs[:, 0] = rows[:, M.TIME_S] + rows[:, M.TIME_NS] * 1e-9
    msgs[:, 1] = rows[:, M.TYPE]
    msgs[:, 2] = rows[:, M.OID]
    msgs[:, 3] = rows[:, M.SIZE]
    msgs[:, 4] = rows[:, M.PRICE]
    msgs[:, 5] = rows[:, M.SIDE]
    return LobsterDay(
        messages=msgs,
        orderbook=ob,
        levels=levels,
        time_s=rows[:, M.TIME_S].copy(),
        time_ns=rows[:, M.TIME_NS].copy(),
        ticker=ticker,
        date=date,
        start_ms=SESSION_START_S * 1000,
        end_ms=SESSION_END_S * 1000,
        message_path="<synthetic>",
        orderbook_path="<synthetic>",
        meta={"seed": seed, "params": p, "tick": tick, "start_price": start_price, "initial_book": "empty"},
    )


def save_day(day: LobsterDay, directory: str | Path) -> tuple[Path, Path]:
    """Write a (synthetic) day as LOBSTER files in ``directory``; returns the two paths."""
    from hftlab.lob.lobster import to_messages

    return write_day(directory, day.ticker or "SYNTH", day.date or "2012-06-21", to_messages(day), day.orderbook,
                     day.levels, day.start_ms or SESSION_START_S * 1000, day.end_ms or SESSION_END_S * 1000)


SAMPLE_SEED = 20120621
SAMPLE_MESSAGES = 28_000


def write_sample(directory: str | Path | None = None) -> tuple[Path, Path]:
    """Regenerate the bundled sample day ``SYNTH_2012-06-21_..._10.csv`` (28 000 messages, 10 levels; < 8 MB)."""
    from hftlab.config import data_samples_dir

    day = generate_day(seed=SAMPLE_SEED, n_messages=SAMPLE_MESSAGES, levels=10)
    return save_day(day, directory if directory is not None else data_samples_dir())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hftlab.lob.synthetic", description="write a synthetic LOBSTER day")
    ap.add_argument("--out", default=None, help="output folder (default: data_samples/ of the checkout)")
    ap.add_argument("--seed", type=int, default=SAMPLE_SEED)
    ap.add_argument("--messages", type=int, default=SAMPLE_MESSAGES)
    ap.add_argument("--levels", type=int, default=10)
    args = ap.parse_args(argv)
    from hftlab.config import data_samples_dir

    day = generate_day(seed=args.seed, n_messages=args.messages, levels=args.levels)
    paths = save_day(day, args.out if args.out is not None else data_samples_dir())
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
