"""Altair charts of the fund-strategy GAN: calibration, training, latent space, probes,
portfolio-metric errors against baselines, the strategy swap."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

STYLE_COLORS = alt.Scale(domain=["Index", "Core", "Growth", "Value"], range=["#4c78a8", "#9d755d", "#e45756", "#54a24b"])


def calibration_chart(calib: pd.DataFrame) -> alt.Chart:
    """The universe's calibration figures (points) against their accepted bands (bars)."""
    d = calib.copy()
    d["status"] = np.where(d["ok"], "within band", "outside band")
    base = alt.Chart(d).encode(y=alt.Y("figure:N", sort=None, title=None))
    band = base.mark_bar(opacity=0.25, color="gray").encode(x=alt.X("low:Q", title="value"), x2="high:Q")
    tgt = base.mark_tick(color="black", thickness=2).encode(x="target:Q")
    val = base.mark_point(filled=True, size=70).encode(
        x="value:Q", color=alt.Color("status:N", scale=alt.Scale(domain=["within band", "outside band"], range=["#54a24b", "#e45756"])),
        tooltip=["figure", alt.Tooltip("value:Q", format=".4f"), "target", "low", "high"],
    )
    return (band + tgt + val).properties(width=380, height=22 * len(d), title="Synthetic universe: calibration vs targets").resolve_scale(x="independent")


def calibration_charts(calib: pd.DataFrame) -> alt.VConcatChart:
    """One small panel per calibration figure (their scales differ)."""
    charts = [calibration_chart(calib.iloc[[i]]).properties(title="", height=30) for i in range(len(calib))]
    return alt.vconcat(*charts).properties(title="Synthetic universe: calibration (point) vs target (tick) and band")


def training_chart(history: pd.DataFrame) -> alt.Chart:
    """Critic distance and generator loss terms over training iterations."""
    cols = [c for c in ("distance", "exposure", "adversarial", "count", "turnover", "hhi") if c in history]
    d = history.melt(id_vars="iteration", value_vars=cols, var_name="term", value_name="value")
    return (
        alt.Chart(d)
        .mark_line()
        .encode(x="iteration:Q", y=alt.Y("value:Q", title=None), color="term:N")
        .properties(width=160, height=120)
        .facet(facet=alt.Facet("term:N", title=None), columns=3)
        .resolve_scale(y="independent")
        .properties(title="Training: critic distance and generator loss terms")
    )


def latent_chart(phi: np.ndarray, styles, title: str = "Strategy codes phi (first two principal components)") -> alt.Chart:
    """Funds' ``phi`` projected on its first two principal components, coloured by true style."""
    x = phi - phi.mean(0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    pc = x @ vt[:2].T
    d = pd.DataFrame({"PC1": pc[:, 0], "PC2": pc[:, 1], "style": np.asarray(styles), "fund": np.arange(len(phi))})
    return (
        alt.Chart(d)
        .mark_circle(size=22, opacity=0.7)
        .encode(x="PC1:Q", y="PC2:Q", color=alt.Color("style:N", scale=STYLE_COLORS), tooltip=["fund", "style"])
        .properties(width=380, height=320, title=title)
    )


def _mean_sd(df: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    g = df.groupby(by, sort=False)[value]
    out = g.agg(["mean", "std", "count"]).reset_index()
    out["std"] = out["std"].fillna(0.0)
    out["lo"] = out["mean"] - out["std"]
    out["hi"] = out["mean"] + out["std"]
    return out


def probe_chart(probes: pd.DataFrame) -> alt.LayerChart:
    """Probe macro recall (mean +- sd over seeds) with the paper's real-fund figures as rules.

    ``probes``: columns seed, probe, recall.
    """
    d = _mean_sd(probes, ["probe"], "recall")
    base = alt.Chart(d).encode(y=alt.Y("probe:N", sort=None, title=None))
    bars = base.mark_bar().encode(x=alt.X("mean:Q", title="macro recall", scale=alt.Scale(domain=[0, 1])),
                                  tooltip=["probe", alt.Tooltip("mean:Q", format=".3f"), alt.Tooltip("std:Q", format=".3f"), "count"])
    err = base.mark_rule(color="black").encode(x="lo:Q", x2="hi:Q")
    paper = pd.DataFrame({"x": [0.77, 0.95], "label": ["paper, linear (real funds)", "paper, RBF (real funds)"]})
    rules = alt.Chart(paper).mark_rule(strokeDash=[4, 3], color="gray").encode(x="x:Q", tooltip=["label"])
    return (bars + err + rules).properties(width=380, height=28 * len(d), title="Probe from phi: macro recall (mean +- sd over seeds)")


def r2_chart(r2: pd.DataFrame) -> alt.LayerChart:
    """Cross-validated R^2 of each true parameter from phi. ``r2``: columns seed, parameter, r2."""
    d = _mean_sd(r2, ["parameter"], "r2")
    base = alt.Chart(d).encode(y=alt.Y("parameter:N", sort=None, title=None))
    bars = base.mark_bar(color="#72b7b2").encode(x=alt.X("mean:Q", title="R^2", scale=alt.Scale(domain=[0, 1])),
                                                 tooltip=["parameter", alt.Tooltip("mean:Q", format=".3f"), alt.Tooltip("std:Q", format=".3f")])
    err = base.mark_rule(color="black").encode(x="lo:Q", x2="hi:Q")
    return (bars + err).properties(width=380, height=24 * len(d), title="True parameter recovered from phi: R^2 (mean +- sd)")


def errors_chart(errors: pd.DataFrame, protocol: str = "one-step") -> alt.FacetChart:
    """Held-out portfolio-metric errors of the model and each baseline (mean +- sd over seeds).

    ``errors``: columns seed, method, metric, error.
    """
    d = _mean_sd(errors, ["metric", "method"], "error")
    d["is_model"] = d["method"].eq("model")
    base = alt.Chart().encode(y=alt.Y("method:N", sort=None, title=None))  # data comes from the facet
    bars = base.mark_bar().encode(
        x=alt.X("mean:Q", title="mean absolute error"),
        color=alt.Color("is_model:N", scale=alt.Scale(domain=[True, False], range=["#e45756", "#bab0ac"]), legend=None),
        tooltip=["method", "metric", alt.Tooltip("mean:Q", format=".4g"), alt.Tooltip("std:Q", format=".2g")],
    )
    err = base.mark_rule(color="black").encode(x="lo:Q", x2="hi:Q")
    return (
        alt.layer(bars, err, data=d)
        .properties(width=220, height=170)
        .facet(column=alt.Column("metric:N", title=None))
        .resolve_scale(x="independent")
        .properties(title=f"Held-out portfolio metrics ({protocol}): error vs the real portfolio (lower is better)")
    )


def swap_chart(pair: pd.DataFrame, title: str = "") -> alt.Chart:
    """Exposures of fund A's portfolio under its own and B's strategy: model vs truth.

    ``pair``: columns exposure, source (model / truth), strategy (own / swapped), value.
    """
    return (
        alt.Chart(pair)
        .mark_bar()
        .encode(
            x=alt.X("strategy:N", title=None, sort=["own", "swapped"]),
            y=alt.Y("value:Q", title="exposure (z units)"),
            color=alt.Color("strategy:N", sort=["own", "swapped"]),
            column=alt.Column("exposure:N", title=None),
            row=alt.Row("source:N", title=None),
            tooltip=["exposure", "source", "strategy", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(width=45, height=110, title=title or "Strategy swap: fund A with B's phi, model vs true rule")
    )


def swap_scatter(deltas: pd.DataFrame) -> alt.Chart:
    """Model vs true exposure change under strategy swaps. ``deltas``: exposure, true, model."""
    lim = float(np.nanmax(np.abs(deltas[["true", "model"]].to_numpy()))) if len(deltas) else 1.0
    pts = alt.Chart().mark_circle(size=15, opacity=0.5).encode(  # data comes from the facet
        x=alt.X("true:Q", title="true change", scale=alt.Scale(domain=[-lim, lim])),
        y=alt.Y("model:Q", title="model change", scale=alt.Scale(domain=[-lim, lim])),
    )
    diag = alt.Chart(pd.DataFrame({"x": [-lim, lim], "y": [-lim, lim]})).mark_line(color="gray", strokeDash=[4, 3]).encode(x="x", y="y")
    return (
        alt.layer(pts, diag, data=deltas)
        .properties(width=130, height=130)
        .facet(facet=alt.Facet("exposure:N", title=None), columns=4)
        .properties(title="Strategy swap: change of factor exposure, model vs true rule")
    )
