"""Tests of hftlab.env: conservation, tasks, replay equivalence, determinism, resets, errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hftlab.env import EnvConfig, MarketEnv, load_market_data, split_windows
from hftlab.env.config import latency_distribution
from hftlab.env.agents.execution import action_labels as ex_labels
from hftlab.env.baselines import baseline_config, constant_policy, random_policy, rollout
from hftlab.errors import InputError
from hftlab.lob import engine, lobster
from hftlab.lob.messages import TRADER as M_TRADER
from hftlab.lob.reference import ReferenceBook

T, K = 16, 50


@pytest.fixture(scope="module")
def data():
    return load_market_data(lobster.sample_day(), window_len=T * K)


WORLD_AGENTS = dict(execution=1, market_making=1, twap_near=1, twap_far=1, pov=1, fixed_spread=1,
                    avellaneda_stoikov=1, noise=2)


def _world(**kw):
    base = dict(agents=WORLD_AGENTS, episode_steps=T, messages_per_step=K)
    base.update(kw)
    return EnvConfig(**base)


WORLD_KEY = jax.random.PRNGKey(3)


@pytest.fixture(scope="module")
def world(data):
    env = MarketEnv(_world(debug=True))
    params = env.default_params(data, exec_side=0, agent={"noise": {"market_prob": 0.4}})
    _, traj = rollout(env, params, WORLD_KEY, num_steps=3 * T + 5, num_envs=4)
    return env, params, jax.tree.map(np.asarray, traj)


def test_conservation_over_random_rollouts(world):
    check_conservation(*world)


def test_conservation_with_latency(data):
    """The same checks with the agents' orders landing 7 historical messages after their decisions."""
    env = MarketEnv(_world(latency=7))
    params = env.default_params(data, exec_side=0, agent={"noise": {"market_prob": 0.4}})
    _, traj = rollout(env, params, WORLD_KEY, num_steps=3 * T + 5, num_envs=4)
    check_conservation(env, params, jax.tree.map(np.asarray, traj))


def test_an_order_with_latency_lands_after_that_many_messages(data):
    """Latency d: one step is the first d historical messages, then the agents' orders, then the rest."""
    from hftlab.env.market import replay_historical

    d = 9
    env = MarketEnv(_world(agents={"twap_far": 1, "fixed_spread": 1}, latency=d, debug=True))
    params = env.default_params(data, exec_side=1)
    obs, state = env.reset_window(jax.random.PRNGKey(0), params, 3)
    # a first step puts the fixed-spread quotes in the book, so the second step has resting orders
    _, state, _, _, info = env.step_env(jax.random.PRNGKey(1), state, {}, params)
    book0, oid0 = state.book, state.oid
    _, state2, _, _, info = env.step_env(jax.random.PRNGKey(2), state, {}, params)
    hist = np.asarray(info["historical_messages"])
    book, _, _ = replay_historical(book0, jnp.asarray(hist[:d]), oid0)
    book, _ = engine.replay(book, info["agent_messages"], max_trades=16, trades=True)
    book, _, _ = replay_historical(book, jnp.asarray(hist[d:]), state2.oid)
    np.testing.assert_array_equal(np.asarray(book.orders), np.asarray(state2.book.orders))
    assert (np.asarray(info["agent_messages"])[:, 0] != 0).any()  # the agents did send orders in that step
    # the orders landing first (no latency) give another book: the check above can tell them apart
    first, _ = engine.replay(book0, info["agent_messages"], max_trades=16, trades=True)
    first, _, _ = replay_historical(first, jnp.asarray(hist), state2.oid)
    assert not np.array_equal(np.asarray(first.orders), np.asarray(state2.book.orders))
    with pytest.raises(InputError, match="latency must be"):
        _world(latency=K)


def check_conservation(env, _, traj):
    ag, mk = traj["info"]["agents"], traj["info"]["market"]
    # shares and cash of agents + historical counterparty sum to zero after every step
    assert np.all(ag["inventory"].sum(-1) + mk["hist_inv"] == 0)
    assert np.all(ag["cash_total"].sum(-1) + mk["hist_cash"] == 0)
    # the accounting is complete: no unreported fills, no rejected orders
    assert np.all(mk["trade_overflow"] == 0) and np.all(mk["overflow"] == 0)
    # inventory equals the running sum of signed fills within each episode
    done = traj["dones"]["__all__"]
    inv = np.zeros(ag["fill"].shape[1:], np.int64)
    for s in range(done.shape[0]):
        inv = inv + ag["fill"][s]
        np.testing.assert_array_equal(inv, ag["inventory"][s])
        np.testing.assert_array_equal(ag["bought"][s] - ag["sold"][s], ag["fill"][s])
        inv = np.where(done[s][:, None], 0, inv)
    # every share an agent traded is attributed to exactly one source
    sources = sum(ag[k] for k in ("filled_by_executions", "filled_by_crossing", "filled_by_agents", "filled_taking",
                                  "filled_at_deadline"))
    np.testing.assert_array_equal(sources, ag["bought"] + ag["sold"])
    assert ag["filled_by_executions"].sum() > 0 and ag["filled_by_agents"].sum() > 0
    assert (np.abs(ag["fill"]).sum() > 0) and done.sum() == 4 * 3
    # historical messages that hit consumed liquidity are counted, never a crash
    assert mk["unresolved"].sum() > 0


def test_fills_match_reference_book(world, data):
    """Agent messages + the replayed historical block (executions that meet agents first, then the block with
    what they left) through the plain-Python reference book give the same fills."""
    env, params, traj = world
    check_fills_against_reference(env, data, traj, (0, 3), lambda s, e: list(traj["info"]["agent_messages"][s, e])
                                  + list(traj["info"]["replayed_messages"][s, e]))


def check_fills_against_reference(env, data, traj, envs, rows):
    """For each environment ``e`` of ``envs`` and each step ``s`` before the last (which adds deadline
    executions outside the book), ``rows(s, e)`` through the plain-Python reference book from the
    episode's window gives every agent's shares bought and sold that step."""
    cfg, A = env.config, env.A
    for e in envs:
        w = int(traj["info"]["market"]["window"][0, e])
        ref = ReferenceBook.from_l2(data.seeds[w], capacity=cfg.capacity, max_trades=cfg.max_trades)
        for s in range(T - 1):
            bought, sold = np.zeros(A + 1, np.int64), np.zeros(A + 1, np.int64)
            for msg in rows(s, e):
                for tr in ref.apply(msg):
                    price, qty, _, _, ptr, atr, _, _, aside = tr[:9]
                    buyer, seller = (atr, ptr) if aside > 0 else (ptr, atr)
                    bought[buyer] += qty
                    sold[seller] += qty
            np.testing.assert_array_equal(bought[1:], traj["info"]["agents"]["bought"][s, e], err_msg=f"step {s}")
            np.testing.assert_array_equal(sold[1:], traj["info"]["agents"]["sold"][s, e], err_msg=f"step {s}")
        assert traj["info"]["agents"]["bought"][: T - 1, e].sum() > 0


def test_stream_positions_order_agents_and_named_orders_as_the_book_does(data):
    """The environment times an execution's named order by the stream position of the message that
    submitted it (``params.named_age``) and each agent order by the position it landed at; stepping
    a touch quoter's episodes and redoing every step with the book's own arrival numbers
    (:func:`~hftlab.env.market.named_arrival`) gives the same books, including executions at the
    agents' own prices."""
    from hftlab.env.market import replay_historical

    env = MarketEnv(_world(agents={"market_making": 1, "twap_near": 1, "fixed_spread": 1}, debug=True))
    params = env.default_params(data, exec_side=0, agent={"fixed_spread": {"half_spread": 1.0}})
    step = jax.jit(env.step_env)
    policy = constant_policy(env)  # the market maker quotes at the touch
    at_price = 0
    for w in (2, 7):
        _, state = env.reset_window(jax.random.PRNGKey(w), params, w)
        for s in range(T - 1):
            before = state.book
            _, state, _, _, info = step(jax.random.PRNGKey(100 + s), state, policy(None, None), params)
            book, _ = engine.replay(before, info["agent_messages"], max_trades=env.config.max_trades, trades=True)
            hist = info["historical_messages"]
            book, replayed, took = replay_historical(book, hist, state.oid)  # times from the book
            np.testing.assert_array_equal(np.asarray(book.orders), np.asarray(state.book.orders), err_msg=f"window {w} step {s}")
            rows, h = np.asarray(replayed)[: 2 * env.A], np.asarray(hist)
            for r in rows[rows[:, 0] == 4]:  # an agent order executed: was an execution at its own price?
                at_price += int(np.any((h[:, 0] == 4) & (h[:, 2] == r[2]) & (h[:, 1] == r[1])))
    assert at_price > 0


def test_named_ages_count_back_to_the_submission():
    from hftlab.env.data import NO_CREATION, named_ages
    from hftlab.lob import messages as M

    rows = [(M.LIMIT, 5), (M.LIMIT, 6), (M.EXECUTE, 5), (M.DELETE, 9), (M.CANCEL, 6), (M.LIMIT, 5), (M.EXECUTE, 5),
            (M.HIDDEN, 5), (M.EXECUTE, 0)]
    m = np.zeros((len(rows), 8), np.int32)
    m[:, 0], m[:, 4] = np.array(rows).T
    # id 5 submitted at 0 and again at 5: the execution at 6 names the later one; 9 was never submitted
    np.testing.assert_array_equal(named_ages(m), [NO_CREATION, NO_CREATION, 2, NO_CREATION, 3, NO_CREATION, 1,
                                                  NO_CREATION, NO_CREATION])


def test_execution_completes_by_deadline(world):
    env, params, traj = world
    done = traj["dones"]["__all__"]
    for t in ("execution", "twap_near", "twap_far", "pov"):
        np.testing.assert_array_equal(traj["info"][t]["executed"][done], float(params.exec_qty))
        fr = traj["info"][t]["fill_rate"][done]
        assert np.all((fr >= 0) & (fr <= 1))
    for t in ("market_making", "fixed_spread", "avellaneda_stoikov"):
        sl = env._sl(t)
        assert np.all(traj["info"]["agents"]["inventory"][done][:, sl] == 0)  # unwound at the end


def test_twap_schedule_is_exact(data):
    cfg = EnvConfig(agents={"twap_far": 1}, episode_steps=T, messages_per_step=K)
    env = MarketEnv(cfg)
    Q = 3 * T + 5
    params = env.default_params(data, exec_qty=Q, exec_side=1)
    _, traj = rollout(env, params, jax.random.PRNGKey(0), num_steps=T, num_envs=3)
    inv = np.asarray(traj["info"]["agents"]["inventory"])[..., 0]  # (T, envs)
    sub = np.asarray(traj["info"]["agents"]["submitted"])[..., 0]
    sched = np.array([((t + 1) * Q) // T for t in range(T)])[:, None]
    prev = np.vstack([np.zeros((1, inv.shape[1]), inv.dtype), inv[:-1]])
    due = sched - prev
    # each step the order is set to exactly what the schedule is owed (a kept order sends nothing)
    assert np.all((sub[:-1] == due[:-1]) | (sub[:-1] == 0))
    assert np.all(inv <= sched) and np.all(inv[-1] == Q)
    # crossing at the far touch keeps it on schedule except when the touch is thinner than the slice
    assert np.mean(inv == sched) > 0.8


def test_no_agents_reproduces_plain_replay(data):
    env = MarketEnv(EnvConfig.market_replay(episode_steps=T, messages_per_step=K))
    params = env.default_params(data)
    w = 3
    obs, st = env.reset_window(jax.random.PRNGKey(0), params, w)
    step = jax.jit(env.step)
    for _ in range(T - 1):
        obs, st, rew, dones, info = step(jax.random.PRNGKey(1), st, {}, params)
    assert obs == {} and rew == {}
    start = int(data.starts[w])
    book = engine.from_l2(data.seeds[w], env.config.capacity)
    book, _ = engine.replay(book, data.messages[start:start + (T - 1) * K], trades=False)
    np.testing.assert_array_equal(np.asarray(engine.l2(st.book, 10)), np.asarray(engine.l2(book, 10)))
    np.testing.assert_array_equal(np.asarray(st.book.orders), np.asarray(book.orders))
    assert int(st.book.unresolved) == int(book.unresolved)


def test_determinism_and_vmap_agree(world):
    env, params, a = world
    _, b = rollout(env, params, WORLD_KEY, num_steps=3 * T + 5, num_envs=4)
    jax.tree.map(np.testing.assert_array_equal, a, jax.tree.map(np.asarray, b))
    # unvmapped runs of the same keys
    keys = jax.random.split(WORLD_KEY, 4)
    for i in (0, 3):
        _, one = rollout(env, params, keys[i], num_steps=3 * T + 5)
        jax.tree.map(lambda x, y: np.testing.assert_allclose(x[:, i], y, rtol=1e-5, atol=1e-4), a, one)


def test_auto_reset_and_episode_boundaries(world):
    env, params, traj = world
    t = traj["info"]["market"]["t"]
    done = traj["dones"]["__all__"]
    np.testing.assert_array_equal(done, t == T - 1)
    np.testing.assert_array_equal(t[:, 0], np.arange(t.shape[0]) % T)
    for typ in env.learning_types:
        assert traj["dones"][typ].shape[-1] == env.num_agents(typ)
        np.testing.assert_array_equal(traj["dones"][typ].all(-1), done)
    # the episode after a reset starts on a fresh window from its start
    w = traj["info"]["market"]["window"]
    assert np.all((w >= 0) & (w < int(params.window_hi)))


def test_single_agent_configurations(data):
    for kind in ("execution", "market_making"):
        env = MarketEnv(EnvConfig(agents={kind: 1}, episode_steps=T, messages_per_step=K))
        assert env.learning_types == (kind,)
        params = env.default_params(data)
        obs, st = env.reset(jax.random.PRNGKey(0), params)
        assert obs[kind].shape == (1, env.obs_size(kind)) and obs[kind].dtype == jnp.float32
        obs, st, rew, dones, info = jax.jit(env.step)(jax.random.PRNGKey(1), st, {kind: jnp.array([1])}, params)
        assert rew[kind].shape == (1,) and dones[kind].shape == (1,)
        assert np.all(np.isfinite(np.asarray(obs[kind])))


def test_abm_only_fixed_agents_and_baselines(data):
    cfg = EnvConfig(agents=dict(fixed_spread=2, avellaneda_stoikov=1, noise=3), episode_steps=T, messages_per_step=K)
    env = MarketEnv(cfg)
    assert env.learning_types == ()
    params = env.default_params(data)
    _, traj = rollout(env, params, jax.random.PRNGKey(2), num_steps=T, num_envs=2)
    assert np.asarray(traj["info"]["agents"]["bought"]).sum() > 0
    bc = baseline_config(_world(), "execution", "twap_far")
    assert bc.count("execution") == 0 and bc.count("twap_far") == 2
    pov = baseline_config(EnvConfig(), "execution", "pov")  # in the learner's place: same trader ids and sides
    assert pov.agents == (("pov", 1), ("market_making", 1))
    with pytest.raises(InputError, match="not a baseline"):
        baseline_config(_world(), "execution", "fixed_spread")


def test_invalid_configuration_fails_at_construction(data):
    with pytest.raises(InputError, match="unknown execution_actions variant"):
        EnvConfig(execution_actions="vwap")
    with pytest.raises(InputError, match="zero agents"):
        EnvConfig(agents={"execution": 0, "market_making": 0})
    with pytest.raises(InputError, match="longer than the data"):
        load_market_data(lobster.sample_day(), window_len=10**6)
    with pytest.raises(InputError, match="capacity 16 is too small"):
        MarketEnv(_world(capacity=16)).default_params(data)
    with pytest.raises(InputError, match="longer than the data's windows"):
        MarketEnv(_world(episode_steps=T + 1)).default_params(data)
    with pytest.raises(InputError, match="non-negative"):
        EnvConfig(agents={"noise": -1})
    with pytest.raises(InputError, match="unknown agent type 'vwap_trader'"):
        EnvConfig(agents={"vwap_trader": 1})


def test_split_windows_are_disjoint(data):
    (a, b), (c, d) = split_windows(data, 0.5)
    assert 0 == a < b <= c < d == data.num_windows
    assert data.starts[b - 1] + data.window_len <= data.starts[c]


def test_action_variants_and_spaces(data):
    for ea, ma, ob in (("levels", "half_spread", "compact"), ("schedule", "ticks", "compact")):  # defaults: world fixture
        env = MarketEnv(EnvConfig(execution_actions=ea, mm_actions=ma, observation=ob, episode_steps=T,
                                  messages_per_step=K, inventory_penalty="linear"))
        params = env.default_params(data)
        _, traj = rollout(env, params, jax.random.PRNGKey(4), num_steps=T, num_envs=2)
        for t in env.learning_types:
            assert np.all(np.isfinite(np.asarray(traj["rewards"][t])))
    assert MarketEnv(EnvConfig(execution_actions="levels")).num_actions("execution") == 5
    sched = EnvConfig(execution_actions="schedule", exec_qty_multiples=(1, 2))
    assert MarketEnv(sched).num_actions("execution") == 8  # no hold: 4 levels x 2 multiples of the due quantity
    assert ex_labels(sched)[:3] == ["1x due @ far touch", "1x due @ mid", "1x due @ near touch"]
    assert MarketEnv(EnvConfig()).num_actions("market_making") == 4 * 4 * 2 + 1


def test_execution_rewards_sum_to_arrival_slippage(world):
    env, params, traj = world
    r = traj["rewards"]["execution"][:, :, 0]  # (steps, envs)
    slip = traj["info"]["execution"]["slippage_ticks"][:, :, 0] / float(params.exec_qty)
    for ep in range(3):
        sl = slice(ep * T, (ep + 1) * T)
        np.testing.assert_allclose(r[sl].sum(0), slip[(ep + 1) * T - 1], rtol=1e-3, atol=1e-3)


@pytest.mark.skipif(not lobster.sample_days(), reason="no real LOBSTER days in shared data")
def test_real_day_runs_without_overflow():
    day = lobster.load(min(lobster.sample_days(), key=lambda p: p.stat().st_size))
    data = load_market_data(day, window_len=T * K, stride=4 * T * K)
    cap = engine.capacity_for(data.peak_orders, extra_orders=15)
    env = MarketEnv(_world(capacity=max(cap, 128)))
    params = env.default_params(data)
    _, traj = rollout(env, params, jax.random.PRNGKey(0), num_steps=T, num_envs=2)
    mk = jax.tree.map(np.asarray, traj["info"]["market"])
    assert mk["overflow"].sum() == 0 and mk["trade_overflow"].sum() == 0
    ag = jax.tree.map(np.asarray, traj["info"]["agents"])
    assert np.all(ag["inventory"].sum(-1) + mk["hist_inv"] == 0)


# --------------------------------------------------------------------------- drawn latency, delayed observations
DRAWN = dict(latency=2, latency_probs=latency_distribution("geometric", 12, mean=4.0), obs_delay=6)


@pytest.fixture(scope="module")
def drawn_world(data):
    """The world of the fixture ``world`` with drawn delays and delayed observations (DRAWN): one rollout
    serves the conservation and the reference-book checks."""
    env = MarketEnv(_world(debug=True, **DRAWN))
    params = env.default_params(data, exec_side=0, agent={"noise": {"market_prob": 0.4}})
    _, traj = rollout(env, params, WORLD_KEY, num_steps=3 * T + 5, num_envs=4)
    return env, params, jax.tree.map(np.asarray, traj)


def test_conservation_with_drawn_latency_and_delayed_observations(drawn_world):
    """The conservation checks with every agent's orders landing 2..14 messages after its decision (a delay
    drawn per agent and step) and observations 6 messages old; the same key gives the same rollout."""
    env, params, traj = drawn_world
    check_conservation(env, params, traj)
    lat = traj["info"]["agents"]["latency"]
    assert lat.min() >= 2 and lat.max() <= 14 and len(np.unique(lat)) > 5
    _, again = rollout(env, params, WORLD_KEY, num_steps=3 * T + 5, num_envs=4)
    np.testing.assert_array_equal(lat, np.asarray(again["info"]["agents"]["latency"]))
    np.testing.assert_array_equal(traj["info"]["agents"]["cash_total"], np.asarray(again["info"]["agents"]["cash_total"]))


def _split_delays(env, params, state):
    """The first step (keys 100, 101, ...) whose two agents draw different delays: ``step_env``'s outputs."""
    for i in range(64):
        out = env.step_env(jax.random.PRNGKey(100 + i), state, {}, params)
        lat = np.asarray(out[4]["agents"]["latency"])
        if lat[0] != lat[1]:
            return out
    raise AssertionError("no step in 64 keys drew two different delays")


def test_orders_with_drawn_latency_land_after_their_own_delays(data):
    """Each agent's orders reach the book right after its own drawn number of historical messages: the
    step equals the block cut at the two delays with each agent's orders between the pieces."""
    from hftlab.env.market import replay_historical

    env = MarketEnv(_world(agents={"twap_far": 1, "fixed_spread": 1}, latency=1,
                           latency_probs=latency_distribution("uniform", 20), debug=True))
    params = env.default_params(data, exec_side=1)
    _, state = env.reset_window(jax.random.PRNGKey(0), params, 3)
    _, state, _, _, _ = env.step_env(jax.random.PRNGKey(1), state, {}, params)  # quotes rest in the book
    book0, oid0 = state.book, state.oid
    _, state2, _, _, info = _split_delays(env, params, state)
    lat = np.asarray(info["agents"]["latency"])
    hist = np.asarray(info["historical_messages"])
    rows = np.asarray(info["agent_messages"])  # each agent's rows, in order of arrival
    first, second = np.argsort(lat, kind="stable")
    mine = lambda a: rows[rows[:, M_TRADER] == a + 1]  # noqa: E731
    oid_mid = np.where(np.arange(2)[:, None] == first, np.asarray(state2.oid), np.asarray(oid0))
    book, _, _ = replay_historical(book0, jnp.asarray(hist[: lat[first]]), oid0)
    book, _ = engine.replay(book, jnp.asarray(mine(first)), max_trades=16, trades=True)
    book, _, _ = replay_historical(book, jnp.asarray(hist[lat[first]: lat[second]]), jnp.asarray(oid_mid))
    book, _ = engine.replay(book, jnp.asarray(mine(second)), max_trades=16, trades=True)
    book, _, _ = replay_historical(book, jnp.asarray(hist[lat[second]:]), state2.oid)
    np.testing.assert_array_equal(np.asarray(book.orders), np.asarray(state2.book.orders),
                                  err_msg=f"delays {lat.tolist()}")
    assert len(mine(0)) and len(mine(1))  # both agents sent orders in that step
    # had both landed after the first delay, the book would differ: the check above can tell them apart
    both, _, _ = replay_historical(book0, jnp.asarray(hist[: lat[first]]), oid0)
    both, _ = engine.replay(both, jnp.asarray(rows), max_trades=16, trades=True)
    both, _, _ = replay_historical(both, jnp.asarray(hist[lat[first]:]), state2.oid)
    assert not np.array_equal(np.asarray(both.orders), np.asarray(state2.book.orders))


def test_drawn_latency_fills_match_reference_book(drawn_world, data):
    """Every row of a step in the order it went through the book (agent orders between historical segments),
    through the plain-Python reference book, gives the agents' fills the environment reports."""
    env, _, traj = drawn_world
    check_fills_against_reference(env, data, traj, (0, 1), lambda s, e: traj["info"]["book_messages"][s, e])


def _us_since_first(hist):
    from hftlab.lob import messages as M

    h = np.asarray(hist).astype(np.int64)
    return (h[:, M.TIME_S] - h[0, M.TIME_S]) * 10**6 + (h[:, M.TIME_NS] - h[0, M.TIME_NS]) // 1000


def test_orders_with_microsecond_latency_land_after_the_messages_stamped_before_them(data):
    """latency_unit="us": the agents' orders reach the book d microseconds after the step's first message
    and land after exactly the messages stamped earlier than that; the book equals the block cut there with
    the orders between the pieces."""
    from hftlab.env.market import replay_historical

    agents = {"twap_far": 1, "fixed_spread": 1}
    plain = MarketEnv(_world(agents=agents, debug=True))
    params = plain.default_params(data, exec_side=1)
    _, s0 = plain.reset_window(jax.random.PRNGKey(0), params, 3)
    hist = np.asarray(plain.step_env(jax.random.PRNGKey(2), plain.step_env(jax.random.PRNGKey(1), s0, {}, params)[1],
                                     {}, params)[4]["historical_messages"])  # the second step's messages
    us = _us_since_first(hist)
    d = int(us[8]) + 1  # microseconds: the orders arrive after the message 8 and any stamped with it
    waited = int(np.sum(us < d))
    assert 8 < waited < K - 1
    env = MarketEnv(_world(agents=agents, latency=d, latency_unit="us", debug=True))
    _, state = env.reset_window(jax.random.PRNGKey(0), params, 3)
    _, state, _, _, _ = env.step_env(jax.random.PRNGKey(1), state, {}, params)
    book0, oid0 = state.book, state.oid
    _, state2, _, _, info = env.step_env(jax.random.PRNGKey(2), state, {}, params)
    np.testing.assert_array_equal(np.asarray(info["historical_messages"]), hist)
    np.testing.assert_array_equal(np.asarray(info["agents"]["latency"]), [waited, waited])
    rows = np.asarray(info["agent_messages"])
    assert (rows[:, 0] != 0).any()  # the agents did send orders in that step
    book, _, _ = replay_historical(book0, jnp.asarray(hist[:waited]), oid0)
    book, _ = engine.replay(book, jnp.asarray(rows), max_trades=16, trades=True)
    book, _, _ = replay_historical(book, jnp.asarray(hist[waited:]), state2.oid)
    np.testing.assert_array_equal(np.asarray(book.orders), np.asarray(state2.book.orders))


def test_conservation_with_drawn_microsecond_latency(data):
    """Delays drawn per agent and step in microseconds (0.5 to 4.5 ms): shares and cash are conserved,
    every agent waits the messages stamped before its orders arrive, never past the observation point."""
    e = 3
    env = MarketEnv(_world(latency=500, latency_unit="us", latency_probs=latency_distribution("uniform", 4000),
                           obs_delay=e, debug=True))
    params = env.default_params(data, exec_side=0, agent={"noise": {"market_prob": 0.4}})
    _, traj = rollout(env, params, WORLD_KEY, num_steps=3 * T + 5, num_envs=4)
    traj = jax.tree.map(np.asarray, traj)
    check_conservation(env, params, traj)
    lat = traj["info"]["agents"]["latency"]
    assert lat.min() >= 0 and lat.max() <= K - e - 1 and len(np.unique(lat)) > 3
    for s in range(3 * T + 5):  # at least as many messages as those stamped before the shortest delay
        us = _us_since_first(traj["info"]["historical_messages"][s, 0])
        assert np.all(lat[s, 0] >= min(np.sum(us < 500), K - e - 1))


def test_delayed_observations_are_the_book_that_many_messages_earlier(data):
    """With obs_delay e the market the agents see (and quote from) is the book after all but the last e
    messages of the step; rewards still mark to the current book."""
    from hftlab.env.market import _masked_views, replay_historical

    e = 20
    env = MarketEnv(_world(agents={"twap_far": 1, "fixed_spread": 1}, obs_delay=e, debug=True))
    params = env.default_params(data, exec_side=1)
    _, state = env.reset_window(jax.random.PRNGKey(0), params, 3)
    seen_differs = False
    for i in range(6):
        book0, oid0 = state.book, state.oid
        _, state, _, _, info = env.step_env(jax.random.PRNGKey(1 + i), state, {}, params)
        hist = np.asarray(info["historical_messages"])
        book, _ = engine.replay(book0, info["agent_messages"], max_trades=16, trades=True)
        book, _, _ = replay_historical(book, jnp.asarray(hist[: K - e]), state.oid)
        views = _masked_views(book, state.seen.mid, params.tick, env.config.obs_levels, env.A)
        for f in ("bid", "ask", "bid_depth", "ask_depth"):
            np.testing.assert_array_equal(np.asarray(getattr(views, f)), np.asarray(getattr(state.seen, f)), err_msg=f)
        seen_differs |= not np.array_equal(np.asarray(state.seen.bid_depth), np.asarray(state.view.bid_depth))
        np.testing.assert_allclose(np.asarray(info["market"]["mid"]), np.asarray(state.view.mid[0]))
    assert seen_differs  # the last e messages did change what a current observer would see


def test_latency_configuration_errors():
    with pytest.raises(InputError, match="unknown latency_unit 'ms'"):
        _world(latency_unit="ms")
    assert _world(latency=10**6, latency_unit="us").max_latency == 10**6  # microseconds need not fit in a step
    with pytest.raises(InputError, match="latency_probs must be non-negative and sum to 1"):
        _world(latency_probs=(0.5, 0.2))
    with pytest.raises(InputError, match="latency_probs must be a sequence"):
        _world(latency_probs="fast")
    with pytest.raises(InputError, match=r"longest latency \(49\) plus obs_delay \(1\)"):
        _world(latency=40, latency_probs=latency_distribution("uniform", 9), obs_delay=1)
    with pytest.raises(InputError, match="obs_delay must be"):
        _world(obs_delay=-1)
    with pytest.raises(InputError, match="unknown kind"):
        latency_distribution("normal", 3)
    with pytest.raises(InputError, match="positive mean"):
        latency_distribution("geometric", 3)
    assert latency_distribution("uniform", 3) == (0.25, 0.25, 0.25, 0.25)
    assert not _world(latency=3, latency_probs=(1.0,)).random_latency


def test_episode_params_hold_only_the_windows_and_give_the_same_episodes(data):
    """``MarketEnv.episode_params``: parameters with just the given windows' T x k messages (re-indexed
    0..n-1) run exactly the episodes the full data runs, so evaluations of any data share one program."""
    from hftlab.rl.config import TrainConfig
    from hftlab.rl.evaluate import episode_runner, run_windows

    env = MarketEnv(_world(agents={"twap_far": 1, "fixed_spread": 1, "noise": 1}))
    params = env.default_params(data, exec_side=0)
    windows = np.array([0, 5, 2, data.num_windows - 1], np.int32)
    small, local = env.episode_params(params, windows)
    assert small.messages.shape == (4 * T * K, params.messages.shape[1]) and small.seeds.shape[0] == 4
    np.testing.assert_array_equal(np.asarray(local), np.arange(4))
    start = int(np.asarray(params.starts)[windows[1]])
    np.testing.assert_array_equal(np.asarray(small.messages[T * K: 2 * T * K]),
                                  np.asarray(params.messages[start:start + T * K]))
    run = episode_runner(TrainConfig(), env, (("fixed_spread", "fixed_spread"), ("twap_far", "twap_far")), True)
    keys = jax.random.split(jax.random.PRNGKey(7), windows.size)
    full = run_windows(run, {}, params, windows, keys)
    compact = run_windows(run, {}, params, windows, keys, env=env)
    jax.tree.map(np.testing.assert_array_equal, full, compact)
    assert np.abs(full[0]["fixed_spread"]["pnl"]).sum() > 0
