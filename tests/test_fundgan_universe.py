"""The synthetic fund universe: calibration, known rules, persistence, input checks."""

import dataclasses

import numpy as np
import pytest

from hftlab.errors import InputError
from hftlab.fundgan.swap import true_rule_weights
from hftlab.fundgan.universe import (
    CALIBRATION_TARGETS,
    FundUniverse,
    UniverseConfig,
    generate_universe,
    load_universe,
    sample_path,
)
from hftlab.fundgan.validate import check_universe


@pytest.fixture(scope="module")
def mid_universe() -> FundUniverse:
    # the default stock universe (300 stocks) with fewer funds and months, to keep the test short
    return generate_universe(UniverseConfig(n_funds=160, n_months=24), seed=3)


@pytest.fixture(scope="module")
def sample() -> FundUniverse:
    return load_universe(sample_path())


def test_calibration_targets_are_hit(mid_universe):
    calib = mid_universe.calibration().set_index("figure")
    for name, (target, lo, hi) in CALIBRATION_TARGETS.items():
        assert lo <= calib.loc[name, "value"] <= hi, (name, calib.loc[name, "value"])
    assert calib["ok"].all(), calib[~calib["ok"]]


def test_weights_are_sparse_long_only_portfolios(mid_universe):
    w = mid_universe.weights
    assert w.shape == (160, 24, 300)
    assert (w >= 0).all()
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-4)
    active = (mid_universe.funds["style"] != "Index").to_numpy()
    held = (w[active] > 0).sum(-1)
    assert 20 <= np.median(held) <= 200 and held.max() < 300  # active funds hold a subset, with exact zeros


def test_style_mix_and_parameters(mid_universe):
    f = mid_universe.funds
    shares = f["style"].value_counts(normalize=True)
    for style, share in zip(["Index", "Core", "Growth", "Value"], UniverseConfig().style_shares):
        assert abs(shares[style] - share) < 0.02
    assert (f.loc[f["style"] == "Index", "rule"] == "index").all()
    assert set(f.loc[f["style"] != "Index", "rule"]) == {"mv", "tilt"}
    # growth funds tilt away from value (HML), value funds towards it
    m = f.groupby("style")["tilt_hml"].mean()
    assert m["Growth"] < -0.5 < 0.5 < m["Value"]
    # the tilts show in the realised portfolios' HML exposure
    e = mid_universe.fund_month_frame().groupby("style")["exposure_beta_hml"].mean()
    assert e["Growth"] < e["Core"] < e["Value"]


def test_index_funds_follow_their_known_rule(mid_universe):
    u = mid_universe
    idx = np.flatnonzero(u.funds["style"].to_numpy() == "Index")[:5]
    t = u.n_months - 1
    w = true_rule_weights(u, idx, idx, t)  # noise-free rule from the recorded previous portfolio
    dist = 0.5 * np.abs(w - u.weights[idx, t]).sum(-1)
    assert dist.max() < 0.05, dist  # only the tiny tracking noise separates them


def test_tidy_frames(sample):
    fm = sample.fund_month_frame()
    assert len(fm) == sample.n_funds * sample.n_months
    assert {"fund", "month", "style", "holdings", "hhi", "turnover", "exposure_beta_hml"} <= set(fm.columns)
    h = sample.holdings_frame([0, 1])
    assert (h["weight"] > 0).all() and set(h["fund"]) == {0, 1}
    assert len(sample.stock_frame()) == sample.n_months * sample.n_stocks
    assert set(sample.factor_frame()["factor"]) == {"mkt", "smb", "hml", "umd"}


def test_sample_file_is_small_and_valid(sample):
    assert sample_path().stat().st_size < 2_000_000
    assert (sample.n_funds, sample.n_months, sample.n_stocks) == (96, 48, 100)
    check_universe(sample)


def test_save_load_roundtrip(sample, tmp_path):
    p = sample.save(tmp_path / "u.npz")
    u = load_universe(p)
    np.testing.assert_array_equal(u.weights, sample.weights)
    assert u.funds.equals(sample.funds)
    assert u.config == sample.config


def _broken(sample, **kw) -> FundUniverse:
    return dataclasses.replace(sample, **kw)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda u: {"weights": u.weights[:, :, :-1]}, "returns: expected shape"),
        (lambda u: {"characteristics": u.characteristics[..., :5]}, "characteristics: expected shape"),
        (lambda u: {"weights": u.weights * 1.5}, "weights are not portfolios: they sum to"),
        (lambda u: {"weights": u.weights - 0.01}, "weights are not portfolios: negative weight"),
        (lambda u: {"returns": np.where(np.arange(u.n_stocks) == 3, np.nan, u.returns)}, "returns: NaN at index"),
        (lambda u: {"weights": np.where(np.arange(u.n_stocks) == 0, np.nan, u.weights)}, "weights: NaN at index"),
        (lambda u: {"weights": u.weights[0]}, "weights: expected shape (funds, months, stocks)"),
    ],
)
def test_bad_universe_names_the_problem(sample, change, message):
    with pytest.raises(InputError) as exc:
        check_universe(_broken(sample, **change(sample)))
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_bad_files(tmp_path, sample):
    with pytest.raises(FileNotFoundError):
        load_universe(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_text("not a zip")
    with pytest.raises(InputError, match="not a fund-universe"):
        load_universe(junk)
    nan = _broken(sample, cap=np.full_like(sample.cap, np.nan))
    p = nan.save(tmp_path / "nan.npz")
    with pytest.raises(InputError, match="cap: NaN"):
        load_universe(p)


def test_bad_config():
    with pytest.raises(InputError, match="n_stocks"):
        generate_universe(UniverseConfig(n_stocks=5))
