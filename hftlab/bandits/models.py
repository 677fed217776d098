"""The causal models of the experiments: online advertising and a Zhang–Bareinboim task.

Online advertising (CAMAB, Zennaro et al. 2024; parameters as in the project spec)
---------------------------------------------------------------------------------
Base ``M0``: Product(3) → Template, Purpose(4) → SubjectLength, Purpose → Template,
SubjectLength → Click, Template → Click, Time(3) → Click; 6 arms do(Product = 0, 1),
do(Purpose = 0..3). Abstract ``M1``: the same graph without Time, Product′ and
Purpose′ binary; 4 arms. Abstraction: Time dropped, Product {0, 2} → 0, {1} → 1,
Purpose {0, 1} → 0, {2, 3} → 1, the rest identity; ω = (0, 1, 2, 2, 3, 3).

:func:`advertising_exact` is the same base with an abstract model built as the *exact*
marginalisation of Time (all other variables and values kept; 6 → 6 arms, ω the
identity): ``P(Click′ | sl, tpl) = Σ_t P(t) P(Click | sl, tpl, t)``, so its IC error is 0.
With :func:`advertising_exact` ``(reversed_reward=True)`` the same models are related by
the reversed reward map Click 0 ↔ 1: a wrong abstraction with a large IC error, where
transfer must hurt.

Zhang–Bareinboim task 1 (built from the published description, parameters chosen here)
---------------------------------------------------------------------------------------
Zhang & Bareinboim (IJCAI 2017) transfer knowledge to a bandit whose reward is
confounded: an unobserved U drives both the source agent's choice X and the reward Y.
Here the base model is that confounded world, ``U(2) → X(2)``, ``U → Y``, ``X → Y``,
with arms do(X = 0), do(X = 1) (interventional means 0.19, 0.71); the abstract model is the coarse model an analyst fits from the
source agent's *observational* data, ``X′ → Y′`` with ``P(Y′ | x′) = P(Y | x)`` (U is
not represented; observational means 0.10, 0.80). The confounding bias is the
abstraction error; the parameters are chosen so that the IC error is 0.3 in W2 on the
reward, as in the CAMAB table, and the abstract gap (0.7) is wider than the base gap
(0.52), so that imitating the base agent's exploration costs more than UCB1 in the
abstract problem while the base optimum is the abstract optimum.
The Manski bounds from the observational ``P(X, Y)``, ``P(x, y=1) ≤ μ_x ≤ P(x, y=1) +
1 − P(x)``, are the causal bounds of Zhang–Bareinboim's B-UCB.
"""

from __future__ import annotations

import numpy as np

from hftlab.bandits.abstraction import Abstraction, make_abstraction
from hftlab.bandits.scm import DiscreteSCM, arms_from_dicts, make_scm

# ------------------------------------------------------------------ advertising

ADVERTISING_BASE_EDGES = {
    "Template": ["Product", "Purpose"],
    "SubjectLength": ["Purpose"],
    "Click": ["SubjectLength", "Template", "Time"],
}


def advertising_base() -> DiscreteSCM:
    """``M0`` of the online-advertising problem (6 variables, reward Click)."""
    return make_scm(
        [("Product", 3), ("Purpose", 4), ("SubjectLength", 2), ("Template", 2), ("Time", 3), ("Click", 2)],
        ADVERTISING_BASE_EDGES,
        {
            "Product": [0.2, 0.2, 0.6],
            "Purpose": [0.05, 0.6, 0.3, 0.05],
            "SubjectLength": [0.7, 0.7, 0.3, 0.3],
            "Template": [0.8, 0.9, 0.5, 0.2, 0.8, 0.9, 0.5, 0.2, 0.6, 0.7, 0.6, 0.5],
            "Time": [0.5, 0.2, 0.3],
            "Click": 1.0 - np.array([3, 4, 5, 4, 5, 6, 4, 5, 6, 5, 6, 7]) / 9.0,
        },
    )


def advertising_abstract() -> DiscreteSCM:
    """``M1``: Product′, Purpose′ binary, no Time (reward Click)."""
    return make_scm(
        [("Product", 2), ("Purpose", 2), ("SubjectLength", 2), ("Template", 2), ("Click", 2)],
        {"Template": ["Product", "Purpose"], "SubjectLength": ["Purpose"], "Click": ["SubjectLength", "Template"]},
        {
            "Product": [0.8, 0.2],
            "Purpose": [0.65, 0.35],
            "SubjectLength": [0.7, 0.3],
            "Template": [0.7, 0.5, 0.85, 0.35],
            "Click": 1.0 - np.array([4, 5, 5, 6]) / 9.0,
        },
    )


def advertising_base_arms(scm: DiscreteSCM):
    return arms_from_dicts(scm, [{"Product": 0}, {"Product": 1}] + [{"Purpose": v} for v in range(4)])


def advertising() -> Abstraction:
    """The CAMAB online-advertising abstraction ``M0 → M1`` (6 base → 4 abstract arms)."""
    m0, m1 = advertising_base(), advertising_abstract()
    a_arms = arms_from_dicts(m1, [{"Product": 0}, {"Product": 1}, {"Purpose": 0}, {"Purpose": 1}])
    return make_abstraction(
        m0,
        m1,
        var_map={v: v for v in ["Product", "Purpose", "SubjectLength", "Template", "Click"]},
        alphas={"Product": [0, 1, 0], "Purpose": [0, 0, 1, 1]},
        base_arms=advertising_base_arms(m0),
        abstract_arms=a_arms,
        base_reward="Click",
    )


def advertising_time_marginalised() -> DiscreteSCM:
    """``M0`` with Time summed out exactly (an abstract model with IC error 0)."""
    p_time = np.array([0.5, 0.2, 0.3])
    mu = (1.0 - np.array([3, 4, 5, 4, 5, 6, 4, 5, 6, 5, 6, 7]) / 9.0).reshape(2, 2, 3)
    return make_scm(
        [("Product", 3), ("Purpose", 4), ("SubjectLength", 2), ("Template", 2), ("Click", 2)],
        {"Template": ["Product", "Purpose"], "SubjectLength": ["Purpose"], "Click": ["SubjectLength", "Template"]},
        {
            "Product": [0.2, 0.2, 0.6],
            "Purpose": [0.05, 0.6, 0.3, 0.05],
            "SubjectLength": [0.7, 0.7, 0.3, 0.3],
            "Template": [0.8, 0.9, 0.5, 0.2, 0.8, 0.9, 0.5, 0.2, 0.6, 0.7, 0.6, 0.5],
            "Click": (mu @ p_time).ravel(),
        },
    )


def advertising_exact(reversed_reward: bool = False) -> Abstraction:
    """``M0 →`` its exact Time-marginalisation (IC error 0); with ``reversed_reward`` the
    reward map is Click 0 ↔ 1 instead of the identity (a wrong abstraction)."""
    m0, m1 = advertising_base(), advertising_time_marginalised()
    return make_abstraction(
        m0,
        m1,
        var_map={v: v for v in ["Product", "Purpose", "SubjectLength", "Template", "Click"]},
        alphas={"Click": [1, 0]} if reversed_reward else {},
        base_arms=advertising_base_arms(m0),
        abstract_arms=advertising_base_arms(m1),
        base_reward="Click",
    )


# ------------------------------------------------------------------ Zhang–Bareinboim

ZB_P_U = np.array([0.5, 0.5])
# the source agent's behaviour P(X | U): it sees U and mostly picks X = U
ZB_P_X_GIVEN_U = np.array([[0.8, 0.2], [0.2, 0.8]])
# P(Y = 1 | X, U), rows U, columns X
ZB_MU_Y = np.array([[0.04, 0.56], [0.34, 0.86]])


def zhang_bareinboim_base() -> DiscreteSCM:
    """The confounded world: U → X, U → Y, X → Y; arms do(X = x)."""
    return make_scm(
        [("U", 2), ("X", 2), ("Y", 2)],
        {"X": ["U"], "Y": ["X", "U"]},
        {"U": ZB_P_U, "X": ZB_P_X_GIVEN_U, "Y": ZB_MU_Y.T.ravel()},
    )


def zhang_bareinboim_observational() -> tuple[np.ndarray, np.ndarray]:
    """``P(x)`` and ``P(Y = 1 | x)`` of the source agent's observational data."""
    joint = ZB_P_U[:, None] * ZB_P_X_GIVEN_U  # (U, X)
    px = joint.sum(0)
    py_given_x = (joint * ZB_MU_Y).sum(0) / px
    return px, py_given_x


def zhang_bareinboim_bounds() -> tuple[np.ndarray, np.ndarray]:
    """Manski bounds on ``μ_x = P(Y=1 | do(x))`` from the observational ``P(X, Y)``."""
    px, py = zhang_bareinboim_observational()
    return px * py, px * py + 1.0 - px


def zhang_bareinboim() -> Abstraction:
    """Confounded base ``(U, X, Y)`` → the analyst's coarse model ``X′ → Y′`` (U dropped)."""
    m0 = zhang_bareinboim_base()
    px, py = zhang_bareinboim_observational()
    m1 = make_scm([("X", 2), ("Y", 2)], {"Y": ["X"]}, {"X": px, "Y": py})
    return make_abstraction(
        m0,
        m1,
        var_map={"X": "X", "Y": "Y"},
        alphas={},
        base_arms=arms_from_dicts(m0, [{"X": v} for v in range(2)]),
        abstract_arms=arms_from_dicts(m1, [{"X": v} for v in range(2)]),
        base_reward="Y",
    )
