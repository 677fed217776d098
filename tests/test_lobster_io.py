"""LOBSTER files: load / write round trip, exact times, every malformed input -> InputError."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from hftlab.errors import InputError
from hftlab.lob import lobster
from hftlab.lob import messages as M

MSG = """34200.004241176,1,16113575,18,5853300,1
34200.025551909,1,16120456,18,5859100,-1
34200.05990197,3,16113575,18,5853300,1
34200.1,4,16120456,5,5859100,-1
34201,5,0,100,5855000,1
"""
OB = """5859100,18,5853300,18,5860000,100,-9999999999,0
5859100,18,-9999999999,0,5860000,100,-9999999999,0
5859100,18,-9999999999,0,5860000,100,-9999999999,0
5859100,13,-9999999999,0,5860000,100,-9999999999,0
5859100,13,-9999999999,0,5860000,100,-9999999999,0
"""
NAME_M = "TEST_2012-06-21_34200000_57600000_message_2.csv"
NAME_O = "TEST_2012-06-21_34200000_57600000_orderbook_2.csv"


def _write(tmp_path: Path, msg: str = MSG, ob: str = OB, name_m: str = NAME_M, name_o: str = NAME_O) -> tuple[Path, Path]:
    mp, op = tmp_path / name_m, tmp_path / name_o
    mp.write_text(msg)
    op.write_text(ob)
    return mp, op


def test_load_small_day(tmp_path):
    day = lobster.load(*_write(tmp_path))
    assert len(day) == 5 and day.levels == 2
    assert day.ticker == "TEST" and day.date == "2012-06-21" and day.start_ms == 34200000 and day.end_ms == 57600000
    assert day.messages.dtype == np.float64 and day.messages.shape == (5, 6)
    assert day.orderbook.dtype == np.int64 and day.orderbook.shape == (5, 8)
    assert day.orderbook[1, 2] == -9999999999 and day.orderbook[0, 6] == -9999999999
    np.testing.assert_array_equal(day.types, [1, 1, 3, 4, 5])


def test_orderbook_path_inferred_from_message_name(tmp_path):
    mp, _ = _write(tmp_path)
    assert len(lobster.load(mp)) == 5


def test_to_messages_exact_nanoseconds(tmp_path):
    day = lobster.load(*_write(tmp_path))
    m = lobster.to_messages(day)
    assert m.dtype == np.int32 and m.shape == (5, M.N_MSG_FIELDS)
    np.testing.assert_array_equal(m[:, M.TIME_S], [34200, 34200, 34200, 34200, 34201])
    # 8 and 1 decimals are right-padded, no decimals is 0 ns; nothing goes through float64
    np.testing.assert_array_equal(m[:, M.TIME_NS], [4241176, 25551909, 59901970, 100000000, 0])
    np.testing.assert_array_equal(m[0], [1, 1, 5853300, 18, 16113575, 0, 34200, 4241176])
    np.testing.assert_array_equal(m[3], [4, -1, 5859100, 5, 16120456, 0, 34200, 100000000])
    np.testing.assert_array_equal(m[:, M.TRADER], 0)


def test_times_beyond_nanoseconds_round(tmp_path):
    # some LOBSTER files print float noise past the ninth digit
    msg = MSG.replace("34200.025551909", "34200.0255519094").replace("34200.1,", "34200.9999999996,")
    day = lobster.load(*_write(tmp_path, msg=msg))
    m = lobster.to_messages(day)
    assert m[1, M.TIME_NS] == 25551909
    assert (m[3, M.TIME_S], m[3, M.TIME_NS]) == (34201, 0)


def test_orderbook_l2_and_back(tmp_path):
    day = lobster.load(*_write(tmp_path))
    l2 = lobster.orderbook_l2(day)
    assert l2.shape == (5, 2, 4) and l2.dtype == np.int32
    np.testing.assert_array_equal(l2[1], [[5859100, 18, 0, 0], [5860000, 100, 0, 0]])
    np.testing.assert_array_equal(lobster.l2_to_orderbook(l2), day.orderbook)


@pytest.mark.parametrize("engine_layout", [False, True])
def test_write_load_round_trip(tmp_path, engine_layout):
    rng = np.random.default_rng(0)
    n, levels = 500, 3
    sec = 34200 + np.sort(rng.integers(0, 23400, n))
    ns = rng.integers(0, 10**9, n)
    eng = np.zeros((n, M.N_MSG_FIELDS), np.int64)
    eng[:, M.TYPE] = rng.integers(1, 6, n)
    eng[:, M.SIDE] = rng.choice([-1, 1], n)
    eng[:, M.PRICE] = rng.integers(5_000_000, 6_000_000, n)
    eng[:, M.SIZE] = rng.integers(1, 1000, n)
    eng[:, M.OID] = rng.integers(1, 2**31 - 1, n)
    eng[:, M.TIME_S], eng[:, M.TIME_NS] = sec, ns
    ob = rng.integers(1, 10**6, (n, 4 * levels))
    ob[::7, 4:8] = [9999999999, 0, -9999999999, 0]
    if engine_layout:
        msgs = eng
    else:
        msgs = np.stack([sec + ns * 1e-9, eng[:, 0], eng[:, 4], eng[:, 3], eng[:, 2], eng[:, 1]], 1)
    mp, op = lobster.write_day(tmp_path, "RTT", "2020-01-02", msgs, ob, levels)
    assert mp.name == "RTT_2020-01-02_34200000_57600000_message_3.csv"
    assert op.name == "RTT_2020-01-02_34200000_57600000_orderbook_3.csv"
    first = mp.read_text().splitlines()[0].split(",")[0]
    assert len(first.split(".")[1]) == 9  # 9 decimals
    day = lobster.load(mp, op)
    np.testing.assert_array_equal(day.orderbook, ob)
    back = lobster.to_messages(day)
    np.testing.assert_array_equal(back, eng.astype(np.int32))
    # and writing what was read reproduces the files byte for byte
    d2 = tmp_path / "again"
    mp2, op2 = lobster.write_day(d2, "RTT", "2020-01-02", back, day.orderbook, levels)
    assert mp2.read_bytes() == mp.read_bytes() and op2.read_bytes() == op.read_bytes()


def test_write_l2_layout_becomes_placeholders(tmp_path):
    l2 = np.array([[[101, 5, 99, 7], [0, 0, 0, 0]]])
    msgs = np.array([[1, 1, 99, 7, 1, 0, 34200, 5]])
    mp, op = lobster.write_day(tmp_path, "X", "2020-01-02", msgs, l2, 2)
    assert op.read_text().strip() == "101,5,99,7,9999999999,0,-9999999999,0"
    assert mp.read_text().strip() == "34200.000000005,1,1,7,99,1"


def test_load_zip(tmp_path):
    mp, op = _write(tmp_path)
    zp = tmp_path / "LOBSTER_SampleFile_TEST_2012-06-21_2.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.write(mp, mp.name)
        zf.write(op, op.name)
        zf.writestr("ReadMe.txt", "hello")
    a = lobster.load(zp)
    b = lobster.load(zp)
    assert a.ticker == "TEST" and a.levels == 2 and len(b) == 5
    np.testing.assert_array_equal(a.orderbook, b.orderbook)
    assert lobster.day_label(zp) == "TEST 2012-06-21 L2"


def test_zip_without_pair(tmp_path):
    zp = tmp_path / "bad.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.writestr("x_message_1.csv", MSG)
    with pytest.raises(InputError, match="bad.zip"):
        lobster.load(zp)
    notzip = tmp_path / "fake.zip"
    notzip.write_text("not a zip")
    with pytest.raises(InputError, match="fake.zip.*not a zip"):
        lobster.load(notzip)


def _expect_error(tmp_path, which: str, pattern: str, msg: str = MSG, ob: str = OB):
    mp, op = _write(tmp_path, msg, ob)
    with pytest.raises(InputError) as info:
        lobster.load(mp, op)
    text = str(info.value)
    assert "\n" not in text, text
    named = NAME_M if which == "message" else NAME_O
    assert named in text, text
    assert pytest.importorskip("re").search(pattern, text), text
    return text


def test_missing_files(tmp_path):
    mp, op = _write(tmp_path)
    with pytest.raises(InputError, match=r"nope_message_1\.csv: no such file"):
        lobster.load(tmp_path / "nope_message_1.csv", op)
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        lobster.load(mp, tmp_path / "nope.csv")
    with pytest.raises(InputError, match="no such file"):
        lobster.load(tmp_path / "missing.zip")


@pytest.mark.parametrize(
    "which,msg,ob,pattern",
    [
        ("message", "", OB, "empty"),
        ("orderbook", MSG, "\n", "empty"),
        ("message", MSG.replace(",1\n", ",1,7\n", 1), OB, "6 columns, found 7"),
        ("message", MSG.replace("34201,5,0,100,5855000,1", "34201,5,0,100,5855000"), OB, "row 5 has 5 columns"),
        ("message", MSG.replace("34200.1,4,16120456,5,5859100,-1", "34200.1,4,16120456,5,5859100,-1,3"), OB, "row 4"),
        ("orderbook", MSG, OB.replace(",-9999999999,0\n", "\n"), "positive multiple of 4 columns, found 6"),
        ("orderbook", MSG, OB + OB.splitlines()[0] + "\n", "has 6 rows but the message file .* has 5"),
        ("message", MSG.replace("16120456,18,", "16120456,abc,"), OB, "row 2 non-numeric value 'abc'"),
        ("message", MSG.replace("34200.1,", "34200.x1,"), OB, "row 4 non-numeric value '34200.x1'"),
        ("orderbook", MSG, OB.replace("5859100,13,", "5859100,1x3,", 1), "row 4 non-numeric value '1x3'"),
        ("message", MSG.replace("34201,5,", "34201,9,"), OB, "row 5 has unknown message type 9"),
        ("message", MSG.replace(",5,5859100,-1", ",-5,5859100,-1"), OB, "row 4 has a negative size -5"),
        ("orderbook", MSG, OB.replace("5859100,13,", "5859100,-13,", 1), "row 4 has a negative size -13"),
        ("message", MSG.replace("5859100,-1\n34200.05", "5859100,0\n34200.05"), OB, "row 2 has direction 0"),
        ("message", MSG.replace("16113575,18,5853300,1\n34200.025", "16113575,18.5,5853300,1\n34200.025"), OB,
         "row 1 has a non-integer value in column 4"),
        ("message", MSG.replace("\n34200.05990197", "\n\n34200.05990197"), OB, "row 3 empty line"),
    ],
)
def test_malformed_inputs(tmp_path, which, msg, ob, pattern):
    _expect_error(tmp_path, which, pattern, msg, ob)


def test_levels_in_name_must_match_columns(tmp_path):
    mp, op = _write(tmp_path, name_m=NAME_M.replace("_2.csv", "_3.csv"), name_o=NAME_O.replace("_2.csv", "_3.csv"))
    with pytest.raises(InputError, match="file name says 3 levels but it has 8 columns"):
        lobster.load(mp, op)


def test_to_messages_rejects_values_beyond_int32(tmp_path):
    msg = MSG.replace("16113575,18,5853300", "99999999999,18,5853300", 1)
    day = lobster.load(*_write(tmp_path, msg=msg))
    with pytest.raises(InputError, match="row 1: order id 99999999999 does not fit"):
        lobster.to_messages(day)


def test_sample_day_bundled():
    day = lobster.sample_day()
    assert day.ticker == "SYNTH" and day.levels == 10 and len(day) > 10_000
    m = lobster.to_messages(day)
    assert set(np.unique(m[:, M.TYPE])) <= {1, 2, 3, 4, 5}


def test_sample_days_absent(monkeypatch, tmp_path):
    monkeypatch.setenv("HFTLAB_SHARED_DATA", str(tmp_path / "does-not-exist"))
    assert lobster.sample_days() == []


# --------------------------------------------------------------------------- the one loader: every accepted input


def test_load_accepts_every_kind_of_source(tmp_path):
    mp, op = _write(tmp_path)
    zp = tmp_path / "LOBSTER_SampleFile_TEST_2012-06-21_2.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.write(mp, mp.name)
        zf.write(op, op.name)
    days = {
        "pair": lobster.load(mp, op),
        "pair as str": lobster.load(str(mp), str(op)),
        "message csv": lobster.load(mp),  # orderbook file found beside it
        "zip": lobster.load(zp),
        "zip as str": lobster.load(str(zp)),
    }
    for how, day in days.items():
        assert isinstance(day, lobster.LobsterDay), how
        assert (day.ticker, day.date, day.levels, len(day)) == ("TEST", "2012-06-21", 2, 5), how
        np.testing.assert_array_equal(day.orderbook, days["pair"].orderbook)
        np.testing.assert_array_equal(lobster.to_messages(day), lobster.to_messages(days["pair"]))
    assert days["message csv"].orderbook_path == str(op)
    assert days["zip"].message_path == f"{zp}:{NAME_M}"


@pytest.mark.parametrize("name", [lobster.BUNDLED, "bundled", "", None])
def test_load_bundled_names(name):
    day = lobster.load(name)
    assert day.ticker == "SYNTH" and day.levels == 10 and len(day) == 28_000
    assert Path(day.message_path) == lobster.sample_day_paths()[0]
    assert lobster.load().message_path == day.message_path  # the default source is the bundled day
    assert lobster.sample_day().message_path == day.message_path
    assert [v for _, v in lobster.day_choices()][0] == lobster.BUNDLED


def test_the_other_loaders_are_gone():
    for old in ("load_day", "load_zip", "load_choice"):
        assert not hasattr(lobster, old), old


@pytest.mark.parametrize(
    "case,pattern",
    [
        ("missing csv", r"nope_message_2\.csv: no such file"),
        ("missing orderbook beside", r"LONE_2012-06-21_34200000_57600000_orderbook_2\.csv: no such file"),
        ("missing zip", r"missing\.zip: no such file"),
        ("not a zip", r"fake\.zip: not a zip file"),
        ("zip without pair", r"bad\.zip: expected one \*_message_\*\.csv and one \*_orderbook_\*\.csv, found 1 and 0"),
        ("zip and orderbook", r"\.zip: a \.zip holds its own orderbook file"),
        ("bundled and orderbook", r"the bundled day takes no orderbook file"),
        ("no LOBSTER name", r"data\.csv: cannot infer the orderbook file name"),
        ("directory", r"is a directory"),
        ("malformed", r"row 5 has unknown message type 9"),
    ],
)
def test_load_bad_input_is_one_line(tmp_path, case, pattern):
    import re

    mp, op = _write(tmp_path)
    lone = tmp_path / "LONE_2012-06-21_34200000_57600000_message_2.csv"
    lone.write_text(MSG)
    fake = tmp_path / "fake.zip"
    fake.write_text("not a zip")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("x_message_1.csv", MSG)
    odd = tmp_path / "data.csv"
    odd.write_text(MSG)
    (tmp_path / "dir_message_1.csv").mkdir()
    (tmp_path / "m").mkdir()
    calls = {
        "missing csv": lambda: lobster.load(tmp_path / "nope_message_2.csv", op),
        "missing orderbook beside": lambda: lobster.load(lone),
        "missing zip": lambda: lobster.load(tmp_path / "missing.zip"),
        "not a zip": lambda: lobster.load(fake),
        "zip without pair": lambda: lobster.load(bad),
        "zip and orderbook": lambda: lobster.load(bad, op),
        "bundled and orderbook": lambda: lobster.load(lobster.BUNDLED, op),
        "no LOBSTER name": lambda: lobster.load(odd),
        "directory": lambda: lobster.load(tmp_path / "dir_message_1.csv", op),
        "malformed": lambda: lobster.load(*_write(tmp_path / "m", msg=MSG.replace("34201,5,", "34201,9,"))),
    }
    with pytest.raises(InputError) as info:
        calls[case]()
    text = str(info.value)
    assert "\n" not in text and re.search(pattern, text), text


REAL = lobster.sample_days()


@pytest.mark.skipif(not REAL, reason="real LOBSTER days (shared_data_dir()/lobster) are absent")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_real_days_load(path):
    import time

    t0 = time.perf_counter()
    day = lobster.load(path)
    elapsed = time.perf_counter() - t0
    assert day.orderbook.shape == (len(day), 4 * day.levels)
    m = lobster.to_messages(day)
    assert np.all(np.diff(m[:, M.TIME_S].astype(np.int64) * 10**9 + m[:, M.TIME_NS]) >= 0)  # time-ordered
    assert np.all((m[:, M.TIME_NS] >= 0) & (m[:, M.TIME_NS] < 10**9))
    # the float column and the exact split agree to well under a nanosecond
    assert np.abs(day.messages[:, 0] - (m[:, M.TIME_S] + m[:, M.TIME_NS] * 1e-9)).max() < 1e-9
    assert elapsed < 10  # generous: a 150k-row day loads in about half a second here
