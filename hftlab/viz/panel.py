"""``Panel``: widget controls, a Run button and an Output area that shows the charts.

Every notebook's interactive cell is one ``Panel``: the callback is a library call that
returns an Altair chart (or a list of charts / other displayables); the Run button
reruns it with the controls' current values and redraws the Output.

With the offline renderer (see :mod:`hftlab.viz.render`) each Altair chart is shown as
an ``alt.JupyterChart`` widget that the panel owns and reuses: a rerun gives the i-th
chart widget the i-th new chart, so the bundled vega JavaScript (about 1 MB) is sent to
the browser once per chart slot, not on every click; widgets no longer needed are
closed, not leaked. A failing rerun shows its error inside the panel — the place the
person who clicked is looking — instead of only in the browser's log.
"""

from __future__ import annotations

import html
import time
import traceback
from typing import Any, Callable

import altair as alt
import ipywidgets as widgets
from IPython.display import display

from hftlab.errors import InputError


def _items(result: Any) -> list[Any]:
    if result is None:
        return []
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _is_chart(item: Any) -> bool:
    return isinstance(item, alt.TopLevelMixin)


class Panel:
    """Controls + Run button + Output.

    ``controls`` maps keyword names to ipywidgets value widgets; ``run(**values)``
    returns what to display (an Altair chart, a list of them, or anything IPython can
    display). ``panel.show()`` displays it and runs once with the default values —
    an error in that first run is raised, so the notebook cell fails; ``panel.last``
    holds the last result.
    """

    def __init__(self, controls: dict[str, widgets.ValueWidget], run: Callable[..., Any], title: str = ""):
        if not isinstance(controls, dict):
            raise InputError(f"Panel: controls must be a dict of name -> widget, got {type(controls).__name__}")
        for key, w in controls.items():
            if not isinstance(key, str) or not key.isidentifier():
                raise InputError(f"Panel: control name {key!r} is not a valid keyword argument name")
            if not isinstance(w, widgets.Widget) or not hasattr(w, "value"):
                raise InputError(f"Panel: control {key!r} must be an ipywidgets value widget, got {type(w).__name__}")
        if not callable(run):
            raise InputError(f"Panel: run must be callable, got {type(run).__name__}")
        self.controls = controls
        self.run_fn = run
        self.title = str(title)
        self.button = widgets.Button(description="Run", button_style="primary", icon="play", tooltip="Rerun with these settings")
        self.status = widgets.HTML("")
        self.status.add_class("hftlab-panel-status")
        self.output = widgets.Output()
        self.last: Any = None
        self._shown_in: int | None = None  # kernel execution count of the cell that showed it
        self._charts: list[alt.JupyterChart] = []  # chart widgets now shown, in order
        self.button.on_click(lambda _: self.refresh(raise_errors=False))
        header = [widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        row = widgets.HBox(list(controls.values()) + [self.button, self.status], layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = widgets.VBox(header + [row, self.output])
        self.widget.add_class("hftlab-panel")

    def values(self) -> dict[str, Any]:
        return {k: w.value for k, w in self.controls.items()}

    # -- drawing -------------------------------------------------------------------
    def _chart_widget(self, i: int, chart: alt.TopLevelMixin) -> alt.JupyterChart:
        """The i-th chart widget showing ``chart``: an existing one gets the new spec."""
        if i < len(self._charts):
            self._charts[i].chart = chart
        else:
            self._charts.append(alt.JupyterChart(chart, embed_options=alt.renderers.options.get("embed_options")))
        return self._charts[i]

    def _close_charts(self, keep: int = 0) -> None:
        for jc in self._charts[keep:]:
            jc.close()
        del self._charts[keep:]

    def _draw(self, items: list[Any], widget_charts: bool) -> None:
        """Replace the Output's content by ``items``, reusing this panel's chart widgets."""
        self.output.clear_output(wait=True)
        n = 0
        with self.output:
            for item in items:
                if widget_charts and _is_chart(item):
                    display(self._chart_widget(n, item))
                    n += 1
                else:
                    display(item)
        self._close_charts(keep=n)

    def _show_error(self, err: Exception) -> None:
        self.output.clear_output(wait=True)
        self._close_charts()
        with self.output:
            if isinstance(err, InputError):  # bad settings: the one-line message is the whole story
                print(f"hftlab: error: {err}")
            else:
                from IPython import get_ipython

                ip = get_ipython()
                if ip is not None:
                    ip.showtraceback((type(err), err, err.__traceback__))
                else:
                    traceback.print_exception(err)

    def refresh(self, raise_errors: bool = True) -> Any:
        """Run with the controls' current values and redraw; returns the result.

        What the run prints (or progress bars it shows) appears in the panel while it
        runs. With ``raise_errors=False`` (the Run button) an exception is shown in the
        Output area and the status line instead of propagating.
        """
        from hftlab.viz.render import setup_rendering

        widget_charts = setup_rendering() == "jupyter-offline"
        self.button.disabled = True
        self.button.description = "Running…"
        self.status.value = ""
        t0 = time.perf_counter()
        error: Exception | None = None
        try:
            # Inside the Output so prints / progress bars land in the panel; the error is
            # kept, not raised through the context manager (which would swallow it).
            with self.output:
                try:
                    result = self.run_fn(**self.values())
                except Exception as err:
                    error = err
            if error is None:
                self._draw(_items(result), widget_charts)
                self.last = result
                self.status.value = f"<span style='color:#777'>done in {time.perf_counter() - t0:.1f} s</span>"
            else:
                if not raise_errors:
                    self._show_error(error)
                self.status.value = f"<span style='color:#c00'>failed: {html.escape(type(error).__name__)}</span>"
                if raise_errors:
                    raise error
        finally:
            self.button.description = "Run"
            self.button.disabled = False
        return self.last

    def show(self) -> "Panel":
        display(self.widget)
        self._shown_in = _execution_count()
        self.refresh()
        return self

    def _ipython_display_(self) -> None:
        # ``Panel(...).show()`` as a cell's last line: already displayed, show no repr.
        # A panel displayed in a later cell gets another view of the same widgets.
        if self._shown_in is None or self._shown_in != _execution_count():
            display(self.widget)


def _execution_count() -> int | None:
    from IPython import get_ipython

    ip = get_ipython()
    return None if ip is None else ip.execution_count
