"""Harness for the browser tests: which notebooks, which chromium, a JupyterLab server handle.

The fixtures in ``conftest.py`` use it:

* ``lab_server`` starts ``jupyter lab`` once per test session on a free localhost port
  with a random token, ``HFTLAB_QUICK=1`` in its (and so its kernels') environment, and
  isolated config / settings / workspace folders whose settings turn off autosave (the
  notebooks are opened in place and must never be written back), notebook windowing
  (every cell stays in the page, so every chart can be counted) and the news / update
  checks (no network).
* ``browser`` launches ``/usr/bin/chromium`` (or ``$HFTLAB_CHROMIUM``) through
  Playwright's ``executable_path`` — no browser download — headless, with a fresh
  temporary profile.

Both skip the test with a clear reason when chromium or Playwright is missing.
Notebooks under test: ``notebooks/*.ipynb``, or the paths / globs in
``$HFTLAB_BROWSER_NOTEBOOKS`` (separated by ``os.pathsep``).
Artifacts (screenshots, server log, browser console logs) go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
NOTEBOOKS_ENV = "HFTLAB_BROWSER_NOTEBOOKS"
CHROMIUM_ENV = "HFTLAB_CHROMIUM"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # No host but the local server resolves: a chart that needs a CDN fails here as offline.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]

# JupyterLab user settings written into an isolated settings folder.
LAB_SETTINGS = {
    # Opened in place: never write a notebook back (outputs would land in the repo).
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # Render every cell, not only those in view, so off-screen charts exist in the page.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # No news / update checks: no network, no toast over the notebook.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def notebook_paths() -> list[Path]:
    """The notebooks to open: ``$HFTLAB_BROWSER_NOTEBOOKS`` if set, else ``notebooks/*.ipynb``."""
    spec = os.environ.get(NOTEBOOKS_ENV, "").strip()
    if spec:
        found: list[Path] = []
        for part in filter(None, spec.split(os.pathsep)):
            hits = sorted(glob.glob(os.path.expanduser(part))) or [part]
            found.extend(Path(h).resolve() for h in hits)
        return found
    return sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if p.name not in NOT_BY_DEFAULT)


# Left out of the default run to keep the suite within its time: 06 draws only charts of kinds the
# other notebooks draw (an Altair bar chart, interval_table_chart as in 03) and runs headless in
# tests/test_notebooks_headless.py; HFTLAB_BROWSER_NOTEBOOKS=notebooks/06_many_days.ipynb opens it.
NOT_BY_DEFAULT = ("06_many_days.ipynb",)


def chromium_path() -> str | None:
    env = os.environ.get(CHROMIUM_ENV)
    if env:
        return env if os.access(env, os.X_OK) else None
    for cand in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    url: str  # http://127.0.0.1:PORT
    token: str
    root_dir: Path
    log_path: Path
    proc: subprocess.Popen

    def api(self, method: str, path: str) -> object:
        req = urllib.request.Request(f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def doc_url(self, notebook: Path) -> str:
        rel = notebook.resolve().relative_to(self.root_dir).as_posix()
        return f"{self.url}/doc/tree/{urllib.request.quote(rel)}?token={self.token}"

    def shutdown_kernels(self) -> None:
        """End every session and kernel, so the next notebook starts from a fresh one."""
        for s in self.api("GET", "/api/sessions") or []:
            try:
                self.api("DELETE", f"/api/sessions/{s['id']}")
            except Exception:
                pass
        for k in self.api("GET", "/api/kernels") or []:
            try:
                self.api("DELETE", f"/api/kernels/{k['id']}")
            except Exception:
                pass

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


