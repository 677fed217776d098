"""``hftlab bench``: run the throughput benchmarks in ``benchmarks/`` and print their tables.

Each benchmark is a script with its own options (``python benchmarks/NAME.py --help``);
this command runs the chosen ones with their defaults (quick mode: small sizes).
"""

from __future__ import annotations

import argparse
import runpy
import sys

from hftlab.config import quick, repo_root
from hftlab.errors import InputError

BENCHMARKS = {
    "lob": ("lob_throughput.py", ["--books", "1", "64", "1024"], ["--books", "1", "64", "1024", "8192"]),
    "env": ("env_throughput.py", [], []),
    "ippo": ("ippo_throughput.py", [], []),
    "bandits": ("bandits_throughput.py", [], []),
    "fundgan": ("fundgan_training.py", ["--funds", "200", "--months", "48"], []),
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", choices=[[]] + list(BENCHMARKS), metavar="NAME",
                   help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")


def run(args: argparse.Namespace) -> int:
    root = repo_root()
    if root is None or not (root / "benchmarks").is_dir():
        raise InputError("benchmarks/ not found: run hftlab bench from a source checkout (pip install -e .)")
    for name in args.names or list(BENCHMARKS):
        script, quick_args, full_args = BENCHMARKS[name]
        path = root / "benchmarks" / script
        if not path.exists():
            raise InputError(f"benchmark script {path} is missing")
        print(f"\n=== {name}: python benchmarks/{script} " + " ".join(quick_args if quick() else full_args))
        argv = sys.argv
        try:
            sys.argv = [str(path)] + (quick_args if quick() else full_args)
            runpy.run_path(str(path), run_name="__main__")
        finally:
            sys.argv = argv
    return 0
