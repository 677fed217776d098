"""IPPO training throughput on the market environment (bundled sample day).

    python benchmarks/ippo_throughput.py [--envs 1 16 64 256] [--env-steps 65536] [--num-steps 32]
                                         [--repeats 3] [--json PATH]

For each number of environments: one ``train`` (execution + market-making agents, MLP,
4 epochs × 4 minibatches, or fewer minibatches when the batch is small) to a fixed
number of environment steps. Reported: compile time (``lower().compile()``), run time
(median of ``--repeats`` calls after compiling), training environment steps per second
(env steps / run time) and end-to-end time (compile + one run). Baseline measured in
the same run: the same environment stepped with random actions under the same
``vmap`` × ``scan`` for the same number of steps (no networks, no learning), so the
cost of learning is the gap between the two columns.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np


def _median(f, repeats):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(f())
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def main(argv=None) -> dict:
    from hftlab.config import quick
    from hftlab.env import EnvConfig, MarketEnv, load_market_data, split_windows
    from hftlab.env.baselines import random_policy
    from hftlab.lob import lobster
    from hftlab.rl.config import AgentConfig, TrainConfig
    from hftlab.rl.ippo import make_train
    from hftlab.study.market import book_capacity

    q = quick()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--envs", type=int, nargs="+", default=[1, 8] if q else [1, 16, 64, 256])
    ap.add_argument("--env-steps", type=int, default=2048 if q else 65536, help="environment steps per training run")
    ap.add_argument("--num-steps", type=int, default=16 if q else 32, help="rollout length per update")
    ap.add_argument("--messages-per-step", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=1 if q else 3)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)

    ep_steps = 32
    data = load_market_data(lobster.sample_day(), window_len=a.messages_per_step * ep_steps)
    cap = book_capacity(data)
    env = MarketEnv(EnvConfig(messages_per_step=a.messages_per_step, episode_steps=ep_steps, capacity=cap))
    params = env.default_params(data, split_windows(data)[0])
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {jax.devices()[0].platform}; "
          f"{data.name}, {a.messages_per_step} messages/step, execution + market maker")
    header = f"{'envs':>6} {'env steps':>10} {'compile s':>10} {'run s':>8} {'train steps/s':>14} " \
             f"{'end-to-end s':>13} {'random-policy steps/s':>22}"
    print(header)
    rows = []
    pol = random_policy(env)
    for E in a.envs:
        T = a.num_steps
        updates = max(1, a.env_steps // (E * T))
        mb = 4
        while (E * T) % mb:
            mb //= 2
        cfg = TrainConfig(num_envs=E, num_steps=T, total_timesteps=E * T * updates, update_epochs=4,
                          num_minibatches=mb, agents=(("execution", AgentConfig()), ("market_making", AgentConfig())))
        train = jax.jit(make_train(cfg, env))
        key = jax.random.PRNGKey(0)
        t0 = time.perf_counter()
        comp = train.lower(key, params).compile()
        t_compile = time.perf_counter() - t0
        t_run = _median(lambda: comp(key, params), a.repeats)
        steps = E * T * updates

        def rand_roll(key, params):
            def one(k):
                obs, st = env.reset(k, params)

                def body(c, kk):
                    obs, st = c
                    k1, k2 = jax.random.split(kk)
                    obs, st, r, d, _ = env.step(k2, st, pol(k1, obs), params)
                    return (obs, st), r

                _, r = jax.lax.scan(body, (obs, st), jax.random.split(k, T * updates))
                return r
            return jax.vmap(one)(jax.random.split(key, E))

        roll = jax.jit(rand_roll).lower(key, params).compile()
        t_rand = _median(lambda: roll(key, params), a.repeats)
        row = {"envs": E, "env_steps": steps, "compile_s": t_compile, "run_s": t_run,
               "train_steps_per_s": steps / t_run, "end_to_end_s": t_compile + t_run,
               "random_policy_steps_per_s": steps / t_rand}
        rows.append(row)
        print(f"{E:>6} {steps:>10,} {t_compile:>10.1f} {t_run:>8.2f} {row['train_steps_per_s']:>14,.0f} "
              f"{row['end_to_end_s']:>13.1f} {row['random_policy_steps_per_s']:>22,.0f}")
    out = {"device": str(jax.devices()[0]), "cores": os.cpu_count(), "messages_per_step": a.messages_per_step,
           "num_steps": a.num_steps, "repeats": a.repeats, "rows": rows}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == "__main__":
    main()
