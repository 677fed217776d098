"""Discrete structural causal models as arrays, with exact interventional distributions.

A :class:`DiscreteSCM` is a DAG over ``n`` discrete variables. Every variable's domain is
padded to a common size ``D`` (the largest cardinality) and its conditional probability
table (CPT) is a dense array of shape ``(D,) * (n_parents + 1)``: axes are the parents'
values in the order they are listed, then the variable's own value. Padded values carry
probability 0; rows for padded parent values are never reached.

Exact interventional distributions
----------------------------------
The joint factorises as ``P(v) = prod_i P(v_i | pa_i)``. An intervention ``do(X = x)``
(truncated factorisation) replaces the CPT of every intervened ``X`` by the one-hot row
``1[v_X = x]`` broadcast over its parents; ``P(Y | do(x))`` is then a single
``jnp.einsum`` over all CPTs that keeps only ``Y``'s axis. The einsum is exact (no
sampling), jit-compatible and vmaps over arms.

Arms are interventions: an int array of length ``n`` with ``-1`` for "not intervened";
a set of ``K`` arms is a ``(K, n)`` array. Sampling a reward from ``P(Y | do(a))`` is
distributionally identical to simulating the whole model under ``do(a)`` and reading
``Y`` (tested against :func:`sample` by Monte-Carlo), and far cheaper.

CPT parameterisation used by the constructors: for a binary variable, ``mu`` is
``P(V = 1 | parents)`` listed over the parents' joint values with the **last-listed
parent varying fastest** (the convention of the CAMAB code).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from hftlab.errors import InputError


@dataclass(frozen=True)
class CausalGraph:
    """Static structure of a discrete SCM: names, cardinalities, parents (by index).

    Hashable, so it can be a static argument of jitted functions.
    """

    names: tuple[str, ...]
    cards: tuple[int, ...]
    parents: tuple[tuple[int, ...], ...]

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def D(self) -> int:
        return max(self.cards)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise InputError(f"unknown variable {name!r} (variables: {', '.join(self.names)})") from None

    def edges(self) -> list[tuple[str, str]]:
        return [(self.names[p], self.names[v]) for v in range(self.n) for p in self.parents[v]]

    def topological_order(self) -> tuple[int, ...]:
        order: list[int] = []
        state = [0] * self.n  # 0 new, 1 visiting, 2 done

        def visit(v: int) -> None:
            if state[v] == 2:
                return
            if state[v] == 1:
                raise InputError(f"the graph has a cycle through {self.names[v]!r}")
            state[v] = 1
            for p in self.parents[v]:
                visit(p)
            state[v] = 2
            order.append(v)

        for v in range(self.n):
            visit(v)
        return tuple(order)

    def ancestors(self, v: int) -> set[int]:
        out: set[int] = set()
        stack = list(self.parents[v])
        while stack:
            p = stack.pop()
            if p not in out:
                out.add(p)
                stack.extend(self.parents[p])
        return out


@struct.dataclass
class DiscreteSCM:
    """A discrete SCM: static :class:`CausalGraph` plus padded CPT arrays (a pytree)."""

    cpts: tuple[jax.Array, ...]
    graph: CausalGraph = struct.field(pytree_node=False)

    @property
    def names(self) -> tuple[str, ...]:
        return self.graph.names

    @property
    def cards(self) -> tuple[int, ...]:
        return self.graph.cards


def _as_cpt(name: str, card: int, parent_cards: Sequence[int], table, D: int) -> np.ndarray:
    """Turn a user table into a padded CPT of shape (D,)*(len(parents)+1)."""
    table = np.asarray(table, dtype=np.float64)
    n_rows = int(np.prod(parent_cards)) if parent_cards else 1
    if card == 2 and table.ndim == 1 and table.size == n_rows:
        table = np.stack([1 - table, table], -1)  # binary variable given as mu = P(V=1 | parents)
    table = table.reshape(n_rows, -1)
    if table.shape[1] != card:
        raise InputError(f"CPT of {name!r}: rows have {table.shape[1]} entries, expected {card}")
    if np.any(table < -1e-12) or not np.allclose(table.sum(1), 1.0, atol=1e-6):
        raise InputError(f"CPT of {name!r}: rows must be probability vectors (non-negative, summing to 1)")
    out = np.zeros((D,) * (len(parent_cards) + 1))
    # pad: valid parent rows get the table, padded parent rows a uniform over valid values
    out[..., :card] = 1.0 / card
    idx = np.indices(parent_cards).reshape(len(parent_cards), -1) if parent_cards else np.zeros((0, 1), int)
    for r in range(n_rows):
        out[tuple(idx[:, r])][:card] = table[r]
    return out


def make_scm(
    variables: Sequence[tuple[str, int]],
    parents: dict[str, Sequence[str]],
    tables: dict[str, object],
) -> DiscreteSCM:
    """Build a :class:`DiscreteSCM`.

    ``variables``: ``[(name, cardinality), ...]``; ``parents``: ``{name: [parent names]}``
    (missing = root); ``tables``: ``{name: table}`` where a table is either ``mu``
    (binary variable: ``P(V=1 | parents)`` over parent configurations, last parent
    fastest), a full distribution for a root, or an array ``(n_parent_configs, card)``.
    """
    names = tuple(v for v, _ in variables)
    cards = tuple(int(c) for _, c in variables)
    if len(set(names)) != len(names):
        raise InputError("variable names must be unique")
    if any(c < 1 for c in cards):
        raise InputError("every variable needs a cardinality >= 1")
    for child, ps in parents.items():
        if child not in names:
            raise InputError(f"parents given for unknown variable {child!r}")
        for p in ps:
            if p not in names:
                raise InputError(f"unknown parent {p!r} of {child!r}")
    par = tuple(tuple(names.index(p) for p in parents.get(v, ())) for v in names)
    graph = CausalGraph(names, cards, par)
    graph.topological_order()  # raises on cycles
    D = graph.D
    cpts = []
    for i, v in enumerate(names):
        if v not in tables:
            raise InputError(f"no table given for variable {v!r}")
        cpts.append(jnp.asarray(_as_cpt(v, cards[i], [cards[p] for p in par[i]], tables[v], D), jnp.float32))
    return DiscreteSCM(cpts=tuple(cpts), graph=graph)


# ---------------------------------------------------------------- interventions


def arms_from_dicts(scm: DiscreteSCM, interventions: Sequence[dict[str, int]]) -> jax.Array:
    """``[{var: value}, ...]`` -> ``(K, n)`` int arm array with -1 for not intervened."""
    g = scm.graph
    arms = np.full((len(interventions), g.n), -1, dtype=np.int32)
    for k, iv in enumerate(interventions):
        for name, val in iv.items():
            i = g.index(name)
            if not 0 <= int(val) < g.cards[i]:
                raise InputError(f"arm {k}: value {val} out of range for {name!r} (cardinality {g.cards[i]})")
            arms[k, i] = int(val)
    return jnp.asarray(arms)


def _intervened_cpts(scm: DiscreteSCM, arm: jax.Array) -> list[jax.Array]:
    g = scm.graph
    out = []
    for i, cpt in enumerate(scm.cpts):
        onehot = jax.nn.one_hot(arm[i], g.D, dtype=cpt.dtype)  # all-zero if arm[i] == -1, never used then
        onehot = jnp.broadcast_to(onehot, cpt.shape)
        out.append(jnp.where(arm[i] >= 0, onehot, cpt))
    return out


def _letters(n: int) -> str:
    pool = string.ascii_letters
    if n > len(pool):
        raise InputError(f"exact inference supports at most {len(pool)} variables")
    return pool[:n]


def interventional_marginal(scm: DiscreteSCM, arm: jax.Array, targets: Sequence[int]) -> jax.Array:
    """Exact ``P(targets | do(arm))`` as an array of shape ``(D,) * len(targets)``.

    One einsum over the (intervened) CPTs; ``arm`` is a length-``n`` int array with -1
    for "not intervened". Jit- and vmap-compatible in ``arm``.
    """
    g = scm.graph
    L = _letters(g.n)
    subs = [("".join(L[p] for p in g.parents[i]) + L[i]) for i in range(g.n)]
    out = "".join(L[t] for t in targets)
    return jnp.einsum(",".join(subs) + "->" + out, *_intervened_cpts(scm, arm), optimize="optimal")


def interventional_distribution(scm: DiscreteSCM, arm: jax.Array, target: str | int) -> jax.Array:
    """Exact ``P(Y | do(arm))`` over Y's (padded) values, shape ``(D,)``."""
    t = scm.graph.index(target) if isinstance(target, str) else int(target)
    return interventional_marginal(scm, arm, (t,))


def arm_reward_distributions(scm: DiscreteSCM, arms: jax.Array, target: str | int) -> jax.Array:
    """``(K, card_Y)``: exact reward distribution of every arm."""
    t = scm.graph.index(target) if isinstance(target, str) else int(target)
    dist = jax.vmap(lambda a: interventional_marginal(scm, a, (t,)))(arms)
    return dist[:, : scm.graph.cards[t]]


# ---------------------------------------------------------------- simulation


def sample(scm: DiscreteSCM, key: jax.Array, n_samples: int, arm: jax.Array | None = None) -> jax.Array:
    """Simulate the whole model (ancestral sampling): ``(n_samples, n)`` int values.

    Used to check the exact einsum against Monte-Carlo; under ``do(arm)`` the
    intervened variables are set and their mechanisms ignored.
    """
    g = scm.graph
    if arm is None:
        arm = jnp.full((g.n,), -1, jnp.int32)
    cpts = _intervened_cpts(scm, arm)
    order = g.topological_order()

    def one(k):
        keys = jax.random.split(k, g.n)
        vals = jnp.zeros((g.n,), jnp.int32)
        for i in order:
            probs = cpts[i][tuple(vals[p] for p in g.parents[i])]
            vals = vals.at[i].set(jax.random.categorical(keys[i], jnp.log(probs + 1e-30)))
        return vals

    return jax.vmap(one)(jax.random.split(key, n_samples))
