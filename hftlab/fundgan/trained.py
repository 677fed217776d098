"""What training returns: :class:`TrainedModel` (configuration, parameters, history, timings)
and :func:`build_modules`, the networks a configuration describes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from hftlab.fundgan.configs import TrainConfig
from hftlab.fundgan.market_model import FactorMarket
from hftlab.fundgan.model import Allocator, Critic, StrategyEncoder


def build_modules(cfg: TrainConfig, generation: bool = False):
    """Encoder, allocator and critic; ``generation``: the allocator that generates after training
    (``Allocator(generating=True)``: it hits the HHI head's prediction and reaches any predicted
    turnover) instead of the training one (partial adjustment at speed up to 1)."""
    return (
        StrategyEncoder(latent_dim=cfg.latent_dim),
        Allocator(hidden=cfg.allocator_hidden, generating=generation),
        Critic(hidden=cfg.critic_hidden),
    )


@dataclass
class TrainedModel:
    """Trained parameters with what is needed to apply them."""

    config: TrainConfig
    gen_params: Any  # {"encoder": ..., "allocator": ...}
    critic_params: Any
    history: pd.DataFrame
    train_seconds: float
    compile_seconds: float
    t_train: int
    market: FactorMarket
    seed: int = 0

    @property
    def modules(self):
        """Encoder, generating allocator and critic."""
        return build_modules(self.config, generation=True)


__all__ = ["TrainedModel", "build_modules"]
