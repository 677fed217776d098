"""Training on many days with a bounded number on the device: peak memory and env steps/s for 1, 10, 100 days.

    python benchmarks/days_stream.py [--days 1 10 100] [--messages 10000] [--days-per-shard 1] [--updates 100]

Generates ``max(--days)`` synthetic LOBSTER days (hftlab.lob.synthetic, ``--messages`` messages
and 2 levels each) into a temporary folder and opens them as a dataset (hftlab.data); then, for
each N of ``--days``, trains IPPO (the quick sample_day market: execution + market making,
16 environments x 16 steps per update) for ``--updates`` updates in compiled chunks of one
update, streaming the first N days through the environment ``--days-per-shard`` at a time
(:class:`hftlab.env.data.DayStream`, ``train_in_chunks(stream=)``): each new shard restarts the
environments on it. The same compiled chunk serves every N (shards have one shape); an untimed
first run on two days compiles it (and the restart on a new shard). Reports per N: wall time, env steps/s, the process's
resident memory after the run and its peak so far (one process, N increasing: a peak that
grows with N would show). For contrast, the memory of holding all N days at once as one
EnvParams (what training without streaming puts on the device).

``--command``: instead, the whole ``hftlab train`` run in its own process per N (the quick
sample_day configuration, ``--updates`` updates, ``--set day=FOLDER --set days_per_shard=1
--set checkpoint_every=1``, held out on one more generated day): its peak resident memory,
its training time (compilation included) and the whole command's wall time.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--messages", type=int, default=10_000, help="messages per generated day")
    ap.add_argument("--days-per-shard", type=int, default=1, help="days on the device at a time")
    ap.add_argument("--updates", type=int, default=100, help="PPO updates per run (one per chunk)")
    ap.add_argument("--command", action="store_true", help="measure `hftlab train` itself, one process per N")
    args = ap.parse_args()
    if args.command:
        return command(args)

    import jax
    import numpy as np

    from hftlab import configs
    from hftlab.data import open_days
    from hftlab.env import MarketEnv
    from hftlab.env.data import DayStream, market_data_from_days
    from hftlab.env.wrappers import FeatureSubset
    from hftlab.lob import engine, synthetic
    from hftlab.rl.checkpoint import train_in_chunks
    from hftlab.rl.ippo import make_train
    from hftlab.rl.sweep import seed_keys

    work = Path(tempfile.mkdtemp(prefix="hftlab-stream-"))
    try:
        t = time.perf_counter()
        for i in range(max(args.days)):
            day = synthetic.generate_day(seed=1000 + i, n_messages=args.messages, levels=2, ticker="SYN",
                                         date=str(np.datetime64("2012-01-02") + i))
            synthetic.save_day(day, work / "days")
        t_gen = time.perf_counter() - t
        t = time.perf_counter()
        ds = open_days(work / "days", cache_dir=work / "cache", log=None)
        t_open = time.perf_counter() - t
        print(f"{len(ds)} days of {args.messages:,} messages: generated in {t_gen:.1f} s, converted in {t_open:.1f} s")

        cfg = configs.quick(configs.get("sample_day"))
        window_len = cfg.env.messages_per_step * cfg.env.episode_steps
        bound = max(max(int(r["peak_bid"]), int(r["peak_ask"])) for r in ds.rows)
        capacity = engine.capacity_for(max(bound, ds.levels), extra_orders=15)
        env = FeatureSubset.named(MarketEnv(cfg.env.replace(capacity=capacity)), cfg.exec_features)
        E, T = 16, 16
        config = replace(cfg.train_config(env.learning_types), num_envs=E, num_steps=T,
                         total_timesteps=E * T * args.updates)
        train = make_train(config, env)
        keys = seed_keys([0])
        overrides = {**cfg.env_params, **cfg.train_env_params}

        def stream(n):
            return DayStream(env, ds.subset(range(n)), args.days_per_shard, window_len, **overrides)

        t = time.perf_counter()
        train_in_chunks(train, keys, None, every=1, stream=stream(min(2, len(ds))), log=lambda _m: None)  # compiles
        t_compile = time.perf_counter() - t
        print(f"compile (and one warm-up run): {t_compile:.1f} s; rss {rss_mib():.0f} MiB, peak {peak_mib():.0f} MiB")
        print(f"{'days':>5} {'shards':>6} {'rows/shard':>10} {'wall s':>7} {'env steps/s':>12} {'rss MiB':>8} "
              f"{'peak MiB':>9} {'all days at once MiB':>21}")
        for n in sorted(args.days):
            s = stream(n)
            t = time.perf_counter()
            out = train_in_chunks(train, keys, None, every=1, stream=s, log=lambda _m: None)
            jax.block_until_ready(out["params"])
            wall = time.perf_counter() - t
            rss, peak = rss_mib(), peak_mib()
            whole = market_data_from_days(ds.subset(range(n)), window_len, measure=False)
            all_mib = (whole.messages.nbytes + whole.seeds.nbytes + whole.starts.nbytes) / 2**20
            print(f"{n:>5} {s.num_shards:>6} {s.shards.rows:>10,} {wall:>7.1f} {E * T * args.updates / wall:>12,.0f} "
                  f"{rss:>8.0f} {peak:>9.0f} {all_mib:>21.1f}")
            del whole
        assert train.chunked[1]._cache_size() == 1  # one compiled chunk served every shard of every N
    finally:
        shutil.rmtree(work)


PEAK = ("import resource, sys; from hftlab.cli import main; rc = main(sys.argv[1:]); "
        "print('peak_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)")


def command(args) -> None:
    """``hftlab train`` streaming N days, each N in a fresh process: peak memory and time."""
    import json
    import os
    import subprocess
    import sys

    import numpy as np

    from hftlab.lob import synthetic

    work = Path(tempfile.mkdtemp(prefix="hftlab-stream-cmd-"))
    try:
        n_max = max(args.days)
        t = time.perf_counter()
        paths = []
        for i in range(n_max + 1):  # the last one is held out
            day = synthetic.generate_day(seed=1000 + i, n_messages=args.messages, levels=2, ticker="SYN",
                                         date=str(np.datetime64("2012-01-02") + i))
            paths.append(synthetic.save_day(day, work / "all"))
        print(f"{n_max + 1} days of {args.messages:,} messages generated in {time.perf_counter() - t:.1f} s")
        env = {**os.environ, "HFTLAB_CACHE": str(work / "cache"), "HFTLAB_FIGURES": str(work / "figures")}
        env.pop("HFTLAB_QUICK", None)
        print(f"{'days':>5} {'peak MiB':>9} {'train s':>8} {'env steps/s':>12} {'command s':>10}")
        for n in sorted(args.days):
            folder = work / f"days{n}"
            folder.mkdir()
            for m, o in paths[:n]:
                (folder / m.name).symlink_to(m)
                (folder / o.name).symlink_to(o)
            out = work / f"run{n}.json"
            cmd = [sys.executable, "-c", PEAK, "train", "--quick", "--no-progress", "--no-figures",
                   "--set", f"day={folder}", "--set", "days_per_shard=1", "--set", "checkpoint_every=1",
                   "--set", f"train.total_timesteps={8 * 8 * args.updates}", "--set", f"heldout_day={paths[-1][0]}",
                   "--json", str(out)]
            t = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t
            if proc.returncode:
                raise SystemExit(f"hftlab train on {n} days failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1]}")
            peak = int(proc.stdout.rsplit("peak_kib", 1)[1].split()[0]) / 1024
            rec = json.loads(out.read_text())
            train_s = rec["wall_time_s"]["train"]
            steps = 8 * 8 * args.updates * len(rec["config"]["seeds"])
            print(f"{n:>5} {peak:>9.0f} {train_s:>8.1f} {steps / train_s:>12,.0f} {wall:>10.1f}", flush=True)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
