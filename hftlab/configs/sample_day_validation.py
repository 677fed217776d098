"""``sample_day_validation``: the sample-day run with the restarts chosen on validation windows
(README: "Choosing instead on validation windows held out of training ... 3.19 ± 0.27 vs 3.08 (1/4)").

The last 20 % of the training windows (``validation_fraction``) are not trained on and
each seed keeps, per agent type, the restart that scores better there.
"""

from dataclasses import replace

from hftlab.configs import sample_day
from hftlab.configs.base import ExperimentConfig


def get_config() -> ExperimentConfig:
    return replace(sample_day.get_config(), select_on="validation")
