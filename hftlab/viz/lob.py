"""Altair charts of order books: depth, mid / spread, stylized facts, validation, throughput.

Every function takes plain data (NumPy arrays, pandas frames from :mod:`hftlab.lob.stats`,
:mod:`hftlab.lob.validate` or a benchmark) and returns an ``alt.Chart`` (or a compound
chart); nothing here computes a result, except that :func:`window_view` (the notebook's
widget) asks :func:`hftlab.lob.replays.replay_window` for the window it draws.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

BID_COLOR, ASK_COLOR = "#1a9850", "#d73027"
PRICE_SCALE = 1e4  # LOBSTER prices are dollars x 10 000


def depth_frame(l2, price_scale: float = PRICE_SCALE) -> pd.DataFrame:
    """A ``(levels, 4)`` L2 snapshot (ask price, ask size, bid price, bid size; empty 0/0) as a tidy frame.

    Columns ``side``, ``level``, ``price`` (dollars), ``size``, ``cumulative`` (depth from the touch).
    """
    a = np.asarray(l2, dtype=np.int64).reshape(-1, 4)
    rows = []
    for side, pc, sc in (("ask", 0, 1), ("bid", 2, 3)):
        live = a[:, sc] > 0
        sizes = a[live, sc]
        cum = np.cumsum(sizes)
        for k, (p, s, c) in enumerate(zip(a[live, pc], sizes, cum)):
            rows.append({"side": side, "level": k + 1, "price": p / price_scale, "size": int(s), "cumulative": int(c)})
    return pd.DataFrame(rows, columns=["side", "level", "price", "size", "cumulative"])


def depth_chart(l2, title: str = "Order book depth", price_scale: float = PRICE_SCALE, width: int = 420,
                height: int = 220) -> alt.LayerChart:
    """Depth chart of one L2 snapshot: size per level (bars) and cumulative depth (steps), bids green, asks red."""
    df = depth_frame(l2, price_scale)
    color = alt.Color("side:N", scale=alt.Scale(domain=["bid", "ask"], range=[BID_COLOR, ASK_COLOR]), title="side")
    base = alt.Chart(df).encode(
        x=alt.X("price:Q", title="price ($)", scale=alt.Scale(zero=False), axis=alt.Axis(format=".2f", labelOverlap=True)),
        color=color,
    )
    bars = base.mark_bar(opacity=0.55, size=6).encode(
        y=alt.Y("size:Q", title="shares"),
        tooltip=["side", "level", alt.Tooltip("price:Q", format=".2f"), "size", "cumulative"],
    )
    steps = base.mark_line(interpolate="step-after", strokeWidth=2).encode(
        y="cumulative:Q", detail="side:N",
    )
    return (bars + steps).properties(title=title, width=width, height=height)


def mid_spread_chart(df: pd.DataFrame, title: str = "Mid price and spread", x: str = "clock", width: int = 560,
                     height: int = 160) -> alt.VConcatChart:
    """Mid price with the best bid / ask band (top) and the spread in ticks (bottom).

    ``df``: :func:`hftlab.lob.stats.mid_spread_series` (columns ``time`` / ``message``, ``mid``,
    ``best_bid``, ``best_ask``, ``spread_ticks``, ``clock``). ``x`` picks the horizontal axis:
    ``clock`` (time of day), ``time`` (seconds after midnight) or ``message`` (row index).
    """
    if x == "clock":
        xenc = alt.X("clock:T", title="time of day", scale=alt.Scale(type="utc"), axis=alt.Axis(format="%H:%M"))
    else:
        x_title = "seconds after midnight" if x == "time" else "message"
        xenc = alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(zero=False), axis=alt.Axis(labelOverlap=True))
    base = alt.Chart(df).encode(x=xenc)
    band = base.mark_area(opacity=0.25, color="#888888").encode(
        y=alt.Y("best_bid:Q", title="price ($)", scale=alt.Scale(zero=False)), y2="best_ask:Q"
    )
    mid = base.mark_line(color="#2c7fb8", strokeWidth=1.2).encode(
        y="mid:Q", tooltip=["message:Q", alt.Tooltip("mid:Q", format=".4f"), "spread_ticks:Q"]
    )
    top = (band + mid).properties(title=title, width=width, height=height)
    spread = base.mark_line(color="#7b3294", strokeWidth=1, interpolate="step-after").encode(
        y=alt.Y("spread_ticks:Q", title="spread (ticks)")
    ).properties(width=width, height=height * 0.6)
    return alt.vconcat(top, spread)


def _fact_chart(df: pd.DataFrame, fact: str, width: int, height: int) -> alt.Chart:
    color = alt.Color("day:N", title="day")
    if fact == "spread":
        return alt.Chart(df).mark_line(interpolate="step-after").encode(
            x=alt.X("spread_ticks:Q", title="spread (ticks)"), y=alt.Y("fraction:Q", title="fraction of rows"), color=color,
        ).properties(title="Spread", width=width, height=height)
    if fact in ("order_size", "inter_arrival"):
        title, xt = ("New limit order size", "shares") if fact == "order_size" else ("Inter-arrival time", "seconds")
        return alt.Chart(df).mark_line(point=True).encode(
            x=alt.X("center:Q", title=xt, scale=alt.Scale(type="log")), y=alt.Y("fraction:Q", title="fraction"),
            color=color,
        ).properties(title=title, width=width, height=height)
    if fact == "mid_return":
        return alt.Chart(df).mark_line(interpolate="step-after").encode(
            x=alt.X("center:Q", title="mid return over 100 messages (bps)"), y=alt.Y("fraction:Q", title="fraction"),
            color=color,
        ).properties(title="Mid-price returns", width=width, height=height)
    if fact == "message_mix":
        return alt.Chart(df[df["type"] <= 5]).mark_bar().encode(
            x=alt.X("name:N", title=None, sort=None), xOffset="day:N", y=alt.Y("fraction:Q", title="share of messages"),
            color=color, tooltip=["day", "name", "count", alt.Tooltip("fraction:Q", format=".3f")],
        ).properties(title="Message types", width=width, height=height)
    raise KeyError(f"unknown fact {fact!r}")


def stylized_facts_chart(facts: dict[str, pd.DataFrame], width: int = 260, height: int = 170,
                         columns: int = 3) -> alt.VConcatChart:
    """The stylized facts of several days side by side (one panel per fact, one colour per day).

    ``facts``: :func:`hftlab.lob.stats.stylized_facts` (frames with a ``day`` column).
    """
    panels = [_fact_chart(df, fact, width, height) for fact, df in facts.items()]
    rows = [alt.hconcat(*panels[i: i + columns]) for i in range(0, len(panels), columns)]
    return alt.vconcat(*rows).resolve_scale(color="shared")


def agreement_chart(df: pd.DataFrame, title: str = "Short-replay agreement with the orderbook file") -> alt.Chart:
    """Agreement as a function of k (protocol 2): ``df`` from :func:`hftlab.lob.validate.k_step`.

    Columns ``k``, ``agreement`` (and optionally ``level_agreement``, ``day``); one line per day.
    """
    d = df.copy()
    if "day" not in d:
        d["day"] = "day"
    value_vars = [c for c in ("agreement", "level_agreement") if c in d]
    long = d.melt(id_vars=["k", "day"], value_vars=value_vars, var_name="measure", value_name="fraction")
    long["measure"] = long["measure"].map({"agreement": "all compared levels", "level_agreement": "per level (mean)"})
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("k:Q", title="messages replayed (k)", scale=alt.Scale(type="log")),
        y=alt.Y("fraction:Q", title="windows agreeing", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("day:N", title="day"),
        strokeDash=alt.StrokeDash("measure:N", title=None, legend=alt.Legend(symbolType="stroke")),
        tooltip=["day", "k", "measure", alt.Tooltip("fraction:Q", format=".3f")],
    ).properties(title=title, width=420, height=240)


def throughput_chart(df: pd.DataFrame, x: str = "label", y: str = "msgs_per_s", color: str | None = None,
                     title: str = "Replay throughput (book-messages / s)") -> alt.Chart:
    """Bars of throughput on a log axis; ``df`` has one row per configuration (e.g. engine B=1, 64, ..., dict book)."""
    lo = 10 ** np.floor(np.log10(max(float(df[y].min()), 1e-9)))  # log axis: bars start a decade below the smallest
    yscale = alt.Scale(type="log", domainMin=lo)
    enc = dict(
        x=alt.X(f"{x}:N", title=None, sort=None),
        y=alt.Y(f"{y}:Q", title="book-messages per second", scale=yscale),
        y2=alt.datum(lo),
        tooltip=[x, alt.Tooltip(f"{y}:Q", format=".3s")] + ([color] if color else []),
    )
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color)
    bars = alt.Chart(df).mark_bar().encode(**enc)
    text = alt.Chart(df).mark_text(dy=-6, fontSize=10).encode(
        x=alt.X(f"{x}:N", sort=None), y=alt.Y(f"{y}:Q", scale=yscale), text=alt.Text(f"{y}:Q", format=".2s"),
    )
    return (bars + text).properties(title=title, width=max(240, 60 * len(df)), height=240)


def replay_figure(l2, mid_spread: pd.DataFrame, title: str = "") -> alt.VConcatChart:
    """Depth at the end of a replay above mid / spread over time (the ``hftlab replay`` figure)."""
    return alt.vconcat(
        depth_chart(l2, title=f"{title}: the replayed book after the last message".strip(": ")),
        mid_spread_chart(mid_spread, title=f"{title}: mid price and spread (orderbook file)".strip(": ")),
    )


def window_charts(w: dict, mid_spread: pd.DataFrame, title: str = "") -> list:
    """``[depth charts side by side, mid / spread chart]`` of a :func:`hftlab.lob.replays.replay_window` result."""
    from hftlab.lob.validate import compared_levels_label

    levels = compared_levels_label(np.asarray(w["file"]).shape[-2])
    depth = alt.hconcat(
        depth_chart(w["replayed"], title=f"replayed: row {w['start']} + {w['length']} messages", width=330),
        depth_chart(w["file"], title=f"orderbook file row {w['end']} ({'agrees' if w['agrees'] else 'differs'} "
                                     f"on {levels})", width=330),
    )
    mid = mid_spread_chart(mid_spread, title=f"{title}: messages {w['start']}..{w['end']}", x="message")
    return [depth, mid]


def window_view(day, start: int, length: int, capacity: int = 256) -> list:
    """Charts for a window of a day: the replayed book next to the file's book at its end, and mid / spread.

    The window is :func:`hftlab.lob.replays.replay_window` ``(day, start, length, capacity)``
    (a start past the end slides the window back); returns :func:`window_charts` of it,
    with the agreement flag in the titles.
    """
    from hftlab.lob import stats
    from hftlab.lob.replays import replay_window

    w = replay_window(day, start, length, capacity)
    return window_charts(w, stats.mid_spread_series(day, w["start"], w["length"] + 1), title=day.name)


__all__ = [
    "agreement_chart",
    "depth_chart",
    "depth_frame",
    "mid_spread_chart",
    "replay_figure",
    "stylized_facts_chart",
    "throughput_chart",
    "window_charts",
    "window_view",
]


def fidelity_chart(report: pd.DataFrame, title: str = "Distance to the real day, relative to the default generator"):
    """One bar per stylized fact: the fitted generator's distance to the real day divided by the unfitted
    default generator's (rows of :func:`hftlab.lob.calibrate.fidelity_report`); below 1 the fit is closer."""
    import altair as alt

    df = report.assign(ratio=report["fitted"] / report["default"].where(report["default"] > 0))
    df = df.dropna(subset=["ratio"])
    bars = alt.Chart(df, title=title).mark_bar().encode(
        x=alt.X("ratio:Q", scale=alt.Scale(type="log"), title="fitted distance / default distance (log)"),
        y=alt.Y("fact:N", sort=None, title=None),
        color=alt.Color("closer:N", title="closer", scale=alt.Scale(domain=["fitted", "default", "tie"])),
        tooltip=["fact", "metric", alt.Tooltip("real:Q", format=".3g"), alt.Tooltip("fitted_value:Q", format=".3g"),
                 alt.Tooltip("default_value:Q", format=".3g"), alt.Tooltip("ratio:Q", format=".2f")],
    ).properties(width=360)
    rule = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
    return bars + rule
