"""Save and load trained IPPO parameters (flax msgpack serialization, one file).

The file holds the parameter pytree (``{agent type: flax params}``, possibly with
leading seed / grid axes from a sweep) and a JSON header with the
:class:`~hftlab.rl.config.TrainConfig` (so the networks can be rebuilt) and any extra
metadata (environment config, seeds, data windows)::

    save_params("figures/ippo.msgpack", params, config, meta={"seeds": [0, 1, 2, 3]})
    params, config, meta = load_params("figures/ippo.msgpack")
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import jax
import numpy as np
from flax import serialization

from hftlab.errors import InputError
from hftlab.rl.config import AgentConfig, TrainConfig

FORMAT = "hftlab-ippo-1"


def config_to_dict(config: TrainConfig) -> dict:
    d = asdict(config)
    d["agents"] = [[n, asdict(a)] for n, a in config.agents]
    return d


def config_from_dict(d: dict) -> TrainConfig:
    d = dict(d)
    d.pop("snapshots", None)  # files written while TrainConfig had it (always 0 for a saved run's config)
    agents = []
    for n, a in d.pop("agents", []):
        a = dict(a)
        a["hidden"] = tuple(a.get("hidden", (64, 64)))
        agents.append((n, AgentConfig(**a)))
    return TrainConfig(agents=tuple(agents), **d)


def save_params(path, params, config: TrainConfig | None = None, meta: dict | None = None) -> Path:
    path = Path(path)
    if not path.parent.exists():
        raise InputError(f"save_params: folder {path.parent} does not exist")
    header = {"format": FORMAT, "config": config_to_dict(config) if config is not None else None,
              "meta": meta or {}}
    blob = {"header": np.frombuffer(json.dumps(header).encode(), np.uint8),
            "params": jax.tree_util.tree_map(np.asarray, jax.device_get(params))}
    path.write_bytes(serialization.msgpack_serialize(blob))
    return path


def load_params(path):
    """``(params, config or None, meta)`` from a file written by :func:`save_params`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"load_params: {path} does not exist")
    try:
        blob = serialization.msgpack_restore(path.read_bytes())
        header = json.loads(bytes(np.asarray(blob["header"], np.uint8)).decode())
    except Exception as exc:  # noqa: BLE001 - any decoding failure is a bad file
        raise InputError(f"load_params: {path} is not an IPPO parameter file ({type(exc).__name__})") from None
    if header.get("format") != FORMAT:
        raise InputError(f"load_params: {path} has format {header.get('format')!r}, expected {FORMAT!r}")
    config = config_from_dict(header["config"]) if header.get("config") else None
    return blob["params"], config, header.get("meta", {})
