"""``study_amzn``: :mod:`hftlab.configs.study_goog` with the stocks swapped — trained on AMZN
2012-06-21 (5 levels), evaluated on AMZN's afternoon and, cross-stock, on GOOG's (recorded in
``hftlab/study/results/study_amzn.json``)."""

from hftlab.configs.base import ExperimentConfig
from hftlab.configs.study_goog import AMZN, GOOG, study


def get_config() -> ExperimentConfig:
    return study(AMZN, GOOG)
