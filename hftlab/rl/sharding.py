"""Environments sharded over devices with ``jax.sharding`` (Mesh + NamedSharding).

IPPO's data parallelism is over environments: every array with a leading
``num_envs`` axis (environment states, observations, the per-env keys, the rollout's
per-actor arrays, whose leading axis is envs × agents, env-major) is split across a
one-axis mesh ``("envs",)``; parameters and optimiser states are replicated. Inside
``train`` the split is stated with ``jax.lax.with_sharding_constraint`` after every
reset and step, and XLA's SPMD partitioner inserts the collectives (the gradient
all-reduce comes from the minibatch means). The program is the same as on one device,
so results agree up to the order of floating-point reductions.

Single host, several accelerators::

    train = jax.jit(make_train(replace(config, shard_envs=True), env))

Several hosts (each running the same script; ``jax.devices()`` then lists every
device of every host, and the mesh spans them all)::

    import jax
    jax.distributed.initialize(coordinator_address="host0:1234",
                               num_processes=N, process_id=i)  # or no arguments on SLURM / TPU pods
    mesh = env_mesh()                     # all global devices
    train = jax.jit(make_train(config, env, mesh=mesh))
    out = train(key, env_params)          # same key on every host

``num_envs`` must be a multiple of the number of devices. On a CPU, several "devices"
can be faked to test all this: set ``XLA_FLAGS=--xla_force_host_platform_device_count=4``
before JAX is imported.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from flax import struct
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from hftlab.errors import InputError

AXIS = "envs"


def env_mesh(devices=None) -> Mesh:
    """A one-axis mesh named ``"envs"`` over ``devices`` (default: all devices, every host)."""
    devs = np.asarray(jax.devices() if devices is None else devices)
    return Mesh(devs.reshape(-1), (AXIS,))


def check_divisible(num_envs: int, mesh: Mesh) -> None:
    if num_envs % mesh.size:
        raise InputError(f"num_envs={num_envs} is not a multiple of the {mesh.size} devices of the mesh")


def constrain_envs(tree, mesh: Mesh, num_envs: int):
    """Shard the leading axis of every leaf whose leading axis is a multiple of ``num_envs``."""
    spec = NamedSharding(mesh, P(AXIS))

    def one(x):
        if hasattr(x, "ndim") and x.ndim >= 1 and x.shape[0] % num_envs == 0 and x.shape[0] > 0:
            return jax.lax.with_sharding_constraint(x, spec)
        return x

    return jax.tree_util.tree_map(one, tree)


@struct.dataclass
class PerDevice:
    """Environment parameters with a leading axis over the mesh's devices: the environments on device ``i``
    use block ``i`` (e.g. each process its own days). Build it with :func:`per_device_params`;
    ``make_train`` then steps each device's environments on its block (``jax.shard_map``)."""

    params: Any


def per_device_params(params, mesh: Mesh) -> PerDevice:
    """This process's environment parameters as its devices' blocks of a global :class:`PerDevice`.

    Every process passes its own ``params`` (same structure and shapes on every process); the
    result is a global array per leaf, of leading size ``mesh.size``, that never leaves its devices.
    """
    sharding = NamedSharding(mesh, P(AXIS))
    n_local = sum(1 for d in mesh.devices.flat if d.process_index == jax.process_index())

    def one(x):
        x = np.asarray(x)
        return jax.make_array_from_process_local_data(sharding, np.broadcast_to(x, (n_local,) + x.shape))

    return PerDevice(jax.tree_util.tree_map(one, params))
