"""Altair charts of the multi-agent market: quotes and fills, inventory, PnL, baseline distributions.

Inputs are the tables of :func:`hftlab.env.baselines.trace_episode` (``market``, ``agents``)
and :func:`hftlab.env.baselines.world_table`; nothing here computes a result.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

BID_COLOR, ASK_COLOR, MID_COLOR = "#1a9850", "#d73027", "#4d4d4d"


def quotes_chart(market: pd.DataFrame, agents: pd.DataFrame, width: int = 560, height: int = 200) -> alt.LayerChart:
    """Touch prices and mid per step, with the agents' fills as points (up = bought, down = sold)."""
    m = market.melt(id_vars="step", value_vars=["bid", "ask", "mid"], var_name="series", value_name="price")
    lines = alt.Chart(m).mark_line(interpolate="step-after").encode(
        x=alt.X("step:Q", title="step"),
        y=alt.Y("price:Q", title="price ($)", scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", scale=alt.Scale(domain=["bid", "ask", "mid"], range=[BID_COLOR, ASK_COLOR, MID_COLOR]),
                        title="book"),
    )
    fills = agents[agents["fill"] != 0].merge(market[["step", "mid"]], on="step")
    fills = fills.assign(direction=fills["fill"].map(lambda f: "bought" if f > 0 else "sold"), shares=fills["fill"].abs())
    pts = alt.Chart(fills).mark_point(filled=True, opacity=0.8).encode(
        x="step:Q", y=alt.Y("mid:Q"),
        shape=alt.Shape("direction:N", scale=alt.Scale(domain=["bought", "sold"], range=["triangle-up", "triangle-down"])),
        size=alt.Size("shares:Q", title="shares", scale=alt.Scale(range=[30, 300])),
        tooltip=["agent:N", "step:Q", "fill:Q"],
    )
    return alt.layer(lines, pts).resolve_scale(color="independent").properties(
        width=width, height=height, title="Quotes and agent fills")


def agent_lines_chart(agents: pd.DataFrame, field: str, title: str, y_title: str, width: int = 270,
                      height: int = 170) -> alt.Chart:
    return alt.Chart(agents).mark_line(interpolate="step-after").encode(
        x=alt.X("step:Q", title="step"), y=alt.Y(f"{field}:Q", title=y_title),
        color=alt.Color("agent:N", title="agent"), tooltip=["agent:N", "step:Q", f"{field}:Q"],
    ).properties(width=width, height=height, title=title)


def episode_chart(market: pd.DataFrame, agents: pd.DataFrame, title: str = "") -> alt.VConcatChart:
    """Quotes + fills on top; inventory and mark-to-mid PnL per agent below."""
    low = alt.hconcat(
        agent_lines_chart(agents, "inventory", "Inventory", "shares"),
        agent_lines_chart(agents, "pnl", "PnL (mark to mid)", "$"),
    )
    return alt.vconcat(quotes_chart(market, agents), low).properties(title=title)


def baseline_distribution_chart(table: pd.DataFrame, metric: str, types: list[str], title: str,
                                x_title: str, width: int = 420) -> alt.Chart:
    """Box plot of ``metric`` over windows, one row per run/type among ``types``."""
    df = table[table["type"].isin(types)].copy()
    df["policy"] = df["type"] if df["run"].nunique() == 1 else df["type"] + " (" + df["run"] + ")"
    return alt.Chart(df).mark_boxplot(extent="min-max").encode(
        x=alt.X(f"{metric}:Q", title=x_title), y=alt.Y("policy:N", title=None),
        color=alt.Color("type:N", legend=None),
    ).properties(width=width, title=title)


def baselines_chart(table: pd.DataFrame) -> alt.VConcatChart:
    """Shortfall distributions of the execution policies and PnL distributions of the market makers."""
    from hftlab.env.agents import registry

    present = list(dict.fromkeys(table["type"]))
    ex = [t for t in present if registry.get(t).category == "execution"]
    mm = [t for t in present if registry.get(t).category == "quoting"]
    charts = []
    if ex:
        charts.append(baseline_distribution_chart(table, "shortfall_bps", ex, "Execution: implementation shortfall",
                                                  "shortfall (bps vs arrival mid)"))
    if mm:
        charts.append(baseline_distribution_chart(table, "pnl", mm, "Market making: episode PnL", "PnL ($)"))
    return alt.vconcat(*charts)


SOURCE_LABELS = {"shares_executions": "historical executions", "shares_crossing": "crossing limit orders",
                 "shares_agents": "other agents", "shares_taking": "taking resting orders",
                 "shares_deadline": "deadline unwind"}


def fills_by_source_chart(table: pd.DataFrame, title: str = "Fills by source, shares per episode",
                          by: str = "rule", by_title: str = "fill rule") -> alt.HConcatChart:
    """Stacked bars of shares per episode by fill source, one bar per ``by`` value (rows of
    :func:`hftlab.env.fills.compare_fill_rules` for one agent type: one per rule; or one per policy),
    beside the markouts at 1 and 5 steps and the spread captured (ticks per share)."""
    long = table.melt(id_vars=[by], value_vars=list(SOURCE_LABELS), var_name="source", value_name="shares")
    long["source"] = long["source"].map(SOURCE_LABELS)
    bars = alt.Chart(long, title=title).mark_bar().encode(
        x=alt.X("shares:Q", title="shares per episode"), y=alt.Y(f"{by}:N", title=by_title),
        color=alt.Color("source:N", title="source"), tooltip=[by, "source", alt.Tooltip("shares:Q", format=".0f")],
    ).properties(width=300, height=22 * max(2, table[by].nunique()))
    mk = table.melt(id_vars=[by], value_vars=["spread_captured", "markout_1", "markout_5"], var_name="horizon",
                    value_name="ticks")
    marks = alt.Chart(mk, title="Ticks per share after the fill").mark_bar().encode(
        x=alt.X("horizon:N", sort=["spread_captured", "markout_1", "markout_5"], title=None),
        xOffset=f"{by}:N", y=alt.Y("ticks:Q", title="ticks / share"), color=alt.Color(f"{by}:N", title=by_title),
        tooltip=[by, "horizon", alt.Tooltip("ticks:Q", format=".2f")],
    ).properties(width=220, height=160)
    return alt.hconcat(bars, marks).resolve_scale(color="independent")
