"""Every notebook executed headless, repeatedly, with the two tools researchers batch with.

Each round runs every ``notebooks/*.ipynb`` with ``jupyter nbconvert --to notebook
--execute`` and then with ``papermill`` (``-p QUICK True``), in quick mode, and records per
execution: the wall time, the exit status, the saved notebook's size, the kernel's own
execution time summed over cells, and the longest wait between one cell's reply and the
next cell's start (a lost ``execute_reply`` wake-up shows up there as minutes).

    python benchmarks/notebooks_headless.py --repeats 5 --json benchmarks/results/notebooks_headless.json

Each execution is appended to the JSON file as soon as it ends, so an interrupted run keeps
what it measured. ``--cell-timeout`` (default 600 s) is the guard that turns a stall into a
failed execution instead of a hang; it is not what keeps the executions from stalling.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _stamp(value):
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None


def timings(path: Path) -> dict:
    """Kernel time summed over cells and the longest client-side gap between cells."""
    nb = json.loads(path.read_text())
    kernel, gaps, last_reply = 0.0, [], None
    for cell in nb["cells"]:
        ex = cell.get("metadata", {}).get("execution", {})
        start, reply = _stamp(ex.get("iopub.execute_input")), _stamp(ex.get("shell.execute_reply"))
        if start is None or reply is None:
            continue
        kernel += reply - start
        if last_reply is not None:
            gaps.append(start - last_reply)
        last_reply = reply
    return {"kernel_s": round(kernel, 2), "max_gap_s": round(max(gaps), 2) if gaps else 0.0}


def execute(tool: str, notebook: Path, out: Path, cell_timeout: int) -> dict:
    if tool == "nbconvert":
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
               notebook.name, "--output", str(out), f"--ExecutePreprocessor.timeout={cell_timeout}"]
    else:
        cmd = [sys.executable, "-m", "papermill", notebook.name, str(out), "-p", "QUICK", "True",
               "--execution-timeout", str(cell_timeout), "--no-progress-bar"]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=NOTEBOOKS, capture_output=True, text=True)
    wall = time.monotonic() - t0
    row = {"tool": tool, "notebook": notebook.name, "rc": proc.returncode, "wall_s": round(wall, 1),
           "bytes": out.stat().st_size if out.exists() else None}
    if out.exists():
        row.update(timings(out))
    if proc.returncode:
        row["error"] = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
    return row


def summary(record: dict) -> str:
    """Markdown table: per notebook and tool, the executions' wall times, failures and largest saved size."""
    rows: dict[tuple[str, str], list[dict]] = {}
    for r in record["runs"]:
        rows.setdefault((r["notebook"], r["tool"]), []).append(r)
    lines = ["| notebook | tool | executions | failed | wall times, s | largest saved | longest wait between cells |",
             "|---|---|---:|---:|---|---:|---:|"]
    for (nb, tool), runs in sorted(rows.items()):
        walls = ", ".join(f"{r['wall_s']:.0f}" for r in runs)
        size = max((r["bytes"] or 0) for r in runs) / 1e6
        gap = max(r.get("max_gap_s", 0.0) for r in runs)
        lines.append(f"| {nb.removesuffix('.ipynb')} | {tool} | {len(runs)} | {sum(r['rc'] != 0 for r in runs)} | "
                     f"{walls} | {size:.2f} MB | {gap:.1f} s |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--notebooks", nargs="*", help="names or paths (default: every notebook)")
    ap.add_argument("--tools", nargs="*", default=["nbconvert", "papermill"], choices=["nbconvert", "papermill"])
    ap.add_argument("--first-round", type=int, default=1, help="number the rounds from this one (runs split over processes)")
    ap.add_argument("--cell-timeout", type=int, default=600)
    ap.add_argument("--json", type=Path, help="append each execution here as it ends")
    ap.add_argument("--summary", type=Path, metavar="JSON", help="print the markdown table of a recorded run and exit")
    args = ap.parse_args(argv)
    if args.summary:
        print(summary(json.loads(args.summary.read_text())))
        return 0
    if args.notebooks:
        notebooks = [NOTEBOOKS / Path(n).name for n in args.notebooks]
        missing = [str(n) for n in notebooks if not n.exists()]
        if missing:
            ap.error(f"no such notebook: {', '.join(missing)}")
    else:
        notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    os.environ["HFTLAB_QUICK"] = "1"
    os.environ.pop("HFTLAB_RENDERER", None)
    scratch = Path(tempfile.mkdtemp(prefix="hftlab-headless-"))
    os.environ.setdefault("HFTLAB_FIGURES", str(scratch / "figures"))
    record = {"command": " ".join(["python", "benchmarks/notebooks_headless.py", *(argv or sys.argv[1:])]),
              "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "cpus": os.cpu_count(), "cell_timeout_s": args.cell_timeout, "runs": []}

    def save():
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(record, indent=1) + "\n")

    for r in range(args.first_round - 1, args.first_round - 1 + args.repeats):
        for tool in args.tools:
            for nb in notebooks:
                row = execute(tool, nb, scratch / f"{nb.stem}.{tool}.{r}.ipynb", args.cell_timeout)
                row["round"] = r + 1
                record["runs"].append(row)
                save()
                status = "ok" if row["rc"] == 0 else f"FAILED: {row.get('error')}"
                print(f"round {r + 1} {tool:9s} {nb.name:32s} {row['wall_s']:7.1f} s "
                      f"{(row['bytes'] or 0) / 1e6:5.2f} MB  max gap {row.get('max_gap_s', float('nan')):5.1f} s  {status}",
                      flush=True)
    failed = [r for r in record["runs"] if r["rc"]]
    print(f"{len(record['runs'])} executions, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
