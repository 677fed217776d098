"""The notebooks' first cell installs hftlab in an environment that does not have it.

A fresh virtual environment is made (``python -m venv --without-pip``, a second or two).
hftlab's dependencies are *not* installed into it — this machine may have no network,
and installing jax, flax, ... would take minutes — they are made importable through one
``.pth`` file that puts this interpreter's ``site-packages`` on the fresh environment's
path. A plain path line in a ``.pth`` file does not run that folder's own ``.pth`` files,
so the editable hftlab install there (a finder registered by a ``.pth`` file) stays
hidden: in the fresh environment ``import hftlab`` fails until the install cell runs.

Notebook 00 then runs top to bottom in quick mode, with a kernel of the fresh
environment, ``HFTLAB_SOURCE`` pointing at this checkout and pip told — through its own
environment variables, not through the cell — to install only hftlab, offline
(``PIP_NO_DEPS``, ``PIP_NO_INDEX``, ``PIP_NO_BUILD_ISOLATION``). What is tested is the
cell as a Colab user runs it; what is not is pip resolving the dependencies.

This is notebook 00's headless run (``tests/test_notebooks_headless.py`` runs the others;
same client, same checks: no error, no lost reply, saved under 2 MB), so the fresh
environment costs the suite only the venv and the install cell: a few seconds.

Also: without ``HFTLAB_SOURCE`` the cell stops with a one-line message saying how to
install, and runs no pip.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOUR = ROOT / "notebooks" / "00_tour.ipynb"


def _install_cell() -> str:
    nb = nbformat.read(str(TOUR), as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory) -> Path:
    """A virtual environment without hftlab whose other imports resolve to this interpreter's packages."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "_hftlab_test_dependencies.pth").write_text("\n".join(ours) + "\n")
    return venv


def _seconds(cell) -> float:
    import datetime as dt

    ex = cell.get("metadata", {}).get("execution", {})
    a, b = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
    if not (a and b):
        return float("nan")
    return (dt.datetime.fromisoformat(b.replace("Z", "+00:00")) - dt.datetime.fromisoformat(a.replace("Z", "+00:00"))).total_seconds()


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HFTLAB_SOURCE", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def test_fresh_env_lacks_hftlab(fresh_env):
    python = fresh_env / "bin" / "python"
    code = "import importlib.util as u; print(u.find_spec('hftlab') is None, u.find_spec('jax') is not None)"
    out = subprocess.run([str(python), "-c", code], cwd=fresh_env, env=_clean_env(), capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"], out


def test_install_cell_without_source_says_how(fresh_env):
    python = fresh_env / "bin" / "python"
    out = subprocess.run([str(python), "-c", _install_cell()], cwd=fresh_env, env=_clean_env(), capture_output=True, text=True)
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: hftlab is not installed: set HFTLAB_SOURCE"), out.stderr


def _can_build_offline() -> bool:
    """setuptools with bdist_wheel (built in from 70.1, else the ``wheel`` package): no build isolation needed."""
    import importlib.util

    import setuptools

    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.mark.headless
def test_tour_runs_in_a_fresh_env_installing_from_source(fresh_env, tmp_path):
    """Notebook 00, headless (the run of it that test_notebooks_headless.py leaves to this test)."""
    from test_notebooks_headless import _check, run_nbclient

    if not _can_build_offline():
        pytest.skip("building hftlab offline needs setuptools>=70.1 or the wheel package (pip install -e '.[dev]')")
    python = fresh_env / "bin" / "python"
    kernels = tmp_path / "jupyter" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh", "language": "python"}))
    work = tmp_path / "work"  # away from the checkout: nothing imports hftlab from the cwd
    work.mkdir()
    env = _clean_env(HFTLAB_SOURCE=str(ROOT), HFTLAB_QUICK="1", HFTLAB_FIGURES=str(tmp_path / "figures"),
                     PIP_NO_DEPS="1", PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1",
                     JUPYTER_PATH=str(tmp_path / "jupyter"))
    env.pop("HFTLAB_RENDERER", None)  # the renderer the notebook chooses itself
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits the test's environment
    try:
        r = run_nbclient(TOUR, tmp_path / "00_tour.out.ipynb", kernel_name="fresh", cwd=work)
    finally:
        os.environ.clear()
        os.environ.update(old)
    cells = [round(_seconds(c), 1) for c in r["nb"].cells if c.cell_type == "code"]
    print(json.dumps({"notebook": TOUR.name, "client": "nbclient, fresh env", "wall_s": r["wall_s"], "bytes": r["bytes"],
                      "cells_s": cells}))
    _check(f"{TOUR.name} (fresh environment)", r)
    purelib = next((fresh_env / "lib").glob("python*/site-packages"))
    installed = [p.name for p in purelib.iterdir() if "hftlab" in p.name.lower() and p.name != "_hftlab_test_dependencies.pth"]
    assert installed, f"the install cell did not install hftlab into the fresh environment ({purelib})"
