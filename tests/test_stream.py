"""Many days streamed through training a few at a time: shards of one shape, every day visited, the
compiled chunk reused (no recompilation), and the market environment's parameters of every shard."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import struct

from hftlab.data import open_days
from hftlab.errors import InputError
from hftlab.lob import synthetic
from hftlab.rl.checkpoint import train_in_chunks
from hftlab.rl.config import AgentConfig, TrainConfig
from hftlab.rl.ippo import make_train
from hftlab.rl.sweep import seed_keys
from hftlab.rl.toy import ToyEnv, ToyState

LENGTHS = (1500, 2200, 1800, 2600, 2000)  # days of different lengths: shards need padding


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    d = tmp_path_factory.mktemp("days")
    for i, n in enumerate(LENGTHS):
        day = synthetic.generate_day(seed=300 + i, n_messages=n, levels=2, ticker="SYN", date=f"2012-07-0{i + 1}")
        synthetic.save_day(day, d)
    return open_days(d, cache_dir=tmp_path_factory.mktemp("cache"), log=None)


# a toy that replays windows of days: each episode reads messages from a window's start and reports the day
@struct.dataclass
class DayParams:
    messages: jnp.ndarray
    starts: jnp.ndarray
    day: jnp.ndarray
    window_lo: jnp.ndarray
    window_hi: jnp.ndarray
    take_reward: jnp.ndarray = 0.1
    wait_bonus: jnp.ndarray = 0.3


@struct.dataclass
class DayState:
    toy: ToyState
    window: jnp.ndarray
    ptr: jnp.ndarray
    volume: jnp.ndarray


class DayToy(ToyEnv):
    def reset(self, key, params):
        k1, k2 = jax.random.split(key)
        obs, s = super().reset(k1, params)
        w = jax.random.randint(k2, (), params.window_lo, params.window_hi)
        return obs, DayState(s, w, params.starts[w], jnp.float32(0))

    def step_env(self, key, state, actions, params):
        obs, s, rew, dones, info = super().step_env(key, state.toy, actions, params)
        volume = state.volume + params.messages[state.ptr, 3].astype(jnp.float32)  # reads the shard's messages
        info["guess"]["day"] = jnp.full((self.config.num_guess,), params.day[state.window], jnp.float32)
        info["guess"]["volume"] = jnp.full((self.config.num_guess,), volume, jnp.float32)
        return obs, DayState(s, state.window, state.ptr + 1, volume), rew, dones, info


class ToyStream:
    def __init__(self, shards):
        self.shards, self.asked, self.shapes = shards, [], set()

    @property
    def num_shards(self):
        return self.shards.num_shards

    def params(self, i):
        self.asked.append(i)
        w, n = self.shards.windows(i)
        p = DayParams(messages=jnp.asarray(w.messages), starts=jnp.asarray(w.starts), day=jnp.asarray(w.day),
                      window_lo=jnp.int32(0), window_hi=jnp.int32(n), take_reward=jnp.float32(0.1),
                      wait_bonus=jnp.float32(0.3))
        self.shapes.add(tuple(x.shape for x in jax.tree_util.tree_leaves(p)))
        return p


def test_shards_have_one_shape_and_hold_every_day_once(ds):
    sh = ds.shards(2, window_len=400)
    assert sh.groups == ((0, 1), (2, 3), (4,))
    seen = []
    for i in range(sh.num_shards):
        w, n = sh.windows(i)
        assert w.messages.shape == (sh.rows, 8) and w.starts.shape == (sh.max_windows,)
        assert w.seeds.shape[0] == sh.max_windows and n <= sh.max_windows
        real = w.day[:n]
        assert set(real.tolist()) == set(sh.groups[i]) and (w.day[n:] == -1).all()
        used = sum(LENGTHS[d] for d in sh.groups[i])
        assert (w.starts[:n] + 400 <= used).all() and not w.messages[used:].any()
        seen += sorted(set(real.tolist()))
    assert seen == list(range(len(LENGTHS)))
    assert sh.rows == LENGTHS[2] + LENGTHS[3]
    with pytest.raises(InputError, match="days_per_shard"):
        ds.shards(0, window_len=400)
    with pytest.raises(InputError, match="no window"):
        ds.shards(1, window_len=2000)


def test_streamed_training_visits_every_day_without_recompiling(ds):
    env = DayToy()
    cfg = TrainConfig(num_envs=4, num_steps=8, total_timesteps=4 * 8 * 6, update_epochs=1, num_minibatches=2,
                      agents=(("guess", AgentConfig(hidden=(8,))), ("chain", AgentConfig(hidden=(8,)))))
    train = make_train(cfg, env)
    stream = ToyStream(ds.shards(1, window_len=64))
    out = train_in_chunks(train, seed_keys([0]), None, every=1, stream=stream, log=lambda _m: None)
    # 6 chunks of one update over 5 one-day shards: days 0..4, then day 0 again
    assert stream.asked == [0, 1, 2, 3, 4, 0] and len(stream.shapes) == 1
    day = out["metrics"]["guess"]["day"][0]  # the day of the episodes that ended in each update
    np.testing.assert_array_equal(day, [0, 1, 2, 3, 4, 0])
    assert (out["metrics"]["guess"]["volume"][0] > 0).all()
    init, run, restart = train.chunked
    assert run._cache_size() == 1 and restart._cache_size() == 1  # one compiled chunk for every shard


def test_market_parameters_of_every_shard(ds):
    from hftlab.env import EnvConfig, MarketEnv
    from hftlab.env.data import DayStream

    env = MarketEnv(EnvConfig.market_replay(episode_steps=4, messages_per_step=50, obs_levels=2))
    stream = DayStream(env, ds, days_per_shard=2, window_len=200, inventory_penalty=0.02)
    shapes = set()
    for i in range(stream.num_shards):
        p = stream.params(i)
        shapes.add(tuple(x.shape for x in jax.tree_util.tree_leaves(p)))
        _, n = stream.market_data(i)
        assert int(p.window_lo) == 0 and int(p.window_hi) == n and float(p.inventory_penalty) == pytest.approx(0.02)
        _, st = jax.jit(env.reset)(jax.random.PRNGKey(i), p)
        assert 0 <= int(st.window) < n
    assert len(shapes) == 1 and stream.days(2) == (4,)


def test_per_device_parameters_change_nothing(ds):
    """The same day as per-device blocks (what each of several processes passes) trains bit for bit the
    parameters of the shared parameters."""
    from hftlab.rl.sharding import env_mesh, per_device_params

    env = DayToy()
    cfg = TrainConfig(num_envs=4, num_steps=8, total_timesteps=4 * 8 * 2, update_epochs=1, num_minibatches=2,
                      agents=(("guess", AgentConfig(hidden=(8,))), ("chain", AgentConfig(hidden=(8,)))))
    p = ToyStream(ds.shards(1, window_len=64)).params(1)
    shared = jax.jit(make_train(cfg, env))(jax.random.PRNGKey(0), p)
    mesh = env_mesh()
    blocks = jax.jit(make_train(cfg, env, mesh=mesh))(jax.random.PRNGKey(0), per_device_params(p, mesh))
    for a, b in zip(jax.tree_util.tree_leaves(shared), jax.tree_util.tree_leaves(blocks)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(blocks["metrics"]["guess"]["day"], [1.0, 1.0])
    with pytest.raises(InputError, match="need a device mesh"):
        jax.jit(make_train(cfg, env))(jax.random.PRNGKey(0), per_device_params(p, mesh))
