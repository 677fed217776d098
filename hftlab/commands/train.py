"""``hftlab train``: IPPO execution + market-making agents on a LOBSTER day, evaluated on held-out windows.

Runs the market study (:mod:`hftlab.study.market`) of a configuration: a preset of
:mod:`hftlab.configs` (default ``sample_day``, the documented run) or a TOML / JSON file
naming a base preset and the settings that differ, then ``--set key=value`` changes
(dotted keys for nested settings: ``agent.lr=5e-4``, ``train.num_envs=64``,
``env_params.inventory_penalty=0.02``). Trains every seed in one compiled call, evaluates
each seed's greedy policies and the baselines on the same held-out windows, prints the
table (mean ± sd over seeds) and whether the learned agents beat every baseline on every
seed, writes the training curves and the evaluation chart to ``figures/`` and, with
``--json PATH``, the per-seed record. ``--distributed HOST:PORT,N,I`` (or ``--distributed`` alone
on a cluster) runs it as process I of N (:mod:`hftlab.rl.distributed`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hftlab.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, metavar="NAME_OR_FILE",
                   help="a preset (sample_day [default], lobster_goog, sample_day_validation, study_goog, study_amzn) or a .toml / .json "
                        "file: base = PRESET plus the settings that differ")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="set",
                   help="change one setting (repeatable; dotted keys, e.g. agent.lr=5e-4 train.num_envs=64 "
                        "env_params.inventory_penalty=0.02)")
    p.add_argument("--day", default=None, help="LOBSTER day (.zip or message CSV) instead of the config's (same as --set day=PATH)")
    p.add_argument("--seeds", type=int, default=None, help="train seeds 0..N-1 (same as --set seeds=N)")
    p.add_argument("--quick", action="store_true", help="shrink the configuration to a smoke test (as HFTLAB_QUICK=1)")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="write the held-out evaluation here")
    p.add_argument("--save", type=Path, default=None, metavar="PATH", help="save the trained parameters (all seeds)")
    p.add_argument("--no-figures", action="store_true", help="do not write figures")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--resume", type=Path, default=None, metavar="DIR",
                   help="continue the run whose checkpoints are in DIR (written with --set checkpoint_dir=DIR)")
    p.add_argument("--distributed", nargs="?", const="cluster", default=None, metavar="HOST:PORT,N,I",
                   help="run as process I of N joined by jax.distributed, process 0's coordinator at HOST:PORT "
                        "(environments split across processes, gradients averaged; only process 0 prints and "
                        "writes files); alone: the processes the cluster names (SLURM, Open MPI)")


def config_from_args(args: argparse.Namespace):
    """The run's :class:`~hftlab.configs.base.ExperimentConfig`: preset or file, quick, then --day / --seeds / --set."""
    from hftlab import configs
    from hftlab.config import quick

    changes = {}
    if args.day is not None:
        changes["day"] = args.day
    if args.seeds is not None:
        if args.seeds < 1:
            raise InputError(f"--seeds must be at least 1 (got {args.seeds})")
        changes["seeds"] = args.seeds
    try:
        changes.update(configs.parse_set(args.set))
        cfg = configs.load(args.config, changes, quick_mode=args.quick or quick())
    except InputError as exc:
        msg = str(exc)
        raise InputError(msg if msg.startswith("--") else f"--set: {msg}") from None
    for d in ("day", "heldout_day"):
        v = getattr(cfg, d)
        if v and v != "bundled" and not Path(v).exists() and not any(c in v for c in "*?["):
            raise InputError(f"{d}: {v} does not exist")
    return cfg


def start_processes(args: argparse.Namespace) -> bool:
    """Join the run's processes when asked (``--distributed``); True when this process prints and writes files."""
    if args.distributed is None:
        return True
    from hftlab.rl.distributed import initialize, is_main

    if args.distributed == "cluster":
        initialize()
    else:
        parts = args.distributed.split(",")
        if len(parts) != 3 or not parts[1].strip().isdigit() or not parts[2].strip().isdigit():
            raise InputError(f"--distributed: expected HOST:PORT,N,I (e.g. localhost:12355,2,0), got {args.distributed!r}")
        initialize(parts[0].strip(), int(parts[1]), int(parts[2]))
    return is_main()


def run(args: argparse.Namespace) -> int:
    main_process = start_processes(args)
    if not main_process:  # the others train their share of the environments quietly
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            return _run(args, write=False)
    return _run(args, write=True)


def _run(args: argparse.Namespace, write: bool) -> int:
    if args.json is not None and not args.json.parent.exists():
        raise InputError(f"--json: folder {args.json.parent} does not exist")
    if args.save is not None and not args.save.parent.exists():
        raise InputError(f"--save: folder {args.save.parent} does not exist")
    if args.resume is not None:
        from hftlab.study.market import checkpoint_config

        if args.config or args.set or args.day or args.seeds or args.quick:
            raise InputError("--resume: the run's configuration is the one saved with its checkpoints; "
                             "--config, --set, --day, --seeds and --quick do not apply")
        cfg = checkpoint_config(args.resume)
    else:
        cfg = config_from_args(args)

    from hftlab.config import figures_dir
    from hftlab.rl.checkpoint import save_params
    from hftlab.viz.rl import save_training_figures
    from hftlab.study.market import format_summary, run_experiment

    from hftlab.config import quick

    t = cfg.train
    label = f"resuming {args.resume}" if args.resume is not None else (args.config or "sample_day") + (", quick" if args.quick or quick() else "")
    print(f"IPPO ({label}): "
          f"{len(cfg.seeds)} seeds" + (f" × {cfg.restarts} restarts" if cfg.restarts > 1 else "")
          + f" × {t.num_envs} envs × {t.num_steps} steps × {cfg.updates} updates "
          f"on {cfg.day}" + (f", held out: {cfg.heldout_day}" if cfg.heldout_day else ""))
    import jax

    several = jax.process_count() > 1
    if several:
        print(f"process {jax.process_index()} of {jax.process_count()}: {len(jax.local_devices())} of the "
              f"{len(jax.devices())} devices, {t.num_envs // len(jax.devices())} environments per device")
    result = run_experiment(cfg, progress=not (args.no_progress or several), resume=args.resume is not None)
    print(format_summary(result))
    out = result.to_json()
    from hftlab.study.stats import format_verdicts

    print("paired per-window differences, 95% moving-block bootstrap intervals:")
    print(format_verdicts(out["intervals"]))
    print("execution shortfall on training windows, per seed (bps): "
          + "; ".join(f"seed {s}: " + ", ".join(f"{p} {v:.2f}" for p, v in d.items())
                      for s, d in out["execution_in_sample"].items()))
    print(f"{out['num_windows']} held-out windows, {out['env_steps_total']:,} env steps, wall time {out['wall_time_s']}")
    if not write:
        return 0
    if not args.no_figures:
        d = figures_dir()
        result.table.to_csv(d / "train_heldout.csv", index=False)
        paths = save_training_figures(result)
        print(f"figures: {', '.join(p.name for p in paths if str(p).endswith('.png'))} and train_heldout.csv in {d}")
    if args.save is not None:
        save_params(args.save, result.params, cfg.train_config(result.market[0].learning_types),
                    meta={"seeds": list(cfg.seeds), "setup": result.setup})
        print(f"parameters saved to {args.save}")
    if args.json is not None:
        import shlex
        import sys

        env = "HFTLAB_QUICK=1 " if quick() and not args.quick else ""  # quick mode from the environment
        out["command"] = env + " ".join(["hftlab"] + [shlex.quote(a) for a in sys.argv[1:]])
        out["quick"] = bool(args.quick or quick())
        from hftlab.study.records import dumps_record

        args.json.write_text(dumps_record(out))
        print(f"results written to {args.json}")
    return 0
