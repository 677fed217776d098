"""Charts (Altair) and widget panels (ipywidgets) shared by the notebooks and the CLI.

``setup_rendering()`` is the one place that chooses how Altair charts render;
``save_chart(chart, name)`` writes a chart to ``figures/`` as PNG and SVG;
``Panel`` is the controls + Run button + Output area every notebook uses;
``LiveChart`` (:mod:`hftlab.viz.live`) draws training metrics while a run is going;
``interval_table_chart`` (:mod:`hftlab.viz.results`) shows results as points, intervals and a table.
"""

from hftlab.viz.render import save_chart, setup_rendering
from hftlab.viz.live import LiveChart
from hftlab.viz.panel import Panel
from hftlab.viz.results import interval_table_chart

__all__ = ["LiveChart", "Panel", "interval_table_chart", "save_chart", "setup_rendering"]
