"""Seeds × hyperparameter grids as one ``vmap`` of ``train``: one compilation, one call.

A grid is a dict ``{name: [values]}``; its cartesian product gives the grid points.
Names are resolved as

* ``"lr"``, ``"ent_coef"``, ... (fields of :class:`~hftlab.rl.config.AgentHParams`):
  that hyperparameter of every learning agent type;
* ``"<type>.lr"`` (e.g. ``"guess.lr"``): that hyperparameter of one learning type only;
* anything else, e.g. ``"inventory_penalty"``: a field of the environment parameters,
  replaced inside ``train`` (``hparams["env"]``).

:func:`vmap_seeds` is the one way to run ``train`` over several seeds: every caller
(:func:`train_seeds`, :func:`run_sweep`, the market study's seeds × restarts) maps
``train(key, env_params, hparams)`` over a leading axis of PRNG keys from
:func:`seed_keys`. :func:`run_sweep` evaluates ``jax.jit(vmap_points(vmap_seeds(train)))``
once; every metric comes back with shape ``(num_points, num_seeds, num_updates)`` and
every parameter leaf with leading axes ``(num_points, num_seeds)``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hftlab.errors import InputError
from hftlab.rl.config import HPARAM_NAMES, default_hparams


def grid_points(grid: dict) -> list[dict]:
    """Cartesian product of ``{name: [values]}`` as a list of ``{name: value}``."""
    if not grid:
        return [{}]
    for k, v in grid.items():
        if not isinstance(v, (list, tuple, np.ndarray)) or len(v) == 0:
            raise InputError(f"sweep grid: {k!r} needs a non-empty list of values (got {v!r})")
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[k]) for k in names))]


def hparams_for(point: dict, base: dict, types: tuple[str, ...], env_params) -> dict:
    """The traced hyperparameter pytree of one grid point, built on ``base``."""
    agents = dict(base["agents"])
    env = dict(base.get("env", {}))
    env_fields = set(getattr(env_params, "__dataclass_fields__", {}))
    for name, value in point.items():
        v = jnp.asarray(value, jnp.float32)
        if name in HPARAM_NAMES:
            agents = {t: agents[t].replace(**{name: v}) for t in types}
        elif "." in name:
            t, hn = name.split(".", 1)
            if t not in types or hn not in HPARAM_NAMES:
                raise InputError(f"sweep grid: {name!r} is not <agent type>.<hyperparameter> "
                                 f"(types {list(types)}, hyperparameters {list(HPARAM_NAMES)})")
            agents[t] = agents[t].replace(**{hn: v})
        elif name in env_fields:
            env[name] = jnp.asarray(value, jnp.asarray(getattr(env_params, name)).dtype)
        else:
            raise InputError(f"sweep grid: {name!r} is neither a PPO hyperparameter {list(HPARAM_NAMES)} "
                             f"nor a field of {type(env_params).__name__}")
    return {"agents": agents, "env": env}


def stack_hparams(points: list[dict], base: dict, types, env_params) -> dict:
    """Grid points' hyperparameters stacked along a new leading axis (every leaf)."""
    trees = [hparams_for(p, base, types, env_params) for p in points]
    # all points must carry the same env override keys
    keys = set().union(*(t["env"].keys() for t in trees))
    for t in trees:
        for k in keys:
            t["env"].setdefault(k, jnp.asarray(getattr(env_params, k)))
    return jax.tree_util.tree_map(lambda *xs: jnp.stack([jnp.asarray(x) for x in xs]), *trees)


def seed_keys(seeds, restarts: int = 1) -> jnp.ndarray:
    """PRNG keys of every (seed, restart), seed-major: restart 0 is ``PRNGKey(seed)`` itself, restart
    r > 0 ``fold_in(PRNGKey(seed), r)``. With ``restarts=1``: one key per seed."""
    keys = []
    for s in seeds:
        k = jax.random.PRNGKey(int(s))
        keys += [k] + [jax.random.fold_in(k, r) for r in range(1, restarts)]
    return jnp.stack(keys)


def vmap_seeds(train):
    """``train`` mapped over a leading axis of keys (:func:`seed_keys`); env params and hparams shared."""
    return jax.vmap(train, in_axes=(0, None, None))


def train_seeds(train, env_params, seeds, hparams=None, restarts: int = 1, jit: bool = True):
    """Train every (seed, restart) in one ``vmap``-ed call; outputs carry a leading seed-major axis."""
    hparams = hparams if hparams is not None else default_hparams(train.config, train.types)
    f = vmap_seeds(train)
    return (jax.jit(f) if jit else f)(seed_keys(seeds, restarts), env_params, hparams)


@dataclass
class SweepResult:
    points: pd.DataFrame  # one row per grid point
    seeds: list[int]
    metrics: dict  # {type: {name: (P, S, U)}}, plus "env_steps"
    params: dict  # leaves (P, S, ...)

    def final(self, t: str, metric: str = "episode_return", last: int = 5) -> pd.DataFrame:
        """Tidy table: the metric averaged over the last ``last`` updates, per point and seed."""
        m = np.asarray(self.metrics[t][metric])[..., -last:]
        v = np.nanmean(m, axis=-1)
        rows = []
        for i, row in self.points.iterrows():
            for j, s in enumerate(self.seeds):
                rows.append({**row.to_dict(), "seed": s, metric: float(v[i, j])})
        return pd.DataFrame(rows)


def make_sweep(train, num_seeds: int):
    """``sweep(keys (S,), env_params, hparams (P, ...)) -> out`` vmapped over points × seeds, jitted."""
    over_points = jax.vmap(vmap_seeds(train), in_axes=(None, None, 0))
    return jax.jit(over_points)


def run_sweep(train, env_params, grid: dict, seeds=(0, 1), base_hparams: dict | None = None) -> SweepResult:
    """Train every (grid point, seed) pair in one compiled call."""
    seeds = [int(s) for s in seeds]
    if len(seeds) < 1:
        raise InputError("sweep: needs at least one seed")
    types = train.types
    base = base_hparams if base_hparams is not None else default_hparams(train.config, types)
    points = grid_points(grid)
    hp = stack_hparams(points, base, types, env_params)
    keys = seed_keys(seeds)
    out = make_sweep(train, len(seeds))(keys, env_params, hp)
    out = jax.device_get(out)
    return SweepResult(points=pd.DataFrame(points) if grid else pd.DataFrame([{}]), seeds=seeds,
                       metrics=out["metrics"], params=out["params"])
