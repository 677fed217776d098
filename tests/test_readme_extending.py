"""The README's "Extending hftlab" section runs: every ```python block under that
heading (up to the next ``## `` heading) is executed, and its assertions must hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## Extending hftlab"


def extending_blocks() -> list[str]:
    text = README.read_text()
    start = text.find(f"\n{HEADING}\n")
    if start < 0:
        return []
    end = text.find("\n## ", start + len(HEADING) + 1)
    section = text[start : end if end >= 0 else None]
    return re.findall(r"^```python\n(.*?)^```", section, flags=re.S | re.M)


def test_the_section_has_python_blocks_with_assertions():
    blocks = extending_blocks()
    assert blocks, f"no ```python blocks under {HEADING!r} in README.md"
    for b in blocks:
        assert re.search(r"^\s*assert ", b, flags=re.M), f"a block under {HEADING!r} asserts nothing:\n{b[:200]}"


@pytest.mark.parametrize("i", range(len(extending_blocks())))
def test_block_runs(i, monkeypatch):
    from hftlab.bandits import registry
    from hftlab.env.agents import registry as agent_registry

    # what a block registers is forgotten afterwards
    monkeypatch.setattr(registry, "ALGORITHMS", dict(registry.ALGORITHMS))
    monkeypatch.setattr(agent_registry, "_REGISTRY", dict(agent_registry._REGISTRY))
    code = extending_blocks()[i]
    exec(compile(code, f"README.md ({HEADING}, block {i + 1})", "exec"), {"__name__": f"readme_block_{i + 1}"})
