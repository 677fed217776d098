"""How Altair charts are rendered and saved."""

from __future__ import annotations

from pathlib import Path

import altair as alt

from hftlab.config import figures_dir

_STATE = {"renderer": None}


def setup_rendering() -> str:
    """Enable a chart renderer that works offline; returns its name.

    In JupyterLab / classic notebooks this is Altair's ``jupyter`` renderer with
    ``offline=True`` (an anywidget that bundles vega, no CDN). In Colab the default
    renderer already works and is kept.
    """
    if _STATE["renderer"] is not None:
        return _STATE["renderer"]
    alt.data_transformers.disable_max_rows()
    try:
        import google.colab  # noqa: F401

        name = "colab"
        alt.renderers.enable("default")
    except ImportError:
        try:
            alt.renderers.enable("jupyter", offline=True)
            name = "jupyter-offline"
        except Exception:  # anywidget / vl-convert missing: fall back to static images
            alt.renderers.enable("png")
            name = "png"
    _STATE["renderer"] = name
    return name


def save_chart(chart: alt.TopLevelMixin, name: str, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save ``chart`` under ``figures/<name>.<fmt>`` (vl-convert, no browser); returns the paths."""
    import vl_convert as vlc

    alt.data_transformers.disable_max_rows()
    spec = chart.to_json()
    out = []
    for fmt in formats:
        path = figures_dir() / f"{name}.{fmt}"
        if fmt == "png":
            path.write_bytes(vlc.vegalite_to_png(spec, scale=1.5))
        elif fmt == "svg":
            path.write_text(vlc.vegalite_to_svg(spec))
        else:
            raise ValueError(f"unsupported figure format {fmt!r}")
        out.append(path)
    return out
