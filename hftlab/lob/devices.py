"""Batches of books split over all local devices (several GPUs, or the cores of a CPU).

One vmapped replay runs on one device; :func:`shard_books` wraps any function of a batch
of books (leading axis B) so that each device runs it on its own B / D books with
``jax.shard_map``. Each device keeps its own step loop, so there is no traffic between
devices while the books replay — the split costs nothing but the batch has to divide
evenly.

On a CPU, JAX sees one device unless told otherwise; to run one device per core, set
the flag before JAX is first imported::

    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    import jax

    from hftlab.lob import devices, engine
    run = devices.shard_books(jax.vmap(lambda b, m: engine.replay(b, m, trades=False)[0]))
    final = run(books, messages)            # books, messages: leading axis B, a multiple of 2

``python benchmarks/lob_throughput.py --devices 2`` measures both ways in one run.
"""

from __future__ import annotations

from typing import Callable

import jax
import numpy as np
from jax.sharding import Mesh, PartitionSpec as P

from hftlab.errors import InputError

AXIS = "books"


def book_mesh(devices=None) -> Mesh:
    """A one-axis mesh ``("books",)`` over ``devices`` (default: this process's devices)."""
    devs = np.asarray(jax.local_devices() if devices is None else devices).reshape(-1)
    if devs.size == 0:
        raise InputError("book_mesh: no devices given")
    return Mesh(devs, (AXIS,))


class shard_books:
    """``fn`` run on every device of ``mesh`` over its share of the leading (book) axis.

    Args:
      fn: a function of arrays / pytrees whose leading axis is the batch of books (for
        example a ``vmap`` of :func:`hftlab.lob.replay`), returning the same.
      mesh: default :func:`book_mesh` over all local devices.
      replicated: positions of arguments every device gets whole (a day's messages that
        the books index into, for instance) instead of a share.

    Calling it runs the jitted, sharded function (``.lower(*args)`` lowers it, to compile
    ahead of time). The batch must be a multiple of the number of devices (an
    :class:`~hftlab.errors.InputError` says so otherwise).
    """

    def __init__(self, fn: Callable, mesh: Mesh | None = None, replicated: tuple[int, ...] = ()):
        self.fn, self.mesh, self.replicated = fn, (book_mesh() if mesh is None else mesh), tuple(replicated)
        self._jitted: dict[int, Callable] = {}

    def _check(self, args) -> None:
        n_dev = self.mesh.size
        for i, a in enumerate(args):
            if i in self.replicated:
                continue
            for leaf in jax.tree_util.tree_leaves(a):
                size = np.shape(leaf)[0] if np.ndim(leaf) else 0
                if size % n_dev:
                    raise InputError(f"shard_books: a batch of {size} books does not split over {n_dev} devices")

    def _jit(self, n_args: int) -> Callable:
        if n_args not in self._jitted:
            specs = tuple(P() if i in self.replicated else P(AXIS) for i in range(n_args))
            # no collectives inside: each device's books are independent
            mapped = jax.shard_map(self.fn, mesh=self.mesh, in_specs=specs, out_specs=P(AXIS), check_vma=False)
            self._jitted[n_args] = jax.jit(mapped)
        return self._jitted[n_args]

    def __call__(self, *args):
        self._check(args)
        return self._jit(len(args))(*args)

    def lower(self, *args):
        self._check(args)
        return self._jit(len(args)).lower(*args)
