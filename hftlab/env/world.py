"""The two-player world of the tour and ``notebooks/02_market_env.ipynb`` on the bundled sample day.

One execution agent and one market maker (the learning players) plus one agent of every
fixed-policy type (TWAP near / far touch, POV, fixed spread, Avellaneda–Stoikov, noise); the
training windows are the first half of the day, the held-out windows the second.
"""

from __future__ import annotations


def two_player_world(quick: bool):
    """``(env, data, params_train, params_test)`` of the notebook / tour world on the sample day.

    Two learning players (execution, market making) and one agent of every fixed-policy
    type; train windows are the first half of the day, held-out windows the second.
    ``quick`` shortens the episodes (16 steps of 100 messages instead of 32).
    """
    from hftlab.env import EnvConfig, MarketEnv, load_market_data, split_windows
    from hftlab.lob import lobster

    steps, k = (16, 100) if quick else (32, 100)
    cfg = EnvConfig(agents=dict(execution=1, market_making=1, twap_near=1, twap_far=1, pov=1, fixed_spread=1,
                                avellaneda_stoikov=1, noise=1), episode_steps=steps, messages_per_step=k)
    env = MarketEnv(cfg)
    data = load_market_data(lobster.load(lobster.BUNDLED), window_len=steps * k)
    train, test = split_windows(data, 0.5)
    return env, data, env.default_params(data, window_range=train), env.default_params(data, window_range=test)
