"""Causal bandits: SCMs, abstractions, UCB1, AT-UCB, CAMAB transfer, epidemic pair, CLI."""

from __future__ import annotations

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hftlab.bandits import environments as envs
from hftlab.bandits import metrics as M
from hftlab.bandits import models
from hftlab.bandits.abstraction import make_abstraction, wasserstein
from hftlab.bandits.atucb import atucb_run, atucb_surviving_arms, ucb1_run
from hftlab.bandits.scm import arm_reward_distributions, arms_from_dicts, interventional_marginal, make_scm, sample
from hftlab.bandits.ucb import PolicyParams, init_state, run_policy
from hftlab.errors import InputError

# ------------------------------------------------------------------ SCMs


def test_exact_interventional_distribution_matches_monte_carlo():
    m0 = models.advertising_base()
    arms = arms_from_dicts(m0, [{"Product": 1}, {"Purpose": 2}, {}])
    exact = np.asarray(arm_reward_distributions(m0, arms, "Click"))
    n = 60_000
    for k in range(arms.shape[0]):
        draws = np.asarray(sample(m0, jax.random.key(k), n, arms[k]))
        if k < 2:  # the intervened variable is set
            i = int(np.flatnonzero(np.asarray(arms[k]) >= 0)[0])
            assert np.all(draws[:, i] == int(arms[k][i]))
        p_mc = np.mean(draws[:, m0.graph.index("Click")] == 1)
        p = exact[k, 1]
        assert abs(p_mc - p) < 5 * math.sqrt(p * (1 - p) / n), (k, p_mc, p)
        # a two-variable joint marginal too
        t = (m0.graph.index("SubjectLength"), m0.graph.index("Template"))
        joint = np.asarray(interventional_marginal(m0, arms[k], t))[:2, :2]
        mc = np.histogram2d(draws[:, t[0]], draws[:, t[1]], bins=[2, 2], range=[[0, 2], [0, 2]])[0] / n
        assert np.max(np.abs(mc - joint)) < 5 * math.sqrt(0.25 / n)


def test_scm_rejects_bad_input():
    with pytest.raises(InputError, match="cycle"):
        make_scm([("A", 2), ("B", 2)], {"A": ["B"], "B": ["A"]}, {"A": [0.5, 0.5], "B": [0.5, 0.5]})
    with pytest.raises(InputError, match="probability"):
        make_scm([("A", 2)], {}, {"A": [0.7, 0.7]})
    with pytest.raises(InputError, match="unknown parent"):
        make_scm([("A", 2)], {"A": ["Z"]}, {"A": [0.5]})
    with pytest.raises(InputError, match="out of range"):
        arms_from_dicts(models.advertising_base(), [{"Product": 3}])


# ------------------------------------------------------------------ abstractions


def test_ic_error_zero_for_exact_and_positive_for_perturbed():
    exact = models.advertising_exact()
    assert exact.ic_error("js") < 1e-6
    assert exact.ic_error("wasserstein", 1) < 1e-6
    assert exact.ic_error("js", targets=["Template", "Click"]) < 1e-6
    np.testing.assert_allclose(exact.base_means(), exact.abstract_means(), atol=1e-6)
    # perturb one mechanism of the exact abstract model: the error becomes positive
    m1 = exact.abstract
    cpts = list(m1.cpts)
    i = m1.graph.index("Click")
    cpts[i] = cpts[i].at[0, 0].set(jnp.array([0.9, 0.1, 0.0, 0.0]))
    perturbed = make_abstraction(exact.base, m1.replace(cpts=tuple(cpts)), exact.var_map, {}, exact.base_arms,
                                 exact.abstract_arms, "Click")
    assert perturbed.ic_error("js") > 0.01
    assert perturbed.ic_error("wasserstein", 2) > 0.05
    # the CAMAB advertising abstraction is not exact
    ab = models.advertising()
    assert ab.ic_error("js") > 0.01 and ab.ic_error("wasserstein", 1) > 0.01
    assert ab.omega.tolist() == [0, 1, 2, 2, 3, 3]
    assert ab.preimages.sum(1).tolist() == [1, 1, 2, 2]


def test_wasserstein_on_values():
    v = np.array([0.0, 1.0])
    assert wasserstein(np.array([0.5, 0.5]), np.array([0.5, 0.5]), v) == pytest.approx(0.0)
    assert wasserstein(np.array([1.0, 0.0]), np.array([0.0, 1.0]), v, 1) == pytest.approx(1.0)
    assert wasserstein(np.array([0.8, 0.2]), np.array([0.7, 0.3]), v, 2) == pytest.approx(math.sqrt(0.1), abs=1e-9)


def _adv_abstraction(**over):
    m0, m1 = models.advertising_base(), models.advertising_abstract()
    kw = dict(
        var_map={v: v for v in ["Product", "Purpose", "SubjectLength", "Template", "Click"]},
        alphas={"Product": [0, 1, 0], "Purpose": [0, 0, 1, 1]},
        base_arms=models.advertising_base_arms(m0),
        abstract_arms=arms_from_dicts(m1, [{"Product": 0}, {"Product": 1}, {"Purpose": 0}, {"Purpose": 1}]),
        base_reward="Click",
    )
    kw.update(over)
    return make_abstraction(m0, m1, **kw)


def test_invalid_abstractions_raise():
    assert _adv_abstraction().n_abstract_arms == 4
    with pytest.raises(InputError, match="not surjective"):
        _adv_abstraction(alphas={"Product": [0, 0, 0], "Purpose": [0, 0, 1, 1]})
    with pytest.raises(InputError, match="column-stochastic"):
        _adv_abstraction(alphas={"Product": np.array([[1, 0, 1], [1, 1, 0]]), "Purpose": [0, 0, 1, 1]})
    with pytest.raises(InputError, match="not binary"):
        _adv_abstraction(alphas={"Product": np.array([[0.5, 0, 1], [0.5, 1, 0]]), "Purpose": [0, 0, 1, 1]})
    with pytest.raises(InputError, match="variable map is not surjective"):
        _adv_abstraction(var_map={v: v for v in ["Product", "Purpose", "Template", "Click"]})
    with pytest.raises(InputError, match="drops"):
        m0 = models.advertising_base()
        _adv_abstraction(base_arms=arms_from_dicts(m0, [{"Time": 0}]))
    # a variable map that breaks the DAG: Template and SubjectLength swapped, so the base
    # path Purpose -> SubjectLength -> Click maps onto Template', whose parents differ,
    # and base Product -> Template maps to Product' -> SubjectLength' (no such path)
    with pytest.raises(InputError, match="breaks the DAG"):
        _adv_abstraction(var_map={"Product": "Product", "Purpose": "Purpose", "SubjectLength": "Template",
                                  "Template": "SubjectLength", "Click": "Click"})
    with pytest.raises(InputError, match="not an abstract arm"):
        m1 = models.advertising_abstract()
        _adv_abstraction(abstract_arms=arms_from_dicts(m1, [{"Product": 0}, {"Product": 1}, {"Purpose": 0}]))


# ------------------------------------------------------------------ UCB1


def test_ucb1_regret_grows_logarithmically():
    env = envs.bernoulli([0.5, 0.4, 0.3])
    T, S = 2**14, 48
    run = jax.jit(jax.vmap(lambda k: run_policy(k, env, init_state(3), PolicyParams(), "ucb", T)[1][0]))
    arms = run(jax.random.split(jax.random.key(0), S))
    curve = np.asarray(M.pseudo_regret_curve(arms, env.gaps)).mean(0)
    t = np.arange(1, T + 1)
    sel = t >= T // 64
    b, a = np.polyfit(np.log(t[sel]), curve[sel], 1)
    fit = a + b * np.log(t[sel])
    r2 = 1 - np.sum((curve[sel] - fit) ** 2) / np.sum((curve[sel] - curve[sel].mean()) ** 2)
    assert r2 > 0.98, r2
    # UCB1 bound: E[N_k] <= 8 ln T / Δ² + O(1), so the slope is at most Σ 8/Δ_k
    assert 0 < b < 8 / 0.1 + 8 / 0.2, b
    # equal increments per doubling of t (log growth), not doubling increments (linear)
    inc = [curve[T // 2**j - 1] - curve[T // 2 ** (j + 1) - 1] for j in range(3)]
    assert all(0.6 < inc[j] / inc[j + 1] < 1.5 for j in range(2)), inc
    # and the mean regret stays far below the linear rate of uniform play
    assert curve[-1] < 0.2 * T * np.mean(np.asarray(env.gaps))


def test_policies_pull_the_best_arm_most():
    env = envs.bernoulli([0.2, 0.8, 0.5])
    for policy in ("ucb", "thompson", "gaussian_ts", "egreedy"):
        st, (arms, rewards) = run_policy(jax.random.key(1), env, init_state(3), PolicyParams(), policy, 400)
        assert int(jnp.argmax(st.counts)) == 1, policy
        assert float(st.counts.sum()) == 400
    # an eliminated arm is never pulled
    st, (arms, _) = run_policy(jax.random.key(2), env, init_state(3, active=[True, False, True]), PolicyParams(), "ucb", 400)
    assert not np.any(np.asarray(arms) == 1)


# ------------------------------------------------------------------ AT-UCB


def _atucb_instance():
    fine = envs.bernoulli([0.50, 0.45, 0.40, 0.30, 0.20, 0.10, 0.10, 0.05])
    # coarse means within eps = 0.05 of the fine ones, biased against the best arm
    coarse = envs.bernoulli([0.45, 0.50, 0.44, 0.33, 0.16, 0.14, 0.06, 0.08])
    return fine, coarse, 0.05


def test_atucb_keeps_the_optimal_arm_with_the_promised_probability():
    fine, coarse, eps = _atucb_instance()
    omega = jnp.arange(8, dtype=jnp.int32)
    delta, n_prime, S = 0.2, 400, 2000

    def kept(key, e):
        st, _ = atucb_run(key, fine, coarse, omega, e, n_prime, delta, 10, n_prime)
        return st.active

    keys = jax.random.split(jax.random.key(3), S)
    active = np.asarray(jax.jit(jax.vmap(kept, in_axes=(0, None)))(keys, eps))
    frac = active[:, 0].mean()
    assert frac >= 1 - delta, frac
    assert active.sum(1).mean() < 6.0  # and it does eliminate arms
    # with the assumption violated (eps = 0 < the true error 0.05) the guarantee fails
    # for n' large: the coarse optimum (arm 1) wins and arm 0 is dropped more often than δ
    def kept_big(key):
        st, _ = atucb_run(key, fine, coarse, omega, 0.0, 4000, delta, 10, 4000)
        return st.active

    active0 = np.asarray(jax.jit(jax.vmap(kept_big))(keys[:200]))
    assert active0[:, 0].mean() < 1 - delta


def test_atucb_beats_ucb1_when_its_assumption_holds_and_is_ucb1_at_infinite_eps():
    fine, coarse, eps = _atucb_instance()
    omega = jnp.arange(8, dtype=jnp.int32)
    T, S = 3000, 64
    keys = jax.random.split(jax.random.key(4), S)
    at = jax.jit(jax.vmap(lambda k, e: atucb_run(k, fine, coarse, omega, e, 400, 0.05, T, 400)[1][0], in_axes=(0, None)))
    ucb = jax.jit(jax.vmap(lambda k: ucb1_run(k, fine, T)[1][0]))
    r_at = np.asarray(M.pseudo_regret_curve(at(keys, eps), fine.gaps))[:, -1]
    r_inf_arms = at(keys, jnp.inf)
    ucb_arms = ucb(keys)
    r_ucb = np.asarray(M.pseudo_regret_curve(ucb_arms, fine.gaps))[:, -1]
    assert np.array_equal(np.asarray(r_inf_arms), np.asarray(ucb_arms))  # ε = ∞ is UCB1 exactly
    assert r_at.mean() + 2 * r_at.std() / math.sqrt(S) < r_ucb.mean() - 2 * r_ucb.std() / math.sqrt(S)
    assert r_at.mean() < 0.8 * r_ucb.mean()


def test_elimination_rule():
    mu = jnp.array([0.5, 0.28, 0.1])
    omega = jnp.array([0, 0, 1, 2])
    np.testing.assert_array_equal(atucb_surviving_arms(mu, omega, 0.05, 0.05), [True, True, False, False])
    np.testing.assert_array_equal(atucb_surviving_arms(mu, omega, 0.1, 0.05), [True, True, True, False])
    np.testing.assert_array_equal(atucb_surviving_arms(mu, omega, jnp.inf, 0.05), [True] * 4)


# ------------------------------------------------------------------ CAMAB transfer


def test_camab_transfer_helps_with_good_abstractions_and_hurts_with_a_wrong_one():
    from hftlab.bandits.experiments import camab_experiment

    zb = camab_experiment("zhang_bareinboim", 128)
    pr = {k: v["pseudo_regret"]["mean"] for k, v in zb["algorithms"].items()}
    assert pr["TOpt"] < pr["UCB"] and pr["TExp"] < 0.5 * pr["UCB"] and pr["B-UCB"] < 0.5 * pr["UCB"]
    assert pr["IMIT"] > pr["UCB"]  # imitation inherits the base agent's (harder) exploration
    assert zb["ic_error"]["w2"] == pytest.approx(0.3, abs=1e-4)
    rev = camab_experiment("reversed", 128)
    a = rev["algorithms"]
    se = lambda k: a[k]["pseudo_regret"]["sd"] / math.sqrt(128)  # noqa: E731
    assert a["TExp"]["pseudo_regret"]["mean"] - 2 * se("TExp") > a["UCB"]["pseudo_regret"]["mean"] + 2 * se("UCB")
    ex = camab_experiment("exact", 128)
    assert ex["algorithms"]["TExp"]["pseudo_regret"]["mean"] < ex["algorithms"]["UCB"]["pseudo_regret"]["mean"]
    assert ex["ic_error"]["js"] < 1e-6
    # pseudo-regret is never negative
    for r in (zb, rev, ex):
        assert all(v["pseudo_regret"]["mean"] >= 0 for v in r["algorithms"].values())


# ------------------------------------------------------------------ epidemic pair


def test_epidemic_pair_is_calibrated_and_disagrees_measurably():
    from hftlab.bandits import epidemic as ep

    cfg = ep.EpidemicConfig(grid=16, days=80)
    arms = ep.lockdown_arms(starts=(10, 40), lengths=(14, 56))
    banks = ep.simulate_banks(jax.random.key(5), cfg, arms, 16, 32, n_calib=32)
    assert banks.fine.shape == (4, 16) and banks.coarse.shape == (4, 32)
    assert np.all((banks.fine >= 0) & (banks.fine <= 1)) and np.all((banks.coarse >= 0) & (banks.coarse <= 1))
    assert np.all((banks.abm_curve >= 0) & (banks.abm_curve <= 1))
    # calibration: the stochastic ODE's mean peak hits the target burden
    no_lock = jnp.array([cfg.days, 0])
    beta = ep.calibrate_ode(0.25, cfg, jax.random.key(6))
    keys = jax.random.split(jax.random.key(6), 256)
    ode_peak = float(jnp.mean(jax.vmap(lambda k: ep.ode_run(k, no_lock, jnp.float32(beta), cfg).max())(keys)))
    assert ode_peak == pytest.approx(0.25, abs=2e-3)
    assert banks.abstraction_error > 0.0
    # a long lockdown that starts after the peak costs reward in both models
    assert banks.fine_means[3] < banks.fine_means[0] and banks.coarse_means[3] < banks.coarse_means[0]
    with pytest.raises(InputError):
        ep.EpidemicConfig(mixing=1.5)


# ------------------------------------------------------------------ CLI


def test_cli_json_and_bad_input(tmp_path, capsys):
    from hftlab.cli import main

    out = tmp_path / "r.json"
    # 128 seeds: the same program as the transfer test above, so no new compilation
    rc = main(["bandits", "--experiments", "advertising", "--seeds", "128", "--json", str(out), "--no-figures"])
    assert rc == 0
    res = json.loads(out.read_text())
    adv = res["advertising"]
    assert adv["n_seeds"] == 128 and adv["horizon"] == 1000 and adv["wall_s"] > 0
    assert set(adv["algorithms"]) == {"UCB", "TOpt", "IMIT", "TExp"}
    assert adv["algorithms"]["UCB"]["pseudo_regret_mean"] > 0 and adv["algorithms"]["UCB"]["pseudo_regret_sd"] > 0
    assert "UCB" in capsys.readouterr().out
    assert main(["bandits", "--seeds", "1"]) == 2
    assert "--seeds must be at least 2" in capsys.readouterr().err


def test_ucb_vmaps_over_a_grid_of_c_and_seeds():
    env = envs.bernoulli([0.6, 0.5, 0.4])
    cs = jnp.array([0.5, math.sqrt(2.0), 3.0])
    keys = jax.random.split(jax.random.key(8), 32)
    one = lambda k, c: run_policy(k, env, init_state(3), PolicyParams(c=c), "ucb", 1000)[1][0]  # noqa: E731
    arms = jax.jit(jax.vmap(jax.vmap(one, in_axes=(0, None)), in_axes=(None, 0)))(keys, cs)
    assert arms.shape == (3, 32, 1000)
    reg = np.asarray(M.pseudo_regret_curve(arms, env.gaps))[..., -1].mean(1)
    assert reg[2] > reg[1] > 0  # more exploration bonus, more regret on this easy instance
