"""Causal abstractions ⟨R, a, α⟩ between a base (fine) and an abstract (coarse) SCM.

* ``R``: the relevant base variables (the keys of ``var_map``);
* ``a``: ``R -> abstract variables``, surjective (``var_map``);
* ``α_X'``: for every abstract variable ``X'``, a binary column-stochastic, surjective
  matrix of shape ``(|dom X'|, |dom a^{-1}(X')|)`` mapping the joint values of its
  preimage variables (C order, in the order they are listed) to values of ``X'``.
  A value map may be given as a list ``[α(0), α(1), ...]`` instead of a matrix.

Derived objects:

* the **arm map** ``ω``: base arm (an intervention) -> abstract arm, by applying ``α`` to
  the intervened values; its **preimages** ``ω^{-1}(a')`` as a boolean ``(K', K)`` matrix;
* the **reward-value map**: base reward values -> abstract reward values, and its
  least-squares linear fit ``v' ≈ s·v + b`` (used by TExp);
* the **interventional-consistency (IC) error**

  .. math:: e(α) = \\max_{a} d\\big(α_\\# P_{M}(Y \\mid do(a)),\\; P_{M'}(Y' \\mid do(ω(a)))\\big)

  the largest distance, over the base arms (the intervention pairs ``(a, ω(a))``),
  between "intervene then abstract" and "abstract then intervene". ``d`` is the
  Jensen–Shannon *distance* (square root of the JS divergence, base 2, so in [0, 1]) or
  the ``p``-Wasserstein distance between the two distributions on the abstract reward
  *values* (``W_p`` on the real line, computed from the quantile functions). Targets
  other than the reward (any set of abstract variables, joint distribution) are
  supported for the JS distance.

Validity (checked in the constructor, :class:`~hftlab.errors.InputError` otherwise):
the variable map is onto; every α is binary, column-stochastic and onto; the map
respects the DAG: whenever a base path ``u ⇝ v`` runs between relevant variables
through irrelevant ones only and ``a(u) ≠ a(v)``, the abstract graph has ``a(u)`` as an
ancestor of ``a(v)`` (this is the graph-homomorphism condition of the abstraction
literature, stated on the graph of ``R`` with the irrelevant variables marginalised);
every base arm intervenes only on relevant variables, on whole preimages, and maps to
one of the abstract arms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from hftlab.bandits.scm import DiscreteSCM, arm_reward_distributions, interventional_marginal
from hftlab.errors import InputError


def _alpha_matrix(name: str, spec, n_abs: int, n_base: int) -> np.ndarray:
    m = np.asarray(spec)
    if m.ndim == 1:  # value map given as a list: base value -> abstract value
        if m.size != n_base:
            raise InputError(f"value map of {name!r}: {m.size} entries, expected {n_base} (the preimage's joint values)")
        if np.any(m < 0) or np.any(m >= n_abs) or not np.all(m == np.round(m)):
            raise InputError(f"value map of {name!r}: values must be integers in [0, {n_abs - 1}]")
        mat = np.zeros((n_abs, n_base))
        mat[m.astype(int), np.arange(n_base)] = 1.0
        m = mat
    if m.shape != (n_abs, n_base):
        raise InputError(f"alpha of {name!r}: shape {m.shape}, expected {(n_abs, n_base)}")
    if not np.all((m == 0) | (m == 1)):
        raise InputError(f"alpha of {name!r} is not binary (entries must be 0 or 1)")
    if not np.all(m.sum(0) == 1):
        raise InputError(f"alpha of {name!r} is not column-stochastic: every base value must map to exactly one abstract value")
    if not np.all(m.sum(1) >= 1):
        missing = np.flatnonzero(m.sum(1) == 0).tolist()
        raise InputError(f"alpha of {name!r} is not surjective: abstract values {missing} have no preimage")
    return m.astype(np.float64)


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon distance (sqrt of the divergence, base 2), in [0, 1]."""
    p = np.asarray(p, np.float64).ravel()
    q = np.asarray(q, np.float64).ravel()
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)

    def kl(a, b):
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / b[nz])))

    return float(np.sqrt(max(0.0, 0.5 * kl(p, m) + 0.5 * kl(q, m))))


def wasserstein(p: np.ndarray, q: np.ndarray, values: np.ndarray, order: int = 2) -> float:
    """``W_order`` between two distributions on the same real ``values`` (quantile formula).

    ``W_p^p = ∫_0^1 |F^{-1}(u) - G^{-1}(u)|^p du``, exact for discrete distributions: the
    integrand is piecewise constant between the union of the two CDFs' breakpoints.
    """
    values = np.asarray(values, np.float64)
    srt = np.argsort(values)
    v = values[srt]
    p = np.asarray(p, np.float64)[srt]
    q = np.asarray(q, np.float64)[srt]
    Fp, Fq = np.cumsum(p / p.sum()), np.cumsum(q / q.sum())
    cuts = np.unique(np.concatenate([[0.0], Fp, Fq, [1.0]]).clip(0, 1))
    mids = 0.5 * (cuts[1:] + cuts[:-1])
    widths = np.diff(cuts)
    qp = v[np.minimum(np.searchsorted(Fp, mids, side="left"), len(v) - 1)]
    qq = v[np.minimum(np.searchsorted(Fq, mids, side="left"), len(v) - 1)]
    return float(np.sum(widths * np.abs(qp - qq) ** order) ** (1.0 / order))


@dataclass(frozen=True)
class Abstraction:
    """An abstraction between two :class:`DiscreteSCM` s with their arm sets.

    Construct with :func:`make_abstraction`; fields are numpy arrays (host side).
    """

    base: DiscreteSCM
    abstract: DiscreteSCM
    var_map: dict
    alphas: dict
    preimage_vars: dict
    base_arms: np.ndarray
    abstract_arms: np.ndarray
    base_reward: str
    abstract_reward: str
    base_reward_values: np.ndarray
    abstract_reward_values: np.ndarray
    omega: np.ndarray  # (K,) base arm -> abstract arm

    @property
    def n_base_arms(self) -> int:
        return int(self.base_arms.shape[0])

    @property
    def n_abstract_arms(self) -> int:
        return int(self.abstract_arms.shape[0])

    @property
    def preimages(self) -> np.ndarray:
        """Boolean ``(K', K)``: ``preimages[a', a]`` iff ``ω(a) = a'``."""
        return self.omega[None, :] == np.arange(self.n_abstract_arms)[:, None]

    @property
    def reward_alpha(self) -> np.ndarray:
        return self.alphas[self.abstract_reward]

    # ------------------------------------------------------------- reward maps

    def reward_value_map(self) -> np.ndarray:
        """Abstract reward value of each base reward value (via α_Y)."""
        return self.abstract_reward_values[np.argmax(self.reward_alpha, axis=0)]

    def reward_linear_fit(self) -> tuple[float, float, float]:
        """Least-squares ``v' ≈ slope·v + intercept`` over the reward-value map; returns
        ``(slope, intercept, max_abs_residual)``."""
        v = self.base_reward_values.astype(np.float64)
        w = self.reward_value_map().astype(np.float64)
        if np.ptp(v) == 0:
            return 0.0, float(w.mean()), float(np.max(np.abs(w - w.mean())))
        X = np.stack([v, np.ones_like(v)], 1)
        (s, b), *_ = np.linalg.lstsq(X, w, rcond=None)
        return float(s), float(b), float(np.max(np.abs(X @ np.array([s, b]) - w)))

    # ------------------------------------------------------------- bandit views

    def base_reward_dists(self) -> np.ndarray:
        return np.asarray(arm_reward_distributions(self.base, jnp.asarray(self.base_arms), self.base_reward))

    def abstract_reward_dists(self) -> np.ndarray:
        return np.asarray(arm_reward_distributions(self.abstract, jnp.asarray(self.abstract_arms), self.abstract_reward))

    def base_means(self) -> np.ndarray:
        return self.base_reward_dists() @ self.base_reward_values

    def abstract_means(self) -> np.ndarray:
        return self.abstract_reward_dists() @ self.abstract_reward_values

    # ------------------------------------------------------------- IC error

    def ic_errors(self, distance: str = "js", order: int = 2, targets: Sequence[str] | None = None) -> np.ndarray:
        """Per base arm ``a``: ``d(α_# P(targets | do(a)), P'(targets' | do(ω(a))))``.

        ``distance``: ``"js"`` (Jensen–Shannon distance) or ``"wasserstein"`` (``W_order``
        on the abstract reward values; reward target only).
        """
        if distance not in ("js", "wasserstein"):
            raise InputError(f"unknown IC distance {distance!r} (use 'js' or 'wasserstein')")
        targets = [self.abstract_reward] if targets is None else list(targets)
        if distance == "wasserstein" and targets != [self.abstract_reward]:
            raise InputError("the Wasserstein IC error is defined on the reward values only")
        for t in targets:
            if t not in self.alphas:
                raise InputError(f"unknown abstract target {t!r}")
        pb = self._pushed_base(targets)  # (K, |dom targets'|)
        pa = self._abstract_joint(targets)  # (K', |dom targets'|)
        out = np.empty(self.n_base_arms)
        for k in range(self.n_base_arms):
            q = pa[self.omega[k]]
            if distance == "js":
                out[k] = jensen_shannon(pb[k], q)
            else:
                out[k] = wasserstein(pb[k], q, self.abstract_reward_values, order)
        return out

    def ic_error(self, distance: str = "js", order: int = 2, targets: Sequence[str] | None = None) -> float:
        """The IC error ``e(α)``: the maximum of :meth:`ic_errors`."""
        return float(np.max(self.ic_errors(distance, order, targets)))

    def _pushed_base(self, targets: list[str]) -> np.ndarray:
        g = self.base.graph
        base_vars = [v for t in targets for v in self.preimage_vars[t]]
        idx = tuple(g.index(v) for v in base_vars)
        cards = [g.cards[i] for i in idx]
        marg = jax.vmap(lambda a: interventional_marginal(self.base, a, idx))(jnp.asarray(self.base_arms))
        marg = np.asarray(marg, np.float64)[(slice(None),) + tuple(slice(0, c) for c in cards)]
        K = marg.shape[0]
        # group axes by target, flatten each group, apply its alpha
        out = marg.reshape(K, *[int(np.prod([g.cards[g.index(v)] for v in self.preimage_vars[t]])) for t in targets])
        for j, t in enumerate(targets):
            out = np.moveaxis(np.tensordot(out, self.alphas[t], axes=([1 + j], [1])), -1, 1 + j)
        return out.reshape(K, -1)

    def _abstract_joint(self, targets: list[str]) -> np.ndarray:
        g = self.abstract.graph
        idx = tuple(g.index(t) for t in targets)
        marg = jax.vmap(lambda a: interventional_marginal(self.abstract, a, idx))(jnp.asarray(self.abstract_arms))
        marg = np.asarray(marg, np.float64)[(slice(None),) + tuple(slice(0, g.cards[i]) for i in idx)]
        return marg.reshape(marg.shape[0], -1)


def make_abstraction(
    base: DiscreteSCM,
    abstract: DiscreteSCM,
    var_map: dict[str, str],
    alphas: dict[str, object],
    base_arms,
    abstract_arms,
    base_reward: str,
    base_reward_values: Sequence[float] | None = None,
    abstract_reward_values: Sequence[float] | None = None,
) -> Abstraction:
    """Validate and build an :class:`Abstraction` (see the module docstring for the rules)."""
    gb, ga = base.graph, abstract.graph
    for b, a in var_map.items():
        gb.index(b)
        ga.index(a)
    missing = [a for a in ga.names if a not in set(var_map.values())]
    if missing:
        raise InputError(f"variable map is not surjective: abstract variables {missing} have no preimage")
    if base_reward not in var_map:
        raise InputError(f"the base reward {base_reward!r} is not a relevant variable of the abstraction")
    abstract_reward = var_map[base_reward]
    pre = {a: [b for b in gb.names if var_map.get(b) == a] for a in ga.names}

    mats = {}
    for a in ga.names:
        n_base = int(np.prod([gb.cards[gb.index(b)] for b in pre[a]]))
        spec = alphas.get(a)
        if spec is None:
            if n_base != ga.cards[ga.index(a)]:
                raise InputError(f"no alpha given for {a!r} and its domain differs from its preimage's")
            spec = np.arange(n_base)
        mats[a] = _alpha_matrix(a, spec, ga.cards[ga.index(a)], n_base)
    extra = set(alphas) - set(ga.names)
    if extra:
        raise InputError(f"alphas given for unknown abstract variables {sorted(extra)}")

    _check_dag(gb, ga, var_map)

    barms = np.asarray(base_arms, np.int32)
    aarms = np.asarray(abstract_arms, np.int32)
    if barms.ndim != 2 or barms.shape[1] != gb.n:
        raise InputError(f"base arms must have shape (K, {gb.n})")
    if aarms.ndim != 2 or aarms.shape[1] != ga.n:
        raise InputError(f"abstract arms must have shape (K', {ga.n})")
    omega = np.array([_map_arm(k, arm, gb, ga, var_map, pre, mats, aarms) for k, arm in enumerate(barms)], np.int32)

    bv = np.arange(gb.cards[gb.index(base_reward)], dtype=np.float64) if base_reward_values is None else np.asarray(base_reward_values, np.float64)
    av = np.arange(ga.cards[ga.index(abstract_reward)], dtype=np.float64) if abstract_reward_values is None else np.asarray(abstract_reward_values, np.float64)
    if bv.size != gb.cards[gb.index(base_reward)] or av.size != ga.cards[ga.index(abstract_reward)]:
        raise InputError("reward values must list one number per value of the reward variable")
    return Abstraction(base, abstract, dict(var_map), mats, pre, barms, aarms, base_reward, abstract_reward, bv, av, omega)


def _check_dag(gb, ga, var_map: dict[str, str]) -> None:
    """Every base path u ⇝ v between relevant variables via irrelevant ones must map to an
    abstract ancestral relation a(u) ⇝ a(v) (or stay inside one abstract variable)."""
    relevant = {gb.index(b) for b in var_map}
    children = [[] for _ in range(gb.n)]
    for v in range(gb.n):
        for p in gb.parents[v]:
            children[p].append(v)
    for u in relevant:
        stack, seen = list(children[u]), set()
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            if v in relevant:
                au, av = var_map[gb.names[u]], var_map[gb.names[v]]
                if au != av and ga.index(au) not in ga.ancestors(ga.index(av)):
                    raise InputError(
                        f"variable map breaks the DAG: base path {gb.names[u]} -> {gb.names[v]} maps to {au} -> {av}, "
                        f"which is not a causal path of the abstract graph"
                    )
            else:
                stack.extend(children[v])


def _map_arm(k, arm, gb, ga, var_map, pre, mats, aarms) -> int:
    for i in np.flatnonzero(arm >= 0):
        if gb.names[i] not in var_map:
            raise InputError(f"base arm {k} intervenes on {gb.names[i]!r}, which the abstraction drops")
    out = np.full(ga.n, -1, np.int32)
    for a in ga.names:
        idx = [gb.index(b) for b in pre[a]]
        done = [arm[i] >= 0 for i in idx]
        if not any(done):
            continue
        if not all(done):
            raise InputError(f"base arm {k} intervenes on part of the preimage of {a!r} only")
        flat = int(np.ravel_multi_index(tuple(int(arm[i]) for i in idx), tuple(gb.cards[i] for i in idx)))
        out[ga.index(a)] = int(np.argmax(mats[a][:, flat]))
    hits = np.flatnonzero(np.all(aarms == out[None, :], axis=1))
    if hits.size == 0:
        raise InputError(f"base arm {k} maps to an intervention that is not an abstract arm")
    return int(hits[0])
