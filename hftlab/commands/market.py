"""``hftlab tour`` part ``market``: the two-player world on the sample day and the fixed-policy baselines.

Builds the multi-agent market (:mod:`hftlab.env`) on the bundled synthetic day: one
execution agent and one market maker plus a TWAP trader, a fixed-spread quoter and a
noise trader; runs one episode with fixed actions and charts quotes, fills, inventory and
PnL; then runs the world over many held-out windows and charts the shortfall distributions
of the execution agents (learning, TWAP near / far touch) and the PnL distributions of
the market makers (learning, fixed spread, Avellaneda–Stoikov). (The baseline-in-place
protocol for evaluating learned policies is :func:`hftlab.env.baselines.evaluate`.) Same library calls as ``notebooks/02_market_env.ipynb``.
"""

from __future__ import annotations

import argparse


def two_player_world(quick: bool):
    """``(env, data, params_train, params_test)`` of the notebook / tour world on the sample day.

    Two learning players (execution, market making) and one agent of every fixed-policy
    type; train windows are the first half of the day, held-out windows the second.
    """
    from hftlab.env import EnvConfig, MarketEnv, load_market_data, split_windows
    from hftlab.lob import lobster

    steps, k = (16, 100) if quick else (32, 100)
    cfg = EnvConfig(execution=1, market_making=1, twap_near=1, twap_far=1, fixed_spread=1, avellaneda_stoikov=1,
                    noise=1, episode_steps=steps, messages_per_step=k)
    env = MarketEnv(cfg)
    data = load_market_data(lobster.sample_day(), window_len=steps * k)
    train, test = split_windows(data, 0.5)
    return env, data, env.default_params(data, window_range=train), env.default_params(data, window_range=test)


def tour(args: argparse.Namespace | None = None) -> dict:
    import jax
    import numpy as np

    from hftlab.config import quick
    from hftlab.env.baselines import trace_episode, world_table
    from hftlab.viz import save_chart
    from hftlab.viz.market import baselines_chart, episode_chart

    q = quick()
    env, data, p_train, p_test = two_player_world(q)
    print(f"data: {data}")
    print(f"world: {', '.join(f'{t} x{env.config.count(t)}' for t in env.types)}; "
          f"{env.config.episode_steps} steps x {env.config.messages_per_step} messages; "
          f"actions {{{', '.join(f'{t}: {env.num_actions(t)}' for t in env.learning_types)}}}")
    actions = {"execution": 3, "market_making": 5}  # 1x TWAP slice at the near touch; bid -1 tick / ask at the touch
    market, agents = trace_episode(env, p_train, 0, jax.random.PRNGKey(0), actions=actions)
    final = agents[agents["step"] == agents["step"].max()]
    for _, r in final.iterrows():
        print(f"  {r['agent']:20s} inventory {int(r['inventory']):6d}  PnL ${r['pnl']:9.2f}")
    save_chart(episode_chart(market, agents, "Two-player world, one episode"), "02_episode")

    lo, hi = int(p_test.window_lo), int(p_test.window_hi)
    windows = np.arange(lo, hi)[: (8 if q else 64)]
    table = world_table(env, p_test, windows, jax.random.PRNGKey(1), actions=actions)
    summary = table.groupby("type")[["shortfall_bps", "fill_rate", "pnl", "fills"]].median()
    print(f"episodes on {len(windows)} held-out windows (medians):")
    print(summary.dropna(how="all").round(2).to_string())
    save_chart(baselines_chart(table), "02_baselines")
    return {"episode": (market, agents), "baselines": table}
