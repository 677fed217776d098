"""IPPO on the market environment in quick mode: returns rise; the ``hftlab train`` command's bad input."""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest

from hftlab.cli import main
from hftlab.rl.experiment import ExperimentSpec, market_setup, train_seeds
from hftlab.rl.ippo import make_train

# a strong inventory penalty makes the market maker's learning signal clear in a few updates:
# a random quoting policy carries large inventories; cutting them raises the return
SPEC = ExperimentSpec.quick_default(num_envs=16, num_steps=16, updates=12, lr=3e-3, seeds=(0, 1),
                                    inventory_penalty=0.5)


@pytest.fixture(scope="module")
def setup():
    return market_setup(SPEC)


def test_returns_rise_on_the_market_in_quick_mode(setup):
    env, p_train, _, _, info = setup
    config = SPEC.train_config()
    train = make_train(config, env)
    out = jax.device_get(train_seeds(train, p_train, SPEC.seeds))
    m = out["metrics"]
    assert np.asarray(m["env_steps"]).shape == (2, SPEC.updates)
    for t in ("execution", "market_making"):
        for k in ("episode_return", "policy_loss", "value_loss", "entropy", "approx_kl", "clip_frac"):
            assert np.isfinite(np.asarray(m[t][k])).all(), (t, k)
    for k in ("shortfall_bps", "fill_rate"):
        assert np.isfinite(np.asarray(m["execution"][k])).all(), k
    for k in ("pnl", "inventory_std"):
        assert np.isfinite(np.asarray(m["market_making"][k])).all(), k
    # the market maker's mean episode return, first 3 vs last 3 updates, rises for every seed,
    # and its inventory risk falls
    ret = np.asarray(m["market_making"]["episode_return"])
    first, last = ret[:, :3].mean(axis=1), ret[:, -3:].mean(axis=1)
    assert (last > first).all(), (first, last)
    inv = np.asarray(m["market_making"]["inventory_std"])
    assert (inv[:, -3:].mean(axis=1) < inv[:, :3].mean(axis=1)).all(), inv


@pytest.mark.parametrize("argv, msg", [
    (["train", "--seeds", "0"], "--seeds must be at least 1"),
    (["train", "--num-envs", "0"], "--num-envs must be at least 1"),
    (["train", "--day", "/no/such/day.zip"], "does not exist"),
    (["train", "--num-minibatches", "7"], "num_minibatches=7"),
    (["train", "--json", "/no/such/folder/out.json"], "--json: folder"),
])
def test_train_command_bad_input_is_one_line(argv, msg, capsys):
    assert main(argv + ["--quick"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hftlab: error:") and msg in err and "\n" not in err


def test_train_command_config_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"learning_rate": 1.0}))
    assert main(["train", "--quick", "--config", str(bad)]) == 2
    assert "unknown setting(s) ['learning_rate']" in capsys.readouterr().err
    bad.write_text("{not json")
    assert main(["train", "--quick", "--config", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    from hftlab.commands.train import add_arguments, spec_from_args
    import argparse

    good = tmp_path / "good.json"
    good.write_text(json.dumps({"lr": 5e-4, "seeds": [3, 4, 5, 6], "inventory_penalty": 0.02}))
    p = argparse.ArgumentParser()
    add_arguments(p)
    spec = spec_from_args(p.parse_args(["--config", str(good), "--lr", "1e-3", "--no-progress"]))
    assert spec.lr == 1e-3 and spec.seeds == (3, 4, 5, 6) and spec.inventory_penalty == 0.02
