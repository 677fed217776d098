"""Fast static checks on every committed notebook (no kernel, no browser).

* valid nbformat 4;
* metadata carries the ``python3`` kernelspec, so JupyterLab never stops on a
  "Select Kernel" dialog (and nbval / Colab pick the right kernel);
* outputs are stripped, or small (a few KB in all, no images, no saved widget state);
* the first code cell is the Colab-safe install cell, and ``setup_rendering()`` from
  ``hftlab.viz`` is called before anything is drawn;
* markdown has no ``$`` next to a number or a space, escaped or not: JupyterLab 4 typesets
  the text between two of them as maths, and ``\\$`` does not prevent it (marked turns it
  into ``$`` and MathJax then scans the rendered text; seen in the browser test): write
  amounts as "12.5 USD";
* no repository address that is not the project's own (no made-up ``github.com`` URL).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
MAX_OUTPUT_CHARS = 5_000  # whole notebook, JSON of all outputs
DRAWS = re.compile(r"\bPanel\(|\balt\.|\bsave_chart\(|\.show\(\)|chart", re.IGNORECASE)


def code_cells(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def nb(request):
    path = request.param
    with open(path) as f:
        book = nbformat.read(f, as_version=nbformat.NO_CONVERT)
    return path.name, book


def test_notebook_names():
    for p in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name), f"{p.name}: name notebooks NN_snake_case.ipynb"


def test_valid_nbformat_4(nb):
    name, nb = nb
    assert nb.nbformat == 4, f"{name}: nbformat {nb.nbformat}, expected 4"
    nbformat.validate(nb)


def test_kernelspec(nb):
    name, nb = nb
    ks = nb.metadata.get("kernelspec")
    assert ks, f"{name}: metadata has no kernelspec (JupyterLab would ask 'Select Kernel')"
    assert {k: ks.get(k) for k in KERNELSPEC} == KERNELSPEC, f"{name}: kernelspec {dict(ks)}"


def test_outputs_stripped_or_small(nb):
    name, nb = nb
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    size = len(json.dumps(outputs))
    assert size <= MAX_OUTPUT_CHARS, f"{name}: {size} characters of saved outputs; commit it stripped"
    images = [o for o in outputs if any(k.startswith("image/") for k in o.get("data", {}))]
    assert not images, f"{name}: {len(images)} saved image output(s); commit it stripped"
    assert "widgets" not in nb.metadata, f"{name}: saved widget state in metadata; commit it stripped"


def test_install_cell_then_setup_rendering(nb):
    name, nb = nb
    cells = code_cells(nb)
    assert cells, f"{name}: no code cells"
    first = cells[0]
    assert "hftlab" in first and "pip" in first, f"{name}: first code cell must install hftlab when missing (Colab)"
    calls = [i for i, src in enumerate(cells) if re.search(r"\bsetup_rendering\(\)", src)]
    assert calls, f"{name}: never calls setup_rendering()"
    assert any(re.search(r"from hftlab\.viz import[^\n]*\bsetup_rendering\b|hftlab\.viz\.setup_rendering", src) for src in cells), (
        f"{name}: setup_rendering must come from hftlab.viz"
    )
    draws = [i for i, src in enumerate(cells) if DRAWS.search(re.sub(r".*setup_rendering.*", "", src))]
    if draws:
        assert calls[0] <= draws[0], f"{name}: code cell {draws[0]} draws before setup_rendering() (cell {calls[0]})"


AMOUNT_DOLLAR = re.compile(r"\$(?=[\s\d])|(?<=[\d\s])\\?\$")


def _markdown_prose(text: str) -> str:
    """Markdown without code fences and code spans (a ``$`` there is literal)."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", text, flags=re.S))


def test_markdown_escapes_dollar_amounts(nb):
    name, nb = nb
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for line in _markdown_prose(cell.source).splitlines():
            m = AMOUNT_DOLLAR.search(line)
            assert not m, f"{name}: markdown cell {i} has a $ that renders as maths in JupyterLab: {line.strip()[:120]!r} (write USD)"


def test_no_made_up_repository_address():
    texts = {p.name: p.read_text() for p in NOTEBOOKS}
    texts["README.md"] = (ROOT / "README.md").read_text()
    for name, text in texts.items():
        urls = re.findall(r"https?://(?:www\.)?(?:github|gitlab)\.com/[^\s\"')>]+", text)
        assert not urls, f"{name}: repository address(es) {urls[:3]}; name the source through HFTLAB_SOURCE instead"
