"""Environment steps per second of ``hftlab.env.MarketEnv``.

    python benchmarks/env_throughput.py [--envs 1 64 1024 4096] [--steps 32] [--repeats 3] [--latency] [--json PATH]

World: two learning agents (execution + market making, random actions) plus fixed-policy
agents (TWAP near touch, fixed-spread market maker, a noise trader), k = 100 historical
messages per step, on the bundled sample day. For each batch size B: one jitted call runs
``steps`` steps of B environments (``lax.scan`` over steps, ``vmap`` over environments,
auto-reset inside); throughput = B x steps / wall time, median of ``repeats`` timed calls
after a first (compiling) call whose time is reported separately. The same run measures
the same world with ``fills="named"`` (historical executions reduce only the order they
name: the cost of the market's fill rule is the difference) and the world with no agents
(the plain replay of the same k messages per step through the environment) as in-run
baselines. ``--latency`` adds the same world with each agent's orders delayed by a delay
drawn per agent and step (geometric, mean 4, 0..20 messages) and observations 10 messages
old. Quick mode (``HFTLAB_QUICK=1``) shrinks the sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np


def measure(env, params, n_envs: int, steps: int, repeats: int) -> dict:
    import jax

    from hftlab.env.baselines import random_policy

    policy = random_policy(env)

    def run(key):
        keys = jax.random.split(key, n_envs)

        def one(k):
            k0, k1 = jax.random.split(k)
            obs, state = env.reset(k0, params)

            def body(carry, kk):
                obs, state = carry
                ka, ks = jax.random.split(kk)
                obs, state, rew, dones, info = env.step(ks, state, policy(ka, obs), params)
                total = sum((r.sum() for r in rew.values()), start=0.0)
                return (obs, state), total

            (_, state), rs = jax.lax.scan(body, (obs, state), jax.random.split(k1, steps))
            # depend on the book so that nothing is optimised away (the no-agent world has no rewards)
            return state.t, rs.sum() + state.view.mid + state.book.events.sum()

        return jax.vmap(one)(keys)

    f = jax.jit(run)
    t0 = time.perf_counter()
    jax.block_until_ready(f(jax.random.PRNGKey(0)))
    compile_s = time.perf_counter() - t0
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(f(jax.random.PRNGKey(r + 1)))
        times.append(time.perf_counter() - t0)
    med = float(np.median(times))
    return {"envs": n_envs, "steps": steps, "compile_s": compile_s, "median_s": med,
            "env_steps_per_s": n_envs * steps / med, "times_s": times}


def main(argv=None) -> int:
    from hftlab.config import quick

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--envs", type=int, nargs="+", default=[1, 64, 256] if quick() else [1, 64, 1024, 4096])
    p.add_argument("--steps", type=int, default=8 if quick() else 32, help="steps per timed call (one episode)")
    p.add_argument("--k", type=int, default=100, help="historical messages per step")
    p.add_argument("--repeats", type=int, default=1 if quick() else 3)
    p.add_argument("--no-baseline", action="store_true", help="skip the no-agent world")
    p.add_argument("--latency", action="store_true",
                   help="also the world with drawn order latency and delayed observations")
    p.add_argument("--json", default=None, help="write the results to this JSON file")
    args = p.parse_args(argv)

    import jax

    from hftlab.env import EnvConfig, MarketEnv, load_market_data
    from hftlab.env.config import latency_distribution
    from hftlab.lob import lobster

    data = load_market_data(lobster.sample_day(), window_len=args.steps * args.k)
    worlds = {"2 learners + TWAP, fixed spread, noise": EnvConfig(
        agents=dict(execution=1, market_making=1, twap_near=1, fixed_spread=1, noise=1), episode_steps=args.steps, messages_per_step=args.k)}
    if args.latency:
        worlds["same, drawn latency 0-20, obs 10 old"] = worlds["2 learners + TWAP, fixed spread, noise"].replace(
            latency_probs=latency_distribution("geometric", 20, mean=4.0), obs_delay=10)
    if not args.no_baseline:
        # the same world where historical executions reduce only the order they name (no agent fills from them)
        worlds["same, fills='named' (plain-replay rule)"] = worlds["2 learners + TWAP, fixed spread, noise"].replace(
            fills="named")
        worlds["no agents (replay only)"] = EnvConfig.market_replay(episode_steps=args.steps, messages_per_step=args.k)
    rows = []
    print(f"device: {jax.devices()[0].device_kind} x{jax.device_count()}, cpus: {os.cpu_count()}, "
          f"k = {args.k}, steps/call = {args.steps}, repeats = {args.repeats}, data: {data}")
    print(f"{'world':42s} {'envs':>6s} {'compile s':>10s} {'median s':>9s} {'env steps/s':>12s}")
    for name, cfg in worlds.items():
        env = MarketEnv(cfg)
        params = env.default_params(data)
        for b in args.envs:
            r = measure(env, params, b, args.steps, args.repeats)
            r.update(world=name, agents=cfg.num_agents_total, rows=env.num_rows + args.k, capacity=cfg.capacity)
            rows.append(r)
            print(f"{name:42s} {b:6d} {r['compile_s']:10.1f} {r['median_s']:9.3f} {r['env_steps_per_s']:12.0f}",
                  flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"k": args.k, "steps": args.steps, "results": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
