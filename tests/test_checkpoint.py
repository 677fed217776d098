"""Training in chunks with orbax checkpoints: a run stopped after a checkpoint and resumed gives exactly
(bit for bit) the parameters and metrics of an uninterrupted run, and the chunked run agrees with one
compiled call of the whole run to float32 rounding."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from hftlab.errors import InputError
from hftlab.rl.checkpoint import latest_update, train_in_chunks
from hftlab.rl.config import AgentConfig, TrainConfig, default_hparams
from hftlab.rl.ippo import make_train
from hftlab.rl.sweep import seed_keys, vmap_seeds
from hftlab.rl.toy import ToyEnv

ENV = ToyEnv()
CFG = TrainConfig(num_envs=8, num_steps=8, total_timesteps=8 * 8 * 4, update_epochs=2, num_minibatches=2,
                  agents=(("guess", AgentConfig(lr=1e-2, hidden=(16,))), ("chain", AgentConfig(lr=1e-2, hidden=(16,)))))
KEYS = seed_keys([0, 1])


def _equal(a, b):
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert jax.tree_util.tree_structure(a) == jax.tree_util.tree_structure(b)
    for x, y in zip(la, lb):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.fixture(scope="module")
def whole():
    """The uninterrupted run, in chunks of 2 updates."""
    train = make_train(CFG, ENV)
    return train, train_in_chunks(train, KEYS, ENV.default_params(), every=2, log=lambda _m: None)


def test_resume_after_a_checkpoint_gives_the_uninterrupted_parameters(whole, tmp_path):
    train, out = whole
    ckpt = tmp_path / "ckpt"
    seen = []

    class Stop(Exception):
        pass

    def stop_after_first(done):  # the run dies right after its first checkpoint
        seen.append(done)
        raise Stop

    with pytest.raises(Stop):
        train_in_chunks(train, KEYS, ENV.default_params(), every=2, directory=ckpt, on_chunk=stop_after_first)
    assert seen == [2] and latest_update(ckpt) == 2
    log = []
    resumed = train_in_chunks(train, KEYS, ENV.default_params(), every=2, directory=ckpt, resume=True, log=log.append)
    assert log == [f"resumed from {ckpt} at update 2 of {CFG.num_updates}"]
    _equal(resumed["params"], out["params"])
    _equal(resumed["metrics"], out["metrics"])
    assert latest_update(ckpt) == CFG.num_updates
    # resuming a finished run returns it as it is
    again = train_in_chunks(train, KEYS, ENV.default_params(), every=2, directory=ckpt, resume=True, log=log.append)
    _equal(again["params"], out["params"])


def test_chunks_agree_with_one_compiled_call(whole):
    train, out = whole
    hp = default_hparams(CFG, train.types)  # passed in, as the study does (not constants of the compiled run)
    one = jax.device_get(jax.jit(vmap_seeds(train))(KEYS, ENV.default_params(), hp))
    for a, b in zip(jax.tree_util.tree_leaves(one["params"]), jax.tree_util.tree_leaves(out["params"])):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_resume_errors(whole, tmp_path):
    train, _ = whole
    with pytest.raises(InputError, match="no checkpoint"):
        train_in_chunks(train, KEYS, ENV.default_params(), every=3, directory=tmp_path / "empty", resume=True)
    other = seed_keys([5, 6])
    train_in_chunks(train, other, ENV.default_params(), every=2, directory=tmp_path / "one", log=lambda _m: None)
    with pytest.raises(InputError, match="other seeds"):
        train_in_chunks(train, KEYS, ENV.default_params(), every=3, directory=tmp_path / "one", resume=True)


def test_configuration_round_trips_through_json():
    import json

    from hftlab import configs

    for name in configs.PRESETS:
        for cfg in (configs.get(name), configs.quick(configs.get(name))):
            cfg = configs.apply(cfg, {"checkpoint_dir": "ckpt", "checkpoint_every": 7})
            assert configs.from_dict(json.loads(json.dumps(configs.to_dict(cfg)))) == cfg
    with pytest.raises(InputError, match="unknown setting"):
        configs.from_dict({"env": {"warp": 9}})
    with pytest.raises(InputError, match="checkpoint_every must be a positive integer"):
        configs.apply(configs.get("sample_day"), {"checkpoint_every": 0})


def test_train_resume_bad_input_is_one_line(tmp_path, capsys):
    from hftlab.cli import main

    assert main(["train", "--resume", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "holds no run" in err
    assert main(["train", "--resume", str(tmp_path), "--set", "seeds=2"]) == 2
    assert "do not apply" in capsys.readouterr().err
