"""IPPO charts (Altair): training curves per seed with a shaded spread, held-out evaluation, sweep heat map."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

TITLES = {"execution": "execution agent", "market_making": "market maker"}


def curves_frame(metrics: dict, seeds, metric: str = "episode_return") -> pd.DataFrame:
    """Long frame (type, seed, update, env_steps, value) from ``metrics[type][metric]`` of shape (S, U)."""
    rows = []
    steps = np.asarray(metrics["env_steps"])
    for t, m in metrics.items():
        if t == "env_steps" or metric not in m:
            continue
        v = np.asarray(m[metric])
        v = v[None] if v.ndim == 1 else v
        st = steps[None] if steps.ndim == 1 else steps
        for i, s in enumerate(seeds):
            for u in range(v.shape[1]):
                rows.append({"type": t, "seed": str(s), "update": u + 1, "env_steps": float(st[i, u]),
                             "value": float(v[i, u])})
    return pd.DataFrame(rows)


def training_curves_chart(metrics: dict, seeds, metric: str = "episode_return", title: str | None = None):
    """Per agent type: one line per seed and the mean ± sd band over seeds, against environment steps."""
    df = curves_frame(metrics, seeds, metric).dropna(subset=["value"])
    charts = []
    for t, g in df.groupby("type", sort=False):
        agg = g.groupby("env_steps")["value"].agg(["mean", "std"]).reset_index().fillna(0.0)
        agg["lo"], agg["hi"] = agg["mean"] - agg["std"], agg["mean"] + agg["std"]
        x = alt.X("env_steps:Q", title="environment steps")
        band = alt.Chart(agg).mark_area(opacity=0.25).encode(x=x, y=alt.Y("lo:Q", title=metric), y2="hi:Q")
        mean = alt.Chart(agg).mark_line(strokeWidth=2.5, color="black").encode(x=x, y="mean:Q")
        lines = alt.Chart(g).mark_line(strokeWidth=1, opacity=0.7).encode(
            x=x, y="value:Q", color=alt.Color("seed:N", title="seed"))
        charts.append((band + lines + mean).properties(width=300, height=200, title=TITLES.get(t, t)))
    out = alt.hconcat(*charts) if charts else alt.Chart(pd.DataFrame({"x": []})).mark_point()
    return out.properties(title=title or f"IPPO training: {metric} (mean ± sd over {len(seeds)} seeds)")


def evaluation_chart(table: pd.DataFrame, title: str = "held-out windows: learned vs baselines"):
    """Per key metric: each policy's per-seed held-out mean (points) and mean ± sd over seeds (bar + rule)."""
    panels = []
    for t, metric, label in (("execution", "shortfall_bps", "shortfall (bps, lower is better)"),
                             ("execution", "fill_rate", "fill rate"),
                             ("market_making", "pnl", "PnL ($, higher is better)"),
                             ("market_making", "inventory_std", "inventory sd (shares)")):
        g = table[table.type == t]
        if g.empty or metric not in g:
            continue
        per_seed = g.groupby(["policy", "seed"], sort=False)[metric].mean().reset_index()
        agg = per_seed.groupby("policy", sort=False)[metric].agg(["mean", "std"]).reset_index().fillna(0.0)
        agg["lo"], agg["hi"] = agg["mean"] - agg["std"], agg["mean"] + agg["std"]
        y = alt.Y("policy:N", title=None, sort=list(agg.policy))
        bars = alt.Chart(agg).mark_bar(opacity=0.35).encode(x=alt.X("mean:Q", title=label), y=y,
                                                              color=alt.Color("policy:N", legend=None))
        err = alt.Chart(agg).mark_rule().encode(x="lo:Q", x2="hi:Q", y=y)
        pts = alt.Chart(per_seed).mark_point(filled=True, size=40, color="black").encode(
            x=f"{metric}:Q", y=y, tooltip=["policy", "seed", metric])
        panels.append((bars + err + pts).properties(width=230, height=110, title=f"{TITLES.get(t, t)}: {metric}"))
    return alt.concat(*panels, columns=2).properties(title=title)


def sweep_heatmap(df: pd.DataFrame, x: str, y: str, value: str, title: str | None = None):
    """Heat map of ``value`` (mean over seeds) on the grid ``x`` × ``y``, numbers written in the cells."""
    agg = df.groupby([x, y])[value].mean().reset_index()
    agg[x] = agg[x].map(lambda v: f"{v:g}")
    agg[y] = agg[y].map(lambda v: f"{v:g}")
    base = alt.Chart(agg).encode(x=alt.X(f"{x}:O", title=x), y=alt.Y(f"{y}:O", title=y))
    rect = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=value, scale=alt.Scale(scheme="viridis")))
    text = base.mark_text(fontSize=11, color="white").encode(text=alt.Text(f"{value}:Q", format=".3g"))
    return (rect + text).properties(width=260, height=200, title=title or f"sweep: {value} (mean over seeds)")


def save_training_figures(result, prefix: str = "train") -> list:
    """The market study's figures (:class:`hftlab.study.market.ExperimentResult`): training curves of the
    return, shortfall and PnL per seed and the held-out evaluation, saved as ``figures/<prefix>_*``."""
    from hftlab.viz.render import save_chart

    seeds = result.config.seeds
    paths = []
    paths += save_chart(training_curves_chart(result.metrics, seeds), f"{prefix}_returns")
    paths += save_chart(training_curves_chart(result.metrics, seeds, "shortfall_bps"), f"{prefix}_shortfall")
    paths += save_chart(training_curves_chart(result.metrics, seeds, "pnl"), f"{prefix}_pnl")
    paths += save_chart(evaluation_chart(result.table), f"{prefix}_heldout")
    return paths
