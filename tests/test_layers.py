"""Layering: library modules never import the command layer (``hftlab/commands``, ``hftlab/cli.py``).

Scans the source with ``ast`` (imports inside functions included), so a violation is
found without importing anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hftlab"
COMMAND_LAYER = ("hftlab.commands", "hftlab.cli")

# Parts of the tour whose function is still the ``tour(args)`` of a command module; the
# registry names them as strings, resolved only when the part runs. Remove an entry when
# its function moves into the library.
TOUR_PARTS_IN_COMMANDS = {"hftlab.commands.train:tour", "hftlab.commands.fundgan:tour"}


def _library_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if "commands" not in p.relative_to(PACKAGE).parts and p != PACKAGE / "cli.py")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    """Every module an import statement names (relative imports resolved), with its line."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = package.split(".")
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([base] if base else []))
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return out


def _is_command_layer(name: str) -> bool:
    return any(name == c or name.startswith(c + ".") for c in COMMAND_LAYER)


def test_scan_sees_the_library():
    names = {_module_name(p) for p in _library_modules()}
    assert {"hftlab.lob.lobster", "hftlab.lob.replays", "hftlab.env.world", "hftlab.tour"} <= names
    assert not any(_is_command_layer(n) for n in names)


def test_no_library_module_imports_the_command_layer():
    bad = []
    for path in _library_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        bad += [f"{path.relative_to(ROOT)}:{line}: {name}" for line, name in _imported(tree, path) if _is_command_layer(name)]
    assert not bad, "library modules import the command layer:\n" + "\n".join(bad)


def test_command_modules_named_in_library_strings_are_only_pending_tour_parts():
    """No ``importlib`` detour: a string naming a command module appears only in the tour's registry."""
    named = {}
    for path in _library_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_command_layer(node.value.split(":")[0]):
                named.setdefault(str(path.relative_to(ROOT)), set()).add(node.value)
    assert set(named) <= {"hftlab/tour.py"}, named
    assert named.get("hftlab/tour.py", set()) <= TOUR_PARTS_IN_COMMANDS, named


def test_notebooks_and_benchmarks_import_only_the_library():
    import json

    bad = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        src = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        bad += [nb.name for line in src.splitlines() if "hftlab.commands" in line or "hftlab.cli" in line]
    for py in sorted((ROOT / "benchmarks").glob("*.py")):
        tree = ast.parse(py.read_text(), filename=str(py))
        bad += [f"{py.name}:{line}: {name}" for line, name in _imported(tree, py) if _is_command_layer(name)]
    assert not bad, bad
