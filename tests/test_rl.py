"""IPPO on the two-type toy environment: learning to the known optimum, sweeps, checkpoints, bad input.

Everything is tiny (a few thousand environment steps); the compiled training function
is shared by the tests through module fixtures.
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hftlab.errors import InputError
from hftlab.rl.checkpoint import load_params, save_params
from hftlab.rl.config import AgentConfig, TrainConfig, default_hparams
from hftlab.rl.ippo import make_train
from hftlab.rl.sweep import grid_points, run_sweep
from hftlab.rl.toy import ToyEnv

ENV = ToyEnv()
CFG = TrainConfig(
    num_envs=16, num_steps=16, total_timesteps=16 * 16 * 30, update_epochs=2, num_minibatches=2,
    agents=(("guess", AgentConfig(lr=1e-2, hidden=(32,))), ("chain", AgentConfig(lr=1e-2, hidden=(32,)))))


def _tail(x, k=5):
    return float(np.nanmean(np.asarray(x)[..., -k:]))


@pytest.fixture(scope="module")
def train():
    return jax.jit(make_train(CFG, ENV))


@pytest.fixture(scope="module")
def trained(train):
    return jax.device_get(train(jax.random.PRNGKey(0), ENV.default_params()))


def test_ppo_solves_the_toy_task(trained):
    p = ENV.default_params()
    m = trained["metrics"]
    assert set(m) == {"guess", "chain", "env_steps"}
    for t in ENV.learning_types:
        for name in ("episode_return", "policy_loss", "value_loss", "entropy", "approx_kl", "clip_frac"):
            assert m[t][name].shape == (CFG.num_updates,), (t, name)
            assert np.isfinite(m[t][name]).all(), (t, name)
    # guess: contextual bandit, random policy 8/3 per episode, optimum 8
    assert m["guess"]["episode_return"][0] < 4.0
    assert _tail(m["guess"]["episode_return"]) >= 0.95 * ENV.optimal_return("guess", p)
    assert _tail(m["guess"]["accuracy"]) >= 0.95
    # chain: delayed reward; random 1.6, myopic (take) 0.8, optimum (wait) 2.4
    assert m["chain"]["episode_return"][0] < 2.0
    assert _tail(m["chain"]["episode_return"]) >= 0.95 * ENV.optimal_return("chain", p)
    assert _tail(m["chain"]["wait_fraction"]) >= 0.95
    # the policy sharpens: entropy falls
    assert m["guess"]["entropy"][-1] < 0.5 * m["guess"]["entropy"][0]
    assert m["env_steps"][-1] == CFG.total_timesteps


def test_same_key_same_result(train, trained):
    again = jax.device_get(train(jax.random.PRNGKey(0), ENV.default_params()))
    np.testing.assert_array_equal(again["metrics"]["chain"]["episode_return"],
                                  trained["metrics"]["chain"]["episode_return"])


def test_sweep_over_seeds_and_env_param_is_one_call(train, trained):
    # wait_bonus 0.05 < take_reward 0.1 flips the chain's optimum from "wait" to "take"
    res = run_sweep(train, ENV.default_params(), {"wait_bonus": [0.05, 0.3], "guess.lr": [1e-2]}, seeds=[0, 1])
    wf = np.asarray(res.metrics["chain"]["wait_fraction"])
    assert wf.shape == (2, 2, CFG.num_updates)
    assert (np.nanmean(wf[0, :, -5:], axis=-1) <= 0.1).all()  # take
    assert (np.nanmean(wf[1, :, -5:], axis=-1) >= 0.9).all()  # wait
    table = res.final("chain")
    assert len(table) == 4 and set(table.columns) >= {"wait_bonus", "guess.lr", "seed", "episode_return"}
    # grid point (wait_bonus 0.3, seed 0) is the same run as the single training above
    np.testing.assert_allclose(res.metrics["guess"]["episode_return"][1, 0],
                               trained["metrics"]["guess"]["episode_return"], atol=1e-4)
    # the parameters come back stacked (points, seeds, ...)
    leaf = jax.tree_util.tree_leaves(res.params["chain"])[0]
    assert leaf.shape[:2] == (2, 2)


def test_grid_points_and_bad_names():
    assert grid_points({"a": [1, 2], "b": [3]}) == [{"a": 1, "b": 3}, {"a": 2, "b": 3}]
    assert grid_points({}) == [{}]
    with pytest.raises(InputError, match="non-empty"):
        grid_points({"lr": []})
    train = make_train(CFG, ENV)
    with pytest.raises(InputError, match="neither"):
        run_sweep(train, ENV.default_params(), {"not_a_field": [1.0]})
    with pytest.raises(InputError, match="agent type"):
        run_sweep(train, ENV.default_params(), {"nobody.lr": [1.0]})


def test_save_and_load_params(trained, tmp_path):
    path = save_params(tmp_path / "ippo.msgpack", trained["params"], CFG, meta={"seed": 0})
    params, cfg, meta = load_params(path)
    assert cfg == CFG and meta == {"seed": 0}
    a = jax.tree_util.tree_leaves(trained["params"])
    b = jax.tree_util.tree_leaves(params)
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    (tmp_path / "junk.msgpack").write_bytes(b"not msgpack at all")
    with pytest.raises(InputError, match="not an IPPO parameter file"):
        load_params(tmp_path / "junk.msgpack")
    with pytest.raises(InputError, match="does not exist"):
        load_params(tmp_path / "missing.msgpack")


def test_bad_config_is_one_line_input_error():
    with pytest.raises(InputError, match="num_minibatches=3"):
        make_train(replace(CFG, num_minibatches=3), ENV)
    with pytest.raises(InputError, match="unknown agent type"):
        make_train(replace(CFG, agents=(("robot", AgentConfig()),)), ENV)
    with pytest.raises(InputError, match="less than one update"):
        make_train(replace(CFG, total_timesteps=10), ENV)
    with pytest.raises(InputError, match="network"):
        make_train(CFG.with_agent("guess", network="lstm"), ENV)
    with pytest.raises(InputError, match="gamma"):
        make_train(CFG.with_agent("chain", gamma=1.5), ENV)
    hp = default_hparams(CFG, ENV.learning_types)
    hp["env"] = {"no_such_field": 1.0}
    with pytest.raises(InputError, match="no_such_field"):
        make_train(CFG, ENV)(jax.random.PRNGKey(0), ENV.default_params(), hp)


def test_greedy_policy_reaches_the_optimum_on_given_windows(trained):
    from hftlab.rl.evaluate import greedy_episodes

    p = ENV.default_params()
    df = greedy_episodes(trained["params"], CFG, ENV, p, np.arange(5), jax.random.PRNGKey(1))
    assert len(df) == 5 * (ENV.num_agents("guess") + ENV.num_agents("chain"))
    assert set(df.policy) == {"ippo"}
    for t in ENV.learning_types:
        got = df[df.type == t].episode_return
        np.testing.assert_allclose(got, ENV.optimal_return(t, p), rtol=1e-5)
    with pytest.raises(InputError, match="windows"):
        greedy_episodes(trained["params"], CFG, ENV, p, np.zeros((2, 2), int), jax.random.PRNGKey(1))


def test_gru_network_learns_the_toy_task():
    """The recurrent actor-critic (whole-sequence minibatches, state reset at episode starts) learns too."""
    gru = replace(CFG, agents=(("guess", AgentConfig(network="gru", gru_size=32, hidden=(32,), lr=1e-2)),
                               ("chain", AgentConfig(network="gru", gru_size=16, hidden=(16,), lr=1e-2))))
    out = jax.device_get(jax.jit(make_train(gru, ENV))(jax.random.PRNGKey(0), ENV.default_params()))
    m = out["metrics"]
    for t in ENV.learning_types:
        for name in ("episode_return", "policy_loss", "value_loss", "entropy"):
            assert np.isfinite(m[t][name]).all(), (t, name)
    p = ENV.default_params()
    assert m["guess"]["episode_return"][0] < 4.0
    assert _tail(m["guess"]["episode_return"]) >= 0.9 * ENV.optimal_return("guess", p)
    assert _tail(m["chain"]["wait_fraction"]) >= 0.9
    kernel = out["params"]["guess"]["params"]["_ResetGRU_0"]["GRUCell_0"]["hr"]["kernel"]
    assert kernel.shape == (32, 32)


def test_orthogonal_init_without_lapack():
    """Orthonormal columns (rows when wide) times the gain, built without a QR factorisation.

    Batched LAPACK QR under ``vmap(train)`` can deadlock jaxlib's CPU thread pool on 2 cores,
    so the initialiser must not emit one.
    """
    from hftlab.rl.networks import orthogonal

    for shape in [(10, 64), (64, 64), (64, 13), (64, 1)]:
        w = np.asarray(orthogonal(2.0)(jax.random.PRNGKey(1), shape))
        g = w.T @ w if shape[0] >= shape[1] else w @ w.T
        np.testing.assert_allclose(g, 4.0 * np.eye(g.shape[0]), atol=1e-4)
    hlo = jax.jit(jax.vmap(lambda k: orthogonal()(k, (16, 16)))).lower(jax.random.split(jax.random.PRNGKey(0), 4)).as_text()
    assert "geqrf" not in hlo and "householder" not in hlo.lower()


def test_lower_inventory_risk_per_seed_compares_against_every_mm_baseline():
    from hftlab.study.records import seeds_with_lower_inventory_risk

    def seed(ippo, fixed, a_s):
        return {"market_making": {"ippo": {"inventory_std": ippo}, "fixed_spread": {"inventory_std": fixed},
                                  "avellaneda_stoikov": {"inventory_std": a_s}}}

    out = {"seeds": [seed(10, 20, 30), seed(25, 20, 30), seed(10, 20, 10)]}
    assert seeds_with_lower_inventory_risk(out) == [True, False, False]


def test_in_sample_comparison_per_seed_compares_against_every_twap():
    from hftlab.study.records import seeds_beating_twaps_in_sample

    out = {"execution_in_sample": {"0": {"ippo": 1.0, "twap_near": 2.0, "twap_far": 3.0},
                                   "1": {"ippo": 2.5, "twap_near": 2.0, "twap_far": 3.0},
                                   "2": {"ippo": 1.0, "twap_near": 2.0, "twap_far": 1.0}}}
    assert seeds_beating_twaps_in_sample(out) == [True, False, False]


def test_train_config_accepts_every_execution_feature_set():
    """The study's exec_features setting accepts exactly hftlab.env.wrappers.FEATURE_SETS."""
    from hftlab import configs
    from hftlab.env.wrappers import FEATURE_SETS

    cfg = configs.get("sample_day")
    for name in FEATURE_SETS:
        assert configs.apply(cfg, {"exec_features": name}).exec_features == name
    with pytest.raises(InputError) as err:
        configs.apply(cfg, {"exec_features": "tomorrow"})
    assert str(sorted(FEATURE_SETS)) in str(err.value)


def test_train_help_shows_at_most_12_options(capsys):
    """`hftlab train --help`: the few flags people use, everything else is a configuration setting."""
    import argparse

    from hftlab.cli import main
    from hftlab.commands.train import add_arguments

    p = argparse.ArgumentParser()
    add_arguments(p)
    assert len(p._actions) <= 12  # -h included
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    options = [ln for ln in out.splitlines() if ln.lstrip().startswith("-")]
    assert 0 < len(options) <= 12 and any("--config" in ln for ln in options) and any("--set" in ln for ln in options)


def test_rl_is_environment_agnostic():
    """Nothing in hftlab.rl imports hftlab.env beyond the contract (hftlab.env.base), nor the study,
    nor names the market's agent types, baselines or metrics."""
    import ast
    from pathlib import Path

    import hftlab.rl

    banned = ('"execution"', '"market_making"', "'execution'", "'market_making'", "KEY_METRICS", "baseline",
              "SELECT_BETTER", "shortfall", "twap")
    for path in Path(hftlab.rl.__file__).parent.glob("*.py"):
        src = path.read_text()
        for node in ast.walk(ast.parse(src)):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            for m in mods:
                assert not m.startswith(("hftlab.study", "hftlab.configs", "hftlab.commands")), (path.name, m)
                assert not m.startswith("hftlab.env") or m == "hftlab.env.base", (path.name, m)
        for word in banned:
            assert word not in src, (path.name, word)
