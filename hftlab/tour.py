"""The tour: every capability on the bundled sample data, part by part, in the notebook order.

A part prints its summary and writes its figures to ``figures/``. ``hftlab tour`` runs the
parts one after another; ``notebooks/00_tour.ipynb`` runs them through :func:`run_part` and
shows the figures they wrote. Quick mode is an argument (``quick``), never read here.

The registry :data:`PARTS` maps a part to its title and to its function as
``"module:function"``, imported only when the part runs. A part's function is either
``fn(quick: bool)`` (the parts defined in this module) or, for a part whose function still
lives in a command module, ``fn(args)`` with ``args`` an ``argparse.Namespace`` carrying
``quick`` (those read quick mode from ``HFTLAB_QUICK``, which ``hftlab tour --quick`` sets).
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from pathlib import Path

from hftlab.config import figures_dir


@dataclass(frozen=True)
class Part:
    title: str
    target: str  # "module:function"
    takes_args: bool = False  # fn(argparse.Namespace) instead of fn(quick: bool)


PARTS: dict[str, Part] = {
    "replay": Part("the order book: a LOBSTER-format day replayed and validated", "hftlab.tour:replay_part"),
    "market": Part("the market: execution and market-making agents among the historical flow", "hftlab.tour:market_part"),
    # parts whose function is still the ``tour(args)`` of a command module
    "train": Part("IPPO: agents trained against the baselines", "hftlab.commands.train:tour", takes_args=True),
    "bandits": Part("causal bandits: transfer through an abstraction", "hftlab.tour:bandits_part"),
    "fundgan": Part("fund strategies: the latent code of a GAN", "hftlab.commands.fundgan:tour", takes_args=True),
}
TITLES = {name: part.title for name, part in PARTS.items()}


def _function(name: str):
    """The part's function, or None when its module or function is missing."""
    module, _, attr = PARTS[name].target.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError:
        return None
    return getattr(mod, attr, None)


def available_parts() -> list[str]:
    """The parts whose function exists, in the tour's order."""
    return [name for name in PARTS if _function(name) is not None]


def run_part(name: str, quick: bool = False) -> list[Path]:
    """Run one part; returns the figures (PNG) it wrote, oldest first."""
    if name not in PARTS:
        from hftlab.errors import InputError

        raise InputError(f"tour: unknown part {name!r} (parts: {', '.join(PARTS)})")
    fn = _function(name)
    if fn is None:
        raise ModuleNotFoundError(f"tour part {name!r}: {PARTS[name].target} is not available")
    before = {p: p.stat().st_mtime_ns for p in figures_dir().glob("*.png")}
    fn(argparse.Namespace(quick=bool(quick), only=None)) if PARTS[name].takes_args else fn(bool(quick))
    pngs = [p for p in figures_dir().glob("*.png") if before.get(p) != p.stat().st_mtime_ns]
    return sorted(pngs, key=lambda p: p.stat().st_mtime_ns)


# --------------------------------------------------------------------------- the parts


def replay_part(quick: bool) -> None:
    """The order book: the bundled synthetic day replayed and validated, then k-step agreement."""
    from hftlab.lob import lobster, replays, stats, validate
    from hftlab.viz import save_chart
    from hftlab.viz.lob import agreement_chart, replay_figure

    day = lobster.load(lobster.BUNDLED)
    r = replays.replay_day(day, repeats=1 if quick else 3)
    print(replays.format_summary(r))
    paths = save_chart(replay_figure(r["final_l2"], stats.mid_spread_series(day), title=day.name), "tour_replay")
    print("figure     " + ", ".join(str(p) for p in paths))
    ks = validate.k_step(lobster.to_messages(day), day.orderbook, ks=(1, 10, 100), n_windows=200 if quick else 1000)
    print("k-step     " + "  ".join(f"k={int(k)}: {a:.3f}" for k, a in zip(ks["k"], ks["agreement"])))
    save_chart(agreement_chart(ks.assign(day=day.name)), "tour_replay_agreement")


def market_part(quick: bool) -> dict:
    """The market: the two-player world on the sample day and the fixed-policy baselines.

    Builds :func:`hftlab.env.world.two_player_world`; runs one episode with fixed actions
    and charts quotes, fills, inventory and PnL; then runs the world over many held-out
    windows and charts the shortfall distributions of the execution agents (learning, TWAP
    near / far touch) and the PnL distributions of the market makers (learning, fixed
    spread, Avellaneda–Stoikov). (Baselines in a learner's place, for evaluating learned
    policies: :func:`hftlab.env.baselines.baseline_config`.) Same library calls as
    ``notebooks/02_market_env.ipynb``.
    """
    import jax
    import numpy as np

    from hftlab.env.baselines import trace_episode, world_table
    from hftlab.env.world import two_player_world
    from hftlab.viz import save_chart
    from hftlab.viz.market import baselines_chart, episode_chart

    env, data, p_train, p_test = two_player_world(quick)
    print(f"data: {data}")
    print(f"world: {', '.join(f'{t} x{env.config.count(t)}' for t in env.types)}; "
          f"{env.config.episode_steps} steps x {env.config.messages_per_step} messages; "
          f"actions {{{', '.join(f'{t}: {env.num_actions(t)}' for t in env.learning_types)}}}")
    actions = {"execution": 3, "market_making": 5}  # 1x TWAP slice at the near touch; bid -1 tick / ask at the touch
    market, agents = trace_episode(env, p_train, 0, jax.random.PRNGKey(0), actions=actions)
    final = agents[agents["step"] == agents["step"].max()]
    for _, r in final.iterrows():
        print(f"  {r['agent']:20s} inventory {int(r['inventory']):6d}  PnL ${r['pnl']:9.2f}")
    save_chart(episode_chart(market, agents, "Two-player world, one episode"), "02_episode")

    lo, hi = int(p_test.window_lo), int(p_test.window_hi)
    windows = np.arange(lo, hi)[: (8 if quick else 64)]
    table = world_table(env, p_test, windows, jax.random.PRNGKey(1), actions=actions)
    summary = table.groupby("type")[["shortfall_bps", "fill_rate", "pnl", "fills"]].median()
    print(f"episodes on {len(windows)} held-out windows (medians):")
    print(summary.dropna(how="all").round(2).to_string())
    save_chart(baselines_chart(table), "02_baselines")
    return {"episode": (market, agents), "baselines": table}


def bandits_part(quick: bool) -> None:
    """Quick look: the advertising abstraction, its IC error, TOpt/IMIT/TExp vs UCB."""
    from hftlab.bandits import experiments as X
    from hftlab.bandits import models
    from hftlab.viz import save_chart
    from hftlab.viz import bandits as vb

    ab = models.advertising()
    print(f"advertising: {ab.n_base_arms} base arms -> {ab.n_abstract_arms} abstract arms, omega = {ab.omega.tolist()}, "
          f"IC error JS {ab.ic_error('js'):.4f}, W2 {ab.ic_error('wasserstein', 2):.4f}")
    r = X.camab_experiment("advertising", 64)
    for alg, a in r["algorithms"].items():
        pub = r["published"].get(alg)
        print(f"  {alg:<5} pseudo-regret {a['pseudo_regret']['mean']:6.2f} ± {a['pseudo_regret']['sd']:5.2f}"
              + (f"   (CAMAB code, realized: {pub})" if pub is not None else ""))
    print(f"  64 seeds x T=1000 in {r['wall_s']:.2f} s (+{r['compile_s']:.1f} s compile)")
    save_chart(vb.camab_regret_chart(r), "tour_bandits_advertising")
