"""The fund-strategy GAN: strategy encoder, allocator (generator) and WGAN-GP critic.

It models ``P(w_t | X_t, r_t, w_{t-1}, phi)``: a fund's weights this month given the
stocks' characteristics, this month's returns, last month's weights and a latent code
``phi`` of the fund's strategy.

- :class:`StrategyEncoder` ``q(phi | history)``: a Gaussian (mean, log-variance) over an
  8-dimensional ``phi`` from a set of fund-months. Per stock a shared MLP embeds
  (characteristics, weight, previous weight, trade); each month pools them by sums
  weighted by the portfolio, by the holdings indicator, by the trade and uniformly
  (so it is invariant to the order of the stocks), adds the portfolio's and the trade's
  exposures to the stock features and the month's holdings count, HHI and turnover, and
  the month embeddings are averaged (invariant to the order of the months too). The mean is a
  dense layer of that average plus a learnt linear read-out of the months' summary features.
  Every lane is learnt: the training's summary read-out term asks that the fund's computed
  summaries (:func:`fund_summaries`: average factor-loading exposures and trading statistics)
  be linear in phi, and the allocator reads them from phi through a learnt linear map
  (:meth:`Allocator.summaries`).
- :class:`Allocator` (the generator): partial adjustment towards a target with a predicted
  number of names and turnover. One MLP shared across stocks scores every stock
  (characteristics, return, drifted previous weight, cap weight, ``phi``, noise), the target
  is ``T = softmax(g)``; fund-level heads on ``phi`` (with the fund's average trading
  statistics read from it) and the drifted portfolio predict the holdings count ``K`` and the
  turnover ``tau``; the portfolio ``w ∝ 1_S((1 - a) w~ + a T)``
  keeps exactly ``K`` names ``S``, its speed ``a`` is solved so the turnover is ``tau`` and
  (the generating allocator, after training) the target's sharpness so the HHI is the HHI
  head's prediction (:func:`partial_adjustment`) — a long-only portfolio with exact zeros.
- :class:`Critic`: an MLP on a portfolio's summary (:func:`portfolio_summary`:
  exposures ``w^T Z``, trade exposures, previous exposures, turnover, HHI, holdings,
  entries / exits) and ``phi``; trained as a WGAN-GP critic (:func:`gradient_penalty`).
"""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from hftlab.fundgan.sparse import kth_largest_rows

N_CHARS = 7  # z-scored characteristics (see universe.CHAR_NAMES)
STOCK_FEATURES = N_CHARS + 2  # + this month's z-scored return, N * cap weight
SOFT_COUNT_SCALE = 1e-3
SHARP_COUNT_SCALE = 1e-5  # sum w / (w + 1e-5) is close to the holdings count, and differentiable
FACTOR_LOADING_CHARS = slice(1, 5)  # beta_mkt, beta_smb, beta_hml, beta_umd in universe.CHAR_NAMES
N_EXPOSURE_SUMMARIES = 4  # fund_summaries: the fund's average factor-loading exposures first,
N_TRADING_SUMMARIES = 3  # then its average log holdings share, log N HHI, 5 x turnover
N_SUMMARIES = N_EXPOSURE_SUMMARIES + N_TRADING_SUMMARIES


class MLP(nn.Module):
    features: Sequence[int]
    act: str = "relu"

    @nn.compact
    def __call__(self, x):
        f = {"relu": nn.relu, "leaky_relu": lambda v: nn.leaky_relu(v, 0.2)}[self.act]
        for d in self.features:
            x = f(nn.Dense(d)(x))
        return x


def stock_features(z: jax.Array, r: jax.Array, capw: jax.Array) -> jax.Array:
    """Per-stock market features ``[z (7), z-scored return, N * cap weight]``: (..., N, 9)."""
    n = r.shape[-1]
    rz = (r - r.mean(-1, keepdims=True)) / (r.std(-1, keepdims=True) + 1e-6)
    return jnp.concatenate([z, rz[..., None], n * capw[..., None]], axis=-1)


def portfolio_stats(w: jax.Array, w_prev: jax.Array) -> jax.Array:
    """``[log(count / N), log(N HHI), turnover, log(N HHI(w~)), log(count(w~) / N)]``: (..., 5)."""
    n = w.shape[-1]
    cnt = jnp.sum(w > 0, -1)
    cnt_p = jnp.sum(w_prev > 0, -1)
    return jnp.stack(
        [
            jnp.log(jnp.maximum(cnt, 1) / n),
            jnp.log(n * jnp.sum(w * w, -1)),
            0.5 * jnp.sum(jnp.abs(w - w_prev), -1),
            jnp.log(n * jnp.sum(w_prev * w_prev, -1)),
            jnp.log(jnp.maximum(cnt_p, 1) / n),
        ],
        axis=-1,
    )


class StrategyEncoder(nn.Module):
    """``q(phi | fund-months)``: returns (mean, log-variance), each (..., latent_dim).

    Inputs have shape (..., M, N, ·): M months of N stocks.

    Every lane is learnt. The mean is ``Dense(g) + Dense(mean_m s_m)``: the deep path ``g``
    plus a learnt linear read-out of the months' summary features ``s_m`` (the portfolio's and
    the trade's exposures to the stock features and :func:`portfolio_stats`), so averages over
    the months are easy to represent. What the lanes carry is decided by the training losses
    (adversarial, exposure and trading terms through the allocator, and the summary read-out
    term of :mod:`hftlab.fundgan.train`); no lane equals a computed summary.
    """

    latent_dim: int = 8
    stock_hidden: int = 32
    hidden: int = 64

    @nn.compact
    def __call__(self, feats: jax.Array, w: jax.Array, w_prev: jax.Array):
        n = w.shape[-1]
        x = jnp.concatenate(
            [feats, n * w[..., None], n * w_prev[..., None], n * (w - w_prev)[..., None],
             (w > 0)[..., None].astype(w.dtype), (w_prev > 0)[..., None].astype(w.dtype)],
            axis=-1,
        )
        h = MLP((self.stock_hidden, self.stock_hidden))(x)  # (..., M, N, H)
        held = (w > 0).astype(w.dtype)
        held = held / jnp.maximum(held.sum(-1, keepdims=True), 1.0)
        trade = jnp.abs(w - w_prev)
        trade = trade / jnp.maximum(trade.sum(-1, keepdims=True), 1e-6)
        pooled = jnp.concatenate(
            [
                jnp.einsum("...n,...nk->...k", w, feats),  # the portfolio's exposures, passed through
                jnp.einsum("...n,...nk->...k", w - w_prev, feats),  # and its trade's
                jnp.einsum("...n,...nh->...h", w, h),
                jnp.einsum("...n,...nh->...h", held, h),
                jnp.einsum("...n,...nh->...h", trade, h),
                h.mean(-2),
                portfolio_stats(w, w_prev),
            ],
            axis=-1,
        )
        m = MLP((self.hidden,))(pooled)  # (..., M, hidden)
        g = MLP((self.hidden,))(m.mean(-2))
        mean = nn.Dense(self.latent_dim)(g)
        logvar = nn.Dense(self.latent_dim, kernel_init=nn.initializers.zeros, bias_init=nn.initializers.constant(-2.0))(g)
        # a learnt linear read-out of the months' summary features, averaged over the months
        n_summ = 2 * feats.shape[-1]
        summ = jnp.concatenate([pooled[..., :n_summ], pooled[..., -5:]], axis=-1).mean(-2)
        mean = mean + nn.Dense(self.latent_dim, kernel_init=nn.initializers.zeros, name="summary_readout")(summ)
        return mean, jnp.clip(logvar, -10.0, 4.0)


def fund_summaries(feats: jax.Array, w: jax.Array, w_prev: jax.Array) -> jax.Array:
    """A fund's computed summaries over M months: (..., 7) from (..., M, N, ·).

    ``[mean_m w_m^T z_m[beta_mkt, beta_smb, beta_hml, beta_umd], mean_m log(count_m / N),
    mean_m log(N HHI_m), 5 mean_m turnover_m]``: its average exposures to the four z-scored
    factor loadings and its average trading statistics: the targets of the summary read-out term
    (phi's mean must carry them linearly, :meth:`Allocator.summaries`)."""
    expo = jnp.einsum("...n,...nk->...k", w, feats[..., FACTOR_LOADING_CHARS]).mean(-2)
    trading = portfolio_stats(w, w_prev)[..., :3].mean(-2) * jnp.array([1.0, 1.0, 5.0])
    return jnp.concatenate([expo, trading], axis=-1)


def holdings_stats(w_prev: jax.Array) -> jax.Array:
    """What the allocator's fund-level heads see of the drifted previous portfolio: (..., 5).

    ``[log(count / N), log(N HHI), share of held names below 0.3, 0.6 and 1.0 of the equal
    weight 1 / count]`` (the small positions are the ones a fund closes first).
    """
    n = w_prev.shape[-1]
    held = w_prev > 0
    cnt = jnp.maximum(jnp.sum(held, -1, keepdims=True), 1)
    rel = cnt * w_prev
    small = [jnp.sum(held & (rel < c), -1) / cnt[..., 0] for c in (0.3, 0.6, 1.0)]
    return jnp.stack([jnp.log(cnt[..., 0] / n), jnp.log(n * jnp.sum(w_prev * w_prev, -1)), *small], axis=-1)


class Allocator(nn.Module):
    """The generator: a fund-month's trading decided by two fund-level heads, the names it buys
    by a score shared across stocks.

    ``feats`` (..., N, 9), ``w_prev`` (..., N) drifted previous weights ``w~``, ``phi`` (..., L),
    ``noise`` (..., N, noise_dim). Returns weights (..., N) on the simplex with exact zeros.

    - **heads** (:meth:`heads`): from ``phi``, :func:`holdings_stats` of ``w~`` and the distance
      ``1/2 |T - w~|_1`` to the target (:func:`head_inputs`) an MLP predicts the number of names
      ``K = count(w~) exp(c)`` and the turnover ``tau = 0.5 sigmoid(d)``;
    - **target**: ``T = softmax(g)``, ``g_i`` one score per stock from an MLP shared across
      stocks (characteristics, return, ``w~_i``, ``phi``, noise);
    - **partial adjustment** ``v(a) = (1 - a) w~ + a T``: the support ``S`` is the ``round(K)``
      largest entries of ``v(a0)``, ``a0 = min(1, tau / (1/2 |T - w~|_1))``; then
      ``w = v(a) 1_S / sum(v(a) 1_S)`` with the speed ``a`` found by bisection so that
      the turnover ``1/2 |w - w~|_1`` equals ``tau`` (or the least reachable, the mass of the
      names closed, when ``tau`` is below it);
    - ``generating=False`` (the allocator being trained): ``a`` in [0, 1], the target's
      sharpness fixed; ``generating=True`` (the allocator that generates after training): ``a``
      in [0, :data:`SPEED_MAX`] (``a > 1`` trades past the target, so every predicted turnover is
      reached) and the target's sharpness also solved so the HHI is the HHI head's.

    So the holdings count, the turnover and (generating) the HHI are the predictions; the
    heads are trained by direct (L1) losses on the real counts and turnovers
    (:mod:`hftlab.fundgan.train`), the target by the adversarial, exposure and trading terms.
    At initialisation ``K = count(w~)`` and ``tau = 0.1``.
    """

    hidden: Sequence[int] = (64, 64)
    head_hidden: int = 32
    generating: bool = False  # True: hit the HHI head too, speed up to SPEED_MAX (see above)

    def setup(self):
        self.score_mlp = MLP(tuple(self.hidden))
        self.score_out = nn.Dense(1, kernel_init=nn.initializers.zeros)
        self.head_mlp = MLP((self.head_hidden, self.head_hidden))
        self.count_out = nn.Dense(1, kernel_init=nn.initializers.zeros)
        self.turnover_out = nn.Dense(1, kernel_init=nn.initializers.zeros)
        self.hhi_out = nn.Dense(1, kernel_init=nn.initializers.zeros)
        self.summary_out = nn.Dense(N_SUMMARIES)

    def summaries(self, phi):
        """The fund's summaries (:func:`fund_summaries`: 4 average exposures, 3 average trading
        statistics) as the allocator reads them from ``phi`` (..., L): (..., 7), a learnt linear
        map ``A phi + b`` (trained by the summary read-out term, :mod:`hftlab.fundgan.train`)."""
        return self.summary_out(phi)

    def heads(self, phi, inputs):
        """``(log(K / N), tau, log(N HHI))``, each (...,): predicted holdings count (continuous,
        as a log share of the stocks), turnover and concentration, from ``phi`` (..., L) and
        ``inputs`` = :func:`head_inputs` (..., 6). Each starts at the zero-trade value (the
        count and HHI of ``w~``; turnover 0.1)."""
        # the gaps between the fund's average trading statistics (read from phi, :meth:`summaries`)
        # and this month's w~, and the average turnover, also enter the outputs linearly (mean
        # reversion is the main effect)
        avg = self.summaries(phi)[..., N_EXPOSURE_SUMMARIES:]
        gaps = jnp.stack([avg[..., 0] - inputs[..., 0], avg[..., 1] - inputs[..., 1], avg[..., 2] / 5.0], axis=-1)
        h = self.head_mlp(jnp.concatenate([phi, inputs, 10.0 * gaps], axis=-1))
        h = jnp.concatenate([h, gaps], axis=-1)
        # outputs scaled by HEAD_GAIN: the heads' steps are that much larger than the rest's
        log_k = inputs[..., 0] + HEAD_GAIN * self.count_out(h)[..., 0]
        tau = 0.5 * nn.sigmoid(HEAD_GAIN * self.turnover_out(h)[..., 0] + TURNOVER_LOGIT0)
        log_h = inputs[..., 1] + HEAD_GAIN * self.hhi_out(h)[..., 0]
        return log_k, tau, log_h

    def scores(self, feats, w_prev, phi, noise):
        """The per-stock scores ``g`` (..., N); the target is ``T = softmax(g)``."""
        n = w_prev.shape[-1]
        phi_b = jnp.broadcast_to(phi[..., None, :], (*w_prev.shape, phi.shape[-1]))
        x = jnp.concatenate(
            [feats, n * w_prev[..., None], (w_prev > 0)[..., None].astype(w_prev.dtype), phi_b, noise], axis=-1
        )
        return self.score_out(self.score_mlp(x))[..., 0]

    def __call__(self, feats, w_prev, phi, noise, with_heads: bool = False):
        n = w_prev.shape[-1]
        g = self.scores(feats, w_prev, phi, noise)
        log_k, tau, log_h = self.heads(phi, head_inputs(w_prev, jax.nn.softmax(g, axis=-1)))
        k_cont = jnp.clip(n * jnp.exp(log_k), 1.0, float(n))
        sg = jax.lax.stop_gradient
        w = partial_adjustment(w_prev, g, sg(k_cont), sg(tau), sg(jnp.exp(log_h) / n),
                               match_hhi=self.generating, speed_max=SPEED_MAX if self.generating else 1.0)
        if with_heads:
            return w, {"log_count": log_k, "count": k_cont, "turnover": tau, "log_hhi": log_h}
        return w


def head_inputs(w_prev, target):
    """The heads' view of a fund-month: :func:`holdings_stats` of ``w~`` and the log distance
    ``log(1/2 |T - w~|_1)`` to the target (no gradient into the target): (..., 6)."""
    dist = 0.5 * jnp.sum(jnp.abs(jax.lax.stop_gradient(target) - w_prev), -1)
    return jnp.concatenate([holdings_stats(w_prev), jnp.log(jnp.maximum(dist, 1e-6))[..., None]], axis=-1)


SPEED_BISECTION_STEPS = 20
NESTED_BISECTION_STEPS = 12
ENTRY_FLOOR = 0.01  # share of t_gamma spread equally over the support
SPEED_MAX = 4.0  # the generating allocator's speed range [0, SPEED_MAX]; a > 1 trades past the target
OVERSHOOT_FLOOR = 0.1  # beyond the target no name falls below this share of its target weight
LOG_GAMMA_RANGE = (-4.0, 3.0)
HEAD_GAIN = 5.0
TURNOVER_LOGIT0 = -1.386  # initial turnover 0.5 sigmoid(-1.386) = 0.1


def _bisect(f, lo, hi, steps):
    """The root of an increasing ``f`` on [lo, hi] (arrays (..., 1)), by bisection."""

    def body(_, c):
        lo, hi = c
        mid = 0.5 * (lo + hi)
        over = f(mid) > 0
        return jnp.where(over, lo, mid), jnp.where(over, mid, hi)

    lo, hi = jax.lax.fori_loop(0, steps, body, (lo, hi))
    return 0.5 * (lo + hi)


def partial_adjustment(w_prev, scores, k, tau, hhi, match_hhi: bool = False, speed_max: float = SPEED_MAX):
    """Weights with exactly ``round(k)`` names, turnover ``tau`` and HHI ``hhi`` (as nearly as
    reachable). ``w_prev``, ``scores`` (..., N); ``k``, ``tau``, ``hhi`` (...,).

    The support ``S``: the ``round(k)`` largest entries of ``(1 - a0) w~ + a0 softmax(g)``,
    ``a0 = min(1, tau / (1/2 |softmax(g) - w~|_1))``. On it

        w(a, gamma) = v / sum(v),   v = 1_S ((1 - a) w~ + a t_gamma)                    (a <= 1),
                                    v = 1_S max(t + (a - 1)(t - w~), 0.1 t_gamma)     (a > 1),
    t_gamma = 0.99 softmax_S(gamma g) + 0.01 / |S|   (so every name of S holds a position),

    the speed ``a`` in [0, ``speed_max``] solving ``1/2 |w - w~|_1 = tau`` by bisection
    (beyond ``a = 1`` the fund trades past its target along the same direction, so a predicted
    turnover larger than the distance to the target is still reached); with ``match_hhi``
    the sharpness ``gamma`` (log in :data:`LOG_GAMMA_RANGE`) solves ``sum w^2 = hhi`` by an outer
    bisection (the speed re-solved inside), else ``gamma = 1`` and ``hhi`` is unused. Differentiable in ``scores`` with ``S``, ``a``, ``gamma`` held.
    """
    k = jnp.round(k)[..., None]
    tau = tau[..., None]
    hhi = hhi[..., None]
    target = jax.nn.softmax(scores, axis=-1)
    dist = 0.5 * jnp.sum(jnp.abs(target - w_prev), -1, keepdims=True)
    a0 = jnp.clip(tau / jnp.maximum(dist, 1e-9), 0.0, 1.0)
    v0 = (1.0 - a0) * w_prev + a0 * target
    # S: the top k of v0; when v0 has fewer than k positive entries (w~ and an underflowed
    # softmax both 0), all of them and the rest by score
    v0 = jax.lax.stop_gradient(v0)
    sg = jax.lax.stop_gradient(scores)
    pos = v0 > 0
    n_pos = jnp.sum(pos, -1, keepdims=True)
    top_v = v0 >= kth_largest_rows(v0, jnp.minimum(k, n_pos))
    s_rest = jnp.where(pos, jnp.min(sg, -1, keepdims=True) - 1.0, sg)
    top_s = (~pos) & (s_rest >= kth_largest_rows(s_rest, jnp.maximum(k - n_pos, 1)))
    supp = jnp.where(k <= n_pos, top_v & pos, pos | top_s)
    g_max = jnp.max(jnp.where(supp, sg, -jnp.inf), -1, keepdims=True)

    def weights(a, log_gamma, s):
        e = jnp.where(supp, jnp.exp(jnp.exp(log_gamma) * (s - g_max)), 0.0)
        t = e / jnp.maximum(jnp.sum(e, -1, keepdims=True), 1e-30)
        t = (1.0 - ENTRY_FLOOR) * t + ENTRY_FLOOR * supp / k  # every name of S keeps a position
        # beyond the target (a > 1) the trade goes on along t - w~, each name floored at a share of
        # its target weight: every turnover up to nearly 1 is reachable with the same K names
        over = jnp.maximum(t + (a - 1.0) * (t - w_prev), OVERSHOOT_FLOOR * t)
        v = jnp.where(supp, jnp.where(a <= 1.0, (1.0 - a) * w_prev + a * t, over), 0.0)
        return v / jnp.maximum(jnp.sum(v, -1, keepdims=True), 1e-12)

    turnover_gap = lambda lg: lambda a: 0.5 * jnp.sum(jnp.abs(weights(a, lg, sg) - w_prev), -1, keepdims=True) - tau  # noqa: E731
    hhi_gap = lambda a: lambda lg: jnp.sum(weights(a, lg, sg) ** 2, -1, keepdims=True) - hhi  # noqa: E731
    zero, a_max = jnp.zeros_like(tau), jnp.full_like(tau, speed_max)
    if match_hhi:
        # outer bisection on the sharpness for the HHI, the speed re-solved for the turnover inside
        speed = lambda lg: _bisect(turnover_gap(lg), zero, a_max, NESTED_BISECTION_STEPS)  # noqa: E731
        lg = _bisect(lambda lg: hhi_gap(speed(lg))(lg), zero + LOG_GAMMA_RANGE[0], zero + LOG_GAMMA_RANGE[1],
                     NESTED_BISECTION_STEPS)
        a = _bisect(turnover_gap(lg), zero, a_max, SPEED_BISECTION_STEPS)  # the final speed more precisely
    else:
        lg = jnp.zeros_like(tau)
        a = _bisect(turnover_gap(lg), zero, a_max, SPEED_BISECTION_STEPS)
    return weights(jax.lax.stop_gradient(a), jax.lax.stop_gradient(lg), scores)


def portfolio_summary(w, w_prev, z, capw):
    """What the critic sees of a portfolio: (..., 3 * 7 + 9).

    ``w^T z``, ``(w - w~)^T z``, ``w~^T z``, turnover, log N HHI(w), log N HHI(w~),
    hard and soft holdings counts / N, count(w~) / N, weight of new entries, weight of
    exits, distance to the cap-weighted market.
    """
    n = w.shape[-1]
    e = jnp.einsum("...n,...nk->...k", w, z)
    de = jnp.einsum("...n,...nk->...k", w - w_prev, z)
    ep = jnp.einsum("...n,...nk->...k", w_prev, z)
    soft = jnp.sum(w / (w + SOFT_COUNT_SCALE), -1) / n
    scal = jnp.stack(
        [
            0.5 * jnp.sum(jnp.abs(w - w_prev), -1),
            jnp.log(n * jnp.sum(w * w, -1)),
            jnp.log(n * jnp.sum(w_prev * w_prev, -1)),
            jnp.sum(w > 0, -1) / n,
            soft,
            jnp.sum(w_prev > 0, -1) / n,
            jnp.sum(jnp.where(w_prev > 0, 0.0, w), -1),
            jnp.sum(jnp.where(w > 0, 0.0, w_prev), -1),
            0.5 * jnp.sum(jnp.abs(w - capw), -1),
        ],
        axis=-1,
    )
    return jnp.concatenate([e, de, ep, scal], axis=-1)


SUMMARY_DIM = 3 * N_CHARS + 9


def trading_stats(w, w_prev):
    """Differentiable trading statistics matched in the generator loss: (..., 3).

    ``[turnover / 0.1, log(N HHI), log(soft count / N)]``, soft count ``sum w / (w + 1e-5)``
    (within a few percent of the holdings count for real positions, but with a gradient
    that pushes tiny positions out of the support).
    """
    n = w.shape[-1]
    soft = jnp.sum(w / (w + SHARP_COUNT_SCALE), -1)
    return jnp.stack(
        [5.0 * jnp.sum(jnp.abs(w - w_prev), -1), jnp.log(n * jnp.sum(w * w, -1)), jnp.log(soft / n)], axis=-1
    )


class Critic(nn.Module):
    """WGAN critic ``D(summary, phi)`` -> scalar (no normalisation layers, as GP requires)."""

    hidden: Sequence[int] = (128, 128)

    @nn.compact
    def __call__(self, summary, phi):
        x = jnp.concatenate([summary, phi], axis=-1)
        return nn.Dense(1)(MLP(tuple(self.hidden), act="leaky_relu")(x))[..., 0]


def gradient_penalty(critic_fn, real: jax.Array, fake: jax.Array, cond: jax.Array, key: jax.Array) -> jax.Array:
    """WGAN-GP penalty ``E[(|grad_x D(x_hat, c)|_2 - 1)^2]``, ``x_hat = u real + (1 - u) fake``.

    ``critic_fn(x, c)`` maps one input row and its condition to a scalar; ``real``/``fake``
    are (B, D), ``cond`` (B, C), ``u ~ U(0, 1)`` per row (Gulrajani et al. 2017).
    """
    u = jax.random.uniform(key, (real.shape[0], 1))
    x_hat = u * real + (1.0 - u) * fake
    grads = jax.vmap(jax.grad(critic_fn))(x_hat, cond)
    norms = jnp.sqrt(jnp.sum(grads**2, axis=-1) + 1e-12)
    return jnp.mean((norms - 1.0) ** 2)


def kl_standard_normal(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, I)), summed over the latent, averaged over the batch."""
    return jnp.mean(0.5 * jnp.sum(jnp.exp(logvar) + mean**2 - 1.0 - logvar, axis=-1))
