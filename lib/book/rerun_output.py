"""The output folder of a rerun and what goes in it (part of :mod:`lib.book.rerun`).

Here live the safety of ``--out`` and the files a rerun writes:

* :func:`check_out_dir` -- refuse an output folder inside the repository (except under
  ``_build/``), a file, or a non-empty folder (``--force`` replaces only an earlier rerun);
* the lock ``.NAME.lock`` next to the folder and the atomic publication of the complete run
  (``_out_lock``, ``_publish``): ``--out`` exists only for a complete run;
* ``results.json``: :func:`save_results` and :func:`to_jsonable` (called by every notebook's last
  cell) and the record of the run (``_record``: parameters, source hash, git commit, versions);
* ``figures/<label>.png`` (``_extract_figures``) and ``index.html`` (:func:`render_page`, a
  one-page Sphinx build with the book's configuration).

Import these from :mod:`lib.book.rerun` (or :mod:`lib.rerun`), which re-exports them.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import errno
import hashlib
import json
import math
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from lib.book.build_results import write_build_results
from lib.book.paths import REPO_ROOT
from lib.book.rerun_params import RerunError, _one_line

__all__ = ["BUILD_DIR", "RERUNS_DIR", "to_jsonable", "save_results", "check_out_dir", "render_page"]

BUILD_DIR = REPO_ROOT / "_build"
RERUNS_DIR = BUILD_DIR / "reruns"


# --------------------------------------------------------------------------- results.json
def to_jsonable(obj):
    """Turn numpy scalars/arrays (nested in dicts, lists) into plain Python for JSON.

    Raises
    ------
    ValueError
        If a value is NaN or infinite (results are never silently non-finite).
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        if not math.isfinite(x):
            raise ValueError(f"refusing to write a non-finite result ({x})")
        return x
    return obj


def save_results(results_path: str, results: dict) -> dict:
    """Write a notebook's headline results as JSON when ``results_path`` is set.

    Called by the last cell of every notebook.  When ``results_path`` is empty (the default in
    a book build) nothing is written, except that a book build's notebook executions keep their
    results for the scoreboard page (:func:`lib.book.build_results.write_build_results`, active
    only when the build set ``BOOK_RESULTS_FILE``).

    Returns
    -------
    dict
        The JSON-ready results.
    """
    clean = to_jsonable(results)
    if results_path:
        p = Path(results_path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(clean, indent=2, sort_keys=True) + "\n")
    else:
        write_build_results(clean)
    return clean


# --------------------------------------------------------------------------- the output folder
def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _is_rerun_folder(path: Path) -> bool:
    try:
        data = json.loads((path / "results.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "source_sha256" in data and "notebook" in data


def check_out_dir(out, *, force: bool = False, option: str = "--out") -> Path:
    """Resolve and check an output folder; return the absolute path.

    Refuses (with a one-line :class:`RerunError`) an empty name, a folder inside the repository
    but not under ``_build/``, a file, an existing non-empty folder (unless ``force`` and it holds
    an earlier rerun), and a location whose nearest existing parent is a file or not writable.
    """
    text = "" if out is None else str(out)
    if not text.strip():
        raise RerunError(f"{option} is empty: give a folder name")
    try:
        path = Path(text).expanduser().resolve()
    except (OSError, RuntimeError) as err:
        raise RerunError(f"{option} {text}: {_one_line(err)}") from None
    repo, build = REPO_ROOT.resolve(), BUILD_DIR.resolve()
    if _inside(path, repo) and not (build in path.parents):
        raise RerunError(f"{option} {text} is inside the repository; write outside it or under "
                         f"_build/ (for example _build/reruns/NAME)")
    if path.exists() and not path.is_dir():
        raise RerunError(f"{option} {text} is a file, not a folder")
    if path.is_dir():
        try:
            non_empty = any(path.iterdir())
        except OSError as err:
            raise RerunError(f"{option} {text}: {_one_line(err)}") from None
        if non_empty and not force:
            raise RerunError(f"{option} {text} exists and is not empty: reruns never overwrite "
                             f"(--force replaces an earlier rerun)")
        if non_empty and not _is_rerun_folder(path):
            raise RerunError(f"{option} {text} exists and does not hold a rerun; --force only "
                             f"replaces a folder written by lib.rerun")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise RerunError(f"{option} {text}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise RerunError(f"{option} {text}: cannot write in {ancestor} (permission denied)")
    return path


def _default_out_dir(nb_path: Path) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return RERUNS_DIR / f"{nb_path.stem}-{stamp}"


# --------------------------------------------------------------------------- locking, publishing
_HOST = socket.gethostname()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _out_lock(out: Path):
    """Hold ``.NAME.lock`` (a directory, created atomically) next to ``out`` for the run.

    A lock left by a process that no longer exists on this host is taken over, together with its
    partial folders.
    """
    lock = out.parent / f".{out.name}.lock"
    for attempt in range(2):
        try:
            os.mkdir(lock)
            break
        except FileExistsError:
            try:
                host, pid = (lock / "owner").read_text().split()
                pid = int(pid)
            except (OSError, ValueError):
                host, pid = None, None
            young = time.time() - _mtime(lock) < 30
            if attempt or host != _HOST or (pid and _pid_alive(pid)) or (pid is None and young):
                who = f" (pid {pid} on {host})" if pid else ""
                raise RerunError(f"another run{who} is writing {out}; wait for it or choose "
                                 f"another --out") from None
            shutil.rmtree(lock, ignore_errors=True)
            for stale in out.parent.glob(f".{out.name}.partial-{_HOST}-{pid}-*"):
                shutil.rmtree(stale, ignore_errors=True)
    try:
        (lock / "owner").write_text(f"{_HOST} {os.getpid()}\n")
        yield lock
    finally:
        shutil.rmtree(lock, ignore_errors=True)


def _remove_tree(path: Path, attempts: int = 50, pause: float = 0.1) -> bool:
    """Remove a folder that another thread may still be writing into; return whether it is gone.

    On SIGINT the papermill thread can save the notebook into the partial folder while
    ``shutil.rmtree`` empties it, so the final ``rmdir`` fails. Retry (at most ``attempts`` times,
    ``pause`` seconds apart) until the folder is gone; once it is, a late save fails harmlessly.
    """
    for _ in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return True
        time.sleep(pause)
    return not path.exists()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False if unavailable."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def _publish(tmp: Path, out: Path, force: bool) -> None:
    """Rename the complete run ``tmp`` to ``out``; never leave ``out`` half-written."""
    try:
        os.rename(tmp, out)          # succeeds onto a missing or empty folder, atomically
        return
    except OSError as err:
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise RerunError(f"cannot create {out}: {err.strerror}") from None
    if not force:
        raise RerunError(f"{out} was filled by another run while this one ran; this run was "
                         f"discarded") from None
    if _exchange(tmp, out):           # tmp now holds the earlier run
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- record, figures, page
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git(*args) -> str | None:
    try:
        res = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() if res.returncode == 0 else None


def _jsonable_parameter(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    try:
        return to_jsonable(value)
    except ValueError:
        return str(value)


def _record(nb_path: Path, parameters: dict, started: _dt.datetime, seconds: float) -> dict:
    import platform
    from importlib import metadata

    import scipy

    try:
        lib_version = metadata.version("spatial-trade-book-lib")
    except metadata.PackageNotFoundError:
        lib_version = None
    commit = dirty = None
    if _inside(nb_path, REPO_ROOT.resolve()):
        commit = _git("rev-parse", "HEAD")
        if commit is not None:
            status = _git("status", "--porcelain", "--", str(nb_path), "lib")
            dirty = bool(status) if status is not None else None
    try:
        notebook = str(nb_path.relative_to(REPO_ROOT.resolve()))
    except ValueError:
        notebook = str(nb_path)
    return {"notebook": notebook,
            "parameters": {k: _jsonable_parameter(v) for k, v in parameters.items()},
            "source_sha256": _sha256(nb_path), "git_commit": commit, "git_dirty": dirty,
            "lib_version": lib_version, "started": started.isoformat(timespec="seconds"),
            "seconds": round(seconds, 3), "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__}


_GLUE_FIGURE = re.compile(r"^[`:]{3,}\{glue:figure\}\s+(\S+)\s*$((?:\n:[^\n]*)*)", re.M)
_GLUE_PREFIX = "application/papermill.record/"


def _figure_names(nb) -> tuple[dict, dict]:
    """(cell index -> figure label) for ``mystnb: figure: name:`` cells and (glue key -> label)
    for ``{glue:figure}`` directives."""
    by_cell, by_glue = {}, {}
    for ci, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            name = ((cell.metadata.get("mystnb") or {}).get("figure") or {}).get("name")
            if name:
                by_cell[ci] = str(name)
        elif cell.cell_type == "markdown":
            for m in _GLUE_FIGURE.finditer(cell.source):
                label = re.search(r"^:name:\s*(\S+)", m.group(2), re.M)
                by_glue[m.group(1)] = label.group(1) if label else m.group(1)
    return by_cell, by_glue


def _extract_figures(nb, fig_dir: Path, stem: str) -> list:
    """Save every PNG output under its figure label, glue key, or ``<stem>-cell<NN>``."""
    by_cell, by_glue = _figure_names(nb)
    used: dict = {}
    paths = []
    for ci, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            png = data.get("image/png") or data.get(_GLUE_PREFIX + "image/png")
            if not png:
                continue
            glue_key = ((out.get("metadata") or {}).get("scrapbook") or {}).get("name")
            base = (by_glue.get(glue_key) or glue_key) if glue_key else by_cell.get(ci, f"{stem}-cell{ci:02d}")
            base = re.sub(r"[^A-Za-z0-9_.-]+", "-", base)
            used[base] = used.get(base, 0) + 1
            name = base if used[base] == 1 else f"{base}-{used[base]}"
            fig_dir.mkdir(parents=True, exist_ok=True)
            p = fig_dir / f"{name}.png"
            p.write_bytes(base64.b64decode(png))
            paths.append(p)
    return paths


def render_page(executed: Path, out_dir: Path) -> Path:
    """Render an executed notebook as the book renders it; write ``out_dir/index.html``.

    A one-page Sphinx build with the book's ``_config.yml`` (through jupyter-book's own config
    translation): MyST, myst-nb glue, numbered equations and figures, sphinx-exercise solutions as
    collapsed dropdowns, sphinx-proof, the bibliography and offline MathJax.  Execution is off;
    the outputs are those of the rerun.  Links to other pages of the book resolve through
    intersphinx when the book has been built (``_build/html/objects.inv``), otherwise they show as
    plain text.  Kept: ``index.html``, ``_static/``, ``_images/`` and the theme's ``search.html``,
    ``searchindex.js`` and ``genindex.html``.
    """
    import io
    import warnings

    import nbformat
    from jupyter_book.config import get_final_config
    from sphinx.application import Sphinx

    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix=".page-", dir=out_dir) as work:
        src, build = Path(work) / "src", Path(work) / "html"
        src.mkdir()
        nb = nbformat.read(executed, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell(
            "## References\n\n```{bibliography}\n:filter: docname in docnames\n```"))
        nbformat.write(nb, src / "index.ipynb")
        cfg, _ = get_final_config(user_yaml=REPO_ROOT / "_config.yml",
                                  cli_config={"latex_individualpages": False}, sourcedir=src,
                                  use_external_toc=False)
        cfg.update(root_doc="index", master_doc="index", exclude_patterns=[], html_static_path=[],
                   nb_execution_mode="off",
                   bibtex_bibfiles=[str(REPO_ROOT / b) for b in cfg.get("bibtex_bibfiles", [])])
        cfg.pop("external_toc_path", None)
        # the API reference (sphinx-autoapi) is a book-wide page, not part of one chapter's page
        cfg["extensions"] = [e for e in cfg.get("extensions", []) if not e.startswith("autoapi")]
        for key in [k for k in cfg if k.startswith("autoapi_")]:
            del cfg[key]
        inventory = BUILD_DIR / "html" / "objects.inv"
        if inventory.exists():
            cfg["intersphinx_mapping"] = {"book": (str(BUILD_DIR / "html"), str(inventory))}
        log = io.StringIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            app = Sphinx(str(src), None, str(build), str(Path(work) / "doctrees"), "html",
                         confoverrides=cfg, status=None, warning=log, freshenv=True)
            app.build(force_all=True)
        if app.statuscode or not (build / "index.html").exists():
            raise RerunError(f"rendering index.html failed: {_one_line(log.getvalue())[:300]}")
        for name in ("index.html", "_static", "_images", "search.html", "searchindex.js",
                     "genindex.html"):   # the theme's search box and index links keep working
            if (build / name).exists():
                shutil.move(str(build / name), str(out_dir / name))
    return out_dir / "index.html"
