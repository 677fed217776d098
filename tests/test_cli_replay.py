"""``hftlab replay``: the bundled sample day end to end, and every kind of bad input -> exit 2, one line."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hftlab.cli import main
from hftlab.lob import lobster

MSG = "34200.1,1,11,100,2000000,1\n34200.2,1,12,50,2000100,-1\n34200.3,3,11,100,2000000,1\n"
OB = ("9999999999,0,2000000,100\n"
      "2000100,50,2000000,100\n"
      "2000100,50,-9999999999,0\n")
NAME_M = "TINY_2012-06-21_34200000_57600000_message_1.csv"
NAME_O = "TINY_2012-06-21_34200000_57600000_orderbook_1.csv"


def _files(tmp_path: Path, msg: str = MSG, ob: str = OB) -> tuple[Path, Path]:
    mp, op = tmp_path / NAME_M, tmp_path / NAME_O
    mp.write_text(msg)
    op.write_text(ob)
    return mp, op


def test_replay_sample_day(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HFTLAB_FIGURES", str(tmp_path / "figs"))
    mp, op = lobster.sample_day_paths()
    code = main(["replay", str(mp), str(op), "--figures-name", "cli_replay_test", "--repeats", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "28,000 messages" in out
    assert "27,999/27,999 transitions agree on levels 1..9 = 100.000%" in out
    assert "rows agreeing on levels 1..9 100.00%; final book agrees" in out
    assert "overflow 0, unresolved 0" in out
    assert "messages/s" in out and "compile" in out
    png = tmp_path / "figs" / "cli_replay_test.png"
    assert png.exists() and png.stat().st_size > 10_000


def test_replay_tiny_zip_and_inferred_orderbook(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HFTLAB_FIGURES", str(tmp_path / "figs"))
    mp, op = _files(tmp_path)
    zp = tmp_path / "tiny.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.write(mp, mp.name)
        zf.write(op, op.name)
    assert main(["replay", str(zp), "--capacity", "8", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "TINY 2012-06-21 (1 level): 3 messages" in out and "capacity 8 slots per side (given)" in out
    assert "2/2 transitions agree" in out
    assert (tmp_path / "figs" / "replay_TINY_2012-06-21_L1.png").exists()
    assert main(["replay", str(mp), "--capacity", "8", "--repeats", "1"]) == 0  # orderbook found beside it


def _bad(tmp_path, capsys, argv, *expected):
    code = main(["replay", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hftlab: error: "), err
    for e in expected:
        assert e in lines[0], lines[0]


def test_missing_file(tmp_path, capsys):
    mp, _ = _files(tmp_path)
    _bad(tmp_path, capsys, [str(tmp_path / "nope_message_1.csv"), str(tmp_path / NAME_O)], "nope_message_1.csv", "no such file")
    _bad(tmp_path, capsys, [str(mp), str(tmp_path / "gone.csv")], "gone.csv", "no such file")
    _bad(tmp_path, capsys, [str(tmp_path / "none.zip")], "none.zip", "no such file")


def test_wrong_column_count(tmp_path, capsys):
    mp, op = _files(tmp_path, msg=MSG.replace(",1\n", ",1,9\n", 1))
    _bad(tmp_path, capsys, [str(mp), str(op)], NAME_M, "6 columns, found 7")
    mp, op = _files(tmp_path, ob=OB.replace(",100\n", "\n", 1))
    _bad(tmp_path, capsys, [str(mp), str(op)], NAME_O, "multiple of 4 columns, found 3")


def test_row_counts_disagree(tmp_path, capsys):
    mp, op = _files(tmp_path, ob=OB + OB.splitlines()[-1] + "\n")
    _bad(tmp_path, capsys, [str(mp), str(op)], NAME_O, "has 4 rows", "has 3")


def test_non_numeric_values(tmp_path, capsys):
    mp, op = _files(tmp_path, msg=MSG.replace("12,50,", "12,fifty,"))
    _bad(tmp_path, capsys, [str(mp), str(op)], NAME_M, "row 2", "'fifty'")
    mp, op = _files(tmp_path, ob=OB.replace("2000100,50,-9999", "2000100,5O,-9999"))
    _bad(tmp_path, capsys, [str(mp), str(op)], NAME_O, "row 3", "'5O'")


def test_other_bad_input(tmp_path, capsys):
    mp, op = _files(tmp_path, msg=MSG.replace("34200.3,3,", "34200.3,8,"))
    _bad(tmp_path, capsys, [str(mp), str(op)], NAME_M, "unknown message type 8")
    mp, op = _files(tmp_path, msg="")
    _bad(tmp_path, capsys, [str(mp), str(op)], NAME_M, "empty")
    mp, op = _files(tmp_path)
    _bad(tmp_path, capsys, [str(mp), str(op), str(op)], "got 3 paths")
    _bad(tmp_path, capsys, [str(mp), "--capacity", "0"], "--capacity must be at least 1")
    odd = tmp_path / "data.csv"
    odd.write_text(MSG)
    _bad(tmp_path, capsys, [str(odd)], "data.csv", "cannot infer the orderbook file")


def test_console_script_exit_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hftlab.cli", "replay", str(tmp_path / "x_message_1.csv"),
                           str(tmp_path / "x_orderbook_1.csv")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"hftlab: error: {tmp_path / 'x_message_1.csv'}: no such file"]
