"""A short training run on the bundled sample universe: better than the untrained model; the CLI."""

import dataclasses
import json

import numpy as np
import pytest

from hftlab.cli import main
from hftlab.config import quick
from hftlab.fundgan.configs import TrainConfig
from hftlab.fundgan.critic_distance import critic_distance
from hftlab.fundgan.encode import encode_funds
from hftlab.fundgan.heldout import heldout_errors
from hftlab.fundgan.probes import parameter_r2, probe_recall, summary_fit
from hftlab.fundgan.train import train, untrained
from hftlab.fundgan.universe import load_universe, sample_path


@pytest.fixture(scope="module")
def sample():
    return load_universe(sample_path())


REPORTS: list = []  # what the training run below reported to its monitor: (iteration, metrics)


@pytest.fixture(scope="module")
def trained(sample):
    """300 iterations, watched: a monitor gets every chunk's metrics, the style probe every 3 chunks."""
    cfg = dataclasses.replace(TrainConfig.quick() if quick() else TrainConfig(), iterations=300)
    styles = sample.style_codes()
    probe = lambda model: {"probe_recall": probe_recall(encode_funds(model, sample), styles, "linear")}  # noqa: E731
    return train(sample, cfg, seed=0, progress=False, monitor=lambda step, m: REPORTS.append((step, m)),
                 probe=probe, probe_every=3)


def test_monitor_gets_losses_every_chunk_and_probe_recall_at_checkpoints(trained):
    cfg = trained.config
    chunks = -(-cfg.iterations // cfg.chunk)
    assert [step for step, _ in REPORTS] == list(trained.history.iteration)  # one report per chunk
    for _, m in REPORTS:
        assert {"critic_loss", "distance", "gp", "generator_loss", "adversarial"} <= set(m)
    probed = [i for i, (_, m) in enumerate(REPORTS) if "probe_recall" in m]
    assert probed == sorted({i for i in range(chunks) if (i + 1) % 3 == 0} | {chunks - 1})
    assert 0.0 <= REPORTS[-1][1]["probe_recall"] <= 1.0


def test_training_improves_critic_distance_probe_and_turnover(sample, trained):
    cfg = trained.config
    before = untrained(sample, cfg, seed=0)
    phi0, phi1 = encode_funds(before, sample), encode_funds(trained, sample)
    d0 = critic_distance(before, sample, phi0, steps=300)
    d1 = critic_distance(trained, sample, phi1, steps=300)
    assert d1 < 0.7 * d0, (d0, d1)
    # probes: every lane of phi is learnt. Random features of the pooled holdings
    # already separate the styles fairly well (untrained linear 0.89 here, 0.96 after these 300 iterations)
    styles = sample.style_codes()
    r0, r1 = probe_recall(phi0, styles, "linear"), probe_recall(phi1, styles, "linear")
    assert r1 > 0.9 and r1 > r0, (r0, r1)
    assert probe_recall(phi1, styles, "rbf") > 0.9
    q0 = np.mean(list(parameter_r2(phi0, sample).values()))
    q1 = np.mean(list(parameter_r2(phi1, sample).values()))
    # mean R^2 of the true parameters: 0.45 untrained, 0.65 after these 300 iterations
    assert q1 > 0.55 and q1 > q0, (q0, q1)
    e0, e1 = heldout_errors(before, sample, phi0), heldout_errors(trained, sample, phi1)
    assert e1.loc["model", "turnover"] < 0.5 * e0.loc["model", "turnover"]
    assert e1.loc["model", "turnover"] < e1.loc["zero-trade", "turnover"]
    # the holdings count: after these 300 iterations the read-out of the fund's average trading
    # statistics from the learnt phi is not yet precise (R^2 0.89-0.97), so the count head is only
    # near the count baselines here (1.69 / 1.68 vs 1.63 at best over training seeds 0 / 1; the
    # full run beats them, README), but the fund's phi matters for it (shuffled: 5.0 / 2.6)
    best = min(e1.loc["zero-trade", "holdings"], e1.loc["factor-tilt matched", "holdings"])
    assert e1.loc["model", "holdings"] < 1.1 * best, e1
    assert e1.loc["model", "holdings"] < 0.8 * e1.loc["model, shuffled phi", "holdings"], e1
    assert np.isfinite(trained.history.to_numpy()).all()


def test_trained_code_carries_the_summaries_in_learnt_lanes(sample, trained):
    # the summary read-out term: the fund's average exposures and trading statistics are linear
    # in phi after training (R^2 0.73-0.98 after these 300 iterations, above 0.99 in the full run;
    # negative before), and no lane of phi is a copy of any of them (best lane |corr| 0.46-0.94)
    before = untrained(sample, trained.config, seed=0)
    fit0 = summary_fit(before, sample, encode_funds(before, sample))
    fit1 = summary_fit(trained, sample, encode_funds(trained, sample))
    assert (fit1["readout r2"] > 0.6).all(), fit1
    assert (fit0["readout r2"] < 0.5).all(), fit0
    assert (fit1["max |lane - summary|"] > 0.1).all() and (fit1["best lane |corr|"] < 0.99).all(), fit1


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
    assert {"style, linear (untrained encoder)", "style, linear (shuffled phi)"} <= set(res["probe_macro_recall"])
    assert set(res["summary_fit"]) == {"expo_mkt", "expo_smb", "expo_hml", "expo_umd", "log_count_share", "log_n_hhi",
                                       "5_turnover"}


def test_cli_bad_inputs(tmp_path, capsys):
    assert main(["fundgan", "--universe", str(tmp_path / "nope.npz")]) == 2
    assert "nope.npz" in capsys.readouterr().err
    assert main(["fundgan", "--quick", "--iterations", "0"]) == 2
    assert "--iterations=0" in capsys.readouterr().err
    assert main(["fundgan", "--quick", "--loss-exposure", "-1"]) == 2
    assert "loss weights must be non-negative" in capsys.readouterr().err


def test_markowitz_proximity_orders_portfolios(sample):
    from hftlab.fundgan.markowitz import markowitz_proximity

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
