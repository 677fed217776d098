"""The layout of hftlab.fundgan: library code never reads quick mode (no import cycle: tests/test_layers.py)."""

import ast
from pathlib import Path

import hftlab.fundgan


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
