"""The experiments of ``hftlab bandits`` and notebook 04, and the results table.

* CAMAB transfer (Zennaro et al. 2024): online advertising (T = 1000), the
  Zhang–Bareinboim task (T = 500, with B-UCB), TExp with an exact abstraction and with a
  reversed reward map (T = 500). One trial = UCB1 in the base bandit, then every
  algorithm in the abstract bandit; trials are vmapped over seeds.
* AT-UCB on the epidemic pair (ABM fine / ODE coarse), as a function of ε, against
  UCB1, Thompson sampling and ε-greedy on the fine bandit; vmapped over ε × seeds.

Algorithms are run by name through :mod:`hftlab.bandits.registry`, so a registered
algorithm joins the CAMAB experiments with ``camab_experiment(..., algorithms=...)``.
Every number is computed here, over seeds, with its spread. ``quick=True`` (the
command's ``--quick``, or ``HFTLAB_QUICK=1`` read by the command and notebook 04)
shrinks seeds, horizons and the epidemic's banks.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.bandits import environments as envs
from hftlab.bandits import metrics as M
from hftlab.bandits import models, registry
from hftlab.bandits.atucb import coarse_radius
from hftlab.bandits.environments import RewardTable
from hftlab.bandits.epidemic import EpidemicBanks, EpidemicConfig, lockdown_arms, measure_costs, simulate_banks
from hftlab.bandits.registry import BaseRun, Coarse, Problem
from hftlab.bandits.transfer import TransferMap, pad_transfer_map, transfer_map
from hftlab.bandits.ucb import recommended_arm
from hftlab.errors import InputError

# Final cumulative regret reported by the CAMAB code (realized regret, mean of 20 trials).
PUBLISHED = {
    "advertising": {"UCB": 35.5, "TOpt": 5.15, "IMIT": 27.75, "TExp": 29.8},
    "zhang_bareinboim": {"UCB": 7.4, "TOpt": 0.1, "IMIT": 12.55, "TExp": 4.5, "B-UCB": 2.75},
    "exact": {"UCB": 21.65, "TExp": 12.3},
    "reversed": {"UCB": 23.6, "TExp": 29.5},
}

CAMAB_EXPERIMENTS = {
    "advertising": ("online advertising (6 base -> 4 abstract arms)", 1000),
    "zhang_bareinboim": ("Zhang & Bareinboim task 1 (confounded base)", 500),
    "exact": ("TExp, exact abstraction (Time marginalised)", 500),
    "reversed": ("TExp, reversed reward map", 500),
}


def camab_abstraction(name: str):
    if name == "advertising":
        return models.advertising()
    if name == "zhang_bareinboim":
        return models.zhang_bareinboim()
    if name == "exact":
        return models.advertising_exact(False)
    if name == "reversed":
        return models.advertising_exact(True)
    raise InputError(f"unknown experiment {name!r} (choose from {', '.join(CAMAB_EXPERIMENTS)})")


def _summaries(arms, rewards, env, horizon: int, cps: np.ndarray) -> dict:
    """Metrics of a batch of runs ``arms, rewards: (S, T)``."""
    gaps = env.gaps
    curve = M.pseudo_regret_curve(arms, gaps)
    realized = M.realized_regret_curve(rewards, jnp.max(env.means))
    K = env.n_arms
    onehot = jax.nn.one_hot(arms, K)
    counts = onehot.sum(1)
    sums = (onehot * rewards[..., None]).sum(1)
    final = np.asarray(curve[:, -1])
    return {
        "pseudo_regret": M.summarize(final),
        "realized_regret": M.summarize(np.asarray(realized[:, -1])),
        "optimal_fraction": M.summarize(np.asarray(M.optimal_fraction(arms, gaps))),
        "simple_regret": M.summarize(np.asarray(M.simple_regret(counts, sums, gaps))),
        "curve": {"t": (cps + 1).tolist(), **{k: np.asarray(v).tolist() for k, v in M.summarize(np.asarray(curve[:, cps])).items() if k != "n"}},
    }


# The algorithms of the CAMAB experiments, in the order that gives each its key.
CAMAB_ALGORITHMS = ("TOpt", "IMIT", "UCB", "TExp", "B-UCB")


def camab_trial(
    key: jax.Array,
    base_env: RewardTable,
    abstract_env: RewardTable,
    tmap: TransferMap,
    c: float,
    horizon: int,
    bounds: tuple[jax.Array, jax.Array],
    algorithms: tuple[str, ...] = CAMAB_ALGORITHMS,
    limit: jax.Array | None = None,
) -> dict[str, tuple[jax.Array, jax.Array]]:
    """One CAMAB trial: UCB1 in the base bandit, then each of ``algorithms`` (registry
    names) in the abstract bandit, with the base agent's run as its transfer input and
    ``bounds = (lower, upper)`` on the abstract arm means. Returns ``{name: (arms,
    rewards)}``; vmap over ``key``. ``c`` is the exploration constant of every
    algorithm that has one. ``limit`` (traced) shortens the effective horizon below the
    compiled ``horizon`` (traces are then valid up to ``limit`` only).

    Keys: ``split(key, len(algorithms) + 2)``; key 0 is the base agent's run, key 2 the
    tie-break of its recommended arm, the others go to the algorithms in order (so
    appending an algorithm leaves the others' runs unchanged).
    """
    k_base, k_first, k_tie, *k_rest = jax.random.split(key, len(algorithms) + 2)
    base_state, (base_arms, _) = registry.get("UCB").run(k_base, Problem(base_env, tmap.base_valid, limit), horizon, c=c)
    base = BaseRun(base_state, base_arms, recommended_arm(k_tie, base_state), tmap)
    problem = Problem(abstract_env, tmap.abstract_valid, limit, bounds=bounds, transfer=base)
    out = {}
    for name, k in zip(algorithms, [k_first, *k_rest]):
        alg = registry.get(name)
        params = {"c": c} if "c" in alg.defaults else {}
        _, out[name] = alg.run(k, problem, horizon, **params)
    return out


PAD_ARMS = 6  # CAMAB problems are padded to this many arms (base and abstract) ...
PAD_HORIZON = 1000  # ... and compiled for this horizon, so all four share one compilation


@partial(jax.jit, static_argnames=("horizon", "algorithms"))
def _camab_batch(keys, base, abstract, tmap, c, bounds, limit, horizon: int, algorithms: tuple[str, ...]):
    """``camab_trial`` vmapped over seeds; environments are arguments (padded to common
    shapes), so experiments share one compilation."""
    return jax.vmap(lambda k: camab_trial(k, base, abstract, tmap, c, horizon, bounds, algorithms, limit))(keys)


def camab_experiment(name: str, n_seeds: int, horizon: int | None = None, seed: int = 0, c: float = math.sqrt(2.0),
                     algorithms: tuple[str, ...] = CAMAB_ALGORITHMS) -> dict:
    """Run one CAMAB experiment over ``n_seeds`` vmapped seeds; ``algorithms`` are
    registry names (B-UCB is reported only where the experiment has prior bounds)."""
    if n_seeds < 2:
        raise InputError(f"--seeds must be at least 2 (got {n_seeds})")
    if not algorithms:
        raise InputError("no algorithms to run")
    algorithms = tuple(registry.get(a).name for a in algorithms)
    title, default_h = CAMAB_EXPERIMENTS.get(name, (None, None))
    ab = camab_abstraction(name)
    horizon = int(horizon or default_h)
    if horizon < 2:
        raise InputError(f"--horizon must be at least 2 (got {horizon})")
    base, abstract = envs.base_env(ab), envs.abstract_env(ab)
    tmap = transfer_map(ab)
    kb, ka = max(PAD_ARMS, base.n_arms), max(PAD_ARMS, abstract.n_arms)
    V = max(base.values.shape[1], abstract.values.shape[1])
    base_p, abstract_p = envs.pad_table(base, kb, V), envs.pad_table(abstract, ka, V)
    tmap_p = pad_transfer_map(tmap, kb, ka)
    lower, upper = (np.full(ka, -np.inf, np.float32), np.full(ka, np.inf, np.float32))
    with_bounds = name == "zhang_bareinboim"
    if with_bounds:
        lo, hi = models.zhang_bareinboim_bounds()
        lower[: lo.size], upper[: hi.size] = lo, hi
    bounds = (jnp.asarray(lower), jnp.asarray(upper))
    keys = jax.random.split(jax.random.key(seed), n_seeds)
    compiled_h = max(horizon, PAD_HORIZON)
    args = (keys, base_p, abstract_p, tmap_p, jnp.float32(c), bounds, jnp.int32(horizon))
    t0 = time.perf_counter()
    # B-UCB runs in every experiment (with infinite bounds it is UCB1), so every
    # experiment has the same program; it is reported only where bounds exist.
    jax.block_until_ready(_camab_batch(*args, horizon=compiled_h, algorithms=algorithms))  # compile + first run
    t1 = time.perf_counter()
    out = jax.block_until_ready(_camab_batch(*args, horizon=compiled_h, algorithms=algorithms))
    t2 = time.perf_counter()
    out = {k: (a[:, :horizon], r[:, :horizon]) for k, (a, r) in out.items() if with_bounds or k != "B-UCB"}
    cps = M.checkpoints(horizon)
    algos = {alg: _summaries(a, r, abstract_p, horizon, cps) for alg, (a, r) in out.items()}
    return {
        "name": name,
        "title": title,
        "horizon": horizon,
        "n_seeds": n_seeds,
        "c": c,
        "wall_s": t2 - t1,
        "compile_s": max(0.0, (t1 - t0) - (t2 - t1)),
        "ic_error": {
            "js": ab.ic_error("js"),
            "w1": ab.ic_error("wasserstein", 1),
            "w2": ab.ic_error("wasserstein", 2),
        },
        "transfer": {"slope": tmap.slope, "intercept": tmap.intercept, "bound_error": tmap.error},
        "base_means": ab.base_means().tolist(),
        "abstract_means": ab.abstract_means().tolist(),
        "omega": ab.omega.tolist(),
        "algorithms": algos,
        "published": PUBLISHED.get(name, {}),
    }


# ------------------------------------------------------------------ AT-UCB on the epidemic


@dataclass(frozen=True)
class ATUCBSettings:
    horizon: int = 10_000
    n_seeds: int = 200
    n_prime: int = 2000  # coarse pulls per abstract arm
    delta: float = 0.05
    eps_multiples: tuple = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0)  # ε as multiples of ε*
    n_prime_grid: tuple = (50, 200, 800, 3200)
    n_fine: int = 512  # ABM runs per arm in the bank
    n_coarse: int = 512  # ODE runs per arm in the bank
    epidemic: EpidemicConfig = field(default_factory=EpidemicConfig)
    seed: int = 0

    @property
    def n_max(self) -> int:
        return max(self.n_prime, max(self.n_prime_grid))

    @property
    def n_eps(self) -> int:
        return len(self.eps_multiples) + 1  # + ε = ∞ (UCB1)

    @staticmethod
    def default(quick: bool = False) -> "ATUCBSettings":
        """The full settings, or with ``quick`` the small ones of quick mode."""
        if quick:
            return ATUCBSettings(horizon=2000, n_seeds=32, n_fine=64, n_coarse=128, n_prime=2000,
                                 n_prime_grid=(100, 500, 2000), epidemic=EpidemicConfig(grid=24))
        return ATUCBSettings()


def epidemic_banks(s: ATUCBSettings) -> tuple[EpidemicBanks, float]:
    t0 = time.perf_counter()
    banks = simulate_banks(jax.random.key(s.seed + 101), s.epidemic, lockdown_arms(), s.n_fine, s.n_coarse)
    return banks, time.perf_counter() - t0


@partial(jax.jit, static_argnames=("horizon", "n_max"))
def _atucb_batch(keys, fine, coarse, omega, eps, n_prime, cps, delta, horizon: int, n_max: int):
    """AT-UCB vmapped over (ε, n′) pairs (outer) × seeds (inner), reduced to small
    summaries: regret curve at ``cps``, surviving arms, optimal-pull fraction, simple regret.
    Environments are arguments, so same-shape calls share one compilation."""
    gaps = fine.gaps
    atucb = registry.get("AT-UCB")
    problem = Problem(fine, coarse=Coarse(coarse, omega))

    def one(key, e, npr):
        state, (arms, _) = atucb.run(key, problem, horizon, eps=e, n_prime=npr, delta=delta, n_max=n_max)
        curve = jnp.cumsum(gaps[arms])
        return curve[cps], state.active, M.optimal_fraction(arms, gaps), M.simple_regret(state.counts, state.sums, gaps)

    return jax.vmap(jax.vmap(one, in_axes=(0, None, None)), in_axes=(None, 0, 0))(keys, eps, n_prime)


# (label in the results, registry name, hyper-parameters) of the AT-UCB experiment's baselines
ATUCB_BASELINES = (("Thompson (Gaussian)", "Gaussian-TS", {}), ("eps-greedy (0.05)", "eps-greedy", {"eps": 0.05}))


ATUCB_STAGES = ("simulation banks", "ε sweep", "n′ sweep", "baselines", "costs")


def atucb_experiment(s: ATUCBSettings | None = None, banks: EpidemicBanks | None = None,
                     progress: bool = False) -> dict:
    """AT-UCB vs UCB1 / Thompson / ε-greedy on the ABM bandit, ε swept as multiples of ε*;
    ``progress``: a progress bar over its stages (:data:`ATUCB_STAGES`)."""
    from hftlab.progress import ProgressBar

    bar = ProgressBar(len(ATUCB_STAGES), desc="AT-UCB", unit="stage") if progress else None

    def stage(i: int) -> None:
        if bar is not None:
            bar(i, {})
            bar.bar.set_description(f"AT-UCB: {ATUCB_STAGES[i]}" if i < len(ATUCB_STAGES) else "AT-UCB: done")

    s = s or ATUCBSettings.default()
    bank_s = 0.0
    stage(0)
    if banks is None:
        banks, bank_s = epidemic_banks(s)
    stage(1)
    fine, coarse = envs.from_samples(banks.fine), envs.from_samples(banks.coarse)
    K = fine.n_arms
    omega = jnp.arange(K, dtype=jnp.int32)
    eps_star = banks.abstraction_error
    eps_values = [m * eps_star for m in s.eps_multiples] + [math.inf]
    cps = M.checkpoints(s.horizon)
    keys = jax.random.split(jax.random.key(s.seed), s.n_seeds)
    gaps = np.asarray(fine.gaps)
    best = int(np.argmin(gaps))

    # ε sweep at fixed n′ (ε = ∞ is UCB1: every arm survives, same keys)
    n_max = s.n_max
    def batch(keys, eps, n_prime):  # positional call: the same cache entry as ATUCBExplorer's
        return _atucb_batch(keys, fine, coarse, omega, eps, n_prime, jnp.asarray(cps), jnp.float32(s.delta), horizon=s.horizon, n_max=n_max)

    E = len(eps_values)
    eps_arr = jnp.asarray(eps_values, jnp.float32)
    np_arr = jnp.full((E,), s.n_prime, jnp.float32)
    t0 = time.perf_counter()
    jax.block_until_ready(batch(keys, eps=eps_arr, n_prime=np_arr))
    t1 = time.perf_counter()
    curves, active, optf, simple = jax.block_until_ready(batch(keys, eps=eps_arr, n_prime=np_arr))
    t2 = time.perf_counter()
    curves, active = np.asarray(curves), np.asarray(active)
    sweep = []
    for i, eps in enumerate(eps_values):
        sweep.append({
            "eps": eps,
            "eps_over_eps_star": (eps / eps_star) if math.isfinite(eps) and eps_star > 0 else math.inf,
            "pseudo_regret": M.summarize(curves[i, :, -1]),
            "surviving_arms": M.summarize(active[i].sum(-1)),
            "optimal_kept": float(active[i, :, best].mean()),
            "optimal_fraction": M.summarize(np.asarray(optf[i])),
            "simple_regret": M.summarize(np.asarray(simple[i])),
            "curve": {k: v.tolist() for k, v in M.summarize(curves[i, :, :]).items() if k != "n"},
        })

    stage(2)
    # n′ sweep at ε = ε* (lanes padded to the ε sweep's count: same compiled program)
    G = len(s.n_prime_grid)
    if G > E:
        raise InputError(f"at most {E} values of n' (got {G})")
    grid = np.full(E, s.n_prime_grid[-1], np.float32)
    grid[:G] = s.n_prime_grid
    curves_np, active_np, _, _ = jax.block_until_ready(
        batch(keys, eps=jnp.full((E,), eps_star, jnp.float32), n_prime=jnp.asarray(grid)))
    n_sweep = [{
        "n_prime": n,
        "beta_prime": float(coarse_radius(n, K, s.delta)),
        "pseudo_regret": M.summarize(np.asarray(curves_np[i, :, -1])),
        "surviving_arms": M.summarize(np.asarray(active_np[i]).sum(-1)),
        "optimal_kept": float(np.asarray(active_np[i, :, best]).mean()),
    } for i, n in enumerate(s.n_prime_grid)]

    stage(3)
    # baselines on the fine bandit
    baselines = {}
    for label, name, params in ATUCB_BASELINES:
        alg = registry.get(name)
        f = jax.jit(jax.vmap(lambda k: alg.run(k, Problem(fine), s.horizon, **params)[1]))
        tb0 = time.perf_counter()
        arms, rewards = jax.block_until_ready(f(keys))
        summ = _summaries(arms, rewards, fine, s.horizon, cps)
        summ["wall_s_incl_compile"] = time.perf_counter() - tb0
        baselines[label] = summ

    stage(4)
    costs = measure_costs(s.epidemic, banks.beta_ode)
    stage(5)
    if bar is not None:
        bar.close()
    return {
        "name": "atucb_epidemic",
        "title": "AT-UCB on the ABM (fine) / ODE (coarse) SIRS pair, lockdown arms",
        "horizon": s.horizon,
        "n_seeds": s.n_seeds,
        "n_prime": s.n_prime,
        "delta": s.delta,
        "beta_prime": float(coarse_radius(s.n_prime, K, s.delta)),
        "eps_star": eps_star,
        "wall_s": t2 - t1,
        "compile_s": max(0.0, (t1 - t0) - (t2 - t1)),
        "bank_s": bank_s,
        "costs": costs,
        "arms": banks.arms.tolist(),
        "fine_means": banks.fine_means.tolist(),
        "coarse_means": banks.coarse_means.tolist(),
        "beta_ode": banks.beta_ode,
        "abm_curve": banks.abm_curve.tolist(),
        "ode_curve": banks.ode_curve.tolist(),
        "epidemic": asdict(s.epidemic),
        "bank_sizes": {"fine": int(banks.fine.shape[1]), "coarse": int(banks.coarse.shape[1])},
        "t": (cps + 1).tolist(),
        "eps_sweep": sweep,
        "n_prime_sweep": n_sweep,
        "baselines": baselines,
    }


class ATUCBExplorer:
    """AT-UCB vs UCB1 on fixed epidemic banks, for the notebook's sliders.

    Runs are compiled once for ``settings.horizon``; a shorter horizon is the prefix of
    the curves (UCB1 and AT-UCB are anytime algorithms, so the prefix *is* the run with
    that horizon). ``ε`` is a traced argument: moving its slider does not recompile.
    """

    def __init__(self, banks: EpidemicBanks, settings: ATUCBSettings | None = None, n_seeds: int | None = None):
        self.s = settings or ATUCBSettings.default()
        self.banks = banks
        self.fine, self.coarse = envs.from_samples(banks.fine), envs.from_samples(banks.coarse)
        self.cps = M.checkpoints(self.s.horizon)
        self.keys = jax.random.split(jax.random.key(self.s.seed + 7), n_seeds or self.s.n_seeds)
        self.omega = jnp.arange(self.fine.n_arms, dtype=jnp.int32)

    @property
    def eps_star(self) -> float:
        return self.banks.abstraction_error

    def curves(self, eps_multiple: float) -> dict:
        """``{"curves": {"UCB1": {t, mean, sd}, "AT-UCB ...": {...}}, "surviving_arms": ...}``.

        Lanes are padded to the ε sweep's shape, so the sweep's compilation is reused."""
        E = self.s.n_eps
        eps = np.full(E, np.inf, np.float32)
        eps[1] = eps_multiple * self.eps_star
        n_prime = jnp.full((E,), self.s.n_prime, jnp.float32)
        curves, active, _, _ = _atucb_batch(self.keys, self.fine, self.coarse, self.omega, jnp.asarray(eps), n_prime,
                                            jnp.asarray(self.cps), jnp.float32(self.s.delta), horizon=self.s.horizon, n_max=self.s.n_max)
        curves = np.asarray(curves)
        out = {}
        for i, name in enumerate(["UCB1", f"AT-UCB (ε = {eps_multiple:.2f} ε*)"]):
            summ = M.summarize(curves[i])
            out[name] = {"t": (self.cps + 1).tolist(), "mean": summ["mean"], "sd": summ["sd"]}
        return {"curves": out, "surviving_arms": float(np.asarray(active[1]).sum(-1).mean())}


# ------------------------------------------------------------------ all + table


def run_all(n_seeds: int | None = None, experiments: tuple[str, ...] | None = None, atucb: ATUCBSettings | None = None,
            verbose: bool = False, quick: bool = False, progress: bool = False) -> dict:
    """Every experiment; ``n_seeds`` overrides the CAMAB seeds (default 300, with
    ``quick`` 48); ``atucb`` the AT-UCB settings (default ``ATUCBSettings.default(quick)``);
    ``progress``: a progress bar over the experiments."""
    from hftlab.progress import ProgressBar

    n = int(n_seeds or (48 if quick else 300))
    atucb = atucb or ATUCBSettings.default(quick)
    names = experiments or tuple(CAMAB_EXPERIMENTS) + ("atucb_epidemic",)
    bar = ProgressBar(len(names), desc="bandit experiments", unit="exp") if progress else None
    out = {}
    for i, name in enumerate(names):
        if bar is not None:
            bar(i, {})
            bar.bar.set_description(f"bandit experiments: {name}")
        t0 = time.perf_counter()
        if name == "atucb_epidemic":
            out[name] = atucb_experiment(atucb, progress=progress)
        else:
            out[name] = camab_experiment(name, n)
        out[name]["total_s"] = time.perf_counter() - t0
        if verbose:
            print(f"  {name}: {out[name]['total_s']:.1f} s", flush=True)
    if bar is not None:
        bar(len(names), {})
        bar.close()
    return out


def results_table(results: dict) -> pd.DataFrame:
    """One row per (experiment, algorithm): pseudo-regret mean ± sd, realized regret,
    the published (realized, 20 trials) figure, seeds, horizon."""
    rows = []
    for name, r in results.items():
        if name == "atucb_epidemic":
            for e in r["eps_sweep"]:
                label = "UCB1 (AT-UCB, eps=inf)" if not math.isfinite(e["eps"]) else f"AT-UCB eps={e['eps_over_eps_star']:.1f}eps*"
                rows.append({"experiment": name, "algorithm": label, "pseudo_regret_mean": e["pseudo_regret"]["mean"],
                             "pseudo_regret_sd": e["pseudo_regret"]["sd"], "realized_regret_mean": np.nan,
                             "published": np.nan, "surviving_arms": e["surviving_arms"]["mean"],
                             "seeds": r["n_seeds"], "horizon": r["horizon"]})
            for alg, b in r["baselines"].items():
                rows.append({"experiment": name, "algorithm": alg, "pseudo_regret_mean": b["pseudo_regret"]["mean"],
                             "pseudo_regret_sd": b["pseudo_regret"]["sd"], "realized_regret_mean": b["realized_regret"]["mean"],
                             "published": np.nan, "surviving_arms": np.nan, "seeds": r["n_seeds"], "horizon": r["horizon"]})
            continue
        for alg, a in r["algorithms"].items():
            rows.append({"experiment": name, "algorithm": alg, "pseudo_regret_mean": a["pseudo_regret"]["mean"],
                         "pseudo_regret_sd": a["pseudo_regret"]["sd"], "realized_regret_mean": a["realized_regret"]["mean"],
                         "published": r["published"].get(alg, np.nan), "surviving_arms": np.nan,
                         "seeds": r["n_seeds"], "horizon": r["horizon"]})
    return pd.DataFrame(rows)


def json_summary(results: dict) -> dict:
    """The ``--json`` payload: per experiment and algorithm the final pseudo-regret
    (mean, sd over seeds), seeds, horizon, wall time; plus the experiment's details."""
    out = {}
    for name, r in results.items():
        entry = {"title": r["title"], "horizon": r["horizon"], "n_seeds": r["n_seeds"], "wall_s": r["wall_s"],
                 "compile_s": r["compile_s"], "total_s": r.get("total_s"), "algorithms": {}}
        if name == "atucb_epidemic":
            for e in r["eps_sweep"]:
                label = "UCB1" if not math.isfinite(e["eps"]) else f"AT-UCB(eps={e['eps']:.4f})"
                entry["algorithms"][label] = {"pseudo_regret_mean": e["pseudo_regret"]["mean"], "pseudo_regret_sd": e["pseudo_regret"]["sd"],
                                              "surviving_arms_mean": e["surviving_arms"]["mean"], "optimal_kept": e["optimal_kept"]}
            for alg, b in r["baselines"].items():
                entry["algorithms"][alg] = {"pseudo_regret_mean": b["pseudo_regret"]["mean"], "pseudo_regret_sd": b["pseudo_regret"]["sd"]}
            entry.update({k: r[k] for k in ("eps_star", "n_prime", "delta", "beta_prime", "costs", "bank_s", "n_prime_sweep")})
            entry["n_prime_sweep"] = [{k: (v["mean"] if isinstance(v, dict) else v) for k, v in d.items()} for d in r["n_prime_sweep"]]
        else:
            for alg, a in r["algorithms"].items():
                entry["algorithms"][alg] = {"pseudo_regret_mean": a["pseudo_regret"]["mean"], "pseudo_regret_sd": a["pseudo_regret"]["sd"],
                                            "realized_regret_mean": a["realized_regret"]["mean"], "realized_regret_sd": a["realized_regret"]["sd"],
                                            "published_realized": r["published"].get(alg)}
            entry["ic_error"] = r["ic_error"]
        out[name] = entry
    return _jsonable(out)


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    return x
