"""Training the fund-strategy GAN: WGAN-GP with an encoder, on the training months.

One iteration is ``n_critic`` critic steps then one generator step (encoder and
allocator together). Every step samples ``batch_funds`` funds; for each, ``enc_months``
random training months feed the encoder and ``gen_months`` other random training
months are generated (teacher-forced: the fund's real previous weights, drifted).

Critic loss (WGAN-GP), fakes from the real universe and from synthetic months:

    L_D = E[D(s_fake, phi)] - E[D(s_real, phi)] + gp * E[(|grad D(s_hat, phi)| - 1)^2]

Generator loss (weights in :class:`~hftlab.fundgan.configs.LossWeights`, all configuration):

    L_G = - adversarial * E[D(s_fake, phi)]
          - counterfactual * E[D(s_synthetic, phi)]       (same phi, synthetic month)
          + exposure * E[|(w_fake - w_real)^T z|^2]        (factor-exposure match)
          + trading * E[|t(w_fake) - t(w_real)|^2]        (turnover / HHI / holdings match)
          + weights * E[N |w_fake - w_real|^2]             (weight match)
          + count * E|log K - log count(w_real)|          (holdings-count head, L1)
          + turnover * E|tau - turnover(w_real)| / 0.1     (turnover head, L1)
          + hhi * E|log HHI^ - log HHI(w_real)|            (HHI head, L1)
          + summary * E|A mu + b - s(encoder months)|^2    (summary read-out)
          + kl * KL(q(phi) || N(0, I))

The summary read-out term (no lane of phi is a computed copy): ``s`` are the fund's computed
summaries over the months the encoder saw (:func:`hftlab.fundgan.model.fund_summaries`: its
four average factor-loading exposures, average log holdings share, log N HHI and
5 x turnover), ``mu`` the encoder's mean and ``A mu + b`` the allocator's learnt linear
read-out (:meth:`hftlab.fundgan.model.Allocator.summaries`), which also feeds the heads the
fund's average trading statistics. It is a self-supervised reconstruction term: phi must carry
the summaries linearly, in lanes and directions it learns itself.

The heads' steps are ``head_lr_gain`` times larger than the rest's. After the adversarial
iterations the heads are refitted (:func:`fit_heads`): full batch over every training
fund-month, with each fund's final ``phi``, the same L1 losses — the L1 minimiser is the
conditional median, the best point prediction for the absolute-error metrics.

Where ``phi`` comes from is one function: :func:`encoder_code` samples it from the encoder
(:func:`train`); :func:`no_code` gives ``phi = 0`` and no KL / summary terms — the
generator-only baseline (:func:`train_generator_only`), the same allocator, critic and other
losses without a strategy code.

The whole loop is ``lax.scan`` over iterations inside one jitted chunk; a Python loop
over chunks drives the progress bar.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd
from flax import struct

from hftlab.fundgan.configs import LossWeights, TrainConfig, with_overrides
from hftlab.fundgan.encode import generation_phi
from hftlab.fundgan.market_model import FactorMarket, fit_factor_market, sample_month
from hftlab.fundgan.model import (
    Allocator,
    fund_summaries,
    gradient_penalty,
    head_inputs,
    kl_standard_normal,
    portfolio_summary,
    stock_features,
    trading_stats,
)
from hftlab.fundgan.panel import Panel, make_panel
from hftlab.fundgan.trained import TrainedModel, build_modules
from hftlab.fundgan.validate import check_train_config, check_universe
from hftlab.progress import ProgressBar


@struct.dataclass
class TrainState:
    gen_params: Any  # {"encoder": ..., "allocator": ...}
    critic_params: Any
    gen_opt: Any
    critic_opt: Any
    step: jax.Array
    key: jax.Array
    total: jax.Array  # iterations of the whole run (for the learning-rate decay)


def _optimizers(cfg: TrainConfig):
    """Adam (b1 0.5, b2 0.9, as usual for WGAN-GP) with global-norm clipping. The generator's
    steps are further scaled by :func:`lr_factor` (cosine decay)."""
    def opt(lr):
        return optax.chain(optax.clip_by_global_norm(1.0), optax.adam(lr, b1=0.5, b2=0.9))

    return opt(cfg.lr_generator), opt(cfg.lr_critic)


def lr_factor(step, total, final_fraction: float):
    """Cosine decay from 1 to ``final_fraction`` over ``total`` steps (traced, so one compilation
    serves every number of iterations)."""
    frac = jnp.minimum(step / jnp.maximum(total, 1), 1.0)
    return final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + jnp.cos(jnp.pi * frac))


def init_state(cfg: TrainConfig, panel: Panel, key: jax.Array) -> TrainState:
    enc, alloc, critic = build_modules(cfg)
    k_e, k_a, k_c, key = jax.random.split(key, 4)
    n = panel.w.shape[-1]
    feats = panel.feats[:2][None]
    w = panel.w[:1, :2]
    enc_p = enc.init(k_e, feats, w, w)
    phi = jnp.zeros((1, cfg.latent_dim))
    alloc_p = alloc.init(k_a, panel.feats[:1], w[:, 0], phi, jnp.zeros((1, n, cfg.noise_dim)))
    s = portfolio_summary(w[:, 0], w[:, 0], panel.z[:1], panel.capw[:1])
    critic_p = critic.init(k_c, s, phi)
    gen_params = {"encoder": enc_p, "allocator": alloc_p}
    g_opt, c_opt = _optimizers(cfg)
    return TrainState(gen_params, critic_p, g_opt.init(gen_params), c_opt.init(critic_p), jnp.asarray(0), key,
                      jnp.asarray(cfg.iterations, jnp.float32))


def sample_batch(key, panel: Panel, cfg: TrainConfig, t_train: int) -> dict:
    """Funds and months for one step (months in [1, t_train): the previous month exists)."""
    kf, ke, kg = jax.random.split(key, 3)
    n_funds = panel.w.shape[0]
    f = jax.random.randint(kf, (cfg.batch_funds,), 0, n_funds)
    te = jax.random.randint(ke, (cfg.batch_funds, cfg.enc_months), 1, t_train)
    tg = jax.random.randint(kg, (cfg.batch_funds, cfg.gen_months), 1, t_train)

    def gather(t):
        fi = f[:, None]
        return {
            "w": panel.w[fi, t],
            "w_prev": panel.drifted(fi, t),
            "w_last": panel.w[fi, t - 1],
            "feats": panel.feats[t],
            "z": panel.z[t],
            "capw": panel.capw[t],
            "chars_last": panel.chars[t - 1],
        }

    return {"enc": gather(te), "gen": gather(tg), "funds": f}


# ---------------------------------------------------------------------- where phi comes from
def encoder_code(enc, alloc, gen_params, b, key):
    """The model's strategy code: ``phi ~ q(phi | encoder months b)`` (B, L), with the terms on
    it: ``kl`` to N(0, I) and ``summary``, the read-out error of the fund's computed summaries
    from phi's mean (:meth:`Allocator.summaries` against :func:`fund_summaries` of ``b``)."""
    mean, logvar = enc.apply(gen_params["encoder"], b["feats"], b["w"], b["w_prev"])
    phi = mean + jnp.exp(0.5 * logvar) * jax.random.normal(key, mean.shape)
    s_pred = alloc.apply(gen_params["allocator"], mean, method=Allocator.summaries)
    summ = jnp.mean(jnp.sum((s_pred - fund_summaries(b["feats"], b["w"], b["w_prev"])) ** 2, -1))
    return phi, {"kl": kl_standard_normal(mean, logvar), "summary": summ}


def no_code(enc, alloc, gen_params, b, key):
    """The generator-only baseline's code: ``phi = 0`` (B, L), no KL or summary term."""
    phi = jnp.zeros((b["w"].shape[0], enc.latent_dim), b["w"].dtype)
    return phi, {"kl": jnp.zeros(()), "summary": jnp.zeros(())}


StrategyCode = Callable[..., tuple[jax.Array, dict]]


def make_train_chunk(cfg: TrainConfig, t_train: int, code: StrategyCode = encoder_code):
    """A jitted ``(state, panel, market) -> (state, metrics)`` running ``cfg.chunk`` iterations;
    ``code`` gives phi (:func:`encoder_code`, or :func:`no_code` for the generator-only baseline)."""
    enc, alloc, critic = build_modules(cfg)
    g_opt, c_opt = _optimizers(cfg)
    lw = cfg.loss

    def generate(gen_params, b, phi, key):
        phi_m = jnp.broadcast_to(phi[:, None, :], (*b["w"].shape[:2], phi.shape[-1]))
        noise = jax.random.normal(key, (*b["w"].shape, cfg.noise_dim))
        w, heads = alloc.apply(gen_params["allocator"], b["feats"], b["w_prev"], phi_m, noise, with_heads=True)
        return w, heads, phi_m

    def synthetic(gen_params, market, b, phi_m, key):
        k1, k2 = jax.random.split(key)
        z, r, capw, w_prev = sample_month(market, k1, b["chars_last"], b["w_last"])
        feats = stock_features(z, r, capw)
        noise = jax.random.normal(k2, (*w_prev.shape, cfg.noise_dim))
        w = alloc.apply(gen_params["allocator"], feats, w_prev, phi_m, noise)
        return portfolio_summary(w, w_prev, z, capw)

    def critic_fn(cp, s, c):
        return critic.apply(cp, s, c)

    def critic_loss(cp, gen_params, market, batch, key):
        k_phi, k_gen, k_syn, k_gp = jax.random.split(key, 4)
        b = batch["gen"]
        phi, _ = code(enc, alloc, gen_params, batch["enc"], k_phi)
        w_fake, _, phi_m = generate(gen_params, b, phi, k_gen)
        s_real = portfolio_summary(b["w"], b["w_prev"], b["z"], b["capw"])
        s_fake = portfolio_summary(w_fake, b["w_prev"], b["z"], b["capw"])
        s_syn = synthetic(gen_params, market, b, phi_m, k_syn)
        flat = lambda a: a.reshape(-1, a.shape[-1])  # noqa: E731
        # fakes: generated in the real months and in synthetic months, half each
        s_real, cond = flat(s_real), flat(jax.lax.stop_gradient(phi_m))
        s_fakes = jax.lax.stop_gradient(jnp.concatenate([flat(s_fake), flat(s_syn)]))
        cond2 = jnp.concatenate([cond, cond])
        d_real = critic_fn(cp, s_real, cond)
        d_fakes = critic_fn(cp, s_fakes, cond2)
        one = lambda s, c: critic_fn(cp, s, c)  # noqa: E731
        gp = gradient_penalty(one, jnp.concatenate([s_real, s_real]), s_fakes, cond2, k_gp)
        distance = d_real.mean() - d_fakes[: s_real.shape[0]].mean()
        loss = d_fakes.mean() - d_real.mean() + lw.gradient_penalty * gp
        return loss, {"distance": distance, "gp": gp, "critic_loss": loss}

    def gen_loss(gp_, cp, panel, market, batch, key):
        k_phi, k_gen, k_syn = jax.random.split(key, 3)
        b = batch["gen"]
        phi, code_terms = code(enc, alloc, gp_, batch["enc"], k_phi)
        w_fake, heads, phi_m = generate(gp_, b, phi, k_gen)
        cond = jax.lax.stop_gradient(phi_m)
        s_fake = portfolio_summary(w_fake, b["w_prev"], b["z"], b["capw"])
        adv = -critic_fn(cp, s_fake, cond).mean()
        cf = -critic_fn(cp, synthetic(gp_, market, b, phi_m, k_syn), cond).mean()
        d = w_fake - b["w"]
        expo = jnp.mean(jnp.sum(jnp.einsum("...n,...nk->...k", d, b["z"]) ** 2, -1))
        wl2 = jnp.mean(d.shape[-1] * jnp.sum(d * d, -1))
        trd = jnp.mean(jnp.sum((trading_stats(w_fake, b["w_prev"]) - trading_stats(b["w"], b["w_prev"])) ** 2, -1))
        # the fund-level heads: L1 on the real holdings count and turnover (medians: the error
        # measures are absolute errors)
        cnt = jnp.mean(jnp.abs(heads["log_count"] - jnp.log(jnp.maximum(jnp.sum(b["w"] > 0, -1), 1) / b["w"].shape[-1])))
        tov = jnp.mean(jnp.abs(heads["turnover"] - 0.5 * jnp.sum(jnp.abs(b["w"] - b["w_prev"]), -1))) / 0.1
        hhi = jnp.mean(jnp.abs(heads["log_hhi"] - jnp.log(b["w"].shape[-1] * jnp.sum(b["w"] ** 2, -1))))
        kl, summ = code_terms["kl"], code_terms["summary"]  # KL and summary read-out (encoder_code)
        loss = lw.adversarial * adv + lw.counterfactual * cf + lw.exposure * expo + lw.trading * trd + lw.weights * wl2
        loss = loss + lw.count * cnt + lw.turnover * tov + lw.hhi * hhi + lw.kl * kl + lw.summary * summ
        return loss, {"generator_loss": loss, "adversarial": adv, "counterfactual": cf, "exposure": expo, "trading": trd, "weights_l2": wl2,
                      "count": cnt, "turnover": tov, "hhi": hhi, "summary": summ, "kl": kl}

    def iteration(state: TrainState, panel: Panel, market: FactorMarket):
        key, k_crit, k_batch, k_gen = jax.random.split(state.key, 4)

        def critic_step(c, k):
            cp, c_os = c
            k1, k2 = jax.random.split(k)
            batch = sample_batch(k1, panel, cfg, t_train)
            (_, aux), g = jax.value_and_grad(critic_loss, has_aux=True)(
                cp, state.gen_params, market, batch, k2
            )
            upd, c_os = c_opt.update(g, c_os, cp)
            return (optax.apply_updates(cp, upd), c_os), aux

        (cp, c_os), c_aux = jax.lax.scan(
            critic_step, (state.critic_params, state.critic_opt), jax.random.split(k_crit, cfg.n_critic)
        )
        batch = sample_batch(k_batch, panel, cfg, t_train)
        (_, g_aux), g = jax.value_and_grad(gen_loss, has_aux=True)(
            state.gen_params, cp, panel, market, batch, k_gen
        )
        upd, g_os = g_opt.update(g, state.gen_opt, state.gen_params)
        upd = optax.tree.scale(lr_factor(state.step, state.total, cfg.lr_final_fraction), upd)
        upd = _boost_heads(upd, cfg.head_lr_gain)
        gen_params = optax.apply_updates(state.gen_params, upd)
        new = TrainState(gen_params, cp, g_os, c_os, state.step + 1, key, state.total)
        return new, {**jax.tree.map(lambda v: v[-1], c_aux), **g_aux}

    @jax.jit
    def chunk(state: TrainState, panel: Panel, market: FactorMarket):
        # the panel is closed over, not carried, so the scan never copies it
        return jax.lax.scan(lambda st, _: iteration(st, panel, market), state, None, length=cfg.chunk)

    return chunk


HEAD_MODULES = ("head_mlp", "count_out", "turnover_out", "hhi_out")


def _boost_heads(updates, gain: float):
    """The allocator's fund-level heads (small regressions on many samples) take steps ``gain``
    times larger than the rest of the generator."""
    a = dict(updates["allocator"]["params"])
    for name in HEAD_MODULES:
        a[name] = jax.tree.map(lambda u: gain * u, a[name])
    return {**updates, "allocator": {**updates["allocator"], "params": a}}


# ---------------------------------------------------------------------- the two trainings
def train(universe, cfg: TrainConfig | None = None, seed: int = 0, progress: bool = True,
          monitor: Callable | None = None, probe: Callable | None = None, probe_every: int = 0) -> TrainedModel:
    """Train the model on ``universe``'s first ``n_months - test_months`` months; returns it.

    ``cfg``: ``TrainConfig()`` (the full run) unless given (``TrainConfig.quick()``: the short
    one). ``progress`` shows a tqdm bar (auto: notebook widget or terminal).
    """
    return _fit(universe, cfg, seed, progress, encoder_code, generation_phi, "training", monitor, probe, probe_every)


def train_generator_only(universe, cfg: TrainConfig | None = None, seed: int = 0,
                         progress: bool = True, monitor: Callable | None = None) -> TrainedModel:
    """The generator-only baseline: the same allocator, critic and losses trained with ``phi = 0``
    (:func:`no_code`: the encoder is never used, the KL and summary read-out terms vanish) and its
    heads refitted with ``phi = 0``; it generates with ``phi = 0``."""
    return _fit(universe, cfg, seed, progress, no_code, _zero_phi, "training (generator only)", monitor)


def _zero_phi(model: TrainedModel, universe, panel: Panel) -> np.ndarray:
    return np.zeros((universe.n_funds, model.config.latent_dim), np.float32)


def _fit(universe, cfg: TrainConfig | None, seed: int, progress: bool, code: StrategyCode,
         fund_phi: Callable[[TrainedModel, Any, Panel], np.ndarray], desc: str,
         monitor: Callable | None = None, probe: Callable | None = None, probe_every: int = 0) -> TrainedModel:
    """The adversarial iterations with phi from ``code``, then the head refit with every fund's
    final phi from ``fund_phi(model, universe, panel)``. ``monitor(iteration, metrics)`` (e.g. a
    :class:`hftlab.viz.live.LiveChart` fed per seed) gets every chunk's mean metrics; with
    ``probe_every`` > 0 chunks, at those checkpoints and the last chunk it also gets
    ``probe(model so far)`` (a dict of numbers, e.g. the style probe's recall)."""
    cfg = cfg or TrainConfig()
    check_universe(universe)
    check_train_config(cfg, universe.n_months)
    t_train = universe.n_months - cfg.test_months
    panel = make_panel(universe)
    market = fit_factor_market(universe.factor_returns[:t_train], universe.characteristics[:t_train])
    state = init_state(cfg, panel, jax.random.PRNGKey(seed))
    n_chunks = -(-cfg.iterations // cfg.chunk)
    t0 = time.perf_counter()
    compiled = _compiled_chunk(cfg, t_train, state, panel, market, code)
    compile_s = time.perf_counter() - t0
    rows = []
    bar = ProgressBar(n_chunks * cfg.chunk, desc) if progress else None
    t0 = time.perf_counter()
    for _ in range(n_chunks):
        state, m = compiled(state, panel, market)
        m = jax.device_get(m)
        step = int(state.step)
        rows.append({"iteration": step, **{k: float(np.mean(v)) for k, v in m.items()}})
        if bar is not None:
            bar(step, {"W": rows[-1]["distance"], "trading": rows[-1]["trading"]})
        if monitor is not None:
            values = {k: v for k, v in rows[-1].items() if k != "iteration"}
            if probe is not None and probe_every > 0 and (len(rows) % probe_every == 0 or len(rows) == n_chunks):
                snapshot = TrainedModel(config=cfg, gen_params=jax.device_get(state.gen_params), critic_params=None,
                                        history=pd.DataFrame(rows), train_seconds=0.0, compile_seconds=compile_s,
                                        t_train=t_train, market=market, seed=seed)
                values.update(probe(snapshot))
            monitor(step, values)
    if bar is not None:
        bar.close()
    model = TrainedModel(
        config=cfg,
        gen_params=jax.device_get(state.gen_params),
        critic_params=jax.device_get(state.critic_params),
        history=pd.DataFrame(rows),
        train_seconds=0.0,
        compile_seconds=compile_s,
        t_train=t_train,
        market=market,
        seed=seed,
    )
    if cfg.head_fit_steps > 0:
        phi = fund_phi(model, universe, panel)
        model.gen_params = fit_heads(model, panel, phi, jax.random.fold_in(state.key, 1))
    model.train_seconds = time.perf_counter() - t0
    return model


def head_fit_data(model: TrainedModel, panel: Panel, phi: np.ndarray, key: jax.Array, block: int = 32):
    """Inputs and targets of the heads on every training month of every fund, with the fund's
    final ``phi`` (F, L): (phi, inputs, log count share, turnover, log N HHI), leading axes
    (F, t_train - 1)."""
    cfg = model.config
    alloc = model.modules[1]
    phi = jnp.asarray(phi)
    t = jnp.arange(1, model.t_train)

    @jax.jit
    def block_inputs(params, f, k):
        wp = panel.drifted(f[:, None], t)
        feats = jnp.broadcast_to(panel.feats[t], (*wp.shape, panel.feats.shape[-1]))
        ph = jnp.broadcast_to(phi[f][:, None], (*wp.shape[:2], phi.shape[-1]))
        noise = jax.random.normal(k, (*wp.shape, cfg.noise_dim))
        g = alloc.apply(params, feats, wp, ph, noise, method=Allocator.scores)
        return head_inputs(wp, jax.nn.softmax(g, axis=-1))

    n_funds = panel.w.shape[0]
    parts = []
    for lo in range(0, n_funds, block):
        f = jnp.arange(lo, min(lo + block, n_funds))
        f = jnp.concatenate([f, jnp.full((block - f.shape[0],), f[-1])])  # one compiled shape
        key, k = jax.random.split(key)
        parts.append(block_inputs(model.gen_params["allocator"], f, k)[: min(block, n_funds - lo)])
    inputs = jnp.concatenate(parts)
    phi_t = jnp.broadcast_to(phi[:, None], (*inputs.shape[:2], phi.shape[-1]))
    log_cnt = jnp.log(jnp.maximum(panel.count[:, 1 : model.t_train], 1.0) / panel.w.shape[-1])
    log_hhi = jnp.log(panel.w.shape[-1] * panel.hhi[:, 1 : model.t_train])
    return phi_t, inputs, log_cnt, panel.turnover[:, 1 : model.t_train], log_hhi


def fit_heads(model: TrainedModel, panel: Panel, phi: np.ndarray, key: jax.Array):
    """Refit the allocator's count, turnover and HHI heads, the rest held, on every training
    fund-month (full batch, Adam, ``head_fit_steps`` steps, the same L1 losses as in training)
    with each fund's final ``phi`` (F, L): the heads are small regressions whose minibatch
    gradients during the adversarial training are noisy. Returns the new generator parameters."""
    cfg = model.config
    alloc = model.modules[1]
    phi_t, inputs, log_cnt, turnover, log_hhi = head_fit_data(model, panel, phi, key)
    params = model.gen_params["allocator"]
    heads0 = {k: params["params"][k] for k in HEAD_MODULES}
    opt = optax.adam(cfg.head_fit_lr)

    def loss(hp):
        p = {**params, "params": {**params["params"], **hp}}
        log_k, tau, log_h = alloc.apply(p, phi_t, inputs, method=Allocator.heads)
        return (jnp.mean(jnp.abs(log_k - log_cnt)) + jnp.mean(jnp.abs(tau - turnover)) / 0.1
                + jnp.mean(jnp.abs(log_h - log_hhi)))

    @jax.jit
    def run(hp):
        def step(c, _):
            hp, o = c
            g = jax.grad(loss)(hp)
            u, o = opt.update(g, o)
            return (optax.apply_updates(hp, u), o), None

        (hp, _), _ = jax.lax.scan(step, (hp, opt.init(hp)), None, length=cfg.head_fit_steps)
        return hp

    hp = jax.device_get(run(heads0))
    new = {**params, "params": {**params["params"], **hp}}
    return {**model.gen_params, "allocator": new}


_COMPILED: dict = {}


def _compiled_chunk(cfg: TrainConfig, t_train: int, state, panel, market, code: StrategyCode = encoder_code):
    """The compiled chunk for this configuration, these shapes and this ``code``, compiled once per
    process (``iterations`` is traced: unused in the key); the model's and the generator-only
    baseline's chunks are kept side by side."""
    key = (dataclasses.replace(cfg, iterations=1), t_train, code.__name__,
           tuple((a.shape, str(a.dtype)) for a in jax.tree.leaves(panel)))
    if key not in _COMPILED:
        if any(k[:2] != key[:2] or k[3:] != key[3:] for k in _COMPILED):
            _COMPILED.clear()  # keep one configuration's (each holds its executable)
        _COMPILED[key] = make_train_chunk(cfg, t_train, code).lower(state, panel, market).compile()
    return _COMPILED[key]


def untrained(universe, cfg: TrainConfig | None = None, seed: int = 0) -> TrainedModel:
    """The model at initialisation (for comparisons with a trained one)."""
    cfg = cfg or TrainConfig()
    t_train = universe.n_months - cfg.test_months
    panel = make_panel(universe)
    state = init_state(cfg, panel, jax.random.PRNGKey(seed))
    market = fit_factor_market(universe.factor_returns[:t_train], universe.characteristics[:t_train])
    return TrainedModel(cfg, state.gen_params, state.critic_params, pd.DataFrame(), 0.0, 0.0, t_train, market, seed)


__all__ = [
    "LossWeights",
    "Panel",
    "TrainConfig",
    "TrainState",
    "TrainedModel",
    "encoder_code",
    "fit_heads",
    "init_state",
    "make_panel",
    "make_train_chunk",
    "no_code",
    "sample_batch",
    "train",
    "train_generator_only",
    "untrained",
    "with_overrides",
]
