"""Charts of the learning study (:mod:`hftlab.study.stats`): verdicts with their intervals, the paired
per-window differences behind them, fills by source and the market makers' inventory paths."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from hftlab.errors import InputError

VERDICT_COLORS = alt.Scale(domain=["beats", "no difference", "worse"], range=["#2ca02c", "#7f7f7f", "#d62728"])
UNITS = {"shortfall_bps": "bps, lower is better", "pnl": "USD per episode, higher is better"}


def verdict_chart(intervals, title: str = "Learned − baseline, paired per window (95% block-bootstrap interval)",
                  width: int = 260) -> alt.VConcatChart:
    """Per evaluation set and agent type: each baseline's mean paired difference (point) and 95% interval
    (bar), coloured by verdict, a rule at 0, and the figures as text beside. ``intervals``: rows of
    :func:`hftlab.study.stats.verdict_table` (DataFrame or records)."""
    df = pd.DataFrame(intervals)
    need = {"type", "metric", "baseline", "mean", "lo", "hi", "verdict"}
    if not need <= set(df):
        raise InputError(f"verdict_chart: intervals lack column(s) {sorted(need - set(df))}")
    if "evaluation" not in df:
        df["evaluation"] = "heldout"
    df = df.assign(versus=np.where(df.baseline == "zero", "0 (no PnL)", df.baseline),
                   text=[f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}] {v}" for m, lo, hi, v in zip(df["mean"], df.lo, df.hi, df.verdict)])
    rows = []
    for (ev, t), d in df.groupby(["evaluation", "type"], sort=False):
        order = list(d.versus)
        y = alt.Y("versus:N", sort=order, title=None)
        color = alt.Color("verdict:N", scale=VERDICT_COLORS, title="verdict")
        base = alt.Chart(d)
        metric = d.metric.iloc[0]
        bar = base.mark_rule(strokeWidth=3).encode(
            x=alt.X("lo:Q", title=f"{t}: {metric} ({UNITS.get(metric, '')})", scale=alt.Scale(zero=True)),
            x2="hi:Q", y=y, color=color)
        pt = base.mark_point(filled=True, size=60).encode(
            x="mean:Q", y=y, color=color,
            tooltip=["versus", alt.Tooltip("mean:Q", format=".3f"), alt.Tooltip("lo:Q", format=".3f"),
                     alt.Tooltip("hi:Q", format=".3f"), "n", "block", "verdict"])
        zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3], color="black").encode(x="x:Q")
        h = 22 * len(order)
        chart = (bar + pt + zero).properties(width=width, height=h, title=f"{ev} · {t}")
        text = base.mark_text(align="left", fontSize=11).encode(
            x=alt.value(4), y=alt.Y("versus:N", sort=order, axis=None), text="text:N").properties(width=230, height=h)
        rows.append(alt.hconcat(chart, text, spacing=4))
    return alt.vconcat(*rows, spacing=12).properties(title=title)


def paired_chart(records: pd.DataFrame, type_: str, baseline: str, evaluation: str = "heldout",
                 learned: str = "ippo") -> alt.LayerChart:
    """The per-window paired differences learned − ``baseline`` (each averaged over seeds and sides),
    over the windows' start times, with their mean as a rule: what the interval resamples."""
    from hftlab.study.stats import TARGET_METRIC, paired_differences

    rec = records[records["evaluation"] == evaluation] if "evaluation" in records else records
    if rec.empty:
        raise InputError(f"paired_chart: no records of evaluation {evaluation!r}")
    metric = TARGET_METRIC[type_][0]
    d = paired_differences(rec, type_, None if baseline == "zero" else baseline, learned, metric)
    start = rec.groupby("window")["start_s"].first() if "start_s" in rec else pd.Series(d.index, index=d.index)
    df = pd.DataFrame({"window": d.index, "hour": start.reindex(d.index).to_numpy() / 3600.0, "difference": d.to_numpy()})
    bars = alt.Chart(df).mark_bar(width=6).encode(
        x=alt.X("hour:Q", title="window start (hour of day)", scale=alt.Scale(zero=False)),
        y=alt.Y("difference:Q", title=f"{learned} − {baseline}: {metric}"),
        color=alt.condition(alt.datum.difference < 0, alt.value("#4c78a8"), alt.value("#e45756")),
        tooltip=["window", alt.Tooltip("hour:Q", format=".2f"), alt.Tooltip("difference:Q", format=".3f")])
    mean = alt.Chart(pd.DataFrame({"m": [float(d.mean())]})).mark_rule(strokeDash=[4, 3]).encode(y="m:Q")
    return (bars + mean).properties(width=420, height=160, title=f"{evaluation} · {type_}: per window, {learned} − {baseline}")


def fills_table(records: pd.DataFrame, type_: str = "market_making", evaluation: str = "heldout") -> pd.DataFrame:
    """Per policy of ``type_``: mean shares per episode by source, spread captured and markouts (ticks/share)."""
    from hftlab.viz.market import SOURCE_LABELS

    rec = records[(records["type"] == type_) & ((records["evaluation"] == evaluation) if "evaluation" in records else True)]
    cols = [c for c in (*SOURCE_LABELS, "spread_captured", "markout_1", "markout_5") if c in rec]
    if rec.empty or not cols:
        raise InputError(f"fills_table: no fill records of {type_} in {evaluation!r}")
    return rec.groupby("policy", sort=False)[cols].mean().reset_index()


def fills_chart(records: pd.DataFrame, type_: str = "market_making", evaluation: str = "heldout"):
    """:func:`hftlab.viz.market.fills_by_source_chart` per policy, from the per-window records."""
    from hftlab.viz.market import fills_by_source_chart

    return fills_by_source_chart(fills_table(records, type_, evaluation).fillna(0.0),
                                 title=f"{evaluation} · {type_}: fills by source, shares per episode",
                                 by="policy", by_title="policy")


def inventory_chart(paths: pd.DataFrame, title: str = "Market makers' inventory over held-out episodes") -> alt.Chart:
    """Inventory per step (mean over windows, band: 10–90% of windows) per policy, from
    :func:`hftlab.study.evaluate.inventory_paths`."""
    g = paths.groupby(["policy", "step"])["inventory"]
    df = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(0.1), "hi": g.quantile(0.9)}).reset_index()
    base = alt.Chart(df).encode(x=alt.X("step:Q", title="step"), color=alt.Color("policy:N"))
    band = base.mark_area(opacity=0.15).encode(y=alt.Y("lo:Q", title="inventory (shares)"), y2="hi:Q")
    line = base.mark_line().encode(y="mean:Q", tooltip=["policy", "step", alt.Tooltip("mean:Q", format=".1f")])
    return (band + line).properties(width=420, height=200, title=title)


def selection_chart(selection: pd.DataFrame) -> alt.FacetChart:
    """Each seed's restarts scored on the selection windows and the one kept, per agent type and run
    (:func:`hftlab.study.records.selection_frame`): shortfall in bps (lower is better), PnL in USD."""
    need = {"run", "type", "seed", "restart", "score", "kept"}
    if not need <= set(selection.columns):
        raise InputError(f"selection_chart: expected columns {sorted(need)} (selection_frame's), got {sorted(selection.columns)}")
    return alt.Chart(selection).mark_point(filled=True, size=60).encode(
        x=alt.X("seed:O"), y=alt.Y("score:Q", title="score on the selection windows", scale=alt.Scale(zero=False)),
        color=alt.Color("kept:N", title="kept"), shape=alt.Shape("restart:N"),
        tooltip=["run", "type", "seed", "restart", alt.Tooltip("score:Q", format=".3f"), "kept"],
    ).properties(width=220, height=160).facet(row=alt.Row("type:N", title=None), column=alt.Column("run:N", title=None)
                                              ).resolve_scale(y="independent")
