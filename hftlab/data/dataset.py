"""Many LOBSTER days: a folder (or glob) of days, each converted once to a memory-mapped cache.

:func:`open_days` finds the days of a source — a directory, a glob pattern, one file, or a
list of any of them; a day is a LOBSTER ``.zip`` or a message CSV named as LOBSTER names
it (``TICKER_DATE_START_END_message_L.csv``, its ``..._orderbook_L.csv`` beside it) — and
converts each, the first time it is seen, into a folder of the cache::

    CACHE/GOOG_2012-06-21_L5_<hash>/messages.npy    int32 (N, 8): the engine's message rows
                                    orderbook.npy   int32 (N, 4L): LOBSTER orderbook rows (row t: the
                                                    book after message t; the empty-level placeholders
                                                    clipped to int32), the seeds of windows
                                    day.json        the day's index row and its source's size / mtime
    CACHE/index.json                every cached day's index row

Both arrays are opened with ``np.load(mmap_mode="r")``: a day costs no memory until its
rows are read. A day is converted again only when its source file's size or modification
time changed. The index row of a day (:attr:`Dataset.index`, a DataFrame) holds ``date``,
``ticker``, ``levels``, ``messages``, ``tick`` (the gcd of its limit-order prices),
``peak_bid`` / ``peak_ask`` (the most resting orders per side over the whole day, replayed
from its first orderbook row by the reference book), ``max_oid`` and the source.

Days are split **by date** (:meth:`Dataset.split_dates`: training / validation / held-out
days, the latest dates held out) and **within a day by time** (:meth:`Dataset.windows`'
``part``: a share of each day's messages in event time; windows never straddle a part's
edges or two days). :meth:`Dataset.windows` gives the episode windows of the chosen days
over one flat message array, ready for :func:`hftlab.env.data.market_data_from_days`.

A malformed day stops the opening with a one-line :class:`~hftlab.errors.InputError`
naming its file and the problem; with ``skip_bad_days=True`` it is left out, reported
through ``log`` and kept in :attr:`Dataset.skipped`. Days of different level counts are
rejected unless ``levels=N`` asks for the top N levels of every day (a day with fewer
than N levels is then a bad day).
"""

from __future__ import annotations

import glob as globlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Union

import numpy as np
import pandas as pd

from hftlab.errors import InputError
from hftlab.lob import lobster
from hftlab.lob import messages as M

PathLike = Union[str, Path]
FORMAT = "hftlab-days-1"
INDEX_COLUMNS = ("date", "ticker", "levels", "messages", "tick", "peak_bid", "peak_ask", "max_oid", "source")


# --------------------------------------------------------------------------- finding days


def _is_glob(s: str) -> bool:
    return any(c in s for c in "*?[")


def _day_files(folder: Path) -> list[Path]:
    zips = [p for p in folder.glob("*.zip")]
    csvs = [p for p in folder.glob("*_message_*.csv")]
    return sorted(zips + csvs)


def find_days(source: PathLike | Iterable[PathLike]) -> list[Path]:
    """The day files of ``source``: ``.zip`` files and ``*_message_*.csv`` files, sorted, no duplicates.

    ``source``: a directory (its day files, not recursive), a glob pattern, one file, or a
    list of any of these. Raises :class:`InputError` when a path does not exist or nothing is found.
    """
    items = [source] if isinstance(source, (str, Path)) else list(source)
    found: list[Path] = []
    for item in items:
        s = str(item)
        if _is_glob(s):
            hits = [Path(p) for p in sorted(globlib.glob(s))]
            found += [p for p in hits if p.is_file() and (p.suffix.lower() == ".zip" or "_message_" in p.name)]
            continue
        p = Path(s)
        if not p.exists():
            raise InputError(f"days: {p} does not exist")
        if p.is_dir():
            found += _day_files(p)
        elif p.suffix.lower() == ".zip" or (p.suffix.lower() == ".csv" and "_message_" in p.name):
            found.append(p)
        else:
            raise InputError(f"days: {p} is neither a folder, a .zip nor a LOBSTER message CSV (*_message_L.csv)")
    out, seen = [], set()
    for p in found:
        r = p.resolve()
        if r not in seen:
            seen.add(r)
            out.append(p)
    if not out:
        raise InputError(f"days: no LOBSTER days (.zip or *_message_L.csv) in {', '.join(str(i) for i in items)}")
    return out


def _source_files(path: Path) -> list[Path]:
    if path.suffix.lower() == ".zip":
        return [path]
    return [path, path.with_name(path.name.replace("_message_", "_orderbook_"))]


def _fingerprint(path: Path) -> list[list[int]]:
    """``[[size, mtime_ns], ...]`` of a day's source file(s) (the orderbook CSV too); missing files: -1."""
    out = []
    for f in _source_files(path):
        try:
            st = f.stat()
            out.append([int(st.st_size), int(st.st_mtime_ns)])
        except OSError:
            out.append([-1, -1])
    return out


def _key(path: Path) -> str:
    """A day's cache folder name: its LOBSTER name fields and a hash of its absolute path."""
    info = lobster.parse_name(path.name) if path.suffix.lower() == ".csv" else None
    stem = f"{info['ticker']}_{info['date']}_L{info['levels']}" if info else path.stem[:60]
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    return f"{stem}_{digest}"


# --------------------------------------------------------------------------- converting one day


def _tick(msgs: np.ndarray) -> int:
    prices = msgs[msgs[:, M.TYPE] == M.LIMIT, M.PRICE].astype(np.int64)
    prices = prices[prices > 0]
    return max(int(np.gcd.reduce(prices)), 1) if prices.size else 1


def _check_times(day: lobster.LobsterDay) -> None:
    t = day.time_s.astype(np.int64) * 1_000_000_000 + day.time_ns.astype(np.int64)
    back = np.flatnonzero(np.diff(t) < 0)
    if back.size:
        raise InputError(f"{day.message_path}: row {back[0] + 2} has a time earlier than the row before it")


def convert_day(path: PathLike, folder: PathLike, levels: int | None = None) -> dict:
    """Read one day (``.zip`` or message CSV), write its cache folder, return its index row.

    The folder is written under a temporary name and renamed when complete, so an
    interrupted conversion never leaves a half-written day behind.
    """
    from hftlab.lob.reference import ReferenceBook

    path, folder = Path(path), Path(folder)
    day = lobster.load(path)
    if len(day) < 2:
        raise InputError(f"{day.message_path}: a day needs at least 2 messages, found {len(day)}")
    _check_times(day)
    L = day.levels if levels is None else int(levels)
    if L > day.levels:
        raise InputError(f"{day.orderbook_path}: has {day.levels} level(s), fewer than the {L} asked for")
    msgs = lobster.to_messages(day)
    ob = np.clip(day.orderbook[:, : 4 * L], -(2**31) + 1, 2**31 - 1).astype(np.int32)
    peak_bid, peak_ask = ReferenceBook.from_l2(ob[0]).peak_orders(msgs[1:])
    info = lobster.parse_name(day.message_path.split(":")[-1]) or {}
    row = {
        "date": day.date or "", "ticker": day.ticker or "", "levels": L, "messages": int(len(day)),
        "tick": _tick(msgs), "peak_bid": int(peak_bid), "peak_ask": int(peak_ask),
        "max_oid": int(msgs[:, M.OID].max()), "source": str(path),
        "start_ms": info.get("start_ms"), "end_ms": info.get("end_ms"),
    }
    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    np.save(tmp / "messages.npy", msgs)
    np.save(tmp / "orderbook.npy", ob)
    meta = {"format": FORMAT, "levels_asked": levels, "fingerprint": _fingerprint(path), "index": row}
    (tmp / "day.json").write_text(json.dumps(meta, indent=1))
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)
    return row


def _cached_row(path: Path, folder: Path, levels: int | None) -> dict | None:
    """The cached index row when the folder is complete and the source is unchanged, else None."""
    meta_path = folder / "day.json"
    if not (meta_path.exists() and (folder / "messages.npy").exists() and (folder / "orderbook.npy").exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if meta.get("format") != FORMAT or meta.get("levels_asked") != levels:
        return None
    if meta.get("fingerprint") != _fingerprint(path):
        return None
    return meta["index"]


# --------------------------------------------------------------------------- windows


def non_overlapping(starts, windows, window_len: int) -> np.ndarray:
    """The windows of ``windows`` (in order) that share no message with the one kept before them."""
    starts = np.asarray(starts)
    keep, end = [], -1
    for w in np.asarray(windows):
        if starts[w] >= end:
            keep.append(int(w))
            end = int(starts[w]) + window_len
    return np.asarray(keep, np.int32)


def evenly(n: int, k: int) -> np.ndarray:
    """Positions of ``k`` of ``n`` items spread evenly, first and last included (all ``n`` when ``n <= k``)."""
    return np.arange(n) if n <= k else np.linspace(0, n - 1, k).round().astype(int)



@dataclass(frozen=True, eq=False)
class Windows:
    """Episode windows of some days over one flat message array (numpy; see :meth:`Dataset.windows`).

    ``messages`` int32 ``(N, 8)``: the chosen days one after another; ``starts`` int32
    ``(W,)``: first message of each window in that array; ``seeds`` int32 ``(W, 4L)``: the
    orderbook row before each window; ``day`` int32 ``(W,)``: the window's day (index into
    ``names``); ``peaks``: the most resting orders on one side in each window (reference
    book, no agents) or None when not measured; ``bound``: a bound on them from the index.
    """

    messages: np.ndarray
    starts: np.ndarray
    seeds: np.ndarray
    day: np.ndarray
    window_len: int
    levels: int
    tick: int
    max_oid: int
    peaks: np.ndarray | None
    bound: int
    names: tuple[str, ...]

    @property
    def num_windows(self) -> int:
        return int(self.starts.shape[0])

    @property
    def peak_orders(self) -> int:
        return int(self.peaks.max()) if self.peaks is not None and self.peaks.size else self.bound


# --------------------------------------------------------------------------- the dataset


@dataclass
class Dataset:
    """Cached LOBSTER days (see the module docstring); build one with :func:`open_days`."""

    folders: list[Path]
    rows: list[dict]
    cache_dir: Path
    skipped: list[tuple[str, str]] = field(default_factory=list)

    # -------------------------------------------------------------- what it holds
    def __len__(self) -> int:
        return len(self.rows)

    @property
    def index(self) -> pd.DataFrame:
        """One row per day: date, ticker, levels, messages, tick, peak_bid, peak_ask, max_oid, source."""
        return pd.DataFrame([{k: r[k] for k in INDEX_COLUMNS} for r in self.rows], columns=list(INDEX_COLUMNS))

    @property
    def levels(self) -> int:
        return int(self.rows[0]["levels"]) if self.rows else 0

    @property
    def dates(self) -> list[str]:
        return sorted({r["date"] for r in self.rows})

    def name(self, i: int) -> str:
        r = self.rows[i]
        return f"{r['ticker']} {r['date']}" if r["ticker"] else Path(r["source"]).name

    def messages(self, i: int) -> np.ndarray:
        """Day ``i``'s int32 ``(N, 8)`` engine messages (memory-mapped, read-only)."""
        return np.load(self.folders[i] / "messages.npy", mmap_mode="r")

    def orderbook(self, i: int) -> np.ndarray:
        """Day ``i``'s int32 ``(N, 4L)`` orderbook rows (memory-mapped, read-only)."""
        return np.load(self.folders[i] / "orderbook.npy", mmap_mode="r")

    def day(self, i: int) -> lobster.LobsterDay:
        """Day ``i`` as a :class:`~hftlab.lob.lobster.LobsterDay` read from the cache (for stats, replays)."""
        m = np.asarray(self.messages(i))
        ob = np.asarray(self.orderbook(i)).astype(np.int64)
        ob[:, 0::4] = np.where(ob[:, 1::4] <= 0, lobster.EMPTY_ASK_PRICE, ob[:, 0::4])
        ob[:, 2::4] = np.where(ob[:, 3::4] <= 0, lobster.EMPTY_BID_PRICE, ob[:, 2::4])
        r = self.rows[i]
        lob_msgs = np.empty((m.shape[0], 6), np.float64)
        lob_msgs[:, 0] = m[:, M.TIME_S] + m[:, M.TIME_NS] * 1e-9
        lob_msgs[:, 1:] = np.stack([m[:, M.TYPE], m[:, M.OID], m[:, M.SIZE], m[:, M.PRICE], m[:, M.SIDE]], 1)
        return lobster.LobsterDay(messages=lob_msgs, orderbook=ob, levels=int(r["levels"]),
                                  time_s=m[:, M.TIME_S].astype(np.int64), time_ns=m[:, M.TIME_NS].astype(np.int64),
                                  ticker=r["ticker"] or None, date=r["date"] or None, start_ms=r.get("start_ms"),
                                  end_ms=r.get("end_ms"), message_path=r["source"], orderbook_path=r["source"])

    def subset(self, days: Iterable[int]) -> "Dataset":
        """The days at positions ``days`` (in that order)."""
        days = list(days)
        return Dataset([self.folders[i] for i in days], [self.rows[i] for i in days], self.cache_dir, list(self.skipped))

    def select(self, dates: Iterable[str] | None = None, tickers: Iterable[str] | None = None) -> "Dataset":
        """The days whose date is in ``dates`` and ticker in ``tickers`` (None: any)."""
        dates = None if dates is None else set(dates)
        tickers = None if tickers is None else set(tickers)
        return self.subset(i for i, r in enumerate(self.rows)
                           if (dates is None or r["date"] in dates) and (tickers is None or r["ticker"] in tickers))

    def split_dates(self, validation: float | int = 0.0, heldout: float | int = 0.2) -> tuple["Dataset", "Dataset", "Dataset"]:
        """``(training, validation, held-out)`` days by date: the latest dates are held out, the dates
        before them validate, the rest train. A float is a share of the distinct dates (rounded,
        at least one date when positive), an int a number of dates. Every ticker of a date goes
        to the same part."""
        dates = self.dates
        n = len(dates)

        def count(x) -> int:
            if isinstance(x, bool) or x < 0:
                raise InputError(f"split_dates: shares must be non-negative (got {x!r})")
            if isinstance(x, int):
                return x
            if x >= 1.0:
                raise InputError(f"split_dates: a share must be below 1 (got {x})")
            return max(int(round(n * x)), 1) if x > 0 else 0

        n_held, n_val = count(heldout), count(validation)
        if n_held + n_val >= n:
            raise InputError(f"split_dates: {n} date(s) cannot give {n_val} validation and {n_held} held-out "
                             "date(s) and keep one for training")
        train_d, val_d, held_d = dates[: n - n_held - n_val], dates[n - n_held - n_val: n - n_held], dates[n - n_held:]
        return self.select(train_d), self.select(val_d), self.select(held_d)

    # -------------------------------------------------------------- windows
    def _day_starts(self, i: int, window_len: int, stride: int, part: tuple[float, float]) -> np.ndarray:
        n = int(self.rows[i]["messages"])
        lo = max(1, int(np.floor(part[0] * n)))
        hi = int(np.floor(part[1] * n))
        starts = np.arange(1, n - window_len + 1, stride, dtype=np.int64)
        return starts[(starts >= lo) & (starts + window_len <= hi)]

    def _peaks(self, i: int, window_len: int, stride: int) -> np.ndarray:
        """Per-window peak resting orders (one side) of day ``i`` for all its windows, cached beside the day."""
        from hftlab.lob.reference import ReferenceBook

        path = self.folders[i] / f"peaks_{window_len}_{stride}.npy"
        if path.exists():
            return np.load(path)
        msgs, ob = self.messages(i), self.orderbook(i)
        starts = self._day_starts(i, window_len, stride, (0.0, 1.0))
        peaks = np.array([max(ReferenceBook.from_l2(ob[s - 1]).peak_orders(np.asarray(msgs[s:s + window_len])))
                          for s in starts], np.int32)
        tmp = path.with_name(path.stem + ".tmp.npy")
        np.save(tmp, peaks)
        os.replace(tmp, path)
        return peaks

    def windows(self, window_len: int, stride: int | None = None, part: tuple[float, float] = (0.0, 1.0),
                measure: bool = True) -> Windows:
        """Episode windows of every day over one flat message array (the days concatenated in order).

        Args:
          window_len: messages per window.
          stride: messages between window starts within a day (default ``window_len // 2``).
          part: ``(lo, hi)`` shares of each day's messages (event time): a window is kept when all
            its messages lie in ``[lo * N, hi * N)`` of its day, so the windows of ``(0, 0.75)``
            and ``(0.75, 1)`` share no message.
          measure: measure each window's peak resting orders per side with the reference book
            (cached per day, ``window_len`` and ``stride``); otherwise the bound is the days'
            whole-replay peaks from the index.
        """
        window_len = int(window_len)
        stride = max(1, window_len // 2) if stride is None else int(stride)
        if window_len < 1 or stride < 1:
            raise InputError(f"windows: window_len and stride must be positive (got {window_len}, {stride})")
        lo, hi = part
        if not 0.0 <= lo < hi <= 1.0:
            raise InputError(f"windows: part must satisfy 0 <= lo < hi <= 1 (got {part})")
        if not self.rows:
            raise InputError("windows: the dataset has no days")
        msgs, starts, seeds, day_of, peaks = [], [], [], [], []
        offset = 0
        for i in range(len(self.rows)):
            s = self._day_starts(i, window_len, stride, part)
            if s.size:
                m = self.messages(i)
                msgs.append(m)
                starts.append(s + offset)
                seeds.append(np.asarray(self.orderbook(i)[s - 1]))
                day_of.append(np.full(s.size, i, np.int32))
                if measure:
                    all_s = self._day_starts(i, window_len, stride, (0.0, 1.0))
                    peaks.append(self._peaks(i, window_len, stride)[np.searchsorted(all_s, s)])
                offset += m.shape[0]
        if not starts:
            raise InputError(f"windows: no window of {window_len} messages fits part {part} of any of the "
                             f"{len(self.rows)} day(s)")
        used = [self.rows[i] for i in np.unique(np.concatenate(day_of))]
        return Windows(
            messages=np.concatenate(msgs), starts=np.concatenate(starts).astype(np.int32),
            seeds=np.concatenate(seeds), day=np.concatenate(day_of), window_len=window_len, levels=self.levels,
            tick=int(np.gcd.reduce([int(r["tick"]) for r in used])), max_oid=max(int(r["max_oid"]) for r in used),
            peaks=np.concatenate(peaks) if measure else None,
            bound=max(max(int(r["peak_bid"]), int(r["peak_ask"])) for r in used),
            names=tuple(self.name(i) for i in range(len(self.rows))),
        )

    def spread_windows(self, window_len: int, max_windows: int, stride: int | None = None,
                       part: tuple[float, float] = (0.0, 1.0)) -> Windows:
        """At most ``max_windows`` windows that share no message, spread evenly over the days in order,
        each window's messages copied on its own: memory grows with ``max_windows``, not with the days.

        The windows are those :meth:`windows` would give (``stride``, ``part``), thinned the way a
        held-out evaluation thins them: in order, a window is kept when it starts after the end of
        the one kept before it; then ``max_windows`` of those, evenly spaced (first and last
        included). In the result window ``k`` starts at message ``k * window_len``. Peaks are the
        index's bound (not measured)."""
        window_len, max_windows = int(window_len), int(max_windows)
        stride = max(1, window_len // 2) if stride is None else int(stride)
        if window_len < 1 or stride < 1 or max_windows < 1:
            raise InputError(f"spread_windows: window_len, stride and max_windows must be positive "
                             f"(got {window_len}, {stride}, {max_windows})")
        if not self.rows:
            raise InputError("spread_windows: the dataset has no days")
        kept = []  # (day, start) of non-overlapping windows, days in order
        for i in range(len(self.rows)):
            starts = self._day_starts(i, window_len, stride, part)
            kept += [(i, int(s)) for s in starts[non_overlapping(starts, np.arange(starts.size), window_len)]]
        if not kept:
            raise InputError(f"spread_windows: no window of {window_len} messages fits part {part} of any of the "
                             f"{len(self.rows)} day(s)")
        kept = [kept[j] for j in evenly(len(kept), max_windows)]
        msgs = np.concatenate([np.asarray(self.messages(i)[s:s + window_len]) for i, s in kept])
        seeds = np.stack([np.asarray(self.orderbook(i)[s - 1]) for i, s in kept])
        used = [self.rows[i] for i in sorted({i for i, _ in kept})]
        return Windows(
            messages=msgs, starts=np.arange(len(kept), dtype=np.int32) * window_len, seeds=seeds,
            day=np.asarray([i for i, _ in kept], np.int32), window_len=window_len, levels=self.levels,
            tick=int(np.gcd.reduce([int(r["tick"]) for r in used])), max_oid=max(int(r["max_oid"]) for r in used),
            peaks=None, bound=max(max(int(r["peak_bid"]), int(r["peak_ask"])) for r in used),
            names=tuple(self.name(i) for i in range(len(self.rows))),
        )

    def shards(self, days_per_shard: int, window_len: int, stride: int | None = None,
               part: tuple[float, float] = (0.0, 1.0)) -> "Shards":
        """The days in groups of ``days_per_shard`` (in order), each group's windows padded to one shape.

        For streaming days through a compiled training loop (:class:`hftlab.env.data.DayStream`): every
        shard has the same number of message rows and of windows (the largest group's; padding rows
        are zeros and padding windows repeat the first, never sampled), so the environment parameters
        of any shard fit the program compiled for the first. Peaks are bounded by the index (the days'
        whole-replay peaks), the same bound for every shard.
        """
        days_per_shard = int(days_per_shard)
        if days_per_shard < 1:
            raise InputError(f"shards: days_per_shard must be a positive integer (got {days_per_shard})")
        if not self.rows:
            raise InputError("shards: the dataset has no days")
        window_len = int(window_len)
        stride = max(1, window_len // 2) if stride is None else int(stride)
        groups = [tuple(range(i, min(i + days_per_shard, len(self.rows)))) for i in range(0, len(self.rows), days_per_shard)]
        counts = [sum(self._day_starts(i, window_len, stride, part).size for i in g) for g in groups]
        empty = [k for k, c in enumerate(counts) if c == 0]
        if empty:
            raise InputError(f"shards: shard {empty[0]} ({', '.join(self.name(i) for i in groups[empty[0]])}) has no "
                             f"window of {window_len} messages in part {part}")
        rows = [sum(int(self.rows[i]["messages"]) for i in g) for g in groups]
        return Shards(self, tuple(groups), window_len, stride, part, max(rows), max(counts))

    def __repr__(self) -> str:
        n = sum(int(r["messages"]) for r in self.rows)
        return (f"Dataset({len(self.rows)} day(s), {len(self.dates)} date(s), {n:,} messages, "
                f"{self.levels} levels, cache {self.cache_dir})")


@dataclass(frozen=True, eq=False)
class Shards:
    """Groups of days with windows of one shape (see :meth:`Dataset.shards`)."""

    dataset: Dataset
    groups: tuple[tuple[int, ...], ...]
    window_len: int
    stride: int
    part: tuple[float, float]
    rows: int  # message rows of every shard (padded)
    max_windows: int  # windows of every shard (padded)

    @property
    def num_shards(self) -> int:
        return len(self.groups)

    def windows(self, i: int) -> tuple[Windows, int]:
        """``(windows, n)``: shard ``i``'s windows padded to the common shape, ``n`` of them real."""
        if not 0 <= i < len(self.groups):
            raise InputError(f"shards: no shard {i} (there are {len(self.groups)})")
        ds = self.dataset
        w = ds.subset(self.groups[i]).windows(self.window_len, self.stride, self.part, measure=False)
        n = w.num_windows
        msgs = np.zeros((self.rows, w.messages.shape[1]), np.int32)
        msgs[: w.messages.shape[0]] = w.messages
        pad = self.max_windows - n
        starts = np.concatenate([w.starts, np.full(pad, w.starts[0], np.int32)])
        seeds = np.concatenate([w.seeds, np.repeat(w.seeds[:1], pad, axis=0)])
        day = np.concatenate([np.asarray(self.groups[i], np.int32)[w.day], np.full(pad, -1, np.int32)])
        rows = ds.rows
        return Windows(messages=msgs, starts=starts, seeds=seeds, day=day, window_len=self.window_len,
                       levels=ds.levels, tick=int(np.gcd.reduce([int(r["tick"]) for r in rows])),
                       max_oid=max(int(r["max_oid"]) for r in rows), peaks=None,
                       bound=max(max(int(r["peak_bid"]), int(r["peak_ask"])) for r in rows),
                       names=tuple(ds.name(j) for j in range(len(rows)))), n


def _write_index(cache_dir: Path, rows: dict[str, dict]) -> None:
    path = cache_dir / "index.json"
    try:
        old = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, json.JSONDecodeError):
        old = {}
    days = old.get("days", {}) if old.get("format") == FORMAT else {}
    days.update(rows)
    days = {k: v for k, v in days.items() if (cache_dir / k).is_dir()}
    tmp = path.with_name("index.json.tmp")
    tmp.write_text(json.dumps({"format": FORMAT, "days": days}, indent=1))
    os.replace(tmp, path)


def _levels_in_name(path: Path) -> int | None:
    """The level count a day's file name (or, for a zip, its message member's name) states, if any."""
    import zipfile

    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if "_message_" in Path(n).name]
        except (OSError, zipfile.BadZipFile):
            return None  # reported as a bad day when converted
        info = lobster.parse_name(Path(names[0]).name) if len(names) == 1 else None
    else:
        info = lobster.parse_name(path.name)
    return info["levels"] if info else None


def _check_levels(example: dict[int, str]) -> None:
    """One-line error when ``{levels: a source with that many}`` holds more than one level count."""
    if len(example) > 1:
        counts = sorted(example)
        raise InputError("days: mixed level counts (" + ", ".join(f"{L} in {Path(example[L]).name}" for L in counts)
                         + f"); pass levels=N (N <= {counts[0]}) to use the top N levels of every day")


def open_days(source: PathLike | Iterable[PathLike], cache_dir: PathLike | None = None, levels: int | None = None,
              skip_bad_days: bool = False, log: Callable[[str], None] | None = print) -> Dataset:
    """Open the LOBSTER days of ``source`` (see :func:`find_days`), converting each to the cache once.

    Args:
      source: a folder, a glob pattern, one day file, or a list of them.
      cache_dir: where the converted days live (default :func:`hftlab.config.days_cache_dir`).
      levels: use the top ``levels`` levels of every day; None: every day must have the same count.
      skip_bad_days: leave out a malformed day (reported through ``log``, kept in
        :attr:`Dataset.skipped`) instead of stopping with its error.
      log: where conversions and skipped days are reported (None: silent).

    Days are ordered by date, then ticker. Raises :class:`InputError` (one line, naming the
    file) for a malformed day unless skipped, for mixed level counts without ``levels``, and
    when no good day is left.
    """
    from hftlab.config import days_cache_dir

    say = log or (lambda _msg: None)
    paths = find_days(source)
    if levels is None:  # mixed level counts by the file names: refuse before converting anything
        named = {p: _levels_in_name(p) for p in paths}
        _check_levels({L: str(p) for p, L in named.items() if L is not None})
    cache = Path(cache_dir) if cache_dir is not None else days_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    folders, rows, skipped, fresh = [], [], [], {}
    for path in paths:
        folder = cache / _key(path)
        row = _cached_row(path, folder, levels)
        if row is None:
            try:
                row = convert_day(path, folder, levels)
            except InputError as exc:
                msg = str(exc).splitlines()[0]
                if str(path) not in msg:
                    msg = f"{path}: {msg}"
                if not skip_bad_days:
                    raise InputError(msg) from None
                say(f"skipping bad day {msg}")
                skipped.append((str(path), msg))
                continue
            say(f"cached {Path(path).name}: {row['messages']:,} messages, {row['levels']} levels -> {folder}")
            fresh[folder.name] = row
        folders.append(folder)
        rows.append(row)
    if fresh:
        _write_index(cache, fresh)
    if not rows:
        raise InputError(f"days: every day of {source} is malformed ({len(skipped)} skipped)")
    if levels is None:
        _check_levels({int(r["levels"]): r["source"] for r in rows})
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["date"], rows[i]["ticker"], rows[i]["source"]))
    return Dataset([folders[i] for i in order], [rows[i] for i in order], cache, skipped)


__all__ = ["Dataset", "Windows", "convert_day", "find_days", "open_days"]
