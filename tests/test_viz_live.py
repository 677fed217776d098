"""The live training chart: recording, throttled redraws, the run selector, and the IPPO monitor hook.

No browser: the widget's image value and counters are checked in the kernel-less process.
"""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import jax
import numpy as np
import pytest

from hftlab.rl.config import AgentConfig, TrainConfig
from hftlab.rl.ippo import make_train
from hftlab.rl.sweep import seed_keys, train_seeds
from hftlab.rl.toy import ToyEnv
from hftlab.viz.live import ALL, LiveChart, gan_live_chart, ippo_live_chart, ippo_monitor


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def simple_draw(df, run):
    return alt.Chart(df).mark_line().encode(x="step:Q", y="value:Q", color="run:N")


def test_records_every_report_and_redraws_at_most_every_interval():
    clock = Clock()
    live = LiveChart(simple_draw, runs=["seed 0"], interval=2.0, clock=clock)
    live.record("seed 0", 1, "a", {"loss": 1.0})  # first report: drawn at once
    assert live.draws == 1 and bytes(live.image.value).startswith(b"<svg")
    for step in range(2, 6):  # within the interval: kept, not drawn
        clock.t += 0.3
        live.record("seed 0", step, "a", {"loss": 1.0 / step})
    assert live.draws == 1 and len(live.frame()) == 5
    clock.t += 1.0  # 2.2 s after the first draw
    live.record("seed 0", 6, "a", {"loss": 0.1})
    assert live.draws == 2
    live.finish()
    assert live.draws == 3 and "step 6" in live.status.value


def test_slow_redraws_wait_longer_so_drawing_stays_a_small_share():
    clock = Clock()

    def slow_draw(df, run):
        clock.t += 1.0  # this redraw takes 1 s
        return simple_draw(df, run)

    live = LiveChart(slow_draw, interval=2.0, clock=clock, max_share=0.1)
    live.record("seed 0", 1, "a", {"loss": 1.0})
    assert live.draws == 1 and live.draw_seconds == pytest.approx(1.0)
    clock.t += 5.0  # past the interval, but 1 s of drawing needs 10 s between redraws
    live.record("seed 0", 2, "a", {"loss": 0.5})
    assert live.draws == 1
    clock.t += 5.0
    live.record("seed 0", 3, "a", {"loss": 0.2})
    assert live.draws == 2


def test_selector_lists_runs_and_redraws_the_chosen_one():
    clock = Clock()
    live = LiveChart(simple_draw, runs=["seed 0"], interval=100.0, clock=clock)
    live.record("seed 0", 1, "a", {"loss": 1.0})
    live.record("seed 1", 1, "a", {"loss": 2.0})  # a run not announced is added
    assert list(live.selector.options) == [ALL, "seed 0", "seed 1"]
    before = live.draws
    all_svg = live.image.value
    live.selector.value = "seed 1"
    assert live.draws == before + 1 and live.image.value != all_svg
    assert set(live.frame("seed 1").run) == {"seed 1"}


def test_ippo_live_chart_and_gan_live_chart_draw():
    import vl_convert as vlc

    rows = [("seed 0", t, u, m, float(u)) for t in ("execution", "market_making") for u in (1, 2)
            for m in ("episode_return", "entropy", "approx_kl", "action: buy", "action: hold")]
    import pandas as pd

    df = pd.DataFrame(rows, columns=["run", "group", "step", "metric", "value"])
    assert "<svg" in vlc.vegalite_to_svg(ippo_live_chart(df, ALL).to_dict())[:300]
    g = pd.DataFrame([("seed 0", "model", i, m, 1.0) for i in (10, 20) for m in ("distance", "critic_loss")],
                     columns=df.columns)
    assert "<svg" in vlc.vegalite_to_svg(gan_live_chart(g, ALL).to_dict())[:300]


ENV = ToyEnv()
CFG = TrainConfig(num_envs=8, num_steps=8, total_timesteps=8 * 8 * 6, update_epochs=1, num_minibatches=2,
                  progress_every=2,
                  agents=(("guess", AgentConfig(lr=1e-2, hidden=(16,))), ("chain", AgentConfig(lr=1e-2, hidden=(16,)))))


@pytest.fixture(scope="module")
def runs():
    """The same two seeds trained without and with a live chart listening."""
    seeds = [0, 3]
    plain = jax.device_get(train_seeds(make_train(CFG, ENV), ENV.default_params(), seeds))
    live = LiveChart(ippo_live_chart, runs=[f"seed {s}" for s in seeds], interval=1e9)  # draws the first report only
    monitor = ippo_monitor(live, seed_keys(seeds), [f"seed {s}" for s in seeds])
    watched = jax.device_get(train_seeds(make_train(CFG, ENV, monitor=monitor), ENV.default_params(), seeds))
    return plain, watched, live


def test_training_is_identical_with_and_without_the_live_chart(runs):
    plain, watched, _ = runs
    same = jax.tree_util.tree_map(lambda a, b: np.array_equal(a, b, equal_nan=True), plain, watched)
    assert all(jax.tree_util.tree_leaves(same))


def test_monitor_reports_every_lane_with_its_metrics(runs):
    plain, _, live = runs
    df = live.frame()
    assert set(df.run) == {"seed 0", "seed 3"}  # matched by key, whatever order the lanes report in
    assert sorted(df.step.unique()) == [2, 4, 6]  # every progress_every updates, and the last
    for m in ("episode_return", "entropy", "approx_kl", "clip_frac", "value_loss"):
        assert m in set(df.metric)
    # the reported values are the training metrics of that seed and update
    ent = df[(df.run == "seed 3") & (df.group == "guess") & (df.metric == "entropy")].set_index("step")["value"]
    np.testing.assert_allclose(ent.loc[4], np.asarray(plain["metrics"]["guess"]["entropy"])[1, 3], rtol=1e-6)
    shares = df[(df.run == "seed 0") & (df.group == "guess") & df.metric.str.startswith("action: ") & (df.step == 2)]
    assert len(shares) == ENV.num_actions("guess") and shares.value.sum() == pytest.approx(1.0, abs=1e-5)
    assert live.draws >= 1 and bytes(live.image.value).startswith(b"<svg")


def test_no_callback_is_compiled_without_a_listener():
    key, p = jax.random.PRNGKey(0), ENV.default_params()
    quiet = str(jax.make_jaxpr(make_train(replace(CFG, progress_every=2), ENV))(key, p))
    heard = str(jax.make_jaxpr(make_train(CFG, ENV, monitor=lambda *a: None))(key, p))
    assert "callback" not in quiet and "callback" in heard


def test_interval_table_chart_points_intervals_and_table():
    import pandas as pd
    import vl_convert as vlc

    from hftlab.errors import InputError
    from hftlab.viz.results import interval_table_chart

    s = pd.DataFrame({"type": ["execution"] * 2 + ["market_making"] * 2, "policy": ["ippo", "twap", "ippo", "fixed"],
                      "metric": ["shortfall_bps"] * 2 + ["pnl"] * 2, "mean": [2.93, 3.10, -7.59, -40.11],
                      "sd": [0.17, 0.03, 9.76, 1.21], "seeds": [4] * 4})
    chart = interval_table_chart(s, metrics=["shortfall_bps", "pnl"], title="held out")
    spec = chart.to_dict()
    assert len(spec["vconcat"]) == 2 and all(len(r["hconcat"]) == 2 for r in spec["vconcat"])  # chart | table
    svg = vlc.vegalite_to_svg(spec)
    assert "2.93 ± 0.17" in svg and "-40.11 ± 1.21" in svg
    with pytest.raises(InputError, match="lacks column"):
        interval_table_chart(s.drop(columns="sd"))


def test_record_ippo_metrics_after_the_fact(runs):
    from hftlab.viz.live import record_ippo_metrics

    plain, _, _ = runs
    live = LiveChart(ippo_live_chart, interval=1e9)
    record_ippo_metrics(live, plain["metrics"], ["seed 0", "seed 3"]).finish()
    df = live.frame()
    assert set(df.run) == {"seed 0", "seed 3"} and df.step.max() == 6 and live.draws == 1
    v = df[(df.run == "seed 3") & (df.group == "chain") & (df.metric == "entropy") & (df.step == 2)].value
    assert float(v.iloc[0]) == pytest.approx(float(np.asarray(plain["metrics"]["chain"]["entropy"])[1, 1]))


def test_a_dense_live_chart_is_kept_as_a_png_so_the_saved_widget_state_stays_small():
    """Thousands of points: the SVG passes ``SVG_MAX_CHARS``, so the widget holds the (smaller) PNG."""
    import vl_convert as vlc

    from hftlab.viz.render import SVG_MAX_CHARS

    def dense(df, run):
        return alt.Chart(df).mark_point().encode(x="step:Q", y="value:Q", color="run:N")

    live = LiveChart(dense, interval=0.0)
    rng = np.random.default_rng(0)
    live.extend([(f"seed {i % 4}", "a", i, "loss", float(v)) for i, v in enumerate(rng.normal(size=4000))])
    live.finish()
    assert live.image.format == "png" and bytes(live.image.value).startswith(b"\x89PNG")
    svg = vlc.vegalite_to_svg(live.chart().to_dict())
    assert len(svg) > SVG_MAX_CHARS and 4 * len(live.image.value) / 3 < len(svg)
    live.extend([("seed 0", "a", 5000, "loss", 0.0)])
    live.selector.value = "seed 0"  # fewer points again, still drawn (as whichever format is smaller)
    assert live.image.format in ("png", "svg+xml") and live.draws == 2
