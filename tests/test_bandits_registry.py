"""The bandit-algorithm registry: lookup and registration errors, the built-ins, and
experiments run through it giving the numbers recorded before it existed."""

from __future__ import annotations

import os

import jax
import numpy as np
import pytest

from hftlab.bandits import environments as envs
from hftlab.bandits import experiments as X
from hftlab.bandits import registry
from hftlab.bandits.epidemic import EpidemicConfig
from hftlab.bandits.registry import Algorithm, Problem
from hftlab.bandits.ucb import PolicyParams, init_state, run_policy
from hftlab.errors import InputError

BUILT_IN = ("UCB", "B-UCB", "Thompson", "Gaussian-TS", "eps-greedy", "TOpt", "IMIT", "TExp", "AT-UCB")

# (final pseudo-regret mean, realized-regret mean) over 16 seeds, T = 300, seed 3,
# recorded from camab_experiment before the algorithms were records in the registry
CAMAB_BEFORE = {
    "advertising": {
        "IMIT": (10.75489467, 10.25000604),
        "TExp": (10.99072766, 15.12500647),
        "TOpt": (3.218749464, 3.812506698),
        "UCB": (12.01062375, 14.12500615),
    },
    "zhang_bareinboim": {
        "B-UCB": (0.6999999881, -2.374999352),
        "IMIT": (15.31249911, 13.56250066),
        "TExp": (1.487499956, 1.062500104),
        "TOpt": (0.0, 1.625000644),
        "UCB": (9.843748868, 12.00000034),
    },
    "exact": {
        "IMIT": (14.6138922, 14.29167604),
        "TExp": (13.18264222, 15.41667613),
        "TOpt": (6.500001967, 7.729177505),
        "UCB": (15.20569801, 17.416677),
    },
    "reversed": {
        "IMIT": (14.6138922, 14.29167604),
        "TExp": (17.6113928, 20.10417724),
        "TOpt": (6.500001967, 7.729177505),
        "UCB": (15.20569801, 17.416677),
    },
}

# the same for atucb_experiment on a tiny epidemic (ATUCB_SMALL): per ε of the sweep and
# per n' of the n' sweep (pseudo-regret mean, surviving arms mean); per baseline
# (pseudo-regret mean, realized-regret mean)
ATUCB_SMALL = X.ATUCBSettings(horizon=300, n_seeds=8, n_prime=100, n_prime_grid=(20, 100), n_fine=8, n_coarse=16,
                              epidemic=EpidemicConfig(grid=8, days=40), seed=2)
ATUCB_BEFORE = {
    "eps_star": 0.2809689045,
    "eps_sweep": [(43.55476618, 7.875), (86.78504372, 17.5)] + [(97.14393616, 20.0)] * 6,
    "n_prime_sweep": [(97.14393616, 20.0), (97.14393616, 20.0)],
    "baselines": {"Thompson (Gaussian)": (45.81310701, 43.69484496), "eps-greedy (0.05)": (22.90248179, 24.40281141)},
}


def approx(x):
    return pytest.approx(x, rel=1e-6, abs=1e-6)


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the registry, restored after the test."""
    monkeypatch.setattr(registry, "ALGORITHMS", dict(registry.ALGORITHMS))


def test_built_in_algorithms_are_registered():
    assert set(BUILT_IN) <= set(registry.names())
    for name in BUILT_IN:
        alg = registry.get(name)
        assert alg.name == name and callable(alg.fn) and alg.doc
        assert set(alg.needs) <= set(registry.SIDE_INPUTS)
    assert registry.get("TExp").needs == ("transfer",) and registry.get("AT-UCB").needs == ("coarse",)
    assert registry.get("B-UCB").needs == ("bounds",) and registry.get("UCB").needs == ()
    assert set(X.CAMAB_ALGORITHMS) <= set(registry.names())


def test_unknown_name_is_a_one_line_error_naming_the_known_ones():
    with pytest.raises(InputError) as e:
        registry.get("UCB2")
    msg = str(e.value)
    assert "\n" not in msg and "'UCB2'" in msg
    assert all(name in msg for name in BUILT_IN)
    with pytest.raises(InputError, match="unknown bandit algorithm 'nope'"):
        X.camab_experiment("advertising", 4, algorithms=("UCB", "nope"))


def test_registering_a_taken_name_is_a_one_line_error(scratch_registry):
    with pytest.raises(InputError) as e:
        registry.register(Algorithm("UCB", registry.run_ucb, defaults={"c": 1.0}))
    assert "\n" not in str(e.value) and "'UCB' is already registered" in str(e.value)
    assert registry.get("UCB").defaults["c"] == pytest.approx(2**0.5)  # the built-in is untouched
    new = registry.register(Algorithm("UCB-c1", registry.run_ucb, defaults={"c": 1.0}, doc="UCB1 with c = 1"))
    assert registry.get("UCB-c1") is new
    with pytest.raises(InputError, match="already registered"):
        registry.register(new)
    with pytest.raises(InputError, match="not a side input"):
        registry.register(Algorithm("odd", registry.run_ucb, needs=("oracle",)))


def test_run_checks_parameters_and_side_inputs():
    env = envs.bernoulli([0.2, 0.8, 0.5])
    key = jax.random.key(1)
    # the record's run is the module's function with the defaults filled in
    state, (arms, rewards) = registry.get("UCB").run(key, Problem(env), 300)
    _, (arms0, rewards0) = run_policy(key, env, init_state(3), PolicyParams(), "ucb", 300)
    np.testing.assert_array_equal(arms, arms0)
    np.testing.assert_array_equal(rewards, rewards0)
    assert float(state.counts.sum()) == 300
    _, (a2, _) = registry.get("eps-greedy").run(key, Problem(env), 300, eps=0.05)
    _, (a3, _) = run_policy(key, env, init_state(3), PolicyParams(eps=0.05), "egreedy", 300)
    np.testing.assert_array_equal(a2, a3)
    with pytest.raises(InputError, match="has no parameter 'eps'"):
        registry.get("UCB").run(key, Problem(env), 10, eps=0.1)
    with pytest.raises(InputError, match="needs the problem's 'transfer'"):
        registry.get("TOpt").run(key, Problem(env), 10)
    with pytest.raises(InputError, match="needs the problem's 'coarse'"):
        registry.get("AT-UCB").run(key, Problem(env), 10)
    # padding arms (valid False) are never pulled
    _, (arms, _) = registry.get("Thompson").run(key, Problem(env, valid=np.array([True, False, True])), 200)
    assert not np.any(np.asarray(arms) == 1)


def test_camab_experiments_through_the_registry_give_the_recorded_numbers():
    for name, before in CAMAB_BEFORE.items():
        r = X.camab_experiment(name, 16, horizon=300, seed=3)
        assert set(r["algorithms"]) == set(before), name
        for alg, (pseudo, realized) in before.items():
            a = r["algorithms"][alg]
            assert a["pseudo_regret"]["mean"] == approx(pseudo), (name, alg)
            assert a["realized_regret"]["mean"] == approx(realized), (name, alg)


def test_appending_an_algorithm_leaves_the_others_runs_unchanged():
    r = X.camab_experiment("advertising", 16, horizon=300, seed=3, algorithms=X.CAMAB_ALGORITHMS + ("Thompson",))
    assert set(r["algorithms"]) == set(CAMAB_BEFORE["advertising"]) | {"Thompson"}
    for alg, (pseudo, realized) in CAMAB_BEFORE["advertising"].items():
        assert r["algorithms"][alg]["pseudo_regret"]["mean"] == approx(pseudo), alg
        assert r["algorithms"][alg]["realized_regret"]["mean"] == approx(realized), alg
    assert 0 <= r["algorithms"]["Thompson"]["pseudo_regret"]["mean"] < 300 * float(np.max(r["abstract_means"]))


def test_atucb_experiment_through_the_registry_gives_the_recorded_numbers():
    r = X.atucb_experiment(ATUCB_SMALL)
    assert r["eps_star"] == approx(ATUCB_BEFORE["eps_star"])
    got = [(e["pseudo_regret"]["mean"], e["surviving_arms"]["mean"]) for e in r["eps_sweep"]]
    assert got == [approx(x) for x in ATUCB_BEFORE["eps_sweep"]]
    got = [(e["pseudo_regret"]["mean"], e["surviving_arms"]["mean"]) for e in r["n_prime_sweep"]]
    assert got == [approx(x) for x in ATUCB_BEFORE["n_prime_sweep"]]
    for label, (pseudo, realized) in ATUCB_BEFORE["baselines"].items():
        assert r["baselines"][label]["pseudo_regret"]["mean"] == approx(pseudo), label
        assert r["baselines"][label]["realized_regret"]["mean"] == approx(realized), label


def test_quick_mode_is_an_argument_not_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HFTLAB_QUICK", "1")
    assert X.ATUCBSettings.default() == X.ATUCBSettings()  # the library ignores the variable
    assert X.ATUCBSettings.default(quick=True).horizon < X.ATUCBSettings.default().horizon
    # the command passes --quick on instead of setting the variable
    from hftlab.cli import main

    monkeypatch.delenv("HFTLAB_QUICK")
    rc = main(["bandits", "--quick", "--experiments", "advertising", "--seeds", "16", "--no-figures"])
    assert rc == 0 and "HFTLAB_QUICK" not in os.environ
