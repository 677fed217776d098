"""The IPPO market experiment end to end: data → train over seeds (one call) → held-out evaluation.

Protocol (the project spec's): train on the first part of a day's windows, evaluate the
greedy policies on the later windows (no shared messages, :func:`hftlab.env.split_windows`)
— or on another day — against the fixed-policy baselines on the same windows and keys;
every training seed separately; a claim holds only if it holds for every seed. When the
task side is random per episode (``exec_side=0``, the default), every held-out window is
run twice, as a buy and as a sell task, with the same keys: the price's direction over the
window then cancels out of the mean shortfall, which measures the cost of executing rather
than which way the market went (a single random side per window leaves differences of
several bps between policies to chance).

A run can also train ``restarts`` R > 1 independent runs per seed (different network
initialisations and rollout noise, all in the same compiled call) and keep, per agent type,
the one with the best score on the *training* windows (:func:`select_restarts`:
lowest execution shortfall, highest market-making PnL, the same protocol as the held-out
evaluation). Nothing about the held-out windows enters the choice; it only removes runs
that the optimiser left in a poor local optimum, which the training windows show plainly.
Each seed's reported result is its chosen run; the scores of all R runs are kept
(``ExperimentResult.selection``).

``run_experiment(ExperimentSpec(...))`` is what ``hftlab train`` and the notebook call;
:meth:`ExperimentResult.to_json` is the ``--json`` output.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.config import pick
from hftlab.errors import InputError
from hftlab.rl.config import AgentConfig, TrainConfig, default_hparams
from hftlab.rl.evaluate import evaluate, summarize
from hftlab.rl.ippo import TqdmProgress, make_train
from hftlab.rl.sweep import hparams_for


@dataclass(frozen=True)
class ExperimentSpec:
    """Everything that defines one run (defaults: full size; :meth:`quick_default` shrinks it)."""

    day: str = "bundled"  # "bundled" or a path to a LOBSTER day (.zip or message CSV)
    heldout_day: str | None = None  # evaluate on another day instead of the later windows
    seeds: tuple[int, ...] = (0, 1, 2, 3)
    restarts: int = 2  # runs per seed; each seed keeps, per agent type, its best run on the selection windows
    select_on: str = "train"  # restarts are compared on "train" windows, or on "validation" windows held out of training
    validation_fraction: float = 0.2  # with select_on="validation": the last share of the training windows, not trained on
    num_envs: int = 128
    num_steps: int = 32
    updates: int = 400
    update_epochs: int = 4
    num_minibatches: int = 4
    lr: float = 1e-3
    ent_coef: float = 0.001
    reward_scale: float = 0.1
    gae_lambda: float = 0.95
    gamma: float = 1.0  # finite-horizon episodes: undiscounted
    network: str = "mlp"
    hidden: int = 64
    inventory_penalty: float = 0.03
    messages_per_step: int = 50
    episode_steps: int = 32
    train_fraction: float = 0.75
    max_eval_windows: int = 64
    window_stride: int = 50  # messages between window starts (0: half a window)
    exec_side: int = 0  # execution task side: +1 buy, -1 sell, 0 random per episode (drift cancels)
    drift_weight: float = 0.0  # weight of the arrival-drift term in the execution reward (training only; 0: noise for a side-blind policy)
    observation: str = "depth"  # "depth": features + 5 levels of depth per side; "compact": the features only
    exec_features: str = "schedule_side_blind"  # a set of hftlab.env.wrappers.FEATURE_SETS ("schedule": schedule state and spread only; "side_blind": all but the side)
    exec_actions: str = "schedule"  # "schedule": multiples of the TWAP schedule's due quantity; "env": qty_levels
    progress: bool = False

    @classmethod
    def quick_default(cls, **kw) -> "ExperimentSpec":
        base = dict(seeds=(0, 1), restarts=1, num_envs=8, num_steps=8, updates=3, update_epochs=2, num_minibatches=2,
                    hidden=32, messages_per_step=25, episode_steps=8, max_eval_windows=8, window_stride=0)
        base.update(kw)
        return cls(**base)

    @classmethod
    def default(cls, **kw) -> "ExperimentSpec":
        return pick(cls(**kw), cls.quick_default(**kw))

    def train_config(self) -> TrainConfig:
        a = AgentConfig(network=self.network, hidden=(self.hidden, self.hidden), gru_size=self.hidden, lr=self.lr,
                        ent_coef=self.ent_coef, reward_scale=self.reward_scale, gae_lambda=self.gae_lambda,
                        gamma=self.gamma)
        return TrainConfig(num_envs=self.num_envs, num_steps=self.num_steps,
                           total_timesteps=self.num_envs * self.num_steps * self.updates,
                           update_epochs=self.update_epochs, num_minibatches=self.num_minibatches,
                           agents=(("execution", a), ("market_making", a)),
                           progress_every=max(1, self.updates // 20) if self.progress else 0)

    def check(self) -> None:
        if len(self.seeds) < 1:
            raise InputError("experiment: needs at least one seed")
        if not isinstance(self.restarts, int) or self.restarts < 1:
            raise InputError(f"experiment: restarts must be a positive integer (got {self.restarts!r})")
        if self.select_on not in ("train", "validation"):
            raise InputError(f"experiment: select_on must be 'train' or 'validation' (got {self.select_on!r})")
        if not 0.0 < self.validation_fraction < 1.0:
            raise InputError(f"experiment: validation_fraction must lie in (0, 1) (got {self.validation_fraction})")
        if self.updates < 1:
            raise InputError(f"experiment: updates must be at least 1 (got {self.updates})")
        if self.exec_actions not in ("schedule", "env"):
            raise InputError(f"experiment: exec_actions must be 'schedule' or 'env' (got {self.exec_actions!r})")
        if self.observation not in ("depth", "compact"):
            raise InputError(f"experiment: observation must be 'depth' or 'compact' (got {self.observation!r})")
        from hftlab.env.wrappers import FEATURE_SETS

        if self.exec_features not in FEATURE_SETS:
            raise InputError(f"experiment: exec_features must be one of {sorted(FEATURE_SETS)} (got {self.exec_features!r})")
        if self.exec_side not in (-1, 0, 1):
            raise InputError(f"experiment: exec_side must be +1 (buy), -1 (sell) or 0 (random), got {self.exec_side}")
        if self.window_stride < 0:
            raise InputError(f"experiment: window_stride must be >= 0 (got {self.window_stride})")
        if self.max_eval_windows < 1:
            raise InputError(f"experiment: max_eval_windows must be at least 1 (got {self.max_eval_windows})")
        self.train_config().check(("execution", "market_making"))


SCHEDULE_MULTIPLES = (1, 2)  # execution actions: 1x or 2x the due quantity, at each price level


def load_day(day: str):
    from hftlab.lob import lobster

    if day in ("bundled", "", None):
        return lobster.sample_day()
    return lobster.load_day(day)


def market_setup(spec: ExperimentSpec):
    """``(env, train_params, heldout_params, heldout_windows, info)`` for ``spec``."""
    from hftlab.env import EnvConfig, MarketEnv, load_market_data, split_windows
    from hftlab.env.data import first_window_after

    window_len = spec.messages_per_step * spec.episode_steps
    stride = spec.window_stride or None
    data = load_market_data(load_day(spec.day), window_len=window_len, stride=stride)
    if spec.heldout_day:
        test_data = load_market_data(load_day(spec.heldout_day), window_len=window_len, stride=stride)
        train_range, test_range = (0, data.num_windows), (0, test_data.num_windows)
    else:
        test_data = data
        train_range, test_range = split_windows(data, spec.train_fraction)
    val_range = None
    if spec.select_on == "validation":  # the last part of the training windows, no messages shared with the rest
        lo, hi = train_range
        cut = lo + int(round((hi - lo) * (1.0 - spec.validation_fraction)))
        v_lo = first_window_after(data, max(cut, lo + 1) - 1)
        if not lo < cut <= v_lo < hi:
            raise InputError(f"experiment: {data.name or 'the day'} has too few training windows ({hi - lo}) "
                             f"for a validation share of {spec.validation_fraction}")
        train_range, val_range = (lo, cut), (v_lo, hi)
    peak = max(data.peak_orders, test_data.peak_orders, data.levels)
    capacity = int(2 ** np.ceil(np.log2(peak + 16)))
    actions = dict(execution_actions="schedule", exec_qty_multiples=SCHEDULE_MULTIPLES) \
        if spec.exec_actions == "schedule" else {}
    env = MarketEnv(EnvConfig(messages_per_step=spec.messages_per_step, episode_steps=spec.episode_steps,
                              capacity=capacity, observation=spec.observation, **actions))
    if spec.exec_features != "all":
        from hftlab.env.wrappers import FeatureSubset

        env = FeatureSubset.named(env, spec.exec_features)
    task = dict(inventory_penalty=spec.inventory_penalty, exec_side=spec.exec_side)
    p_train = env.default_params(data, train_range, drift_weight=spec.drift_weight, **task)
    p_test = env.default_params(test_data, test_range, **task)
    lo, hi = test_range
    windows = np.arange(lo, hi, dtype=np.int32)
    if windows.size > spec.max_eval_windows:  # evenly spread over the held-out range
        windows = windows[np.linspace(0, windows.size - 1, spec.max_eval_windows).round().astype(int)]
    info = {"train_day": data.name, "heldout_day": test_data.name, "train_windows": list(train_range),
            "heldout_windows": [int(lo), int(hi)], "window_messages": window_len, "capacity": capacity}
    if val_range is not None:
        info["validation_windows"] = [int(v) for v in val_range]
    return env, p_train, p_test, windows, info


def restart_keys(seeds, restarts: int = 1) -> jnp.ndarray:
    """PRNG keys of every (seed, restart), seed-major: restart 0 is ``PRNGKey(seed)`` itself."""
    keys = []
    for s in seeds:
        k = jax.random.PRNGKey(int(s))
        keys += [k] + [jax.random.fold_in(k, r) for r in range(1, restarts)]
    return jnp.stack(keys)


def selection_windows(setup: dict, max_windows: int = 48, which: str = "train") -> np.ndarray:
    """Up to ``max_windows`` window indices spread evenly over the ``which`` range of ``setup``
    (``"train"`` or ``"validation"``)."""
    lo, hi = setup[f"{which}_windows"]
    return np.unique(np.linspace(lo, hi - 1, min(max_windows, hi - lo)).round().astype(np.int32))


def in_sample_scores(params, env, env_params, windows, spec: ExperimentSpec) -> dict:
    """Greedy learned policies on training or validation ``windows`` (the held-out protocol, no baselines):
    ``{"execution": mean shortfall (bps), "market_making": mean PnL}``."""
    tab = evaluate_sides(params, env, windows, env_params, spec, baselines=False)
    return {"execution": float(tab[tab.type == "execution"].shortfall_bps.mean()),
            "market_making": float(tab[tab.type == "market_making"].pnl.mean())}


SELECT_BETTER = {"execution": np.argmin, "market_making": np.argmax}  # shortfall: lower; PnL: higher


def select_restarts(params, metrics, env, env_params, windows, spec: ExperimentSpec):
    """Per seed and agent type, the restart with the best in-sample score (:func:`in_sample_scores`).

    ``params`` / ``metrics`` leaves carry a leading (seed × restart) axis, seed-major.
    Returns ``(params, metrics, selection)``: leaves with a leading seed axis, each type's
    taken from its chosen restart, and per seed ``{type: {"in_sample": [score per restart],
    "chosen": index}}``.
    """
    S, R = len(spec.seeds), spec.restarts
    split = lambda x: np.asarray(x).reshape((S, R) + np.asarray(x).shape[1:])  # noqa: E731
    params = jax.tree_util.tree_map(split, params)
    metrics = jax.tree_util.tree_map(split, metrics)
    selection = []
    for i in range(S):
        scores = [in_sample_scores(jax.tree_util.tree_map(lambda x: x[i, r], params), env, env_params, windows, spec)
                  for r in range(R)]
        entry = {}
        for t, best in SELECT_BETTER.items():
            vals = [sc[t] for sc in scores]
            entry[t] = {"in_sample": vals, "chosen": int(best(vals))}
        selection.append(entry)
    pick_t = lambda t, x: np.stack([x[i, selection[i][t]["chosen"]] for i in range(S)])  # noqa: E731
    new_params = {t: jax.tree_util.tree_map(lambda x: pick_t(t, x), params[t]) for t in params}
    new_metrics = {t: (jax.tree_util.tree_map(lambda x: pick_t(t, x), m) if t in SELECT_BETTER else m[:, 0])
                   for t, m in metrics.items()}
    return new_params, new_metrics, selection


def train_seeds(train, env_params, seeds, hparams=None, jit: bool = True):
    """Train every seed in one ``vmap``-ed call; outputs carry a leading seed axis."""
    keys = jnp.stack([jax.random.PRNGKey(int(s)) for s in seeds])
    hparams = hparams if hparams is not None else default_hparams(train.config, train.types)
    f = jax.vmap(train, in_axes=(0, None, None))
    return (jax.jit(f) if jit else f)(keys, env_params, hparams)


@dataclass
class ExperimentResult:
    spec: ExperimentSpec
    metrics: dict  # {type: {name: (S, U)}}, "env_steps": (S, U)
    params: dict  # leaves (S, ...)
    table: pd.DataFrame  # tidy held-out evaluation, column "seed"
    setup: dict
    timings: dict = field(default_factory=dict)
    market: tuple | None = field(default=None, repr=False)  # (env, training env params) of the run
    selection: list | None = None  # per seed, with restarts > 1: each type's in-sample scores and chosen restart

    def seed_summary(self) -> pd.DataFrame:
        """Per seed and policy: mean of the key metrics on the held-out windows."""
        rows = []
        for seed, g in self.table.groupby("seed"):
            for _, r in summarize(g).iterrows():
                rows.append({"seed": int(seed), **r.to_dict()})
        return pd.DataFrame(rows)

    def verdict(self) -> dict:
        """Does the learned agent beat every baseline for every seed (held-out means)?

        Execution: lower mean shortfall (bps) than TWAP near and far touch. Market
        making: higher mean PnL than fixed spread and Avellaneda–Stoikov (inventory
        standard deviation reported beside it, not part of the verdict).
        """
        s = self.seed_summary()
        out = {}
        for t, metric, better in (("execution", "shortfall_bps_mean", np.less),
                                  ("market_making", "pnl_mean", np.greater)):
            st = s[s.type == t]
            if st.empty:
                continue
            per_seed = []
            for seed, g in st.groupby("seed"):
                mine = float(g[g.policy == "ippo"][metric].iloc[0])
                base = g[g.policy != "ippo"]
                per_seed.append(all(better(mine, float(v)) for v in base[metric]))
            out[t] = {"beats_all_baselines_every_seed": bool(all(per_seed)),
                      "seeds_beating_all_baselines": int(sum(per_seed)), "seeds": len(per_seed)}
        return out

    def to_json(self) -> dict:
        ss = self.seed_summary()
        steps = int(np.asarray(self.metrics["env_steps"])[0, -1])
        seeds = []
        for seed, g in ss.groupby("seed"):
            entry = {"seed": int(seed)}
            ex = g[g.type == "execution"]
            if not ex.empty:
                entry["execution"] = {r.policy: {"shortfall_bps": r.shortfall_bps_mean, "fill_rate": r.fill_rate_mean}
                                      for r in ex.itertuples()}
            mm = g[g.type == "market_making"]
            if not mm.empty:
                entry["market_making"] = {r.policy: {"pnl": r.pnl_mean, "inventory_std": r.inventory_std_mean}
                                          for r in mm.itertuples()}
            seeds.append(entry)
        return {
            "spec": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self.spec).items()},
            "setup": self.setup,
            "num_windows": int(self.table.window.nunique()),
            "task_sides_per_window": len(eval_sides(self.spec)),
            "env_steps_per_seed": steps,  # of one run; a seed with restarts trains `restarts` runs
            "env_steps_total": steps * len(self.spec.seeds) * self.spec.restarts,  # every run trained
            "wall_time_s": self.timings,
            "restarts": self.spec.restarts,
            **({"selection": {str(s): sel for s, sel in zip(self.spec.seeds, self.selection)}} if self.selection else {}),
            "seeds": seeds,
            "verdict": self.verdict(),
        }


def eval_sides(spec: ExperimentSpec) -> tuple[int, ...]:
    """Task sides each held-out window is evaluated with: both for a random side, else the fixed one."""
    return (1, -1) if spec.exec_side == 0 else (spec.exec_side,)


def evaluate_sides(params, env, windows, env_params, spec: ExperimentSpec, baselines: bool = True) -> pd.DataFrame:
    """:func:`hftlab.rl.evaluate.evaluate` once per side of :func:`eval_sides` (column ``side``), same keys."""
    frames = []
    for side in eval_sides(spec):
        p_side = env_params.replace(exec_side=jnp.asarray(side, jnp.asarray(env_params.exec_side).dtype))
        tab = evaluate(params, env, windows, jax.random.PRNGKey(10_000), env_params=p_side, config=spec.train_config(),
                       baselines=baselines)
        tab.insert(0, "side", side)
        frames.append(tab)
    return pd.concat(frames, ignore_index=True)


def run_experiment(spec: ExperimentSpec, log=print) -> ExperimentResult:
    """Train ``spec.seeds`` in one compiled call, then evaluate each seed on the held-out windows."""
    spec.check()
    t_all = time.perf_counter()
    env, p_train, p_test, windows, setup = market_setup(spec)
    config = spec.train_config()
    progress = TqdmProgress(spec.updates, desc=f"IPPO ×{len(spec.seeds)} seeds") if spec.progress else None
    train = make_train(config, env, progress=progress)
    hp = hparams_for({}, default_hparams(config, train.types), train.types, p_train)
    keys = restart_keys(spec.seeds, spec.restarts)
    fn = jax.jit(jax.vmap(train, in_axes=(0, None, None)))
    t0 = time.perf_counter()
    compiled = fn.lower(keys, p_train, hp).compile()
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = jax.device_get(compiled(keys, p_train, hp))
    t_train = time.perf_counter() - t0
    if progress is not None:
        progress.close()
    runs = len(spec.seeds) * spec.restarts
    log(f"trained {len(spec.seeds)} seeds" + (f" × {spec.restarts} restarts" if spec.restarts > 1 else "")
        + f" × {config.total_timesteps:,} env steps: compile {t_compile:.1f} s, "
        f"run {t_train:.1f} s ({runs * config.total_timesteps / t_train:,.0f} env steps/s)")
    selection, t_select = None, 0.0
    if spec.restarts > 1:
        t0 = time.perf_counter()
        params_all, metrics, selection = select_restarts(out["params"], out["metrics"], env, p_train,
                                                         selection_windows(setup, which=spec.select_on), spec)
        out = {"params": params_all, "metrics": metrics}
        t_select = time.perf_counter() - t0
        log(f"chose each seed's best of {spec.restarts} restarts on the {spec.select_on} windows in {t_select:.1f} s: "
            + ", ".join(f"seed {s}: " + "/".join(str(sel[t]["chosen"]) for t in SELECT_BETTER)
                        for s, sel in zip(spec.seeds, selection)) + " (execution/market making)")
    t0 = time.perf_counter()
    frames = []
    for i, s in enumerate(spec.seeds):
        params = jax.tree_util.tree_map(lambda x: x[i], out["params"])
        # every baseline trades beside this seed's learned partner, so baselines run per seed
        tab = evaluate_sides(params, env, windows, p_test, spec)
        tab.insert(0, "seed", int(s))
        frames.append(tab)
    t_eval = time.perf_counter() - t0
    timings = {"compile": round(t_compile, 2), "train": round(t_train, 2),
               **({"select": round(t_select, 2)} if spec.restarts > 1 else {}), "evaluate": round(t_eval, 2),
               "total": round(time.perf_counter() - t_all, 2)}
    log(f"evaluated on {len(windows)} held-out windows × {len(eval_sides(spec))} task side(s) in {t_eval:.1f} s")
    return ExperimentResult(spec=spec, metrics=out["metrics"], params=out["params"],
                            table=pd.concat(frames, ignore_index=True), setup=setup, timings=timings,
                            market=(env, p_train), selection=selection)


def generalization_gap(result: ExperimentResult, max_windows: int = 48) -> pd.DataFrame:
    """Execution shortfall of every policy on training windows beside the held-out one, per seed.

    Same protocol as the held-out evaluation (both task sides, same keys) on up to
    ``max_windows`` windows spread over the training range. A learned policy far better
    in-sample than out of sample has learned the day, not how to execute.
    """
    spec = result.spec
    env, p_train = result.market if result.market is not None else market_setup(spec)[:2]
    windows = selection_windows(result.setup, max_windows)
    rows = []
    for i, s in enumerate(spec.seeds):
        params = jax.tree_util.tree_map(lambda x: x[i], result.params)
        tab = evaluate_sides(params, env, windows, p_train, spec)
        tab = tab[tab.type == "execution"]
        rows += [{"seed": int(s), "policy": pol, "windows": "train", "shortfall_bps": v}
                 for pol, v in tab.groupby("policy")["shortfall_bps"].mean().items()]
    train = pd.DataFrame(rows)
    held = result.table[result.table.type == "execution"].groupby(["seed", "policy"], as_index=False)[
        "shortfall_bps"].mean().assign(windows="held-out")
    return pd.concat([train, held], ignore_index=True)


def format_summary(result: ExperimentResult) -> str:
    """Plain-text table: per policy, mean ± sd over seeds of the per-seed held-out means."""
    ss = result.seed_summary()
    lines = [f"{'type':<14} {'policy':<19} {'metric':<14} {'mean ± sd over seeds':>24} {'seeds':>5}"]
    for t, metrics in (("execution", ("shortfall_bps", "fill_rate")), ("market_making", ("pnl", "inventory_std"))):
        for pol, g in ss[ss.type == t].groupby("policy", sort=False):
            for m in metrics:
                v = g[f"{m}_mean"].to_numpy()
                sd = v.std(ddof=1) if v.size > 1 else 0.0
                lines.append(f"{t:<14} {pol:<19} {m:<14} {v.mean():>12.3f} ± {sd:<9.3f} {v.size:>5}")
    for t, v in result.verdict().items():
        lines.append(f"{t}: beats every baseline on every seed: {'YES' if v['beats_all_baselines_every_seed'] else 'NO'} "
                     f"({v['seeds_beating_all_baselines']}/{v['seeds']} seeds)")
    return "\n".join(lines)


def json_summary(out: dict) -> pd.DataFrame:
    """Mean ± sd over seeds of the per-seed held-out means, from :meth:`ExperimentResult.to_json` output.

    One row per (type, policy, metric): ``mean``, ``sd`` (over seeds, ddof 1), ``min``, ``max``, ``seeds``.
    Reads the file ``hftlab train --json`` writes, so a notebook can show a recorded full run.
    """
    if not isinstance(out, dict) or "seeds" not in out:
        raise InputError("json_summary: expected the output of ExperimentResult.to_json (a dict with 'seeds')")
    vals: dict = {}
    for entry in out["seeds"]:
        for t in ("execution", "market_making"):
            for pol, metrics in entry.get(t, {}).items():
                for m, v in metrics.items():
                    vals.setdefault((t, pol, m), []).append(float(v))
    rows = []
    for (t, pol, m), v in vals.items():
        a = np.asarray(v)
        rows.append({"type": t, "policy": pol, "metric": m, "mean": a.mean(),
                     "sd": a.std(ddof=1) if a.size > 1 else 0.0, "min": a.min(), "max": a.max(), "seeds": a.size})
    return pd.DataFrame(rows)


RESULTS_DIR = __import__("pathlib").Path(__file__).resolve().parent / "results"


def seeds_with_lower_inventory_risk(out: dict) -> list[bool]:
    """Per seed of a ``to_json`` output: is the learned market maker's inventory std below every MM baseline's?"""
    flags = []
    for entry in out["seeds"]:
        mm = entry["market_making"]
        flags.append(all(mm["ippo"]["inventory_std"] < mm[b]["inventory_std"] for b in mm if b != "ippo"))
    return flags


def seeds_beating_twaps_in_sample(out: dict) -> list[bool]:
    """Per seed of a ``hftlab train --json`` output: is the learned execution agent's shortfall on the
    *training* windows (``execution_in_sample``) below every execution baseline's there?"""
    return [all(d["ippo"] < v for pol, v in d.items() if pol != "ippo") for d in out["execution_in_sample"].values()]


def seeds_choosing_best_restart(out: dict) -> list[bool]:
    """Per seed of a ``hftlab train --json`` output with restarts: is each agent type's chosen run the one
    with the best score on the selection windows (``selection``; lowest shortfall, highest PnL)?"""
    best = {"execution": min, "market_making": max}
    return [all(sel[t]["in_sample"][sel[t]["chosen"]] == best[t](sel[t]["in_sample"]) for t in best)
            for sel in out["selection"].values()]


def load_recorded(name: str) -> dict:
    """A recorded ``hftlab train --json`` output shipped with the package (``hftlab/rl/results/<name>.json``).

    These are the full runs the README quotes; the command that wrote each is in its ``"command"`` field.
    """
    import json

    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        known = sorted(p.stem for p in RESULTS_DIR.glob("*.json")) if RESULTS_DIR.exists() else []
        raise InputError(f"load_recorded: no recorded run {name!r} (have {known})")
    return json.loads(path.read_text())
