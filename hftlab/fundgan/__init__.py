"""Fund-strategy GAN: a latent code of each fund's strategy learned from holdings and market data.

Files, in reading order:

- ``universe.py``: the synthetic market and fund universe with known ground truth.
- ``sparse.py``: sparse simplex projection (sparsemax, exact zeros).
- ``model.py``: strategy encoder, allocator (generator), WGAN-GP critic.
- ``market_model.py``: the factor-model market for synthetic (counterfactual) months.
- ``train.py``: the training loop (jitted chunks of ``lax.scan``).
- ``baselines.py``: zero-trade, turnover-matched random, factor-tilt matched.
- ``evaluate.py``: probes, parameter R^2, held-out portfolio metrics, strategy swap.
- ``experiment.py``: everything over several seeds (the CLI and the notebook).
- ``validate.py``: input checks (one-line ``InputError``).
"""

from hftlab.fundgan.universe import FundUniverse, UniverseConfig, generate_universe, load_universe
from hftlab.fundgan.train import LossWeights, TrainConfig, train

__all__ = ["FundUniverse", "LossWeights", "TrainConfig", "UniverseConfig", "generate_universe", "load_universe", "train"]
