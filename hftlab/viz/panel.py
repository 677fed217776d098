"""``Panel``: widget controls, a Run button and an Output area that shows the charts.

Every notebook's interactive cell is one ``Panel``: the callback is a library call that
returns an Altair chart (or a list of charts / other displayables); the Run button
reruns it with the controls' current values and redraws the Output.
"""

from __future__ import annotations

from typing import Any, Callable

import ipywidgets as widgets
from IPython.display import display


class Panel:
    """Controls + Run button + Output.

    ``controls`` maps keyword names to ipywidgets value widgets; ``run(**values)``
    returns what to display. ``panel.show()`` displays it and runs once with the
    default values; ``panel.last`` holds the last result.
    """

    def __init__(self, controls: dict[str, widgets.ValueWidget], run: Callable[..., Any], title: str = ""):
        self.controls = controls
        self.run_fn = run
        self.button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.output = widgets.Output()
        self.last: Any = None
        self.button.on_click(lambda _: self.refresh())
        header = [widgets.HTML(f"<b>{title}</b>")] if title else []
        self.widget = widgets.VBox(header + [widgets.HBox(list(controls.values()) + [self.button]), self.output])

    def values(self) -> dict[str, Any]:
        return {k: w.value for k, w in self.controls.items()}

    def refresh(self) -> Any:
        from hftlab.viz.render import setup_rendering

        setup_rendering()
        self.button.disabled = True
        try:
            result = self.run_fn(**self.values())
            self.last = result
            self.output.clear_output(wait=True)
            with self.output:
                for item in result if isinstance(result, (list, tuple)) else [result]:
                    display(item)
        finally:
            self.button.disabled = False
        return self.last

    def show(self) -> "Panel":
        display(self.widget)
        self.refresh()
        return self
