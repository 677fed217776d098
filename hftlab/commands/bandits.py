"""``hftlab bandits``: the causal-bandit experiments headless.

Runs the CAMAB transfer experiments (online advertising, Zhang–Bareinboim task, TExp
with an exact and with a reversed abstraction) and AT-UCB on the epidemic pair; prints
the results table (pseudo-regret mean ± sd over seeds next to the published CAMAB
figures), writes the figures to ``figures/`` and, with ``--json PATH``, the results.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from hftlab.errors import InputError

EXPERIMENTS = ["advertising", "zhang_bareinboim", "exact", "reversed", "atucb_epidemic"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--experiments", nargs="+", choices=EXPERIMENTS, metavar="NAME",
                   help=f"which experiments to run (default: all; choices: {', '.join(EXPERIMENTS)})")
    p.add_argument("--seeds", type=int, default=None, help="seeds of the CAMAB experiments (default 300, quick 48)")
    p.add_argument("--atucb-seeds", type=int, default=None, help="seeds of the AT-UCB experiment (default 200, quick 32)")
    p.add_argument("--atucb-horizon", type=int, default=None, help="horizon of the AT-UCB experiment (default 10000, quick 2000)")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="write the results to this JSON file")
    p.add_argument("--no-figures", action="store_true", help="do not write figures")
    p.add_argument("--quick", action="store_true", help="shrink every experiment (same as HFTLAB_QUICK=1)")


def _check(args: argparse.Namespace) -> None:
    for name in ("seeds", "atucb_seeds"):
        v = getattr(args, name)
        if v is not None and v < 2:
            raise InputError(f"--{name.replace('_', '-')} must be at least 2 (got {v})")
    if args.atucb_horizon is not None and args.atucb_horizon < 10:
        raise InputError(f"--atucb-horizon must be at least 10 (got {args.atucb_horizon})")
    if args.json is not None and args.json.parent and not args.json.parent.exists():
        raise InputError(f"--json: folder {args.json.parent} does not exist")


def format_table(df) -> str:
    lines = [f"{'experiment':<17} {'algorithm':<26} {'pseudo-regret':>17} {'realized':>9} {'published':>9} {'seeds':>5} {'T':>6}"]
    for _, r in df.iterrows():
        pr = f"{r.pseudo_regret_mean:8.2f} ± {r.pseudo_regret_sd:6.2f}"
        rz = "" if math.isnan(r.realized_regret_mean) else f"{r.realized_regret_mean:9.2f}"
        pub = "" if math.isnan(r.published) else f"{r.published:9.2f}"
        lines.append(f"{r.experiment:<17} {r.algorithm:<26} {pr:>17} {rz:>9} {pub:>9} {int(r.seeds):>5} {int(r.horizon):>6}")
    return "\n".join(lines)


def save_figures(results: dict) -> list[Path]:
    from hftlab.bandits import models
    from hftlab.viz import save_chart
    from hftlab.viz import bandits as vb

    paths = []
    paths += save_chart(vb.abstraction_chart(models.advertising(), "online advertising: M → M′"), "bandits_advertising_abstraction")
    for name, r in results.items():
        if name == "atucb_epidemic":
            paths += save_chart(vb.eps_sweep_chart(r), "bandits_atucb_eps")
            paths += save_chart(vb.epidemic_chart(r), "bandits_epidemic_pair")
            ucb = [e for e in r["eps_sweep"] if not math.isfinite(e["eps"])][0]
            at = min((e for e in r["eps_sweep"] if math.isfinite(e["eps"]) and e["eps_over_eps_star"] >= 1.0), key=lambda e: e["eps"])
            curves = {"UCB1": {"t": r["t"], **ucb["curve"]}, "AT-UCB (ε = ε*)": {"t": r["t"], **at["curve"]}}
            curves.update({k: b["curve"] for k, b in r["baselines"].items()})
            paths += save_chart(vb.regret_curves_chart(curves, f"epidemic bandit, {r['n_seeds']} seeds"), "bandits_atucb_regret")
        else:
            paths += save_chart(vb.camab_regret_chart(r), f"bandits_regret_{name}")
    return paths


def run(args: argparse.Namespace) -> int:
    _check(args)
    from dataclasses import replace

    from hftlab.bandits import experiments as X
    from hftlab.config import quick

    is_quick = args.quick or quick()
    s = X.ATUCBSettings.default(is_quick)
    if args.atucb_seeds:
        s = replace(s, n_seeds=args.atucb_seeds)
    if args.atucb_horizon:
        s = replace(s, horizon=args.atucb_horizon)
    names = tuple(args.experiments or EXPERIMENTS)
    t0 = time.perf_counter()
    print(f"hftlab bandits: {', '.join(names)}", flush=True)
    results = X.run_all(args.seeds, names, s, verbose=True, quick=is_quick)
    df = X.results_table(results)
    print()
    print(format_table(df))
    if "atucb_epidemic" in results:
        r = results["atucb_epidemic"]
        c = r["costs"]
        print(f"\nepidemic: eps* = {r['eps_star']:.4f} (max |mu(a) - mu'(a)|), n' = {r['n_prime']}, beta' = {r['beta_prime']:.4f}, "
              f"cost per run ABM {c['abm_s_per_run'] * 1e3:.3f} ms vs ODE {c['ode_s_per_run'] * 1e6:.2f} us (x{c['ratio']:.0f})")
    for name, r in results.items():
        print(f"{name}: {r['n_seeds']} seeds x T={r['horizon']}: {r['wall_s']:.2f} s run (+{r['compile_s']:.1f} s compile)")
    if not args.no_figures:
        paths = save_figures(results)
        print(f"figures: {len(paths)} files in {paths[0].parent}" if paths else "figures: none")
    if args.json is not None:
        args.json.write_text(json.dumps(X.json_summary(results), indent=2))
        print(f"results: {args.json}")
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0
