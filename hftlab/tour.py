"""The tour: every capability on the bundled sample data, part by part, in the notebook order.

A part prints its summary and writes its figures to ``figures/``. ``hftlab tour`` runs the
parts one after another; ``notebooks/00_tour.ipynb`` runs them through :func:`run_part` and
shows the figures they wrote. Quick mode is an argument (``quick``), never read here.

The registry :data:`PARTS` (at the end of the module) maps a part's name to its title and its
function ``fn(quick: bool)``; each function imports what it needs when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from hftlab.config import figures_dir


@dataclass(frozen=True)
class Part:
    title: str
    run: Callable[[bool], object]  # fn(quick)


def run_part(name: str, quick: bool = False) -> list[Path]:
    """Run one part; returns the figures (PNG) it wrote, oldest first."""
    if name not in PARTS:
        from hftlab.errors import InputError

        raise InputError(f"tour: unknown part {name!r} (parts: {', '.join(PARTS)})")
    before = {p: p.stat().st_mtime_ns for p in figures_dir().glob("*.png")}
    PARTS[name].run(bool(quick))
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


def fundgan_part(quick: bool) -> None:
    """A quick-mode-sized pass: the bundled small universe, one short training, probes and errors."""
    from hftlab.fundgan.configs import TrainConfig
    from hftlab.fundgan.encode import encode_funds, generation_phi
    from hftlab.fundgan.heldout import heldout_errors
    from hftlab.fundgan.probes import probe_recall
    from hftlab.fundgan.train import train
    from hftlab.fundgan.universe import load_universe, sample_path
    from hftlab.viz import save_chart
    from hftlab.viz import fundgan as fv

    u = load_universe(sample_path())
    calib = u.calibration()
    print(f"sample universe: {u.n_funds} funds, {u.n_months} months, {u.n_stocks} stocks; "
          f"median holdings {calib.value[0]:.0f}, HHI {calib.value[1]:.3f}, turnover {calib.value[2]:.3f}")
    cfg = TrainConfig(iterations=150, test_months=12, chunk=25)
    m = train(u, cfg, seed=0, progress=False)
    phi = encode_funds(m, u)
    rec = probe_recall(phi, u.style_codes(), "linear")
    err = heldout_errors(m, u, generation_phi(m, u))  # the model generates with phi over all training months
    print(f"trained {cfg.iterations} iterations in {m.train_seconds:.1f} s (+{m.compile_seconds:.1f} s compile); "
          f"linear probe macro recall {rec:.2f}")
    print(err.round(4).to_string())
    save_chart(fv.latent_chart(phi, u.funds["style"]), "tour_fundgan_latent")


def train_part(quick: bool) -> None:
    """IPPO on the bundled day at smoke-test size (always, whatever ``quick``): 2 seeds, a few updates,
    the held-out table and the training figures."""
    from hftlab import configs
    from hftlab.study.market import format_summary, run_experiment
    from hftlab.viz.rl import save_training_figures

    cfg = configs.load(None, quick_mode=True)
    t = cfg.train
    print(f"IPPO (sample_day, quick): {len(cfg.seeds)} seeds × {t.num_envs} envs × {t.num_steps} steps × "
          f"{cfg.updates} updates on {cfg.day}")
    result = run_experiment(cfg, progress=False)
    print(format_summary(result))
    paths = save_training_figures(result)
    print(f"figures: {', '.join(p.name for p in paths if str(p).endswith('.png'))}")


PARTS: dict[str, Part] = {
    "replay": Part("the order book: a LOBSTER-format day replayed and validated", replay_part),
    "market": Part("the market: execution and market-making agents among the historical flow", market_part),
    "train": Part("IPPO: agents trained against the baselines", train_part),
    "bandits": Part("causal bandits: transfer through an abstraction", bandits_part),
    "fundgan": Part("fund strategies: the latent code of a GAN", fundgan_part),
}
TITLES = {name: part.title for name, part in PARTS.items()}
