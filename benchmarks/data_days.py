"""Many days (hftlab.data): conversion to the cache, reopening it, windows across days, disk size.

    python benchmarks/data_days.py                                   # the real sample days (top level), if present
    python benchmarks/data_days.py --source 'days/*.zip' --levels 5 --cache /tmp/days_cache

The first open converts every day (LOBSTER CSV -> int32 .npy, the index row with its peak
resting orders); the second finds every day in the cache unchanged; the windows are those of
1,600-message episodes every 800 messages, with per-window peaks measured once and cached.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    from hftlab.data import open_days
    from hftlab.lob import lobster

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=None, help="folder or glob of days (default: the real sample days)")
    ap.add_argument("--levels", type=int, default=1, help="top levels kept of every day (default 1: mixed files)")
    ap.add_argument("--cache", default=None, help="cache folder (default: a fresh temporary one)")
    args = ap.parse_args()
    source = args.source or [str(p) for p in lobster.sample_days()] or [str(lobster.sample_day_paths()[0])]
    cache = Path(args.cache) if args.cache else Path(tempfile.mkdtemp(prefix="hftlab-days-"))
    t = time.perf_counter()
    ds = open_days(source, cache_dir=cache, levels=args.levels, log=None)
    t_convert = time.perf_counter() - t
    t = time.perf_counter()
    ds = open_days(source, cache_dir=cache, levels=args.levels, log=None)
    t_reopen = time.perf_counter() - t
    print(ds)
    print(ds.index.drop(columns=["source"]).to_string())
    t = time.perf_counter()
    w = ds.windows(1600, 800)
    t_w1 = time.perf_counter() - t
    t = time.perf_counter()
    w = ds.windows(1600, 800)
    t_w2 = time.perf_counter() - t
    size = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
    print(f"open: convert {t_convert:.2f} s, reopen from the cache {t_reopen * 1e3:.1f} ms; cache {size / 2**20:.1f} MiB")
    print(f"{w.num_windows} windows of 1600 messages over {len(ds)} days: peaks measured in {t_w1:.2f} s, "
          f"{t_w2 * 1e3:.1f} ms from the cache; peak {w.peak_orders} resting orders per side (index bound {w.bound})")
    if not args.cache:
        shutil.rmtree(cache)


if __name__ == "__main__":
    main()
