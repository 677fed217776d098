"""The market study's configurations: presets equal the recorded runs, one default per setting,
files and --set changes, quick mode as an explicit argument."""

from __future__ import annotations

import dataclasses

import pytest

from hftlab import configs
from hftlab.configs.base import ExperimentConfig
from hftlab.env import EnvConfig
from hftlab.errors import InputError
from hftlab.rl.config import AgentConfig, TrainConfig
from hftlab.study.records import load_recorded


def _as_recorded(cfg: ExperimentConfig) -> dict:
    """``cfg`` in the flat form the recorded runs' ``spec`` field was written in."""
    return {
        "day": cfg.day, "heldout_day": cfg.heldout_day, "seeds": list(cfg.seeds), "restarts": cfg.restarts,
        "num_envs": cfg.train.num_envs, "num_steps": cfg.train.num_steps, "updates": cfg.updates,
        "update_epochs": cfg.train.update_epochs, "num_minibatches": cfg.train.num_minibatches,
        "lr": cfg.agent.lr, "ent_coef": cfg.agent.ent_coef, "reward_scale": cfg.agent.reward_scale,
        "gae_lambda": cfg.agent.gae_lambda, "gamma": cfg.agent.gamma, "network": cfg.agent.network,
        "hidden": cfg.agent.hidden[0] if cfg.agent.hidden == (cfg.agent.gru_size,) * 2 else cfg.agent.hidden,
        "inventory_penalty": cfg.env_params.get("inventory_penalty"), "messages_per_step": cfg.env.messages_per_step,
        "episode_steps": cfg.env.episode_steps, "train_fraction": cfg.train_fraction,
        "max_eval_windows": cfg.max_eval_windows, "window_stride": cfg.window_stride,
        "exec_side": cfg.env_params.get("exec_side"), "drift_weight": cfg.train_env_params.get("drift_weight"),
        "observation": cfg.env.observation, "exec_features": cfg.exec_features,
        "exec_actions": "schedule" if (cfg.env.execution_actions, cfg.env.exec_qty_multiples) == ("schedule", (1, 2))
        else cfg.env.execution_actions,
    }


@pytest.mark.parametrize("name", ["sample_day", "lobster_goog"])
def test_presets_are_the_recorded_runs(name):
    rec = load_recorded(name)["spec"]
    rec = {k: v for k, v in rec.items() if k != "progress"}
    rec.setdefault("restarts", 1)  # recorded before restarts existed: one run per seed
    got = _as_recorded(configs.get(name))
    assert got == rec


def test_lobster_goog_differs_from_sample_day_only_where_the_record_does():
    a, b = _as_recorded(configs.get("sample_day")), _as_recorded(configs.get("lobster_goog"))
    assert {k for k in a if a[k] != b[k]} == {"day", "window_stride", "updates", "num_envs", "restarts"}
    v = configs.get("sample_day_validation")
    assert v.select_on == "validation" and dataclasses.replace(v, select_on="train") == configs.get("sample_day")


def test_one_default_per_setting():
    """Nested settings keep their own class's defaults; the study re-declares none of them."""
    cfg = ExperimentConfig()
    assert cfg.train == TrainConfig() and cfg.agent == AgentConfig() and cfg.env == EnvConfig()
    assert cfg.env_params == {} and cfg.train_env_params == {}
    own = {f.name for f in dataclasses.fields(ExperimentConfig)}
    for cls in (TrainConfig, AgentConfig, EnvConfig):
        assert not own & {f.name for f in dataclasses.fields(cls)}, cls.__name__


def test_set_values_and_errors():
    cfg = configs.get("sample_day")
    got = configs.apply(cfg, configs.parse_set(["agent.lr=5e-4", "seeds=3", "heldout_day=none", "agent.hidden=32,32",
                                                 "env.exec_qty_multiples=[1]", "env_params.inventory_penalty=0.02",
                                                 "agent.network=gru", "train.shard_envs=true"]))
    assert got.agent.lr == 5e-4 and got.seeds == (0, 1, 2) and got.heldout_day is None
    assert got.agent.hidden == (32, 32) and got.env.exec_qty_multiples == (1,) and got.agent.network == "gru"
    assert got.env_params == {"exec_side": 0, "inventory_penalty": 0.02} and got.train.shard_envs is True
    assert cfg.agent.lr == 1e-3  # presets are values: nothing changed in place
    for bad, msg in ((["learning_rate=1"], "unknown setting(s) ['learning_rate']"),
                     (["agent.lr=abc"], "agent.lr: expected a number"),
                     (["restarts=1.5"], "restarts: expected an integer"),
                     (["env.capacity=64"], "derived"), (["train.agents=1"], "derived"),
                     (["env_params.tomorrow=1"], "not fields of EnvParams"),
                     (["agent.network=lstm"], "network"), (["select_on=test"], "select_on"),
                     (["seeds=0"], "at least one seed")):
        with pytest.raises(InputError) as err:
            configs.apply(cfg, configs.parse_set(bad))
        assert msg in str(err.value) and "\n" not in str(err.value), (bad, str(err.value))
    with pytest.raises(InputError, match="key=value"):
        configs.parse_set(["agent.lr"])
    assert "agent.lr" in configs.settings(cfg) and "env.capacity" not in configs.settings(cfg)


def test_quick_is_an_explicit_argument(monkeypatch, tmp_path):
    monkeypatch.setenv("HFTLAB_QUICK", "1")
    assert configs.get("sample_day").updates == 400  # the environment variable changes nothing in the library
    q = configs.quick(configs.get("sample_day"))
    assert (q.seeds, q.restarts, q.train.num_envs, q.updates, q.env.episode_steps) == ((0, 1), 1, 8, 3, 8)
    f = tmp_path / "run.toml"
    f.write_text('base = "lobster_goog"\n[train]\nnum_envs = 16\n')
    got = configs.load(str(f), {"restarts": 2}, quick_mode=True)
    assert got.day == configs.get("lobster_goog").day and got.train.num_envs == 16  # the file wins over quick
    assert got.train.num_steps == 8 and got.restarts == 2  # quick sizes elsewhere; changes win over both
