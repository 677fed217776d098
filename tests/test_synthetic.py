"""The synthetic order-flow generator: determinism, internal consistency, sane stylized facts."""

from __future__ import annotations

import numpy as np
import pytest

from hftlab.errors import InputError
from hftlab.lob import lobster, stats, synthetic
from hftlab.lob import messages as M
from hftlab.lob.reference import DictBook, ReferenceBook


@pytest.fixture(scope="module")
def small_day():
    return synthetic.generate_day(seed=7, n_messages=6000, levels=10)


@pytest.fixture(scope="module")
def bundled():
    return lobster.sample_day()


def test_deterministic_given_seed(small_day):
    again = synthetic.generate_day(seed=7, n_messages=6000, levels=10)
    np.testing.assert_array_equal(again.messages, small_day.messages)
    np.testing.assert_array_equal(again.orderbook, small_day.orderbook)
    np.testing.assert_array_equal(again.time_ns, small_day.time_ns)
    other = synthetic.generate_day(seed=8, n_messages=6000, levels=10)
    assert not np.array_equal(other.messages, small_day.messages)


def _replay_rows_mismatch(day) -> int:
    """Rows where the reference book, replaying every message from an empty book, differs from the file."""
    m = lobster.to_messages(day)
    l2 = lobster.orderbook_l2(day)
    book = ReferenceBook()
    bad = 0
    for t in range(len(day)):
        assert book.apply(m[t]) == [] or m[t, M.TYPE] == M.EXECUTE
        bad += not np.array_equal(book.l2(day.levels), l2[t])
    return bad


def test_replay_reproduces_every_orderbook_row(small_day):
    assert _replay_rows_mismatch(small_day) == 0


def test_bundled_day_is_consistent(bundled):
    assert bundled.ticker == "SYNTH" and bundled.levels == 10
    assert _replay_rows_mismatch(bundled) == 0
    # seeded from row 0 instead (the unknown-id rule stands in for the first order): same end state
    m = lobster.to_messages(bundled)
    fb = DictBook.from_l2(bundled.orderbook[0])
    fb.replay(m[1:])
    np.testing.assert_array_equal(fb.l2(10), lobster.orderbook_l2(bundled)[-1])
    assert fb.unresolved == 0


def test_bundled_day_is_what_the_generator_writes(tmp_path, bundled):
    mp, op = synthetic.write_sample(tmp_path)
    want_m, want_o = lobster.sample_day_paths()
    assert mp.read_bytes() == want_m.read_bytes()
    assert op.read_bytes() == want_o.read_bytes()
    assert want_m.stat().st_size + want_o.stat().st_size < 8 * 2**20


def test_messages_are_lobster_like(small_day):
    m = lobster.to_messages(small_day)
    assert set(np.unique(m[:, M.TYPE])) == {1, 2, 3, 4, 5}
    assert np.all(m[:, M.SIZE] > 0)
    assert np.all(np.isin(m[:, M.SIDE], [-1, 1]))
    assert np.all(m[:, M.PRICE] % 100 == 0)
    t = m[:, M.TIME_S].astype(np.int64) * 10**9 + m[:, M.TIME_NS]
    assert np.all(np.diff(t) >= 0)
    assert t[0] >= 34200 * 10**9 and t[-1] < 57600 * 10**9
    ob = small_day.orderbook
    quoted = (ob[:, 1] > 0) & (ob[:, 3] > 0)
    assert np.all(ob[quoted, 0] > ob[quoted, 2])  # never crossed or locked
    # executions hit the touch: price of a type 4 = best price of its side before it
    ex = np.flatnonzero(m[1:, M.TYPE] == M.EXECUTE) + 1
    best_before = np.where(m[ex, M.SIDE] == M.BUY, ob[ex - 1, 2], ob[ex - 1, 0])
    assert np.all(m[ex, M.PRICE] == best_before)


def test_stylized_facts_sane(bundled):
    s = stats.summary(bundled)
    assert 3 <= s["spread_median_ticks"] <= 40  # real AMZN: 13, GOOG: 28
    assert 0.4 <= s["share_type1"] <= 0.6 and 0.3 <= s["share_type3"] <= 0.5
    assert 0.03 <= s["share_type4"] <= 0.12 and 0.005 <= s["share_type5"] <= 0.05
    assert 0.001 <= s["share_type2"] <= 0.05
    assert 50 <= s["size_median"] <= 200  # real: 100
    assert 0.3 <= s["size_round_lot_share"] <= 0.7
    assert s["dt_median_s"] < 0.01 < s["dt_mean_s"]  # bursty arrivals
    assert 1.0 <= s["ret_100msg_std_bps"] <= 15.0
    assert 50 <= s["depth_level1_mean"] <= 600
    # intraday rhythm: busier in the first and last half hours than at midday
    t = bundled.time_s
    per_half_hour = np.histogram(t, bins=np.arange(34200, 57601, 1800))[0]
    assert per_half_hour[0] > per_half_hour[6] and per_half_hour[-1] > per_half_hour[6]


def test_bad_arguments():
    with pytest.raises(InputError, match="n_messages"):
        synthetic.generate_day(n_messages=0)
    with pytest.raises(InputError, match="multiple of tick"):
        synthetic.generate_day(start_price=2_000_050)


def test_stylized_fact_frames_and_charts(small_day, bundled):
    from hftlab.viz import lob as lobviz

    days = {"small": small_day, "bundled": bundled}
    facts = stats.stylized_facts(days)
    assert set(facts) == {"spread", "order_size", "inter_arrival", "mid_return", "message_mix"}
    for fact, df in facts.items():
        assert set(df["day"]) == set(days), fact
        for _, part in df.groupby("day"):
            assert abs(part["fraction"].sum() - 1.0) < 1e-9, fact
    mix = facts["message_mix"]
    assert mix.loc[(mix.day == "bundled") & (mix.type == 1), "count"].item() == int((bundled.types == 1).sum())
    spec = lobviz.stylized_facts_chart(facts).to_dict()
    assert len(spec["vconcat"]) == 2
    series = stats.mid_spread_series(bundled, start=100, length=500, max_points=200)
    assert len(series) <= 200 and series["message"].between(100, 600).all()
    assert (series["spread_ticks"] > 0).all()
    lobviz.mid_spread_chart(series).to_dict()
    depth = lobviz.depth_frame(lobster.orderbook_l2(bundled)[-1])
    assert set(depth["side"]) == {"bid", "ask"} and (depth.groupby("side")["cumulative"].diff().dropna() > 0).all()
    lobviz.depth_chart(lobster.orderbook_l2(bundled)[-1]).to_dict()


def test_validation_and_throughput_charts_build():
    import pandas as pd

    from hftlab.viz import lob as lobviz

    k = pd.DataFrame({"k": [1, 10, 100], "agreement": [1.0, 0.8, 0.5], "level_agreement": [1.0, 0.95, 0.85]})
    spec = lobviz.agreement_chart(k).to_dict()
    assert spec["encoding"]["x"]["scale"]["type"] == "log"
    tp = pd.DataFrame({"label": ["JAX B=1", "JAX B=64", "dict book"], "msgs_per_s": [6e4, 5e5, 1e6]})
    spec = lobviz.throughput_chart(tp).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["scale"] == {"type": "log", "domainMin": 10000.0}
