"""Fund-strategy GAN speed: training iterations per second and the sparse simplex projection.

    python benchmarks/fundgan_training.py [--funds 1436] [--months 120] [--stocks 300]
                                          [--chunks 5] [--repeats 5] [--json PATH]

1. The projection onto the simplex for a batch of portfolios (batch x stocks), the
   package's bisection ``sparse_simplex`` against ``optax.projections.projection_simplex``
   (sort based), measured in the same run; medians of ``--repeats`` calls after a warm-up.
2. One jitted training chunk (``TrainConfig().chunk`` iterations: 3 critic steps and one
   generator step each) on a universe of the given size: compile time (ahead-of-time
   ``lower().compile()``) reported apart from the median time of ``--chunks`` timed chunks;
   the projected time of a full default training (``TrainConfig().iterations``) follows.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import jax
import numpy as np
from optax.projections import projection_simplex

from hftlab.fundgan.market_model import fit_factor_market
from hftlab.fundgan.sparse import sparse_simplex
from hftlab.fundgan.configs import TrainConfig
from hftlab.fundgan.panel import make_panel
from hftlab.fundgan.train import _compiled_chunk, init_state
from hftlab.fundgan.universe import UniverseConfig, generate_universe


def _median(f, repeats):
    jax.block_until_ready(f())
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(f())
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def bench_projection(batch: int, stocks: int, repeats: int) -> dict:
    v = jax.random.normal(jax.random.PRNGKey(0), (batch, stocks)) / stocks
    ours = jax.jit(sparse_simplex)
    ref = jax.jit(jax.vmap(projection_simplex))
    t_ours = _median(lambda: ours(v), repeats)
    t_ref = _median(lambda: ref(v), repeats)
    return {"batch": batch, "stocks": stocks, "sparse_simplex_ms": 1e3 * t_ours, "optax_ms": 1e3 * t_ref,
            "speedup": t_ref / t_ours}


def bench_training(funds: int, months: int, stocks: int, chunks: int) -> dict:
    ucfg = UniverseConfig(n_funds=funds, n_months=months, n_stocks=stocks,
                          holdings_median=UniverseConfig().holdings_median * stocks / 300)
    u = generate_universe(ucfg, seed=0)
    cfg = TrainConfig()
    t_train = u.n_months - cfg.test_months
    panel = make_panel(u)
    market = fit_factor_market(u.factor_returns[:t_train], u.characteristics[:t_train])
    state = init_state(cfg, panel, jax.random.PRNGKey(0))
    t0 = time.perf_counter()
    step = _compiled_chunk(cfg, t_train, state, panel, market)
    compile_s = time.perf_counter() - t0
    state, _ = step(state, panel, market)
    jax.block_until_ready(state)
    ts = []
    for _ in range(chunks):
        t0 = time.perf_counter()
        state, _ = step(state, panel, market)
        jax.block_until_ready(state)
        ts.append(time.perf_counter() - t0)
    per_iter = float(np.median(ts)) / cfg.chunk
    return {"funds": funds, "months": months, "stocks": stocks, "compile_s": compile_s,
            "ms_per_iteration": 1e3 * per_iter, "iterations_per_s": 1.0 / per_iter,
            "projected_full_training_s": per_iter * cfg.iterations, "full_training_iterations": cfg.iterations}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--funds", type=int, default=1436)
    p.add_argument("--months", type=int, default=120)
    p.add_argument("--stocks", type=int, default=300)
    p.add_argument("--chunks", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", metavar="PATH")
    a = p.parse_args(argv)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, {platform.processor() or platform.machine()}")
    proj = [bench_projection(b, a.stocks, a.repeats) for b in (64, 1024)]
    print("\nsimplex projection (median ms per call)")
    print(f"{'batch':>7} {'stocks':>7} {'sparse_simplex':>15} {'optax (sort)':>13} {'speedup':>8}")
    for r in proj:
        print(f"{r['batch']:>7} {r['stocks']:>7} {r['sparse_simplex_ms']:>15.2f} {r['optax_ms']:>13.2f} {r['speedup']:>7.1f}x")
    tr = bench_training(a.funds, a.months, a.stocks, a.chunks)
    print(f"\ntraining on {tr['funds']} funds x {tr['months']} months x {tr['stocks']} stocks")
    print(f"  compile {tr['compile_s']:.1f} s; {tr['ms_per_iteration']:.1f} ms per iteration "
          f"({tr['iterations_per_s']:.1f} it/s, median of {a.chunks} chunks)")
    print(f"  projected default training ({tr['full_training_iterations']} iterations): "
          f"{tr['projected_full_training_s']:.0f} s + compile")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"projection": proj, "training": tr}, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
