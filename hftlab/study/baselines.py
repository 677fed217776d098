"""Baselines a practitioner accepts: each family tuned or calibrated on training windows, then
evaluated once on held-out windows (``hftlab market``).

Families (a member is a fixed-policy agent type with values for its own parameters):

* execution — ``twap_near``, ``twap_far`` (no parameters); ``pov`` (participation ``rate``
  chosen on training windows); ``spread_rule`` (near touch when the spread is at least
  ``threshold`` ticks, else far touch, ``multiple`` × the due TWAP quantity: the best of the
  grid on training windows);
* quoting — ``null_mm`` (never quotes: PnL 0, the floor any market maker must clear);
  ``fixed_spread`` (``half_spread`` chosen on training windows); ``avellaneda_stoikov``
  calibrated on training windows: σ (ticks per step) is the standard deviation of the market
  mid's change per step, κ the decay of the fill rate with quote distance
  (``log λ(δ) = log A − κ δ`` fitted by least squares to the fixed-spread members' fill rates
  per step and side, δ = half-spread in ticks), and γ the best of a grid.

Every member trades alone in the market (no other agent), on the same windows and keys.
Execution members run every window as a buy and as a sell task (the price's direction
cancels out of the mean); the objective is the mean implementation shortfall (bps, lower
is better), for quoting the mean PnL after the unwind (dollars, higher is better).
:func:`tune` picks the best member of each family on training windows; nothing about the
held-out windows enters a choice. :func:`hftlab.study.day.benchmark_day` then evaluates the chosen members
(and each type's registry defaults, for comparison) on held-out windows that share no
message, with per-window records of every metric, fills by source and markouts
(:mod:`hftlab.env.fills`) included.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.env.agents import registry
from hftlab.errors import InputError

OBJECTIVE = {"execution": ("shortfall_bps", "min"), "quoting": ("pnl", "max")}


@dataclass(frozen=True)
class Family:
    """A baseline family: one fixed-policy agent type and a grid over its own parameters."""

    type: str
    grid: dict = field(default_factory=dict)  # {param: (values, ...)}; fixed: {param: (one value,)}

    def members(self) -> list[dict]:
        keys = sorted(self.grid)
        return [dict(zip(keys, vals)) for vals in itertools.product(*(self.grid[k] for k in keys))] or [{}]

    @property
    def category(self) -> str:
        return registry.get(self.type).category


def default_families(quick: bool = False) -> list[Family]:
    """The families and grids ``hftlab market`` tunes (``quick``: smaller grids for tests)."""
    if quick:
        return [Family("twap_near"), Family("twap_far"), Family("pov", {"rate": (0.05, 0.2)}),
                Family("spread_rule", {"threshold": (2.0, 8.0), "multiple": (1.0,)}),
                Family("null_mm"), Family("fixed_spread", {"half_spread": (1.0, 4.0, 16.0)}),
                Family("avellaneda_stoikov", {"gamma": (0.01, 0.1)})]
    return [Family("twap_near"), Family("twap_far"), Family("pov", {"rate": (0.02, 0.05, 0.1, 0.2, 0.4)}),
            Family("spread_rule", {"threshold": (1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0), "multiple": (1.0, 2.0)}),
            Family("null_mm"),
            Family("fixed_spread", {"half_spread": (1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 20.0, 24.0, 32.0, 48.0)}),
            Family("avellaneda_stoikov", {"gamma": (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)})]


def _own(agent_params: dict, t: str, values: dict) -> dict:
    unknown = set(values) - set(agent_params[t])
    if unknown:
        raise InputError(f"baselines: agent type {t!r} has no parameter(s) {sorted(unknown)}")
    return {**agent_params, t: {**agent_params[t], **{k: jnp.asarray(v, jnp.float32) for k, v in values.items()}}}


def format_params(params: dict) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in sorted(params.items())) or "-"


def _padded(n: int) -> int:
    return max(8, 1 << (int(n) - 1).bit_length())


def run_member(base_config, env_params, t: str, values: dict, windows, key, sides=(1, -1)) -> pd.DataFrame:
    """One member (type ``t`` with own parameters ``values``) alone in the market, one episode per
    window (per task side for execution types): a tidy table, one row per (side, window), with the
    type's episode metrics and the fill metrics."""
    from hftlab.env import MarketEnv
    from hftlab.env.baselines import constant_policy, rollout
    from hftlab.env.fills import fill_metrics

    env = MarketEnv(base_config.replace(agents={t: 1}, debug=False))
    windows = np.asarray(windows, np.int32)
    n = len(windows)
    padded = np.resize(windows, _padded(n))  # a few batch sizes only: one compilation serves many calls
    params = env_params.replace(agent=_own(env_params.agent, t, values))
    frames = []
    for side in (sides if registry.get(t).category == "execution" else (sides[0],)):
        p = params.replace(exec_side=jnp.asarray(side, jnp.int32))
        _, traj = rollout(env, p, key, env.config.episode_steps, num_envs=padded.size,
                          policy=constant_policy(env), windows=padded)
        info = jax.tree.map(lambda x: np.asarray(x)[:, :n], jax.device_get(traj["info"]))
        cols = {k: np.asarray(v)[-1, :, 0] for k, v in info[t].items()}
        cols.update({k: v[:, 0] for k, v in fill_metrics(info, float(p.tick)).items()})
        df = pd.DataFrame(cols)
        df.insert(0, "window", windows)
        df.insert(0, "side", side if registry.get(t).category == "execution" else 0)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def calibrate_avellaneda_stoikov(base_config, env_params, windows, key, half_spreads=(1.0, 2.0, 4.0, 8.0, 16.0, 32.0)):
    """σ (ticks per step) and κ (per tick) on ``windows``: ``{"sigma", "kappa", "fill_rates"}``.

    σ: standard deviation of the market mid's change per step (the book without agents) over
    the windows. κ: least-squares slope of ``log λ`` against the half-spread δ, where ``λ(δ)`` is
    a fixed-spread quoter's filled shares per step and side in units of ``mm_size``.
    """
    from hftlab.env import MarketEnv
    from hftlab.env.baselines import constant_policy, rollout

    env = MarketEnv(base_config.replace(agents={"null_mm": 1}, debug=False))
    windows = np.asarray(windows, np.int32)
    padded = np.resize(windows, _padded(len(windows)))
    _, traj = rollout(env, env_params, key, env.config.episode_steps, num_envs=padded.size,
                      policy=constant_policy(env), windows=padded)
    mid = np.asarray(traj["info"]["market"]["mid"], np.float64)[:, :len(windows)]  # (T, E)
    sigma = float(np.std(np.diff(mid, axis=0) / float(env_params.tick)))
    steps, size = base_config.episode_steps - 1, float(env_params.mm_size)
    rates = []
    for h in half_spreads:
        tab = run_member(base_config, env_params, "fixed_spread", {"half_spread": h}, windows, key)
        passive = (tab.shares_executions + tab.shares_crossing).mean()
        rates.append(passive / (2.0 * steps * size))
    d, lam = np.asarray(half_spreads), np.asarray(rates)
    ok = lam > 0
    if ok.sum() >= 2:
        slope = np.polyfit(d[ok], np.log(lam[ok]), 1)[0]
        kappa = float(max(-slope, 1e-3))
    else:  # no fills to fit: a decay over the typical spread
        kappa = 1e-3
    return {"sigma": max(sigma, 1e-3), "kappa": kappa, "fill_rates": dict(zip(map(float, d), map(float, lam)))}


@dataclass
class Tuned:
    """A tuned family: its members' training scores and the chosen member."""

    family: Family
    scores: pd.DataFrame  # one row per member: its parameters, the objective's mean on training windows
    chosen: dict  # parameter values of the best member
    fixed: dict = field(default_factory=dict)  # calibrated values held fixed over the grid (A–S: sigma, kappa)

    @property
    def params(self) -> dict:
        return {**self.fixed, **self.chosen}


def tune(family: Family, base_config, env_params, windows, key, fixed: dict | None = None) -> Tuned:
    """Every member of ``family`` on training ``windows``; the best by :data:`OBJECTIVE` is chosen."""
    metric, how = OBJECTIVE[family.category]
    fixed = dict(fixed or {})
    rows = []
    for m in family.members():
        tab = run_member(base_config, env_params, family.type, {**fixed, **m}, windows, key)
        rows.append({**m, metric: float(tab[metric].mean()), "windows": int(tab.window.nunique())})
    scores = pd.DataFrame(rows)
    best = int(scores[metric].idxmin() if how == "min" else scores[metric].idxmax())
    chosen = {k: float(scores.loc[best, k]) for k in family.grid}
    return Tuned(family, scores, chosen, fixed)


def tune_all(base_config, env_params, windows, families=None, quick: bool = False, key=None, log=print):
    """Every family (default :func:`default_families`) tuned on ``windows``, Avellaneda–Stoikov calibrated
    there first: ``({type: Tuned}, calibration)``."""
    key = jax.random.PRNGKey(7) if key is None else key
    families = default_families(quick) if families is None else families
    calib = {}
    if any(f.type == "avellaneda_stoikov" for f in families):
        calib = calibrate_avellaneda_stoikov(base_config, env_params, windows, key, half_spreads=(1.0, 4.0, 16.0)
                                             if quick else (1.0, 2.0, 4.0, 8.0, 16.0, 32.0))
        log(f"calibrated Avellaneda–Stoikov on {len(windows)} training windows: sigma {calib['sigma']:.2f} "
            f"ticks/step, kappa {calib['kappa']:.4f} per tick")
    out = {}
    for fam in families:
        fixed = {"sigma": calib["sigma"], "kappa": calib["kappa"]} if fam.type == "avellaneda_stoikov" else {}
        out[fam.type] = tn = tune(fam, base_config, env_params, windows, key, fixed)
        metric, how = OBJECTIVE[fam.category]
        best = tn.scores[metric].min() if how == "min" else tn.scores[metric].max()
        log(f"  {fam.type:<19} {len(tn.scores):>2} member(s) on training windows: chose {format_params(tn.params)} "
            f"({metric} {best:.3f})")
    return out, calib


