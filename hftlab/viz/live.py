"""``LiveChart``: training metrics drawn while a run is going, one chart updated in place.

A training loop reports ``record(run, step, group, values)`` — from a Python loop (the
fund GAN's chunks) or from inside a jitted loop through a host callback (IPPO:
:func:`ippo_monitor` is the ``monitor`` of :func:`hftlab.rl.ippo.make_train`, called by
``jax.debug.callback`` every ``progress_every`` updates, once per vmapped seed). Every
report is kept; the chart is redrawn at most every ``interval`` seconds, and never more
often than keeps drawing under ``max_share`` of the time (a redraw that took 0.6 s waits
6 s at the default 10 %), plus once more by :meth:`LiveChart.finish`: drawing, which runs
in the reporting thread, never dominates training.

The chart is an SVG (a PNG when that is much smaller, as for cell charts) drawn in the kernel by
``vl-convert`` into one ``ipywidgets.Image``:
an update changes that widget's value — no new cell output per update, no JavaScript
bundle, no network — and it works the same in JupyterLab, Colab and nbconvert. A
dropdown chooses the run shown ("all runs" overlays them); choosing redraws at once.

Nothing listens unless a ``LiveChart`` is passed: without ``monitor`` the training loop
compiles no callback at all (see :func:`hftlab.rl.ippo.make_train`).
"""

from __future__ import annotations

import html
import threading
import time
from typing import Callable

import altair as alt
import numpy as np
import pandas as pd

ALL = "all runs"


class LiveChart:
    """Records ``(run, group, step, metric, value)`` rows and redraws one chart, throttled.

    ``draw(frame, run)`` returns the Altair chart of ``frame`` (the rows so far, only
    run ``run``'s unless ``run`` is :data:`ALL`). ``runs``: the dropdown's choices, in
    order (more are added as they report). ``clock`` is injectable for tests.
    """

    def __init__(self, draw: Callable[[pd.DataFrame, str], alt.TopLevelMixin], runs=(), interval: float = 4.0,
                 title: str = "", clock: Callable[[], float] = time.monotonic, max_share: float = 0.1):
        import ipywidgets as widgets

        self.draw_fn = draw
        self.interval = float(interval)
        self.max_share = float(max_share)
        self.clock = clock
        self.draw_seconds = 0.0  # how long the last redraw took
        self.rows: list[tuple] = []
        self.draws = 0  # how many times the chart was redrawn
        self.last_draw: float | None = None
        self._lock = threading.Lock()  # the rows
        self._drawing = threading.Lock()  # one redraw at a time
        self._runs = [str(r) for r in runs]
        self.selector = widgets.Dropdown(options=[ALL] + self._runs, value=ALL, description="show",
                                         layout=widgets.Layout(width="260px"))
        self.selector.observe(lambda change: self.redraw(), names="value")
        self.status = widgets.HTML("")
        self.image = widgets.Image(format="svg+xml", value=b"")
        header = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.widget = widgets.VBox(header + [widgets.HBox([self.selector, self.status]), self.image])
        self.widget.add_class("hftlab-live")

    # -- data --------------------------------------------------------------------------
    def record(self, run, step, group: str, values: dict) -> None:
        """Keep ``values`` (metric -> number) of ``run`` at ``step``; redraw if the last draw is old enough."""
        run, step = str(run), int(step)
        self.extend([(run, str(group), step, str(k), float(v)) for k, v in values.items()])
        if self.due() and self._drawing.acquire(blocking=False):
            try:
                self.redraw()
            finally:
                self._drawing.release()

    def extend(self, rows) -> None:
        """Keep ``(run, group, step, metric, value)`` rows without drawing."""
        rows = list(rows)
        with self._lock:
            self.rows.extend(rows)
            new = [r for r in dict.fromkeys(row[0] for row in rows) if r not in self._runs]
            if new:
                self._runs.extend(new)
                self.selector.options = [ALL] + self._runs

    def due(self) -> bool:
        """A redraw is due: ``interval`` passed since the last one, and enough time to keep drawing under ``max_share``."""
        wait = max(self.interval, self.draw_seconds / self.max_share if self.max_share > 0 else 0.0)
        return self.last_draw is None or self.clock() - self.last_draw >= wait

    def frame(self, run: str = ALL) -> pd.DataFrame:
        with self._lock:
            df = pd.DataFrame(self.rows, columns=["run", "group", "step", "metric", "value"])
        return df if run == ALL else df[df.run == run]

    # -- drawing ------------------------------------------------------------------------
    def chart(self, run: str | None = None) -> alt.TopLevelMixin:
        run = self.selector.value if run is None else run
        return self.draw_fn(self.frame(run), run)

    def redraw(self) -> None:
        """Draw the chart now (the selected run) into the image widget."""
        from hftlab.viz.render import static_image

        start = self.last_draw = self.clock()
        df = self.frame(self.selector.value)
        if df.empty:
            return
        spec = self.draw_fn(df, self.selector.value).to_dict()
        fmt, data = static_image(spec)  # a dense chart as PNG: the widget's state is what a saved notebook keeps
        with self.image.hold_sync():
            self.image.format, self.image.value = fmt, data
        self.draws += 1
        self.draw_seconds = self.clock() - start
        last = int(df.step.max())
        self.status.value = f"<span style='color:#777'>step {last:,}, {df.run.nunique()} run(s)</span>"

    def finish(self) -> "LiveChart":
        """The final draw, with every report in."""
        self.redraw()
        return self

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


# ------------------------------------------------------------------------------------------
# IPPO
# ------------------------------------------------------------------------------------------
#: Per-update IPPO metrics drawn live (those present), in this order.
IPPO_METRICS = ("episode_return", "entropy", "approx_kl", "clip_frac", "value_loss", "shortfall_bps", "pnl")


def run_labels(seeds, restarts: int = 1) -> list[str]:
    """One label per run in :func:`hftlab.rl.sweep.seed_keys` order: "seed 0", or "seed 0 · run 2" with restarts."""
    return [f"seed {s}" if restarts == 1 else f"seed {s} · run {r + 1}" for s in seeds for r in range(restarts)]


def ippo_monitor(live: LiveChart, keys, labels, action_labels: dict | None = None) -> Callable:
    """The ``monitor(run_key, update, metrics)`` of :func:`hftlab.rl.ippo.make_train` feeding ``live``.

    ``keys``: the PRNG keys the runs were started with (:func:`hftlab.rl.sweep.seed_keys`),
    ``labels``: a run label per key — a report is matched to its run by its key, so the
    order in which vmapped lanes report does not matter. ``action_labels[type]`` names
    the actions of ``metrics[type]["action_freq"]`` (else "0", "1", ...).
    """
    names = {tuple(np.asarray(k).ravel().tolist()): str(lab) for k, lab in zip(np.asarray(keys), labels)}
    action_labels = action_labels or {}

    def monitor(run_key, update, metrics) -> None:
        run = names.get(tuple(np.asarray(run_key).ravel().tolist()), "run ?")
        for t, m in metrics.items():
            values = {k: float(np.asarray(v)) for k, v in m.items() if np.ndim(v) == 0}
            freq = m.get("action_freq")
            if freq is not None:
                labs = action_labels.get(t) or [str(i) for i in range(len(freq))]
                values.update({f"action: {lab}": float(f) for lab, f in zip(labs, np.asarray(freq))})
            live.record(run, update, t, values)

    return monitor


def record_ippo_metrics(live: LiveChart, metrics: dict, labels, every: int = 1) -> LiveChart:
    """Record a finished run's IPPO metrics (``{type: {name: (runs, updates)}}``, as ``train`` returns them)
    into ``live`` — the same chart after the fact, without a callback in the compiled loop."""
    rows = []
    for t, m in metrics.items():
        if t == "env_steps":
            continue
        for name, v in m.items():
            v = np.asarray(v)
            v = v[None] if v.ndim == 1 else v
            for i, lab in enumerate(labels):
                rows += [(str(lab), t, u + 1, name, float(v[i, u]))
                         for u in range(every - 1, v.shape[1], every) if np.isfinite(v[i, u])]
    live.extend(rows)
    return live


def ippo_live_chart(df: pd.DataFrame, run: str, metrics=IPPO_METRICS) -> alt.TopLevelMixin:
    """Per agent type (rows): the IPPO metrics against updates (one line per run) and the action shares."""
    scalars = df[df.metric.isin(metrics)]
    order = [m for m in metrics if m in set(scalars.metric)]
    lines = alt.Chart(scalars).mark_line(strokeWidth=1.5).encode(
        x=alt.X("step:Q", title="update"), y=alt.Y("value:Q", title=None),
        color=alt.Color("run:N", title="run"), tooltip=["run", "step", "metric", alt.Tooltip("value:Q", format=".4g")],
    ).properties(width=130, height=85).facet(
        row=alt.Row("group:N", title=None), column=alt.Column("metric:N", title=None, sort=order),
    ).resolve_scale(y="independent", x="independent")
    acts = df[df.metric.str.startswith("action: ")]
    if acts.empty:
        return lines.properties(title=f"IPPO training, live ({run})")
    acts = acts.groupby(["group", "step", "metric"], as_index=False)["value"].mean()  # mean over runs
    acts["action"] = acts.metric.str.slice(len("action: "))
    shares = alt.Chart(acts).mark_area().encode(
        x=alt.X("step:Q", title="update"), y=alt.Y("value:Q", stack="normalize", title="action share"),
        color=alt.Color("action:N", title="action", legend=alt.Legend(columns=2, labelLimit=110)),
        tooltip=["group", "step", "action", alt.Tooltip("value:Q", format=".2f")],
    ).properties(width=160, height=85).facet(row=alt.Row("group:N", title=None)).resolve_scale(color="independent")
    return alt.hconcat(lines, shares).resolve_scale(color="independent").properties(title=f"IPPO training, live ({run})")


# ------------------------------------------------------------------------------------------
# fund GAN
# ------------------------------------------------------------------------------------------
#: Per-chunk GAN metrics drawn live (those present), in this order.
GAN_METRICS = ("critic_loss", "distance", "gp", "generator_loss", "adversarial", "exposure", "trading", "probe_recall")
GAN_TITLES = {"distance": "Wasserstein estimate", "gp": "gradient penalty", "probe_recall": "probe recall"}


def gan_live_chart(df: pd.DataFrame, run: str, metrics=GAN_METRICS) -> alt.TopLevelMixin:
    """The GAN's losses, the critic's Wasserstein estimate (and probe recall at checkpoints) against iterations."""
    d = df[df.metric.isin(metrics)].copy()
    d["metric"] = d.metric.map(lambda m: GAN_TITLES.get(m, m.replace("_", " ")))
    order = [GAN_TITLES.get(m, m.replace("_", " ")) for m in metrics]
    return alt.Chart(d).mark_line(strokeWidth=1.5).encode(
        x=alt.X("step:Q", title="iteration"), y=alt.Y("value:Q", title=None),
        color=alt.Color("run:N", title="run"),
        strokeDash=alt.StrokeDash("group:N", title="model"),
        tooltip=["run", "group", "step", "metric", alt.Tooltip("value:Q", format=".4g")],
    ).properties(width=150, height=90).facet(
        facet=alt.Facet("metric:N", title=None, sort=order), columns=4,
    ).resolve_scale(y="independent").properties(title=f"Fund GAN training, live ({run})")
