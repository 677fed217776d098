"""Named configurations of the IPPO market study (flax-examples style): one module per preset.

Each preset module has ``get_config() -> ExperimentConfig`` (:mod:`hftlab.configs.base`)
and sets, with a comment, only what differs from the defaults:

* ``sample_day`` — the documented run on the bundled sample day (README, "IPPO");
* ``lobster_goog`` — the recorded run on GOOG 2012-06-21 (real LOBSTER data);
* ``sample_day_validation`` — ``sample_day`` with the restarts chosen on validation windows;
* ``study_goog`` / ``study_amzn`` — the learning study: 8 seeds on one stock, restarts chosen on
  validation windows, evaluated on its afternoon and on the other stock's (cross-stock).

Settings are addressed by dotted keys: ``restarts``, ``agent.lr``, ``train.num_envs``,
``env.messages_per_step``, ``env_params.inventory_penalty`` (any :class:`EnvParams` field).
:func:`apply` sets them from Python values, :func:`parse_set` from ``key=value`` strings
(``hftlab train --set``; the value is read as a TOML value — ``0.5``, ``true``, ``[1, 2]``,
``"text"`` — or, failing that, as a bare string; ``none`` clears an optional setting;
``seeds=N`` means seeds 0..N-1). A configuration **file** (:func:`from_file`) is TOML or
JSON (by suffix ``.toml`` / ``.json``) naming a base preset and the settings that differ::

    base = "sample_day"        # optional; default "sample_day"
    seeds = [0, 1, 2, 3, 4, 5, 6, 7]

    [agent]
    lr = 5e-4

    [env_params]
    inventory_penalty = 0.02

or ``{"base": "sample_day", "seeds": [0, 1, 2, 3], "agent": {"lr": 5e-4}}`` (tables and
dotted keys alike). Unknown keys and bad values are one-line :class:`InputError`\\ s.

:func:`quick` shrinks a configuration to a smoke test (the ``HFTLAB_QUICK`` size); only the
edges (command, notebooks, tests) decide when to call it.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import tomllib
import types
import typing
from pathlib import Path

from hftlab.configs.base import DERIVED, ExperimentConfig
from hftlab.errors import InputError

PRESETS = ("sample_day", "lobster_goog", "sample_day_validation", "study_goog", "study_amzn")
DEFAULT = "sample_day"

__all__ = ["DEFAULT", "PRESETS", "ExperimentConfig", "apply", "from_dict", "from_file", "get", "load", "parse_set",
           "quick", "settings", "to_dict"]


def get(name: str) -> ExperimentConfig:
    """The preset ``name`` (one of :data:`PRESETS`)."""
    if name not in PRESETS:
        raise InputError(f"config: no preset {name!r} (presets: {', '.join(PRESETS)})")
    return importlib.import_module(f"hftlab.configs.{name}").get_config()


def quick(cfg: ExperimentConfig) -> ExperimentConfig:
    """``cfg`` shrunk to a smoke test: 2 seeds, one run each, 8 envs × 8 steps × 3 updates, small nets,
    8-step episodes of 25 messages, 8 held-out windows, baselines at their defaults (not tuned). Its numbers say nothing about the agents."""
    r = dataclasses.replace
    return r(cfg, seeds=(0, 1), restarts=1, max_eval_windows=8, window_stride=0, tune_baselines=False,
             train=r(cfg.train, num_envs=8, num_steps=8, total_timesteps=8 * 8 * 3, update_epochs=2, num_minibatches=2),
             agent=r(cfg.agent, hidden=(32, 32), gru_size=32),
             env=r(cfg.env, messages_per_step=25, episode_steps=8))


# --------------------------------------------------------------------------------------------
# dotted settings
# --------------------------------------------------------------------------------------------
def settings(cfg=None, prefix: str = "") -> list[str]:
    """Every settable dotted key (dict fields: ``env_params.<EnvParams field>``)."""
    cls = type(cfg) if cfg is not None else ExperimentConfig
    out = []
    for f in dataclasses.fields(cls):
        key = prefix + f.name
        if key in DERIVED:
            continue
        sub = getattr(cfg, f.name) if cfg is not None else None
        if dataclasses.is_dataclass(sub):
            out += settings(sub, key + ".")
        elif isinstance(sub, dict) or (cfg is None and f.name.endswith("env_params")):
            out.append(key + ".<EnvParams field>")
        else:
            out.append(key)
    return out


def _coerce(value, tp, key: str):
    """``value`` as the annotated type ``tp`` of setting ``key`` (one-line error otherwise)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            if type(None) in args:
                return None
        return _coerce(value, next(a for a in args if a is not type(None)), key)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise InputError(f"setting {key}: expected true or false (got {value!r})")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise InputError(f"setting {key}: expected an integer (got {value!r})")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise InputError(f"setting {key}: expected a number (got {value!r})")
    if tp is str:
        if isinstance(value, str):
            return value
        raise InputError(f"setting {key}: expected a string (got {value!r})")
    if tp is tuple or origin is tuple:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
            try:
                value = [json.loads(v) for v in value]
            except json.JSONDecodeError:
                raise InputError(f"setting {key}: expected a list of numbers (got {value!r})") from None
        if not isinstance(value, (list, tuple)):
            raise InputError(f"setting {key}: expected a list (got {value!r})")
        elem = args[0] if args and (len(args) == 2 and args[1] is Ellipsis) else None
        return tuple(_coerce(v, elem, f"{key}[]") if elem is not None else v for v in value)
    raise InputError(f"setting {key}: cannot be set")


def _set(obj, path: list[str], value, key: str):
    """``obj`` (a dataclass) with the setting at ``path`` replaced."""
    name, rest = path[0], path[1:]
    fields = {f.name: f for f in dataclasses.fields(obj)}
    if key in DERIVED:
        raise InputError(f"setting {key} is derived by the study, not set")
    if name not in fields:
        raise InputError(f"unknown setting(s) [{key!r}]")
    cur = getattr(obj, name)
    if rest:
        if isinstance(cur, dict):
            if len(rest) != 1:
                raise InputError(f"unknown setting(s) [{key!r}]")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"setting {key}: expected a number (got {value!r})")
            return dataclasses.replace(obj, **{name: {**cur, rest[0]: value}})
        if not dataclasses.is_dataclass(cur):
            raise InputError(f"unknown setting(s) [{key!r}]")
        return dataclasses.replace(obj, **{name: _set(cur, rest, value, key)})
    if isinstance(cur, dict) or dataclasses.is_dataclass(cur):
        if not isinstance(value, dict):
            raise InputError(f"setting {key}: expected a table of settings (got {value!r})")
        for k, v in value.items():
            obj = _set(obj, [name, *k.split(".")], v, f"{key}.{k}")
        return obj
    tp = typing.get_type_hints(type(obj))[name]
    if key == "seeds" and isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise InputError(f"setting seeds: needs at least one seed (got {value})")
        value = list(range(value))
    return dataclasses.replace(obj, **{name: _coerce(value, tp, key)})


def apply(cfg: ExperimentConfig, changes: dict) -> ExperimentConfig:
    """``cfg`` with ``{dotted key: value}`` set (nested dicts allowed), then checked."""
    for key, value in changes.items():
        cfg = _set(cfg, key.split("."), value, key)
    cfg.check()
    return cfg


def _parse_value(text: str):
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_set(items) -> dict:
    """``["key=value", ...]`` (``hftlab train --set``) as ``{key: value}``, values read as TOML values."""
    out = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set: expected key=value (got {item!r})")
        out[key.strip()] = _parse_value(text.strip())
    return out


def from_file(path, quick_mode: bool = False) -> ExperimentConfig:
    """A configuration file: TOML or JSON with an optional ``base`` preset and the settings that differ
    (``quick_mode``: the base preset is shrunk by :func:`quick` before the file's settings apply)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"--config: {path} does not exist")
    text = path.read_text()
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"--config: {path} is not valid TOML ({str(exc).splitlines()[0]})") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"--config: {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise InputError(f"--config: {path} must hold a table (object) of settings")
    base = data.pop("base", DEFAULT)
    if not isinstance(base, str):
        raise InputError(f"--config: {path}: base must be a preset name (got {base!r})")
    cfg = quick(get(base)) if quick_mode else get(base)
    known = {f.name for f in dataclasses.fields(ExperimentConfig)}
    bad = sorted(k for k in data if k.split(".")[0] not in known)
    if bad:
        raise InputError(f"--config: unknown setting(s) {bad} in {path}")
    try:
        return apply(cfg, data)
    except InputError as exc:
        raise InputError(f"--config: {path}: {exc}") from None


def load(name_or_file: str | None = None, changes: dict | None = None, quick_mode: bool = False) -> ExperimentConfig:
    """A preset name or a configuration file, then ``changes`` (``{dotted key: value}``).

    ``quick_mode`` shrinks the preset (a file's base preset, before the file's own settings) by :func:`quick`:
    what is set explicitly wins over the quick sizes.
    """
    name_or_file = str(name_or_file or DEFAULT)
    if name_or_file in PRESETS:
        cfg = quick(get(name_or_file)) if quick_mode else get(name_or_file)
    elif Path(name_or_file).suffix in (".toml", ".json") or Path(name_or_file).exists():
        cfg = from_file(name_or_file, quick_mode)
    else:
        raise InputError(f"--config: {name_or_file!r} is neither a preset ({', '.join(PRESETS)}) nor a "
                         ".toml / .json file")
    return apply(cfg, changes or {})


# --------------------------------------------------------------------------------------------
# a whole configuration as JSON (checkpoints keep the run's configuration beside them)
# --------------------------------------------------------------------------------------------
def to_dict(cfg: ExperimentConfig) -> dict:
    """Every setting of ``cfg`` as JSON-ready nested dicts (tuples as lists); :func:`from_dict` reverses it."""
    return dataclasses.asdict(cfg)


def _tuples(v):
    return tuple(_tuples(x) for x in v) if isinstance(v, list) else v


def _rebuild(cls, d: dict, where: str):
    if not isinstance(d, dict):
        raise InputError(f"configuration: {where or 'the file'} must be a table of settings")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    bad = sorted(set(d) - names)
    if bad:
        raise InputError(f"configuration: unknown setting(s) {bad}" + (f" in {where}" if where else ""))
    kw = {}
    for k, v in d.items():
        tp = hints[k]
        kw[k] = _rebuild(tp, v, f"{where}{k}.") if dataclasses.is_dataclass(tp) else v if isinstance(v, dict) else _tuples(v)
    return cls(**kw)


def from_dict(d: dict) -> ExperimentConfig:
    """The configuration :func:`to_dict` wrote (checked)."""
    from hftlab.rl.config import AgentConfig

    cfg = _rebuild(ExperimentConfig, d, "")
    # TrainConfig.agents pairs (name, AgentConfig) are derived by the study; rebuild them if present
    agents = tuple((n, a if isinstance(a, AgentConfig) else AgentConfig(**{k: _tuples(x) for k, x in a.items()}))
                   for n, a in cfg.train.agents)
    cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, agents=agents))
    cfg.check()
    return cfg
