"""The bandit algorithms, as records in one registry.

Every algorithm is one pure run function with one signature::

    run(key, problem, horizon, **params) -> (state, (arms, rewards))

* ``key`` -- the run's PRNG key (vmap over keys for seeds);
* ``problem`` -- a :class:`Problem`: the bandit played (a reward table), which of its
  arms exist, and the side information some algorithms use: prior bounds on the arm
  means (B-UCB), what an agent learned in a base bandit (TOpt, IMIT, TExp), a cheap
  coarse model (AT-UCB);
* ``horizon`` -- the rounds played, a static int (the length of the ``lax.scan``);
* ``params`` -- every hyper-parameter in the record's ``defaults``, by keyword
  (traced values: a grid of them can be vmapped over);

and it returns the final :class:`~hftlab.bandits.ucb.BanditState` and the trace
``(arms, rewards)``, both of shape ``(horizon,)``.

A new algorithm is one module with its run function plus one call::

    register(Algorithm("ETC", run_etc, defaults={"m": 20}, doc="explore then commit"))

after which ``get("ETC")`` returns it and the experiments run it by name (e.g.
``camab_experiment(..., algorithms=(..., "ETC"))``). An unknown name is an
:class:`~hftlab.errors.InputError` naming the known ones. The built-in algorithms are
registered at the bottom of this file; their logic lives in ``ucb.py``,
``transfer.py`` and ``atucb.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import jax
from flax import struct

from hftlab.bandits.atucb import atucb_run
from hftlab.bandits.environments import RewardTable
from hftlab.bandits.transfer import TransferMap, imit_arms, texp_init
from hftlab.bandits.ucb import BanditState, PolicyParams, bounded_init, init_state, play_sequence, run_policy, state_after
from hftlab.errors import InputError

# ------------------------------------------------------------------ what an algorithm is given


@struct.dataclass
class BaseRun:
    """What an agent learned in the base bandit of an abstraction (the transfer algorithms' input)."""

    state: BanditState  # its final pull counts and reward sums
    arms: jax.Array  # (T,) int32: the arms it pulled
    best: jax.Array  # () int32: its recommendation, argmax of its estimates (ties broken at random)
    tmap: TransferMap  # arm map ω and reward map from the base to the abstract bandit


@struct.dataclass
class Coarse:
    """A cheap coarse model of the bandit (AT-UCB's input)."""

    env: RewardTable  # the coarse model's bandit, over the abstract arms
    omega: jax.Array  # (K,) int32: arm of the played bandit -> abstract arm


@struct.dataclass
class Problem:
    """The bandit an algorithm plays, and the side information it may use."""

    env: RewardTable  # arm k pays values[k, j] with probability probs[k, j]
    valid: jax.Array | None = None  # (K,) bool: False for padding arms, never pulled; None: all arms exist
    limit: jax.Array | None = None  # rounds >= limit leave the state unchanged (traces valid up to limit); None: all rounds
    bounds: tuple[jax.Array, jax.Array] | None = None  # prior (lower, upper) bounds on the arm means
    transfer: BaseRun | None = None  # what an agent learned in a base bandit
    coarse: Coarse | None = None  # a cheap model of this bandit

    @property
    def n_arms(self) -> int:
        return self.env.n_arms


SIDE_INPUTS = ("bounds", "transfer", "coarse")  # the optional fields of Problem an algorithm may need

# ------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class Algorithm:
    """A bandit algorithm: its name, its pure run function and what the function needs."""

    name: str
    fn: Callable  # run(key, problem, horizon, **params) -> (state, (arms, rewards))
    needs: tuple[str, ...] = ()  # side inputs of Problem it reads (from SIDE_INPUTS)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # its hyper-parameters, with default values
    doc: str = ""  # one line: what it does

    def run(self, key: jax.Array, problem: Problem, horizon: int, **params):
        """``fn`` with the defaults updated by ``params``; an unknown parameter or a missing
        side input is an :class:`InputError`."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            known = ", ".join(self.defaults) or "none"
            raise InputError(f"bandit algorithm {self.name!r} has no parameter {unknown[0]!r} (its parameters: {known})")
        missing = [n for n in self.needs if getattr(problem, n) is None]
        if missing:
            raise InputError(f"bandit algorithm {self.name!r} needs the problem's {missing[0]!r}, which is not given")
        return self.fn(key, problem, horizon, **{**self.defaults, **params})


ALGORITHMS: dict[str, Algorithm] = {}


def register(alg: Algorithm) -> Algorithm:
    """Add ``alg`` to the registry (a name already taken is an :class:`InputError`)."""
    if alg.name in ALGORITHMS:
        raise InputError(f"bandit algorithm {alg.name!r} is already registered (registered: {', '.join(ALGORITHMS)})")
    bad = [n for n in alg.needs if n not in SIDE_INPUTS]
    if bad:
        raise InputError(f"bandit algorithm {alg.name!r} needs {bad[0]!r}, not a side input ({', '.join(SIDE_INPUTS)})")
    ALGORITHMS[alg.name] = alg
    return alg


def get(name: str) -> Algorithm:
    """The registered algorithm called ``name``."""
    if name not in ALGORITHMS:
        raise InputError(f"unknown bandit algorithm {name!r} (known: {', '.join(ALGORITHMS)})")
    return ALGORITHMS[name]


def names() -> tuple[str, ...]:
    """The registered algorithms' names, in registration order."""
    return tuple(ALGORITHMS)


# ------------------------------------------------------------------ the built-in algorithms

SQRT2 = math.sqrt(2.0)  # c of Auer et al.'s UCB1


def _run(policy: str, key, problem: Problem, horizon: int, params: PolicyParams):
    """A ``ucb.select_arm`` policy from the empty state."""
    start = init_state(problem.n_arms, active=problem.valid)
    return run_policy(key, problem.env, start, params, policy, horizon, problem.limit)


def run_ucb(key, problem: Problem, horizon: int, c):
    return _run("ucb", key, problem, horizon, PolicyParams(c=c))


def run_bucb(key, problem: Problem, horizon: int, c):
    lower, upper = problem.bounds
    start = bounded_init(lower, upper)
    if problem.valid is not None:
        start = start.replace(active=start.active & problem.valid)
    return run_policy(key, problem.env, start, PolicyParams(c=c, upper=upper), "ucb", horizon, problem.limit)


def run_thompson(key, problem: Problem, horizon: int):
    return _run("thompson", key, problem, horizon, PolicyParams())


def run_gaussian_ts(key, problem: Problem, horizon: int):
    return _run("gaussian_ts", key, problem, horizon, PolicyParams())


def run_egreedy(key, problem: Problem, horizon: int, eps):
    return _run("egreedy", key, problem, horizon, PolicyParams(eps=eps))


def run_topt(key, problem: Problem, horizon: int):
    base = problem.transfer
    arms, rewards = play_sequence(key, problem.env, base.tmap.omega[base.best], horizon)
    return state_after(problem.n_arms, arms, rewards, problem.limit), (arms, rewards)


def run_imit(key, problem: Problem, horizon: int):
    base = problem.transfer
    arms, rewards = play_sequence(key, problem.env, imit_arms(base.arms, base.tmap), horizon)
    return state_after(problem.n_arms, arms, rewards, problem.limit), (arms, rewards)


def run_texp(key, problem: Problem, horizon: int, c):
    base = problem.transfer
    warm, _, _ = texp_init(base.state, base.tmap, c)
    return run_policy(key, problem.env, warm, PolicyParams(c=c), "ucb", horizon, problem.limit)


def run_atucb(key, problem: Problem, horizon: int, eps, n_prime, delta, n_max, c, sigma):
    n_max = n_prime if n_max is None else n_max
    return atucb_run(key, problem.env, problem.coarse.env, problem.coarse.omega, eps, n_prime, delta, horizon, n_max,
                     c, sigma, valid=problem.valid)


register(Algorithm("UCB", run_ucb, defaults={"c": SQRT2}, doc="UCB1: mean + c sqrt(ln t / N), unpulled arms first"))
register(Algorithm("B-UCB", run_bucb, needs=("bounds",), defaults={"c": SQRT2},
                   doc="UCB1 clipped to prior upper bounds; arms bounded below the best lower bound eliminated"))
register(Algorithm("Thompson", run_thompson, doc="Thompson sampling, Beta-Bernoulli"))
register(Algorithm("Gaussian-TS", run_gaussian_ts, doc="Thompson sampling, Gaussian (sd 1/2)"))
register(Algorithm("eps-greedy", run_egreedy, defaults={"eps": 0.1},
                   doc="each arm once, then a random arm with probability eps, else the greedy arm"))
register(Algorithm("TOpt", run_topt, needs=("transfer",), doc="play the image under ω of the base agent's best arm"))
register(Algorithm("IMIT", run_imit, needs=("transfer",), doc="replay the base agent's arms mapped through ω"))
register(Algorithm("TExp", run_texp, needs=("transfer",), defaults={"c": SQRT2},
                   doc="UCB1 warm-started from the base estimates mapped through the abstraction, arms eliminated"))
register(Algorithm("AT-UCB", run_atucb, needs=("coarse",),
                   defaults={"eps": math.inf, "n_prime": 2000, "delta": 0.05, "n_max": None, "c": SQRT2, "sigma": 0.5},
                   doc="explore the coarse model n' times per arm, eliminate, then UCB1 (eps = inf: plain UCB1)"))
