"""``study_goog``: the recorded learning study on GOOG 2012-06-21 (5 levels), evaluated on GOOG's
afternoon and, cross-stock, on AMZN's (recorded in ``hftlab/study/results/study_goog.json``).

The ``sample_day`` design (features, network, PPO settings — fixed on the synthetic sample
day, so no GOOG or AMZN window informed them) on a real day, with what the evaluation
protocol of the spec asks for:

* 8 training seeds in one compiled call, each with 2 restarts chosen on **validation**
  windows (the last 20% of the training period, no message shared with the rest);
* every baseline family tuned on training windows (the default of the configuration);
* the afternoon held out: the last 40% of the day, non-overlapping windows, each as a buy
  and a sell task; the same for the other stock's afternoon (``cross_days``).

Training is shortened to 200 updates of 64 environments (the budget of a few hours on two
CPU cores is spent on seeds and evaluation rather than on updates).
"""

from dataclasses import replace

from hftlab.configs import sample_day
from hftlab.configs.base import ExperimentConfig

GOOG = "../shared/data/lobster/LOBSTER_SampleFile_GOOG_2012-06-21_5.zip"  # relative to the checkout
AMZN = "../shared/data/lobster/LOBSTER_SampleFile_AMZN_2012-06-21_5.zip"


def study(day: str, other: str) -> ExperimentConfig:
    base = sample_day.get_config()
    return replace(
        base,
        day=day,
        cross_days=(other,),  # the same policies and tuned baselines on the other stock's afternoon
        window_stride=0,  # training windows every half window
        train_fraction=0.6,  # the last 40% of the day held out: enough non-overlapping windows for the intervals
        seeds=tuple(range(8)),  # 8 seeds, one compiled call
        restarts=2,  # two runs per seed, the better one kept per agent type ...
        select_on="validation",  # ... judged on validation windows, never on the held-out ones
        train=replace(base.train, num_envs=64, total_timesteps=64 * 32 * 200),  # 200 updates
    )


def get_config() -> ExperimentConfig:
    return study(GOOG, AMZN)
