"""Charts (Altair) and widget panels (ipywidgets) shared by the notebooks and the CLI.

``setup_rendering()`` is the one place that chooses how Altair charts render;
``save_chart(chart, name)`` writes a chart to ``figures/`` as PNG and SVG;
``Panel`` is the controls + Run button + Output area every notebook uses.
"""

from hftlab.viz.render import save_chart, setup_rendering
from hftlab.viz.panel import Panel

__all__ = ["Panel", "save_chart", "setup_rendering"]
