"""Fitting the synthetic generator: recovery of known parameters from days it generated, the stylized-facts
report, and ``hftlab synth``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hftlab.lob import calibrate, lobster, synthetic

TRUTH = replace(synthetic.SynthParams(), w_market=0.05, w_hidden=0.01, w_cancel=0.38, p_partial=0.06, p_inside=0.3,
                p_at_best=0.25, p_depth=0.12, p_round_lot=0.6, p_more_lots=0.25, odd_lot_median=20.0,
                odd_lot_sigma=0.7, p_burst=0.4, burst_mean_s=0.002, intraday_u=2.5, p_cancel_best=0.5)


@pytest.fixture(scope="module")
def days():
    return [synthetic.generate_day(seed=s, n_messages=15_000, levels=10, params=TRUTH) for s in (1, 2)]


def test_fit_recovers_the_parameters_of_generated_days(days):
    f = calibrate.fit(days)
    rel = {"w_cancel": 0.05, "w_hidden": 0.15, "p_partial": 0.15, "p_inside": 0.05, "p_at_best": 0.06,
           "p_depth": 0.05, "p_round_lot": 0.03, "p_more_lots": 0.08, "odd_lot_median": 0.1, "odd_lot_sigma": 0.06,
           "market_size_scale": 0.1, "p_burst": 0.05, "burst_mean_s": 0.1, "intraday_u": 0.1, "p_one_tick": 0.1}
    for k, tol in rel.items():
        assert getattr(f, k) == pytest.approx(getattr(TRUTH, k), rel=tol), k
    # a marketable limit order filled in full looks like a market order: their sum is what the data shows
    assert f.w_market + f.w_marketable_limit == pytest.approx(TRUTH.w_market + TRUTH.w_marketable_limit, rel=0.1)
    assert f.p_cancel_best == pytest.approx(TRUTH.p_cancel_best, abs=0.1)  # approximate by construction
    assert f.p_cancel_recent == pytest.approx(TRUTH.p_cancel_recent, abs=0.25)  # these two overlap with p_cancel_best
    assert f.p_fleeting < 0.35


def test_fleeting_and_recent_cancellations_are_seen():
    """Days with fleeting improving orders and more cancellations of recent orders fit larger values of both
    (the estimates overlap with each other and with p_cancel_best, so they are approximate)."""
    base = replace(TRUTH, p_cancel_best=0.2, p_cancel_recent=0.1, p_fleeting=0.0)
    more = replace(base, p_cancel_recent=0.5, p_fleeting=0.6)
    fb, fm = (calibrate.fit([synthetic.generate_day(seed=5, n_messages=15_000, levels=10, params=p)]) for p in (base, more))
    assert fm.p_fleeting > fb.p_fleeting + 0.2 and fm.p_cancel_recent > fb.p_cancel_recent + 0.2
    # and the default parameters are far from these on the same statistics
    d = synthetic.SynthParams()
    assert abs(d.p_depth - TRUTH.p_depth) / TRUTH.p_depth > 0.3 and abs(d.intraday_u - TRUTH.intraday_u) > 0.5


def test_report_prefers_the_generator_of_the_day(days):
    """Days of the true parameters are closer to a day of TRUTH than the default generator's, on most facts."""
    args = calibrate.generation_args(days[0])
    same = [synthetic.generate_day(seed=9, params=TRUTH, **args)]
    other = [synthetic.generate_day(seed=9, params=synthetic.SynthParams(), **args)]
    rep = calibrate.fidelity_report(days[:1], same, other)
    assert {"spread_ticks", "log10_inter_arrival_s", "log10_order_size", "depth_profile", "imbalance_level1",
            "log10_time_to_cancel_s", "volatility_bps_10s", "autocorr1_60s"} <= set(rep.fact)
    assert np.isfinite(rep[["fitted", "default"]].to_numpy()).all()
    assert (rep.closer == "fitted").sum() >= 0.7 * len(rep)


def test_synth_command(tmp_path, capsys):
    from hftlab.cli import main

    src = synthetic.generate_day(seed=4, n_messages=2500, levels=5, params=TRUTH, ticker="ABC", date="2012-06-21")
    m, _ = synthetic.save_day(src, tmp_path / "real")
    assert main(["synth", "--fit", str(m), "--days", "2", "--out", str(tmp_path / "gen")]) == 0
    out = capsys.readouterr().out
    assert "fitted closer than default on" in out and "spread_ticks" in out
    written = sorted(p.name for p in (tmp_path / "gen").glob("*_message_5.csv"))
    assert written == ["ABC_2012-06-22_34200000_57600000_message_5.csv", "ABC_2012-06-23_34200000_57600000_message_5.csv"]
    assert len(lobster.load(tmp_path / "gen" / written[0])) == 2500
    assert (tmp_path / "gen" / "fidelity.csv").exists() and (tmp_path / "gen" / "params.csv").exists()
    assert main(["synth", "--fit", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "x")]) == 2
    assert main(["synth", "--fit", str(m), "--days", "0", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "hftlab: error:" in err and "--days must be at least 1" in err
