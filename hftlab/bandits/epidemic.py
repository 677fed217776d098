"""An epidemic at two resolutions, in JAX: an agent-based SIRS model on a grid (fine,
expensive) and its mean-field ODE (coarse, cheap), with lockdowns as bandit arms.

Fine model: agent-based SIRS (:func:`abm_run`)
----------------------------------------------
``L × L`` agents on a torus, one per cell, each Susceptible, Infected or Recovered.
Each day a susceptible agent is infected with probability

.. math:: 1 - \\exp\\!\\big(-β_t\\,[(1 - m)\\,n_i/8 + m\\,\\bar I]\\big)

where ``n_i`` is the number of infected among its 8 Moore neighbours, ``\\bar I`` the
infected fraction of the whole population (a share ``m`` of contacts is random mixing),
and ``β_t = β (1 − s·1[lockdown on day t])``. Infected agents recover with probability
``γ`` a day, recovered ones lose immunity with probability ``ω`` (SIRS). The run starts
with each agent infected with probability ``i0``.

Coarse model: mean-field ODE (:func:`ode_run`)
----------------------------------------------
.. math:: \\dot S = -β_t^{ode} S I + ω R,\\quad \\dot I = β_t^{ode} S I - γ I,\\quad \\dot R = γ I - ω R

(rates converted from the daily probabilities, RK4 with 4 sub-steps a day). The
mean-field model ignores the spatial clustering of infections and the run-to-run
spread of the epidemic's timing. **Calibration** (a decision of this module):
``β^{ode}`` is the single number that makes the stochastic ODE's mean infection burden
(the peak prevalence the reward uses) equal the ABM's, in the scenario *without*
lockdown (:func:`calibrate_ode`, bisection); no arm is used. What is left is the
abstraction error, measured per arm as ``|μ(a) − μ′(ω(a))|`` (``ε*``, reported): the
two models respond differently to the timing of a lockdown. The ODE is made a
*stochastic* simulator (so that AT-UCB's ``n′`` samples mean something) by drawing
each run's ``β^{ode}`` from a log-normal around the calibrated value (sd 0.1) and its
initial prevalence from the binomial the ABM uses.

Arms and reward
---------------
An arm is a lockdown ``(start day, length in days)`` (:func:`lockdown_arms`); the same
policies exist in both models, so the arm map ``ω`` is the identity (the abstraction is
on the state: agents → compartments, days → continuous time). The reward of a run is

.. math:: r = 1 - w_I\\,\\frac{1}{H}\\sum_{t<H} I_t - w_L\\,\\frac{\\text{length}}{H},

clipped to [0, 1]: infection burden plus the economic cost of the lockdown.

The bandit environments are banks of simulated outcomes (:func:`simulate_banks`):
``M`` ABM runs and ``M′`` ODE runs per arm; a pull resamples one run
(:func:`hftlab.bandits.environments.from_samples`). Simulating the ABM inside the
bandit loop for ``10^4`` rounds × hundreds of seeds would cost millions of ABM runs;
the bank makes the arm means exact (the bank means) at the price of a finite
outcome distribution. The cost of one run of each model is measured
(:func:`measure_costs`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from hftlab.errors import InputError


@dataclass(frozen=True)
class EpidemicConfig:
    """Static epidemic parameters (hashable: a static argument of the jitted runs)."""

    grid: int = 40  # L: the ABM has L*L agents
    days: int = 120  # H
    beta: float = 0.3  # daily transmission intensity
    gamma: float = 0.1  # daily recovery probability
    waning: float = 0.01  # daily loss of immunity (SIRS)
    mixing: float = 0.5  # share m of random (non-local) contacts
    i0: float = 0.01  # initial infected probability per agent
    strength: float = 0.7  # lockdown cuts transmission by this share
    w_infection: float = 2.0  # weight of the infection burden in the reward
    w_lockdown: float = 0.6  # weight of the lockdown length (as a share of H)
    ode_substeps: int = 4
    ode_beta_sd: float = 0.1  # log-normal sd of the ODE's beta across runs
    objective: str = "peak"  # infection burden: "peak" or "mean" prevalence

    def __post_init__(self):
        if self.grid < 3:
            raise InputError(f"epidemic grid must be at least 3 (got {self.grid})")
        if self.days < 2:
            raise InputError(f"epidemic days must be at least 2 (got {self.days})")
        if self.objective not in ("peak", "mean"):
            raise InputError(f"epidemic objective must be 'peak' or 'mean' (got {self.objective!r})")
        for name in ("gamma", "waning", "mixing", "i0", "strength"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"epidemic {name} must be in [0, 1] (got {v})")


def lockdown_arms(starts=(10, 25, 40, 55, 70), lengths=(14, 28, 56, 84)) -> np.ndarray:
    """``(K, 2)`` int array of lockdown policies ``(start day, length)``, start-major."""
    return np.array([(s, l) for s in starts for l in lengths], np.int32)


def _lockdown_mask(arm: jax.Array, days: int) -> jax.Array:
    t = jnp.arange(days)
    return (t >= arm[0]) & (t < arm[0] + arm[1])


def reward_from_prevalence(prevalence: jax.Array, arm: jax.Array, cfg: EpidemicConfig) -> jax.Array:
    burden = jnp.max(prevalence) if cfg.objective == "peak" else jnp.mean(prevalence)
    r = 1.0 - cfg.w_infection * burden - cfg.w_lockdown * arm[1] / cfg.days
    return jnp.clip(r, 0.0, 1.0)


# ------------------------------------------------------------------ fine: ABM


@partial(jax.jit, static_argnames=("cfg",))
def abm_run(key: jax.Array, arm: jax.Array, cfg: EpidemicConfig) -> jax.Array:
    """One ABM run under lockdown ``arm``: the daily prevalence curve, shape ``(H,)``."""
    L = cfg.grid
    k0, kloop = jax.random.split(key)
    infected = jax.random.uniform(k0, (L, L)) < cfg.i0
    state = jnp.where(infected, 1, 0).astype(jnp.int8)  # 0 S, 1 I, 2 R
    lock = _lockdown_mask(arm, cfg.days)

    def one_day(state, inp):
        k, locked = inp
        k_inf, k_rec, k_wan = jax.random.split(k, 3)
        inf = (state == 1).astype(jnp.float32)
        n_loc = sum(jnp.roll(jnp.roll(inf, dx, 0), dy, 1) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0))
        beta_t = cfg.beta * (1.0 - cfg.strength * locked)
        pressure = beta_t * ((1.0 - cfg.mixing) * n_loc / 8.0 + cfg.mixing * jnp.mean(inf))
        p_inf = 1.0 - jnp.exp(-pressure)
        u_inf = jax.random.uniform(k_inf, (L, L))
        u_rec = jax.random.uniform(k_rec, (L, L))
        u_wan = jax.random.uniform(k_wan, (L, L))
        new = jnp.where((state == 0) & (u_inf < p_inf), 1, state)
        new = jnp.where((state == 1) & (u_rec < cfg.gamma), 2, new)
        new = jnp.where((state == 2) & (u_wan < cfg.waning), 0, new).astype(jnp.int8)
        return new, jnp.mean(state == 1)

    _, prevalence = jax.lax.scan(one_day, state, (jax.random.split(kloop, cfg.days), lock.astype(jnp.float32)))
    return prevalence


# ------------------------------------------------------------------ coarse: ODE


@partial(jax.jit, static_argnames=("cfg",))
def ode_prevalence(beta_ode: jax.Array, i_init: jax.Array, arm: jax.Array, cfg: EpidemicConfig) -> jax.Array:
    """Mean-field SIRS ODE (RK4): daily prevalence ``(H,)`` for one ``β^{ode}``."""
    gamma = -jnp.log1p(-cfg.gamma)  # daily probability -> rate
    wane = -jnp.log1p(-cfg.waning)
    h = 1.0 / cfg.ode_substeps
    lock = _lockdown_mask(arm, cfg.days).astype(jnp.float32)

    def f(y, b):
        S, I, R = y
        inf = b * S * I
        return jnp.stack([-inf + wane * R, inf - gamma * I, gamma * I - wane * R])

    def one_day(y, locked):
        b = beta_ode * (1.0 - cfg.strength * locked)

        def sub(y, _):
            k1 = f(y, b)
            k2 = f(y + 0.5 * h * k1, b)
            k3 = f(y + 0.5 * h * k2, b)
            k4 = f(y + h * k3, b)
            return y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4), None

        y_next, _ = jax.lax.scan(sub, y, None, length=cfg.ode_substeps)
        return y_next, y[1]

    y0 = jnp.stack([1.0 - i_init, i_init, 0.0])
    _, prevalence = jax.lax.scan(one_day, y0, lock)
    return prevalence


@partial(jax.jit, static_argnames=("cfg",))
def ode_run(key: jax.Array, arm: jax.Array, beta_ode: jax.Array, cfg: EpidemicConfig) -> jax.Array:
    """One stochastic coarse run: log-normal ``β^{ode}``, binomial initial prevalence."""
    kb, ki = jax.random.split(key)
    n = cfg.grid * cfg.grid
    beta = beta_ode * jnp.exp(cfg.ode_beta_sd * jax.random.normal(kb))
    i_init = jax.random.binomial(ki, n, cfg.i0) / n
    return ode_prevalence(beta, i_init, arm, cfg)


def calibrate_ode(abm_burden: float, cfg: EpidemicConfig, key: jax.Array, n_runs: int = 256, iters: int = 30) -> float:
    """``β^{ode}`` whose stochastic ODE matches the ABM's mean infection burden (peak or
    mean prevalence, as the reward uses) with no lockdown; bisection (the burden is
    increasing in β)."""
    no_lock = jnp.array([cfg.days, 0], jnp.int32)
    keys = jax.random.split(key, n_runs)
    reduce = jnp.max if cfg.objective == "peak" else jnp.mean
    burden = jax.jit(lambda b: jnp.mean(jax.vmap(lambda k: reduce(ode_run(k, no_lock, b, cfg)))(keys)))
    lo, hi = 1e-3, 4.0 * cfg.beta + 1.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if float(burden(jnp.float32(mid))) < abm_burden:
            lo = mid
        else:
            hi = mid
    return float(0.5 * (lo + hi))


# ------------------------------------------------------------------ banks and costs


@dataclass
class EpidemicBanks:
    """Simulated outcome banks of both models for every arm."""

    arms: np.ndarray  # (K, 2)
    fine: np.ndarray  # (K, M) ABM rewards
    coarse: np.ndarray  # (K, M') ODE rewards
    beta_ode: float
    abm_curve: np.ndarray  # (H,) mean ABM prevalence, no lockdown
    ode_curve: np.ndarray  # (H,) calibrated ODE prevalence (mean β, no lockdown)
    cfg: EpidemicConfig

    @property
    def fine_means(self) -> np.ndarray:
        return self.fine.mean(1)

    @property
    def coarse_means(self) -> np.ndarray:
        return self.coarse.mean(1)

    @property
    def abstraction_error(self) -> float:
        """``ε* = max_a |μ(a) − μ′(ω(a))|`` (ω the identity)."""
        return float(np.max(np.abs(self.fine_means - self.coarse_means)))


ABM_BATCH = 256  # runs per compiled ABM call (every ABM batch has this shape: one compilation)


@partial(jax.jit, static_argnames=("cfg",))
def _abm_batch(keys: jax.Array, arms: jax.Array, cfg: EpidemicConfig) -> jax.Array:
    return jax.vmap(lambda k, a: abm_run(k, a, cfg))(keys, arms)


def abm_prevalence(key: jax.Array, arms: np.ndarray, cfg: EpidemicConfig) -> np.ndarray:
    """Prevalence curves ``(N, H)`` of ABM runs of ``arms`` (``(N, 2)``), in fixed-size batches."""
    arms = np.asarray(arms, np.int32)
    N = arms.shape[0]
    pad = (-N) % ABM_BATCH
    arms_p = np.concatenate([arms, np.repeat(arms[-1:], pad, 0)]) if pad else arms
    keys = jax.random.split(key, arms_p.shape[0])
    out = [np.asarray(_abm_batch(keys[i : i + ABM_BATCH], jnp.asarray(arms_p[i : i + ABM_BATCH]), cfg))
           for i in range(0, arms_p.shape[0], ABM_BATCH)]
    return np.concatenate(out)[:N]


def _abm_rewards(key, arms, n_runs, cfg):
    """(K, n_runs) ABM rewards."""
    K = arms.shape[0]
    arm_rep = np.repeat(np.asarray(arms), n_runs, axis=0)
    prev = abm_prevalence(key, arm_rep, cfg)
    r = jax.vmap(lambda p, a: reward_from_prevalence(p, a, cfg))(jnp.asarray(prev), jnp.asarray(arm_rep))
    return np.asarray(r).reshape(K, n_runs)


def simulate_banks(key: jax.Array, cfg: EpidemicConfig, arms: np.ndarray, n_fine: int, n_coarse: int, n_calib: int = 64) -> EpidemicBanks:
    """Calibrate the ODE on the no-lockdown ABM, then simulate ``n_fine`` ABM and
    ``n_coarse`` ODE runs of every arm."""
    k_cal, k_ode_cal, k_fine, k_coarse = jax.random.split(key, 4)
    no_lock = jnp.array([cfg.days, 0], jnp.int32)
    curves = abm_prevalence(k_cal, np.tile(np.array([[cfg.days, 0]], np.int32), (n_calib, 1)), cfg)
    abm_curve = curves.mean(0)
    reduce = np.max if cfg.objective == "peak" else np.mean
    beta_ode = calibrate_ode(float(np.mean(reduce(np.asarray(curves), axis=1))), cfg, k_ode_cal)
    ode_curve = np.asarray(ode_prevalence(jnp.asarray(beta_ode, jnp.float32), jnp.asarray(cfg.i0), no_lock, cfg))
    fine = _abm_rewards(k_fine, arms, n_fine, cfg)
    K = arms.shape[0]
    keys = jax.random.split(k_coarse, K * n_coarse)
    arm_rep = jnp.repeat(jnp.asarray(arms), n_coarse, axis=0)
    coarse = jax.jit(jax.vmap(lambda k, a: reward_from_prevalence(ode_run(k, a, beta_ode, cfg), a, cfg)))(keys, arm_rep)
    return EpidemicBanks(arms, fine, np.asarray(coarse).reshape(K, n_coarse), beta_ode, abm_curve, ode_curve, cfg)


def measure_costs(cfg: EpidemicConfig, beta_ode: float, repeats: int = 3) -> dict:
    """Wall time per simulated run of each model (vmapped batches of ``ABM_BATCH`` runs;
    compile excluded; median of ``repeats``)."""
    batch = ABM_BATCH
    arms = jnp.tile(jnp.array([[25, 28]], jnp.int32), (batch, 1))
    keys = jax.random.split(jax.random.key(0), batch)
    fa = lambda k: _abm_batch(k, arms, cfg)  # noqa: E731  (same compiled program as the banks)
    fo = jax.jit(jax.vmap(lambda k, a: ode_run(k, a, jnp.asarray(beta_ode, jnp.float32), cfg)))
    out = {}
    for name, f in (("abm", fa), ("ode", lambda k: fo(k, arms))):
        jax.block_until_ready(f(keys))
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            jax.block_until_ready(f(keys))
            ts.append((time.perf_counter() - t0) / batch)
        out[f"{name}_s_per_run"] = float(np.median(ts))
    out["ratio"] = out["abm_s_per_run"] / out["ode_s_per_run"]
    return out
