"""``Panel``: widget controls, a Run button and an Output area that shows the charts.

Every notebook's interactive cell is one ``Panel``: the callback is a library call that
returns an Altair chart (or a list of charts / other displayables); the Run button
reruns it with the controls' current values and redraws the Output.

With the default ``offline`` renderer (see :mod:`hftlab.viz.render`) the panel's charts
are **one** ``alt.JupyterChart`` widget that the panel owns and reuses: several charts
from one run are stacked (``alt.vconcat``) in it, and a rerun gives that widget the new
spec, so the bundled vega JavaScript (about 1 MB) is sent to the browser — and saved in
the notebook — once per panel, not per chart or per click; a widget no longer needed is
closed, not leaked. A failing rerun shows its error inside the panel — the place the
person who clicked is looking — instead of only in the browser's log.

**The panel writes its Output from the kernel** (it sets ``Output.outputs``; what the
run prints or displays, progress bars included, is routed there by a display hook and a
stdout / stderr redirect) instead of ``with output:``. ``with output:`` asks the *front
end* to route the cell's messages into the widget; headless clients built on nbclient
(``jupyter nbconvert --execute``, papermill, nbval) mimic that front end by sending a
``comm_msg`` back to the kernel on the shell channel for every captured output, while
they wait on that same channel's asyncio socket for the cell's ``execute_reply``. Under
that interleaving the reply's wake-up is lost: the kernel has answered, the client
never reads it — with nbclient's default (no timeout) the execution stalls for good
(seen: 13 minutes on notebook 01 before it was killed; reproduced with a 12-cell
``with output:`` notebook: 4 of 12 cells waited out their whole timeout with the reply
already sent, none once the client's Output mimic was off; same as jupyter/nbclient#312).
Written from the kernel, no output is captured by msg_id, so no client ever sends
anything back and there is nothing to lose. In Colab, whose front end has its own
Output handling and where no nbclient runs, the panel keeps ``with output:``.
"""

from __future__ import annotations

import contextlib
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


def _shell():
    from IPython import get_ipython

    return get_ipython()


def _display_output(item: Any) -> dict[str, Any]:
    """``item`` as an nbformat ``display_data`` output (what ``display(item)`` would send)."""
    shell = _shell()
    if shell is not None:
        data, metadata = shell.display_formatter.format(item)
    else:  # plain Python (unit tests): the rich formatters without a kernel
        from IPython.core.formatters import DisplayFormatter

        data, metadata = DisplayFormatter().format(item)
    return {"output_type": "display_data", "data": data, "metadata": metadata}


class _KernelSideOutput:
    """Route what a run prints or displays into an ``Output`` by setting its ``outputs``.

    The kernel-side equivalent of ``with output:`` (see the module docstring for why):
    ``display()`` calls (progress bars are widgets shown this way) go through a hook of
    the kernel's display publisher, ``print`` through a stdout / stderr redirect whose
    text is coalesced and pushed to the widget at most every ``interval`` seconds.
    """

    def __init__(self, output: widgets.Output, interval: float = 0.25):
        self.output = output
        self.interval = interval
        self._pending: list[tuple[str, str]] = []  # (stream name, text) not yet pushed
        self._last_push = 0.0
        self._clear_on_next = False

    # -- the Output's content ---------------------------------------------------------
    def _append(self, out: dict[str, Any]) -> None:
        self._flush()
        outs = () if self._clear_on_next else self.output.outputs
        self._clear_on_next = False
        self.output.outputs = tuple(outs) + (out,)

    def _clear(self, wait: bool) -> None:
        self._flush()
        if wait:
            self._clear_on_next = True
        else:
            self.output.outputs = ()

    def _flush(self) -> None:
        if not self._pending:
            return
        outs = [] if self._clear_on_next else list(self.output.outputs)
        self._clear_on_next = False
        for name, text in self._pending:
            if outs and outs[-1].get("output_type") == "stream" and outs[-1].get("name") == name:
                outs[-1] = {**outs[-1], "text": outs[-1]["text"] + text}
            else:
                outs.append({"output_type": "stream", "name": name, "text": text})
        self._pending.clear()
        self.output.outputs = tuple(outs)
        self._last_push = time.monotonic()

    def write(self, name: str, text: str) -> None:
        self._pending.append((name, text))
        if time.monotonic() - self._last_push >= self.interval:
            self._flush()

    # -- the kernel's display publisher -------------------------------------------------
    def _hook(self, msg: dict[str, Any]) -> dict[str, Any] | None:
        kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        content = msg.get("content", {})
        if kind == "display_data":
            self._append({"output_type": "display_data", "data": content.get("data", {}), "metadata": content.get("metadata", {})})
            return None
        if kind == "clear_output":
            self._clear(bool(content.get("wait")))
            return None
        return msg  # update_display_data etc.: the kernel sends it as usual

    @contextlib.contextmanager
    def capture(self):
        shell = _shell()
        pub = getattr(shell, "display_pub", None) if shell is not None else None
        hooked = hasattr(pub, "register_hook")
        if hooked:
            pub.register_hook(self._hook)
        out, err = _Stream(self, "stdout"), _Stream(self, "stderr")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                yield self
        finally:
            if hooked:
                pub.unregister_hook(self._hook)
            self._flush()


class _Stream:
    """A text file whose writes land in an Output (through :class:`_KernelSideOutput`)."""

    def __init__(self, sink: _KernelSideOutput, name: str):
        self.sink, self.name = sink, name

    def write(self, text: str) -> int:
        if text:
            self.sink.write(self.name, text)
        return len(text)

    def flush(self) -> None:
        self.sink._flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"


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
        self._charts: list[alt.JupyterChart] = []  # the panel's chart widget (at most one), reused
        self.button.on_click(lambda _: self.refresh(raise_errors=False))
        header = [widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        row = widgets.HBox(list(controls.values()) + [self.button, self.status], layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = widgets.VBox(header + [row, self.output])
        self.widget.add_class("hftlab-panel")

    def values(self) -> dict[str, Any]:
        return {k: w.value for k, w in self.controls.items()}

    # -- where the output goes -------------------------------------------------------
    @staticmethod
    def _front_end_capture() -> bool:
        """True in Colab: its front end routes ``with output:``, and no nbclient runs there."""
        from hftlab.viz.render import in_colab

        return in_colab()

    @contextlib.contextmanager
    def _into_output(self):
        """While the run goes: its prints and displays land in the panel's Output."""
        if self._front_end_capture():
            with self.output:
                yield
        else:
            with _KernelSideOutput(self.output).capture():
                yield

    def _set_outputs(self, items: list[Any]) -> None:
        """Replace the Output's content by ``items`` (displayables)."""
        if self._front_end_capture():
            self.output.clear_output(wait=True)
            with self.output:
                for item in items:
                    display(item)
        else:
            self.output.outputs = tuple(_display_output(item) for item in items)

    # -- drawing -------------------------------------------------------------------
    def _chart_widget(self, chart: alt.TopLevelMixin) -> alt.JupyterChart:
        """The panel's chart widget showing ``chart``: an existing one gets the new spec."""
        if self._charts:
            self._charts[0].chart = chart
        else:
            self._charts.append(alt.JupyterChart(chart, embed_options=alt.renderers.options.get("embed_options")))
        return self._charts[0]

    def _close_charts(self) -> None:
        for jc in self._charts:
            jc.close()
        self._charts.clear()

    def _draw(self, items: list[Any], widget_charts: bool) -> None:
        """Replace the Output's content by ``items``, the charts in this panel's one chart widget."""
        charts = [item for item in items if _is_chart(item)]
        if widget_charts and charts:
            combined = charts[0] if len(charts) == 1 else alt.vconcat(*charts)
            jc = self._chart_widget(combined)
            first = items.index(charts[0])
            shown = [jc if i == first else item for i, item in enumerate(items) if i == first or not _is_chart(item)]
        else:
            shown = items
            self._close_charts()
        self._set_outputs(shown)

    def _show_error(self, err: Exception) -> None:
        self._close_charts()
        if isinstance(err, InputError):  # bad settings: the one-line message is the whole story
            text = f"hftlab: error: {err}\n"
        else:
            text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        self._set_outputs([])
        if self._front_end_capture():
            with self.output:
                print(text, end="")
        else:
            self.output.outputs = ({"output_type": "stream", "name": "stderr" if not isinstance(err, InputError) else "stdout", "text": text},)

    def refresh(self, raise_errors: bool = True) -> Any:
        """Run with the controls' current values and redraw; returns the result.

        What the run prints (or progress bars it shows) appears in the panel while it
        runs. With ``raise_errors=False`` (the Run button) an exception is shown in the
        Output area and the status line instead of propagating.
        """
        from hftlab.viz.render import panel_uses_widgets

        widget_charts = panel_uses_widgets()
        self.button.disabled = True
        self.button.description = "Running…"
        self.status.value = ""
        t0 = time.perf_counter()
        error: Exception | None = None
        try:
            # Prints / progress bars land in the panel; the error is kept, not raised
            # through the context manager (which would swallow it).
            with self._into_output():
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
    ip = _shell()
    return None if ip is None else ip.execution_count
