"""Benchmark the book build: a clean build, then a second build with nothing changed (issues 12, 16).

Clones the committed repository into a temporary folder (so the working tree and its caches are
untouched; ``--here`` builds in the checkout itself, leaving the built book in ``_build``), then
times, with the repository's virtual environment:

1. ``jupyter-book build . --all -W --keep-going`` with an empty jupyter-cache: every notebook is
   executed (in parallel, :mod:`lib.book.parallel_execute`) and every page read -- what
   ``make book-all`` and CI do;
2. ``jupyter-book build . -W --keep-going`` right after, nothing changed -- the second ``make book``:
   no notebook may be executed.

Writes ``data/performance/build_times.csv`` (one row per build: seconds, notebooks executed, pages
re-read, cores, commit, date) and prints it. The performance page shows the file.

Usage::

    .venv/bin/python tests/benchmarks/bench_build.py            # writes the CSV
    .venv/bin/python tests/benchmarks/bench_build.py --dry-run  # prints only
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "data" / "performance" / "build_times.csv"
JB = REPO / ".venv" / "bin" / "jupyter-book"
TIMEOUT = 3600  # seconds allowed per build


def _run_build(clone: Path, full: bool) -> dict:
    cmd = [str(JB), "build", ".", "-W", "--keep-going"] + (["--all"] if full else [])
    t0 = time.perf_counter()
    # the clone's own lib, not the editable install's (PYTHONPATH comes first; kernels inherit it)
    env = dict(os.environ, PYTHONPATH=str(clone))
    proc = subprocess.run(cmd, cwd=clone, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    seconds = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.stderr.write(log[-5000:])
        raise SystemExit(f"build failed ({' '.join(cmd)}), exit {proc.returncode}")
    executed = sum(int(n) for n in re.findall(r"\[parallel_execute\] (\d+) notebook\(s\) executed", log))
    executed += len(re.findall(r"Executing notebook using local", log))  # myst-nb itself
    m = re.search(r"updating environment: .*?(\d+) added, (\d+) changed", re.sub(r"\x1b\[[0-9;]*m", "", log))
    reread = int(m.group(1)) + int(m.group(2)) if m else 0
    return {"seconds": round(seconds, 1), "notebooks_executed": executed, "pages_read": reread}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="print the table, do not write the CSV")
    ap.add_argument("--here", action="store_true",
                    help="build in this checkout instead of a clone (empties its notebook cache and "
                         "_build/book_results first, as make book-all does; leaves the built book in _build)")
    args = ap.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_build_") as tmp:
        if args.here:
            clone = REPO
            for sub in (".jupyter_cache", "book_results"):
                shutil.rmtree(REPO / "_build" / sub, ignore_errors=True)
        else:
            clone = Path(tmp) / "book"
            subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
            (clone / ".venv").symlink_to(REPO / ".venv")
        for step, full in (("clean build (make book-all)", True), ("second build, nothing changed (make book)", False)):
            r = _run_build(clone, full)
            rows.append({"build": step, **r})
            print(f"{step}: {r['seconds']:.1f} s, {r['notebooks_executed']} notebook(s) executed, "
                  f"{r['pages_read']} page(s) read", flush=True)
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    source = f"tests/benchmarks/bench_build.py, commit {commit}, {os.cpu_count()} cores, {date}"
    lines = ["build,seconds,notebooks_executed,pages_read,cores,source"]
    if OUT.exists():  # keep the rows measured otherwise (earlier builds, by hand), replace this script's
        lines += [ln for ln in OUT.read_text().splitlines()[1:]
                  if ln.strip() and "tests/benchmarks/bench_build.py" not in ln]
    lines += [f"\"{r['build']}\",{r['seconds']},{r['notebooks_executed']},{r['pages_read']},{os.cpu_count()},"
              f"\"{source}\"" for r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.dry_run:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = OUT.with_suffix(".tmp")
        tmp_out.write_text(text)
        os.replace(tmp_out, OUT)
        print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
