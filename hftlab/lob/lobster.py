"""LOBSTER files: load a day, check it, convert it to engine messages, write one.

A LOBSTER day is two headerless CSV files with the same number of rows
(``TICKER_DATE_STARTMS_ENDMS_message_L.csv`` and ``..._orderbook_L.csv``):

* message file, 6 columns: time (seconds after midnight, decimal, up to 9 digits),
  type (1..7), order id, size, price (dollars x 10 000), direction (+1 buy / -1 sell);
* orderbook file, 4L columns ``askP1, askS1, bidP1, bidS1, askP2, ...``; row t is the
  book after message t; an empty level is price +9999999999 (ask) / -9999999999 (bid)
  with size 0.

Entry points:

* :func:`load` (the bundled day's name, a ``.zip``, a message CSV, or a message + orderbook
  CSV pair) -> :class:`LobsterDay`;
* :func:`to_messages` -> the engine's int32 ``(N, 8)`` message array (``hftlab.lob.messages``),
  with the time split *exactly* into integer seconds and nanoseconds from the text;
* :func:`orderbook_l2` -> the orderbook rows in the engine's ``l2`` layout ``(N, L, 4)``
  (empty levels 0/0);
* :func:`write_day` writes LOBSTER files that :func:`load` reads back exactly;
* :func:`sample_day` (the bundled synthetic day) and :func:`sample_days` (the real days
  under ``shared_data_dir()/lobster``, empty when that folder is absent).

Every problem with an input file raises :class:`hftlab.errors.InputError` with one line
naming the file and what is wrong.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Union

import numpy as np
import pandas as pd

from hftlab.errors import InputError
from hftlab.lob import messages as M

PathLike = Union[str, Path]

MESSAGE_COLUMNS = ("time", "type", "order_id", "size", "price", "direction")
LOBSTER_TYPES = (1, 2, 3, 4, 5, 6, 7)
EMPTY_ASK_PRICE = M.EMPTY_ASK_PRICE
EMPTY_BID_PRICE = M.EMPTY_BID_PRICE
INT32_MAX = np.iinfo(np.int32).max
INT32_MIN = np.iinfo(np.int32).min

# TICKER_YYYY-MM-DD_STARTMS_ENDMS_(message|orderbook)_L.csv
_NAME_RE = re.compile(
    r"^(?P<ticker>[A-Za-z0-9.\-]+)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<start>\d+)_(?P<end>\d+)_"
    r"(?P<kind>message|orderbook)_(?P<levels>\d+)\.csv$"
)

SAMPLE_TICKER = "SYNTH"
SAMPLE_DATE = "2012-06-21"
SAMPLE_LEVELS = 10


@dataclass
class LobsterDay:
    """One LOBSTER day in memory.

    Attributes:
        messages: float64 ``(N, 6)``: time, type, order id, size, price, direction (the
            message file as numbers; the time column is a float, see ``time_s``/``time_ns``).
        orderbook: int64 ``(N, 4L)``: the orderbook file, LOBSTER placeholders kept.
        levels: L.
        time_s, time_ns: int64 ``(N,)``: the exact message times parsed from the text.
        ticker, date, start_ms, end_ms: from the file name when it follows LOBSTER naming.
        message_path, orderbook_path: where the files came from (``zip:member`` for zips).
    """

    messages: np.ndarray
    orderbook: np.ndarray
    levels: int
    time_s: np.ndarray
    time_ns: np.ndarray
    ticker: str | None = None
    date: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    message_path: str = ""
    orderbook_path: str = ""
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.messages.shape[0])

    @property
    def name(self) -> str:
        """``TICKER DATE (L levels)`` or the message file name."""
        if self.ticker and self.date:
            return f"{self.ticker} {self.date} ({self.levels} level{'s' if self.levels != 1 else ''})"
        return Path(self.message_path.split(":")[-1]).name or "LOBSTER day"

    @property
    def types(self) -> np.ndarray:
        """int64 ``(N,)`` message types."""
        return self.messages[:, 1].astype(np.int64)

    def __repr__(self) -> str:
        return f"LobsterDay({self.name}, {len(self)} messages)"


# --------------------------------------------------------------------------- naming


def parse_name(path: PathLike) -> dict | None:
    """Fields of a LOBSTER file name (ticker, date, start_ms, end_ms, kind, levels), or None."""
    m = _NAME_RE.match(Path(str(path)).name)
    if m is None:
        return None
    d = m.groupdict()
    return {
        "ticker": d["ticker"],
        "date": d["date"],
        "start_ms": int(d["start"]),
        "end_ms": int(d["end"]),
        "kind": d["kind"],
        "levels": int(d["levels"]),
    }


def file_names(ticker: str, date: str, levels: int, start_ms: int = 34200000, end_ms: int = 57600000) -> tuple[str, str]:
    """LOBSTER's (message, orderbook) file names for a day."""
    stem = f"{ticker}_{date}_{start_ms}_{end_ms}"
    return f"{stem}_message_{levels}.csv", f"{stem}_orderbook_{levels}.csv"


# --------------------------------------------------------------------------- reading


def _err(name: str, problem: str) -> InputError:
    return InputError(f"{name}: {problem}")


def _read_bytes(source: PathLike | tuple[zipfile.ZipFile, str], name: str) -> bytes:
    if isinstance(source, tuple):
        zf, member = source
        return zf.read(member)
    p = Path(source)
    if not p.exists():
        raise _err(name, "no such file")
    if p.is_dir():
        raise _err(name, "is a directory, not a CSV file")
    return p.read_bytes()


def _first_bad_row(raw: bytes, ncols: int | None, numeric_cols: range | list[int]) -> tuple[int, str] | None:
    """Slow, exact diagnosis: (1-based row, problem) of the first malformed row, or None."""
    reader = csv.reader(io.StringIO(raw.decode("utf-8", errors="replace")))
    for i, row in enumerate(reader, start=1):
        if not row or all(not c.strip() for c in row):
            return i, "empty line"
        if ncols is not None and len(row) != ncols:
            return i, f"has {len(row)} columns, expected {ncols}"
        for j in numeric_cols:
            if j >= len(row):
                continue
            cell = row[j].strip()
            try:
                v = float(cell)
            except ValueError:
                return i, f"non-numeric value {cell[:20]!r} in column {j + 1}"
            if not np.isfinite(v):
                return i, f"non-finite value {cell[:20]!r} in column {j + 1}"
    return None


def _count_columns(raw: bytes) -> int:
    first = raw.split(b"\n", 1)[0].strip(b"\r")
    return len(first.split(b","))


def _read_table(raw: bytes, name: str, kind: str) -> pd.DataFrame:
    """Parse a headerless numeric CSV; returns a DataFrame of strings (col 0, messages) / numbers."""
    if not raw.strip():
        raise _err(name, "file is empty")
    ncols = _count_columns(raw)
    if kind == "message" and ncols != 6:
        raise _err(name, f"message file must have 6 columns, found {ncols} (row 1)")
    if kind == "orderbook" and (ncols % 4 != 0 or ncols == 0):
        raise _err(name, f"orderbook file must have a positive multiple of 4 columns, found {ncols} (row 1)")
    dtype: dict | type
    if kind == "message":
        dtype = {0: str, 1: np.int64, 2: np.int64, 3: np.int64, 4: np.int64, 5: np.int64}
    else:
        dtype = np.int64
    try:
        df = pd.read_csv(io.BytesIO(raw), header=None, dtype=dtype, engine="c", skip_blank_lines=False,
                         na_filter=True)
    except (ValueError, pd.errors.ParserError, OverflowError) as exc:
        bad = _first_bad_row(raw, ncols, range(ncols))
        if bad is not None:
            raise _err(name, f"row {bad[0]} {bad[1]}") from None
        # numeric but not integer (e.g. 12.5 in an integer column), or out of range
        if kind == "message":
            df = pd.read_csv(io.BytesIO(raw), header=None, dtype={0: str}, engine="c")
            for j in range(1, 6):
                col = pd.to_numeric(df[j], errors="coerce").to_numpy(np.float64)
                frac = np.flatnonzero(col != np.round(col))
                if frac.size:
                    raise _err(name, f"row {frac[0] + 1} has a non-integer value in column {j + 1} ({MESSAGE_COLUMNS[j]})") from None
        else:
            df = pd.read_csv(io.BytesIO(raw), header=None, dtype=np.float64, engine="c")
            vals = df.to_numpy()
            frac = np.argwhere(vals != np.round(vals))
            if frac.size:
                raise _err(name, f"row {frac[0][0] + 1} has a non-integer value in column {frac[0][1] + 1}") from None
        raise _err(name, f"cannot parse: {str(exc).splitlines()[0]}") from None
    if df.shape[1] != ncols or df.isna().to_numpy().any():
        bad = _first_bad_row(raw, ncols, range(ncols))
        if bad is not None:
            raise _err(name, f"row {bad[0]} {bad[1]}")
        raise _err(name, "missing values")
    return df


def _parse_times(text: pd.Series, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact (seconds, nanoseconds) int64 arrays from decimal time strings like ``34200.004241176``.

    The text is split at the decimal point, so no precision is lost through float64.
    Digits beyond the ninth (some LOBSTER files print float noise such as
    ``43002.632812672004``) are rounded to the nearest nanosecond.
    """
    s = text.str.strip()
    parts = s.str.split(".", n=1, expand=True, regex=False)
    if parts.shape[1] == 1:
        parts[1] = None
    whole = parts[0]
    frac = parts[1].fillna("")
    ok = (whole.str.fullmatch(r"\d+").fillna(False) & frac.str.fullmatch(r"\d*").fillna(False)).to_numpy(bool)
    sec = np.zeros(len(s), np.int64)
    ns = np.zeros(len(s), np.int64)
    if ok.any():
        sec[ok] = whole[ok].astype(np.int64).to_numpy()
        tenths = frac[ok].str.slice(0, 10).str.ljust(10, "0").astype(np.int64).to_numpy()  # units of 0.1 ns
        ns[ok] = (tenths + 5) // 10
    carry = ns >= 1_000_000_000
    sec, ns = sec + carry, ns - carry * 1_000_000_000
    for k in np.flatnonzero(~ok):  # exotic but numeric notation (e.g. 3.42e4): use the float
        cell = str(text.iloc[k])
        try:
            v = float(cell)
        except ValueError:
            raise _err(name, f"row {k + 1} non-numeric value {cell[:20]!r} in column 1 (time)") from None
        if not np.isfinite(v) or v < 0:
            raise _err(name, f"row {k + 1} has an invalid time {cell[:20]!r}")
        sec[k], ns[k] = _split_float_time(v)
    return sec, ns


def _split_float_time(t: float) -> tuple[int, int]:
    sec = int(np.floor(t))
    ns = int(round((t - sec) * 1e9))
    if ns >= 1_000_000_000:
        sec, ns = sec + 1, ns - 1_000_000_000
    return sec, ns


def _read_messages(raw: bytes, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    df = _read_table(raw, name, "message")
    sec, ns = _parse_times(df[0], name)
    ints = df[[1, 2, 3, 4, 5]].to_numpy(np.int64)
    types, sizes, direction = ints[:, 0], ints[:, 2], ints[:, 4]
    bad = np.flatnonzero(~np.isin(types, LOBSTER_TYPES))
    if bad.size:
        raise _err(name, f"row {bad[0] + 1} has unknown message type {types[bad[0]]} (LOBSTER types are 1..7)")
    bad = np.flatnonzero(sizes < 0)
    if bad.size:
        raise _err(name, f"row {bad[0] + 1} has a negative size {sizes[bad[0]]}")
    bad = np.flatnonzero((types <= 5) & (direction != 1) & (direction != -1))
    if bad.size:
        raise _err(name, f"row {bad[0] + 1} has direction {direction[bad[0]]} (must be +1 buy or -1 sell)")
    msgs = np.empty((len(df), 6), np.float64)
    msgs[:, 0] = sec + ns * 1e-9
    msgs[:, 1:] = ints
    return msgs, sec, ns


def _read_orderbook(raw: bytes, name: str) -> np.ndarray:
    df = _read_table(raw, name, "orderbook")
    ob = df.to_numpy(np.int64)
    sizes = ob[:, 1::2]
    bad = np.argwhere(sizes < 0)
    if bad.size:
        r, c = bad[0]
        raise _err(name, f"row {r + 1} has a negative size {sizes[r, c]} in column {2 * c + 2}")
    return ob


def _assemble(msg_raw: bytes, msg_name: str, ob_raw: bytes, ob_name: str) -> LobsterDay:
    msgs, sec, ns = _read_messages(msg_raw, msg_name)
    ob = _read_orderbook(ob_raw, ob_name)
    if ob.shape[0] != msgs.shape[0]:
        raise _err(ob_name, f"has {ob.shape[0]} rows but the message file {Path(msg_name.split(':')[-1]).name} has {msgs.shape[0]}")
    levels = ob.shape[1] // 4
    info = parse_name(msg_name.split(":")[-1]) or parse_name(ob_name.split(":")[-1]) or {}
    ob_info = parse_name(ob_name.split(":")[-1])
    if ob_info is not None and ob_info["levels"] != levels:
        raise _err(ob_name, f"file name says {ob_info['levels']} levels but it has {ob.shape[1]} columns ({levels} levels)")
    return LobsterDay(
        messages=msgs,
        orderbook=ob,
        levels=levels,
        time_s=sec,
        time_ns=ns,
        ticker=info.get("ticker"),
        date=info.get("date"),
        start_ms=info.get("start_ms"),
        end_ms=info.get("end_ms"),
        message_path=msg_name,
        orderbook_path=ob_name,
    )


def _orderbook_path_for(message_csv: Path) -> Path:
    name = message_csv.name
    if "_message_" not in name:
        raise _err(str(message_csv), "cannot infer the orderbook file name (expected '_message_' in the name); pass it explicitly")
    return message_csv.with_name(name.replace("_message_", "_orderbook_"))


BUNDLED = "bundled"  # the name of the bundled synthetic day (``data_samples/SYNTH_2012-06-21_..._10.csv``)
_BUNDLED_NAMES = (BUNDLED, "", None)  # experiment specs write an empty day as the bundled one


def load(source: PathLike | None = BUNDLED, orderbook_csv: PathLike | None = None) -> LobsterDay:
    """Load a LOBSTER day: the one loader of the project.

    ``source`` is one of:

    * ``"bundled"`` (:data:`BUNDLED`; also ``None`` or ``""``): the bundled synthetic day
      (``data_samples/SYNTH_2012-06-21_..._10.csv``, see :mod:`hftlab.lob.synthetic`);
    * a LOBSTER ``.zip`` holding one ``*_message_L.csv`` and one ``*_orderbook_L.csv``;
    * a message CSV: its orderbook file is ``orderbook_csv`` when given, else the file
      beside it with ``_message_`` replaced by ``_orderbook_`` (LOBSTER naming).

    Raises :class:`InputError` with one line naming the file and the problem (missing
    file, not a zip, malformed rows, row counts that differ, ...).
    """
    if source is None or (isinstance(source, str) and source in _BUNDLED_NAMES):
        if orderbook_csv is not None:
            raise InputError(f"load: the bundled day takes no orderbook file (got {orderbook_csv})")
        source, orderbook_csv = sample_day_paths()
    mp = Path(source)
    if mp.suffix.lower() == ".zip":
        if orderbook_csv is not None:
            raise _err(str(mp), f"a .zip holds its own orderbook file; got {orderbook_csv} as well")
        return _load_zip(mp)
    op = Path(orderbook_csv) if orderbook_csv is not None else _orderbook_path_for(mp)
    msg_raw = _read_bytes(mp, str(mp))
    ob_raw = _read_bytes(op, str(op))
    return _assemble(msg_raw, str(mp), ob_raw, str(op))


def _load_zip(zp: Path) -> LobsterDay:
    """The day inside a LOBSTER ``.zip`` (one ``*_message_L.csv`` + one ``*_orderbook_L.csv``)."""
    if not zp.exists():
        raise _err(str(zp), "no such file")
    try:
        zf = zipfile.ZipFile(zp)
    except zipfile.BadZipFile:
        raise _err(str(zp), "not a zip file") from None
    with zf:
        names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
        msg = [n for n in names if "_message_" in Path(n).name]
        obk = [n for n in names if "_orderbook_" in Path(n).name]
        if len(msg) != 1 or len(obk) != 1:
            raise _err(str(zp), f"expected one *_message_*.csv and one *_orderbook_*.csv, found {len(msg)} and {len(obk)}")
        return _assemble(zf.read(msg[0]), f"{zp}:{msg[0]}", zf.read(obk[0]), f"{zp}:{obk[0]}")


# --------------------------------------------------------------------------- conversion


def to_messages(day: LobsterDay) -> np.ndarray:
    """The day's messages as the engine's int32 ``(N, 8)`` array, one row per file row.

    Columns (``hftlab.lob.messages``): TYPE, SIDE (= LOBSTER direction), PRICE, SIZE, OID,
    TRADER (0: historical flow), TIME_S, TIME_NS (exact, from the decimal text).
    """
    m = day.messages
    out = np.zeros((len(day), M.N_MSG_FIELDS), np.int64)
    out[:, M.TYPE] = m[:, 1]
    out[:, M.SIDE] = m[:, 5]
    out[:, M.PRICE] = m[:, 4]
    out[:, M.SIZE] = m[:, 3]
    out[:, M.OID] = m[:, 2]
    out[:, M.TIME_S] = day.time_s
    out[:, M.TIME_NS] = day.time_ns
    too_big = np.argwhere((out > INT32_MAX) | (out < INT32_MIN))
    if too_big.size:
        r, c = too_big[0]
        col = ["type", "direction", "price", "size", "order id", "trader", "time", "time"][c]
        raise _err(day.message_path or "messages", f"row {r + 1}: {col} {out[r, c]} does not fit the engine's int32 messages")
    return out.astype(np.int32)


def orderbook_l2(orderbook: np.ndarray | LobsterDay, levels: int | None = None) -> np.ndarray:
    """LOBSTER orderbook rows ``(..., 4L)`` -> engine ``l2`` layout int32 ``(..., L, 4)``.

    Each level is (ask price, ask size, bid price, bid size); LOBSTER's empty-level
    placeholders (±9999999999, size 0) become 0/0 as in ``hftlab.lob.l2``. ``levels``
    keeps only the top levels.
    """
    ob = orderbook.orderbook if isinstance(orderbook, LobsterDay) else np.asarray(orderbook)
    L = ob.shape[-1] // 4
    out = ob.reshape(ob.shape[:-1] + (L, 4)).astype(np.int64, copy=True)
    if levels is not None:
        out = out[..., :levels, :]
    ask_empty = out[..., 1] <= 0
    bid_empty = out[..., 3] <= 0
    out[..., 0] = np.where(ask_empty, 0, out[..., 0])
    out[..., 1] = np.where(ask_empty, 0, out[..., 1])
    out[..., 2] = np.where(bid_empty, 0, out[..., 2])
    out[..., 3] = np.where(bid_empty, 0, out[..., 3])
    return out.astype(np.int32)


def l2_to_orderbook(l2: np.ndarray) -> np.ndarray:
    """Engine ``l2`` layout ``(..., L, 4)`` (empty 0/0) -> LOBSTER orderbook rows ``(..., 4L)``."""
    a = np.asarray(l2).astype(np.int64, copy=True)
    ask_empty = a[..., 1] <= 0
    bid_empty = a[..., 3] <= 0
    a[..., 0] = np.where(ask_empty, EMPTY_ASK_PRICE, a[..., 0])
    a[..., 1] = np.where(ask_empty, 0, a[..., 1])
    a[..., 2] = np.where(bid_empty, EMPTY_BID_PRICE, a[..., 2])
    a[..., 3] = np.where(bid_empty, 0, a[..., 3])
    return a.reshape(a.shape[:-2] + (a.shape[-2] * 4,))


# --------------------------------------------------------------------------- writing


def _format_times(sec: np.ndarray, ns: np.ndarray) -> np.ndarray:
    s = pd.Series(np.asarray(sec, np.int64)).astype(str)
    f = pd.Series(np.asarray(ns, np.int64)).astype(str).str.zfill(9)
    return (s + "." + f).to_numpy()


def write_day(
    directory: PathLike,
    ticker: str,
    date: str,
    messages: np.ndarray,
    orderbook: np.ndarray,
    levels: int,
    start_ms: int = 34200000,
    end_ms: int = 57600000,
) -> tuple[Path, Path]:
    """Write a day as LOBSTER files ``TICKER_DATE_START_END_message_L.csv`` / ``..._orderbook_L.csv``.

    ``messages``: either LOBSTER's ``(N, 6)`` (time as float seconds, written with 9
    decimals, rounded to the nanosecond) or the engine's int ``(N, 8)`` (exact TIME_S /
    TIME_NS; TRADER is dropped). ``orderbook``: ``(N, 4L)`` LOBSTER rows or ``(N, L, 4)``
    engine l2 rows; a level with size 0 is written as LOBSTER's empty placeholder
    (±9999999999, size 0). Returns the two paths.
    """
    msgs = np.asarray(messages)
    ob = np.asarray(orderbook)
    if ob.ndim == 3:
        ob = l2_to_orderbook(ob)
    else:
        ob = l2_to_orderbook(ob.reshape(ob.shape[0], -1, 4))
    if msgs.ndim != 2 or msgs.shape[1] not in (6, M.N_MSG_FIELDS):
        raise InputError(f"write_day: messages must be (N, 6) LOBSTER or (N, {M.N_MSG_FIELDS}) engine rows, got {msgs.shape}")
    if ob.shape[1] != 4 * levels:
        raise InputError(f"write_day: orderbook has {ob.shape[1]} columns, expected 4 x {levels} levels")
    if ob.shape[0] != msgs.shape[0]:
        raise InputError(f"write_day: {msgs.shape[0]} messages but {ob.shape[0]} orderbook rows")
    if msgs.shape[1] == 6:
        t = msgs[:, 0].astype(np.float64)
        sec = np.floor(t).astype(np.int64)
        ns = np.round((t - sec) * 1e9).astype(np.int64)
        carry = ns >= 1_000_000_000
        sec, ns = sec + carry, ns - carry * 1_000_000_000
        cols = msgs[:, 1:6].astype(np.int64)  # type, oid, size, price, direction
    else:
        sec = msgs[:, M.TIME_S].astype(np.int64)
        ns = msgs[:, M.TIME_NS].astype(np.int64)
        cols = np.stack([msgs[:, M.TYPE], msgs[:, M.OID], msgs[:, M.SIZE], msgs[:, M.PRICE], msgs[:, M.SIDE]], 1).astype(np.int64)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    mname, oname = file_names(ticker, date, levels, start_ms, end_ms)
    mdf = pd.DataFrame({"t": _format_times(sec, ns)})
    for j in range(5):
        mdf[j] = cols[:, j]
    mpath, opath = directory / mname, directory / oname
    mdf.to_csv(mpath, header=False, index=False, lineterminator="\n")
    pd.DataFrame(ob).to_csv(opath, header=False, index=False, lineterminator="\n")
    return mpath, opath


# --------------------------------------------------------------------------- sample days


def sample_day_paths() -> tuple[Path, Path]:
    """Paths of the bundled synthetic sample day in ``data_samples/``."""
    from hftlab.config import data_samples_dir

    m, o = file_names(SAMPLE_TICKER, SAMPLE_DATE, SAMPLE_LEVELS)
    d = data_samples_dir()
    return d / m, d / o


def sample_day() -> LobsterDay:
    """The bundled synthetic day: shorthand for ``load(BUNDLED)``."""
    return load(BUNDLED)


def sample_days() -> list[Path]:
    """The real LOBSTER days (``.zip``) under ``shared_data_dir()/lobster``, sorted; empty when absent."""
    from hftlab.config import shared_data_dir

    root = shared_data_dir()
    if root is None or not (root / "lobster").is_dir():
        return []
    return sorted(p for p in (root / "lobster").glob("*.zip") if "_message_" not in p.name)


def day_label(path: PathLike) -> str:
    """A short label for a day's path: ``GOOG 2012-06-21 L5`` for ``LOBSTER_SampleFile_GOOG_2012-06-21_5.zip``."""
    name = Path(path).name
    m = re.search(r"([A-Z][A-Z0-9.]*)_(\d{4}-\d{2}-\d{2})_(?:\d+_\d+_(?:message|orderbook)_)?(\d+)(?:\.zip|\.csv)$", name)
    if m:
        return f"{m.group(1)} {m.group(2)} L{m.group(3)}"
    return name


# --------------------------------------------------------------------------- choosing a day (notebooks)


def day_choices() -> list[tuple[str, str]]:
    """``(label, value)`` pairs for a day picker (values for :func:`load`): the bundled synthetic day, then the real days present."""
    return [("SYNTH 2012-06-21 L10 (bundled, synthetic)", BUNDLED)] + [(day_label(p), str(p)) for p in sample_days()]


__all__ = [
    "BUNDLED",
    "LobsterDay",
    "day_choices",
    "day_label",
    "file_names",
    "l2_to_orderbook",
    "load",
    "orderbook_l2",
    "parse_name",
    "sample_day",
    "sample_day_paths",
    "sample_days",
    "to_messages",
    "write_day",
]
