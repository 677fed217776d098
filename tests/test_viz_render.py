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


def test_default_is_offline_svg_in_cells_and_bundled_widgets_in_panels():
    assert setup_rendering() == "offline"
    assert alt.renderers.active == render.CELL_RENDERER  # a cell's chart: inline SVG made in the kernel
    bundle = line()._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert set(bundle) == {"image/svg+xml", "text/plain"} and "<svg" in bundle["image/svg+xml"][:500]
    assert "<script" not in bundle["image/svg+xml"] and "http" not in bundle["image/svg+xml"].replace("http://www.w3.org", "")
    # A panel's chart widget runs the locally bundled JavaScript, not an import from a CDN.
    assert render.panel_uses_widgets()
    assert alt.JupyterChart._is_offline
    assert "cdn.jsdelivr" not in alt.JupyterChart._esm and "esm.sh" not in alt.JupyterChart._esm
    assert setup_rendering() == "offline"  # cached


def test_a_dense_cell_chart_is_a_png_when_that_is_smaller():
    setup_rendering()
    n = 6000
    dense = alt.Chart(pd.DataFrame({"x": [i % 97 for i in range(n)], "y": [(i * 7919) % 1009 for i in range(n)]})).mark_point().encode(x="x", y="y")
    bundle = dense._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/png" in bundle and "image/svg+xml" not in bundle
    import base64
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_chart_a_widget_on_request(monkeypatch):
    monkeypatch.setenv(render.RENDERER_ENV, "jupyter")
    assert setup_rendering() == "jupyter-offline"
    assert alt.renderers.active == "jupyter" and alt.renderers.options.get("offline") is True
    assert alt.JupyterChart._is_offline


def test_colab_keeps_the_html_renderer(monkeypatch):
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab-test")
    assert setup_rendering() == "colab"
    assert alt.renderers.active == "colab"


@pytest.mark.parametrize("value, name, active", [("png", "png", "png"), ("svg", "svg", "svg"), ("jupyter", "jupyter-offline", "jupyter"),
                                                 ("offline", "offline", render.CELL_RENDERER), ("HTML", "html", "default")])
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


def test_missing_widget_support_falls_back_to_static_svg(monkeypatch):
    def broken(*a, **k):
        raise ImportError("anywidget missing")

    monkeypatch.setattr(alt.JupyterChart, "enable_offline", classmethod(broken))
    assert setup_rendering() == "svg"
    assert alt.renderers.active == "svg"
    assert not render.panel_uses_widgets()


def test_save_chart_writes_png_and_svg(tmp_path, monkeypatch):
    monkeypatch.setenv("HFTLAB_FIGURES", str(tmp_path))
    paths = save_chart(line(), "tour/curve.png")
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["tour/curve.png", "tour/curve.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths[1].read_text()[:500]
    assert save_chart(line(), "only_svg", formats=("svg",)) == [tmp_path / "only_svg.svg"]


def test_save_chart_result_displays_as_the_chart(tmp_path, monkeypatch):
    """A cell ending in save_chart(...) shows the chart, not a list of paths."""
    from IPython.core.formatters import DisplayFormatter

    monkeypatch.setenv("HFTLAB_FIGURES", str(tmp_path))
    setup_rendering("svg")
    paths = save_chart(line(), "shown")
    data, _ = DisplayFormatter().format(paths)
    assert "image/svg+xml" in data and "PosixPath" not in data.get("text/plain", "")
    assert isinstance(paths, list) and paths + [] == [tmp_path / "shown.png", tmp_path / "shown.svg"]


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


def widget_views(p: Panel) -> list[str]:
    """Model ids of the widgets the panel's Output shows."""
    return [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] for o in p.output.outputs
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]


def test_panel_stacks_its_charts_in_one_reused_widget_and_closes_it_when_unused():
    p = Panel({"k": widgets.IntSlider(value=1, min=0, max=3)}, lambda k: [line(3 + i) for i in range(k)] + ["note"]).show()
    first = p._charts[0]
    assert widget_views(p) == [first.model_id]
    p.controls["k"].value = 3
    p.button.click()
    assert p._charts == [first]  # one widget: the bundled JavaScript travels once per panel
    assert len(first.spec["vconcat"]) == 3
    assert sorted(len(v) for v in first.spec["datasets"].values()) == [3, 4, 5]
    assert widget_views(p) == [first.model_id]
    assert [o["data"]["text/plain"] for o in p.output.outputs if "text/plain" in o.get("data", {}) and o is not p.output.outputs[0]] == ["'note'"]
    p.controls["k"].value = 0
    p.button.click()
    assert p._charts == [] and first.comm is None  # closed, not leaked
    assert widget_views(p) == []


def test_panel_writes_its_output_from_the_kernel():
    """No ``with output:`` (msg_id capture): headless clients then have nothing to send back."""
    def run(n):
        print("working on", n)
        print("done")
        return line(n)

    p = Panel({"n": widgets.IntSlider(value=4, min=2, max=9)}, run)
    seen = []
    p.output.observe(lambda ch: seen.append(ch["new"]), names="msg_id")
    p.show()
    assert seen == [] and p.output.msg_id == ""
    texts = [o["text"] for o in p.output.outputs if o["output_type"] == "stream"]
    assert texts == []  # the run's prints are replaced by its result once drawn
    assert widget_views(p) == [p._charts[0].model_id]


def test_panel_prints_while_running_land_in_the_output():
    snapshots = []

    def run(n):
        print("step", n)
        import sys
        sys.stdout.flush()
        snapshots.append(tuple(p.output.outputs))
        return line(n)

    p = Panel({"n": widgets.IntSlider(value=3, min=2, max=9)}, run)
    p.show()
    assert snapshots and snapshots[0][-1] == {"output_type": "stream", "name": "stdout", "text": "step 3\n"}


def test_panel_in_static_mode_draws_svg_images(monkeypatch):
    monkeypatch.setenv(render.RENDERER_ENV, "svg")
    p = Panel({"n": widgets.IntSlider(value=4, min=2, max=9)}, lambda n: [line(n), line(n + 1)]).show()
    assert p._charts == []
    assert [sorted(o["data"]) for o in p.output.outputs] == [["image/svg+xml", "text/plain"]] * 2


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
    assert p.output.outputs == ({"output_type": "stream", "name": "stdout", "text": "hftlab: error: n must be >= 0\n"},)
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


def test_fidelity_chart_draws_the_distance_ratio_per_fact():
    import pandas as pd

    from hftlab.viz.lob import fidelity_chart

    report = pd.DataFrame({"fact": ["spread", "sizes", "depth"], "metric": ["wasserstein"] * 3,
                           "real": [30.0, 100.0, 0.3], "fitted_value": [26.0, 98.0, 0.2],
                           "default_value": [14.0, 80.0, 0.31], "fitted": [4.0, 2.0, 0.0],
                           "default": [16.0, 20.0, 0.0], "closer": ["fitted", "fitted", "tie"]})
    spec = fidelity_chart(report).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["fact"] for r in rows] == ["spread", "sizes"]  # a fact with zero default distance has no ratio
    assert [r["ratio"] for r in rows] == [0.25, 0.1]
