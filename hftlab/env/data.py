"""Market data for the environment: one flat message array plus window starts.

A day (:class:`hftlab.lob.lobster.LobsterDay`) becomes a :class:`MarketData`:

* ``messages``: int32 ``(N, 8)``, every message of the day in the engine layout
  (:mod:`hftlab.lob.messages`), one flat array (no per-window copies);
* ``starts``: int32 ``(W,)``, the first message of each episode window; episode ``w``
  replays ``messages[starts[w] : starts[w] + window_len]``;
* ``seeds``: int32 ``(W, 4L)``, the LOBSTER orderbook row *before* ``starts[w]`` (the
  book the window starts from, see :func:`hftlab.lob.engine.from_l2`);
* ``tick``: the price grid (gcd of the limit-order prices), ``max_oid`` (agent order ids
  are placed above it), and ``peak_orders``: the most resting orders one side reaches in
  any window replayed from its seed with no agents (measured with the reference book), so
  the environment can check its book capacity before anything is compiled.

Episodes sample windows from an index range ``[lo, hi)``; :func:`split_windows` gives the
train range (the first part of the day) and the held-out range (the later part).

Many days (:mod:`hftlab.data`): :func:`market_data_from_days` lays the chosen days of a
:class:`hftlab.data.Dataset` one after another in ``messages`` with the windows of every
day in ``starts`` (no window straddles two days), so the environment samples windows
across days unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hftlab.errors import InputError
from hftlab.lob import messages as M


@dataclass(frozen=True, eq=False)
class MarketData:
    """A day prepared for :class:`hftlab.env.MarketEnv` (numpy arrays; see the module docstring)."""

    messages: np.ndarray
    starts: np.ndarray
    seeds: np.ndarray
    window_len: int
    levels: int
    tick: int
    max_oid: int
    peak_orders: int
    name: str = ""

    @property
    def num_windows(self) -> int:
        return int(self.starts.shape[0])

    @cached_property
    def named_age(self) -> np.ndarray:
        """:func:`named_ages` of ``messages`` (computed on first use)."""
        return named_ages(self.messages)

    def __repr__(self) -> str:
        return (f"MarketData({self.name or 'day'}: {self.messages.shape[0]} messages, {self.num_windows} windows of "
                f"{self.window_len}, {self.levels} levels, tick {self.tick}, peak {self.peak_orders} orders/side)")


NO_CREATION = 2**30  # :func:`named_ages` of a message whose order was not created by an earlier message


def named_ages(messages: np.ndarray) -> np.ndarray:
    """int32 ``(N,)``: for each message that names a resting order (cancel, delete, execution),
    how many messages earlier the limit order with its id was submitted (the latest such
    submission before it); :data:`NO_CREATION` where no earlier message submitted it (the order
    rested before the data began) and for every other message.

    It is relative, so it holds in any run of consecutive messages: the environment compares
    the arrival of an execution's named order with its agents' orders from it
    (:func:`hftlab.env.market.executions_meet_agents`) without searching the book.
    """
    m = np.asarray(messages)
    n = m.shape[0]
    typ, oid = m[:, M.TYPE], m[:, M.OID]
    pos = np.arange(n)
    order = np.lexsort((pos, oid))  # by id, then arrival
    sid = oid[order]
    first = np.maximum.accumulate(np.where(np.r_[True, sid[1:] != sid[:-1]], pos, 0))  # start of each id's run
    made = np.maximum.accumulate(np.where(typ[order] == M.LIMIT, pos, -1))  # latest submission so far
    age = np.where(made >= first, order - order[np.maximum(made, 0)], NO_CREATION)
    out = np.empty(n, np.int64)
    out[order] = age
    names = (typ == M.CANCEL) | (typ == M.DELETE) | (typ == M.EXECUTE)
    return np.where(names & (out > 0), out, NO_CREATION).astype(np.int32)


def _clip_rows(rows: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(rows, np.int64), -(2**31) + 1, 2**31 - 1).astype(np.int32)


def window_peak(messages: np.ndarray, seed_row: np.ndarray) -> int:
    """Most resting orders on one side while ``messages`` replay from ``seed_row`` (reference book)."""
    from hftlab.lob.reference import ReferenceBook

    return int(max(ReferenceBook.from_l2(seed_row).peak_orders(messages)))


def load_market_data(day, window_len: int, stride: int | None = None, measure: bool = True) -> MarketData:
    """Prepare a LOBSTER day (or the engine's ``(N, 8)`` messages + orderbook) for the environment.

    Args:
      day: a :class:`~hftlab.lob.lobster.LobsterDay` (e.g. ``lobster.sample_day()``).
      window_len: messages per episode window (at least ``episode_steps * messages_per_step``
        of the environment that will use it).
      stride: messages between consecutive window starts (default ``window_len // 2``).
      measure: measure ``peak_orders`` per window with the reference book (a few seconds
        on a real day); without it the bound is the seed levels plus the window's limit orders.

    Raises :class:`InputError` if the window does not fit in the day.
    """
    from hftlab.lob import lobster

    if not isinstance(day, lobster.LobsterDay):
        raise InputError(f"load_market_data: day must be a LobsterDay (hftlab.lob.lobster.load), got {type(day).__name__}")
    msgs = lobster.to_messages(day)
    n = msgs.shape[0]
    window_len = int(window_len)
    if window_len < 1:
        raise InputError(f"load_market_data: window_len must be positive, got {window_len}")
    if window_len > n - 1:
        raise InputError(f"load_market_data: window_len {window_len} is longer than the data ({n} messages, "
                         f"{n - 1} after the first orderbook row)")
    stride = max(1, window_len // 2) if stride is None else int(stride)
    if stride < 1:
        raise InputError(f"load_market_data: stride must be positive, got {stride}")
    starts = np.arange(1, n - window_len + 1, stride, dtype=np.int64)
    seeds = _clip_rows(day.orderbook[starts - 1])
    limit_prices = msgs[msgs[:, M.TYPE] == M.LIMIT, M.PRICE].astype(np.int64)
    tick = int(np.gcd.reduce(limit_prices[limit_prices > 0])) if limit_prices.size else 1
    if measure:
        peak = max(window_peak(msgs[s:s + window_len], day.orderbook[s - 1]) for s in starts)
    else:
        is_lim = msgs[:, M.TYPE] == M.LIMIT
        csum = np.concatenate([[0], np.cumsum(is_lim)])
        peak = int(np.max(csum[starts + window_len] - csum[starts])) + day.levels
    return MarketData(
        messages=msgs, starts=starts.astype(np.int32), seeds=seeds, window_len=window_len, levels=day.levels,
        tick=max(tick, 1), max_oid=int(msgs[:, M.OID].max()), peak_orders=int(peak), name=day.name,
    )


def first_window_after(data: MarketData, i: int) -> int:
    """Index of the first window that starts after window ``i`` ends (``data.num_windows`` if none does)."""
    return int(np.searchsorted(data.starts, int(data.starts[i]) + data.window_len))


def split_windows(data: MarketData, train_fraction: float = 0.75) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((lo, hi) train, (lo, hi) held out)``: the first ``train_fraction`` of the windows and the rest.

    Held-out windows start after the last training window ends (no shared messages).
    """
    if not 0.0 < train_fraction < 1.0:
        raise InputError(f"split_windows: train_fraction must be in (0, 1), got {train_fraction}")
    w = data.num_windows
    cut = int(round(w * train_fraction))
    cut = min(max(cut, 1), w - 1) if w >= 2 else w
    if w < 2:
        raise InputError(f"split_windows: {data.name or 'data'} has {w} window(s); a split needs at least 2")
    train = (0, cut)
    test_lo = first_window_after(data, cut - 1)
    if test_lo >= w:
        test_lo = cut  # windows overlap the last training window only when the day is too short
    return train, (test_lo, w)


def market_data_from_days(dataset, window_len: int, stride: int | None = None, part: tuple[float, float] = (0.0, 1.0),
                          measure: bool = True, name: str | None = None) -> MarketData:
    """:class:`MarketData` of the days of ``dataset`` (:class:`hftlab.data.Dataset`), windows of every day.

    ``part`` keeps, in each day, the windows inside that share of its messages (a split by
    time within the day; split by date with :meth:`hftlab.data.Dataset.split_dates` first).
    ``measure``: per-window peak resting orders (reference book, cached with the day);
    otherwise the days' whole-replay peaks bound them. See :meth:`hftlab.data.Dataset.windows`.
    """
    return market_data_from_windows(dataset.windows(window_len, stride=stride, part=part, measure=measure), name=name)


def market_data_from_windows(*windows, name: str | None = None) -> MarketData:
    """:class:`MarketData` of :class:`hftlab.data.Windows` (e.g. :meth:`hftlab.data.Dataset.spread_windows`),
    laid one after another (the windows of ``windows[1]`` follow those of ``windows[0]``, and so on)."""
    if not windows:
        raise InputError("market_data_from_windows: no windows")
    w0 = windows[0]
    if any(w.window_len != w0.window_len or w.levels != w0.levels for w in windows):
        raise InputError("market_data_from_windows: the windows differ in length or level count")
    offsets = np.cumsum([0] + [w.messages.shape[0] for w in windows[:-1]])
    names = [w.names[d] for w in windows for d in sorted(set(int(d) for d in np.unique(w.day)))]
    names = list(dict.fromkeys(names))
    label = name or (names[0] if len(names) == 1 else f"{len(names)} days ({names[0]} .. {names[-1]})")
    one = len(windows) == 1
    return MarketData(messages=w0.messages if one else np.concatenate([w.messages for w in windows]),
                      starts=w0.starts if one else np.concatenate([w.starts + o for w, o in zip(windows, offsets)]).astype(np.int32),
                      seeds=w0.seeds if one else np.concatenate([w.seeds for w in windows]),
                      window_len=w0.window_len, levels=w0.levels,
                      tick=int(np.gcd.reduce([w.tick for w in windows])), max_oid=max(w.max_oid for w in windows),
                      peak_orders=max(max(w.peak_orders for w in windows), 1), name=label)


class DayStream:
    """Environment parameters of many days, a few at a time: shard ``i`` of ``dataset``'s days.

    The days are grouped ``days_per_shard`` at a time (:meth:`hftlab.data.Dataset.shards`); every
    shard's parameters have the same array shapes (padded message rows and windows; the padding
    windows lie beyond ``window_hi`` and are never sampled), so
    :func:`hftlab.rl.checkpoint.train_in_chunks` (``stream=``) swaps them between compiled chunks
    without recompiling, and only the current (and the next) shard's messages are on the device.
    ``overrides``: :meth:`hftlab.env.MarketEnv.default_params` settings, the same for every shard.
    """

    def __init__(self, env, dataset, days_per_shard: int, window_len: int, stride: int | None = None,
                 part: tuple[float, float] = (0.0, 1.0), **overrides):
        self.env, self.overrides = env, overrides
        self.shards = dataset.shards(days_per_shard, window_len, stride=stride, part=part)

    @property
    def num_shards(self) -> int:
        return self.shards.num_shards

    def days(self, i: int) -> tuple[int, ...]:
        """Positions (in the dataset) of shard ``i``'s days."""
        return self.shards.groups[i]

    def market_data(self, i: int) -> tuple[MarketData, int]:
        """``(data, n)``: shard ``i`` as :class:`MarketData` (padded), ``n`` of its windows real."""
        w, n = self.shards.windows(i)
        names = [w.names[d] for d in self.days(i)]
        label = names[0] if len(names) == 1 else f"{len(names)} days ({names[0]} .. {names[-1]})"
        return MarketData(messages=w.messages, starts=w.starts, seeds=w.seeds, window_len=w.window_len,
                          levels=w.levels, tick=w.tick, max_oid=w.max_oid, peak_orders=max(w.bound, 1),
                          name=label), n

    def params(self, i: int):
        """Shard ``i``'s environment parameters (windows sampled from its ``n`` real windows)."""
        data, n = self.market_data(i)
        return self.env.default_params(data, window_range=(0, n), **dict(self.overrides))
