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
    # probes: the untrained encoder's random features of the holdings already carry some style
    # (its pooled inputs include the portfolio's exposures), training adds parameter information
    styles = sample.style_codes()
    r0, r1 = probe_recall(phi0, styles, "rbf"), probe_recall(phi1, styles, "rbf")
    assert r1 >= r0 and r1 > 0.85, (r0, r1)
    q0 = np.mean(list(parameter_r2(phi0, sample).values()))
    q1 = np.mean(list(parameter_r2(phi1, sample).values()))
    assert q1 > q0 + 0.03, (q0, q1)
    e0, e1 = heldout_errors(before, sample, phi0), heldout_errors(trained, sample, phi1)
    assert e1.loc["model", "turnover"] < 0.5 * e0.loc["model", "turnover"]
    assert e1.loc["model", "turnover"] < e1.loc["zero-trade", "turnover"]
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
    assert res["train_seconds"]["model"]["mean"] > 0


def test_cli_bad_inputs(tmp_path, capsys):
    assert main(["fundgan", "--universe", str(tmp_path / "nope.npz")]) == 2
    assert "nope.npz" in capsys.readouterr().err
    assert main(["fundgan", "--quick", "--iterations", "0"]) == 2
    assert "--iterations=0" in capsys.readouterr().err
    assert main(["fundgan", "--quick", "--loss-exposure", "-1"]) == 2
    assert "loss weights must be non-negative" in capsys.readouterr().err
