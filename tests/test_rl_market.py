"""IPPO on the market environment in quick mode: training runs, the market maker's returns rise, the
TWAP-relative execution actions are the TWAP baselines, the execution feature subset; the
``hftlab train`` command's bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hftlab import configs
from hftlab.cli import main
from hftlab.errors import InputError
from hftlab.rl.ippo import make_train
from hftlab.rl.sweep import seed_keys, train_seeds
from hftlab.study.market import in_sample_scores, market_setup, records_frame, select_restarts, selection_windows
from hftlab.study.records import seeds_choosing_best_restart

RISE = 3.0  # reward units (ticks per mm_size shares, penalty included) over an episode

# the execution agent sees every feature and trains on the full slippage here (not the defaults'
# side-blind schedule features and drift weight 0): the market maker's quick-mode rise below was
# measured beside that partner
SPEC = configs.apply(configs.quick(configs.get("sample_day")), {
    "train.num_envs": 32, "train.num_steps": 16, "train.total_timesteps": 32 * 16 * 40, "agent.lr": 3e-3,
    "seeds": [0, 1, 2, 3], "exec_features": "all", "train_env_params.drift_weight": 1.0,
    "train_env_params.inventory_penalty": 1.0})


@pytest.fixture(scope="module")
def setup():
    return market_setup(SPEC)


@pytest.fixture(scope="module")
def trained(setup):
    env, p_train, _, _, _ = setup
    return jax.device_get(train_seeds(make_train(SPEC.train_config(env.learning_types), env), p_train, SPEC.seeds))


def test_market_training_runs_and_moves_the_policies_in_quick_mode(setup, trained):
    """Four seeds in one call on the market; metrics finite, policies updated, seeds differ."""
    env = setup[0]
    m = trained["metrics"]
    assert np.asarray(m["env_steps"]).shape == (len(SPEC.seeds), SPEC.updates)
    for t in ("execution", "market_making"):
        for k in ("episode_return", "policy_loss", "value_loss", "entropy", "approx_kl", "clip_frac"):
            assert np.isfinite(np.asarray(m[t][k])).all(), (t, k)
        assert (np.asarray(m[t]["approx_kl"]) > 0).any(), t  # the policy moved
        assert np.asarray(m[t]["entropy"])[:, -1].max() < np.log(env.num_actions(t)) + 1e-4
    for k in ("shortfall_bps", "fill_rate"):
        assert np.isfinite(np.asarray(m["execution"][k])).all(), k
    for k in ("pnl", "inventory_std"):
        assert np.isfinite(np.asarray(m["market_making"][k])).all(), k
    a, b = (jax.tree_util.tree_leaves(jax.tree_util.tree_map(lambda x: x[i], trained["params"]))[0] for i in (0, 1))
    assert not np.allclose(a, b)


def test_market_maker_returns_rise_in_quick_mode(trained):
    """Every seed: the market maker's mean episode return over the last 5 updates beats the first 3.

    (Quick size: 20k environment steps per seed, inventory penalty weight 1.0 so the lesson is
    plain; measured rises 9.5 to 21 over seeds 0-3, from about -12 to -21 per episode to about 0
    to -3. The market maker starts by quoting at random and carrying inventory; it learns to keep
    its inventory small. At the study's weight 0.03 the first 40 updates do not move the return
    by more than noise (-5.2 -> -4.8, -4.7 -> -5.5 on seeds 0 and 2), so that is not asserted. The
    execution agent's rise at this size is not reliable across seeds and is not asserted here.)
    """
    r = np.asarray(trained["metrics"]["market_making"]["episode_return"])
    first, last = np.nanmean(r[:, :3], axis=1), np.nanmean(r[:, -5:], axis=1)
    assert (last > first + RISE).all(), (first, last)


def test_schedule_actions_contain_the_twap_baselines(setup):
    """With actions relative to the TWAP schedule, '1x due @ far / near touch' ARE the two TWAPs."""
    from hftlab.env import MarketEnv
    from hftlab.env.agents.execution import action_labels
    from hftlab.env.baselines import baseline_config

    env, _, p_test, windows, _ = setup
    assert env.config.execution_actions == "schedule" and env.num_actions("execution") == 8
    labels = action_labels(env.config)
    T = env.config.episode_steps
    keys = jax.random.split(jax.random.PRNGKey(7), len(windows))

    def episode(e, acts, w, k):
        _, st = e.reset_window(k, p_test, w)

        def body(st, kk):
            _, st, _, _, info = e.step(kk, st, acts, p_test)
            return st, info

        return jax.tree_util.tree_map(lambda x: x[-1], jax.lax.scan(body, st, jax.random.split(k, T))[1])

    flat = {"market_making": jnp.full((1,), env.num_actions("market_making") - 1)}
    fills = {}
    for base, label in (("twap_far", "1x due @ far touch"), ("twap_near", "1x due @ near touch")):
        action = labels.index(label)
        m = jax.jit(jax.vmap(lambda w, k: episode(env, {**flat, "execution": jnp.full((1,), action)}, w, k)))(
            jnp.asarray(windows), keys)["execution"]
        be = MarketEnv(baseline_config(env.config, "execution", base))
        r = jax.jit(jax.vmap(lambda w, k: episode(be, flat, w, k)))(jnp.asarray(windows), keys)[base]
        for k in ("shortfall_bps", "fill_rate", "executed"):
            np.testing.assert_allclose(np.asarray(m[k])[:, 0], np.asarray(r[k])[:, -1], rtol=1e-6, err_msg=f"{base} {k}")
        fills[base] = np.asarray(m["fill_rate"])
    # the two TWAPs differ on these windows, so each action matched its own TWAP, not a common outcome
    assert not np.allclose(fills["twap_far"], fills["twap_near"])


def test_schedule_features_cut_the_execution_observation_only(setup):
    """exec_features='schedule': the execution agent sees exactly the named columns; the market maker all of its own."""
    from hftlab.errors import InputError
    from hftlab.env.wrappers import EXECUTION_FEATURES, SCHEDULE_FEATURES, FeatureSubset

    env, _, p_test, windows, _ = setup
    sub, _, _, _, _ = market_setup(replace(SPEC, exec_features="schedule"))
    assert isinstance(sub, FeatureSubset) and sub.obs_size("execution") == len(SCHEDULE_FEATURES)
    assert sub.obs_size("market_making") == env.obs_size("market_making")
    key = jax.random.PRNGKey(3)
    full, st = env.reset_window(key, p_test, int(windows[0]))
    cut, st2 = sub.reset_window(key, p_test, int(windows[0]))
    cols = [EXECUTION_FEATURES.index(n) for n in SCHEDULE_FEATURES]
    np.testing.assert_array_equal(np.asarray(cut["execution"]), np.asarray(full["execution"])[..., cols])
    np.testing.assert_array_equal(np.asarray(cut["market_making"]), np.asarray(full["market_making"]))
    acts = {t: jnp.zeros((env.num_agents(t),), jnp.int32) for t in env.learning_types}
    o1, _, r1, _, _ = env.step(key, st, acts, p_test)
    o2, _, r2, _, _ = sub.step(key, st2, acts, p_test)
    np.testing.assert_array_equal(np.asarray(o2["execution"]), np.asarray(o1["execution"])[..., cols])
    np.testing.assert_array_equal(np.asarray(r2["execution"]), np.asarray(r1["execution"]))
    with pytest.raises(InputError, match="unknown execution features"):
        FeatureSubset.execution(env, ("time_left", "tomorrow_close"))
    with pytest.raises(InputError, match="exec_features must be one of"):
        replace(SPEC, exec_features="some").check()


def test_side_blind_features_drop_only_the_side(setup):
    """exec_features='side_blind': every execution column but the task side, the book's depth included;
    a buy and a sell task in the same book then differ only through the side-signed features."""
    from hftlab.env.wrappers import EXECUTION_FEATURES, FeatureSubset

    env, _, p_test, windows, _ = setup
    sub, _, _, _, _ = market_setup(replace(SPEC, exec_features="side_blind"))
    assert isinstance(sub, FeatureSubset) and sub.obs_size("execution") == env.obs_size("execution") - 1
    key = jax.random.PRNGKey(5)
    full, _ = env.reset_window(key, p_test, int(windows[0]))
    cut, _ = sub.reset_window(key, p_test, int(windows[0]))
    side = EXECUTION_FEATURES.index("side")
    keep = [c for c in range(env.obs_size("execution")) if c != side]
    np.testing.assert_array_equal(np.asarray(cut["execution"]), np.asarray(full["execution"])[..., keep])
    assert FeatureSubset.named(env, "all") is env


def test_restarts_keep_each_types_best_run_on_the_training_windows(setup, trained):
    """The four trained runs read as 2 seeds × 2 restarts: per seed and type, the chosen run is the one
    with the best in-sample score, and its parameters and curves are that run's."""
    env, p_train, _, _, info = setup
    keys = seed_keys((5, 6), 2)
    assert np.array_equal(keys[0], jax.random.PRNGKey(5)) and np.array_equal(keys[2], jax.random.PRNGKey(6))
    assert len({tuple(np.asarray(k)) for k in keys}) == 4
    spec = replace(SPEC, seeds=(0, 1), restarts=2)
    windows = selection_windows(info, 6)
    params, metrics, selection = select_restarts(trained["params"], trained["metrics"], env, p_train, windows, spec)
    assert len(selection) == 2
    for i, sel in enumerate(selection):
        for t, best in (("execution", np.argmin), ("market_making", np.argmax)):
            scores = sel[t]["in_sample"]
            run = 2 * i + sel[t]["chosen"]
            assert sel[t]["chosen"] == best(scores)
            one = jax.tree_util.tree_map(lambda x: x[run], trained["params"])
            assert in_sample_scores(one, env, p_train, windows, spec)[t] == pytest.approx(scores[sel[t]["chosen"]])
            for a, b in zip(jax.tree_util.tree_leaves(params[t]), jax.tree_util.tree_leaves(trained["params"][t])):
                np.testing.assert_array_equal(a[i], b[run])
            np.testing.assert_array_equal(metrics[t]["episode_return"][i], trained["metrics"][t]["episode_return"][run])
    # a seed's two runs really are scored differently (otherwise the choice would be vacuous)
    assert any(len(set(sel[t]["in_sample"])) == 2 for sel in selection for t in sel)
    assert np.asarray(metrics["env_steps"]).shape == (2, SPEC.updates)


def test_validation_windows_are_held_out_of_training(setup):
    """select_on="validation": the last windows of the training range, sharing no message with the rest."""
    from hftlab.env import load_market_data
    from hftlab.lob import lobster

    _, _, _, _, info = setup
    spec = replace(SPEC, select_on="validation", validation_fraction=0.3)
    *_, vinfo = market_setup(spec)
    (lo, cut), (v_lo, hi) = vinfo["train_windows"], vinfo["validation_windows"]
    assert lo == info["train_windows"][0] and hi == info["train_windows"][1] and lo < cut <= v_lo < hi
    assert spec.day == "bundled"
    data = load_market_data(lobster.sample_day(), window_len=info["window_messages"])
    assert data.starts[v_lo] >= data.starts[cut - 1] + data.window_len  # no shared messages
    assert data.starts[v_lo - 1] < data.starts[cut - 1] + data.window_len  # and the first such window
    with pytest.raises(InputError, match="too few training windows"):
        market_setup(replace(SPEC, select_on="validation", validation_fraction=0.001))


@pytest.mark.parametrize("argv, msg", [
    (["train", "--seeds", "0"], "--seeds must be at least 1"),
    (["train", "--set", "train.num_envs=0"], "num_envs must be a positive integer"),
    (["train", "--set", "restarts=0"], "restarts must be a positive integer"),
    (["train", "--day", "/no/such/day.zip"], "does not exist"),
    (["train", "--set", "train.num_minibatches=7"], "num_minibatches=7"),
    (["train", "--set", "nonsense=1"], "unknown setting(s) ['nonsense']"),
    (["train", "--set", "agent.lr=fast"], "agent.lr: expected a number"),
    (["train", "--set", "agent.lr"], "expected key=value"),
    (["train", "--set", "env.capacity=64"], "derived"),
    (["train", "--config", "no_such_preset"], "neither a preset"),
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
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("base = \n")
    assert main(["train", "--quick", "--config", str(bad_toml)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    from hftlab.commands.train import add_arguments, config_from_args
    import argparse

    good = tmp_path / "good.json"
    good.write_text(json.dumps({"base": "sample_day", "agent": {"lr": 5e-4}, "seeds": [3, 4, 5, 6],
                                "env_params.inventory_penalty": 0.02}))
    toml = tmp_path / "good.toml"
    toml.write_text('base = "sample_day"\nseeds = [3, 4, 5, 6]\n[agent]\nlr = 5e-4\n[env_params]\ninventory_penalty = 0.02\n')
    p = argparse.ArgumentParser()
    add_arguments(p)
    for path in (good, toml):
        cfg = config_from_args(p.parse_args(["--config", str(path), "--set", "agent.lr=1e-3", "--no-progress"]))
        assert cfg.agent.lr == 1e-3 and cfg.seeds == (3, 4, 5, 6) and cfg.env_params["inventory_penalty"] == 0.02


def _train_subprocess(out):
    """`hftlab train` as a user runs it, in its own process (the second run reads its compiled
    programs from the shared persistent cache)."""
    proc = subprocess.run([sys.executable, "-m", "hftlab.cli", "train", "--quick", "--seeds", "1", "--set", "restarts=2",
                           "--set", "train.total_timesteps=64", "--no-figures", "--no-progress", "--json", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_train_command_json_has_heldout_and_in_sample_figures(tmp_path):
    """`hftlab train --json`: per seed, every policy's held-out figures (each window as a buy and a sell)
    and the execution policies' in-sample shortfall on training windows."""
    out = tmp_path / "run.json"
    _train_subprocess(out)
    r = json.loads(out.read_text())
    assert r["restarts"] == 2 and r["config"]["restarts"] == 2
    assert r["env_steps_total"] == 2 * r["env_steps_per_seed"]  # every run trained, the one kept and the other
    (sel,) = r["selection"].values()
    assert all(len(sel[t]["in_sample"]) == 2 for t in ("execution", "market_making"))
    assert seeds_choosing_best_restart(r) == [True]
    wrong = {"selection": {"0": {t: {**v, "chosen": 1 - v["chosen"]} for t, v in sel.items()}}}
    if len(set(sel["execution"]["in_sample"])) == 2:  # a swapped choice is then not the best one
        assert seeds_choosing_best_restart(wrong) == [False]
    assert r["task_sides_per_window"] == 2 and r["num_windows"] >= 1
    (entry,) = r["seeds"]
    assert set(entry["execution"]) == {"ippo", "twap_near", "twap_far", "pov", "spread_rule"}
    assert set(entry["market_making"]) == {"ippo", "null_mm", "fixed_spread", "avellaneda_stoikov"}
    (ins,) = r["execution_in_sample"].values()
    assert set(ins) == {"ippo", "twap_near", "twap_far", "pov", "spread_rule"} and all(np.isfinite(v) for v in ins.values())
    # the TWAPs are deterministic given window and side: in-sample and held-out windows differ, so do their figures
    assert ins["twap_near"] != entry["execution"]["twap_near"]["shortfall_bps"]
    assert "command" in r and r["wall_time_s"]["total"] > 0
    # per-window records: every policy on the same windows, both sides, fills by source and markouts
    rec = records_frame(r["records"])
    assert rec.evaluation.unique().tolist() == ["heldout"] and rec.window.nunique() == r["num_windows"]
    per_policy = rec.groupby(["type", "policy"]).apply(lambda g: tuple(sorted(set(zip(g.window, g.side)))))
    assert per_policy.nunique() == 1
    assert {"shares_executions", "shares_crossing", "markout_1", "markout_5", "passive_share", "start_s"} <= set(rec)
    assert {(i["type"], i["baseline"]) for i in r["intervals"]} == \
        {("execution", b) for b in ("twap_near", "twap_far", "pov", "spread_rule")} | \
        {("market_making", b) for b in ("null_mm", "fixed_spread", "avellaneda_stoikov", "zero")}
    assert set(r["targets"]["heldout"]) == {"execution", "market_making"}
    assert r["design"]["restarts"]["compared_on"] == "train" and r["quick"]
    # the same machine reproduces the run bit for bit
    again = tmp_path / "again.json"
    _train_subprocess(again)
    r2 = json.loads(again.read_text())
    assert r2["records"] == r["records"] and r2["intervals"] == r["intervals"]
