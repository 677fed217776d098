"""The study's statistics: the moving-block bootstrap, paired per-window differences and verdicts,
and a recorded run's intervals recomputed from its per-window records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hftlab.errors import InputError
from hftlab.study.market import records_frame, targets_from
from hftlab.study.stats import block_bootstrap, block_length, compare, paired_differences, verdict_table

RESULTS = Path(__file__).resolve().parents[1] / "hftlab" / "study" / "results"


def test_block_length_grows_as_the_cube_root():
    assert [block_length(n) for n in (1, 2, 8, 9, 27, 28, 64, 1000)] == [1, 2, 2, 3, 3, 4, 4, 10]


def test_bootstrap_is_seeded_and_centred():
    x = np.random.default_rng(1).normal(0.5, 1.0, 200)
    a, b = block_bootstrap(x, seed=3), block_bootstrap(x, seed=3)
    assert a == b
    assert a["lo"] < x.mean() < a["hi"] and a["mean"] == pytest.approx(x.mean())
    assert a["block"] == block_length(200) and a["n"] == 200
    se_iid = x.std(ddof=1) / np.sqrt(x.size)
    assert a["se"] == pytest.approx(se_iid, rel=0.25)  # independent values: close to the plain standard error


def test_blocks_widen_the_interval_of_dependent_windows():
    """A persistent (AR(1), phi 0.8) series: blocks keep the dependence, single values hide it."""
    rng = np.random.default_rng(0)
    e = rng.normal(size=400)
    x = np.zeros(400)
    for i in range(1, 400):
        x[i] = 0.8 * x[i - 1] + e[i]
    single = block_bootstrap(x, block=1)
    blocked = block_bootstrap(x, block=20)
    assert blocked["hi"] - blocked["lo"] > 1.8 * (single["hi"] - single["lo"])
    assert blocked["lag1_autocorr"] > 0.6


def test_coverage_of_a_known_mean():
    """Over 200 dependent series with mean 0, the 95% interval holds 0 in most of them."""
    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(200):
        e = rng.normal(size=60)
        x = np.convolve(e, np.ones(3) / 3, mode="same")  # 2-dependent
        ci = block_bootstrap(x, n_boot=1000, seed=int(rng.integers(1 << 30)))
        hits += ci["lo"] <= 0.0 <= ci["hi"]
    assert 0.82 <= hits / 200 <= 1.0


@pytest.mark.parametrize("x, msg", [([1.0], "at least 2"), ([1.0, np.nan, 2.0], "NaN"), ([[1.0, 2.0]], "1-d")])
def test_bad_series_are_one_line_errors(x, msg):
    with pytest.raises(InputError, match=msg):
        block_bootstrap(x)


def _records(gap: float, windows: int = 30, seeds: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = []
    for w in range(windows):
        market = rng.normal(0, 3)  # the window's own cost, shared by every policy (cancels in the pairs)
        for s in range(seeds):
            for side in (1, -1):
                for pol, extra in (("ippo", -gap), ("twap_near", 0.0), ("twap_far", 1.0)):
                    rows.append({"type": "execution", "policy": pol, "window": w, "seed": s, "side": side,
                                 "shortfall_bps": market * side + extra + rng.normal(0, 0.05)})
                for pol, pnl, fills in (("ippo", 5.0 + gap * 10, 800), ("null_mm", 0.0, 0)):
                    rows.append({"type": "market_making", "policy": pol, "window": w, "seed": s, "side": side,
                                 "pnl": pnl + rng.normal(0, 1.0), "fills": fills})
    return pd.DataFrame(rows)


def test_paired_differences_average_seeds_and_sides_within_a_window():
    rec = _records(gap=0.3)
    d = paired_differences(rec, "execution", "twap_near")
    assert list(d.index) == list(range(30))
    assert d.mean() == pytest.approx(-0.3, abs=0.02)  # the window's own cost cancels in the pair


def test_verdicts_beat_only_when_the_interval_excludes_zero():
    tab = compare(_records(gap=0.3), "execution")
    assert set(tab.baseline) == {"twap_near", "twap_far"} and (tab.verdict == "beats").all()
    tab = compare(_records(gap=0.0), "execution")
    assert tab.set_index("baseline").loc["twap_near", "verdict"] == "no difference"
    mm = compare(_records(gap=0.3), "market_making")
    assert set(mm.baseline) == {"null_mm", "zero"} and (mm.verdict == "beats").all()
    worse = compare(_records(gap=-1.0), "market_making")  # PnL 5 - 10 < 0
    assert (worse.verdict == "worse").all()


def test_targets_name_the_closest_baseline_and_the_liquidity():
    rec = _records(gap=0.3).assign(evaluation="heldout")
    tg = targets_from(rec, verdict_table(rec))["heldout"]
    assert tg["execution"]["met"] and tg["execution"]["closest_baseline"] == "twap_near"
    assert tg["market_making"]["met"] and tg["market_making"]["median_fills_per_episode"] == 800
    idle = rec.assign(fills=np.where(rec.policy == "ippo", 100, 0))
    assert not targets_from(idle, verdict_table(idle))["heldout"]["market_making"]["met"]  # too few shares


def test_missing_policy_is_a_one_line_error():
    with pytest.raises(InputError, match="no rows of policy 'pov'"):
        paired_differences(_records(0.1), "execution", "pov")


@pytest.mark.parametrize("name", ["study_goog_quick", "study_goog", "study_amzn"])
def test_recorded_run_intervals_recompute_from_its_records(name):
    """The recorded study runs: every interval and target follows from its per-window records."""
    r = json.loads((RESULTS / f"{name}.json").read_text())
    assert r["quick"] == name.endswith("_quick") and r["command"].startswith(
        ("HFTLAB_QUICK=1 hftlab train" if r["quick"] else "hftlab train") + f" --config {name.removesuffix('_quick')}")
    rec = records_frame(r["records"])
    assert {"evaluation", "seed", "side", "policy", "window", "start_s", "shortfall_bps", "pnl", "shares_executions",
            "markout_1", "markout_5"} <= set(rec.columns)
    again = verdict_table(rec)
    stored = pd.DataFrame(r["intervals"])
    assert list(again.baseline) == list(stored.baseline) and list(again.evaluation) == list(stored.evaluation)
    for k in ("mean", "lo", "hi"):
        np.testing.assert_allclose(again[k], stored[k], atol=1e-4)
    assert list(again.verdict) == list(stored.verdict)
    targets = targets_from(rec, again)
    assert {ev: {t: v["met"] for t, v in e.items()} for ev, e in targets.items()} == \
        {ev: {t: v["met"] for t, v in e.items()} for ev, e in r["targets"].items()}
    # per evaluation, windows in time order: the order the blocks resample
    for _, g in rec.groupby("evaluation"):
        w = g.drop_duplicates("window").sort_values("window")
        assert w.start_s.is_monotonic_increasing
    assert rec[rec.evaluation == "heldout"].window.nunique() == r["num_windows"]


def test_recorded_study_tables_and_selection_chart():
    """The tables notebook 03 shows: per (run, type, seed) one restart kept, the best on the validation
    windows; one target row per (run, evaluation, type); the selection chart draws every row."""
    from hftlab.study.records import design_frame, selection_frame, targets_frame
    from hftlab.viz.study import selection_chart

    runs = {n: json.loads((RESULTS / f"{n}.json").read_text()) for n in ("study_goog", "study_amzn")}
    sel = selection_frame(runs)
    assert len(sel) == 2 * 8 * 2 * 2  # runs × seeds × types × restarts
    assert (sel.groupby(["run", "type", "seed"]).kept.sum() == 1).all()
    for (_, t, _), g in sel.groupby(["run", "type", "seed"]):
        best = g.score.min() if t == "execution" else g.score.max()
        assert g[g.kept].score.item() == best
    t = targets_frame(runs)
    assert len(t) == 2 * 2 * 2 and t.met.sum() == 1  # only AMZN → GOOG execution is met
    assert set(design_frame(runs)["restarts compared on"]) == {"validation"}
    spec = selection_chart(sel).to_dict()
    assert len(spec["datasets"][next(iter(spec["datasets"]))]) == len(sel)
    with pytest.raises(InputError, match="selection_chart: expected columns"):
        selection_chart(sel.drop(columns="kept"))
