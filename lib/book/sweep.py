"""Parameter sweeps: rerun a notebook on a grid of parameters, in parallel through Dask.

Command line::

    python -m lib.sweep chapters/offshoring/03_comparative_statics.md \\
        --grid sigma=3:5:11 --grid k=3.4,4.0 --collect w,v --out /tmp/sigma_sweep

``--grid NAME=START:STOP:N`` gives N evenly spaced values (ends included), ``--grid NAME=A,B,C``
a list; several ``--grid`` options span their cartesian product.  ``-p NAME VALUE`` fixes a
parameter for every point.  Each point is one ordinary rerun (``python -m lib.rerun ... --out
DIR/points/<name>``, so every guarantee of :mod:`lib.book.rerun` holds per point), run as a
subprocess on a Dask worker:

* by default on a ``distributed.LocalCluster`` with one single-threaded worker process per core
  (``--workers N`` to change it);
* with ``--scheduler tcp://HOST:8786`` on an existing Dask cluster, unchanged.  Its workers must
  see the same paths (a shared file system) and run this repository's environment.

The output folder receives

* ``sweep.csv`` -- one row per point in grid order: the grid parameters, the fixed ``-p``
  parameters, one column per ``--collect`` quantity, ``status`` (``ok``/``failed``), ``error``
  (the rerun's one-line message), ``seconds``, ``resumed`` (read back from an earlier run),
  ``worker`` (the Dask worker that ran it) and ``folder``;
* ``points/<name>/`` -- the rerun folder of each point;
* ``<quantity>.png`` -- one plot per collected quantity against the first grid parameter, one
  line per combination of the other grid parameters;
* ``sweep.json`` -- the notebook, its hash and the fixed parameters.

A failed point (for example an inadmissible ``sigma``) is recorded, never fatal.  Running the same
command again resumes: a point whose folder holds a complete run of the same notebook source with
the same parameters is read back, not rerun; failed and missing points run again.  A collected
name is looked up in ``results.json`` as a key, a dotted path (``at_alpha_point.w``), or a key
found exactly once anywhere in it (``w``).
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import logging
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from lib.book.rerun import (BUILD_DIR, REPO_ROOT, RerunError, _inside, _one_line, _out_lock, _Parser, _sha256,
                            parse_cli,
                            check_out_dir, coerce_parameter, notebook_parameters,
                            split_parameter_args)

__all__ = ["parse_grid", "grid_points", "point_name", "lookup", "run_point", "sweep", "main"]

STATUS_COLUMNS = ("status", "error", "seconds", "resumed", "worker", "folder")


def _number(text: str, what: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise RerunError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(x):
        raise RerunError(f"{what}: {text!r} is not finite")
    return x


def parse_grid(spec: str, declared: dict) -> tuple[str, list]:
    """Parse ``NAME=START:STOP:N`` or ``NAME=V1,V2,...`` into ``(name, values)``.

    Values are coerced to the parameter's declared type; a range of an ``int`` parameter must
    fall on integers.

    Raises
    ------
    RerunError
        Malformed spec, unknown parameter, or a value of the wrong type.
    """
    import numpy as np

    name, eq, body = spec.partition("=")
    name = name.strip()
    if not eq or not name or not body.strip():
        raise RerunError(f"--grid {spec!r}: expected NAME=START:STOP:N or NAME=V1,V2,...")
    if name not in declared:
        raise RerunError(f"--grid: unknown parameter {name!r}; the notebook accepts: "
                         f"{', '.join(sorted(declared))}")
    typ = declared[name]["type"]
    if ":" in body:
        parts = body.split(":")
        if len(parts) != 3:
            raise RerunError(f"--grid {spec!r}: a range is START:STOP:N")
        lo, hi = (_number(p, f"--grid {name}") for p in parts[:2])
        try:
            n = int(parts[2])
        except ValueError:
            raise RerunError(f"--grid {spec!r}: N must be a whole number") from None
        if n < 1:
            raise RerunError(f"--grid {spec!r}: N must be at least 1")
        raw = [float(f"{x:.12g}") for x in np.linspace(lo, hi, n)]
        if typ.split("[")[0].lower() == "int":
            if any(x != int(x) for x in raw):
                raise RerunError(f"--grid {spec!r}: parameter '{name}' is an int, the range "
                                 f"does not fall on whole numbers")
            raw = [int(x) for x in raw]
    else:
        raw = [v.strip() for v in body.split(",") if v.strip()]
        if not raw:
            raise RerunError(f"--grid {spec!r}: no values")
    values = [coerce_parameter(name, v, typ) for v in raw]
    return name, list(dict.fromkeys(values))  # drop repeats, keep order


def grid_points(grid: dict) -> list[dict]:
    """Cartesian product of ``{name: values}``, first parameter varying slowest."""
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]


def _fmt(value) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def point_name(point: dict) -> str:
    """Folder name of a point: ``sigma=3.2_k=3.4`` (a hash when that would be unwieldy)."""
    text = "_".join(f"{k}={_fmt(v)}" for k, v in point.items())
    safe = re.sub(r"[^A-Za-z0-9_.=+-]+", "-", text)
    if len(safe) > 120 or safe != text:
        safe = safe[:80] + "-" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return safe


def lookup(results: dict, key: str):
    """Find ``key`` in a results dict: a top-level key, a dotted path, or a unique nested key.

    Raises
    ------
    KeyError
        Not found, or found more than once (the message lists the paths).
    """
    if key in results:
        return results[key]
    node, ok = results, True
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            ok = False
            break
    if ok and "." in key:
        return node
    found = []

    def walk(obj, path):
        if isinstance(obj, dict):
            for k, v in obj.items():
                here = f"{path}.{k}" if path else str(k)
                if k == key and path != "parameters":
                    found.append((here, v))
                walk(v, here)

    walk(results, "")
    if len(found) == 1:
        return found[0][1]
    if found:
        raise KeyError(f"{key!r} is ambiguous: {', '.join(p for p, _ in found)}")
    raise KeyError(f"no {key!r} in results.json")


def run_point(notebook: str, parameters: dict, out: str, *, force: bool = False,
              html: bool = False, timeout: int = 1200) -> dict:
    """Run one point as ``python -m lib.rerun`` in a subprocess; never raises.

    Returns
    -------
    dict
        ``status`` (``ok``/``failed``), ``error`` (one line), ``seconds``, ``results``
        (the parsed ``results.json`` or ``None``) and ``worker`` (the Dask worker's address).
    """
    worker = ""
    with contextlib.suppress(Exception):
        from distributed import get_worker
        worker = get_worker().address
    cmd = [sys.executable, "-m", "lib.rerun", notebook, "--out", out, "--quiet",
           "--timeout", str(timeout)]
    for k, v in parameters.items():
        cmd += ["-p", k, _fmt(v)]
    if force:
        cmd.append("--force")
    if not html:
        cmd.append("--no-html")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(REPO_ROOT),
                              env={**os.environ, "LIB_RERUN_EXIT_WITH_PARENT": "1"})
    except OSError as err:
        return {"status": "failed", "error": _one_line(err), "seconds": 0.0, "results": None,
                "worker": worker}
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "IPKernelApp" not in ln]
        msg = lines[-1] if lines else f"exit status {proc.returncode}"
        msg = msg[len("error: "):] if msg.startswith("error: ") else msg
        return {"status": "failed", "error": _one_line(msg), "seconds": seconds, "results": None,
                "worker": worker}
    try:
        results = json.loads((Path(out) / "results.json").read_text())
    except (OSError, ValueError) as err:
        return {"status": "failed", "error": f"no readable results.json: {_one_line(err)}",
                "seconds": seconds, "results": None, "worker": worker}
    return {"status": "ok", "error": "", "seconds": seconds, "results": results, "worker": worker}


def _finished(folder: Path, sha: str, point: dict, fixed: dict) -> dict | None:
    """The results of a complete earlier run of this point with this source, else None."""
    try:
        results = json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        return None
    if results.get("source_sha256") != sha:
        return None
    params = results.get("parameters", {})
    want = {**fixed, **point}
    if any(k not in params or params[k] != _jsonable(v) for k, v in want.items()):
        return None
    return results


def _jsonable(v):
    return json.loads(json.dumps(v))


def _check_sweep_out(out, notebook: str, sha: str, fixed: dict) -> Path:
    text = "" if out is None else str(out)
    if not text.strip():
        raise RerunError("--out is empty: give a folder name")
    path = Path(text).expanduser().resolve()
    spec_file = path / "sweep.json"
    if path.is_dir() and any(path.iterdir()):
        if _inside(path, REPO_ROOT.resolve()) and BUILD_DIR.resolve() not in path.parents:
            check_out_dir(text)  # raises the inside-the-repository message
        try:
            spec = json.loads(spec_file.read_text())
        except (OSError, ValueError):
            raise RerunError(f"--out {text} exists and does not hold a sweep; choose a new "
                             f"folder") from None
        if spec.get("notebook") != notebook or spec.get("fixed") != _jsonable(fixed):
            raise RerunError(f"--out {text} holds a sweep of {spec.get('notebook')} with fixed "
                             f"parameters {spec.get('fixed')}; choose a new folder to change them")
        return path
    return check_out_dir(text)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _plot(df, x: str, others: list, quantity: str, path: Path) -> bool:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    y = pd.to_numeric(df[quantity], errors="coerce")
    if y.notna().sum() == 0:
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    numeric_x = pd.api.types.is_numeric_dtype(df[x])
    groups = df.groupby(others, sort=False) if others else [((), df)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(others, key)) or None
        xs = g[x] if numeric_x else g[x].astype(str)
        ax.plot(xs, y.loc[g.index], marker="o", label=label)
    failed = df[df["status"] != "ok"]
    for xv in (failed[x] if numeric_x else failed[x].astype(str)):
        ax.axvline(xv, color="0.85", lw=0.8, zorder=0)
    ax.set_xlabel(x)
    ax.set_ylabel(quantity)
    n_failed = len(failed)
    ax.set_title(f"{quantity} against {x}" + (f" ({n_failed} failed point(s): grey lines)"
                                              if n_failed else ""), fontsize=10)
    if others:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def _client(scheduler: str | None, workers: int | None):
    """A Dask client: an existing scheduler, or a LocalCluster with one worker per core."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as err:
            raise RerunError(f"--scheduler {scheduler}: cannot connect ({_one_line(err)})") from None
    n = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                    else os.cpu_count()) or 1
    # Worker processes start with SIGINT ignored: Ctrl-C then stops the reruns (which install
    # their own handler and clean up) and this process, not the workers with a traceback each.
    main_thread = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, old)
    return Client(cluster), cluster


def sweep(notebook, grid: dict, collect: list, out, *, fixed: dict | None = None,
          scheduler: str | None = None, workers: int | None = None, html: bool = False,
          timeout: int = 1200, progress: bool = True):
    """Run the cartesian grid, write ``sweep.csv`` and the plots; return the table.

    Parameters
    ----------
    notebook : str or Path
    grid : dict
        ``{name: [values]}`` (already coerced, e.g. by :func:`parse_grid`); at least one entry.
    collect : list of str
        Quantities to read from each point's ``results.json`` (see :func:`lookup`).
    out : str or Path
        The sweep folder (outside the repository or under ``_build/``); an earlier sweep of the
        same notebook and fixed parameters there is resumed.
    fixed : dict, optional
        Parameters set for every point.
    scheduler : str, optional
        Address of an existing Dask scheduler; default a ``LocalCluster``.
    workers : int, optional
        Workers of the ``LocalCluster`` (default: one per core).
    html : bool
        Render ``index.html`` in every point folder (about 5 s more per point).

    Returns
    -------
    pandas.DataFrame
        The rows of ``sweep.csv``.
    """
    import pandas as pd

    nb_path = Path(notebook).expanduser().resolve()
    declared = notebook_parameters(nb_path)
    if not grid:
        raise RerunError("give at least one --grid NAME=...")
    fixed = {k: coerce_parameter(k, v, declared[k]["type"]) if k in declared else v
             for k, v in (fixed or {}).items()}
    unknown = sorted(set(fixed) - set(declared))
    if unknown:
        raise RerunError(f"unknown parameter(s) {', '.join(map(repr, unknown))}; the notebook "
                         f"accepts: {', '.join(sorted(declared))}")
    both = sorted(set(fixed) & set(grid))
    if both:
        raise RerunError(f"parameter(s) {', '.join(map(repr, both))} given both as -p and --grid")
    for name in list(grid) + list(fixed):
        if name == "results_path":
            raise RerunError("results_path is set by the sweep itself")
    sha = _sha256(nb_path)
    try:
        nb_text = str(nb_path.relative_to(REPO_ROOT.resolve()))
    except ValueError:
        nb_text = str(nb_path)
    out = _check_sweep_out(out, nb_text, sha, fixed)
    try:
        (out / "points").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RerunError(f"cannot create {out}: {err.strerror}") from None
    with _out_lock(out):
        _write_atomic(out / "sweep.json", json.dumps(
            {"notebook": nb_text, "source_sha256": sha, "fixed": _jsonable(fixed),
             "grid": _jsonable(grid), "collect": list(collect)}, indent=2) + "\n")
        points = grid_points(grid)
        rows, todo = [], []
        for i, point in enumerate(points):
            folder = out / "points" / point_name(point)
            row = {**point, **fixed, **{q: None for q in collect}, "status": "pending",
                   "error": "", "seconds": None, "resumed": False, "worker": "",
                   "folder": str(folder.relative_to(out))}
            done = _finished(folder, sha, point, fixed)
            if done is not None:
                row.update(status="ok", seconds=done.get("seconds"), resumed=True)
                _fill(row, done, collect)
            else:
                todo.append((i, point, folder, folder.exists()))
            rows.append(row)
        columns = list(grid) + list(fixed) + list(collect) + list(STATUS_COLUMNS)

        def write_csv():
            _write_atomic(out / "sweep.csv", pd.DataFrame(rows, columns=columns).to_csv(index=False))

        write_csv()
        if todo:
            _run_all(todo, rows, collect, str(nb_path), fixed, scheduler, workers, html, timeout,
                     progress, write_csv)
        df = pd.DataFrame(rows, columns=columns)
        write_csv()
        x, others = list(grid)[0], list(grid)[1:]
        for q in collect:
            path = out / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', q)}.png"
            if not _plot(df, x, others, q, path) and path.exists():
                path.unlink()
    return df


def _fill(row: dict, results: dict, collect: list) -> None:
    missing = []
    for q in collect:
        try:
            v = lookup(results, q)
        except KeyError as err:
            missing.append(str(err.args[0]))
            continue
        row[q] = json.dumps(v) if isinstance(v, (list, dict)) else v
    if missing:
        row["error"] = "; ".join(missing)


def _run_all(todo, rows, collect, notebook, fixed, scheduler, workers, html, timeout, progress,
             write_csv):
    from dask.distributed import as_completed
    from tqdm import tqdm

    client, cluster = _client(scheduler, workers)
    futures = {}
    try:
        for i, point, folder, exists in todo:
            fut = client.submit(run_point, notebook, {**fixed, **point}, str(folder),
                                force=exists, html=html, timeout=timeout, pure=False,
                                key=f"lib-sweep-{folder.name}-{os.getpid()}-{time.time_ns()}")
            futures[fut] = i
        bar = tqdm(total=len(futures), unit="point", desc=Path(notebook).stem, file=sys.stderr,
                   disable=not progress, dynamic_ncols=True)
        n_failed = 0
        for fut in as_completed(list(futures)):
            i = futures[fut]
            try:
                res = fut.result()
            except Exception as err:  # noqa: BLE001 - a lost worker: record, go on
                res = {"status": "failed", "error": f"{type(err).__name__}: {_one_line(err)}",
                       "seconds": None, "results": None}
            row = rows[i]
            row.update(status=res["status"], error=res["error"], worker=res.get("worker", ""),
                       seconds=None if res["seconds"] is None else round(res["seconds"], 3))
            if res["results"] is not None:
                _fill(row, res["results"], collect)
            n_failed += res["status"] != "ok"
            bar.set_postfix(failed=n_failed)
            bar.update()
            write_csv()
        bar.close()
    finally:
        for fut in futures:
            fut.cancel()
        with contextlib.suppress(Exception):
            client.close(timeout=10)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)


@contextlib.contextmanager
def _sigterm_raises():
    """Turn SIGTERM into KeyboardInterrupt, so the cluster is closed and the points stop cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv=None) -> int:
    """Command-line entry point (``python -m lib.sweep``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(prog="python -m lib.sweep",
                     description="Rerun a notebook on a grid of parameters through Dask.")
    parser.add_argument("notebook", help="path to a MyST .md notebook")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=SPEC",
                        help="NAME=START:STOP:N (N values, ends included) or NAME=V1,V2,... "
                             "(repeatable: the cartesian product is run)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"), help="fix a parameter for every point")
    parser.add_argument("--collect", default="",
                        help="comma-separated results to tabulate and plot (keys of results.json)")
    parser.add_argument("--out", default=None,
                        help="sweep folder (default: _build/reruns/sweep-<notebook>-<hash of the "
                             "command>); rerunning the same command resumes it")
    parser.add_argument("--scheduler", default=None,
                        help="address of an existing Dask scheduler, e.g. tcp://HOST:8786 "
                             "(default: a LocalCluster on this machine)")
    parser.add_argument("--workers", type=int, default=None,
                        help="LocalCluster workers (default: one per core)")
    parser.add_argument("--html", action="store_true", help="render index.html for every point")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    try:
        args, pairs = parse_cli(parser, argv)
        if args is None:  # --help was printed
            return 0
        if args.workers is not None and args.workers < 1:
            raise RerunError("--workers must be at least 1")
        declared = notebook_parameters(args.notebook)
        grid = dict(parse_grid(g, declared) for g in args.grid)
        if len(grid) != len(args.grid):
            raise RerunError("a parameter appears in two --grid options")
        collect = [c.strip() for c in args.collect.split(",") if c.strip()]
        out = args.out
        if out is None:
            digest = hashlib.sha1(json.dumps([str(Path(args.notebook).resolve()), args.grid,
                                              pairs, collect]).encode()).hexdigest()[:10]
            out = BUILD_DIR / "reruns" / f"sweep-{Path(args.notebook).stem}-{digest}"
        t0 = time.perf_counter()
        with _sigterm_raises():
            df = sweep(args.notebook, grid, collect, out, fixed=dict(pairs),
                       scheduler=args.scheduler, workers=args.workers, html=args.html,
                       timeout=args.timeout, progress=not args.no_progress)
    except RerunError as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished points are kept; run the same command again to resume",
              file=sys.stderr)
        return 130
    except OSError as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    out = Path(out).resolve()
    n_ok = int((df["status"] == "ok").sum())
    n_resumed = int(df["resumed"].sum())
    print(f"{len(df)} points: {n_ok} ok ({n_resumed} from an earlier run), "
          f"{len(df) - n_ok} failed; {time.perf_counter() - t0:.1f} s")
    print(f"table: {out / 'sweep.csv'}")
    plots = sorted(p.name for p in out.glob("*.png"))
    if plots:
        print(f"plots: {', '.join(plots)} in {out}")
    for q in collect:
        if df.loc[df["status"] == "ok", q].isna().all() and n_ok:
            print(f"warning: no point has a result {q!r}; see a point's results.json for the keys",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
