"""Sparse simplex projection (sparsemax) without a sort, and k-th largest value.

``sparse_simplex(v)`` solves  argmin_p |p - v|^2  s.t.  p >= 0, sum p = 1,
whose solution is ``p_i = max(v_i - theta, 0)`` with the threshold ``theta`` fixed by
``sum_i max(v_i - theta, 0) = 1``. It is the same map as
``optax.projections.projection_simplex`` (the tests check equality) and gives exact
zeros; it finds ``theta`` by bisection on ``[max v - 1, max v]`` (the threshold always
lies there) and then solves for it exactly on the found support,
``theta = (sum_{i in S} v_i - 1) / |S|``. XLA's sort is slow on CPU; this runs about
twenty times faster there for a few hundred stocks (``benchmarks/fundgan_training.py``).

The derivative is sparsemax's: ``dp = s * dv - (s . dv / |S|) s`` with ``s`` the
support indicator.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

BISECTION_STEPS = 40


@jax.custom_jvp
def sparse_simplex(v: jax.Array) -> jax.Array:
    """Euclidean projection of ``v`` (last axis) onto the probability simplex, exact zeros."""
    vmax = jnp.max(v, axis=-1, keepdims=True)
    lo = vmax - 1.0
    hi = vmax

    def body(_, c):
        lo, hi = c
        mid = 0.5 * (lo + hi)
        over = jnp.sum(jnp.maximum(v - mid, 0.0), axis=-1, keepdims=True) > 1.0
        return jnp.where(over, mid, lo), jnp.where(over, hi, mid)

    lo, hi = jax.lax.fori_loop(0, BISECTION_STEPS, body, (lo, hi))
    # at the lower end the mass is still >= 1, so no support entry is lost; two exact
    # passes drop any entry that sat within float precision of the threshold
    theta = lo
    for _ in range(2):
        supp = v > theta
        k = jnp.maximum(jnp.sum(supp, axis=-1, keepdims=True), 1)
        theta = (jnp.sum(jnp.where(supp, v, 0.0), axis=-1, keepdims=True) - 1.0) / k
    return jnp.maximum(v - theta, 0.0)


@sparse_simplex.defjvp
def _sparse_simplex_jvp(primals, tangents):
    (v,), (dv,) = primals, tangents
    p = sparse_simplex(v)
    s = (p > 0).astype(v.dtype)
    card = jnp.maximum(jnp.sum(s, axis=-1, keepdims=True), 1.0)
    dp = s * dv - (jnp.sum(s * dv, axis=-1, keepdims=True) / card) * s
    return p, dp


def kth_largest(s: jax.Array, k: jax.Array | int) -> jax.Array:
    """The k-th largest value of a vector (k may be traced), by bisection on the count.

    Returns ``c`` with ``#{s_i >= c} >= k`` and as large as possible up to float precision;
    ``s >= kth_largest(s, k)`` then marks the top k (ties aside).
    """
    lo = jnp.min(s)
    hi = jnp.max(s)

    def body(_, c):
        lo, hi = c
        mid = 0.5 * (lo + hi)
        enough = jnp.sum(s >= mid) >= k
        return jnp.where(enough, mid, lo), jnp.where(enough, hi, mid)

    lo, _ = jax.lax.fori_loop(0, BISECTION_STEPS, body, (lo, hi))
    return lo


def kth_largest_rows(v: jax.Array, k: jax.Array) -> jax.Array:
    """Row-wise :func:`kth_largest` along the last axis: ``v`` (..., N), ``k`` (..., 1) (traced).

    Returns (..., 1); ``v >= kth_largest_rows(v, k)`` marks each row's top k (ties aside).
    """
    lo = jnp.min(v, axis=-1, keepdims=True)
    hi = jnp.max(v, axis=-1, keepdims=True)

    def body(_, c):
        lo, hi = c
        mid = 0.5 * (lo + hi)
        enough = jnp.sum(v >= mid, axis=-1, keepdims=True) >= k
        return jnp.where(enough, mid, lo), jnp.where(enough, hi, mid)

    lo, _ = jax.lax.fori_loop(0, BISECTION_STEPS, body, (lo, hi))
    return lo

