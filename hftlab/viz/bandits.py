"""Charts of the causal-bandit experiments (Altair): causal graphs, the abstraction's
arm map, regret curves with shaded spread, AT-UCB's regret against ε, the epidemic pair."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from hftlab.bandits.scm import DiscreteSCM

PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac"]


def graph_layout(scm: DiscreteSCM) -> dict[str, tuple[float, float]]:
    """Fixed layered layout: x = longest path from a root, y = rank within the layer."""
    g = scm.graph
    depth: dict[int, int] = {}
    for v in g.topological_order():
        depth[v] = 1 + max((depth[p] for p in g.parents[v]), default=-1)
    layers: dict[int, list[int]] = {}
    for v in range(g.n):
        layers.setdefault(depth[v], []).append(v)
    pos = {}
    for d, vs in layers.items():
        for i, v in enumerate(vs):
            pos[g.names[v]] = (float(d), float(i) - (len(vs) - 1) / 2.0)
    return pos


def causal_graph_chart(scm: DiscreteSCM, title: str = "", highlight: tuple[str, ...] = (), width: int = 330, height: int = 220) -> alt.Chart:
    """Node-link drawing of an SCM's DAG (arrowheads as triangles near the child)."""
    pos = graph_layout(scm)
    g = scm.graph
    nodes = pd.DataFrame([{"name": n, "x": pos[n][0], "y": pos[n][1], "card": c, "role": "reward" if n in highlight else "variable",
                           "label": f"{n} ({c})"} for n, c in zip(g.names, g.cards)])
    edges, heads = [], []
    for u, v in g.edges():
        (x0, y0), (x1, y1) = pos[u], pos[v]
        edges.append({"x": x0, "y": y0, "x2": x1, "y2": y1})
        t = 0.8
        heads.append({"x": x0 + t * (x1 - x0), "y": y0 + t * (y1 - y0), "angle": 90 - math.degrees(math.atan2(y1 - y0, x1 - x0))})
    xs = alt.Scale(domain=[nodes.x.min() - 0.5, nodes.x.max() + 0.5])
    ys = alt.Scale(domain=[nodes.y.min() - 0.8, nodes.y.max() + 0.8])
    ax = dict(axis=None)
    e = alt.Chart(pd.DataFrame(edges)).mark_rule(color="#888", strokeWidth=1.5).encode(
        x=alt.X("x:Q", scale=xs, **ax), y=alt.Y("y:Q", scale=ys, **ax), x2="x2:Q", y2="y2:Q")
    h = alt.Chart(pd.DataFrame(heads)).mark_point(shape="triangle", filled=True, color="#888", size=60).encode(
        x=alt.X("x:Q", scale=xs, **ax), y=alt.Y("y:Q", scale=ys, **ax), angle=alt.Angle("angle:Q", scale=None))
    n = alt.Chart(nodes).mark_circle(size=900, opacity=0.9).encode(
        x=alt.X("x:Q", scale=xs, **ax), y=alt.Y("y:Q", scale=ys, **ax),
        color=alt.Color("role:N", scale=alt.Scale(domain=["variable", "reward"], range=["#9ecae9", "#f58518"]), legend=None),
        tooltip=["name", "card"])
    t = alt.Chart(nodes).mark_text(dy=-22, fontSize=11).encode(x=alt.X("x:Q", scale=xs, **ax), y=alt.Y("y:Q", scale=ys, **ax), text="label")
    return (e + h + n + t).properties(title=title, width=width, height=height)


def arm_map_chart(ab, base_labels=None, abstract_labels=None, width: int = 300, height: int = 220) -> alt.Chart:
    """The arm map ω as a bipartite drawing: base arms (left) → abstract arms (right),
    with each base arm's IC error (JS) in the tooltip."""
    K, K2 = ab.n_base_arms, ab.n_abstract_arms
    base_labels = base_labels or [_arm_label(ab.base, a) for a in ab.base_arms]
    abstract_labels = abstract_labels or [_arm_label(ab.abstract, a) for a in ab.abstract_arms]
    ic = ab.ic_errors("js")
    by = lambda i, n: (n - 1) / 2.0 - i  # noqa: E731
    links = pd.DataFrame([{"x": 0.0, "y": by(k, K), "x2": 1.0, "y2": by(int(ab.omega[k]), K2), "ic": ic[k]} for k in range(K)])
    nodes = pd.DataFrame([{"x": 0.0, "y": by(k, K), "label": base_labels[k], "side": "base"} for k in range(K)]
                         + [{"x": 1.0, "y": by(j, K2), "label": abstract_labels[j], "side": "abstract"} for j in range(K2)])
    xs = alt.Scale(domain=[-0.8, 1.8])
    ax = dict(axis=None)
    l = alt.Chart(links).mark_rule(strokeWidth=2).encode(
        x=alt.X("x:Q", scale=xs, **ax), y=alt.Y("y:Q", **ax), x2="x2:Q", y2="y2:Q",
        color=alt.Color("ic:Q", title="IC error (JS)", scale=alt.Scale(scheme="orangered")), tooltip=[alt.Tooltip("ic:Q", format=".4f")])
    p = alt.Chart(nodes).mark_circle(size=120, color="#4c78a8").encode(x=alt.X("x:Q", scale=xs, **ax), y=alt.Y("y:Q", **ax))
    t = alt.Chart(nodes).mark_text(fontSize=10, dx=0, dy=-10).encode(x=alt.X("x:Q", scale=xs, **ax), y=alt.Y("y:Q", **ax), text="label")
    return (l + p + t).properties(title="arm map ω (base → abstract)", width=width, height=height)


def _arm_label(scm, arm) -> str:
    parts = [f"{scm.names[i]}={int(v)}" for i, v in enumerate(arm) if v >= 0]
    return "do(" + ", ".join(parts) + ")"


def abstraction_chart(ab, title: str = "") -> alt.HConcatChart:
    """Base graph | arm map | abstract graph."""
    return alt.hconcat(
        causal_graph_chart(ab.base, "base model M", highlight=(ab.base_reward,)),
        arm_map_chart(ab),
        causal_graph_chart(ab.abstract, "abstract model M′", highlight=(ab.abstract_reward,)),
    ).properties(title=title)


def regret_curves_chart(curves: dict[str, dict], title: str = "", y_title: str = "cumulative pseudo-regret",
                        width: int = 420, height: int = 260, horizon: int | None = None, floor: float | None = 0.0) -> alt.LayerChart:
    """Mean curves with a shaded mean ± sd band (clipped at ``floor``: pseudo-regret is
    never negative, a skewed spread would otherwise shade impossible values);
    ``curves[name] = {t, mean, sd}``."""
    rows = []
    for name, c in curves.items():
        t, m, s = np.asarray(c["t"]), np.asarray(c["mean"]), np.asarray(c["sd"])
        keep = t <= horizon if horizon else slice(None)
        for ti, mi, si in zip(t[keep], m[keep], s[keep]):
            lo = float(mi - si) if floor is None else max(float(mi - si), floor)
            rows.append({"t": int(ti), "mean": float(mi), "lo": lo, "hi": float(mi + si), "algorithm": name})
    df = pd.DataFrame(rows)
    color = alt.Color("algorithm:N", scale=alt.Scale(domain=list(curves), range=PALETTE[: len(curves)]))
    band = alt.Chart(df).mark_area(opacity=0.18).encode(x=alt.X("t:Q", title="round t"), y=alt.Y("lo:Q", title=y_title), y2="hi:Q", color=color)
    line = alt.Chart(df).mark_line().encode(x="t:Q", y="mean:Q", color=color, tooltip=["algorithm", "t", alt.Tooltip("mean:Q", format=".2f")])
    return (band + line).properties(title=title, width=width, height=height)


def camab_regret_chart(result: dict, horizon: int | None = None) -> alt.LayerChart:
    """Regret curves of every algorithm of one CAMAB experiment (shaded ± sd)."""
    curves = {alg: a["curve"] for alg, a in result["algorithms"].items()}
    return regret_curves_chart(curves, f"{result['title']} — {result['n_seeds']} seeds", horizon=horizon, width=330, height=220)


def eps_sweep_chart(result: dict) -> alt.LayerChart:
    """AT-UCB's final pseudo-regret (mean ± sd) and surviving arms against ε/ε*; UCB1 as a rule."""
    rows = [{"eps": e["eps_over_eps_star"], "mean": float(e["pseudo_regret"]["mean"]), "sd": float(e["pseudo_regret"]["sd"]),
             "arms": float(e["surviving_arms"]["mean"])} for e in result["eps_sweep"] if math.isfinite(e["eps_over_eps_star"])]
    df = pd.DataFrame(rows)
    df["lo"], df["hi"] = df["mean"] - df["sd"], df["mean"] + df["sd"]
    ucb = [e for e in result["eps_sweep"] if not math.isfinite(e["eps_over_eps_star"])][0]
    base = alt.Chart(df).encode(x=alt.X("eps:Q", title="ε / ε*  (ε* = measured abstraction error)"))
    pts = base.mark_line(point=True, color="#e45756").encode(y=alt.Y("mean:Q", title=f"pseudo-regret at T={result['horizon']}"),
                                                             tooltip=["eps", alt.Tooltip("mean:Q", format=".1f"), alt.Tooltip("arms:Q", format=".1f")])
    err = base.mark_errorbar(color="#e45756").encode(y=alt.Y("lo:Q", title=f"pseudo-regret at T={result['horizon']}"), y2="hi:Q")
    rule = alt.Chart(pd.DataFrame({"y": [float(ucb["pseudo_regret"]["mean"])], "label": ["UCB1"]})).mark_rule(
        strokeDash=[6, 4], color="#4c78a8").encode(y="y:Q")
    txt = alt.Chart(pd.DataFrame({"y": [float(ucb["pseudo_regret"]["mean"])], "x": [df["eps"].max()], "label": ["UCB1"]})).mark_text(
        dy=-8, align="right", color="#4c78a8").encode(x="x:Q", y="y:Q", text="label")
    arms = base.mark_bar(opacity=0.35, color="#72b7b2", width=8).encode(y=alt.Y("arms:Q", title="surviving base arms"))
    left = (err + pts + rule + txt).properties(title=f"AT-UCB vs ε ({result['n_seeds']} seeds)", width=330, height=220)
    right = arms.properties(title="arms kept after the coarse phase", width=250, height=220)
    return alt.hconcat(left, right)


def epidemic_chart(result_or_banks) -> alt.HConcatChart:
    """ABM vs calibrated ODE prevalence (no lockdown) and the per-arm means of both models."""
    r = result_or_banks
    abm = np.asarray(r.abm_curve if hasattr(r, "abm_curve") else r["abm_curve"])
    ode = np.asarray(r.ode_curve if hasattr(r, "ode_curve") else r["ode_curve"])
    df = pd.DataFrame({"day": np.r_[np.arange(abm.size), np.arange(ode.size)], "prevalence": np.r_[abm, ode],
                       "model": ["ABM (mean of runs)"] * abm.size + ["ODE (calibrated)"] * ode.size})
    curves = alt.Chart(df).mark_line().encode(x="day:Q", y=alt.Y("prevalence:Q", title="infected share"), color="model:N").properties(
        title="no lockdown", width=300, height=200)
    arms = np.asarray(r.arms if hasattr(r, "arms") else r["arms"])
    fm = np.asarray(r.fine_means if hasattr(r, "fine_means") else r["fine_means"])
    cm = np.asarray(r.coarse_means if hasattr(r, "coarse_means") else r["coarse_means"])
    adf = pd.DataFrame({"ABM mean reward μ(a)": fm, "ODE mean reward μ′(a)": cm, "start": arms[:, 0], "length": arms[:, 1]})
    lim = [min(fm.min(), cm.min()) - 0.02, max(fm.max(), cm.max()) + 0.02]
    sc = alt.Chart(adf).mark_circle(size=70).encode(
        x=alt.X("ODE mean reward μ′(a):Q", scale=alt.Scale(domain=lim)), y=alt.Y("ABM mean reward μ(a):Q", scale=alt.Scale(domain=lim)),
        color=alt.Color("start:O", title="lockdown start"), size=alt.Size("length:O", title="length"), tooltip=["start", "length"])
    diag = alt.Chart(pd.DataFrame({"x": lim, "y": lim})).mark_line(strokeDash=[4, 4], color="#999").encode(x="x:Q", y="y:Q")
    return alt.hconcat(curves, (diag + sc).properties(title="lockdown arms: fine vs coarse", width=260, height=200))
