"""Actor-critic networks for IPPO (Flax linen): an MLP (default) and a GRU variant.

Both share one calling convention, over a time axis, so the training loop has a single
code path::

    hidden, logits, value = net.apply(params, hidden, obs, resets)
    # obs (T, B, obs_size), resets (T, B) bool, logits (T, B, num_actions), value (T, B)

``resets[t, b]`` is True when ``obs[t, b]`` is the first observation of a new episode
(the recurrent state is zeroed before it is used). The MLP ignores ``hidden`` and
``resets`` and treats every (t, b) independently; its ``hidden`` is a (B, 1) dummy.

Actor and critic are separate towers (no shared trunk), orthogonal initialisation
with gain √2 for hidden layers, 0.01 for the policy head and 1 for the value head —
the usual PPO choices.
"""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from flax.linen.initializers import constant

from hftlab.rl.config import AgentConfig


def orthogonal(gain: float = 1.0):
    """Orthogonal initialiser (orthonormal columns or rows, times ``gain``) without LAPACK.

    Same distribution as ``flax.linen.initializers.orthogonal`` up to column signs, but the
    Gaussian matrix is orthonormalised by Gram–Schmidt (twice, for float32 accuracy) in a
    ``lax.scan`` over columns instead of a QR factorisation. Reason: on a 2-thread CPU the
    batched LAPACK QR that ``vmap(train)`` over seeds produces can deadlock inside
    jaxlib's ``ParallelBatchMap`` (every pool thread waits on sub-tasks that need a free
    thread), so a sweep never finishes. Only used at initialisation; the cost is nil.
    """

    def init(key, shape, dtype=jnp.float32):
        rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
        n, m = max(rows, cols), min(rows, cols)
        a = jax.random.normal(key, (n, m), jnp.float32)

        def gram_schmidt(a):
            def body(q, j):
                v = a[:, j]
                for _ in range(2):  # re-orthogonalise once (CGS2)
                    v = v - q @ (q.T @ v)
                v = v / jnp.maximum(jnp.linalg.norm(v), 1e-12)
                return q.at[:, j].set(v), None

            q, _ = jax.lax.scan(body, jnp.zeros_like(a), jnp.arange(m))
            return q

        q = gram_schmidt(a)
        q = q if rows >= cols else q.T
        return (gain * q).reshape(shape).astype(dtype)

    return init


def _act(name: str):
    return nn.tanh if name == "tanh" else nn.relu


class _Towers(nn.Module):
    """Separate actor and critic MLP towers on a feature vector."""

    num_actions: int
    hidden: tuple[int, ...]
    activation: str

    @nn.compact
    def __call__(self, x):
        act = _act(self.activation)
        a = x
        for h in self.hidden:
            a = act(nn.Dense(h, kernel_init=orthogonal(np.sqrt(2)), bias_init=constant(0.0))(a))
        logits = nn.Dense(self.num_actions, kernel_init=orthogonal(0.01), bias_init=constant(0.0))(a)
        c = x
        for h in self.hidden:
            c = act(nn.Dense(h, kernel_init=orthogonal(np.sqrt(2)), bias_init=constant(0.0))(c))
        value = nn.Dense(1, kernel_init=orthogonal(1.0), bias_init=constant(0.0))(c)
        return logits, jnp.squeeze(value, -1)


class MLPActorCritic(nn.Module):
    num_actions: int
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"

    @nn.compact
    def __call__(self, hidden, obs, resets):
        logits, value = _Towers(self.num_actions, self.hidden, self.activation)(obs)
        return hidden, logits, value


class _ResetGRU(nn.Module):
    """One GRU step that zeroes the carry where an episode starts; scanned over time."""

    size: int

    @functools.partial(
        nn.scan, variable_broadcast="params", in_axes=0, out_axes=0, split_rngs={"params": False})
    @nn.compact
    def __call__(self, carry, xs):
        x, reset = xs
        carry = jnp.where(reset[:, None], jnp.zeros_like(carry), carry)
        carry, y = nn.GRUCell(features=self.size, recurrent_kernel_init=orthogonal(1.0))(carry, x)
        return carry, y


class GRUActorCritic(nn.Module):
    """Dense embedding → GRU (reset at episode starts) → actor and critic towers."""

    num_actions: int
    hidden: tuple[int, ...] = (64, 64)
    gru_size: int = 64
    activation: str = "tanh"

    @nn.compact
    def __call__(self, hidden, obs, resets):
        emb = _act(self.activation)(
            nn.Dense(self.gru_size, kernel_init=orthogonal(np.sqrt(2)), bias_init=constant(0.0))(obs))
        hidden, feats = _ResetGRU(self.gru_size)(hidden, (emb, resets))
        logits, value = _Towers(self.num_actions, self.hidden, self.activation)(feats)
        return hidden, logits, value


def make_network(cfg: AgentConfig, num_actions: int) -> nn.Module:
    if cfg.network == "gru":
        return GRUActorCritic(num_actions, tuple(cfg.hidden), cfg.gru_size, cfg.activation)
    return MLPActorCritic(num_actions, tuple(cfg.hidden), cfg.activation)


def initial_hidden(cfg: AgentConfig, batch: int) -> jnp.ndarray:
    """Zero recurrent state for ``batch`` actors ((B, 1) dummy for the MLP)."""
    return jnp.zeros((batch, cfg.gru_size if cfg.network == "gru" else 1), jnp.float32)


def init_params(cfg: AgentConfig, num_actions: int, obs_size: int, key: jax.Array):
    net = make_network(cfg, num_actions)
    h = initial_hidden(cfg, 1)
    return net.init(key, h, jnp.zeros((1, 1, obs_size), jnp.float32), jnp.zeros((1, 1), bool))
