"""Fund-strategy GAN: a latent code of each fund's strategy learned from holdings and market data.

Files, in reading order (each imports only files above it):

- ``names.py``: the names along the universe's axes (factors, characteristics, styles, rules,
  true parameters).
- ``portfolio.py``: drift with returns, holdings count / HHI / turnover.
- ``sparse.py``: sparse simplex projection (sparsemax, exact zeros).
- ``model.py``: strategy encoder, allocator (generator), WGAN-GP critic.
- ``validate.py``: input checks (one-line ``InputError``).
- ``universe.py``: the synthetic market and fund universe with known ground truth.
- ``market_model.py``: the factor-model market for synthetic (counterfactual) months.
- ``configs.py``: loss weights and ``TrainConfig`` (``TrainConfig()`` full, ``TrainConfig.quick()``).
- ``panel.py``: the universe on the device.
- ``trained.py``: ``TrainedModel``, what training returns.
- ``encode.py``: applying a trained model: every fund's ``phi``, generated portfolios.
- ``train.py``: the training loop (jitted chunks of ``lax.scan``), ``train`` and the
  generator-only baseline ``train_generator_only``.
- ``baselines.py``: zero-trade, turnover-matched random, factor-tilt matched.
- ``probes.py``: style / rule probes, parameter R^2, how phi carries the summaries.
- ``heldout.py``: held-out portfolio-metric errors against the baselines.
- ``swap.py``: the strategy swap against the true counterfactual.
- ``markowitz.py``: Markowitz proximity per style.
- ``critic_distance.py``: a fresh critic's distance between real and generated portfolios.
- ``evaluate.py``: all of the above for one trained model.
- ``experiment.py``: everything over several seeds (the CLI and the notebook).

Sizes are explicit: ``UniverseConfig()`` / ``TrainConfig()`` are the documented full run,
``UniverseConfig.small()`` / ``TrainConfig.quick()`` the quick one; the library never reads
the quick-mode switch (the command, the notebook and the tests choose).
"""

from hftlab.fundgan.configs import LossWeights, TrainConfig
from hftlab.fundgan.train import train, train_generator_only
from hftlab.fundgan.universe import FundUniverse, UniverseConfig, generate_universe, load_universe

__all__ = ["FundUniverse", "LossWeights", "TrainConfig", "UniverseConfig", "generate_universe", "load_universe", "train",
           "train_generator_only"]
