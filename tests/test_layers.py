"""Layering: library modules never import the command layer (``hftlab/commands``, ``hftlab/cli.py``),
nothing imports a layer above it, and no module imports itself through others (no cycle).

Scans the source with ``ast`` (imports inside functions included), so a violation is
found without importing anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hftlab"
COMMAND_LAYER = ("hftlab.commands", "hftlab.cli")

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


def test_no_library_string_names_a_command_module():
    """No ``importlib`` detour: no library string names a command module (the tour's parts included)."""
    named = {}
    for path in _library_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_command_layer(node.value.split(":")[0]):
                named.setdefault(str(path.relative_to(ROOT)), set()).add(node.value)
    assert not named, named


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


# ---- layers and cycles (module-level and function-level imports alike)
LAYERS = ("hftlab.lob", "hftlab.data", "hftlab.env", "hftlab.rl", "hftlab.bandits", "hftlab.fundgan", "hftlab.study",
          "hftlab.configs", "hftlab.tour")
#: what each layer may import of the others (viz, errors, config, progress serve every layer)
ALLOWED = {
    "hftlab.lob": (),
    "hftlab.data": ("hftlab.lob",),  # many days: beside the book at the bottom
    "hftlab.env": ("hftlab.lob", "hftlab.data"),
    "hftlab.rl": ("hftlab.env.base",),  # the environment contract alone
    "hftlab.bandits": (),
    "hftlab.fundgan": ("hftlab.lob",),
    "hftlab.configs": ("hftlab.env", "hftlab.rl"),
    "hftlab.study": ("hftlab.lob", "hftlab.data", "hftlab.env", "hftlab.rl", "hftlab.configs"),
}


def _graph() -> dict[str, set[str]]:
    """Every library module and the library modules it imports."""
    modules = {_module_name(p): p for p in _library_modules()}
    return {name: {n for _, n in _imported(ast.parse(path.read_text()), path) if n in modules and n != name}
            for name, path in modules.items()}


def _layer(module: str) -> str | None:
    return next((lay for lay in LAYERS if module == lay or module.startswith(lay + ".")), None)


def test_nothing_imports_a_layer_above_it():
    bad = []
    for name, deps in _graph().items():
        layer = _layer(name)
        if layer not in ALLOWED:
            continue
        for d in deps:
            other = _layer(d)
            if other not in (None, layer) and not any(d == a or d.startswith(a + ".") for a in ALLOWED[layer]):
                bad.append(f"{name} imports {d}")
    assert not bad, "\n".join(sorted(bad))


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycles():
    """No cycle between modules (a package's ``__init__`` re-exporting its own modules does not count)."""
    graph = _graph()
    packages = {n for n in graph if (ROOT / n.replace(".", "/") / "__init__.py").exists()}
    graph = {n: deps - packages for n, deps in graph.items() if n not in packages}
    assert {f"hftlab.fundgan.{m}" for m in ("train", "evaluate", "universe", "validate", "model")} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
