"""Books split over several (fake CPU) devices replay exactly as on one device.

The device count is fixed when JAX starts, so the comparison runs in a subprocess with
``XLA_FLAGS=--xla_force_host_platform_device_count=2``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json, jax, jax.numpy as jnp, numpy as np
    from hftlab.errors import InputError
    from hftlab.lob import devices, engine, lobster, validate

    assert len(jax.devices()) == 2, jax.devices()
    day = lobster.sample_day()
    msgs = lobster.to_messages(day)
    ob = validate.clip_orderbook(day.orderbook)
    starts = np.arange(8) * 997
    books = jax.vmap(lambda r: engine.from_l2(r, 64))(jnp.asarray(ob[starts]))
    win = jnp.asarray(np.stack([msgs[s + 1:s + 301] for s in starts]))
    run = jax.vmap(lambda b, m: engine.replay(b, m)[:2])
    one = jax.device_get(jax.jit(run)(books, win))
    split = devices.shard_books(run)
    two = split(books, win)
    placed = sorted({d.id for leaf in jax.tree_util.tree_leaves(two) for d in leaf.sharding.device_set})
    two = jax.device_get(two)
    same = all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(one), jax.tree_util.tree_leaves(two)))
    trades = int((one[1][..., 1] > 0).sum())
    try:
        split(jax.tree.map(lambda x: x[:3], books), win[:3])
        bad = "no error"
    except InputError as e:
        bad = str(e)
    print(json.dumps(dict(same=same, placed=placed, trades=trades, bad=bad)))
    """
)


def test_books_split_over_two_devices_replay_as_on_one():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["placed"] == [0, 1]
    assert res["trades"] > 0 and res["same"]
    assert "does not split over 2 devices" in res["bad"]
