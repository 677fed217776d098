"""The agent-type registry: unknown / incomplete types fail at construction; a new type is one module + one entry;
the percentage-of-volume trader keeps pace with the market's volume."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hftlab.env import EnvConfig, MarketEnv, load_market_data
from hftlab.env.agents import execution as ex
from hftlab.env.agents import registry
from hftlab.env.agents.common import Orders
from hftlab.env.agents.registry import AgentType
from hftlab.env.baselines import baseline_config, baselines_for, rollout
from hftlab.errors import InputError
from hftlab.lob import lobster
from hftlab.lob import messages as M

T, K = 16, 50


@pytest.fixture(scope="module")
def data():
    return load_market_data(lobster.sample_day(), window_len=T * K)


def test_builtin_types_and_baselines_by_category():
    assert {"execution", "market_making", "twap_near", "twap_far", "pov", "fixed_spread", "avellaneda_stoikov",
            "noise"} <= set(registry.names())
    assert baselines_for("execution") == ("twap_near", "twap_far", "pov", "spread_rule")
    assert baselines_for("market_making") == ("null_mm", "fixed_spread", "avellaneda_stoikov")
    with pytest.raises(InputError, match="not a learning agent type"):
        baselines_for("twap_near")


def test_unknown_or_incomplete_types_are_one_line_errors(data):
    with pytest.raises(InputError, match=r"unknown agent type 'vwap' \(registered: execution"):
        EnvConfig(agents={"vwap": 1})
    with pytest.raises(InputError, match="needs observe, num_actions and obs_size"):
        registry.register(AgentType(name="half_learner", category="execution", act=ex.act, observe=ex.observe_input,
                                    reward=ex.task_reward, metrics=ex.task_metrics))
    with pytest.raises(InputError, match="unknown category"):
        registry.register(AgentType(name="odd", category="arbitrage", act=ex.act, reward=ex.task_reward,
                                    metrics=ex.task_metrics))
    with pytest.raises(InputError, match="two order slots"):
        registry.register(AgentType(name="one_sided", category="quoting", act=ex.act, reward=ex.task_reward,
                                    metrics=ex.task_metrics))
    with pytest.raises(InputError, match="already registered"):
        registry.register(registry.get("pov"))
    with pytest.raises(InputError, match="has no parameter 'speed'"):
        MarketEnv(EnvConfig(agents={"pov": 1}, episode_steps=T, messages_per_step=K)).default_params(
            data, agent={"pov": {"speed": 2.0}})
    with pytest.raises(InputError, match="not a learning agent type"):
        MarketEnv(EnvConfig(agents={"pov": 1})).num_actions("pov")


def _stubborn(inp) -> Orders:
    """A test type: always one share at the near touch (a new type needs no change to the market)."""
    n, d = inp.n, inp.side
    near = jnp.where(d > 0, inp.view.bid, inp.view.ask).astype(jnp.int32)
    return Orders(want=jnp.ones((n, 1), bool), side=d[:, None], price=jnp.broadcast_to(near, (n,))[:, None],
                  qty=jnp.minimum(jnp.int32(inp.own["size"]), inp.remaining)[:, None].astype(jnp.int32),
                  market=jnp.zeros((n, 1), bool), flat=jnp.zeros((n,), jnp.int32))


def test_a_new_type_is_one_registration(data):
    with registry.AGENT_TYPES.scratch():  # forgotten after the test
        registry.register(AgentType(name="stubborn", category="execution", act=_stubborn, reward=ex.task_reward,
                                    metrics=ex.task_metrics, defaults=(("size", 1.0),)))
        assert "stubborn" in baselines_for("execution")
        cfg = baseline_config(EnvConfig(episode_steps=T, messages_per_step=K), "execution", "stubborn")
        env = MarketEnv(cfg)
        params = env.default_params(data, exec_qty=40, exec_side=1)
        _, traj = rollout(env, params, jax.random.PRNGKey(0), num_steps=T, num_envs=2)
        done = np.asarray(traj["dones"]["__all__"])
        # the deadline completes its task like every execution-category type
        np.testing.assert_array_equal(np.asarray(traj["info"]["stubborn"]["executed"])[done], 40.0)
        sub = np.asarray(traj["info"]["agents"]["submitted"])[: T - 1, :, 0]
        assert sub.max() <= 1  # never more than its own parameter's size


def test_pov_keeps_pace_with_market_volume(data):
    rate, Q = 0.2, 400
    env = MarketEnv(EnvConfig(agents={"pov": 1}, episode_steps=T, messages_per_step=K, debug=True))
    params = env.default_params(data, exec_qty=Q, exec_side=1, agent={"pov": {"rate": rate}})
    _, traj = rollout(env, params, jax.random.PRNGKey(0), num_steps=T, num_envs=3)
    hist = np.asarray(traj["info"]["historical_messages"])  # (T, envs, K, 8)
    is_ex = (hist[..., M.TYPE] == M.EXECUTE) | (hist[..., M.TYPE] == M.HIDDEN)
    vol = np.where(is_ex, hist[..., M.SIZE], 0).sum(-1)  # (T, envs)
    vol_before = np.vstack([np.zeros((1, vol.shape[1]), vol.dtype), np.cumsum(vol, 0)[:-1]])
    target = np.minimum(np.ceil(np.float32(rate) * vol_before.astype(np.float32)), Q)  # float32, as in the env
    inv = np.asarray(traj["info"]["agents"]["inventory"])[..., 0]
    prev = np.vstack([np.zeros((1, inv.shape[1]), inv.dtype), inv[:-1]])
    sub = np.asarray(traj["info"]["agents"]["submitted"])[..., 0]
    due = np.maximum(target - prev, 0)
    assert np.all((sub[:-1] == due[:-1]) | (sub[:-1] == 0))  # the order is set to the shortfall (kept: none sent)
    assert np.all(inv[:-1] <= target[:-1])  # never ahead of the target
    assert np.mean(inv[:-1] == target[:-1]) > 0.5 and vol.sum() > 0  # crossing keeps it on pace mostly
    np.testing.assert_array_equal(inv[-1], Q)  # the deadline completes the task
