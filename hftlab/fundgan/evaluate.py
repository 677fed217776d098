"""Every evaluation of one trained model (one seed), in one call: :func:`evaluate`.

Each figure comes from its own module:

- :mod:`hftlab.fundgan.probes`: probes from ``phi`` to style and rule, parameter R^2, how phi
  carries the fund's summaries;
- :mod:`hftlab.fundgan.heldout`: held-out portfolio-metric errors of the model, its controls
  and the baselines, one step ahead and rolled out;
- :mod:`hftlab.fundgan.swap`: the strategy swap against the true rules' counterfactual;
- :mod:`hftlab.fundgan.markowitz`: Markowitz proximity per style.

The probes' ``phi`` is the code over the last 36 training months; the model generates with the
code over all training months (:func:`hftlab.fundgan.encode.generation_phi`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hftlab.fundgan.encode import encode_funds, generation_phi
from hftlab.fundgan.heldout import METRICS, heldout_errors
from hftlab.fundgan.markowitz import markowitz_by_style
from hftlab.fundgan.panel import make_panel
from hftlab.fundgan.probes import parameter_r2, probe_recall, summary_fit
from hftlab.fundgan.swap import strategy_swap
from hftlab.fundgan.train import untrained
from hftlab.fundgan.trained import TrainedModel


@dataclass
class Evaluation:
    """All evaluation figures of one trained model (one seed)."""

    seed: int
    probe: dict[str, float]
    parameter_r2: dict[str, float]
    errors: pd.DataFrame  # one-step protocol
    rollout_errors: pd.DataFrame  # rollout protocol
    swap: pd.DataFrame
    train_seconds: float
    phi: np.ndarray = field(repr=False)
    shuffled_probe: dict[str, float] = field(default_factory=dict)
    untrained_probe: dict[str, float] = field(default_factory=dict)  # the same probes on an untrained encoder
    summaries: pd.DataFrame | None = None  # summary_fit of phi
    markowitz: pd.DataFrame | None = None
    phi_generation: np.ndarray | None = field(default=None, repr=False)  # the code over all training months

    def to_dict(self) -> dict:
        return {
            "seed": self.seed,
            "probe_macro_recall": self.probe,
            "shuffled_phi_probe_macro_recall": self.shuffled_probe,
            "untrained_encoder_probe_macro_recall": self.untrained_probe,
            "summary_fit": None if self.summaries is None else self.summaries.to_dict(orient="index"),
            "parameter_r2": self.parameter_r2,
            "portfolio_metric_errors": {m: self.errors[m].to_dict() for m in METRICS},
            "portfolio_metric_errors_rollout": {m: self.rollout_errors[m].to_dict() for m in METRICS},
            "strategy_swap": self.swap.to_dict(orient="index"),
            "markowitz_proximity_pct": None if self.markowitz is None else self.markowitz.to_dict(orient="index"),
            "train_seconds": self.train_seconds,
        }


def evaluate(model: TrainedModel, universe, generator_only: TrainedModel | None = None, seed: int = 0) -> Evaluation:
    """Probes, parameter R^2, held-out metric errors vs baselines, strategy swap."""
    panel = make_panel(universe)
    phi = encode_funds(model, universe, panel)  # the probes' code: the last 36 training months
    phi_gen = generation_phi(model, universe, panel)  # the code the model generates with
    style, rule = universe.style_codes(), universe.rule_codes()
    rng = np.random.default_rng(seed + 1)
    shuffled = phi[rng.permutation(len(phi))]
    probe = {
        "style, linear": probe_recall(phi, style, "linear", seed=seed),
        "style, rbf": probe_recall(phi, style, "rbf", seed=seed),
        "rule, linear": probe_recall(phi, rule, "linear", seed=seed),
        "rule, rbf": probe_recall(phi, rule, "rbf", seed=seed),
    }
    shuffled_probe = {
        "style, linear": probe_recall(shuffled, style, "linear", seed=seed),
        "style, rbf": probe_recall(shuffled, style, "rbf", seed=seed),
    }
    phi0 = encode_funds(untrained(universe, model.config, seed=model.seed), universe, panel)
    untrained_probe = {
        "style, linear": probe_recall(phi0, style, "linear", seed=seed),
        "style, rbf": probe_recall(phi0, style, "rbf", seed=seed),
    }
    return Evaluation(
        seed=model.seed,
        probe=probe,
        parameter_r2=parameter_r2(phi, universe, seed=seed),
        errors=heldout_errors(model, universe, phi_gen, generator_only, seed=seed, panel=panel),
        rollout_errors=heldout_errors(model, universe, phi_gen, generator_only, seed=seed, panel=panel,
                                      protocol="rollout"),
        swap=strategy_swap(model, universe, phi_gen, seed=seed, panel=panel),
        train_seconds=model.train_seconds,
        phi=phi,
        shuffled_probe=shuffled_probe,
        untrained_probe=untrained_probe,
        summaries=summary_fit(model, universe, phi, panel),
        markowitz=markowitz_by_style(model, universe, phi_gen, seed=seed, panel=panel),
        phi_generation=phi_gen,
    )


__all__ = ["Evaluation", "evaluate"]
