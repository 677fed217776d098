"""Environments sharded over 4 (fake CPU) devices give the same training run as one device.

The test process has one CPU device, and the device count is fixed when JAX starts, so
the comparison runs in a subprocess with ``XLA_FLAGS=--xla_force_host_platform_device_count=4``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

SCRIPT = textwrap.dedent(
    """
    import json, jax, numpy as np
    from dataclasses import replace
    from hftlab.rl.config import AgentConfig, TrainConfig
    from hftlab.rl.ippo import make_train
    from hftlab.rl.sharding import env_mesh
    from hftlab.rl.toy import ToyEnv
    from hftlab.errors import InputError

    assert len(jax.devices()) == 4, jax.devices()
    env = ToyEnv()
    cfg = TrainConfig(num_envs=8, num_steps=8, total_timesteps=8 * 8 * 4, update_epochs=2, num_minibatches=2,
                      agents=(("guess", AgentConfig(lr=1e-2, hidden=(16,))),
                              ("chain", AgentConfig(lr=1e-2, hidden=(16,)))))
    p = env.default_params()
    key = jax.random.PRNGKey(3)
    one = jax.device_get(jax.jit(make_train(cfg, env))(key, p))
    sharded_fn = jax.jit(make_train(replace(cfg, shard_envs=True), env))
    hlo = sharded_fn.lower(key, p).compile().as_text()
    four = jax.device_get(sharded_fn(key, p))
    try:
        make_train(replace(cfg, num_envs=6, total_timesteps=6 * 8 * 4), env, mesh=env_mesh())
        bad = "no error"
    except InputError as e:
        bad = str(e)
    out = {"bad": bad, "partitioned": ("all-reduce" in hlo) or ("all-gather" in hlo),
           "mesh": env_mesh().size}
    for name, r in (("one", one), ("four", four)):
        out[name] = {t: {k: np.asarray(v).tolist() for k, v in r["metrics"][t].items()} for t in env.learning_types}
        out[name + "_params"] = [np.asarray(x).ravel()[:50].tolist() for x in jax.tree_util.tree_leaves(r["params"])]
    print("RESULT" + json.dumps(out))
    """
)


def test_sharded_run_equals_single_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")][0]
    out = json.loads(line[len("RESULT"):])
    assert out["mesh"] == 4
    assert out["partitioned"], "the sharded program has no cross-device collective: it was not partitioned"
    assert "not a multiple of the 4 devices" in out["bad"]
    for t in ("guess", "chain"):
        for k, v in out["one"][t].items():
            a, b = np.asarray(v, float), np.asarray(out["four"][t][k], float)
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4, equal_nan=True, err_msg=f"{t}.{k}")
    for a, b in zip(out["one_params"], out["four_params"]):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
