"""Trained IPPO parameters in one file, and checkpoints of a run in progress.

**Checkpoints** (orbax-checkpoint): :func:`train_in_chunks` runs ``train``'s updates in
chunks of ``every`` updates (``train.init`` then ``train.run_updates``, vmapped over the
seed keys, one compiled chunk) and after each chunk writes a checkpoint to ``directory``:
the whole runner state — parameters, optimiser states, the PRNG key, the environments'
states (each environment's window and message pointer: the data position), the
recurrent states and running returns — plus the metrics so far and the update count.
``resume=True`` restores the latest checkpoint and continues; the result is bit for bit
the one of an uninterrupted run with the same ``every`` (``tests/test_checkpoint.py``).
The two newest checkpoints are kept. With several processes (:mod:`hftlab.rl.distributed`) every
process calls it with its own share; the folder must be shared, each process writes and
restores its own shards of the environment states. Against one compiled call of the whole run
(``jax.jit(vmap(train))``) the chunked run agrees to float32 rounding, not bit for bit:
XLA compiles a loop of 7 updates and loops of 3 with different fusions (measured on the
toy task: relative differences of the parameters up to 2e-7 after 6 updates).

**Parameters** (flax msgpack serialization, one file):

The file holds the parameter pytree (``{agent type: flax params}``, possibly with
leading seed / grid axes from a sweep) and a JSON header with the
:class:`~hftlab.rl.config.TrainConfig` (so the networks can be rebuilt) and any extra
metadata (environment config, seeds, data windows)::

    save_params("figures/ippo.msgpack", params, config, meta={"seeds": [0, 1, 2, 3]})
    params, config, meta = load_params("figures/ippo.msgpack")
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import serialization

from hftlab.errors import InputError
from hftlab.rl.config import AgentConfig, TrainConfig

FORMAT = "hftlab-ippo-1"


def config_to_dict(config: TrainConfig) -> dict:
    d = asdict(config)
    d["agents"] = [[n, asdict(a)] for n, a in config.agents]
    return d


def config_from_dict(d: dict) -> TrainConfig:
    d = dict(d)
    d.pop("snapshots", None)  # files written while TrainConfig had it (always 0 for a saved run's config)
    agents = []
    for n, a in d.pop("agents", []):
        a = dict(a)
        a["hidden"] = tuple(a.get("hidden", (64, 64)))
        agents.append((n, AgentConfig(**a)))
    return TrainConfig(agents=tuple(agents), **d)


def save_params(path, params, config: TrainConfig | None = None, meta: dict | None = None) -> Path:
    path = Path(path)
    if not path.parent.exists():
        raise InputError(f"save_params: folder {path.parent} does not exist")
    header = {"format": FORMAT, "config": config_to_dict(config) if config is not None else None,
              "meta": meta or {}}
    blob = {"header": np.frombuffer(json.dumps(header).encode(), np.uint8),
            "params": jax.tree_util.tree_map(np.asarray, jax.device_get(params))}
    path.write_bytes(serialization.msgpack_serialize(blob))
    return path


def load_params(path):
    """``(params, config or None, meta)`` from a file written by :func:`save_params`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"load_params: {path} does not exist")
    try:
        blob = serialization.msgpack_restore(path.read_bytes())
        header = json.loads(bytes(np.asarray(blob["header"], np.uint8)).decode())
    except Exception as exc:  # noqa: BLE001 - any decoding failure is a bad file
        raise InputError(f"load_params: {path} is not an IPPO parameter file ({type(exc).__name__})") from None
    if header.get("format") != FORMAT:
        raise InputError(f"load_params: {path} has format {header.get('format')!r}, expected {FORMAT!r}")
    config = config_from_dict(header["config"]) if header.get("config") else None
    return blob["params"], config, header.get("meta", {})


# --------------------------------------------------------------------------------------------
# checkpoints of a run in progress (orbax-checkpoint)
# --------------------------------------------------------------------------------------------
def _manager(directory, create: bool):
    import orbax.checkpoint as ocp

    return ocp.CheckpointManager(Path(directory).resolve(),
                                 options=ocp.CheckpointManagerOptions(max_to_keep=2, create=create))


def latest_update(directory) -> int | None:
    """The update count of the newest checkpoint in ``directory`` (None: no checkpoint there)."""
    d = Path(directory)
    if not d.is_dir():
        return None
    return _manager(d, create=False).latest_step()


def _flat(runner) -> dict:
    return {f"{i:05d}": leaf for i, leaf in enumerate(jax.tree_util.tree_leaves(runner))}


def _concat(chunks: list):
    return jax.tree_util.tree_map(lambda *xs: np.concatenate([np.asarray(x) for x in xs], axis=1), *chunks)


def train_in_chunks(train, keys, env_params, hparams=None, every: int | None = None, directory=None,
                    resume: bool = False, log=print, on_chunk=None, stream=None) -> dict:
    """``jax.vmap(train)(keys, env_params, hparams)`` run in chunks of ``every`` updates, with checkpoints.

    Args:
      train: from :func:`hftlab.rl.ippo.make_train`.
      keys: one PRNG key per run (:func:`hftlab.rl.sweep.seed_keys`); outputs carry that leading axis.
      every: updates per chunk (default: all of them in one chunk).
      directory: write a checkpoint there after every chunk (None: no checkpoints).
      resume: continue from the newest checkpoint in ``directory`` (an error when there is none,
        or when it was written for other keys).
      on_chunk: ``on_chunk(updates_done)`` after each chunk (e.g. a progress line).
      stream: environment parameters streamed between chunks instead of ``env_params`` (which may be
        None): an object with ``num_shards`` and ``params(i)``, the environment parameters of shard ``i``
        (e.g. :class:`hftlab.env.data.DayStream`: a few days each), every shard of the same shapes, so
        the compiled chunk is reused. Chunk ``c`` trains on shard ``c % num_shards``; when the shard
        changes every environment starts a new episode on it (``train.restart_envs``). The next shard is
        read and sent to the device while a chunk runs: at most two shards are on the device. With
        several processes, process ``p`` trains chunk ``c`` on shard ``(c * processes + p) % num_shards``:
        each process's environments read only its own days
        (:class:`~hftlab.rl.sharding.PerDevice` parameters).

    Returns ``{"params", "metrics"}`` as ``jax.vmap(train)`` does (metrics ``(runs, updates)``).
    """
    from hftlab.rl.config import default_hparams

    U = train.config.num_updates
    every = U if not every else int(every)
    if every < 1:
        raise InputError(f"train_in_chunks: every must be a positive number of updates (got {every})")
    if resume and directory is None:
        raise InputError("train_in_chunks: resume needs a checkpoint directory")
    hparams = hparams if hparams is not None else default_hparams(train.config, train.types)
    if not hasattr(train, "chunked"):  # compiled once per train function, reused by every call
        train.chunked = (jax.jit(jax.vmap(train.init, in_axes=(0, None, None))),
                         jax.jit(jax.vmap(train.run_updates, in_axes=(0, None, None, None, None)), static_argnums=(4,)),
                         jax.jit(jax.vmap(train.restart_envs, in_axes=(0, None, None))))
    init, run, restart = train.chunked
    procs, me = jax.process_count(), jax.process_index()
    if stream is not None:
        if stream.num_shards < 1:
            raise InputError("train_in_chunks: the stream has no shards")
        S = stream.num_shards

        def shards(c):  # every process's shard at chunk c (process p: shard (c * procs + p) % S)
            return tuple((c * procs + p) % S for p in range(procs))

        def load(c):  # this process's shard; several processes: each device holds its process's shard
            p = stream.params(shards(c)[me])
            if procs > 1:
                from hftlab.rl.sharding import per_device_params

                p = per_device_params(p, train.mesh)
            return p

        env_params = load(0)
    else:
        def shards(c):
            return None
    keys = jnp.asarray(keys)
    mngr = _manager(directory, create=True) if directory is not None else None
    done, chunks = 0, []
    if resume:
        step = mngr.latest_step()
        if step is None:
            raise InputError(f"--resume: no checkpoint in {directory}")
        import orbax.checkpoint as ocp

        if jax.process_count() > 1:  # several processes: each restores its own shards of the runner state
            fresh = init(keys, env_params, hparams)
            treedef = jax.tree_util.tree_structure(fresh)
            metrics = jax.eval_shape(run, fresh, env_params, hparams, 0, int(step))
            target = {"runner": {k: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=x.sharding)
                                 for k, x in _flat(fresh).items()},
                      "metrics": jax.tree_util.tree_map(lambda m: np.zeros(m.shape, m.dtype), metrics[1]),
                      "update": np.zeros((), np.int64), "keys": np.asarray(keys)}
            try:
                state = mngr.restore(step, args=ocp.args.StandardRestore(target))
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"--resume: the checkpoint in {directory} does not match this configuration "
                                 f"({type(exc).__name__}: {str(exc)[:3000]})") from None
            leaves = [state["runner"][k] for k in sorted(state["runner"])]
        else:
            state = mngr.restore(step, args=ocp.args.StandardRestore())
            treedef = jax.tree_util.tree_structure(jax.eval_shape(init, keys, env_params, hparams))
            leaves = [jnp.asarray(state["runner"][k]) for k in sorted(state["runner"])]
            if len(leaves) != treedef.num_leaves:
                raise InputError(f"--resume: the checkpoint in {directory} does not match this configuration")
        if not np.array_equal(np.asarray(state["keys"]), np.asarray(keys)):
            raise InputError(f"--resume: the checkpoint in {directory} was written for other seeds")
        runner = jax.tree_util.tree_unflatten(treedef, leaves)
        done = int(state["update"])
        if stream is not None and done < U:
            env_params = load((done - 1) // every)
        if done:
            chunks.append(jax.tree_util.tree_map(np.asarray, state["metrics"]))
        log(f"resumed from {directory} at update {done} of {U}")
    else:
        runner = init(keys, env_params, hparams)
    upcoming = None
    while done < U:
        count = min(every, U - done)
        chunk = done // every
        if stream is not None and chunk > 0 and shards(chunk) != shards(chunk - 1):
            env_params = upcoming if upcoming is not None else load(chunk)
            runner = restart(runner, env_params, hparams)
        runner, metrics = run(runner, env_params, hparams, done, count)  # dispatched; runs while we go on
        upcoming = None
        if stream is not None and done + count < U and shards(chunk + 1) != shards(chunk):
            upcoming = load(chunk + 1)  # the next shard, read and sent meanwhile
        chunks.append(jax.device_get(metrics))
        done += count
        if mngr is not None:
            import orbax.checkpoint as ocp

            state = {"runner": _flat(runner), "metrics": _concat(chunks), "update": np.int64(done),
                     "keys": np.asarray(keys)}
            mngr.save(done, args=ocp.args.StandardSave(state), force=True)
            mngr.wait_until_finished()
        if on_chunk is not None:
            on_chunk(done)
    if mngr is not None:
        mngr.close()
    return {"params": jax.device_get(runner[0]), "metrics": _concat(chunks)}
