"""``hftlab train``: IPPO execution + market-making agents on a LOBSTER day, evaluated on held-out windows.

Trains every seed in one compiled call (``vmap`` over seeds), evaluates each seed's
greedy policies and the baselines (TWAP near / far touch, fixed-spread and
Avellaneda–Stoikov market makers) on the same held-out windows, prints the table (mean
± sd over seeds) and whether the learned agents beat every baseline on every seed,
writes the training curves and the evaluation chart to ``figures/`` and, with
``--json PATH``, the per-seed held-out numbers. Settings come from flags or a JSON
file (``--config``) of :class:`hftlab.rl.experiment.ExperimentSpec` fields; flags win.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields, replace
from pathlib import Path

from hftlab.errors import InputError

FLAG_FIELDS = ("restarts", "select_on", "validation_fraction", "num_envs", "num_steps", "updates", "update_epochs",
               "num_minibatches", "lr", "ent_coef",
               "reward_scale", "gae_lambda", "gamma", "network", "hidden", "inventory_penalty", "messages_per_step",
               "episode_steps", "train_fraction", "max_eval_windows", "window_stride", "exec_side", "drift_weight", "exec_actions",
               "observation", "exec_features")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--day", default=None, help="LOBSTER day (.zip or message CSV); default: the bundled sample day")
    p.add_argument("--heldout-day", default=None, help="evaluate on this day instead of the later windows of --day")
    p.add_argument("--seeds", type=int, default=None, help="number of training seeds (default 4, quick 2)")
    p.add_argument("--config", type=Path, default=None, help="JSON file of experiment settings (flags override it)")
    p.add_argument("--restarts", type=int, default=None,
                   help="runs per seed; each seed keeps, per agent type, its best on the --select-on windows (default 2, quick 1)")
    p.add_argument("--select-on", choices=["train", "validation"], default=None,
                   help="windows the restarts are compared on: the training windows, or validation windows "
                        "held out of training (the last --validation-fraction of them)")
    p.add_argument("--validation-fraction", type=float, default=None,
                   help="with --select-on validation: share of the training windows kept for validation (default 0.2)")
    p.add_argument("--num-envs", type=int, default=None)
    p.add_argument("--num-steps", type=int, default=None, help="rollout length per update")
    p.add_argument("--updates", type=int, default=None, help="PPO updates")
    p.add_argument("--update-epochs", type=int, default=None)
    p.add_argument("--num-minibatches", type=int, default=None)
    p.add_argument("--lr", type=float, default=None, help="learning rate (annealed linearly to 0)")
    p.add_argument("--ent-coef", type=float, default=None, help="entropy coefficient")
    p.add_argument("--reward-scale", type=float, default=None)
    p.add_argument("--gae-lambda", type=float, default=None)
    p.add_argument("--gamma", type=float, default=None, help="discount (1.0: undiscounted finite-horizon episodes)")
    p.add_argument("--network", choices=["mlp", "gru"], default=None)
    p.add_argument("--hidden", type=int, default=None, help="hidden units per layer")
    p.add_argument("--inventory-penalty", type=float, default=None, help="market maker's inventory penalty weight")
    p.add_argument("--messages-per-step", type=int, default=None)
    p.add_argument("--episode-steps", type=int, default=None)
    p.add_argument("--train-fraction", type=float, default=None, help="share of the day's windows used for training")
    p.add_argument("--max-eval-windows", type=int, default=None)
    p.add_argument("--window-stride", type=int, default=None,
                   help="messages between episode window starts (default 50; 0: half a window)")
    p.add_argument("--exec-side", type=int, choices=[-1, 0, 1], default=None,
                   help="execution task: 1 buy, -1 sell, 0 random per episode (default 0)")
    p.add_argument("--exec-actions", choices=["schedule", "env"], default=None,
                   help="execution actions: relative to the TWAP schedule (default) or the environment's own")
    p.add_argument("--observation", choices=["depth", "compact"], default=None,
                   help="observations: features plus 5 levels of book depth per side (default), or the features only")
    p.add_argument("--exec-features", choices=["all", "schedule", "side_blind", "schedule_side_blind"], default=None,
                   help="execution agent's observation: its schedule state and the spread without the task side "
                        "(schedule_side_blind, the default), with the side (schedule), every feature but the side "
                        "(side_blind) or every feature (all)")
    p.add_argument("--drift-weight", type=float, default=None,
                   help="weight of the arrival-drift term in the execution agent's training reward (default 0)")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="write the held-out evaluation here")
    p.add_argument("--save", type=Path, default=None, metavar="PATH", help="save the trained parameters (all seeds)")
    p.add_argument("--no-figures", action="store_true", help="do not write figures")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--quick", action="store_true", help="shrink everything (same as HFTLAB_QUICK=1)")


def spec_from_args(args: argparse.Namespace):
    from hftlab.rl.experiment import ExperimentSpec

    spec = ExperimentSpec.default()
    if args.config is not None:
        if not args.config.exists():
            raise InputError(f"--config: {args.config} does not exist")
        try:
            cfg = json.loads(args.config.read_text())
        except json.JSONDecodeError as exc:
            raise InputError(f"--config: {args.config} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(cfg, dict):
            raise InputError(f"--config: {args.config} must hold a JSON object of settings")
        known = {f.name for f in fields(ExperimentSpec)}
        bad = sorted(set(cfg) - known)
        if bad:
            raise InputError(f"--config: unknown setting(s) {bad} in {args.config}")
        if "seeds" in cfg:
            cfg["seeds"] = tuple(int(s) for s in (cfg["seeds"] if isinstance(cfg["seeds"], list) else range(cfg["seeds"])))
        spec = replace(spec, **cfg)
    changes = {k: getattr(args, k) for k in FLAG_FIELDS if getattr(args, k, None) is not None}
    if args.day is not None:
        changes["day"] = args.day
    if args.heldout_day is not None:
        changes["heldout_day"] = args.heldout_day
    if args.seeds is not None:
        if args.seeds < 1:
            raise InputError(f"--seeds must be at least 1 (got {args.seeds})")
        changes["seeds"] = tuple(range(args.seeds))
    for k in ("restarts", "num_envs", "num_steps", "updates", "update_epochs", "num_minibatches", "hidden",
              "messages_per_step", "episode_steps", "max_eval_windows"):
        if k in changes and changes[k] < 1:
            raise InputError(f"--{k.replace('_', '-')} must be at least 1 (got {changes[k]})")
    for d in ("day", "heldout_day"):
        if changes.get(d) and not Path(changes[d]).exists():
            raise InputError(f"--{d.replace('_', '-')}: {changes[d]} does not exist")
    spec = replace(spec, progress=not args.no_progress, **changes)
    spec.check()
    return spec


def save_figures(result, prefix: str = "train") -> list:
    from hftlab.viz import save_chart
    from hftlab.viz import rl as vrl

    paths = []
    paths += save_chart(vrl.training_curves_chart(result.metrics, result.spec.seeds), f"{prefix}_returns")
    paths += save_chart(vrl.training_curves_chart(result.metrics, result.spec.seeds, "shortfall_bps"),
                        f"{prefix}_shortfall")
    paths += save_chart(vrl.training_curves_chart(result.metrics, result.spec.seeds, "pnl"), f"{prefix}_pnl")
    paths += save_chart(vrl.evaluation_chart(result.table), f"{prefix}_heldout")
    return paths


def run(args: argparse.Namespace) -> int:
    import os

    if args.quick:
        os.environ["HFTLAB_QUICK"] = "1"
    if args.json is not None and not args.json.parent.exists():
        raise InputError(f"--json: folder {args.json.parent} does not exist")
    if args.save is not None and not args.save.parent.exists():
        raise InputError(f"--save: folder {args.save.parent} does not exist")
    spec = spec_from_args(args)

    from hftlab.config import figures_dir
    from hftlab.rl.checkpoint import save_params
    from hftlab.rl.experiment import format_summary, run_experiment

    print(f"IPPO: {len(spec.seeds)} seeds" + (f" × {spec.restarts} restarts" if spec.restarts > 1 else "")
          + f" × {spec.num_envs} envs × {spec.num_steps} steps × {spec.updates} updates "
          f"on {spec.day}" + (f", held out: {spec.heldout_day}" if spec.heldout_day else ""))
    result = run_experiment(spec)
    print(format_summary(result))
    out = result.to_json()
    print(f"{out['num_windows']} held-out windows, {out['env_steps_total']:,} env steps, wall time {out['wall_time_s']}")
    if not args.no_figures:
        d = figures_dir()
        result.table.to_csv(d / "train_heldout.csv", index=False)
        paths = save_figures(result)
        print(f"figures: {', '.join(p.name for p in paths if str(p).endswith('.png'))} and train_heldout.csv in {d}")
    if args.save is not None:
        save_params(args.save, result.params, spec.train_config(), meta={"seeds": list(spec.seeds), "setup": result.setup})
        print(f"parameters saved to {args.save}")
    if args.json is not None:
        import shlex
        import sys

        from hftlab.rl.experiment import generalization_gap

        gap = generalization_gap(result)
        train = gap[gap.windows == "train"]
        out["execution_in_sample"] = {  # the same policies on training windows: how much of the gain is the day
            str(seed): {r.policy: r.shortfall_bps for r in g.itertuples()} for seed, g in train.groupby("seed")}
        out["command"] = " ".join(["hftlab"] + [shlex.quote(a) for a in sys.argv[1:]])
        args.json.write_text(json.dumps(out, indent=2))
        print(f"results written to {args.json}")
    return 0


def tour(args: argparse.Namespace) -> None:
    """Quick IPPO run on the bundled day: 2 seeds, a few updates, held-out table and figures."""
    import os

    os.environ["HFTLAB_QUICK"] = "1"
    ns = argparse.Namespace(**{a: None for a in ("day", "heldout_day", "seeds", "config", *FLAG_FIELDS)},
                            json=None, save=None, no_figures=False, no_progress=True, quick=True)
    run(ns)
