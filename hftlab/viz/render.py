"""How Altair charts are rendered in notebooks and saved to files — the one place.

Altair 6 emits Vega-Lite 6. JupyterLab's built-in Vega renderer does not draw it, and
Altair's default HTML renderer loads vega / vega-lite / vega-embed from a CDN: on a
machine without internet (a cluster node, an offline laptop) a chart — above all one
inside an ipywidgets ``Output`` such as a :class:`~hftlab.viz.panel.Panel` — then shows
"Error loading script" instead of a chart.

:func:`setup_rendering` picks, once per kernel:

* **JupyterLab, Notebook 7, VS Code, nbval, nbconvert, papermill** → ``offline``:

  - a chart shown in a cell is a static **inline SVG** drawn in the kernel by
    ``vl-convert``: no JavaScript, no network, and a few to a few hundred KB in the
    saved notebook; a dense chart whose SVG passes :data:`SVG_MAX_CHARS` is shown as a
    PNG when that is smaller (a 460 KB scatter-plot SVG is a 130 KB PNG);
  - the charts of a :class:`~hftlab.viz.panel.Panel` — the ones a reader re-runs with
    sliders — stay interactive (tooltips, redraw in place): **one** ``alt.JupyterChart``
    widget per panel, whose JavaScript (vega + vega-lite + vega-embed, bundled locally
    by ``vl-convert``; no network) travels once per panel, not once per chart. A panel
    whose run returns several charts shows them stacked in that one widget.

  Why: with every chart a ``JupyterChart`` (the ``jupyter-offline`` choice below) each
  widget's state carries its own copy of the ~0.9 MB offline bundle, so an executed,
  saved notebook weighed 7.2 MB (01) to 8.7 MB (05), almost all of it duplicated
  JavaScript. With ``offline`` the executed notebooks weigh 1.0–1.6 MB, of which about
  1 MB is the one panel widget (per notebook: README, "Charts offline"). The widget manager cannot share one ESM between
  anywidget models (each model's ``_esm`` is its own state), so "once" is per panel.
* **Google Colab** → Altair's default HTML renderer: Colab has internet and draws it
  natively, including inside widget ``Output`` areas, whereas third-party widgets
  there need Colab's custom widget manager.
* ``HFTLAB_RENDERER=<name>`` overrides the choice (``offline``, ``jupyter`` = every
  chart an offline widget, ``html``, ``png``, ``svg``, ``mimetype``) — e.g. ``svg`` for a
  front end whose server lacks the ``anywidget`` extension, where widget charts would
  show "model not found" (panels then redraw SVG images).

:func:`save_chart` writes PNG / SVG with ``vl-convert`` (no browser, no network); the
``hftlab`` commands and the notebooks both save figures through it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePosixPath

import altair as alt

from hftlab.config import figures_dir
from hftlab.errors import InputError

RENDERER_ENV = "HFTLAB_RENDERER"

#: Renderer names :func:`setup_rendering` returns / accepts, mapped to how to enable them.
RENDERERS = {
    "offline": "cell charts as static SVG (vl-convert); each Panel's charts one offline JupyterChart widget",
    "jupyter-offline": "Altair JupyterChart widget, JavaScript bundled by vl-convert (no network)",
    "colab": "Altair's HTML renderer (vega from the CDN; Colab is online)",
    "html": "Altair's HTML renderer (vega from the CDN; needs internet)",
    "png": "static PNG images made by vl-convert (no network, no interactivity)",
    "svg": "static SVG images made by vl-convert (no network, no interactivity)",
    "mimetype": "the Vega-Lite mimetype, for front ends with their own Vega-Lite 6 renderer",
}
_ALIASES = {"jupyter": "jupyter-offline", "static": "svg", "default": "html"}

#: Renderers under which a Panel draws its charts as an ``alt.JupyterChart`` widget.
WIDGET_PANEL_RENDERERS = ("offline", "jupyter-offline")

_STATE: dict[str, str | None] = {"renderer": None}

#: Above this many characters of SVG a cell chart is shown as a PNG if that is smaller
#: (dense scatter plots: a 460 KB SVG is a 130 KB PNG; line charts stay SVG).
SVG_MAX_CHARS = 200_000
CELL_RENDERER = "hftlab_offline"  # the Altair renderer name of a cell chart under ``offline``


def static_image(spec: dict) -> tuple[str, bytes]:
    """A chart drawn in the kernel by vl-convert: ``("svg+xml", svg)``, or ``("png", png)`` when the SVG
    passes :data:`SVG_MAX_CHARS` and the PNG is smaller (as base64, as a notebook stores it)."""
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    vl_version = vl_version_for_vl_convert()
    svg = vlc.vegalite_to_svg(spec, vl_version=vl_version)
    if len(svg) > SVG_MAX_CHARS:
        png = vlc.vegalite_to_png(spec, vl_version=vl_version, scale=1.0)
        if 4 * len(png) / 3 < len(svg):
            return "png", png
    return "svg+xml", svg.encode()


def _offline_cell_chart(spec: dict, **_options) -> dict:
    """Altair renderer: a chart drawn in the kernel by vl-convert — inline SVG, or PNG when much smaller."""
    import base64

    fmt, data = static_image(spec)
    if fmt == "png":
        return {"image/png": base64.b64encode(data).decode("ascii"), "text/plain": "<VegaLite chart (PNG)>"}
    return {"image/svg+xml": data.decode(), "text/plain": "<VegaLite chart (SVG)>"}


alt.renderers.register(CELL_RENDERER, _offline_cell_chart)


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def _enable(name: str) -> None:
    """Switch Altair to renderer ``name`` (a key of :data:`RENDERERS`); may raise ImportError."""
    if name == "offline":
        import anywidget  # noqa: F401  (panels' chart widgets; raises ImportError if absent)
        import vl_convert  # noqa: F401  (the SVG of every cell chart)

        alt.JupyterChart.enable_offline(offline=True)  # the bundle the panels' widgets carry
        alt.renderers.enable(CELL_RENDERER)
    elif name == "jupyter-offline":
        import anywidget  # noqa: F401  (the widget base class; raises ImportError if absent)

        # Bundle vega + vega-lite + vega-embed locally now (about a second, once per
        # kernel) so a missing or broken vl-convert shows here, not as a blank chart.
        alt.JupyterChart.enable_offline(offline=True)
        alt.renderers.enable("jupyter", offline=True)
    elif name in ("colab", "html"):
        alt.renderers.enable("colab" if name == "colab" else "default")
    elif name in ("png", "svg"):
        import vl_convert  # noqa: F401

        alt.renderers.enable(name)
    elif name == "mimetype":
        alt.renderers.enable("mimetype")
    else:  # pragma: no cover - guarded by _resolve
        raise AssertionError(name)


def _resolve(name: str, origin: str) -> str:
    key = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in RENDERERS:
        raise InputError(f"{origin}: unknown renderer {name!r}; choose one of {', '.join(sorted(set(RENDERERS) | set(_ALIASES)))}")
    return key


def setup_rendering(renderer: str | None = None) -> str:
    """Enable a chart renderer that works here, offline included; returns its name.

    Call it once at the top of every notebook (later calls return the cached choice).
    ``renderer`` (or the ``HFTLAB_RENDERER`` environment variable) forces a choice —
    one of :data:`RENDERERS` or ``jupyter`` / ``html``; otherwise Colab gets ``colab``
    and everything else ``offline``, falling back to static ``svg`` images everywhere
    if ``anywidget`` cannot be loaded, and to ``html`` without ``vl-convert``.
    """
    if renderer is None and _STATE["renderer"] is not None:
        return _STATE["renderer"]
    alt.data_transformers.disable_max_rows()
    if renderer is not None:
        name = _resolve(renderer, "setup_rendering(renderer=...)")
        _enable(name)  # an explicit request fails loudly
    elif os.environ.get(RENDERER_ENV, "").strip():
        name = _resolve(os.environ[RENDERER_ENV], RENDERER_ENV)
        _enable(name)
    elif in_colab():
        name = "colab"
        _enable(name)
    else:
        name = "offline"
        try:
            _enable(name)
        except Exception:  # anywidget unusable: static images still work offline
            name = "svg"
            try:
                _enable(name)
            except ImportError:
                name = "html"
                _enable(name)
    _STATE["renderer"] = name
    return name


def current_renderer() -> str | None:
    """The name :func:`setup_rendering` chose, or None before it was called."""
    return _STATE["renderer"]


def panel_uses_widgets() -> bool:
    """True when a Panel should draw its charts as an ``alt.JupyterChart`` widget."""
    return setup_rendering() in WIDGET_PANEL_RENDERERS


_FORMATS = ("png", "svg")


class SavedChart(list):
    """The paths :func:`save_chart` wrote (a plain ``list`` of ``Path``) that display as the chart.

    A notebook cell ending in ``save_chart(chart, "name")`` shows the chart itself, not a
    list of file paths; code that adds or iterates the paths is unaffected.
    """

    def __init__(self, paths, chart):
        super().__init__(paths)
        self.chart = chart

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.chart._repr_mimebundle_(include=include, exclude=exclude)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
        return {**data, "text/plain": self._label()}, meta

    def _label(self) -> str:
        return f"<chart saved as {', '.join(p.name for p in self)}>"

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's text/plain (else: the list's repr)
        printer.text(self._label())


def save_chart(chart: alt.TopLevelMixin, name: str, formats: tuple[str, ...] = ("png", "svg")) -> SavedChart:
    """Save ``chart`` as ``figures/<name>.<fmt>`` for each format; returns the paths.

    The returned list of paths displays as the chart (:class:`SavedChart`): a notebook
    cell can end in ``save_chart(...)`` and show what it saved.

    Uses ``vl-convert`` with the Vega-Lite version Altair emits — no browser, no
    network. ``name`` is a file stem, optionally with sub-folders (``"tour/book"``); a
    trailing ``.png`` / ``.svg`` is dropped. The folder is :func:`hftlab.config.figures_dir`.
    """
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    if not hasattr(chart, "to_dict"):
        raise InputError(f"save_chart: expected an Altair chart, got {type(chart).__name__}")
    if isinstance(formats, str):
        formats = (formats,)
    bad = [f for f in formats if f not in _FORMATS]
    if bad or not formats:
        raise InputError(f"save_chart: unsupported figure format {bad[0] if bad else '(none)'!r}; use png and/or svg")
    stem = str(name).strip()
    for fmt in _FORMATS:
        if stem.endswith("." + fmt):
            stem = stem[: -len(fmt) - 1]
    rel = PurePosixPath(stem.replace("\\", "/"))
    if not stem or rel.is_absolute() or ".." in rel.parts or Path(stem).is_absolute():
        raise InputError(f"save_chart: figure name {name!r} must be a relative file stem such as 'book_depth'")

    alt.data_transformers.disable_max_rows()
    spec = chart.to_dict()
    vl_version = vl_version_for_vl_convert()
    out = []
    for fmt in formats:
        path = figures_dir().joinpath(*rel.parts).with_name(rel.name + "." + fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "png":
            # The chart's own pixel size (scale 1); the SVG beside it is the sharp copy. At
            # scale 1.5 the PNGs weighed 2.25x as much, and notebook 00, which shows the
            # tour's PNGs, was saved at 2.4 MB executed.
            path.write_bytes(vlc.vegalite_to_png(spec, vl_version=vl_version, scale=1.0))
        else:
            path.write_text(vlc.vegalite_to_svg(spec, vl_version=vl_version))
        out.append(path)
    return SavedChart(out, chart)
