"""The whole experiment over several training seeds: what ``hftlab fundgan`` and the notebook run.

``run_experiment(universe, cfg, seeds)`` trains the model and the generator-only
baseline (:func:`hftlab.fundgan.train.train_generator_only`) once per seed, evaluates both
(:func:`hftlab.fundgan.evaluate.evaluate`) and
collects tidy frames over seeds (:class:`ExperimentResult`): probes, parameter R^2,
portfolio-metric errors per method, strategy-swap errors and training times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hftlab.fundgan.configs import TrainConfig
from hftlab.fundgan.encode import encode_funds
from hftlab.fundgan.evaluate import Evaluation, evaluate
from hftlab.fundgan.heldout import METRICS
from hftlab.fundgan.probes import probe_recall
from hftlab.fundgan.train import train, train_generator_only
from hftlab.fundgan.trained import TrainedModel


@dataclass
class ExperimentResult:
    evaluations: list[Evaluation]
    models: list[TrainedModel]
    generator_only: list[TrainedModel]

    # ---- tidy frames over seeds
    def probes(self) -> pd.DataFrame:
        rows = [{"seed": e.seed, "probe": k, "recall": v} for e in self.evaluations for k, v in e.probe.items()]
        rows += [{"seed": e.seed, "probe": f"{k} (shuffled phi)", "recall": v}
                 for e in self.evaluations for k, v in e.shuffled_probe.items()]
        rows += [{"seed": e.seed, "probe": f"{k} (untrained encoder)", "recall": v}
                 for e in self.evaluations for k, v in e.untrained_probe.items()]
        return pd.DataFrame(rows)

    def summary_fit(self) -> pd.DataFrame:
        """Tidy :func:`hftlab.fundgan.probes.summary_fit` over seeds."""
        return pd.concat([e.summaries.reset_index().assign(seed=e.seed) for e in self.evaluations
                          if e.summaries is not None], ignore_index=True)

    def r2(self) -> pd.DataFrame:
        return pd.DataFrame([{"seed": e.seed, "parameter": k, "r2": v} for e in self.evaluations for k, v in e.parameter_r2.items()])

    def errors(self, protocol: str = "one-step") -> pd.DataFrame:
        """Tidy errors over seeds: seed, method, metric, error (``protocol`` one-step or rollout)."""
        rows = []
        for e in self.evaluations:
            table = e.errors if protocol == "one-step" else e.rollout_errors
            for method, row in table.iterrows():
                for m in METRICS:
                    rows.append({"seed": e.seed, "method": method, "metric": m, "error": float(row[m])})
        return pd.DataFrame(rows)

    def swap(self) -> pd.DataFrame:
        return pd.concat([e.swap.reset_index().assign(seed=e.seed) for e in self.evaluations], ignore_index=True)

    def markowitz(self) -> pd.DataFrame:
        """Tidy Markowitz proximity (%) over seeds: seed, style, real, model, abs difference."""
        return pd.concat([e.markowitz.reset_index().assign(seed=e.seed) for e in self.evaluations], ignore_index=True)

    def train_seconds(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"seed": m.seed, "model": "model", "train_s": m.train_seconds, "compile_s": m.compile_seconds} for m in self.models]
            + [{"seed": m.seed, "model": "generator-only", "train_s": m.train_seconds, "compile_s": m.compile_seconds}
               for m in self.generator_only]
        )

    # ---- summaries
    def error_table(self, protocol: str = "one-step") -> pd.DataFrame:
        """Mean and sd over seeds of every method's error, one column per metric."""
        e = self.errors(protocol).groupby(["method", "metric"], sort=False)["error"].agg(["mean", "std"]).reset_index()
        e["cell"] = [f"{m:.4g} ± {s:.2g}" for m, s in zip(e["mean"], e["std"].fillna(0))]
        return e.pivot(index="method", columns="metric", values="cell")[list(METRICS)]

    def model_beats_baselines(self, protocol: str = "one-step") -> pd.DataFrame:
        """Per metric: the model's mean error, the best baseline's, and whether the model wins on every seed."""
        e = self.errors(protocol)
        base = e[~e["method"].isin(["model", "model, shuffled phi"])]
        rows = []
        for m in METRICS:
            mod = e[(e.method == "model") & (e.metric == m)].set_index("seed")["error"]
            b = base[base.metric == m].pivot(index="seed", columns="method", values="error")
            best = b.mean().idxmin()
            rows.append({"metric": m, "model": mod.mean(), "best baseline": best, "baseline error": b[best].mean(),
                         "model wins every seed": bool((mod.values[:, None] < b.loc[mod.index].values).all())})
        return pd.DataFrame(rows).set_index("metric")

    def to_json(self) -> dict:
        def agg(values):
            v = np.asarray(list(values), float)
            return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1 else 0.0, "per_seed": v.tolist()}

        p = self.probes()
        r = self.r2()
        e = self.errors()
        er = self.errors("rollout")
        t = self.train_seconds()
        return {
            "seeds": [ev.seed for ev in self.evaluations],
            "probe_macro_recall": {k: agg(g["recall"]) for k, g in p.groupby("probe", sort=False)},
            "parameter_r2": {k: agg(g["r2"]) for k, g in r.groupby("parameter", sort=False)},
            "portfolio_metric_errors": {
                m: {meth: agg(g["error"]) for meth, g in e[e.metric == m].groupby("method", sort=False)} for m in METRICS
            },
            "portfolio_metric_errors_rollout": {
                m: {meth: agg(g["error"]) for meth, g in er[er.metric == m].groupby("method", sort=False)} for m in METRICS
            },
            "strategy_swap": {
                name: {col: agg(g[col]) for col in ("model error", "generator-only error", "correlation", "slope")}
                for name, g in self.swap().groupby("exposure", sort=False)
            },
            "summary_fit": {
                name: {col: agg(g[col]) for col in ("readout r2", "best lane |corr|", "max |lane - summary|")}
                for name, g in self.summary_fit().groupby("summary", sort=False)
            },
            "markowitz_proximity_pct": {
                style: {col: agg(g[col]) for col in ("real", "model", "abs difference")}
                for style, g in self.markowitz().groupby("style", sort=False)
            },
            "train_seconds": {k: agg(g["train_s"]) for k, g in t.groupby("model", sort=False)},
            "compile_seconds": {k: agg(g["compile_s"]) for k, g in t.groupby("model", sort=False)},
            "per_seed": [ev.to_dict() for ev in self.evaluations],
        }


def run_experiment(universe, cfg: TrainConfig | None = None, seeds=(0, 1, 2), progress: bool = True,
                   generator_only: bool = True, live=None, probe_every: int = 0) -> ExperimentResult:
    """Train and evaluate the model (and the generator-only baseline) for every seed.

    ``cfg``: ``TrainConfig()`` (the full run) unless given (``TrainConfig.quick()``: the short one).
    ``live``: a :class:`hftlab.viz.live.LiveChart` drawing each seed's losses while it trains, and with
    ``probe_every`` > 0 the linear style probe's macro recall every that many chunks (``probe_recall``)."""
    cfg = cfg or TrainConfig()
    evals, models, gens = [], [], []
    styles = universe.style_codes()

    def style_probe(seed):
        def probe(model) -> dict:
            return {"probe_recall": probe_recall(encode_funds(model, universe), styles, "linear", seed=seed)}
        return probe if live is not None and probe_every > 0 else None

    def watch(seed, what):
        if live is None:
            return None
        return lambda step, values: live.record(f"seed {seed}", step, what, values)

    for seed in seeds:
        model = train(universe, cfg, seed=seed, progress=progress, monitor=watch(seed, "model"),
                      probe=style_probe(seed), probe_every=probe_every)
        gen = (train_generator_only(universe, cfg, seed=seed, progress=progress, monitor=watch(seed, "generator only"))
               if generator_only else None)
        evals.append(evaluate(model, universe, generator_only=gen, seed=seed))
        models.append(model)
        if gen is not None:
            gens.append(gen)
    if live is not None:
        live.finish()
    return ExperimentResult(evals, models, gens)
