"""Recorded runs of the market study and the checks read from such records.

``hftlab/study/results/<name>.json`` holds the ``hftlab train --json`` output of each full
run the README quotes (the command that wrote it is its ``"command"`` field);
:func:`load_recorded` reads one, :func:`json_summary` tabulates it, and the ``seeds_*``
functions answer per seed the questions notebook 03 asserts.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hftlab.errors import InputError


def json_summary(out: dict) -> pd.DataFrame:
    """Mean ± sd over seeds of the per-seed held-out means, from :meth:`~hftlab.study.market.ExperimentResult.to_json` output.

    One row per (type, policy, metric): ``mean``, ``sd`` (over seeds, ddof 1), ``min``, ``max``, ``seeds``.
    Reads the file ``hftlab train --json`` writes, so a notebook can show a recorded full run.
    """
    if not isinstance(out, dict) or "seeds" not in out:
        raise InputError("json_summary: expected the output of ExperimentResult.to_json (a dict with 'seeds')")
    vals: dict = {}
    for entry in out["seeds"]:
        for t in ("execution", "market_making"):
            for pol, metrics in entry.get(t, {}).items():
                for m, v in metrics.items():
                    vals.setdefault((t, pol, m), []).append(float(v))
    rows = []
    for (t, pol, m), v in vals.items():
        a = np.asarray(v)
        rows.append({"type": t, "policy": pol, "metric": m, "mean": a.mean(),
                     "sd": a.std(ddof=1) if a.size > 1 else 0.0, "min": a.min(), "max": a.max(), "seeds": a.size})
    return pd.DataFrame(rows)


def in_sample_summary(out: dict, metric: str = "shortfall_bps (training windows)") -> pd.DataFrame:
    """Like :func:`json_summary` for the execution shortfall on the *training* windows (``execution_in_sample``)."""
    vals: dict = {}
    for d in out.get("execution_in_sample", {}).values():
        for pol, v in d.items():
            vals.setdefault(pol, []).append(float(v))
    rows = []
    for pol, v in vals.items():
        a = np.asarray(v)
        rows.append({"type": "execution", "policy": pol, "metric": metric, "mean": a.mean(),
                     "sd": a.std(ddof=1) if a.size > 1 else 0.0, "min": a.min(), "max": a.max(), "seeds": a.size})
    return pd.DataFrame(rows)


RESULTS_DIR = Path(__file__).resolve().parent / "results"


def seeds_with_lower_inventory_risk(out: dict) -> list[bool]:
    """Per seed of a ``to_json`` output: is the learned market maker's inventory std below every MM baseline's?"""
    flags = []
    for entry in out["seeds"]:
        mm = entry["market_making"]
        flags.append(all(mm["ippo"]["inventory_std"] < mm[b]["inventory_std"] for b in mm if b != "ippo"))
    return flags


def seeds_beating_twaps_in_sample(out: dict) -> list[bool]:
    """Per seed of a ``hftlab train --json`` output: is the learned execution agent's shortfall on the
    *training* windows (``execution_in_sample``) below every execution baseline's there?"""
    return [all(d["ippo"] < v for pol, v in d.items() if pol != "ippo") for d in out["execution_in_sample"].values()]


def seeds_choosing_best_restart(out: dict) -> list[bool]:
    """Per seed of a ``hftlab train --json`` output with restarts: is each agent type's chosen run the one
    with the best score on the selection windows (``selection``; lowest shortfall, highest PnL)?"""
    best = {"execution": min, "market_making": max}
    return [all(sel[t]["in_sample"][sel[t]["chosen"]] == best[t](sel[t]["in_sample"]) for t in best)
            for sel in out["selection"].values()]


def selection_frame(runs: dict) -> pd.DataFrame:
    """Each seed's restarts as scored on the selection windows, per agent type, and the one kept:
    one row per (run, type, seed, restart) of ``{name: hftlab train --json output}``."""
    return pd.DataFrame([{"run": name, "type": t, "seed": int(seed), "restart": k, "score": float(score),
                          "kept": k == sel[t]["chosen"]}
                         for name, r in runs.items() for seed, sel in r["selection"].items()
                         for t in ("execution", "market_making") for k, score in enumerate(sel[t]["in_sample"])])


def targets_frame(runs: dict) -> pd.DataFrame:
    """Whether each target is met, one row per (run, evaluation, type)."""
    return pd.DataFrame([{"run": name, "evaluation": ev, "type": t, "met": v["met"]}
                         for name, r in runs.items() for ev, e in r["targets"].items() for t, v in e.items()])


def design_frame(runs: dict) -> pd.DataFrame:
    """What each run chose on which windows: restarts (and the windows compared), baseline members."""
    return pd.DataFrame([{"run": name, "restarts compared on": r["design"]["restarts"]["compared_on"],
                          "windows": r["design"]["restarts"]["windows"],
                          "chosen restart (execution/market making) per seed": " ".join(
                              f"{s['execution']}/{s['market_making']}" for s in r["design"]["restarts"]["chosen"].values()),
                          "baselines tuned on": f"{r['design']['baselines']['tuned_on']} {r['design']['baselines']['windows']}",
                          "members": r["design"]["baselines"]["members"]} for name, r in runs.items()])


def dumps_record(out: dict) -> str:
    """``out`` as indented JSON with every list of plain values on one line: the per-window
    record columns stay readable in a diff at half the size of ``json.dumps(out, indent=2)``."""

    def enc(obj, depth: int) -> str:
        pad = "  " * depth
        if isinstance(obj, dict) and obj:
            return "{\n" + ",\n".join(f"{pad}  {json.dumps(str(k))}: {enc(v, depth + 1)}" for k, v in obj.items()) + f"\n{pad}}}"
        if isinstance(obj, (list, tuple)) and any(isinstance(x, (dict, list, tuple)) for x in obj):
            return "[\n" + ",\n".join(f"{pad}  {enc(v, depth + 1)}" for v in obj) + f"\n{pad}]"
        return json.dumps(obj)

    return enc(out, 0) + "\n"


def load_recorded(name: str) -> dict:
    """A recorded ``hftlab train --json`` output shipped with the package (``hftlab/study/results/<name>.json``).

    These are the full runs the README quotes; the command that wrote each is in its ``"command"`` field.
    """
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        known = sorted(p.stem for p in RESULTS_DIR.glob("*.json")) if RESULTS_DIR.exists() else []
        raise InputError(f"load_recorded: no recorded run {name!r} (have {known})")
    return json.loads(path.read_text())
