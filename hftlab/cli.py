"""The ``hftlab`` command: every notebook's experiment, headless.

Each subcommand lives in ``hftlab/commands/<name>.py`` with ``add_arguments(parser)``
and ``run(args) -> int``; modules are imported only when their command runs, so
``hftlab --help`` is instant. Bad input (:class:`hftlab.errors.InputError`, a missing
file) prints one line, ``hftlab: error: ...``, and exits with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from hftlab.errors import InputError

COMMANDS = {
    "tour": "five minutes through everything on the bundled sample data",
    "replay": "replay a LOBSTER day through the JAX book and validate it against the orderbook file",
    "train": "train IPPO execution + market-making agents and evaluate them on held-out windows",
    "market": "tune the baselines on a LOBSTER day's training windows and benchmark them on held-out windows",
    "bandits": "causal bandit experiments: UCB, Thompson, TOpt, IMIT, TExp, AT-UCB",
    "fundgan": "train the fund-strategy GAN on the synthetic fund universe and evaluate it",
    "synth": "fit the synthetic order flow to a LOBSTER day, write generated days, compare stylized facts",
    "bench": "run the throughput benchmarks",
}


def _module(name: str):
    return importlib.import_module(f"hftlab.commands.{name}")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hftlab", description="hftlab: every notebook's experiment, headless.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = None
    if argv:
        wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if wanted == name:  # import only the module whose options are needed
            _module(name).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # repeat runs of a command skip XLA compilation (JAX's persistent cache)
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path.home() / ".cache" / "hftlab-jax"))
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(_module(args.command).run(args) or 0)
    except (InputError, FileNotFoundError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"hftlab: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hftlab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
