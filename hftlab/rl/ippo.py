"""Independent PPO (IPPO) for heterogeneous multi-agent environments, PureJaxRL-style.

``train = make_train(config, env)`` returns one pure function
``train(key, env_params, hparams=None) -> {"params", "metrics"}`` that ``jax.jit``
compiles whole: no Python in the hot loop. One *update* is

1. **rollout** — ``lax.scan`` over ``num_steps``; at each step every learning agent
   type ``t`` samples actions for its ``num_envs × num_agents(t)`` actors from its own
   policy (parameters shared within a type, independent across types), and the
   environment steps under ``vmap`` over ``num_envs`` (auto-reset on episode end);
2. **GAE** — per type, a reverse ``lax.scan``:
   :math:`\\delta_t = r_t + \\gamma V(s_{t+1})(1-d_t) - V(s_t)`,
   :math:`\\hat A_t = \\delta_t + \\gamma\\lambda(1-d_t)\\hat A_{t+1}`, targets
   :math:`\\hat A_t + V(s_t)`;
3. **PPO update** — per type, ``update_epochs`` passes over a fresh random
   permutation of the batch split into ``num_minibatches``; the loss is
   :math:`-\\min(\\rho\\hat A, \\operatorname{clip}(\\rho, 1\\pm\\epsilon)\\hat A)
   + c_v \\max((V-R)^2, (V_{clip}-R)^2)/2 - c_e H[\\pi]` with
   :math:`\\rho = \\pi_\\theta(a|s)/\\pi_{old}(a|s)` and advantages normalised per
   minibatch; optax ``clip_by_global_norm`` then ``adam`` with the learning rate
   annealed linearly to 0 over the run. Rewards are multiplied by the type's
``reward_scale`` before GAE (values learn scaled returns; reported returns are not scaled).

The MLP treats every (step, actor) sample independently (minibatches are shuffled
samples); the GRU keeps whole rollout sequences per actor (minibatches are shuffled
actors) and starts each from the recurrent state saved at the start of the rollout.

Metrics come back as arrays of shape ``(num_updates,)`` per learning type: mean
episode return over the episodes that ended in the update's rollout (NaN when none
ended), policy loss, value loss, entropy, approximate KL
:math:`E[(\\rho-1)-\\log\\rho]`, clip fraction, and the mean of every episode metric the
environment reports in ``info[type]`` (e.g. the toy's ``accuracy``).

Swept hyperparameters (learning rate, entropy coefficient, ...) and environment
parameter overrides (e.g. ``inventory_penalty``) are in the traced ``hparams`` pytree
(:func:`hftlab.rl.config.default_hparams`), so ``jax.vmap(train)`` over them is one
compiled call (:mod:`hftlab.rl.sweep`).
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import optax

from hftlab.errors import InputError
from hftlab.rl.config import AgentConfig, AgentHParams, TrainConfig, default_hparams
from hftlab.rl.networks import init_params, initial_hidden, make_network

LOSS_NAMES = ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_frac")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def apply_env_overrides(env_params, overrides: dict):
    """``env_params`` with the fields named in ``overrides`` replaced (traced values welcome)."""
    if not overrides:
        return env_params
    names = set(getattr(env_params, "__dataclass_fields__", {}))
    bad = sorted(set(overrides) - names)
    if bad:
        raise InputError(f"hparams['env']: {bad} are not fields of {type(env_params).__name__}")
    cast = {}
    for k, v in overrides.items():
        old = getattr(env_params, k)
        cast[k] = jnp.asarray(v, dtype=jnp.asarray(old).dtype) if hasattr(old, "dtype") or isinstance(old, (int, float)) else v
    return env_params.replace(**cast)


def make_optimizer(hp: AgentHParams, cfg: AgentConfig, config: TrainConfig) -> optax.GradientTransformation:
    """``clip_by_global_norm`` + ``adam``; the learning rate anneals linearly to 0 if ``cfg.anneal_lr``."""
    steps_per_update = config.num_minibatches * config.update_epochs
    if cfg.anneal_lr:
        def lr(count):
            return hp.lr * (1.0 - (count // steps_per_update) / config.num_updates)
    else:
        lr = hp.lr
    return optax.chain(optax.clip_by_global_norm(hp.max_grad_norm), optax.adam(lr, eps=1e-5))


def _mask_mean(x, mask):
    """Mean of ``x`` where ``mask``; NaN when the mask is empty."""
    m = mask.astype(jnp.float32)
    n = m.sum()
    return jnp.where(n > 0, (x * m).sum() / jnp.maximum(n, 1.0), jnp.nan)


def _info_for(info: Any, t: str, num_envs: int, n: int) -> dict:
    """Per-agent float episode metrics of type ``t`` from ``info``, each (num_envs, n)."""
    d = info.get(t, {}) if isinstance(info, dict) else {}
    out = {}
    if not isinstance(d, dict):
        return out
    for k, v in d.items():
        v = jnp.asarray(v)
        if v.shape == (num_envs, n):
            out[k] = v.astype(jnp.float32)
        elif v.shape == (num_envs,):
            out[k] = jnp.broadcast_to(v[:, None], (num_envs, n)).astype(jnp.float32)
    return out


# --------------------------------------------------------------------------------------------
# policy (rollout and evaluation share it)
# --------------------------------------------------------------------------------------------
def make_policy(config: TrainConfig, env) -> Callable:
    """``act(params, hidden, obs, resets, key, greedy) -> (actions, hidden, logp, value)`` for one env batch.

    ``obs[t]`` is (..., num_agents(t), obs_size(t)) with any leading batch shape; the
    actions have the matching leading shape. ``greedy=True`` takes the arg-max action
    (deterministic evaluation); otherwise actions are sampled.
    """
    types = tuple(env.learning_types)
    nets = {t: make_network(config.agent(t), env.num_actions(t)) for t in types}

    def act(params, hidden, obs, resets, key, greedy: bool = False):
        actions, new_hidden, logps, values = {}, {}, {}, {}
        for i, t in enumerate(types):
            o = obs[t]
            lead = o.shape[:-1]
            flat = o.reshape((-1, o.shape[-1]))
            h, logits, v = nets[t].apply(params[t], hidden[t], flat[None], resets[t].reshape(-1)[None])
            logits, v = logits[0], v[0]
            if greedy:
                a = jnp.argmax(logits, axis=-1)
            else:
                a = jax.random.categorical(jax.random.fold_in(key, i), logits)
            logp = jnp.take_along_axis(jax.nn.log_softmax(logits), a[:, None], axis=-1)[:, 0]
            actions[t] = a.reshape(lead).astype(jnp.int32)
            new_hidden[t] = h
            logps[t] = logp
            values[t] = v
        return actions, new_hidden, logps, values

    return act


# --------------------------------------------------------------------------------------------
# make_train
# --------------------------------------------------------------------------------------------
def make_train(config: TrainConfig, env, progress: Callable | None = None, mesh=None,
               monitor: Callable | None = None) -> Callable:
    """Build ``train(key, env_params, hparams=None)`` for ``env`` (any env following the contract).

    ``progress(update, returns)`` (e.g. :class:`hftlab.progress.ProgressBar`) is called from inside the
    compiled loop every ``config.progress_every`` updates when both are set. ``monitor(run_key,
    update, metrics)`` (e.g. :func:`hftlab.viz.live.ippo_monitor`) is called likewise with the key the
    run was started with (under ``vmap`` each lane reports on its own, with its own key), the update
    number and every per-update metric per type plus ``action_freq``, the share of each action in the
    update's rollout (whole runs, ``train``; chunked runs do not report to it). Without ``progress`` /
    ``monitor`` no callback is compiled at all; with them the training computation is the same (the
    callbacks only read). ``mesh``
    (or ``config.shard_envs``, which builds one over all devices) shards the
    environment axis; see :mod:`hftlab.rl.sharding`. When ``jax.distributed`` joined several
    processes the mesh spans all their devices without asking (:mod:`hftlab.rl.distributed`).
    """
    types = tuple(env.learning_types)
    if not types:
        raise InputError("make_train: the environment has no learning agent types")
    config.check(types)
    E, T = config.num_envs, config.num_steps
    n = {t: int(env.num_agents(t)) for t in types}
    B = {t: E * n[t] for t in types}
    acfg = {t: config.agent(t) for t in types}
    for t in types:
        units = B[t] if acfg[t].network == "gru" else B[t] * T
        if units % config.num_minibatches:
            what = "actors (num_envs × agents)" if acfg[t].network == "gru" else "samples (num_envs × agents × num_steps)"
            raise InputError(f"TrainConfig.num_minibatches={config.num_minibatches} does not divide the "
                             f"{units} {what} of agent type {t!r}")
    nets = {t: make_network(acfg[t], env.num_actions(t)) for t in types}
    act = make_policy(config, env)
    num_updates = config.num_updates

    if mesh is None and (config.shard_envs or jax.process_count() > 1):  # several processes: envs split across them
        from hftlab.rl.sharding import env_mesh

        mesh = env_mesh()
    if mesh is not None:
        from hftlab.rl.sharding import check_divisible, constrain_envs

        check_divisible(E, mesh)
        shard = lambda tree: constrain_envs(tree, mesh, E)  # noqa: E731
    else:
        shard = lambda tree: tree  # noqa: E731

    def batched(fn, in_axes):
        """``fn`` vmapped over environments; with :class:`~hftlab.rl.sharding.PerDevice` parameters, each
        device's environments run on that device's block of them (``shard_map`` over the mesh)."""
        vf = jax.vmap(fn, in_axes=in_axes)

        def call(*args):
            *rest, env_params = args
            from hftlab.rl.sharding import AXIS, PerDevice

            if not isinstance(env_params, PerDevice):
                return vf(*rest, env_params)
            if mesh is None:
                raise InputError("per-device environment parameters need a device mesh (several processes or shard_envs)")

            def local(*a):
                *r, block = a
                return vf(*r, jax.tree_util.tree_map(lambda x: x[0], block))

            spec = jax.sharding.PartitionSpec(AXIS)
            return jax.shard_map(local, mesh=mesh, in_specs=spec, out_specs=spec, check_vma=False)(*rest, env_params.params)

        return call

    v_reset = batched(env.reset, (0, None))
    v_step = batched(env.step, (0, 0, 0, None))

    def loss_fn(p, t, hp: AgentHParams, h0, batch, adv, targets):
        _, logits, value = nets[t].apply(p, h0, batch["obs"], batch["reset"])
        logp_all = jax.nn.log_softmax(logits)
        logp = jnp.take_along_axis(logp_all, batch["action"][..., None], axis=-1)[..., 0]
        logratio = logp - batch["logp"]
        ratio = jnp.exp(logratio)
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        pg = -jnp.minimum(ratio * adv, jnp.clip(ratio, 1.0 - hp.clip_eps, 1.0 + hp.clip_eps) * adv).mean()
        v_clip = batch["value"] + jnp.clip(value - batch["value"], -hp.clip_eps, hp.clip_eps)
        v_loss = 0.5 * jnp.maximum((value - targets) ** 2, (v_clip - targets) ** 2).mean()
        entropy = -(jnp.exp(logp_all) * logp_all).sum(-1).mean()
        total = pg + hp.vf_coef * v_loss - hp.ent_coef * entropy
        aux = {"policy_loss": pg, "value_loss": v_loss, "entropy": entropy,
               "approx_kl": ((ratio - 1.0) - logratio).mean(),
               "clip_frac": (jnp.abs(ratio - 1.0) > hp.clip_eps).mean()}
        return total, aux

    def update_type(t, p, opt_state, tx, hp, key, h0, traj, adv, targets):
        """``update_epochs`` × ``num_minibatches`` PPO steps for agent type ``t``."""
        if acfg[t].network == "mlp":  # independent samples: sequences of length 1
            N = T * B[t]
            traj = jax.tree_util.tree_map(lambda x: x.reshape((1, N) + x.shape[2:]), traj)
            adv, targets = adv.reshape(1, N), targets.reshape(1, N)
            h0 = jnp.zeros((N, h0.shape[-1]), h0.dtype)
        else:
            N = B[t]
        M = config.num_minibatches

        def epoch(carry, _):
            p, opt_state, key = carry
            key, k = jax.random.split(key)
            perm = jax.random.permutation(k, N)
            shuf = lambda x, ax: jnp.take(x, perm, axis=ax)  # noqa: E731
            tr = jax.tree_util.tree_map(lambda x: shuf(x, 1), traj)
            mb = lambda x: jnp.swapaxes(x.reshape((x.shape[0], M, N // M) + x.shape[2:]), 0, 1)  # noqa: E731
            mbs = (jax.tree_util.tree_map(mb, tr), mb(shuf(adv, 1)), mb(shuf(targets, 1)),
                   shuf(h0, 0).reshape((M, N // M) + h0.shape[1:]))

            def minibatch(carry, xs):
                p, opt_state = carry
                batch, a, tg, h = xs
                grads, aux = jax.grad(loss_fn, has_aux=True)(p, t, hp, h, batch, a, tg)
                updates, opt_state = tx.update(grads, opt_state, p)
                return (optax.apply_updates(p, updates), opt_state), aux

            (p, opt_state), aux = jax.lax.scan(minibatch, (p, opt_state), mbs)
            return (p, opt_state, key), aux

        (p, opt_state, _), aux = jax.lax.scan(epoch, (p, opt_state, key), None, config.update_epochs)
        return p, opt_state, jax.tree_util.tree_map(jnp.mean, aux)

    def prepare(env_params, hparams):
        if hparams is None:
            hparams = default_hparams(config, types)
        from hftlab.rl.sharding import PerDevice

        if isinstance(env_params, PerDevice):  # overrides apply to every device's block
            blocks = jax.tree_util.tree_leaves(env_params.params)[0].shape[0]
            over = {k: jnp.broadcast_to(jnp.asarray(v), (blocks,)) for k, v in hparams.get("env", {}).items()}
            env_params = PerDevice(apply_env_overrides(env_params.params, over))
        else:
            env_params = apply_env_overrides(env_params, hparams.get("env", {}))
        hp = hparams["agents"]
        txs = {t: make_optimizer(hp[t], acfg[t], config) for t in types}
        return env_params, hp, txs

    def fresh_envs(k_reset, env_params):
        """Every environment at the start of a new episode: ``(env_state, obs, resets, hidden, ep_ret)``."""
        obs, env_state = v_reset(jax.random.split(k_reset, E), env_params)
        obs, env_state = shard((obs, env_state))
        resets = {t: jnp.ones((E, n[t]), bool) for t in types}
        hidden = {t: initial_hidden(acfg[t], B[t]) for t in types}
        ep_ret = {t: jnp.zeros((E, n[t]), jnp.float32) for t in types}
        return env_state, obs, resets, hidden, ep_ret

    def init(key, env_params, hparams=None):
        """The runner state before the first update: ``(params, opt_states, env_state, obs, resets, hidden,
        ep_ret, key)`` — everything a later update depends on (the environments' windows and message
        pointers, i.e. the data position, included)."""
        env_params, hp, txs = prepare(env_params, hparams)
        key, k_init, k_reset = jax.random.split(key, 3)
        params = {t: init_params(acfg[t], env.num_actions(t), env.obs_size(t), jax.random.fold_in(k_init, i))
                  for i, t in enumerate(types)}
        opt_states = {t: txs[t].init(params[t]) for t in types}
        return (params, opt_states, *fresh_envs(k_reset, env_params), key)

    def restart_envs(runner, env_params, hparams=None):
        """``runner`` with every environment starting a new episode on ``env_params`` (e.g. the next shard of
        days: the pointers of running episodes mean nothing in another message array). Parameters and
        optimiser states are kept; recurrent states, running returns and the reset flags start afresh;
        the reset keys come from the runner's key, so the restart is deterministic."""
        env_params, _, _ = prepare(env_params, hparams)
        params, opt_states, _, _, _, _, _, key = runner
        key, k_reset = jax.random.split(key)
        return (params, opt_states, *fresh_envs(k_reset, env_params), key)

    def make_update_step(env_params, hp, txs, run_key=None):
        def rollout_step(carry, _):
            params, env_state, obs, resets, hidden, ep_ret, key = carry
            key, k_act, k_env = jax.random.split(key, 3)
            actions, hidden, logps, values = act(params, hidden, obs, resets, k_act)
            obs2, env_state, rew, dones, info = v_step(jax.random.split(k_env, E), env_state, actions, env_params)
            obs2, env_state = shard((obs2, env_state))
            all_done = dones["__all__"]
            trans, new_ret = {}, {}
            for t in types:
                d = dones[t].astype(bool)
                r = rew[t].astype(jnp.float32)
                ret = ep_ret[t] + r
                new_ret[t] = jnp.where(d, 0.0, ret)
                ep_end = jnp.broadcast_to(all_done[:, None], (E, n[t]))
                trans[t] = {
                    "obs": obs[t].reshape(B[t], -1), "action": actions[t].reshape(B[t]),
                    "logp": logps[t], "value": values[t], "reward": r.reshape(B[t]),
                    "done": d.reshape(B[t]), "reset": resets[t].reshape(B[t]),
                    "ep_return": ret.reshape(B[t]),
                    "ep_info": {k: v.reshape(B[t]) for k, v in _info_for(info, t, E, n[t]).items()},
                    "ep_end": ep_end.reshape(B[t]),
                }
                resets = {**resets, t: d}
            return (params, env_state, obs2, resets, hidden, new_ret, key), trans

        def update_step(runner, idx):
            params, opt_states, env_state, obs, resets, hidden, ep_ret, key = runner
            h_start = hidden
            carry = (params, env_state, obs, resets, hidden, ep_ret, key)
            carry, traj = jax.lax.scan(rollout_step, carry, None, T)
            _, env_state, obs, resets, hidden, ep_ret, key = carry
            _, _, _, last_val = act(params, hidden, obs, resets, key)
            key, k_upd = jax.random.split(key)
            metrics = {}
            new_params, new_opt = {}, {}
            for i, t in enumerate(types):
                tr = traj[t]
                g, lam = hp[t].gamma, hp[t].gae_lambda

                def gae_step(c, x):
                    gae, next_v = c
                    done, v, r = x
                    nd = 1.0 - done.astype(jnp.float32)
                    delta = r + g * next_v * nd - v
                    gae = delta + g * lam * nd * gae
                    return (gae, v), gae

                _, adv = jax.lax.scan(gae_step, (jnp.zeros_like(last_val[t]), last_val[t]),
                                      (tr["done"], tr["value"], tr["reward"] * hp[t].reward_scale), reverse=True)
                targets = adv + tr["value"]
                batch = {k: tr[k] for k in ("obs", "action", "logp", "value", "reset")}
                p, o, losses = update_type(t, params[t], opt_states[t], txs[t], hp[t],
                                           jax.random.fold_in(k_upd, i), h_start[t], batch, adv, targets)
                new_params[t], new_opt[t] = p, o
                m = {"episode_return": _mask_mean(tr["ep_return"], tr["done"])}
                for k, v in tr["ep_info"].items():
                    m[k] = _mask_mean(v, tr["ep_end"])
                m["episodes"] = tr["ep_end"].sum().astype(jnp.float32) / n[t]
                m.update(losses)
                metrics[t] = m
            watch = monitor is not None and run_key is not None
            if config.progress_every > 0 and (progress is not None or watch):  # else: nothing traced
                u = idx + 1
                report = (u % config.progress_every == 0) | (u == num_updates)
            if progress is not None and config.progress_every > 0:
                jax.lax.cond(report,
                             lambda: jax.debug.callback(progress, u, {t: metrics[t]["episode_return"] for t in types}),
                             lambda: None)
            if watch and config.progress_every > 0:
                payload = {t: {**metrics[t], "action_freq": jax.nn.one_hot(traj[t]["action"], env.num_actions(t)).mean((0, 1))}
                           for t in types}
                jax.lax.cond(report, lambda: jax.debug.callback(monitor, run_key, u, payload), lambda: None)
            runner = (new_params, new_opt, env_state, obs, resets, hidden, ep_ret, key)
            return runner, metrics

        return update_step

    def run_updates(runner, env_params, hparams, first, count: int, run_key=None):
        """Updates ``first .. first + count - 1`` from ``runner`` (``count`` static): ``(runner, metrics)``.

        The same update step as :func:`train`'s scan, so chunks of updates run one after another
        give the parameters of the whole run (``tests/test_checkpoint.py`` checks it bit for bit).
        """
        env_params, hp, txs = prepare(env_params, hparams)
        idx = jnp.asarray(first, jnp.int32) + jnp.arange(count, dtype=jnp.int32)
        runner, metrics = jax.lax.scan(make_update_step(env_params, hp, txs, run_key), runner, idx)
        metrics["env_steps"] = ((idx + 1) * (E * T)).astype(jnp.float32)
        return runner, metrics

    def train(key, env_params, hparams=None):
        runner = init(key, env_params, hparams)
        runner, metrics = run_updates(runner, env_params, hparams, 0, num_updates, run_key=key)
        return {"params": runner[0], "metrics": metrics}

    train.config = config
    train.env = env
    train.types = types
    train.init = init
    train.run_updates = run_updates
    train.restart_envs = restart_envs
    train.mesh = mesh
    return train
