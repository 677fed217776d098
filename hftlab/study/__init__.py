"""Studies: the experiments layer between the commands and the algorithms.

* :mod:`hftlab.study.market` — the IPPO market study: a configuration
  (:mod:`hftlab.configs`) → data windows → train seeds × restarts in one call → restart
  selection → held-out evaluation against the baselines → verdict and JSON record;
* :mod:`hftlab.study.evaluate` — the market's baselines beside the learned policies, same
  windows and keys; key metrics;
* :mod:`hftlab.study.baselines` — the baseline families (null market maker, fixed spread,
  Avellaneda–Stoikov, TWAP, percentage of volume, the spread rule) tuned or calibrated on
  training windows;
* :mod:`hftlab.study.day` — a day benchmarked without training (``hftlab market``);
* :mod:`hftlab.study.records` — the recorded runs the README quotes
  (``hftlab/study/results/*.json``) and the checks read from such records.

A study may import :mod:`hftlab.env` and :mod:`hftlab.rl`; neither imports it.
"""
