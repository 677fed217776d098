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
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STREAM_SCRIPT = textwrap.dedent(
    """
    import os
    import sys
    import numpy as np
    role, out, days, cache = sys.argv[1], sys.argv[2], sys.argv[4], sys.argv[5]
    if role != "one":
        from hftlab.rl.distributed import initialize
        initialize(f"localhost:{sys.argv[3]}", 2, int(role))
    sys.path.insert(0, ".")
    import jax
    from hftlab.data import open_days
    from hftlab.rl.checkpoint import train_in_chunks
    from hftlab.rl.config import AgentConfig, TrainConfig
    from hftlab.rl.distributed import is_main
    from hftlab.rl.ippo import make_train
    from hftlab.rl.sweep import seed_keys
    from tests.test_stream import DayToy, ToyStream

    ds = open_days(days, cache_dir=cache, log=None)  # converted already: only read here
    env = DayToy()
    cfg = TrainConfig(num_envs=4, num_steps=8, total_timesteps=4 * 8 * 2, update_epochs=1, num_minibatches=2,
                      agents=(("guess", AgentConfig(hidden=(8,))), ("chain", AgentConfig(hidden=(8,)))))
    train = make_train(cfg, env)
    keys = seed_keys([0])
    own = train_in_chunks(train, keys, None, every=1, stream=ToyStream(ds.shards(1, 64)), log=lambda m: None)

    class Stop(Exception):
        pass

    def stop(done):
        raise Stop

    ck = os.path.join(os.path.dirname(out), "ck")
    try:  # the same run, stopped after its first checkpoint, then resumed
        train_in_chunks(train, keys, None, every=1, stream=ToyStream(ds.shards(1, 64)), directory=ck, on_chunk=stop)
    except Stop:
        pass
    again = train_in_chunks(train, keys, None, every=1, stream=ToyStream(ds.shards(1, 64)), directory=ck,
                            resume=True, log=lambda m: None)
    same = all(np.array_equal(np.asarray(a), np.asarray(b))
               for a, b in zip(jax.tree_util.tree_leaves(own), jax.tree_util.tree_leaves(again)))
    if is_main():
        np.savez(out, day_own=own["metrics"]["guess"]["day"][0], resumed_equal=same)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _launch(script: str, tmp_path, *extra: str, single: bool = True):
    """Run ``script`` as 2 processes joined on localhost, then (``single``) as one process; their .npz outputs."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["JAX_PLATFORMS"] = "cpu"
    env["JAX_ENABLE_COMPILATION_CACHE"] = "false"  # multi-process programs stay out of the shared compilation cache
    port = str(_free_port())
    procs = [subprocess.Popen([sys.executable, "-c", script, str(i), str(tmp_path / f"p{i}.npz"), port, *extra],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for i in range(2)]
    for p in procs:
        try:
            out, _ = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail(f"the two processes did not finish in {TIMEOUT} s")
        assert p.returncode == 0, out[-3000:]
    assert not (tmp_path / "p1.npz").exists()  # only process 0 writes
    if not single:
        return np.load(tmp_path / "p0.npz"), None
    one = subprocess.run([sys.executable, "-c", script, "one", str(tmp_path / "one.npz"), "-", *extra], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert one.returncode == 0, one.stderr[-3000:]
    return np.load(tmp_path / "p0.npz"), np.load(tmp_path / "one.npz")


def test_two_processes_train_the_parameters_of_one(tmp_path):
    two, single = _launch(SCRIPT, tmp_path)
    assert int(two["devices"]) == 2 and int(two["local"]) == 1 and int(single["devices"]) == 1
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

    assert main(["train", "--distributed", "localhost:1,2,2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "process id 2 is not in 0..1" in err
    assert main(["train", "--distributed", "localhost:1,2"]) == 2
    assert "expected HOST:PORT,N,I" in capsys.readouterr().err


def test_each_process_streams_its_own_days(tmp_path):
    """With 2 one-day shards, process 0 trains on day 0 and process 1 on day 1 at once: the episodes of each
    update come half from each day; stopped after a checkpoint and resumed, the run is the uninterrupted one (one process takes the days one after the other, tests/test_stream.py;
    per-device parameters train the parameters of shared ones, test_per_device_parameters_change_nothing)."""
    from hftlab.data import open_days
    from hftlab.lob import synthetic

    for i in range(2):
        day = synthetic.generate_day(seed=i, n_messages=1500, levels=2, ticker="SYN", date=f"2012-07-0{i + 1}")
        synthetic.save_day(day, tmp_path / "days")
    open_days(tmp_path / "days", cache_dir=tmp_path / "cache", log=None)
    two, _ = _launch(STREAM_SCRIPT, tmp_path, str(tmp_path / "days"), str(tmp_path / "cache"), single=False)
    np.testing.assert_array_equal(two["day_own"], [0.5, 0.5])
    assert bool(two["resumed_equal"])  # checkpoints of several processes: resumed = uninterrupted, bit for bit
