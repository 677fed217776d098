"""Critic distance: the Wasserstein estimate of a fresh WGAN-GP critic trained for a fixed number
of steps to tell real from generated held-out portfolios (:func:`critic_distance`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from hftlab.fundgan.encode import generate
from hftlab.fundgan.model import Critic, gradient_penalty, portfolio_summary
from hftlab.fundgan.panel import Panel, make_panel
from hftlab.fundgan.trained import TrainedModel


def critic_distance(model: TrainedModel, universe, phi: np.ndarray, steps: int = 300, batch: int = 256,
                    seed: int = 0, panel: Panel | None = None) -> float:
    """Wasserstein estimate of a fresh WGAN-GP critic between real and generated held-out portfolios."""
    panel = panel or make_panel(universe)
    months = np.arange(model.t_train, universe.n_months)
    w_gen = generate(model, panel, phi, months, seed)
    w_real = universe.weights[:, months]
    w_prev = universe.drifted_previous()[:, months]
    z = universe.z_characteristics()[months][None]
    capw = (universe.cap / universe.cap.sum(-1, keepdims=True))[months][None]
    summ = lambda w: np.asarray(portfolio_summary(jnp.asarray(w), jnp.asarray(w_prev), jnp.asarray(z), jnp.asarray(capw)))  # noqa: E731
    s_real = summ(w_real).reshape(-1, summ(w_real).shape[-1])
    s_fake = summ(w_gen).reshape(s_real.shape)
    cond = np.broadcast_to(phi[:, None], (*w_real.shape[:2], phi.shape[-1])).reshape(-1, phi.shape[-1])
    return fit_critic_distance(s_real, s_fake, cond, steps=steps, batch=batch, seed=seed)


def fit_critic_distance(s_real, s_fake, cond, steps: int = 300, batch: int = 256, seed: int = 0) -> float:
    critic = Critic()
    key = jax.random.PRNGKey(seed)
    params = critic.init(key, jnp.asarray(s_real[:1]), jnp.asarray(cond[:1]))
    opt = optax.adam(1e-3, b1=0.5, b2=0.9)
    s_real, s_fake, cond = (jnp.asarray(x, jnp.float32) for x in (s_real, s_fake, cond))
    n = s_real.shape[0]

    def loss(p, idx, k):
        one = lambda s, c: critic.apply(p, s, c)  # noqa: E731
        r, f, c = s_real[idx], s_fake[idx], cond[idx]
        d = critic.apply(p, r, c).mean() - critic.apply(p, f, c).mean()
        return -d + 10.0 * gradient_penalty(one, r, f, c, k), d

    @jax.jit
    def run(params, key):
        def step(carry, _):
            p, o, k = carry
            k, k1, k2 = jax.random.split(k, 3)
            idx = jax.random.randint(k1, (batch,), 0, n)
            (_, d), g = jax.value_and_grad(loss, has_aux=True)(p, idx, k2)
            u, o = opt.update(g, o, p)
            return (optax.apply_updates(p, u), o, k), d

        (p, _, _), ds = jax.lax.scan(step, (params, opt.init(params), key), None, length=steps)
        return ds

    ds = run(params, key)
    return float(jnp.mean(ds[-max(steps // 10, 1):]))


__all__ = ["critic_distance", "fit_critic_distance"]
