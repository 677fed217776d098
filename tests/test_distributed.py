"""Two CPU processes joined by ``jax.distributed`` on localhost train the same parameters as one process
with the same global batch (``num_envs`` environments, split 4 + 4 across the processes).

Not bit for bit: the two processes sum their halves of each minibatch's gradient and loss
separately and then add them across processes (a gloo all-reduce), where one process sums
all samples in one go, so float32 sums are taken in another order; the parameters agree to a
few float32 roundings (relative 1e-5).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from hftlab.errors import InputError

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    role, out = sys.argv[1], sys.argv[2]
    if role != "one":
        from hftlab.rl.distributed import initialize
        initialize(f"localhost:{sys.argv[3]}", 2, int(role))
    import jax
    from hftlab.rl.config import AgentConfig, TrainConfig, default_hparams
    from hftlab.rl.distributed import fetch, is_main
    from hftlab.rl.ippo import make_train
    from hftlab.rl.sweep import seed_keys, vmap_seeds
    from hftlab.rl.toy import ToyEnv

    env = ToyEnv()
    cfg = TrainConfig(num_envs=8, num_steps=8, total_timesteps=8 * 8 * 3, update_epochs=2, num_minibatches=2,
                      agents=(("guess", AgentConfig(lr=1e-2, hidden=(16,))),
                              ("chain", AgentConfig(lr=1e-2, hidden=(16,)))))
    train = make_train(cfg, env)
    keys = seed_keys([0, 1])
    hp = default_hparams(cfg, train.types)
    whole = fetch(jax.jit(vmap_seeds(train))(keys, env.default_params(), hp))
    leaves = jax.tree_util.tree_leaves((whole["params"], whole["metrics"]["guess"]["episode_return"]))
    if is_main():
        np.savez(out, *[np.asarray(x) for x in leaves], devices=len(jax.devices()),
                 local=len(jax.local_devices()))
    """
)


TIMEOUT = 300  # about 30 s on two idle cores; generous for a busy machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_two_processes_train_the_parameters_of_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["JAX_PLATFORMS"] = "cpu"
    port = str(_free_port())
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(i), str(tmp_path / f"p{i}.npz"), port], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(2)]
    for p in procs:
        try:
            out, _ = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail(f"the two processes did not finish in {TIMEOUT} s")
        assert p.returncode == 0, out[-3000:]
    one = subprocess.run([sys.executable, "-c", SCRIPT, "one", str(tmp_path / "one.npz")], env=env,
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert one.returncode == 0, one.stderr[-3000:]
    two, single = np.load(tmp_path / "p0.npz"), np.load(tmp_path / "one.npz")
    assert int(two["devices"]) == 2 and int(two["local"]) == 1 and int(single["devices"]) == 1
    assert not (tmp_path / "p1.npz").exists()  # only process 0 writes
    names = [k for k in single.files if k.startswith("arr_")]
    assert len(names) > 4
    for k in names:
        np.testing.assert_allclose(two[k], single[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_bad_process_settings_are_input_errors():
    from hftlab.rl.distributed import initialize

    with pytest.raises(InputError, match="both"):
        initialize("localhost:1", num_processes=2)
    with pytest.raises(InputError, match="not in 0..1"):
        initialize("localhost:1", 2, 2)
    with pytest.raises(InputError, match="HOST:PORT"):
        initialize("localhost", 2, 0)


def test_train_process_options_bad_input_is_one_line(capsys):
    from hftlab.cli import main

    assert main(["train", "--processes", "2", "--process-id", "2", "--coordinator", "localhost:1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "process id 2 is not in 0..1" in err
    assert main(["train", "--processes", "2", "--coordinator", "localhost:1"]) == 2
    assert "give both" in capsys.readouterr().err
