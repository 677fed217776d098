"""How Altair charts are rendered in notebooks and saved to files — the one place.

Altair 6 emits Vega-Lite 6. JupyterLab's built-in Vega renderer does not draw it, and
Altair's default HTML renderer loads vega / vega-lite / vega-embed from a CDN: on a
machine without internet (a cluster node, an offline laptop) a chart — above all one
inside an ipywidgets ``Output`` such as a :class:`~hftlab.viz.panel.Panel` — then shows
"Error loading script" instead of a chart.

:func:`setup_rendering` picks, once per kernel:

* **JupyterLab, Notebook 7, VS Code, nbval** → Altair's ``jupyter`` renderer with
  ``offline=True``: every chart is an ``anywidget`` (``alt.JupyterChart``) whose
  JavaScript — vega, vega-lite and vega-embed — is bundled locally by
  ``vl-convert-python``; no network is touched.
* **Google Colab** → Altair's default HTML renderer: Colab has internet and draws it
  natively, including inside widget ``Output`` areas, whereas third-party widgets
  there need Colab's custom widget manager.
* ``HFTLAB_RENDERER=<name>`` overrides the choice (``jupyter``, ``html``, ``png``,
  ``svg``, ``mimetype``) — e.g. ``png`` for a front end whose server lacks the
  ``anywidget`` extension, where widget charts would show "model not found".

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
    "jupyter-offline": "Altair JupyterChart widget, JavaScript bundled by vl-convert (no network)",
    "colab": "Altair's HTML renderer (vega from the CDN; Colab is online)",
    "html": "Altair's HTML renderer (vega from the CDN; needs internet)",
    "png": "static PNG images made by vl-convert (no network, no interactivity)",
    "svg": "static SVG images made by vl-convert (no network, no interactivity)",
    "mimetype": "the Vega-Lite mimetype, for front ends with their own Vega-Lite 6 renderer",
}
_ALIASES = {"jupyter": "jupyter-offline", "offline": "jupyter-offline", "default": "html"}

_STATE: dict[str, str | None] = {"renderer": None}


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def _enable(name: str) -> None:
    """Switch Altair to renderer ``name`` (a key of :data:`RENDERERS`); may raise ImportError."""
    if name == "jupyter-offline":
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
    and everything else ``jupyter-offline``, falling back to static ``png`` images if
    ``anywidget`` or ``vl-convert`` cannot be loaded.
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
        name = "jupyter-offline"
        try:
            _enable(name)
        except Exception:  # anywidget / vl-convert unusable: static images still work offline
            name = "png"
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


_FORMATS = ("png", "svg")


def save_chart(chart: alt.TopLevelMixin, name: str, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save ``chart`` as ``figures/<name>.<fmt>`` for each format; returns the paths.

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
            path.write_bytes(vlc.vegalite_to_png(spec, vl_version=vl_version, scale=1.5))
        else:
            path.write_text(vlc.vegalite_to_svg(spec, vl_version=vl_version))
        out.append(path)
    return out
