"""Many days (hftlab.data): discovery, the memory-mapped cache and its reuse, bad days, mixed levels,
splits by date and by time, windows across days, and the environment on them."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from hftlab.data import find_days, open_days
from hftlab.errors import InputError
from hftlab.lob import lobster, synthetic
from hftlab.lob.reference import ReferenceBook

DATES = ("2012-06-18", "2012-06-19", "2012-06-20", "2012-06-21")
N_MSG = 3000


def _write(folder, date, seed, levels=5, ticker="SYN", n=N_MSG):
    day = synthetic.generate_day(seed=seed, n_messages=n, levels=levels, ticker=ticker, date=date)
    return synthetic.save_day(day, folder)


@pytest.fixture(scope="module")
def days_dir(tmp_path_factory):
    """Four good 5-level days as CSV pairs, one of them zipped."""
    d = tmp_path_factory.mktemp("days")
    for i, date in enumerate(DATES):
        m, o = _write(d, date, seed=100 + i)
        if i == 1:
            with zipfile.ZipFile(d / f"SYN_{date}_5.zip", "w") as zf:
                zf.write(m, m.name)
                zf.write(o, o.name)
            m.unlink()
            o.unlink()
    return d


@pytest.fixture(scope="module")
def ds(days_dir, tmp_path_factory):
    return open_days(days_dir, cache_dir=tmp_path_factory.mktemp("cache"), log=None)


def test_index_and_arrays(ds, days_dir):
    idx = ds.index
    assert list(idx.date) == list(DATES) and set(idx.ticker) == {"SYN"}
    assert (idx.levels == 5).all() and (idx.messages == N_MSG).all() and (idx.tick == 100).all()
    assert (idx.peak_bid > 0).all() and (idx.peak_ask > 0).all()
    for i in range(len(ds)):
        m, ob = ds.messages(i), ds.orderbook(i)
        assert isinstance(m, np.memmap) and m.dtype == np.int32 and m.shape == (N_MSG, 8)
        assert ob.dtype == np.int32 and ob.shape == (N_MSG, 20)
        day = lobster.load(ds.rows[i]["source"])
        np.testing.assert_array_equal(m, lobster.to_messages(day))
        np.testing.assert_array_equal(lobster.orderbook_l2(np.asarray(ob)), lobster.orderbook_l2(day))
        back = ds.day(i)  # a LobsterDay read back from the cache
        np.testing.assert_array_equal(back.orderbook, day.orderbook)
        np.testing.assert_array_equal(lobster.to_messages(back), m)
        peak = ReferenceBook.from_l2(day.orderbook[0]).peak_orders(lobster.to_messages(day)[1:])
        assert (int(idx.peak_bid[i]), int(idx.peak_ask[i])) == peak
    assert (ds.cache_dir / "index.json").exists()


def test_cache_is_reused_until_the_source_changes(days_dir, tmp_path):
    log = []
    open_days(days_dir, cache_dir=tmp_path, log=log.append)
    assert sum("cached" in line for line in log) == len(DATES)
    log.clear()
    again = open_days(days_dir, cache_dir=tmp_path, log=log.append)
    assert log == [] and len(again) == len(DATES)
    # a changed source (new modification time) is converted again, the others are not
    src = next(days_dir.glob(f"*{DATES[2]}*_orderbook_5.csv"))
    st = src.stat()
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    again = open_days(days_dir, cache_dir=tmp_path, log=log.append)
    assert len(log) == 1 and DATES[2] in log[0]


def test_glob_list_and_missing_sources(days_dir, tmp_path):
    assert len(find_days(str(days_dir / "*2012-06-2*"))) == 2  # the 20th and the 21st (CSV pairs)
    assert len(find_days([days_dir / "SYN_2012-06-19_5.zip", str(days_dir / "*_message_5.csv")])) == 4
    with pytest.raises(InputError, match="does not exist"):
        find_days(tmp_path / "nowhere")
    with pytest.raises(InputError, match="no LOBSTER days"):
        find_days(tmp_path)


@pytest.fixture()
def with_bad_day(days_dir, tmp_path):
    """The good days plus one whose message file has a non-numeric row."""
    d = tmp_path / "days"
    d.mkdir()
    for p in days_dir.iterdir():
        (d / p.name).write_bytes(p.read_bytes())
    m, _ = _write(d, "2012-06-22", seed=9)
    lines = m.read_text().splitlines()
    lines[41] = "34300.1,1,oops,100,2000000,1"
    m.write_text("\n".join(lines) + "\n")
    return d, m


def test_bad_day_stops_with_its_file_and_problem(with_bad_day, tmp_path):
    d, bad = with_bad_day
    with pytest.raises(InputError) as exc:
        open_days(d, cache_dir=tmp_path / "c", log=None)
    msg = str(exc.value)
    assert "\n" not in msg and bad.name in msg and "row 42" in msg and "non-numeric" in msg


def test_skip_bad_days_says_so(with_bad_day, tmp_path):
    d, bad = with_bad_day
    log = []
    ds = open_days(d, cache_dir=tmp_path / "c", skip_bad_days=True, log=log.append)
    assert len(ds) == len(DATES) and "2012-06-22" not in ds.dates
    assert len(ds.skipped) == 1 and ds.skipped[0][0] == str(bad)
    assert any(line.startswith("skipping bad day") and bad.name in line and "row 42" in line for line in log)


def test_times_going_backwards_is_a_bad_day(tmp_path):
    m, _ = _write(tmp_path / "d", "2012-06-22", seed=3, n=500)
    lines = m.read_text().splitlines()
    lines[10], lines[300] = lines[300], lines[10]
    m.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="row 12 has a time earlier"):
        open_days(m, cache_dir=tmp_path / "c", log=None)


def test_mixed_levels_rejected_or_cut(tmp_path):
    d = tmp_path / "mixed"
    _write(d, DATES[0], seed=1, levels=5, n=800)
    _write(d, DATES[1], seed=2, levels=10, n=800)
    with pytest.raises(InputError, match=r"mixed level counts \(5 in .*, 10 in .*\); pass levels=N"):
        open_days(d, cache_dir=tmp_path / "c", log=None)
    ds = open_days(d, cache_dir=tmp_path / "c", levels=5, log=None)
    assert ds.levels == 5 and ds.orderbook(1).shape == (800, 20)
    full = lobster.load(next(d.glob("*_message_10.csv")))
    np.testing.assert_array_equal(lobster.orderbook_l2(np.asarray(ds.orderbook(1))), lobster.orderbook_l2(full, 5))
    with pytest.raises(InputError, match="fewer than the 8 asked for"):
        open_days(d, cache_dir=tmp_path / "c", levels=8, log=None)


def test_split_by_date(ds):
    train, val, held = ds.split_dates(validation=1, heldout=1)
    assert train.dates == list(DATES[:2]) and val.dates == [DATES[2]] and held.dates == [DATES[3]]
    train, val, held = ds.split_dates(heldout=0.25)
    assert train.dates == list(DATES[:3]) and len(val) == 0 and held.dates == [DATES[3]]
    with pytest.raises(InputError, match="keep one for training"):
        ds.split_dates(validation=2, heldout=2)


def test_windows_across_days_and_split_by_time(ds):
    W, S = 400, 200
    w = ds.windows(W, S)
    assert set(np.unique(w.day)) == set(range(len(DATES)))
    offsets = np.concatenate([[0], np.cumsum([N_MSG] * len(DATES))])
    assert w.messages.shape == (N_MSG * len(DATES), 8)
    for k in range(w.num_windows):  # inside its own day, seeded by the orderbook row before it
        d, s = int(w.day[k]), int(w.starts[k])
        assert offsets[d] + 1 <= s and s + W <= offsets[d + 1]
        np.testing.assert_array_equal(w.seeds[k], ds.orderbook(d)[s - offsets[d] - 1])
    for k in range(0, w.num_windows, 7):  # the measured peaks, and the index's whole-day bound above them
        d, s = int(w.day[k]), int(w.starts[k])
        assert w.peaks[k] == max(ReferenceBook.from_l2(w.seeds[k]).peak_orders(w.messages[s:s + W]))
    assert w.peak_orders <= w.bound
    first, later = ds.windows(W, S, part=(0.0, 0.75)), ds.windows(W, S, part=(0.75, 1.0))
    assert first.num_windows + later.num_windows < w.num_windows  # windows across the cut are dropped
    for d in range(len(DATES)):
        a = first.starts[first.day == d] - offsets[d]
        b = later.starts[later.day == d] - offsets[d]
        assert a.max() + W <= 0.75 * N_MSG <= b.min()
    assert ds.windows(W, S, measure=False).peaks is None
    with pytest.raises(InputError, match="no window of"):
        ds.windows(N_MSG + 1)


def test_environment_replays_a_window_of_a_later_day(ds):
    import jax

    from hftlab.env import EnvConfig, MarketEnv
    from hftlab.env.data import market_data_from_days
    from hftlab.lob import engine

    T, K = 4, 50
    _, _, held = ds.split_dates(heldout=2)
    data = market_data_from_days(held, T * K, part=(0.5, 1.0))
    assert data.name.startswith("2 days") and data.num_windows > 4
    env = MarketEnv(EnvConfig.market_replay(episode_steps=T, messages_per_step=K, obs_levels=5))
    params = env.default_params(data)
    w = data.num_windows - 1  # the last window: on the second day
    _, st = env.reset_window(jax.random.PRNGKey(0), params, w)
    step = jax.jit(env.step)
    for _ in range(T - 1):
        _, st, *_ = step(jax.random.PRNGKey(1), st, {}, params)
    day_msgs = held.messages(1)
    local = int(data.starts[w]) - held.rows[0]["messages"]
    book = engine.from_l2(held.orderbook(1)[local - 1], env.config.capacity)
    book, _ = engine.replay(book, np.asarray(day_msgs[local:local + (T - 1) * K]), trades=False)
    np.testing.assert_array_equal(np.asarray(st.book.orders), np.asarray(book.orders))


@pytest.mark.skipif(not lobster.sample_days(), reason="real LOBSTER days (../shared/data/lobster) not present")
def test_real_days(tmp_path):
    one = [p for p in lobster.sample_days() if p.name.endswith("_1.zip") and ("GOOG" in p.name or "AMZN" in p.name)]
    ds = open_days(one, cache_dir=tmp_path, log=None)
    assert set(ds.index.ticker) == {"AMZN", "GOOG"} and (ds.index.levels == 1).all()
    assert (ds.index.tick == 100).all() and (ds.index.messages > 40_000).all()
    log = []
    with pytest.raises(InputError, match="mixed level counts"):  # found from the names, before any conversion
        open_days(lobster.sample_days(), cache_dir=tmp_path / "mixed", log=log.append)
    assert log == []


def test_study_trains_on_earlier_dates_and_holds_out_the_latest(days_dir, tmp_path, monkeypatch):
    from hftlab import configs
    from hftlab.study.market import market_setup

    monkeypatch.setenv("HFTLAB_CACHE", str(tmp_path / "cache"))
    cfg = configs.apply(configs.quick(configs.get("sample_day")), {"day": str(days_dir), "train_fraction": 0.75})
    env, p_train, p_test, windows, info = market_setup(cfg)
    assert info["train_day"].startswith("3 days (SYN 2012-06-18") and info["heldout_day"] == "SYN 2012-06-21"
    assert int(p_train.messages.shape[0]) == 3 * N_MSG and int(p_test.messages.shape[0]) == N_MSG
    one = configs.apply(cfg, {"day": str(days_dir / f"SYN_{DATES[0]}_*_message_5.csv")})  # one date: split by time
    _, p_train, p_test, _, info = market_setup(one)
    assert info["train_day"] == info["heldout_day"] == "SYN 2012-06-18"
    assert int(p_train.starts.max()) + 200 <= 0.75 * N_MSG <= int(p_test.starts.min())


def ds_of(days_dir, tmp_path):
    return open_days(days_dir, cache_dir=tmp_path / "cache", log=None)


def test_streamed_study_splits_by_date_and_keeps_windows_not_days_in_memory(days_dir, tmp_path, monkeypatch):
    from hftlab import configs
    from hftlab.study.market import day_stream, market_setup

    monkeypatch.setenv("HFTLAB_CACHE", str(tmp_path / "cache"))
    base = configs.apply(configs.quick(configs.get("sample_day")), {"day": str(days_dir), "train_fraction": 0.75})
    cfg = configs.apply(base, {"days_per_shard": 1})
    env, p_train, p_test, _, info = market_setup(cfg)
    st = info["stream"]
    assert st["train_days"] == [f"SYN {d}" for d in DATES[:3]] and st["heldout_days"] == [f"SYN {DATES[3]}"]
    assert st["validation_days"] == [] and st["shards"] == 3
    # in memory: windows, not days — the non-overlapping windows of the three training days (14 a day,
    # under the 48 kept at most), the held-out ones alone
    per_day = (N_MSG - 200) // 200
    starts = np.asarray(p_train.starts)
    assert starts.size == 3 * per_day and (np.diff(starts) == 200).all() and int(p_train.messages.shape[0]) == starts.size * 200
    held = np.asarray(p_test.starts)
    assert held.size == cfg.max_eval_windows and int(p_test.messages.shape[0]) == held.size * 200
    # the copied windows are the days' messages: the first training window is day 0's first window
    w = ds_of(days_dir, tmp_path).windows(200, stride=200, part=(0.0, 1.0), measure=False)
    np.testing.assert_array_equal(np.asarray(p_train.messages[:200]), w.messages[w.starts[0]:w.starts[0] + 200])
    np.testing.assert_array_equal(np.asarray(p_train.seeds[0]), w.seeds[0])
    stream = day_stream(cfg, env)
    assert stream.num_shards == 3 and [stream.days(i) for i in range(3)] == [(0,), (1,), (2,)]
    assert stream.params(1).messages.shape == stream.params(0).messages.shape  # one shape: one compiled chunk
    # choosing restarts on validation: the latest training date validates, by date
    val = configs.apply(cfg, {"select_on": "validation", "validation_fraction": 0.34})
    _, p_train, _, _, info = market_setup(val)
    st = info["stream"]
    assert st["train_days"] == [f"SYN {d}" for d in DATES[:2]] and st["validation_days"] == [f"SYN {DATES[2]}"]
    assert info["train_windows"] == [0, 2 * per_day] and info["validation_windows"] == [2 * per_day, 3 * per_day]
    # held out on another day: every date trains or validates
    other = synthetic.save_day(synthetic.generate_day(seed=7, n_messages=N_MSG, levels=5, ticker="OTH", date="2012-07-02"),
                               tmp_path / "other")[0]
    _, p_train, p_test, _, info = market_setup(configs.apply(val, {"heldout_day": str(other)}))
    assert info["stream"]["train_days"] == [f"SYN {d}" for d in DATES[:3]] and info["heldout_day"].startswith("OTH 2012-07-02")
    assert info["train_windows"] == [0, 3 * per_day] and info["validation_windows"] == [3 * per_day, 4 * per_day]
    with pytest.raises(InputError, match="days_per_shard: streaming needs a folder or glob of days"):
        market_setup(configs.apply(configs.quick(configs.get("sample_day")), {"days_per_shard": 1}))
    one_date = configs.apply(cfg, {"day": str(days_dir / f"SYN_{DATES[0]}_*_message_5.csv")})
    with pytest.raises(InputError, match="days_per_shard: the days are split by date when they stream; split_dates: 1 date"):
        market_setup(one_date)
    with pytest.raises(InputError, match="days_per_shard must be a non-negative integer"):
        market_setup(configs.apply(cfg, {"days_per_shard": -1}))


def test_train_command_streams_its_training_days(days_dir, tmp_path, monkeypatch, capsys):
    """``hftlab train --set day=DIR --set days_per_shard=1``: every training day is trained on, one
    shard per chunk, and the held-out date is evaluated."""
    from hftlab.cli import main

    monkeypatch.setenv("HFTLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HFTLAB_FIGURES", str(tmp_path / "figures"))
    out = tmp_path / "run.json"
    rc = main(["train", "--quick", "--seeds", "1", "--no-progress", "--no-figures", "--set", f"day={days_dir}",
               "--set", "days_per_shard=1", "--set", "max_eval_windows=2",
               "--set", "checkpoint_every=1", "--set", "train_fraction=0.75", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "streaming 3 training day(s), 1 per shard: 3 shard(s), a new one every 1 update(s)" in text
    import json

    rec = json.loads(out.read_text())
    st = rec["setup"]["stream"]
    assert st["chunks"] == 3 and st["shards_trained"] == 3 and rec["setup"]["heldout_day"] == f"SYN {DATES[3]}"
    assert rec["num_windows"] > 0 and rec["config"]["days_per_shard"] == 1


def test_spread_windows_are_the_held_out_evaluations_windows_without_the_days(ds):
    """``Dataset.spread_windows`` copies exactly the windows ``eval_windows`` picks from all the days
    laid end to end: the same messages, the same seeds, in the same order."""
    from hftlab.env.data import market_data_from_days, market_data_from_windows
    from hftlab.study.market import eval_windows

    full = market_data_from_days(ds, 300, stride=70, part=(0.2, 0.9), measure=False)
    for k in (1, 5, 40, 1000):
        picks = eval_windows(full, (0, full.num_windows), k)
        sw = ds.spread_windows(300, k, stride=70, part=(0.2, 0.9))
        assert sw.num_windows == picks.size
        want = np.stack([full.messages[s:s + 300] for s in np.asarray(full.starts)[picks]])
        np.testing.assert_array_equal(sw.messages.reshape(-1, 300, sw.messages.shape[1]), want)
        np.testing.assert_array_equal(sw.seeds, np.asarray(full.seeds)[picks])
        md = market_data_from_windows(sw)
        assert md.num_windows == sw.num_windows
        assert md.name == (full.name if k > 1 else "SYN 2012-06-18")  # one window: its day
    with pytest.raises(InputError, match="spread_windows: window_len, stride and max_windows must be positive"):
        ds.spread_windows(300, 0)
