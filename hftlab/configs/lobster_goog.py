"""``lobster_goog``: the recorded run on the real LOBSTER day GOOG 2012-06-21, 5 levels (README;
recorded in ``hftlab/study/results/lobster_goog.json``).

The ``sample_day`` preset on another day, with the settings that run was recorded with:
windows every half window, 800 updates, 64 environments and one run per seed. (The
record's ``command`` names only ``--day``, ``--window-stride 0`` and ``--updates 800``: 64
environments and one run per seed were the defaults when it was written.)
"""

from dataclasses import replace

from hftlab.configs import sample_day
from hftlab.configs.base import ExperimentConfig


def get_config() -> ExperimentConfig:
    base = sample_day.get_config()
    return replace(
        base,
        day="../shared/data/lobster/LOBSTER_SampleFile_GOOG_2012-06-21_5.zip",  # relative to the checkout
        window_stride=0,  # a window every half window, as recorded
        restarts=1,  # one run per seed (the record has no restart selection)
        train=replace(base.train,
                      num_envs=64,  # as recorded
                      total_timesteps=64 * 32 * 800),  # 800 updates, as recorded
    )
