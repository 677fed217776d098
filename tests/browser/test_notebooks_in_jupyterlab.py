"""Every notebook, opened in a real JupyterLab in headless Chromium, runs and shows its charts.

nbval proves a notebook's kernel side runs; this proves what a person sees. For each
``notebooks/*.ipynb`` (or ``$HFTLAB_BROWSER_NOTEBOOKS``) the test opens the notebook
in JupyterLab, chooses *Run ▸ Run All Cells* from the menu (quick mode), waits for the
kernel to go idle and asserts that

* no "Select Kernel" (or any other) dialog blocks the notebook;
* every code cell ran and none has an error output;
* no traceback, "Error loading script", "Error displaying widget" or widget error
  box is visible in any output;
* a notebook that draws shows at least one rendered chart, and every chart drew: a
  cell's chart is an inline SVG made in the kernel (``.jp-RenderedSVG svg``, the
  default ``offline`` renderer of :mod:`hftlab.viz.render`) or an image (a live training
  chart's SVG image included); a panel's
  chart is a ``.vega-embed`` (the offline ``JupyterChart`` widget) holding a non-empty
  canvas or SVG;
* no cell's visible output is a list of figure paths (``[PosixPath('figures/x.png'), ...]``:
  a cell that saves a chart shows the chart), and no markdown renders an amount as
  maths (a ``$`` pair typeset by MathJax / KaTeX around numbers; ``\\$`` is typeset too in
  JupyterLab 4, since MathJax scans the rendered text: write "USD");
* the browser asked nothing of the network beyond the local JupyterLab server — any
  other request fails the test (and cannot succeed: chromium resolves no other host),
  so charts must render offline;
* on ``01_order_book.ipynb`` (else the first notebook with a ``Panel`` driven by an
  ``IntSlider`` / ``FloatSlider``) dragging the panel's first slider and clicking
  **Run** changes the panel's chart;
* the notebook file on disk is unchanged (nothing was saved into the repository).

Screenshots (``<notebook>.png``, ``<notebook>-after-run.png``), per-notebook browser
logs and ``timings.json`` are written to ``test-artifacts/browser/``.
Select with ``-m browser``, skip with ``-m "not browser"``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

import pytest

from lab_harness import notebook_paths

pytestmark = pytest.mark.browser

NOTEBOOKS = notebook_paths()
RUN_TIMEOUT_S = float(os.environ.get("HFTLAB_BROWSER_TIMEOUT", "240"))  # per notebook, Run All
INTERACT_NOTEBOOK = "01_order_book.ipynb"

# Visible text in an output area that means a person sees a failure (error outputs
# are also caught from the notebook model, by exception name).
ERROR_TEXT = re.compile(
    r"Traceback \(most recent call last\)|Error loading script|Error displaying widget|"
    r"Failed to load model class|Javascript Error|Model not found"
)


# --------------------------------------------------------------------------- notebook facts
def _code(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code")


def _draws(path: Path) -> bool:
    """A notebook draws if its code uses a Panel, an Altair chart or a chart function of hftlab.viz."""
    code = re.sub(r"from hftlab\.viz import setup_rendering\b.*|setup_rendering\(\)", "", _code(path))
    return bool(re.search(r"\bPanel\(|\balt\.|\bviz\b|chart", code))


def _interaction_targets(paths: list[Path]) -> set[Path] | None:
    """Notebooks on which to move a slider and click Run; None = every one showing a slider Panel."""
    if os.environ.get("HFTLAB_BROWSER_INTERACT", "").strip().lower() == "all":
        return None
    for p in paths:
        if p.name == INTERACT_NOTEBOOK:
            return {p}
    for p in paths:
        code = _code(p)
        if "Panel(" in code and re.search(r"\b(IntSlider|FloatSlider)\b", code):
            return {p}
    return None


INTERACT = _interaction_targets(NOTEBOOKS)

# --------------------------------------------------------------------------- page scripts
JS_STATE = """() => {
  const dialogs = Array.from(document.querySelectorAll('.jp-Dialog')).map(d => d.innerText.slice(0, 300));
  const app = window.jupyterapp;
  if (!app) return {loaded: false, dialogs};
  const panel = app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext || !panel.content.widgets) return {loaded: false, dialogs};
  const sc = panel.sessionContext;
  const kernel = sc.session ? sc.session.kernel : null;
  const cells = [];
  panel.content.widgets.forEach((c, i) => {
    const m = c.model;
    if (m.type !== 'code') return;
    const outs = m.outputs.toJSON();
    cells.push({
      index: i,
      empty: m.sharedModel.getSource().trim().length === 0,
      head: m.sharedModel.getSource().trim().split(String.fromCharCode(10))[0].slice(0, 80),
      count: m.executionCount,
      running: m.executionState === 'running',
      errors: outs.filter(o => o.output_type === 'error').map(o => `${o.ename}: ${o.evalue}`),
    });
  });
  return {loaded: panel.context ? panel.context.isReady : false, ready: sc.isReady,
          kernel: kernel ? kernel.status : null, kernelName: kernel ? kernel.name : null, dialogs, cells};
}"""

JS_CHARTS = """() => {
  const vega = Array.from(document.querySelectorAll('.jp-Notebook .vega-embed')).map(el => {
    const g = el.querySelector('canvas, svg.marks');
    if (!g) return false;
    const r = g.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  });
  // Charts shown as static images: inline SVG (a cell's chart under the default renderer,
  // or HFTLAB_RENDERER=svg), PNG (HFTLAB_RENDERER=png), or saved figures displayed.
  // A live training chart (hftlab.viz.live.LiveChart) is an SVG (a PNG when dense) in an ipywidgets Image.
  const images = Array.from(document.querySelectorAll('.jp-Notebook .jp-RenderedImage img, .jp-Notebook .jp-RenderedSVG svg, .jp-Notebook .jp-RenderedSVG img, .jp-Notebook .hftlab-live img'))
    .map(img => img.tagName === 'IMG' ? (img.complete && img.naturalWidth > 0) : img.getBoundingClientRect().width > 0);
  return vega.concat(images);
}"""

JS_OUTPUT_TEXT = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output'))
  .filter(e => !e.parentElement.closest('.jp-OutputArea-output')).map(e => e.innerText)"""

# A cell output that is (or starts with) a list of paths: what a cell ending in a call that
# returns saved figure files shows when the chart itself is not displayed.
PATH_LIST_TEXT = re.compile(r"^\s*\[\s*(PosixPath|WindowsPath|Path)\(|^\s*\[\s*'[^'\n]+\.(png|svg|pdf)'\s*[,\]]")

# Typeset maths inside rendered markdown (MathJax 3 in JupyterLab 4, MathJax 2, KaTeX):
# each element's TeX source where the typesetter keeps it, else its text.
JS_MARKDOWN_MATH = """() => Array.from(document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown'))
  .flatMap(md => Array.from(md.querySelectorAll('mjx-container, .MathJax, .MathJax_Display, .katex, script[type^="math/tex"]'))
    .filter(m => !m.parentElement.closest('mjx-container, .MathJax, .katex'))
    .map(m => {
      const ann = m.querySelector('annotation[encoding="application/x-tex"]');
      return (ann ? ann.textContent : (m.getAttribute('aria-label') || m.textContent || '')).slice(0, 300);
    }))"""

# Maths that is really prose with amounts: a number with a decimal point or several digits
# next to words, or several words in a row (``9.8 $ vs −40.1 (fixed spread) and ... 1.0 $``).
AMOUNT_AS_MATHS = re.compile(r"\d[\d,]*\.\d|\d{2,}|[A-Za-z]{3,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}")

JS_WIDGET_ERRORS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jupyter-widgets-error-widget')).length"""

JS_CHART_SIGNATURE = """(panel) => Array.from(panel.querySelectorAll('.vega-embed, .jp-RenderedImage img, .jp-RenderedSVG svg')).map(el => {
  if (el.tagName === 'IMG') return el.src;
  if (el.tagName.toLowerCase() === 'svg') return el.outerHTML;  // a chart drawn as inline SVG (static renderers)
  const c = el.querySelector('canvas');
  if (c) return c.toDataURL();
  const s = el.querySelector('svg.marks');
  return s ? s.outerHTML : '';
}).join('|')"""

JS_NOTEBOOK_HEIGHT = """() => {
  const scroller = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
  if (scroller) scroller.scrollTop = 0;
  const cells = Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Cell'));
  const bottom = Math.max(0, ...cells.map(c => c.getBoundingClientRect().bottom));
  return Math.ceil(bottom + 80);
}"""


# --------------------------------------------------------------------------- helpers
class Recorder:
    """Browser-side events for one notebook: off-server requests, console messages, page errors.

    Requests are observed, not intercepted (interception slows JupyterLab's page load
    by seconds); the browser itself cannot reach other hosts (``--host-resolver-rules``).
    """

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.blocked: list[str] = []
        self.console: list[str] = []
        self.page_errors: list[str] = []

    def on_request(self, request) -> None:
        url = request.url
        if not url.startswith((self.server_url, "data:", "blob:", "about:")):
            self.blocked.append(url)

    def on_console(self, msg) -> None:
        self.console.append(f"[{msg.type}] {msg.text}")

    def on_page_error(self, err) -> None:
        self.page_errors.append(str(err))


def _state(page) -> dict:
    return page.evaluate(JS_STATE)


def _wait(predicate, timeout_s: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def _when(value, condition):
    """``value`` if ``condition(value)`` holds, else None (for :func:`_wait`)."""
    return value if condition(value) else None


def _run_finished(st: dict) -> bool:
    if not st.get("loaded") or st.get("kernel") != "idle":
        return False
    cells = st["cells"]
    if any(c["running"] for c in cells):
        return False
    if any(c["errors"] for c in cells):
        return True  # Run All stops at the first error
    return all(c["empty"] or c["count"] is not None for c in cells)


def _settle_charts(page, timeout_s: float = 60) -> list[bool]:
    """Wait until the set of charts stops changing and each one has drawn; return their states."""
    deadline = time.monotonic() + timeout_s
    last, stable_since = None, time.monotonic()
    while time.monotonic() < deadline:
        charts = page.evaluate(JS_CHARTS)
        if charts != last:
            last, stable_since = charts, time.monotonic()
        elif all(charts) and time.monotonic() - stable_since > 2.0:
            return charts
        time.sleep(0.5)
    return last or []


def _screenshot(page, path: Path) -> None:
    """Screenshot the whole notebook: grow the viewport to the notebook's height first."""
    vp = page.viewport_size
    height = min(max(page.evaluate(JS_NOTEBOOK_HEIGHT), vp["height"]), 14000)
    page.set_viewport_size({"width": vp["width"], "height": height})
    page.wait_for_timeout(700)
    page.screenshot(path=str(path))
    page.set_viewport_size(vp)


def _visible_failures(page) -> list[str]:
    problems = []
    for text in page.evaluate(JS_OUTPUT_TEXT):
        m = ERROR_TEXT.search(text)
        if m:
            start = max(0, m.start() - 200)
            problems.append(f"visible error in an output: ...{text[start:m.end() + 300]}...")
        if PATH_LIST_TEXT.search(text):
            problems.append(f"an output shows a list of figure paths instead of the chart: {text[:200]!r}")
    for tex in page.evaluate(JS_MARKDOWN_MATH):
        if AMOUNT_AS_MATHS.search(tex):
            problems.append(f"markdown renders amounts as maths (write USD; even \\$ is typeset): {tex[:200]!r}")
    n = page.evaluate(JS_WIDGET_ERRORS)
    if n:
        problems.append(f"{n} widget error box(es) visible")
    return problems


def _move_slider_and_run(page, timings: dict) -> str:
    """Drag the first slider of the first Panel, click Run; assert the chart changed. Returns a note."""
    panel = page.locator(".hftlab-panel").filter(has=page.locator(".widget-slider")).first
    assert panel.count() == 1, "no Panel with a slider is visible"
    panel.scroll_into_view_if_needed()
    readout = panel.locator(".widget-slider .widget-readout").first
    before_value = readout.inner_text()
    handle = panel.locator(".widget-slider .noUi-handle").first
    track = panel.locator(".widget-slider .noUi-base").first
    hb, tb = handle.bounding_box(), track.bounding_box()
    assert hb and tb, "slider handle or track has no size"
    x0, y0 = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
    frac = (x0 - tb["x"]) / max(tb["width"], 1)
    target = tb["x"] + tb["width"] * (frac + 0.35 if frac < 0.6 else frac - 0.35)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(target, y0, steps=12)
    page.mouse.up()
    page.wait_for_timeout(300)
    after_value = readout.inner_text()
    assert after_value != before_value, f"dragging the slider did not change its value ({before_value})"

    element = panel.element_handle()
    signature = page.evaluate(JS_CHART_SIGNATURE, element)
    assert signature, "the Panel shows no chart before clicking Run"
    button = panel.locator("button.widget-button", has_text="Run").first
    t0 = time.monotonic()
    button.click()

    status = panel.locator(".hftlab-panel-status").first

    def changed():
        if button.is_disabled():
            return False
        if "failed" in status.inner_text():
            return "failed"
        sig = page.evaluate(JS_CHART_SIGNATURE, element)
        return bool(sig) and sig != signature

    try:
        outcome = _wait(changed, RUN_TIMEOUT_S, "the chart to change after moving the slider and clicking Run")
    except AssertionError:
        problems = _visible_failures(page)
        raise AssertionError(f"chart unchanged after slider {before_value} -> {after_value} and Run; {problems}") from None
    assert outcome != "failed", f"the Panel's Run failed ({status.inner_text()}): {_visible_failures(page)}"
    timings["run_button_s"] = round(time.monotonic() - t0, 1)
    _settle_charts(page, timeout_s=30)
    return f"slider {before_value} -> {after_value}, chart redrawn in {timings['run_button_s']} s"


# --------------------------------------------------------------------------- the test
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(notebook: Path, browser, lab_server, artifacts_dir):
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest()
    for suffix in ("", "-after-run", "-failure"):  # no stale screenshot from an earlier run
        (artifacts_dir / f"{notebook.stem}{suffix}.png").unlink(missing_ok=True)
    timings: dict[str, float | str] = {"notebook": notebook.name}
    rec = Recorder(lab_server.url)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("request", rec.on_request)
    page.on("console", rec.on_console)
    page.on("pageerror", rec.on_page_error)
    page.set_default_timeout(30_000)
    t_start = time.monotonic()
    notes: list[str] = []
    try:
        page.goto(lab_server.doc_url(notebook), wait_until="domcontentloaded")
        # Notebook open and its kernel started, with no dialog (e.g. "Select Kernel") in the way.
        _wait(lambda: _when(_state(page), lambda s: s["dialogs"] or s.get("loaded")), 120, "JupyterLab to load the notebook")
        timings["page_s"] = round(time.monotonic() - t_start, 1)
        st = _wait(lambda: _when(_state(page), lambda s: s["dialogs"] or (s.get("loaded") and s.get("kernel") == "idle")),
                   120, "the notebook to open and its kernel to start")
        assert not st["dialogs"], f"a dialog blocks the notebook: {st['dialogs']}"
        assert st["kernelName"] == "python3", f"kernel {st['kernelName']!r} started, expected python3"
        timings["open_s"] = round(time.monotonic() - t_start, 1)

        t0 = time.monotonic()
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        st = _wait(lambda: _when(_state(page), lambda s: s["dialogs"] or _run_finished(s)),
                   RUN_TIMEOUT_S, "Run All to finish (kernel idle)")
        timings["run_all_s"] = round(time.monotonic() - t0, 1)
        assert not st["dialogs"], f"a dialog appeared during Run All: {st['dialogs']}"
        errors = [f"cell {c['index']} ({c['head']!r}): {e}" for c in st["cells"] for e in c["errors"]]
        assert not errors, f"cells raised: {errors}"
        not_run = [c["index"] for c in st["cells"] if not c["empty"] and c["count"] is None]
        assert not not_run, f"code cells not executed: {not_run}"

        t0 = time.monotonic()
        charts = _settle_charts(page)
        timings["charts_s"] = round(time.monotonic() - t0, 1)
        timings["charts"] = len(charts)
        _screenshot(page, artifacts_dir / f"{notebook.stem}.png")

        problems = _visible_failures(page)
        assert not problems, "\n".join(problems)
        assert not rec.blocked, f"the page tried to reach the network: {sorted(set(rec.blocked))[:5]}"
        assert not rec.page_errors, f"JavaScript errors in the page: {rec.page_errors[:3]}"
        if _draws(notebook):
            assert sum(charts) >= 1, f"no rendered chart visible ({len(charts)} chart containers, {sum(charts)} drawn)"
            assert all(charts), f"{charts.count(False)} of {len(charts)} charts did not draw"

        has_slider_panel = page.locator(".hftlab-panel .widget-slider").count() > 0
        if (INTERACT is None and has_slider_panel) or (INTERACT is not None and notebook in INTERACT):
            notes.append(_move_slider_and_run(page, timings))
            _screenshot(page, artifacts_dir / f"{notebook.stem}-after-run.png")
            problems = _visible_failures(page)
            assert not problems, "after Run: " + "\n".join(problems)
            errors = [f"cell {c['index']} ({c['head']!r}): {e}" for c in _state(page)["cells"] for e in c["errors"]]
            assert not errors, f"after Run: cells show errors: {errors}"
            assert not rec.blocked, f"the page tried to reach the network: {sorted(set(rec.blocked))[:5]}"
            assert not rec.page_errors, f"JavaScript errors in the page: {rec.page_errors[:3]}"
    except Exception:
        try:
            _screenshot(page, artifacts_dir / f"{notebook.stem}-failure.png")
        except Exception:
            pass
        raise
    finally:
        timings["total_s"] = round(time.monotonic() - t_start, 1)
        (artifacts_dir / f"{notebook.stem}.log").write_text(
            "\n".join([json.dumps(timings), *notes, "-- page errors --", *rec.page_errors,
                       "-- blocked requests --", *rec.blocked, "-- console --", *rec.console]) + "\n")
        _append_timings(artifacts_dir, timings)
        context.close()
        lab_server.shutdown_kernels()
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == digest, f"{notebook.name} was modified on disk"


def _append_timings(artifacts_dir: Path, timings: dict) -> None:
    path = artifacts_dir / "timings.json"
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
    except ValueError:
        data = {}
    data[timings["notebook"]] = timings
    path.write_text(json.dumps(data, indent=1) + "\n")
