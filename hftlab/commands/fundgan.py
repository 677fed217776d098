"""``hftlab fundgan``: the fund-strategy GAN on the synthetic fund universe, headless.

Generates (or loads) the universe and prints its calibration next to the targets,
trains the model and the generator-only baseline for every seed, prints the evaluation
table (probe macro recall, parameter R^2, held-out portfolio-metric errors of the model
and each baseline, strategy swap, training time), writes figures to ``figures/`` and,
with ``--json PATH``, the evaluation figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hftlab.errors import InputError


# the fields of hftlab.fundgan.configs.LossWeights (not imported here: building the parser stays free of JAX)
LOSS_NAMES = ("adversarial", "counterfactual", "exposure", "trading", "weights", "count", "turnover", "hhi", "summary",
              "kl", "gradient_penalty")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="quick-mode sizes (same as HFTLAB_QUICK=1)")
    p.add_argument("--universe", metavar="PATH", help="load a universe .npz (FundUniverse.save) instead of generating one")
    p.add_argument("--save-universe", metavar="PATH", help="write the generated universe to this .npz")
    p.add_argument("--funds", type=int, help="number of funds (default 1436; quick 96)")
    p.add_argument("--stocks", type=int, help="number of stocks (default 300; quick 100)")
    p.add_argument("--months", type=int, help="number of months (default 120; quick 48)")
    p.add_argument("--universe-seed", type=int, default=0, help="seed of the synthetic universe")
    p.add_argument("--seeds", type=int, help="number of training seeds (default 3; quick 1)")
    p.add_argument("--iterations", type=int, help="training iterations (default 4000; quick 300)")
    p.add_argument("--test-months", type=int, help="held-out last months (default 24; quick 12)")
    p.add_argument("--no-generator-only", action="store_true", help="skip the generator-only baseline")
    for name in LOSS_NAMES:
        p.add_argument(f"--loss-{name.replace('_', '-')}", type=float, metavar="W", help=f"weight of the {name.replace('_', ' ')} loss term")
    p.add_argument("--json", metavar="PATH", help="write the evaluation figures here as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _quick(args) -> bool:
    """Quick mode: ``--quick`` or ``HFTLAB_QUICK`` (read here, at the edge; the library takes sizes)."""
    from hftlab.config import quick

    return bool(args.quick) or quick()


def _config(args):
    import dataclasses

    from hftlab.fundgan.configs import TrainConfig, with_overrides
    from hftlab.fundgan.universe import UniverseConfig

    q = _quick(args)
    ucfg = UniverseConfig.small() if q else UniverseConfig()
    for arg, fld in (("funds", "n_funds"), ("stocks", "n_stocks"), ("months", "n_months")):
        v = getattr(args, arg, None)
        if v is not None:
            if v < 1:
                raise InputError(f"--{arg}={v}: must be positive")
            ucfg = dataclasses.replace(ucfg, **{fld: v})
    if args.stocks is not None:  # active funds hold the same share of the market as by default
        full = UniverseConfig()
        ucfg = dataclasses.replace(ucfg, holdings_median=full.holdings_median * args.stocks / full.n_stocks)
    tcfg = TrainConfig.quick() if q else TrainConfig()
    kw = {}
    if args.iterations is not None:
        if args.iterations < 1:
            raise InputError(f"--iterations={args.iterations}: must be positive")
        kw["iterations"] = args.iterations
    if args.test_months is not None:
        kw["test_months"] = args.test_months
    for name in LOSS_NAMES:
        v = getattr(args, f"loss_{name}", None)
        if v is not None:
            if v < 0:
                raise InputError(f"--loss-{name.replace('_', '-')}={v}: loss weights must be non-negative")
            kw[f"loss_{name}"] = v
    return ucfg, with_overrides(tcfg, **kw)


def _print_results(res, universe) -> None:
    import pandas as pd

    with pd.option_context("display.width", 160, "display.max_columns", 20):
        p = res.probes().groupby("probe", sort=False)["recall"].agg(["mean", "std"])
        print("\nProbe from phi -> class, 5-fold CV macro recall (mean, sd over seeds); paper (real funds): 0.77 linear, 0.95 RBF")
        print(p.round(3).to_string())
        sf = res.summary_fit()
        if not sf.empty:
            print("\nHow phi carries the fund's computed summaries (mean over seeds): read-out R^2, the best single lane's |corr|")
            print(sf.groupby("summary", sort=False)[["readout r2", "best lane |corr|"]].mean().round(3).to_string())
        r = res.r2().groupby("parameter", sort=False)["r2"].agg(["mean", "std"])
        print("\nCross-validated R^2 of each true parameter from phi")
        print(r.round(3).to_string())
        for protocol, what in (("one-step", "one step ahead from the real previous portfolio"),
                               ("rollout", "rolled out from the last training month on each method's own portfolios")):
            print(f"\nHeld-out portfolio metrics, {protocol} ({universe.n_funds} funds x "
                  f"{res.models[0].config.test_months} months, {what}): mean absolute error, mean ± sd over seeds")
            print(res.error_table(protocol).to_string())
            print(f"Model vs the best baseline per metric ({protocol})")
            print(res.model_beats_baselines(protocol).round(4).to_string())
        s = res.swap().groupby("exposure", sort=False)[["model error", "generator-only error", "correlation", "slope"]].mean()
        print("\nStrategy swap (fund A with fund B's phi): exposure-change error vs the true rule's counterfactual;"
              " slope of model change on true change (1 = full reaction)")
        print(s.round(3).to_string())
        mk = res.markowitz().groupby("style", sort=False)[["real", "model", "abs difference"]].agg(["mean", "std"])
        print("\nMarkowitz proximity (%) per style, held-out months (sigma_eff(mu_w) / sigma_w); "
              "paper (real funds): Index 95.5, Growth 90.4, Core 82.7, Value 67.0")
        print(mk.round(1).to_string())
        t = res.train_seconds().groupby("model", sort=False)[["train_s", "compile_s"]].agg(["mean", "std"])
        print("\nTraining time (s)")
        print(t.round(1).to_string())


def _figures(res, universe, prefix: str = "fundgan") -> list[Path]:
    from hftlab.viz import save_chart
    from hftlab.viz import fundgan as fv

    paths = []
    paths += save_chart(fv.calibration_charts(universe.calibration()), f"{prefix}_calibration")
    paths += save_chart(fv.training_chart(res.models[0].history), f"{prefix}_training")
    paths += save_chart(fv.latent_chart(res.evaluations[0].phi, universe.funds["style"]), f"{prefix}_latent")
    paths += save_chart(fv.probe_chart(res.probes()), f"{prefix}_probes")
    paths += save_chart(fv.r2_chart(res.r2()), f"{prefix}_r2")
    paths += save_chart(fv.errors_chart(res.errors()), f"{prefix}_metrics")
    paths += save_chart(fv.errors_chart(res.errors("rollout"), "rollout"), f"{prefix}_metrics_rollout")
    return paths


def _universe(args, ucfg):
    from hftlab.fundgan.universe import generate_universe, load_universe

    if args.universe:
        u = load_universe(args.universe)
        print(f"loaded {args.universe}: {u.n_funds} funds, {u.n_months} months, {u.n_stocks} stocks")
        return u
    t0 = time.perf_counter()
    u = generate_universe(ucfg, seed=args.universe_seed)
    print(f"generated the synthetic universe: {u.n_funds} funds, {u.n_months} months, {u.n_stocks} stocks "
          f"in {time.perf_counter() - t0:.1f} s")
    if args.save_universe:
        print(f"wrote {u.save(args.save_universe)}")
    return u


def run(args: argparse.Namespace) -> int:
    from hftlab.fundgan.experiment import run_experiment

    ucfg, tcfg = _config(args)
    n_seeds = args.seeds if args.seeds is not None else (1 if _quick(args) else 3)
    if n_seeds < 1:
        raise InputError(f"--seeds={n_seeds}: need at least one seed")
    if args.json:
        parent = Path(args.json).resolve().parent
        if not parent.exists():
            raise InputError(f"--json {args.json}: folder {parent} does not exist")
    universe = _universe(args, ucfg)
    import pandas as pd

    with pd.option_context("display.width", 160):
        print("\nCalibration (median over funds of each fund's median; factor moments over the panel)")
        print(universe.calibration().round(4).to_string(index=False))
    t0 = time.perf_counter()
    res = run_experiment(universe, tcfg, seeds=range(n_seeds), progress=not args.no_progress,
                         generator_only=not args.no_generator_only)
    _print_results(res, universe)
    print(f"\nwhole experiment: {time.perf_counter() - t0:.1f} s")
    paths = _figures(res, universe)
    print(f"figures: {', '.join(sorted({str(p.with_suffix('')) for p in paths}))} (.png/.svg)")
    if args.json:
        out = res.to_json()
        out["universe"] = {"funds": universe.n_funds, "months": universe.n_months, "stocks": universe.n_stocks,
                           "calibration": universe.calibration().to_dict(orient="records")}
        out["train_config"] = _cfg_dict(tcfg)
        Path(args.json).write_text(json.dumps(out, indent=2, default=float))
        print(f"wrote {args.json}")
    return 0


def _cfg_dict(cfg) -> dict:
    import dataclasses

    return dataclasses.asdict(cfg)
