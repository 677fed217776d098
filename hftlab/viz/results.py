"""Results as charts: each policy's point and interval per metric, a compact table beside it.

:func:`interval_table_chart` takes a tidy summary — one row per (group, policy, metric)
with ``mean``, ``sd`` and ``seeds`` (e.g. :func:`hftlab.study.records.json_summary`) — and
draws, per (group, metric), the mean over seeds (point) with mean ± sd (bar) per policy,
and to its right the same numbers as text (``mean ± sd``), one line per policy.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from hftlab.errors import InputError

NEEDED = ("policy", "metric", "mean", "sd")


def _fmt(mean: float, sd: float) -> str:
    digits = 2 if max(abs(mean), abs(sd)) < 100 else 1
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def interval_table_chart(summary: pd.DataFrame, metrics=None, group: str = "type", highlight: str | None = "ippo",
                         labels: dict | None = None, title: str = "", width: int = 230) -> alt.VConcatChart:
    """Per ``(group, metric)``: point (mean) and interval (mean ± sd over seeds) per policy, with a table beside.

    ``metrics``: the metrics to show, in order (default: all in ``summary``); ``highlight``:
    the policy drawn in a colour of its own (the learned one); ``labels``: axis titles by
    metric (e.g. "shortfall (bps, lower is better)").
    """
    missing = [c for c in NEEDED if c not in summary]
    if missing:
        raise InputError(f"interval_table_chart: summary lacks column(s) {missing}; needs {list(NEEDED)}")
    df = summary.copy()
    if group not in df:
        df[group] = ""
    metrics = list(metrics) if metrics is not None else list(dict.fromkeys(df.metric))
    labels = labels or {}
    df = df[df.metric.isin(metrics)]
    if df.empty:
        raise InputError(f"interval_table_chart: none of the metrics {metrics} is in the summary")
    df = df.assign(lo=df["mean"] - df["sd"], hi=df["mean"] + df["sd"],
                   text=[_fmt(m, s) for m, s in zip(df["mean"], df["sd"])],
                   role=np.where(df.policy == highlight, "learned", "baseline"))
    rows = []
    for (g, m), d in sorted(df.groupby([group, "metric"], sort=False), key=lambda kv: metrics.index(kv[0][1])):
        order = list(dict.fromkeys(d.policy))
        y = alt.Y("policy:N", sort=order, title=None)
        color = alt.Color("role:N", scale=alt.Scale(domain=["learned", "baseline"], range=["#d62728", "#4c78a8"]),
                          legend=None)
        x_title = labels.get(m, m)
        base = alt.Chart(d)
        bar = base.mark_rule(strokeWidth=3, opacity=0.6).encode(x=alt.X("lo:Q", title=x_title, scale=alt.Scale(zero=False)),
                                                                x2="hi:Q", y=y, color=color)
        pt = base.mark_point(filled=True, size=70).encode(
            x="mean:Q", y=y, color=color,
            tooltip=["policy", alt.Tooltip("mean:Q", format=".4g"), alt.Tooltip("sd:Q", format=".3g")]
            + (["seeds"] if "seeds" in d else []))
        h = 20 * len(order)
        chart = (bar + pt).properties(width=width, height=h, title=f"{g}: {m}" if g else m)
        table = base.mark_text(align="left", fontSize=11).encode(x=alt.value(6), y=alt.Y("policy:N", sort=order, axis=None),
                                                                 text="text:N").properties(width=110, height=h, title="mean ± sd")
        rows.append(alt.hconcat(chart, table, spacing=4))
    return alt.vconcat(*rows, spacing=14).properties(title=title)
