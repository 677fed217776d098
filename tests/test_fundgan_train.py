"""A short training run on the bundled sample universe: better than the untrained model; the CLI."""

import dataclasses
import json

import numpy as np
import pytest

from hftlab.cli import main
from hftlab.fundgan.evaluate import critic_distance, encode_funds, heldout_errors, parameter_r2, probe_recall
from hftlab.fundgan.train import TrainConfig, train, untrained
from hftlab.fundgan.universe import load_universe, sample_path


@pytest.fixture(scope="module")
def sample():
    return load_universe(sample_path())


@pytest.fixture(scope="module")
def trained(sample):
    cfg = dataclasses.replace(TrainConfig.default(), iterations=300)
    return train(sample, cfg, seed=0, progress=False)


def test_training_improves_critic_distance_probe_and_turnover(sample, trained):
    cfg = trained.config
    before = untrained(sample, cfg, seed=0)
    phi0, phi1 = encode_funds(before, sample), encode_funds(trained, sample)
    d0 = critic_distance(before, sample, phi0, steps=300)
    d1 = critic_distance(trained, sample, phi1, steps=300)
    assert d1 < 0.7 * d0, (d0, d1)
    # probes: phi's anchored lanes (average factor-loading exposures and trading statistics)
    # carry the style from the start (0.93 RBF macro recall here); training keeps it and adds
    # a learnt lane
    styles = sample.style_codes()
    r0, r1 = probe_recall(phi0, styles, "rbf"), probe_recall(phi1, styles, "rbf")
    assert r0 > 0.85 and r1 > 0.85, (r0, r1)
    q0 = np.mean(list(parameter_r2(phi0, sample).values()))
    q1 = np.mean(list(parameter_r2(phi1, sample).values()))
    # mean R^2 of the true parameters: 0.69 untrained, 0.66 after these 300 iterations (the
    # anchored lanes hold most of it; the full run's figures are in the README)
    assert q0 > 0.55 and q1 > 0.55, (q0, q1)
    e0, e1 = heldout_errors(before, sample, phi0), heldout_errors(trained, sample, phi1)
    assert e1.loc["model", "turnover"] < 0.5 * e0.loc["model", "turnover"]
    assert e1.loc["model", "turnover"] < e1.loc["zero-trade", "turnover"]
    # the holdings-count head beats both count baselines (the previous count and the fund's
    # average) by a margin at this size (1.46 / 1.52 vs 1.63 over training seeds 0 / 1), and
    # the fund's phi matters for it
    best = min(e1.loc["zero-trade", "holdings"], e1.loc["factor-tilt matched", "holdings"])
    assert e1.loc["model", "holdings"] < 0.97 * best, e1
    assert e1.loc["model", "holdings"] < 0.5 * e1.loc["model, shuffled phi", "holdings"], e1
    assert np.isfinite(trained.history.to_numpy()).all()


def test_cli_writes_evaluation_json(tmp_path, capsys):
    out = tmp_path / "fundgan.json"
    rc = main(["fundgan", "--quick", "--universe", str(sample_path()), "--iterations", "50", "--seeds", "1",
               "--no-progress", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "Probe from phi" in text and "zero-trade" in text
    res = json.loads(out.read_text())
    assert {"style, linear", "style, rbf"} <= set(res["probe_macro_recall"])
    assert set(res["parameter_r2"]) >= {"tilt_hml", "holdings_target", "adjust_speed"}
    for protocol in ("portfolio_metric_errors", "portfolio_metric_errors_rollout"):
        errs = res[protocol]
        for metric in ("holdings", "hhi", "turnover"):
            assert {"model", "zero-trade", "turnover-matched random", "factor-tilt matched", "generator-only"} <= set(errs[metric])
    assert res["portfolio_metric_errors"]["turnover"]["zero-trade"]["mean"] > 0.1  # zero-trade misses all trading
    mk = res["markowitz_proximity_pct"]
    assert set(mk) == {"Index", "Core", "Growth", "Value"}
    for style in mk.values():
        assert 0 < style["real"]["mean"] <= 100 and 0 < style["model"]["mean"] <= 100
    assert {"model error", "correlation", "slope"} <= set(res["strategy_swap"]["beta_hml"])
    assert res["train_seconds"]["model"]["mean"] > 0


def test_cli_bad_inputs(tmp_path, capsys):
    assert main(["fundgan", "--universe", str(tmp_path / "nope.npz")]) == 2
    assert "nope.npz" in capsys.readouterr().err
    assert main(["fundgan", "--quick", "--iterations", "0"]) == 2
    assert "--iterations=0" in capsys.readouterr().err
    assert main(["fundgan", "--quick", "--loss-exposure", "-1"]) == 2
    assert "loss weights must be non-negative" in capsys.readouterr().err


def test_markowitz_proximity_orders_portfolios(sample):
    from hftlab.fundgan.evaluate import markowitz_proximity

    n = sample.n_stocks
    months = np.array([sample.n_months - 2, sample.n_months - 1])
    t_train = sample.n_months - 12
    equal = np.full((1, 2, n), 1.0 / n)
    single = np.zeros((1, 2, n))
    for j, t in enumerate(months):  # all in the stock with the largest residual volatility
        single[0, j, np.argmax(sample.characteristics[t - 1, :, 5])] = 1.0
    p = markowitz_proximity(np.concatenate([equal, single]), sample, t_train, months)
    assert p.shape == (2, 2) and ((p > 0) & (p <= 1)).all()
    # the most volatile single stock is further from the frontier than the equal-weight portfolio
    assert (p[0] > 1.5 * p[1]).all(), p
    # the real funds' portfolios lie between a single stock and the frontier
    real = markowitz_proximity(sample.weights[:, months], sample, t_train, months)
    assert 0.2 < real.mean() < 1.0
