"""Fund-strategy GAN building blocks: sparse simplex, encoder invariance, gradient penalty."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from optax.projections import projection_simplex

from hftlab.fundgan.model import (
    Allocator,
    Critic,
    StrategyEncoder,
    fund_summaries,
    gradient_penalty,
    partial_adjustment,
    portfolio_summary,
    stock_features,
)
from hftlab.fundgan.sparse import kth_largest, kth_largest_rows, sparse_simplex


@pytest.mark.parametrize("scale", [0.01, 0.3, 3.0, 30.0])
def test_sparse_simplex_is_optax_projection_with_exact_zeros(scale):
    v = scale * jax.random.normal(jax.random.PRNGKey(0), (64, 300))
    p = sparse_simplex(v)
    ref = jax.vmap(projection_simplex)(v)
    assert bool((p >= 0).all())
    np.testing.assert_allclose(np.asarray(p.sum(-1)), 1.0, atol=1e-5)
    assert bool(((p > 0) == (ref > 0)).all())  # same support
    np.testing.assert_allclose(np.asarray(p), np.asarray(ref), atol=1e-5 * max(scale, 1))
    assert int((p == 0).sum()) > 0  # exact zeros, not tiny numbers
    # a point on the simplex is its own projection
    w = jax.nn.softmax(v[:4] / scale)
    np.testing.assert_allclose(np.asarray(sparse_simplex(w)), np.asarray(w), atol=1e-6)


def test_sparse_simplex_gradient_matches_optax():
    v = jax.random.normal(jax.random.PRNGKey(1), (8, 50))
    f = lambda proj: jax.grad(lambda x: jnp.sum(proj(x) ** 3 * jnp.arange(50)))(v)  # noqa: E731
    np.testing.assert_allclose(np.asarray(f(sparse_simplex)), np.asarray(f(jax.vmap(projection_simplex))), atol=1e-4)


def test_kth_largest_marks_top_k():
    s = jax.random.normal(jax.random.PRNGKey(2), (300,))
    for k in (1, 17, 150, 300):
        assert int((s >= kth_largest(s, k)).sum()) == k


def _inputs(key, b=3, m=5, n=40):
    k1, k2, k3, k4 = jax.random.split(key, 4)
    z = jax.random.normal(k1, (b, m, n, 7))
    r = 0.05 * jax.random.normal(k2, (b, m, n))
    capw = jax.nn.softmax(jax.random.normal(k3, (b, m, n)))
    feats = stock_features(z, r, capw)
    w = sparse_simplex(2.0 * jax.random.normal(k4, (b, m, n)) / n)
    w_prev = sparse_simplex(2.0 * jax.random.normal(k1, (b, m, n)) / n + 0.5 * w)
    return feats, w, w_prev, z, capw


def test_allocator_output_is_sparse_portfolio():
    feats, w, w_prev, _, _ = _inputs(jax.random.PRNGKey(3))
    alloc = Allocator(hidden=(16, 16))
    phi = jax.random.normal(jax.random.PRNGKey(4), (3, 5, 8))
    noise = jax.random.normal(jax.random.PRNGKey(5), (*w.shape, 1))
    params = alloc.init(jax.random.PRNGKey(6), feats, w_prev, phi, noise)
    # perturb the zero-initialised last layers so the allocator actually trades
    params = jax.tree.map(lambda p: p + 0.05 * jax.random.normal(jax.random.PRNGKey(7), p.shape), params)
    out, heads = alloc.apply(params, feats, w_prev, phi, noise, with_heads=True)
    assert out.shape == w.shape
    assert bool((out >= 0).all())
    np.testing.assert_allclose(np.asarray(out.sum(-1)), 1.0, atol=1e-5)
    # the support size is the count head's prediction, with exact zeros elsewhere
    np.testing.assert_array_equal(np.asarray((out > 0).sum(-1)), np.round(np.asarray(heads["count"])))
    assert int((out == 0).sum()) > 0


def test_untrained_allocator_keeps_the_names_and_trades_its_initial_turnover():
    feats, w, w_prev, _, _ = _inputs(jax.random.PRNGKey(8))
    alloc = Allocator(hidden=(16, 16))
    phi = jnp.zeros((3, 5, 8))
    noise = jnp.zeros((*w.shape, 1))
    params = alloc.init(jax.random.PRNGKey(9), feats, w_prev, phi, noise)
    out, heads = alloc.apply(params, feats, w_prev, phi, noise, with_heads=True)
    # the count head starts at the previous count, the turnover head at 0.1
    np.testing.assert_array_equal(np.asarray((out > 0).sum(-1)), np.asarray((w_prev > 0).sum(-1)))
    np.testing.assert_allclose(np.asarray(heads["turnover"]), 0.1, atol=1e-4)
    np.testing.assert_allclose(np.asarray(0.5 * jnp.abs(out - w_prev).sum(-1)), 0.1, atol=2e-3)


@pytest.mark.parametrize("match_hhi", [False, True])
def test_partial_adjustment_hits_count_turnover_and_hhi(match_hhi):
    n = 100
    w_prev = sparse_simplex(3.0 * jax.random.normal(jax.random.PRNGKey(20), (6, n)) / n)
    scores = 2.0 * jax.random.normal(jax.random.PRNGKey(21), (6, n))
    cnt_prev = (w_prev > 0).sum(-1)
    k = cnt_prev + jnp.array([-3, 0, 2, 5, 10, 1])  # names dropped or added
    tau = jnp.array([0.12, 0.1, 0.2, 0.15, 0.3, 0.08])
    hhi = (w_prev**2).sum(-1) * jnp.array([1.0, 1.1, 0.95, 1.0, 1.05, 0.9])
    w = partial_adjustment(w_prev, scores, k.astype(jnp.float32), tau, hhi, match_hhi=match_hhi)
    assert bool((w >= 0).all())
    np.testing.assert_allclose(np.asarray(w.sum(-1)), 1.0, atol=1e-5)
    np.testing.assert_array_equal(np.asarray((w > 0).sum(-1)), np.asarray(k))  # exactly k names
    turnover = 0.5 * jnp.abs(w - w_prev).sum(-1)
    np.testing.assert_allclose(np.asarray(turnover), np.asarray(tau), atol=2e-3)
    if match_hhi:
        np.testing.assert_allclose(np.asarray((w**2).sum(-1)), np.asarray(hhi), rtol=0.05)
    # differentiable in the scores
    g = jax.grad(lambda s: jnp.sum(partial_adjustment(w_prev, s, k.astype(jnp.float32), tau, hhi) ** 2))(scores)
    assert bool(jnp.isfinite(g).all()) and float(jnp.abs(g).max()) > 0


@pytest.mark.parametrize("match_hhi", [False, True])
def test_partial_adjustment_trades_past_a_near_target(match_hhi):
    # the target is w~ itself up to small score noise: 1/2 |T - w~| is far below the turnover
    # asked for, which is reached by trading past the target, with the same names
    n = 100
    w_prev = sparse_simplex(3.0 * jax.random.normal(jax.random.PRNGKey(30), (4, n)) / n)
    scores = jnp.log(jnp.maximum(w_prev, 1e-30)) + 0.3 * jax.random.normal(jax.random.PRNGKey(31), (4, n))
    k = (w_prev > 0).sum(-1).astype(jnp.float32)
    dist = 0.5 * jnp.abs(jax.nn.softmax(scores, -1) - w_prev).sum(-1)  # 0.09 to 0.12
    tau = jnp.array([0.15, 0.2, 0.25, 0.3])
    assert bool((dist < 0.8 * tau).all())
    w = partial_adjustment(w_prev, scores, k, tau, (w_prev**2).sum(-1) * 1.05, match_hhi=match_hhi)
    np.testing.assert_array_equal(np.asarray((w > 0).sum(-1)), np.asarray(k))
    np.testing.assert_allclose(np.asarray(0.5 * jnp.abs(w - w_prev).sum(-1)), np.asarray(tau), atol=2e-3)


def test_kth_largest_rows_marks_each_rows_top_k():
    v = jax.random.normal(jax.random.PRNGKey(22), (4, 300))
    k = jnp.array([[1], [17], [150], [300]])
    np.testing.assert_array_equal(np.asarray((v >= kth_largest_rows(v, k)).sum(-1)), [1, 17, 150, 300])


def test_encoder_is_permutation_invariant_over_stocks_and_months():
    feats, w, w_prev, _, _ = _inputs(jax.random.PRNGKey(10))
    enc = StrategyEncoder()
    params = enc.init(jax.random.PRNGKey(11), feats, w, w_prev)
    mean, logvar = enc.apply(params, feats, w, w_prev)
    assert mean.shape == (3, 8) and logvar.shape == (3, 8)
    perm = np.random.default_rng(0).permutation(w.shape[-1])
    m2, lv2 = enc.apply(params, feats[:, :, perm], w[..., perm], w_prev[..., perm])
    np.testing.assert_allclose(np.asarray(m2), np.asarray(mean), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(lv2), np.asarray(logvar), rtol=1e-5, atol=1e-5)
    mp = np.random.default_rng(1).permutation(w.shape[1])
    m3, _ = enc.apply(params, feats[:, mp], w[:, mp], w_prev[:, mp])
    np.testing.assert_allclose(np.asarray(m3), np.asarray(mean), rtol=1e-5, atol=1e-5)
    # and it is not constant: another fund's holdings give another code
    m4, _ = enc.apply(params, feats, w_prev, w)
    assert float(jnp.abs(m4 - mean).max()) > 1e-4
    expo = jnp.einsum("bmn,bmnk->bk", w, feats[..., 1:5]) / w.shape[1]
    turnover = 0.5 * jnp.abs(w - w_prev).sum(-1).mean(-1)
    s = fund_summaries(feats, w, w_prev)
    np.testing.assert_allclose(np.asarray(s[:, :4]), np.asarray(expo), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(s[:, -1]), 5.0 * np.asarray(turnover), rtol=1e-5, atol=1e-5)
    # every lane learnt: none of them is a computed summary
    lanes = np.asarray(mean)[:, :, None]
    assert np.abs(lanes - np.asarray(s)[:, None, :]).max(0).min() > 1e-2


def test_every_lane_moves_with_the_parameters():
    feats, w, w_prev, _, _ = _inputs(jax.random.PRNGKey(13))
    enc = StrategyEncoder()
    params = enc.init(jax.random.PRNGKey(14), feats, w, w_prev)
    # the gradient of each lane with respect to the parameters: no lane is overwritten
    grads = [jax.grad(lambda p: enc.apply(p, feats, w, w_prev)[0][:, j].sum())(params) for j in range(8)]
    norms = np.array([float(sum(jnp.abs(x).sum() for x in jax.tree.leaves(g))) for g in grads])
    assert (norms > 0).all(), norms


def test_gradient_penalty_on_a_linear_critic():
    # D(x, c) = a.x + b.c has gradient a everywhere: penalty (|a| - 1)^2 exactly
    a = jnp.array([3.0, 4.0, 0.0])  # |a| = 5
    b = jnp.array([7.0])
    critic = lambda x, c: jnp.dot(a, x) + jnp.dot(b, c)  # noqa: E731
    real = jax.random.normal(jax.random.PRNGKey(0), (32, 3))
    fake = jax.random.normal(jax.random.PRNGKey(1), (32, 3))
    cond = jnp.ones((32, 1))
    gp = gradient_penalty(critic, real, fake, cond, jax.random.PRNGKey(2))
    assert abs(float(gp) - 16.0) < 1e-4
    # a 1-Lipschitz linear critic pays nothing
    unit = lambda x, c: jnp.dot(a / 5.0, x)  # noqa: E731
    assert float(gradient_penalty(unit, real, fake, cond, jax.random.PRNGKey(2))) < 1e-8


def test_gradient_penalty_on_a_quadratic_critic():
    # D(x) = |x|^2 / 2 has gradient x_hat: with real == fake the penalty is mean (|x| - 1)^2
    x = jax.random.normal(jax.random.PRNGKey(3), (16, 5))
    critic = lambda v, c: 0.5 * jnp.sum(v * v)  # noqa: E731
    gp = gradient_penalty(critic, x, x, jnp.zeros((16, 1)), jax.random.PRNGKey(4))
    want = np.mean((np.linalg.norm(np.asarray(x), axis=1) - 1.0) ** 2)
    assert abs(float(gp) - want) < 1e-4


def test_critic_and_summary_shapes():
    feats, w, w_prev, z, capw = _inputs(jax.random.PRNGKey(12))
    s = portfolio_summary(w, w_prev, z, capw)
    assert s.shape == (3, 5, 30)
    assert bool(jnp.isfinite(s).all())
    critic = Critic(hidden=(16,))
    phi = jnp.zeros((3, 5, 8))
    params = critic.init(jax.random.PRNGKey(0), s, phi)
    assert critic.apply(params, s, phi).shape == (3, 5)


def test_cli_loss_flags_name_every_loss_weight():
    """`hftlab fundgan --loss-<name>` exists for exactly the fields of LossWeights."""
    from dataclasses import fields

    from hftlab.commands.fundgan import LOSS_NAMES
    from hftlab.fundgan.configs import LossWeights

    assert sorted(LOSS_NAMES) == sorted(f.name for f in fields(LossWeights))
