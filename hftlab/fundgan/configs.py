"""Training configuration of the fund-strategy GAN: loss weights and :class:`TrainConfig`.

Presets: ``TrainConfig()`` is the documented full run (README), :meth:`TrainConfig.quick` the
short run of the tests and of quick mode. Neither reads the environment: the command, the
notebook and the tests choose.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LossWeights:
    """Weights of the generator / critic loss terms (see :mod:`hftlab.fundgan.train`)."""

    adversarial: float = 1.0
    counterfactual: float = 0.5
    exposure: float = 20.0
    trading: float = 3.0
    weights: float = 0.0
    count: float = 1.0
    turnover: float = 1.0
    hhi: float = 1.0
    summary: float = 20.0  # the summary read-out term: phi carries the fund's summaries linearly
    kl: float = 1e-3
    gradient_penalty: float = 10.0


@dataclass(frozen=True)
class TrainConfig:
    """Static training configuration (hashable: a static argument of the jitted chunk)."""

    iterations: int = 4000
    batch_funds: int = 16
    enc_months: int = 6
    gen_months: int = 4
    n_critic: int = 3
    lr_generator: float = 1e-3  # peak; cosine decay to lr_final_fraction of it over the iterations
    lr_critic: float = 1e-3
    lr_final_fraction: float = 0.1
    head_lr_gain: float = 10.0  # the allocator's count / turnover heads learn this much faster
    head_fit_steps: int = 1000  # final full-batch refit of the heads (0: none), see train.fit_heads
    head_fit_lr: float = 3e-3
    latent_dim: int = 8
    noise_dim: int = 1
    allocator_hidden: tuple[int, ...] = (48, 48)
    critic_hidden: tuple[int, ...] = (128, 128)
    test_months: int = 24  # the last months, held out from training
    chunk: int = 50  # iterations per jitted call (progress-bar granularity)
    loss: LossWeights = field(default_factory=LossWeights)

    @staticmethod
    def quick() -> "TrainConfig":
        """The quick-mode run: 300 iterations, 12 held-out months (for the small universe)."""
        return TrainConfig(iterations=300, test_months=12, chunk=25)


def with_overrides(cfg: TrainConfig, **kw) -> TrainConfig:
    """``cfg`` with fields replaced; ``loss_<name>=`` replaces a loss weight."""
    loss = {k[5:]: kw.pop(k) for k in list(kw) if k.startswith("loss_")}
    if loss:
        kw["loss"] = dataclasses.replace(cfg.loss, **loss)
    return dataclasses.replace(cfg, **kw)


__all__ = ["LossWeights", "TrainConfig", "with_overrides"]
