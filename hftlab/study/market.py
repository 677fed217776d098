"""The IPPO market study end to end: configuration → data → train over seeds (one call) → held-out evaluation.

Protocol (the project spec's): train on the first part of a day's windows, evaluate the
greedy policies on the later windows (no shared messages, :func:`hftlab.env.split_windows`)
— or on another day — against the fixed-policy baselines on the same windows and keys;
every training seed separately; a claim holds only if it holds for every seed. When the
task side is random per episode (``env_params.exec_side=0``, the presets'), every held-out
window is run twice, as a buy and as a sell task, with the same keys: the price's
direction over the window then cancels out of the mean shortfall, which measures the cost
of executing rather than which way the market went (a single random side per window
leaves differences of several bps between policies to chance).

A run can also train ``restarts`` R > 1 independent runs per seed (different network
initialisations and rollout noise, all in the same compiled call) and keep, per agent type,
the one with the best score on the *training* windows (:func:`select_restarts`:
lowest execution shortfall, highest market-making PnL, the same protocol as the held-out
evaluation). Nothing about the held-out windows enters the choice; it only removes runs
that the optimiser left in a poor local optimum, which the training windows show plainly.
Each seed's reported result is its chosen run; the scores of all R runs are kept
(``ExperimentResult.selection``).

``run_experiment(configs.get("sample_day"))`` is what ``hftlab train`` and the notebook
call; :meth:`ExperimentResult.to_json` is the ``--json`` output, including each policy's
execution shortfall on training windows (``execution_in_sample``, :func:`generalization_gap`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, is_dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.configs.base import ExperimentConfig
from hftlab.errors import InputError
from hftlab.progress import ProgressBar
from hftlab.rl.config import default_hparams
from hftlab.rl.ippo import make_train
from hftlab.rl.sweep import seed_keys, vmap_seeds
from hftlab.study.evaluate import evaluate, summarize

SELECT_BETTER = {"execution": np.argmin, "market_making": np.argmax}  # shortfall: lower; PnL: higher
SELECTION_WINDOWS = 48  # training (or validation) windows the restarts and the in-sample comparison use


def book_capacity(*data, peak: int = 0) -> int:
    """Book capacity (orders per side) for the days ``data``: the next power of two above the
    largest resting-order peak (or the depth levels; or ``peak``, a bound known otherwise) plus
    16 slots for the agents' orders."""
    from hftlab.lob.engine import capacity_for

    return capacity_for(max([peak] + [max(d.peak_orders, d.levels) for d in data]), extra_orders=15)


def many_days(day: str | None) -> bool:
    """True when ``day`` names a folder or a glob of days (:mod:`hftlab.data`) rather than one day."""
    from pathlib import Path

    return bool(day) and day != "bundled" and (Path(day).is_dir() or any(c in day for c in "*?["))


def streamed_days(cfg: ExperimentConfig):
    """``(training, validation, held-out)`` :class:`hftlab.data.Dataset` s of a run that streams its
    training days (``cfg.days_per_shard > 0``), split by date: the latest ``1 - train_fraction`` of
    the dates are held out (none with ``heldout_day``), and with ``select_on="validation"`` the
    latest ``validation_fraction`` of the training dates validate. ``None`` when nothing streams."""
    if not cfg.days_per_shard:
        return None
    if not many_days(cfg.day):
        raise InputError(f"days_per_shard: streaming needs a folder or glob of days as day (got {cfg.day!r})")
    from hftlab.data import open_days

    ds = open_days(cfg.day, skip_bad_days=cfg.skip_bad_days)
    held = 0.0 if cfg.heldout_day else 1.0 - cfg.train_fraction
    val = cfg.validation_fraction * (1.0 - held) if cfg.select_on == "validation" else 0.0
    try:
        return ds.split_dates(validation=val, heldout=held)
    except InputError as exc:
        raise InputError(f"days_per_shard: the days are split by date when they stream; {exc}") from None


def day_stream(cfg: ExperimentConfig, env):
    """The :class:`hftlab.env.data.DayStream` of ``cfg``'s training days (None unless ``cfg.days_per_shard``):
    shards of ``days_per_shard`` days, the training environment parameters of each."""
    split = streamed_days(cfg)
    if split is None:
        return None
    from hftlab.env.data import DayStream

    window_len = cfg.env.messages_per_step * cfg.env.episode_steps
    return DayStream(env, split[0], cfg.days_per_shard, window_len, stride=cfg.window_stride or None,
                     **{**cfg.env_params, **cfg.train_env_params})


def market_setup(cfg: ExperimentConfig):
    """``(env, train_params, heldout_params, heldout_windows, info)`` for ``cfg``.

    ``cfg.day`` may be a folder or glob of days (:func:`hftlab.data.open_days`): the latest
    ``1 - train_fraction`` of its dates are held out (with a single date: the later part of
    each day), and training episodes sample windows across the training days.

    With ``cfg.days_per_shard`` the training days stream (:func:`day_stream`) and memory holds
    windows, not days (:meth:`hftlab.data.Dataset.spread_windows`): ``train_params`` are then
    ``SELECTION_WINDOWS`` non-overlapping windows spread over all the training days (where restarts
    are compared with ``select_on="train"`` and the baselines are tuned) followed by as many over
    the validation days (``select_on="validation"``); ``heldout_params`` are the ``max_eval_windows``
    held-out windows alone; ``info["stream"]`` names the days of each part."""
    from hftlab.env import MarketEnv, load_market_data, split_windows
    from hftlab.env.data import first_window_after
    from hftlab.env.wrappers import FeatureSubset
    from hftlab.lob import lobster

    cfg.check()
    window_len = cfg.env.messages_per_step * cfg.env.episode_steps
    stride = cfg.window_stride or None
    streamed = streamed_days(cfg)
    stream_info, stream_bound, val_range, test_data = None, 0, None, None
    if streamed is not None:  # training days stream; in memory only windows spread over each part's days
        from hftlab.env.data import market_data_from_windows

        train_ds, val_ds, test_ds = streamed
        tr = train_ds.spread_windows(window_len, SELECTION_WINDOWS, stride=stride)
        parts = [tr] + ([val_ds.spread_windows(window_len, SELECTION_WINDOWS, stride=stride)] if len(val_ds) else [])
        data = market_data_from_windows(*parts)
        train_range = (0, tr.num_windows)
        if len(val_ds):
            val_range = (tr.num_windows, data.num_windows)
        if len(test_ds):
            test_data = market_data_from_windows(test_ds.spread_windows(window_len, cfg.max_eval_windows, stride=stride))
        stream_bound = int(train_ds.index[["peak_bid", "peak_ask"]].to_numpy().max())
        stream_info = {"days_per_shard": cfg.days_per_shard, "shards": -(-len(train_ds) // cfg.days_per_shard),
                       "train_days": [train_ds.name(i) for i in range(len(train_ds))],
                       "validation_days": [val_ds.name(i) for i in range(len(val_ds))],
                       "heldout_days": [test_ds.name(i) for i in range(len(test_ds))]}
    elif many_days(cfg.day):  # a folder or glob of days: split by date (or, with one date, by time within it)
        from hftlab.data import open_days
        from hftlab.env.data import market_data_from_days

        ds = open_days(cfg.day, skip_bad_days=cfg.skip_bad_days)
        if cfg.heldout_day:
            train_ds, test_ds, parts = ds, None, ((0.0, 1.0), None)
        elif len(ds.dates) >= 2:
            train_ds, _, test_ds = ds.split_dates(heldout=1.0 - cfg.train_fraction)
            parts = ((0.0, 1.0), (0.0, 1.0))
        else:
            train_ds, test_ds, parts = ds, ds, ((0.0, cfg.train_fraction), (cfg.train_fraction, 1.0))
        data = market_data_from_days(train_ds, window_len, stride=stride, part=parts[0])
        train_range = (0, data.num_windows)
        if test_ds is not None:
            test_data = market_data_from_days(test_ds, window_len, stride=stride, part=parts[1])
    else:
        data = load_market_data(lobster.load(cfg.day), window_len=window_len, stride=stride)
        train_range = (0, data.num_windows)  # unless its later windows are held out (below)
    if cfg.heldout_day:
        if many_days(cfg.heldout_day):
            from hftlab.data import open_days
            from hftlab.env.data import market_data_from_days, market_data_from_windows

            held_ds = open_days(cfg.heldout_day, skip_bad_days=cfg.skip_bad_days)
            test_data = (market_data_from_windows(held_ds.spread_windows(window_len, cfg.max_eval_windows, stride=stride))
                         if streamed is not None else market_data_from_days(held_ds, window_len, stride=stride))
        else:
            test_data = load_market_data(lobster.load(cfg.heldout_day), window_len=window_len, stride=stride)
    if test_data is None:  # one day: its later windows are held out
        test_data = data
        train_range, test_range = split_windows(data, cfg.train_fraction)
    else:
        test_range = (0, test_data.num_windows)
    if cfg.select_on == "validation" and streamed is None:  # the last part of the training windows, no messages shared with the rest
        lo, hi = train_range
        cut = lo + int(round((hi - lo) * (1.0 - cfg.validation_fraction)))
        v_lo = first_window_after(data, max(cut, lo + 1) - 1)
        if not lo < cut <= v_lo < hi:
            raise InputError(f"experiment: {data.name or 'the day'} has too few training windows ({hi - lo}) "
                             f"for a validation share of {cfg.validation_fraction}")
        train_range, val_range = (lo, cut), (v_lo, hi)
    cross = []  # (name, data, held-out range) per cross day: its later part, as the held-out part of `day`
    for d in cfg.cross_days:
        cd = load_market_data(lobster.load(d), window_len=window_len, stride=stride)
        cross.append((d, cd, split_windows(cd, cfg.train_fraction)[1]))
    # streamed shards share one bound (stream_bound): the training days' whole-replay peaks
    capacity = book_capacity(data, test_data, *(c[1] for c in cross), peak=stream_bound)
    env = FeatureSubset.named(MarketEnv(cfg.env.replace(capacity=capacity)), cfg.exec_features)
    p_train = env.default_params(data, train_range, **{**cfg.env_params, **cfg.train_env_params})
    p_test = env.default_params(test_data, test_range, **cfg.env_params)
    lo, hi = test_range
    windows = eval_windows(test_data, test_range, cfg.max_eval_windows)
    info = {"train_day": data.name, "heldout_day": test_data.name, "train_windows": list(train_range),
            "heldout_windows": [int(lo), int(hi)], "window_messages": window_len, "capacity": capacity,
            "heldout_eval_windows": int(windows.size)}
    if val_range is not None:
        info["validation_windows"] = [int(v) for v in val_range]
    if stream_info is not None:
        info["stream"] = stream_info
    if cross:
        info["cross"] = []
        for name, cd, rng in cross:
            p_cross = env.default_params(cd, rng, **cfg.env_params)
            info["cross"].append({"day": cd.name or name, "path": name, "heldout_windows": [int(v) for v in rng],
                                  "params": p_cross, "windows": eval_windows(cd, rng, cfg.max_eval_windows)})
    return env, p_train, p_test, windows, info


def eval_windows(data, window_range, max_windows: int) -> np.ndarray:
    """The held-out windows of ``window_range``: non-overlapping (no message shared, so each is a
    separate stretch of the day), at most ``max_windows`` of them spread evenly, in time order."""
    from hftlab.data.dataset import evenly, non_overlapping

    lo, hi = window_range
    w = non_overlapping(data.starts, np.arange(lo, hi, dtype=np.int32), data.window_len)
    return w[evenly(w.size, max_windows)].astype(np.int32)


def window_start_times(env_params, windows) -> np.ndarray:
    """Seconds after midnight of the first message of each of ``windows``."""
    from hftlab.lob import messages as M

    first = np.asarray(env_params.messages)[np.asarray(env_params.starts)[np.asarray(windows)]]
    return first[:, M.TIME_S].astype(np.float64) + first[:, M.TIME_NS].astype(np.float64) * 1e-9


def selection_windows(setup: dict, max_windows: int = SELECTION_WINDOWS, which: str = "train") -> np.ndarray:
    """Up to ``max_windows`` window indices spread evenly over the ``which`` range of ``setup``
    (``"train"`` or ``"validation"``)."""
    lo, hi = setup[f"{which}_windows"]
    return np.unique(np.linspace(lo, hi - 1, min(max_windows, hi - lo)).round().astype(np.int32))


def eval_sides(env_params) -> tuple[int, ...]:
    """Task sides each window is evaluated with: both for a random side (``exec_side`` 0), else the fixed one."""
    side = int(np.asarray(env_params.exec_side))
    return (1, -1) if side == 0 else (side,)


def evaluate_sides(params, env, windows, env_params, cfg: ExperimentConfig, baselines: bool = True,
                   fills: bool = True) -> pd.DataFrame:
    """:func:`hftlab.study.evaluate.evaluate` once per side of :func:`eval_sides` (column ``side``), same keys;
    with ``fills`` (the default; the same compiled runners for every call), the fills by source and markouts
    of every agent too, and each window's start time
    (column ``start_s``, seconds after midnight)."""
    frames = []
    config = cfg.train_config(env.learning_types)
    for side in eval_sides(env_params):
        p_side = env_params.replace(exec_side=jnp.asarray(side, jnp.asarray(env_params.exec_side).dtype))
        tab = evaluate(params, env, windows, jax.random.PRNGKey(10_000), env_params=p_side, config=config,
                       baselines=baselines, fills=fills)
        tab.insert(0, "side", side)
        frames.append(tab)
    out = pd.concat(frames, ignore_index=True)
    if fills:
        w = np.asarray(windows)
        start = dict(zip(w.tolist(), window_start_times(env_params, w)))
        out.insert(out.columns.get_loc("window") + 1, "start_s", out["window"].map(start))
    return out


def in_sample_scores(params, env, env_params, windows, cfg: ExperimentConfig) -> dict:
    """Greedy learned policies on training or validation ``windows`` (the held-out protocol, no baselines):
    ``{"execution": mean shortfall (bps), "market_making": mean PnL}``."""
    tab = evaluate_sides(params, env, windows, env_params, cfg, baselines=False)
    return {"execution": float(tab[tab.type == "execution"].shortfall_bps.mean()),
            "market_making": float(tab[tab.type == "market_making"].pnl.mean())}


def select_restarts(params, metrics, env, env_params, windows, cfg: ExperimentConfig):
    """Per seed and agent type, the restart with the best in-sample score (:func:`in_sample_scores`).

    ``params`` / ``metrics`` leaves carry a leading (seed × restart) axis, seed-major.
    Returns ``(params, metrics, selection)``: leaves with a leading seed axis, each type's
    taken from its chosen restart, and per seed ``{type: {"in_sample": [score per restart],
    "chosen": index}}``.
    """
    S, R = len(cfg.seeds), cfg.restarts
    split = lambda x: np.asarray(x).reshape((S, R) + np.asarray(x).shape[1:])  # noqa: E731
    params = jax.tree_util.tree_map(split, params)
    metrics = jax.tree_util.tree_map(split, metrics)
    selection = []
    for i in range(S):
        scores = [in_sample_scores(jax.tree_util.tree_map(lambda x: x[i, r], params), env, env_params, windows, cfg)
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


def _jsonable(x):
    if is_dataclass(x):
        return {k: _jsonable(v) for k, v in asdict(x).items()}
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


@dataclass
class ExperimentResult:
    config: ExperimentConfig
    metrics: dict  # {type: {name: (S, U)}}, "env_steps": (S, U)
    params: dict  # leaves (S, ...)
    table: pd.DataFrame  # tidy evaluation per (evaluation, seed, side, policy, window, agent); held-out: "heldout"
    setup: dict
    timings: dict = field(default_factory=dict)
    market: tuple | None = field(default=None, repr=False)  # (env, training env params) of the run
    selection: list | None = None  # per seed, with restarts > 1: each type's in-sample scores and chosen restart
    in_sample: pd.DataFrame | None = field(default=None, repr=False)  # generalization_gap, computed on first use
    baselines: dict | None = None  # tuned baseline families: {type: {"params", "scores"}} (training windows)
    heldout_data: tuple | None = field(default=None, repr=False)  # (env params, windows) of the held-out evaluation

    @property
    def heldout(self) -> pd.DataFrame:
        """The rows of the held-out part of the training day (not the cross-stock evaluations)."""
        if "evaluation" not in self.table:
            return self.table
        return self.table[self.table["evaluation"] == "heldout"]

    def records(self) -> pd.DataFrame:
        """Per-window records: evaluation, seed, side, type, policy, window, start time, agent and every metric."""
        t = self.table
        if "evaluation" not in t:
            t = t.assign(evaluation="heldout")
        return t

    def intervals(self, n_boot: int = 10_000) -> pd.DataFrame:
        """Paired learned − baseline differences per window with moving-block bootstrap intervals
        (:func:`hftlab.study.stats.verdict_table`), per evaluation set."""
        from hftlab.study.stats import verdict_table

        return verdict_table(self.records(), n_boot=n_boot)

    def targets(self, intervals: pd.DataFrame | None = None) -> dict:
        """The study's targets, per evaluation set, from :meth:`intervals` (see :func:`targets_from`)."""
        return targets_from(self.records(), self.intervals() if intervals is None else intervals)

    def seed_summary(self) -> pd.DataFrame:
        """Per seed and policy: mean of the key metrics on the held-out windows."""
        rows = []
        for seed, g in self.heldout.groupby("seed"):
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

    def execution_in_sample(self) -> dict:
        """Per seed, every execution policy's mean shortfall on training windows (``{seed: {policy: bps}}``,
        from :func:`generalization_gap`, computed once)."""
        if self.in_sample is None:
            self.in_sample = generalization_gap(self)
        train = self.in_sample[self.in_sample.windows == "train"]
        return {str(seed): {r.policy: r.shortfall_bps for r in g.itertuples()} for seed, g in train.groupby("seed")}

    def summary(self) -> pd.DataFrame:
        """Tidy (type, policy, metric, mean, sd, min, max, seeds) over seeds of each seed's held-out means
        (:func:`hftlab.study.records.json_summary` of this run, without the in-sample evaluation)."""
        from hftlab.study.records import json_summary

        return json_summary({"seeds": self._seed_entries()})

    def _seed_entries(self) -> list[dict]:
        ss = self.seed_summary()
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
        return seeds

    def to_json(self) -> dict:
        steps = int(np.asarray(self.metrics["env_steps"])[0, -1])
        seeds = self._seed_entries()
        cfg = self.config
        intervals = self.intervals()
        setup = {k: v for k, v in self.setup.items() if k != "cross"}
        if "cross" in self.setup:
            setup["cross"] = [{k: (np.asarray(v).tolist() if k == "windows" else v) for k, v in c.items() if k != "params"}
                              for c in self.setup["cross"]]
        return {
            "config": _jsonable(cfg),
            "setup": setup,
            "design": self.design(),
            "intervals": intervals.to_dict(orient="records"),
            "targets": targets_from(self.records(), intervals),
            "records": records_json(self.records()),
            "num_windows": int(self.heldout.window.nunique()),
            "task_sides_per_window": int(self.heldout.side.nunique()),
            "env_steps_per_seed": steps,  # of one run; a seed with restarts trains `restarts` runs
            "env_steps_total": steps * len(cfg.seeds) * cfg.restarts,  # every run trained
            "wall_time_s": self.timings,
            "restarts": cfg.restarts,
            # each baseline family's member chosen on training windows (None: registry defaults)
            "baselines_tuned": self.baselines,
            **({"selection": {str(s): sel for s, sel in zip(cfg.seeds, self.selection)}} if self.selection else {}),
            "seeds": seeds,
            "verdict": self.verdict(),
            # the same policies on training windows: how much of the gain is the day
            "execution_in_sample": self.execution_in_sample(),
        }


    def design(self) -> dict:
        """What was chosen, and on which windows: restarts, baseline members; the held-out sets used once."""
        cfg, st = self.config, self.setup
        out = {"restarts": {"compared_on": cfg.select_on,
                            "windows": st.get("validation_windows" if cfg.select_on == "validation" else "train_windows"),
                            "chosen": {str(s): {t: v["chosen"] for t, v in sel.items()}
                                       for s, sel in zip(cfg.seeds, self.selection)} if self.selection else None},
               "baselines": {"tuned_on": "train" if self.baselines else None,
                             "windows": st.get("train_windows") if self.baselines else None,
                             "members": {t: v["params"] for t, v in self.baselines.items()} if self.baselines else None},
               "hyperparameters": "fixed by the configuration before the run; held-out windows are evaluated once",
               "heldout_windows": st.get("heldout_windows"),
               "evaluations": sorted(self.records()["evaluation"].unique().tolist())}
        return out


def records_json(records: pd.DataFrame) -> dict:
    """Per-window records as columns (``{column: [values]}``, NaN as null): compact and loadable with
    ``pandas.DataFrame(d)``."""
    out = {}
    for c in records.columns:
        v = records[c].to_numpy()
        if v.dtype.kind == "f":
            out[c] = [None if not np.isfinite(x) else round(float(x), 6) for x in v]
        elif v.dtype.kind in "iub":
            out[c] = [int(x) for x in v]
        else:
            out[c] = [str(x) for x in v]
    return out


def records_frame(d: dict) -> pd.DataFrame:
    """The per-window records of a JSON (:func:`records_json`) as a DataFrame."""
    return pd.DataFrame({k: [np.nan if x is None else x for x in v] for k, v in d.items()})


MIN_MM_SHARES = 500  # median shares the learned market maker must fill per episode to count as supplying liquidity


def targets_from(records: pd.DataFrame, intervals: pd.DataFrame) -> dict:
    """Per evaluation set: ``execution`` — met when the learned agent beats every tuned execution
    baseline (interval below 0), with the gap to the closest one; ``market_making`` — met when the
    interval is above every tuned quoting baseline, the null market maker and zero, while the learned
    market maker's median fills per episode reach :data:`MIN_MM_SHARES`."""
    out = {}
    for ev, iv in intervals.groupby("evaluation" if "evaluation" in intervals else (lambda _: "heldout"), sort=False):
        rec = records[records["evaluation"] == ev] if "evaluation" in records else records
        entry = {}
        ex = iv[iv["type"] == "execution"]
        if not ex.empty:
            best = ex.loc[ex["mean"].idxmax()]  # the smallest lead (learned − baseline is most positive)
            entry["execution"] = {"met": bool((ex["verdict"] == "beats").all()),
                                  "closest_baseline": best["baseline"],
                                  "difference_bps": [best["mean"], best["lo"], best["hi"]],
                                  "aim_0.15_bps": bool(best["hi"] <= -0.15)}
        mm = iv[iv["type"] == "market_making"]
        if not mm.empty:
            fills = rec[(rec["type"] == "market_making") & (rec["policy"] == "ippo")]["fills"]
            median = float(fills.median()) if len(fills) else 0.0
            base = mm[~mm["baseline"].isin(["zero", "null_mm"])]  # the quoting baselines (null_mm's PnL is 0)
            best = base.loc[base["mean"].idxmin()] if not base.empty else None  # the strongest one
            zero = mm[mm["baseline"] == "zero"].iloc[0]
            entry["market_making"] = {
                "met": bool((mm["verdict"] == "beats").all() and median >= MIN_MM_SHARES),
                "above_every_quoting_baseline": bool((base["verdict"] == "beats").all()),
                "above_zero": bool(zero["verdict"] == "beats"),
                "pnl_usd": [zero["mean"], zero["lo"], zero["hi"]],
                "strongest_baseline": None if best is None else best["baseline"],
                "difference_usd": None if best is None else [best["mean"], best["lo"], best["hi"]],
                "median_fills_per_episode": median, "min_fills": MIN_MM_SHARES}
        out[ev] = entry
    return out


def market_train(cfg: ExperimentConfig, env, progress: bool = False, desc: str = "IPPO"):
    """``make_train`` of ``cfg`` on ``env``; with ``progress``, a progress bar fed from inside the compiled
    loop (it follows the furthest of the vmapped runs: seeds, sweep points)."""
    config = cfg.train_config(env.learning_types, progress=progress)
    bar = ProgressBar(config.num_updates, desc=desc, unit="upd") if progress else None
    return make_train(config, env, progress=bar)


CHECKPOINT_CONFIG = "experiment.json"  # the run's configuration, beside its checkpoints


def start_checkpoints(cfg: ExperimentConfig, resume: bool) -> None:
    """Write ``cfg`` beside the checkpoints of a new run (refusing a folder that holds another run's)."""
    import json
    from pathlib import Path

    from hftlab.configs import to_dict
    from hftlab.rl.checkpoint import latest_update

    d = Path(cfg.checkpoint_dir)
    if not resume:
        if latest_update(d) is not None:
            raise InputError(f"checkpoint_dir: {d} already holds checkpoints; resume it (hftlab train --resume {d}) "
                             "or choose another folder")
        d.mkdir(parents=True, exist_ok=True)
        (d / CHECKPOINT_CONFIG).write_text(json.dumps(to_dict(cfg), indent=1))


def checkpoint_config(directory) -> ExperimentConfig:
    """The configuration of the run whose checkpoints are in ``directory`` (for ``hftlab train --resume``)."""
    import dataclasses
    import json
    from pathlib import Path

    from hftlab.configs import from_dict

    path = Path(directory) / CHECKPOINT_CONFIG
    if not path.exists():
        raise InputError(f"--resume: {directory} holds no run ({CHECKPOINT_CONFIG} missing)")
    try:
        cfg = from_dict(json.loads(path.read_text()))
    except json.JSONDecodeError as exc:
        raise InputError(f"--resume: {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    return dataclasses.replace(cfg, checkpoint_dir=str(directory))


def run_experiment(cfg: ExperimentConfig, progress: bool = False, log=print, live=None,
                   resume: bool = False) -> ExperimentResult:
    """Train ``cfg.seeds`` × ``cfg.restarts`` in one compiled call, choose each seed's restart, then evaluate
    each seed on the held-out windows. ``progress``: a progress bar fed from inside the compiled loop.
    ``live``: a :class:`hftlab.viz.live.LiveChart` drawing every run's training metrics while it trains
    (the same results; without it no callback is compiled).

    With ``cfg.checkpoint_dir`` the training runs in compiled chunks of ``cfg.checkpoint_every`` updates
    with an orbax checkpoint after each (:func:`hftlab.rl.checkpoint.train_in_chunks`); ``resume``
    continues from the newest one (the configuration: :func:`checkpoint_config`)."""
    t_all = time.perf_counter()
    env, p_train, p_test, windows, setup = market_setup(cfg)
    config = cfg.train_config(env.learning_types, progress=progress or live is not None)
    bar = ProgressBar(config.num_updates, desc=f"IPPO ×{len(cfg.seeds)} seeds", unit="upd") if progress else None
    keys = seed_keys(cfg.seeds, cfg.restarts)
    monitor = None
    if live is not None:
        from hftlab.viz.live import ippo_monitor, run_labels

        monitor = ippo_monitor(live, keys, run_labels(cfg.seeds, cfg.restarts),
                               {t: env.action_labels(t) for t in env.learning_types})
    train = make_train(config, env, progress=bar, monitor=monitor)
    hp = default_hparams(config, train.types)
    stream = day_stream(cfg, env)
    if stream is not None:
        chunks = -(-config.num_updates // cfg.checkpoint_every)
        st = setup["stream"]
        st["chunks"], st["shards_trained"] = chunks, min(chunks * jax.process_count(), stream.num_shards)
        log(f"streaming {len(st['train_days'])} training day(s), {cfg.days_per_shard} per shard: {stream.num_shards} "
            f"shard(s), a new one every {cfg.checkpoint_every} update(s)"
            + (f" ({st['shards_trained']} of them reached in {chunks} chunk(s))"
               if st["shards_trained"] < stream.num_shards else ""))
    if cfg.checkpoint_dir is not None or stream is not None:  # compiled chunks of updates, a checkpoint after each
        from hftlab.rl.checkpoint import train_in_chunks

        if cfg.checkpoint_dir is not None:
            start_checkpoints(cfg, resume)
        t_compile, t0 = 0.0, time.perf_counter()
        out = train_in_chunks(train, keys, None if stream is not None else p_train, hp, every=cfg.checkpoint_every,
                              directory=cfg.checkpoint_dir, resume=resume, log=log, stream=stream)
        t_train = time.perf_counter() - t0  # compilation included
    else:
        t0 = time.perf_counter()
        compiled = jax.jit(vmap_seeds(train)).lower(keys, p_train, hp).compile()
        t_compile = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = jax.device_get(compiled(keys, p_train, hp))
        t_train = time.perf_counter() - t0
    if bar is not None:
        bar.close()
    if live is not None:
        live.finish()
    runs = len(cfg.seeds) * cfg.restarts
    log(f"trained {len(cfg.seeds)} seeds" + (f" × {cfg.restarts} restarts" if cfg.restarts > 1 else "")
        + f" × {config.total_timesteps:,} env steps: compile {t_compile:.1f} s, "
        f"run {t_train:.1f} s ({runs * config.total_timesteps / t_train:,.0f} env steps/s)")
    selection, t_select = None, 0.0
    if cfg.restarts > 1:
        t0 = time.perf_counter()
        params_all, metrics, selection = select_restarts(out["params"], out["metrics"], env, p_train,
                                                         selection_windows(setup, which=cfg.select_on), cfg)
        out = {"params": params_all, "metrics": metrics}
        t_select = time.perf_counter() - t0
        log(f"chose each seed's best of {cfg.restarts} restarts on the {cfg.select_on} windows in {t_select:.1f} s: "
            + ", ".join(f"seed {s}: " + "/".join(str(sel[t]["chosen"]) for t in SELECT_BETTER)
                        for s, sel in zip(cfg.seeds, selection)) + " (execution/market making)")
    tuned, t_tune = None, 0.0
    if cfg.tune_baselines:
        from hftlab.study.baselines import tune_all

        t0 = time.perf_counter()
        tuned, _ = tune_all(env.config, p_train, selection_windows(setup), log=log)
        agent = {**p_test.agent, **{t: {**p_test.agent[t], **{k: jnp.asarray(v, jnp.float32) for k, v in tn.params.items()}}
                                    for t, tn in tuned.items()}}
        p_train, p_test = p_train.replace(agent=agent), p_test.replace(agent=agent)
        t_tune = time.perf_counter() - t0
    t0 = time.perf_counter()
    evaluations = [("heldout", p_test, windows)]
    for c in setup.get("cross", []):
        p_c = c["params"]
        if tuned:
            p_c = p_c.replace(agent={**p_c.agent, **{t: p_test.agent[t] for t in tuned}})
        evaluations.append((f"cross:{c['day']}", p_c, c["windows"]))
    frames = []
    for name, p_eval, w_eval in evaluations:
        for i, s in enumerate(cfg.seeds):
            params = jax.tree_util.tree_map(lambda x: x[i], out["params"])
            # every baseline trades beside this seed's learned partner, so baselines run per seed
            tab = evaluate_sides(params, env, w_eval, p_eval, cfg, fills=True)
            tab.insert(0, "seed", int(s))
            tab.insert(0, "evaluation", name)
            frames.append(tab)
        log(f"evaluated {name} on {len(w_eval)} non-overlapping windows × {len(eval_sides(p_eval))} task side(s)")
    t_eval = time.perf_counter() - t0
    log(f"evaluations took {t_eval:.1f} s")
    timings = {"compile": round(t_compile, 2), "train": round(t_train, 2),
               **({"select": round(t_select, 2)} if cfg.restarts > 1 else {}),
               **({"tune_baselines": round(t_tune, 2)} if tuned else {}), "evaluate": round(t_eval, 2),
               "total": round(time.perf_counter() - t_all, 2)}
    return ExperimentResult(config=cfg, metrics=out["metrics"], params=out["params"],
                            table=pd.concat(frames, ignore_index=True), setup=setup, timings=timings,
                            market=(env, p_train), selection=selection, heldout_data=(p_test, windows),
                            baselines={t: {"params": tn.params, "scores": tn.scores.to_dict(orient="records")}
                                       for t, tn in tuned.items()} if tuned else None)


def generalization_gap(result: ExperimentResult, max_windows: int = SELECTION_WINDOWS) -> pd.DataFrame:
    """Execution shortfall of every policy on training windows beside the held-out one, per seed.

    Same protocol as the held-out evaluation (both task sides, same keys) on up to
    ``max_windows`` windows spread over the training range. A learned policy far better
    in-sample than out of sample has learned the day, not how to execute.
    """
    cfg = result.config
    env, p_train = result.market if result.market is not None else market_setup(cfg)[:2]
    windows = selection_windows(result.setup, max_windows)
    rows = []
    for i, s in enumerate(cfg.seeds):
        params = jax.tree_util.tree_map(lambda x: x[i], result.params)
        tab = evaluate_sides(params, env, windows, p_train, cfg)
        tab = tab[tab.type == "execution"]
        rows += [{"seed": int(s), "policy": pol, "windows": "train", "shortfall_bps": v}
                 for pol, v in tab.groupby("policy")["shortfall_bps"].mean().items()]
    train = pd.DataFrame(rows)
    held = result.heldout[result.heldout.type == "execution"].groupby(["seed", "policy"], as_index=False)[
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


def result_inventory_paths(result: ExperimentResult, seed_index: int = 0, max_windows: int = 16) -> pd.DataFrame:
    """:func:`hftlab.study.evaluate.inventory_paths` of one seed's learned market maker and the quoting
    baselines on (up to ``max_windows`` of) the run's held-out windows, as a buy task."""
    from hftlab.study.evaluate import inventory_paths

    cfg = result.config
    if result.market is None or result.heldout_data is None:
        env, _, p_test, windows, _ = market_setup(cfg)
    else:
        env, (p_test, windows) = result.market[0], result.heldout_data
    params = jax.tree_util.tree_map(lambda x: x[seed_index], result.params)
    p = p_test.replace(exec_side=jnp.asarray(eval_sides(p_test)[0], jnp.asarray(p_test.exec_side).dtype))
    return inventory_paths(params, env, windows[:max_windows], jax.random.PRNGKey(10_000), p,
                           cfg.train_config(env.learning_types))


def format_targets(targets: dict) -> str:
    """The study's targets (:func:`targets_from`) as plain sentences, one per evaluation and type, each
    saying met or NOT MET with its interval."""
    lines = []
    for ev, entry in targets.items():
        ex = entry.get("execution")
        if ex:
            m, lo, hi = ex["difference_bps"]
            lines.append(f"{ev} · execution: {'met' if ex['met'] else 'NOT MET'} — against the closest tuned baseline "
                         f"({ex['closest_baseline']}) the learned agent's shortfall differs by {m:+.2f} bps "
                         f"[{lo:+.2f}, {hi:+.2f}]" + ("; the 0.15 bps aim is reached" if ex["aim_0.15_bps"] else ""))
        mm = entry.get("market_making")
        if mm:
            m, lo, hi = mm["pnl_usd"]
            d = mm["difference_usd"]
            lines.append(f"{ev} · market making: {'met' if mm['met'] else 'NOT MET'} — PnL {m:+.2f} USD per episode "
                         f"[{lo:+.2f}, {hi:+.2f}]"
                         + (f", {d[0]:+.2f} [{d[1]:+.2f}, {d[2]:+.2f}] against the strongest "
                            f"quoting baseline ({mm['strongest_baseline']})" if d else "")
                         + f", median {mm['median_fills_per_episode']:.0f} shares filled per episode "
                           f"(at least {mm['min_fills']} needed)")
    return "\n".join(lines)
