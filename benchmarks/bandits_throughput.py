"""Bandit throughput: UCB1 steps per second for 1 to 10 000 vmapped seeds, and one
CAMAB advertising experiment (300 seeds), against a plain-NumPy UCB1 loop measured in
the same run.

    python benchmarks/bandits_throughput.py [--seeds 1 10 100 1000 10000] [--horizon 1000]
                                            [--repeats 5] [--json PATH]

Steps = seeds × horizon. Compile time is reported separately (first call minus the
median of the timed calls); timed figures are medians of ``--repeats`` runs. The
CAMAB reference code takes about 75 s per trial of the advertising experiment
(figure from the project spec, not re-measured here).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time

import jax
import numpy as np


def numpy_ucb1(means: np.ndarray, horizon: int, rng: np.random.Generator) -> float:
    """Reference: one UCB1 run, a Python loop over rounds (NumPy per round)."""
    K = means.size
    counts, sums = np.zeros(K), np.zeros(K)
    regret, best = 0.0, means.max()
    for t in range(horizon):
        if t < K:
            a = t
        else:
            idx = sums / counts + math.sqrt(2.0) * np.sqrt(math.log(t) / counts)
            a = int(np.argmax(idx))
        r = float(rng.random() < means[a])
        counts[a] += 1
        sums[a] += r
        regret += best - means[a]
    return regret


def _median_time(f, repeats: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    jax.block_until_ready(f())
    first = time.perf_counter() - t0
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(f())
        ts.append(time.perf_counter() - t0)
    med = float(np.median(ts))
    return med, max(0.0, first - med)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 10, 100, 1000, 10000])
    p.add_argument("--horizon", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    from hftlab.bandits import environments as envs
    from hftlab.bandits import models
    from hftlab.bandits.experiments import camab_experiment
    from hftlab.bandits.ucb import PolicyParams, init_state, run_policy

    ab = models.advertising()
    means = ab.base_means()
    env = envs.base_env(ab)  # the 6-arm advertising base bandit
    T = args.horizon
    rows = []

    rng = np.random.default_rng(0)
    ts = []
    for _ in range(max(1, args.repeats // 2)):
        t0 = time.perf_counter()
        numpy_ucb1(means, T, rng)
        ts.append(time.perf_counter() - t0)
    np_sps = T / float(np.median(ts))
    rows.append({"impl": "numpy loop (1 seed)", "seeds": 1, "horizon": T, "median_s": float(np.median(ts)), "compile_s": 0.0,
                 "steps_per_s": np_sps, "speedup_vs_numpy": 1.0})

    run = jax.jit(jax.vmap(lambda k: run_policy(k, env, init_state(6), PolicyParams(), "ucb", T)[1][0].sum()))
    for S in args.seeds:
        keys = jax.random.split(jax.random.key(0), S)
        med, comp = _median_time(lambda: run(keys), args.repeats)
        sps = S * T / med
        rows.append({"impl": "jax lax.scan + vmap", "seeds": S, "horizon": T, "median_s": med, "compile_s": comp,
                     "steps_per_s": sps, "speedup_vs_numpy": sps / np_sps})

    t0 = time.perf_counter()
    r = camab_experiment("advertising", 300)
    camab = {"experiment": "advertising (UCB base run + UCB/TOpt/IMIT/TExp/B-UCB lanes)", "seeds": 300, "horizon": 1000,
             "run_s": r["wall_s"], "compile_s": r["compile_s"], "total_s": time.perf_counter() - t0,
             "per_trial_ms": 1e3 * r["wall_s"] / 300, "reference_per_trial_s": 75.0}

    print(f"UCB1 on the 6-arm advertising base bandit, horizon {T}; {jax.devices()[0].platform}, {platform.processor() or platform.machine()}")
    print(f"{'implementation':<22} {'seeds':>6} {'median s':>10} {'compile s':>10} {'steps/s':>12} {'vs numpy':>9}")
    for row in rows:
        print(f"{row['impl']:<22} {row['seeds']:>6} {row['median_s']:>10.4f} {row['compile_s']:>10.2f} {row['steps_per_s']:>12.3g} {row['speedup_vs_numpy']:>9.1f}")
    print(f"\nCAMAB advertising, 300 seeds x T=1000: {camab['run_s']:.2f} s run (+{camab['compile_s']:.1f} s compile) "
          f"= {camab['per_trial_ms']:.2f} ms per trial (CAMAB reference code: ~75 s per trial)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ucb1": rows, "camab_advertising": camab, "device": str(jax.devices()[0])}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
