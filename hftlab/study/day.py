"""Benchmark a LOBSTER day without training anything (``hftlab market``): every baseline family of
:mod:`hftlab.study.baselines` tuned on the day's training windows, then evaluated once on its
held-out windows that share no message, with per-window records (fills by source and markouts
included)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.data.dataset import non_overlapping
from hftlab.env.agents import registry
from hftlab.study.baselines import OBJECTIVE, format_params, default_families, run_member, tune_all
from hftlab.study.market import market_setup, selection_windows


@dataclass
class DayBenchmark:
    """Tuned baselines of one day and their held-out records (:func:`benchmark_day`)."""

    setup: dict
    tuned: list  # [Tuned]
    calibration: dict  # A–S: sigma, kappa, fill rates
    records: pd.DataFrame  # held-out: one row per (family, member, side, window)
    timings: dict

    def summary(self) -> pd.DataFrame:
        """Per family and member (tuned / default): held-out mean and standard error of its objective and
        the fill metrics."""
        rows = []
        for (fam, member), g in self.records.groupby(["family", "member"], sort=False):
            cat = registry.get(fam).category
            metric = OBJECTIVE[cat][0]
            v = g[metric].to_numpy()
            row = {"category": cat, "family": fam, "member": member, "params": g.params.iloc[0], "metric": metric,
                   "mean": float(v.mean()), "se": float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else np.nan,
                   "episodes": int(v.size)}
            for k in ("shares_executions", "shares_crossing", "shares_taking", "shares_deadline", "markout_1",
                      "markout_5", "spread_captured", "passive_share"):
                row[k] = float(g[k].mean())
            rows.append(row)
        return pd.DataFrame(rows)

    def to_json(self) -> dict:
        return {
            "setup": self.setup,
            "calibration": self.calibration,
            "tuning": {t.family.type: {"grid": {k: list(v) for k, v in t.family.grid.items()}, "fixed": t.fixed,
                                       "chosen": t.chosen, "objective": OBJECTIVE[t.family.category][0],
                                       "scores": t.scores.to_dict(orient="records")} for t in self.tuned},
            "summary": self.summary().to_dict(orient="records"),
            "records": self.records.to_dict(orient="records"),
            "timings": self.timings,
        }


def benchmark_day(cfg, quick: bool = False, families: list | None = None, train_windows: int = 48,
                  log=print) -> DayBenchmark:
    """Tune every baseline family on the training windows of ``cfg``'s day (an
    :class:`~hftlab.configs.base.ExperimentConfig`: day, episode shape, split), then evaluate the
    chosen members and the registry defaults on the held-out windows that share no message."""
    t_all = time.perf_counter()
    env, p_train, p_test, windows, setup = market_setup(cfg)
    base = env.config
    window_len = base.messages_per_step * base.episode_steps
    lo, hi = setup["heldout_windows"]
    held = non_overlapping(p_test.starts, np.arange(lo, hi), window_len)
    train = selection_windows(setup, max_windows=train_windows)
    if quick:
        held, train = held[:8], train[:8]
    families = default_families(quick) if families is None else families
    key = jax.random.PRNGKey(7)
    p_train = p_train.replace(exec_side=jnp.asarray(1, jnp.int32))
    p_test = p_test.replace(exec_side=jnp.asarray(1, jnp.int32))
    t0 = time.perf_counter()
    tuned, calib = tune_all(base, p_train, train, families=families, quick=quick, key=key, log=log)
    tuned = list(tuned.values())
    t_tune = time.perf_counter() - t0
    t0 = time.perf_counter()
    frames = []
    for tn in tuned:
        defaults = dict(registry.get(tn.family.type).defaults)
        members = [("tuned", tn.params)] + ([("default", defaults)] if defaults and defaults != tn.params else [])
        for member, values in members:
            tab = run_member(base, p_test, tn.family.type, values, held, key)
            tab.insert(0, "params", format_params(values))
            tab.insert(0, "member", member)
            tab.insert(0, "family", tn.family.type)
            frames.append(tab)
    records = pd.concat(frames, ignore_index=True)
    starts = np.asarray(p_test.starts)
    records.insert(records.columns.get_loc("window") + 1, "start_message", starts[records.window.to_numpy()])
    t_eval = time.perf_counter() - t0
    setup = {**setup, "tuning_windows": [int(w) for w in train], "heldout_windows_used": [int(w) for w in held],
             "quick": bool(quick)}
    log(f"evaluated on {len(held)} held-out windows that share no message")
    return DayBenchmark(setup=setup, tuned=tuned, calibration=calib, records=records,
                        timings={"tune": round(t_tune, 2), "evaluate": round(t_eval, 2),
                                 "total": round(time.perf_counter() - t_all, 2)})


def format_benchmark(bench: DayBenchmark) -> str:
    """Plain-text table of :meth:`DayBenchmark.summary`."""
    s = bench.summary()
    lines = [f"{'family':<19} {'member':<8} {'parameters':<34} {'metric':<14} {'mean ± se':>18} "
             f"{'exec/cross sh':>14} {'markout 1/5':>13}"]
    for r in s.itertuples():
        lines.append(f"{r.family:<19} {r.member:<8} {r.params[:34]:<34} {r.metric:<14} "
                     f"{r.mean:>9.3f} ± {r.se:<6.3f} {r.shares_executions:>6.0f}/{r.shares_crossing:<7.0f} "
                     f"{r.markout_1:>6.2f}/{r.markout_5:<6.2f}")
    return "\n".join(lines)


def with_day(cfg, day: str):
    """``cfg`` on another day (the benchmark's entry point from a path)."""
    return replace(cfg, day=str(day), heldout_day=None)
