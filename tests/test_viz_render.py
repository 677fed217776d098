"""Rendering setup, figure saving and the widget Panel (kernel side; the browser side is tests/browser)."""

from __future__ import annotations

import altair as alt
import ipywidgets as widgets
import pandas as pd
import pytest

from hftlab.errors import InputError
from hftlab.viz import Panel, render, save_chart, setup_rendering


@pytest.fixture(autouse=True)
def fresh_renderer(monkeypatch):
    """Each test chooses the renderer anew, and the global choice is restored afterwards."""
    before_state, before_name = dict(render._STATE), alt.renderers.active
    monkeypatch.delenv(render.RENDERER_ENV, raising=False)
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    render._STATE["renderer"] = None
    yield
    render._STATE.update(before_state)
    alt.renderers.enable(before_name)


def line(n: int = 5) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"x": range(n), "y": [i * i for i in range(n)]})).mark_line().encode(x="x", y="y")


def test_default_is_the_offline_widget_renderer():
    assert setup_rendering() == "jupyter-offline"
    assert alt.renderers.active == "jupyter"
    assert alt.renderers.options.get("offline") is True
    # The widget's JavaScript is the locally bundled one, not an import from a CDN.
    assert alt.JupyterChart._is_offline
    assert "cdn.jsdelivr" not in alt.JupyterChart._esm and "esm.sh" not in alt.JupyterChart._esm
    assert setup_rendering() == "jupyter-offline"  # cached


def test_colab_keeps_the_html_renderer(monkeypatch):
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab-test")
    assert setup_rendering() == "colab"
    assert alt.renderers.active == "colab"


@pytest.mark.parametrize("value, name, active", [("png", "png", "png"), ("svg", "svg", "svg"), ("jupyter", "jupyter-offline", "jupyter"), ("HTML", "html", "default")])
def test_environment_override(monkeypatch, value, name, active):
    monkeypatch.setenv(render.RENDERER_ENV, value)
    assert setup_rendering() == name
    assert alt.renderers.active == active


def test_unknown_renderer_is_a_one_line_input_error(monkeypatch):
    monkeypatch.setenv(render.RENDERER_ENV, "matplotlib")
    with pytest.raises(InputError, match="HFTLAB_RENDERER: unknown renderer 'matplotlib'") as e:
        setup_rendering()
    assert "\n" not in str(e.value)
    with pytest.raises(InputError, match="unknown renderer"):
        setup_rendering(renderer="nope")


def test_missing_widget_support_falls_back_to_static_png(monkeypatch):
    def broken(*a, **k):
        raise ImportError("anywidget missing")

    monkeypatch.setattr(alt.JupyterChart, "enable_offline", classmethod(broken))
    assert setup_rendering() == "png"
    assert alt.renderers.active == "png"


def test_save_chart_writes_png_and_svg(tmp_path, monkeypatch):
    monkeypatch.setenv("HFTLAB_FIGURES", str(tmp_path))
    paths = save_chart(line(), "tour/curve.png")
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["tour/curve.png", "tour/curve.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths[1].read_text()[:500]
    assert save_chart(line(), "only_svg", formats=("svg",)) == [tmp_path / "only_svg.svg"]


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "x", "formats": ("pdf",)}, "unsupported figure format 'pdf'"),
    ({"name": ""}, "must be a relative file stem"),
    ({"name": "../escape"}, "must be a relative file stem"),
    ({"name": "/abs/path"}, "must be a relative file stem"),
])
def test_save_chart_bad_input(tmp_path, monkeypatch, kwargs, message):
    monkeypatch.setenv("HFTLAB_FIGURES", str(tmp_path))
    with pytest.raises(InputError, match=message):
        save_chart(line(), **kwargs)
    with pytest.raises(InputError, match="expected an Altair chart"):
        save_chart({"mark": "line"}, "x")


def test_panel_runs_with_the_control_values_and_updates_its_chart_in_place():
    calls = []

    def run(n, scale):
        calls.append((n, scale))
        return line(n)

    p = Panel({"n": widgets.IntSlider(value=4, min=2, max=20), "scale": widgets.FloatSlider(value=1.0)}, run, title="Curve").show()
    assert calls == [(4, 1.0)]
    assert len(p._charts) == 1 and isinstance(p._charts[0], alt.JupyterChart)
    first = p._charts[0]
    values_before = first.spec["datasets"]
    p.controls["n"].value = 9
    p.button.click()
    assert calls[-1] == (9, 1.0)
    assert p._charts == [first]  # same widget, new spec: the JavaScript is not re-sent
    assert first.spec["datasets"] != values_before
    assert len(next(iter(first.spec["datasets"].values()))) == 9
    assert "done in" in p.status.value and not p.button.disabled and p.button.description == "Run"


def test_panel_reuses_chart_widgets_and_closes_the_extra_ones():
    p = Panel({"k": widgets.IntSlider(value=1, min=1, max=3)}, lambda k: [line(3 + i) for i in range(k)]).show()
    first = p._charts[0]
    p.controls["k"].value = 3
    p.button.click()
    assert len(p._charts) == 3 and p._charts[0] is first
    assert [len(next(iter(jc.spec["datasets"].values()))) for jc in p._charts] == [3, 4, 5]
    extra = p._charts[1:]
    p.controls["k"].value = 1
    p.button.click()
    assert p._charts == [first]
    assert all(jc.comm is None for jc in extra)  # closed, not leaked


def test_panel_button_errors_are_shown_not_raised(capsys):
    def run(n):
        if n < 0:
            raise InputError("n must be >= 0")
        return line(max(n, 2))

    p = Panel({"n": widgets.IntSlider(value=2, min=-3, max=5)}, run).show()
    p.controls["n"].value = -1
    p.button.click()  # does not raise
    assert "failed: InputError" in p.status.value and not p.button.disabled
    assert p._charts == []
    assert "hftlab: error: n must be >= 0" in capsys.readouterr().out
    with pytest.raises(InputError):
        p.refresh()  # called directly (as show() does), errors propagate


def test_panel_bad_input():
    with pytest.raises(InputError, match="controls must be a dict"):
        Panel([widgets.IntSlider()], lambda: None)
    with pytest.raises(InputError, match="control 'n' must be an ipywidgets value widget"):
        Panel({"n": 3}, lambda n: None)
    with pytest.raises(InputError, match="not a valid keyword"):
        Panel({"a b": widgets.IntSlider()}, lambda: None)
    with pytest.raises(InputError, match="run must be callable"):
        Panel({}, "draw")
