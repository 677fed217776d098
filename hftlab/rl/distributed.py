"""Training as several processes with ``jax.distributed`` (one per host, or per GPU).

Every process runs the same program. :func:`initialize` joins the processes (a
coordinator address, the number of processes, this one's id); ``jax.devices()`` then
lists the devices of every process, and :func:`hftlab.rl.ippo.make_train` builds its
environment mesh (:mod:`hftlab.rl.sharding`) over all of them: each process steps its own
shard of the ``num_envs`` environments (the windows they sample, so the data they read),
and XLA's partitioner averages the minibatch gradients across processes with collectives
(gloo on CPUs, NCCL on GPUs). Parameters and optimiser states are replicated, so every
process ends with the same parameters: those of one process running all ``num_envs``
environments, up to the order of floating-point sums (``tests/test_distributed.py``).

On one machine (tests/test_distributed.py starts the library the same way)::

    hftlab train --quick --distributed localhost:12355,2,0 &
    hftlab train --quick --distributed localhost:12355,2,1

On a SLURM cluster, one task per node (or per GPU); ``jax.distributed.initialize()``
reads the coordinator, the process count and id from SLURM's variables when they are
not given::

    #!/bin/bash
    #SBATCH --nodes=4 --ntasks-per-node=1 --gpus-per-task=1
    srun hftlab train --config lobster_goog --set train.num_envs=1024 --distributed

Each process needs the data (the days' caches) at the same path; only process 0 prints
and writes files. ``hftlab train`` gives every process all the training days (each steps its
share of the environments on them); with a stream of days
(:func:`hftlab.rl.checkpoint.train_in_chunks` ``stream=``) each process holds and reads only
its own shard of days (:class:`hftlab.rl.sharding.PerDevice`). Checkpoints
(:func:`hftlab.rl.checkpoint.train_in_chunks`) need a folder all processes share: each
writes and restores its own shards of the environment states.
"""

from __future__ import annotations

import jax
import numpy as np

from hftlab.errors import InputError


def initialize(coordinator: str | None = None, num_processes: int | None = None,
               process_id: int | None = None) -> None:
    """Join the processes of a run (call before any other JAX work).

    With no arguments the cluster's environment (SLURM, Open MPI, TPU pods) names them.
    On CPUs the cross-process collectives are gloo's.
    """
    if (num_processes is None) != (process_id is None):
        raise InputError("distributed: give both the number of processes and this process's id, or neither")
    if num_processes is not None:
        if num_processes < 1:
            raise InputError(f"distributed: the number of processes must be positive (got {num_processes})")
        if not 0 <= process_id < num_processes:
            raise InputError(f"distributed: process id {process_id} is not in 0..{num_processes - 1}")
        if coordinator is None:
            raise InputError("distributed: several processes need a coordinator address HOST:PORT")
    if coordinator is not None and ":" not in coordinator:
        raise InputError(f"distributed: coordinator {coordinator!r} is not HOST:PORT")
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)
    if jax.process_count() > 1:
        # a first collective over every device while the processes are together: gloo sets up its context
        # once, and gives up if one process reaches it 30 s after the other (a slower compilation would)
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices("hftlab: processes joined")


def several() -> bool:
    """True when this process is one of several (``jax.distributed`` initialised with more than one)."""
    return jax.process_count() > 1


def is_main() -> bool:
    """True on the process that prints and writes files (process 0)."""
    return jax.process_index() == 0


def fetch(tree):
    """Numpy copies of a tree of (possibly global) arrays on every process.

    Replicated arrays (parameters, metrics) come from this process's own copy; arrays split
    across processes (environment states) are gathered from all of them.
    """
    from jax.experimental import multihost_utils

    def one(x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            if x.is_fully_replicated:
                return np.asarray(x.addressable_data(0))
            return np.asarray(multihost_utils.process_allgather(x, tiled=True))
        return np.asarray(x)

    return jax.tree_util.tree_map(one, tree)
