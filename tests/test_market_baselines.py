"""The practitioner's baselines and the fill metrics: the null market maker, the spread-threshold
rule, inside-spread quotes, markouts computed by hand, the fill rule switch, tuning on training
windows only (:mod:`hftlab.study.baselines`) and ``hftlab market``."""

from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hftlab import configs
from hftlab.cli import main
from hftlab.env import EnvConfig, MarketEnv, load_market_data
from hftlab.env.agents import fixed
from hftlab.env.agents import market_making as mm
from hftlab.env.agents.registry import AgentInput
from hftlab.env.agents.common import View
from hftlab.env.baselines import constant_policy, rollout
from hftlab.env.fills import fill_metrics
from hftlab.lob import lobster
from hftlab.data.dataset import non_overlapping
from hftlab.study.baselines import Family
from hftlab.study.day import benchmark_day

T, K = 8, 25


@pytest.fixture(scope="module")
def data():
    return load_market_data(lobster.sample_day(), window_len=T * K)


def _episodes(data, agents, fills="aggressive", windows=16, **params):
    env = MarketEnv(EnvConfig(agents=agents, episode_steps=T, messages_per_step=K, fills=fills))
    p = env.default_params(data, **params)
    _, traj = rollout(env, p, jax.random.PRNGKey(1), T, num_envs=windows, policy=constant_policy(env),
                      windows=np.arange(windows))
    return env, p, jax.tree.map(np.asarray, traj)


def test_touch_quoter_is_filled_by_historical_executions_only_under_the_aggressive_rule(data):
    """The same touch quoter (market maker, action 0: bid and ask at the touch) on the same windows:
    historical executions fill it under the market's rule, never under the plain-replay rule. The
    null market maker beside it never trades."""
    got = {}
    for rule in ("aggressive", "named"):
        _, p, traj = _episodes(data, {"market_making": 1, "null_mm": 1}, fills=rule)
        got[rule] = fill_metrics(traj["info"], float(p.tick))
        ag = traj["info"]["agents"]
        assert (ag["bought"][..., 1] == 0).all() and (ag["sold"][..., 1] == 0).all()
        np.testing.assert_array_equal(traj["info"]["null_mm"]["pnl"][-1], 0.0)
    assert got["aggressive"]["shares_executions"][:, 0].sum() > 0
    assert got["named"]["shares_executions"].sum() == 0
    assert got["named"]["shares_crossing"][:, 0].sum() > 0  # it still fills from crossing limit orders


def test_spread_rule_is_near_touch_on_wide_spreads_and_far_touch_on_narrow():
    cfg = EnvConfig(agents={"spread_rule": 2})
    view = View(bid=jnp.int32(10_000), ask=jnp.int32(10_400), mid=jnp.float32(10_200), spread=jnp.float32(4.0),
                imbalance=jnp.float32(0.0), bid_depth=jnp.zeros(5), ask_depth=jnp.zeros(5), tick=jnp.int32(100))
    params = type("P", (), {"exec_qty": jnp.int32(320)})()
    z = jnp.zeros(2, jnp.int32)
    inp = AgentInput(n=2, t=jnp.int32(0), T=32, view=view, inv=z, cash=z, side=jnp.asarray([1, -1], jnp.int32),
                     executed=z, remaining=jnp.full(2, 320, jnp.int32), rest_qty=z[:, None], rest_price=z[:, None],
                     queue_ahead=z[:, None], last_fill=z, arrival=view.mid, volume=jnp.int32(0), params=params,
                     own={"threshold": jnp.float32(4.0), "multiple": jnp.float32(2.0)}, config=cfg, action=None, key=None)
    o = fixed.spread_rule(inp)  # spread 4 >= 4: near touch, 2 x due (10)
    assert o.price[:, 0].tolist() == [10_000, 10_400] and o.qty[:, 0].tolist() == [20, 20]
    o = fixed.spread_rule(inp._replace(own={"threshold": jnp.float32(5.0), "multiple": jnp.float32(1.0)}))
    assert o.price[:, 0].tolist() == [10_400, 10_000] and o.qty[:, 0].tolist() == [10, 10]  # far touch


def test_negative_offsets_quote_inside_the_spread_without_crossing():
    cfg = EnvConfig(agents={"market_making": 1}, mm_offsets=(-3, 0, 2), mm_size_multiples=(1,))
    tick = 100
    view = View(bid=jnp.int32(10_000), ask=jnp.int32(10_400), mid=jnp.float32(10_200), spread=jnp.float32(4.0),
                imbalance=jnp.float32(0.0), bid_depth=jnp.zeros(5), ask_depth=jnp.zeros(5), tick=jnp.int32(tick))
    params = type("P", (), {"mm_size": jnp.int32(100)})()
    o = mm.decode(jnp.asarray([0 + 3 * 1]), jnp.zeros(1, jnp.int32), view, params, cfg)  # bid 3 inside, ask at touch
    assert int(o.price[0, 0]) == 10_300 and int(o.price[0, 1]) == 10_400
    o = mm.decode(jnp.asarray([0 + 3 * 0]), jnp.zeros(1, jnp.int32), view, params, cfg)  # both 3 inside
    assert int(o.price[0, 0]) == 10_300 and int(o.price[0, 1]) == 10_100  # bid above ask: allowed, neither crosses
    o = mm.decode(jnp.asarray([0 + 3 * 0]), jnp.zeros(1, jnp.int32), view.replace(ask=jnp.int32(10_200)), params, cfg)
    assert int(o.price[0, 0]) == 10_100 and int(o.price[0, 1]) == 10_100  # clamped one tick inside the other touch
    assert mm.action_labels(cfg)[0].startswith("bid 3 inside / ask 3 inside")


def test_markouts_by_hand():
    """One agent buys 10 at ref + 2 ticks in step 0 and sells 10 at ref + 6 ticks in step 2 (T = 8).
    Market mids after each step (ticks over ref): 3, 4, 5, 6, 7, 8, 9, 10; before step 0: 1."""
    Tn = 8
    fill = np.zeros((Tn, 1), np.int32)
    cash = np.zeros((Tn, 1), np.int32)
    fill[0], cash[0] = 10, -20
    fill[2], cash[2] = -10, 60
    z = np.zeros((Tn, 1), np.int32)
    agents = {"fill": fill, "cash": cash, "filled_by_executions": np.abs(fill), "filled_by_crossing": z,
              "filled_by_agents": z, "filled_taking": z, "filled_at_deadline": z, "queue_ahead_x_filled": np.abs(fill) * 30}
    mids = np.arange(3, 3 + Tn, dtype=np.float32)
    market = {"ref": np.zeros(Tn, np.int32), "mid": mids, "mid_before": np.concatenate([[1.0], mids[:-1]])}
    m = fill_metrics({"agents": agents, "market": market}, tick=1.0)
    # markout 1: buy marked to mid after step 1 (4): +2 per share; sell marked to mid after step 3 (6): 0
    assert m["markout_1"][0, 0] == pytest.approx((10 * 2 + 10 * 0) / 20)
    # markout 5: buy vs mid after step 5 (8): +6; sell vs mid after step 7 (10): -4
    assert m["markout_5"][0, 0] == pytest.approx((10 * 6 - 10 * 4) / 20)
    # spread captured: buy vs the mid before step 0 (1): -1; sell vs the mid before step 2 (4): +2
    assert m["spread_captured"][0, 0] == pytest.approx((-10 + 20) / 20)
    assert m["queue_ahead_at_fill"][0, 0] == pytest.approx(30.0)
    assert m["shares_executions"][0, 0] == 20 and m["passive_share"][0, 0] == 1.0


def test_non_overlapping_windows():
    starts = np.arange(0, 1000, 50)  # windows of 100 messages every 50
    assert list(non_overlapping(starts, np.arange(4, 12), 100)) == [4, 6, 8, 10]


def test_benchmark_tunes_on_training_windows_and_records_every_heldout_window(tmp_path):
    """Two families on the sample day (quick shape): the chosen member is the best of its grid on the
    training windows, which precede every held-out window; one record per member, side and window."""
    cfg = configs.quick(configs.get("sample_day"))
    fams = [Family("spread_rule", {"threshold": (0.0, 1e6)}), Family("fixed_spread", {"half_spread": (1.0, 8.0)})]
    b = benchmark_day(cfg, quick=True, families=fams, log=lambda *_: None)
    lo, _ = b.setup["heldout_windows"]
    assert max(b.setup["tuning_windows"]) < lo <= min(b.setup["heldout_windows_used"])
    for tn in b.tuned:
        metric = "shortfall_bps" if tn.family.type == "spread_rule" else "pnl"
        best = tn.scores[metric].idxmin() if metric == "shortfall_bps" else tn.scores[metric].idxmax()
        assert tn.chosen == {k: float(tn.scores.loc[best, k]) for k in tn.family.grid}
    held = len(b.setup["heldout_windows_used"])
    rec = b.records
    sr = rec[rec.family == "spread_rule"]
    assert len(sr) == 2 * held * 2  # tuned and default, both sides
    assert len(rec[rec.family == "fixed_spread"]) == 2 * held
    assert set(rec.columns) >= {"window", "start_message", "side", "shares_executions", "markout_1", "markout_5"}
    js = json.loads(json.dumps(b.to_json(), default=float))
    assert js["tuning"]["fixed_spread"]["chosen"] == b.tuned[1].chosen and len(js["records"]) == len(rec)


def test_market_command_bad_input(capsys, tmp_path):
    assert main(["market", "--only", "vwap"]) == 2
    assert "--only: vwap not among the baseline families" in capsys.readouterr().err
    assert main(["market", "--day", str(tmp_path / "missing.zip")]) == 2
    assert "does not exist" in capsys.readouterr().err
