"""The layout of hftlab.fundgan: its modules import each other without a cycle."""

import ast
from pathlib import Path

import hftlab.fundgan

PACKAGE = "hftlab.fundgan"


def fundgan_imports() -> dict[str, set[str]]:
    """Every module of the package -> the package's modules it imports (anywhere in the file)."""
    root = Path(hftlab.fundgan.__file__).parent
    modules = {p.stem for p in root.glob("*.py")} - {"__init__"}
    graph = {}
    for m in sorted(modules):
        tree = ast.parse((root / f"{m}.py").read_text())
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == PACKAGE:  # from hftlab.fundgan import baselines
                    deps |= {a.name for a in node.names if a.name in modules}
                elif node.module.startswith(PACKAGE + "."):
                    deps.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[2] for a in node.names if a.name.startswith(PACKAGE + ".")}
        graph[m] = deps - {m}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(m, path):
        state[m] = 1
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return path[path.index(d):] + [d]
            if d not in state:
                found = visit(d, path + [d])
                if found:
                    return found
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m, [m])
            if found:
                return found
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycle_among_fundgan_modules():
    graph = fundgan_imports()
    assert {"train", "evaluate", "universe", "validate", "model"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_library_modules_never_read_quick_mode():
    # sizes are explicit arguments (UniverseConfig.small(), TrainConfig.quick()); only the edges
    # (the command, notebook 05, the tests) read hftlab.config.quick()
    root = Path(hftlab.fundgan.__file__).parent
    for path in root.glob("*.py"):
        text = path.read_text()
        assert "HFTLAB_QUICK" not in text and "os.environ" not in text, path.name
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "hftlab.config":
                assert not {a.name for a in node.names} & {"quick", "pick"}, path.name
