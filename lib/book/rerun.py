"""Rerun a chapter notebook with new parameters, never touching the source.

Command line::

    python -m lib.rerun chapters/offshoring/03_comparative_statics.md -p sigma 4.2 --out /tmp/run1

converts the MyST notebook with jupytext, checks every ``-p NAME VALUE`` against the notebook's
``parameters`` cell (unknown names and values of the wrong type stop the run before any
computation), executes it with papermill in the notebook's folder, and writes one folder:

* ``<notebook>.ipynb`` -- the executed notebook;
* ``index.html`` (with ``_static/`` and ``_images/``) -- the executed page rendered as in the book:
  a one-page Sphinx build with the book's ``_config.yml``, so glue values, equation numbers,
  figures and collapsed solutions look as they do in the book (``--no-html`` skips it);
* ``figures/<label>.png`` -- every figure, named by its figure label (``off-fig-fig3.png``), by its
  glue key, or ``<notebook>-cell<NN>.png`` when it has neither;
* ``results.json`` -- the notebook's headline results plus the record of the run: ``parameters``
  (every value used, defaults included), ``notebook``, ``source_sha256``, ``git_commit``,
  ``git_dirty``, ``lib_version``, ``started``, ``seconds`` and the ``python``/``numpy``/``scipy``
  versions.

Safety.  The run executes in a hidden sibling folder (``.NAME.partial-*``) and is renamed to the
final name only when complete, so ``--out`` exists only for a complete run.  A lock
(``.NAME.lock``, created with ``mkdir``) and the rename semantics (a directory cannot be renamed
onto a non-empty one) make two concurrent runs to one ``--out`` end with exactly one winner.  An
existing non-empty ``--out`` is refused unless ``--force`` is given and it holds an earlier rerun,
which is then replaced atomically (``renameat2(RENAME_EXCHANGE)`` where the kernel offers it).
``--out`` inside the repository is refused except under ``_build/``.  On an error, SIGINT or
SIGTERM the kernel is killed, the partial folder removed and one line says what happened.

Range checks (for example ``sigma <= 1``) live at the top of each notebook and in ``lib``; when
one fails, the run stops and this module prints the notebook's one-line ``ValueError``.
"""
from __future__ import annotations

import argparse
import ast
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
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib.book.paths import REPO_ROOT

__all__ = ["RerunError", "RerunInterrupted", "RerunResult", "notebook_parameters",
           "parameter_defaults", "coerce_parameter", "check_out_dir", "rerun", "save_results",
           "to_jsonable", "render_page", "split_parameter_args", "main"]

BUILD_DIR = REPO_ROOT / "_build"
RERUNS_DIR = BUILD_DIR / "reruns"
#: Parameters set by this module itself, not model inputs; left out of ``results.json["parameters"]``.
PLUMBING = ("results_path",)
#: Keys this module adds to ``results.json``.
RECORD_KEYS = ("notebook", "parameters", "source_sha256", "git_commit", "git_dirty", "lib_version",
               "started", "seconds", "python", "numpy", "scipy")


class RerunError(ValueError):
    """A rerun was refused (bad parameter or path, existing output folder) or the notebook failed."""


class RerunInterrupted(BaseException):
    """Raised in the main thread by the command line's SIGINT/SIGTERM handlers."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class RerunResult:
    """Where a rerun wrote its outputs and what it found.

    Attributes
    ----------
    out_dir : Path
    notebook_path : Path
        The executed notebook.
    results_path : Path
        ``results.json``: the notebook's results and the record of the run.
    results : dict
        The parsed ``results.json``.
    figures : list of Path
    parameters : dict
        The parameters that were injected (the overrides, coerced, and ``results_path``).
    html_path : Path or None
        ``index.html`` if the page was rendered.
    seconds : float
        Wall time of the execution.
    """

    out_dir: Path
    notebook_path: Path
    results_path: Path
    results: dict
    figures: list
    parameters: dict
    html_path: Path | None = None
    seconds: float = 0.0


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _read_notebook(path: Path):
    import jupytext
    import nbformat

    path = Path(path)
    if not path.exists():
        raise RerunError(f"notebook not found: {path}")
    if path.is_dir():
        raise RerunError(f"{path} is a folder, not a notebook")
    if path.suffix not in (".md", ".ipynb"):
        raise RerunError(f"{path} is not a notebook: expected a MyST .md or an .ipynb file")
    try:
        nb = jupytext.read(path) if path.suffix == ".md" else nbformat.read(path, as_version=4)
    except Exception as err:  # noqa: BLE001 - any parse failure is "not a notebook"
        raise RerunError(f"{path} is not a readable notebook ({type(err).__name__}: "
                         f"{_one_line(err)[:200]})") from None
    if not any(c.cell_type == "code" for c in nb.cells):
        raise RerunError(f"{path} is not a notebook: it has no code cells")
    for cell in nb.cells:  # papermill expects every cell to carry a tags list
        cell.metadata.setdefault("tags", [])
    return nb


def notebook_parameters(path) -> dict:
    """Parse the cell tagged ``parameters``: name -> {type, default, help}.

    Parameters
    ----------
    path : str or Path
        A MyST ``.md`` or ``.ipynb`` notebook.

    Returns
    -------
    dict
        ``{name: {"type": "float", "default": "3.0", "help": "..."}}`` as papermill
        infers them from ``name: type = default  # help`` lines.

    Raises
    ------
    RerunError
        If the notebook has no cell tagged ``parameters``.
    """
    import ast
    import logging

    from papermill.inspection import _infer_parameters

    nb = _read_notebook(Path(path))
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise RerunError(f"{path} has no code cell tagged 'parameters'")
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as err:
        raise RerunError(f"{path}: the parameters cell is not valid Python ({err})") from None
    assigned = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            assigned.append(node.target.id)
        elif isinstance(node, ast.Assign):
            assigned += [t.id for t in node.targets if isinstance(t, ast.Name)]
    logging.getLogger("papermill").setLevel(logging.ERROR)
    params = {p.name: {"type": p.inferred_type_name, "default": p.default, "help": p.help}
              for p in _infer_parameters(nb)}
    missed = [name for name in assigned if name not in params]
    if missed:
        raise RerunError(
            f"{path}: papermill cannot read parameter(s) {missed}; write one "
            f"`name: type = value  # comment` per line, with no '=' inside the comment")
    return params


_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


def coerce_parameter(name: str, value, declared_type: str):
    """Convert a command-line string to the parameter's declared type.

    Parameters
    ----------
    name : str
        Parameter name (for the error message).
    value : str or object
        The value given; non-strings are checked, not converted.
    declared_type : str
        The annotation in the parameters cell: ``float``, ``int``, ``bool``,
        ``str``, ``list``/``list[float]``/``dict`` (JSON) or ``None`` (free).

    Returns
    -------
    object

    Raises
    ------
    RerunError
        If the value cannot be read as the declared type.
    """
    t = (declared_type or "None").strip()
    base = t.split("[")[0].lower()
    try:
        if base == "float":
            if isinstance(value, bool):
                raise TypeError
            x = float(value)
            if math.isnan(x):
                raise TypeError
            return x
        if base == "int":
            if isinstance(value, bool):
                raise TypeError
            if isinstance(value, str):
                return int(value.strip())
            if float(value) != int(value):
                raise TypeError
            return int(value)
        if base == "bool":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in _TRUE:
                return True
            if s in _FALSE:
                return False
            raise TypeError
        if base == "str":
            return str(value)
        if base in ("list", "dict", "tuple"):
            v = json.loads(value) if isinstance(value, str) else value
            want = list if base in ("list", "tuple") else dict
            if not isinstance(v, want):
                raise TypeError
            return v
    except (TypeError, ValueError, json.JSONDecodeError):
        raise RerunError(
            f"parameter '{name}' expects {t}; got {value!r}") from None
    # untyped parameter: try JSON, else keep the string
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


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

    Called by the last cell of every notebook.  Does nothing when
    ``results_path`` is empty (the default in a book build).

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
    return clean


def parameter_defaults(path) -> dict:
    """Default values of the notebook's parameters, as Python objects (``{"sigma": 3.8, ...}``).

    Each right-hand side is read with :func:`ast.literal_eval`; if one is not a literal, the
    parameters cell is executed in an empty namespace instead.
    """
    nb = _read_notebook(Path(path))
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise RerunError(f"{path} has no code cell tagged 'parameters'")
    out, literal = {}, True
    for node in ast.parse(cells[0].source).body:
        targets = ([node.target] if isinstance(node, ast.AnnAssign) else
                   node.targets if isinstance(node, ast.Assign) else [])
        for t in targets:
            if isinstance(t, ast.Name) and getattr(node, "value", None) is not None:
                try:
                    out[t.id] = ast.literal_eval(node.value)
                except ValueError:
                    literal = False
    if not literal:
        namespace: dict = {}
        exec(compile(cells[0].source, str(path), "exec"), namespace)  # noqa: S102 - the notebook's own code
        out = {k: namespace[k] for k in notebook_parameters(path) if k in namespace}
    return out


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


# --------------------------------------------------------------------------- kernel handling
def _tracking_kernel_manager(registry: list):
    """An ``AsyncKernelManager`` subclass that records every instance, so the main thread can kill
    the kernel on a signal while papermill runs in a worker thread."""
    from jupyter_client.manager import AsyncKernelManager

    class TrackedKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            registry.append(self)

    return TrackedKernelManager


def _kill_kernels(registry: list) -> None:
    for km in registry:
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        pid = getattr(proc, "pid", None)
        if pid:
            for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    kill()
                    break
                except (ProcessLookupError, PermissionError, OSError):
                    continue
            with contextlib.suppress(Exception):
                proc.wait(timeout=2)
        cf = getattr(km, "connection_file", "")
        if cf:
            with contextlib.suppress(OSError):
                os.remove(cf)


@contextlib.contextmanager
def _kernel_stderr_to_file(path: Path):
    """Send file descriptor 2 (inherited by the kernel subprocess) to ``path`` for the duration.

    The child kernel writes start-up chatter (e.g. ipykernel's "running over TCP" notice) to the
    parent's stderr; when the parent is itself a notebook, that text would appear as a stderr
    output of the calling cell.  Errors are still reported through :class:`RerunError`.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _execute(nb, executed_path: Path, parameters: dict, cwd: Path, kernel_name: str,
             timeout: int, quiet_log: Path | None):
    """Run papermill in a worker thread; on any exception in the main thread (SIGINT, SIGTERM)
    kill the kernel (and its process group), remove its connection file, and re-raise."""
    import papermill as pm

    # the kernel draws figures in the book's style (200 dpi, text >= 9 pt), as in the build
    os.environ.setdefault("PYTHONSTARTUP", str(Path(__file__).with_name("kernel_startup.py")))
    registry: list = []
    box: dict = {}

    def work():
        try:
            box["nb"] = pm.execute_notebook(
                nb, str(executed_path), parameters=parameters, cwd=str(cwd),
                kernel_name=kernel_name, progress_bar=False, execution_timeout=timeout,
                log_output=False, kernel_manager_class=_tracking_kernel_manager(registry))
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            box["error"] = err

    ctx = _kernel_stderr_to_file(quiet_log) if quiet_log else contextlib.nullcontext()
    with ctx:
        thread = threading.Thread(target=work, name="lib.rerun-papermill", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(0.1)
        except BaseException:
            deadline = time.monotonic() + 20
            while thread.is_alive() and time.monotonic() < deadline:
                _kill_kernels(registry)
                thread.join(0.2)
            _kill_kernels(registry)
            raise
    if "error" in box:
        raise box["error"]
    return box["nb"]


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


# --------------------------------------------------------------------------- the rerun
def rerun(notebook, parameters: dict | None = None, out_dir=None, *,
          kernel_name: str = "python3", timeout: int = 1200, quiet: bool = False,
          force: bool = False, html: bool = False) -> RerunResult:
    """Execute a notebook with new parameters into a fresh folder.

    Parameters
    ----------
    notebook : str or Path
        MyST ``.md`` (or ``.ipynb``) notebook.
    parameters : dict, optional
        Parameter overrides; strings are coerced to the declared types.
        ``results_path`` is set automatically to ``out_dir/results.json``.
    out_dir : str or Path, optional
        Output folder; must not exist or be empty, and lie outside the repository or under
        ``_build/``.  Default: ``_build/reruns/<notebook>-<timestamp>/``.
    kernel_name : str
    timeout : int
        Seconds allowed per cell.
    quiet : bool, default False
        Send the kernel's own stderr to ``out_dir/kernel_stderr.log`` instead of this process's
        stderr (used when a notebook reruns other notebooks).
    force : bool, default False
        Replace an existing earlier rerun in ``out_dir`` (atomically, once this run is complete).
    html : bool, default False
        Also render ``index.html`` (the command line does so unless ``--no-html``).

    Returns
    -------
    RerunResult

    Raises
    ------
    RerunError
        Unknown parameter, wrong type, refused output folder, or the notebook raised (the
        message is the notebook's own one-line error).  Nothing is left under ``out_dir``.
    """
    from papermill.exceptions import PapermillExecutionError

    nb_path = Path(notebook).expanduser()
    nb = _read_notebook(nb_path)
    nb_path = nb_path.resolve()
    declared = notebook_parameters(nb_path)
    given = dict(parameters or {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise RerunError(
            f"unknown parameter(s) {', '.join(repr(u) for u in unknown)} for {nb_path.name}; "
            f"it accepts: {', '.join(sorted(declared))}")
    coerced = {k: coerce_parameter(k, v, declared[k]["type"]) for k, v in given.items()}
    used = {k: v for k, v in parameter_defaults(nb_path).items() if k not in PLUMBING}
    used.update({k: v for k, v in coerced.items() if k not in PLUMBING})
    out = check_out_dir(out_dir, force=force) if out_dir is not None else _default_out_dir(nb_path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RerunError(f"cannot create {out.parent}: {err.strerror}") from None
    with _out_lock(out):
        if out.is_dir() and any(out.iterdir()) and not force:  # filled since the check
            raise RerunError(f"{out} exists and is not empty: reruns never overwrite")
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{_HOST}-{os.getpid()}-",
                                    dir=out.parent))
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o777 & ~umask)   # mkdtemp makes 0700; a rerun folder is an ordinary one
            results_file = tmp / "results.json"
            if "results_path" in declared:
                coerced["results_path"] = str(out / "results.json")
            injected = dict(coerced)
            if "results_path" in declared:
                injected["results_path"] = str(results_file)
            executed_path = tmp / f"{nb_path.stem}.ipynb"
            started, t0 = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
            try:
                executed = _execute(nb, executed_path, injected, nb_path.parent, kernel_name,
                                    timeout, tmp / "kernel_stderr.log" if quiet else None)
            except PapermillExecutionError as err:
                raise RerunError(f"{nb_path.name} stopped: {err.ename}: "
                                 f"{_one_line(err.evalue)}") from None
            except (RerunError, RerunInterrupted, KeyboardInterrupt):
                raise
            except Exception as err:  # noqa: BLE001 - dead kernel, timeout, kernel start-up
                raise RerunError(f"{nb_path.name} failed: {type(err).__name__}: "
                                 f"{_one_line(err)[:300]}") from None
            seconds = time.perf_counter() - t0
            # show the final location of results.json in the executed notebook, not the tmp one
            for cell in executed.cells:
                if "injected-parameters" in cell.metadata.get("tags", []):
                    cell.source = cell.source.replace(str(results_file), str(out / "results.json"))
            pm_meta = executed.metadata.get("papermill", {})
            pm_meta.update(input_path=str(nb_path), output_path=str(out / executed_path.name))
            if "results_path" in pm_meta.get("parameters", {}):
                pm_meta["parameters"]["results_path"] = str(out / "results.json")
            import nbformat
            nbformat.write(executed, executed_path)
            figures = _extract_figures(executed, tmp / "figures", nb_path.stem)
            results = json.loads(results_file.read_text()) if results_file.exists() else {}
            for key in RECORD_KEYS:
                if key in results:
                    results[f"notebook_{key}"] = results.pop(key)
            results.update(_record(nb_path, used, started, seconds))
            results_file.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
            log = tmp / "kernel_stderr.log"
            if log.exists() and log.stat().st_size == 0:
                log.unlink()
            html_path = render_page(executed_path, tmp) if html else None
            _publish(tmp, out, force)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return RerunResult(out, out / executed_path.name, out / "results.json", results,
                       [out / "figures" / f.name for f in figures], coerced,
                       out / "index.html" if html_path else None, seconds)


# --------------------------------------------------------------------------- command line
def split_parameter_args(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Take every ``-p NAME VALUE`` / ``--parameter NAME VALUE`` out of ``argv``.

    argparse would read a value such as ``-1e3`` or ``-inf`` as an option; here the two words
    after ``-p`` are taken verbatim.

    Returns
    -------
    (rest, pairs)

    Raises
    ------
    RerunError
        ``-p`` without two words, or a name that starts with ``-``.
    """
    rest, pairs, i = [], [], 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            rest += argv[i:]
            break
        if tok in ("-p", "--parameter"):
            if i + 2 >= len(argv):
                raise RerunError(f"{tok} needs a NAME and a VALUE")
            name, value = argv[i + 1], argv[i + 2]
            if name.startswith("-"):
                raise RerunError(f"{tok} needs a NAME and a VALUE; got {name!r} as the name")
            pairs.append((name, value))
            i += 3
            continue
        rest.append(tok)
        i += 1
    return rest, pairs


def parse_cli(parser, argv):
    """Split the ``-p NAME VALUE`` pairs off ``argv`` and parse the rest with ``parser``.

    Returns ``(args, pairs)``; ``args`` is ``None`` when ``-h``/``--help`` was given (the help is printed).
    """
    rest, pairs = split_parameter_args(argv)
    if any(a in ("-h", "--help") for a in rest):
        parser.print_help()
        return None, pairs
    return parser.parse_args(rest), pairs


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise RerunError(message)


@contextlib.contextmanager
def _signals_raise():
    """In the main thread, turn the first SIGINT/SIGTERM into :class:`RerunInterrupted`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def handler(signum, frame):
        if not fired:
            fired.append(signum)
            raise RerunInterrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _exit_with_parent() -> None:
    """When ``LIB_RERUN_EXIT_WITH_PARENT=1`` (set by lib.sweep for its points), send ourselves
    SIGTERM if the parent process dies, so a point never outlives its Dask worker."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="lib.rerun-parent-watch", daemon=True).start()


def main(argv=None) -> int:
    """Command-line entry point (``python -m lib.rerun``)."""
    if os.environ.get("LIB_RERUN_EXIT_WITH_PARENT") == "1":
        _exit_with_parent()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(
        prog="python -m lib.rerun",
        description="Rerun a chapter notebook with new parameters into a fresh folder.")
    parser.add_argument("notebook", help="path to a MyST .md notebook")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"),
                        help="override a parameter (repeatable; VALUE may be negative, e.g. -1e3)")
    parser.add_argument("--out", default=None,
                        help="output folder, new or empty, outside the repository or under _build/ "
                             "(default: _build/reruns/<notebook>-<time>)")
    parser.add_argument("--force", action="store_true",
                        help="replace an earlier rerun in --out (atomically, once this run is complete)")
    parser.add_argument("--no-html", action="store_true", help="do not render index.html")
    parser.add_argument("--quiet", action="store_true",
                        help="send the kernel's stderr to kernel_stderr.log in the output folder")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    parser.add_argument("--list", action="store_true",
                        help="list the notebook's parameters and exit")
    out_text = "_build/reruns"
    try:
        args, pairs = parse_cli(parser, argv)
        if args is None:  # --help was printed
            return 0
        if args.list:
            for name, spec in notebook_parameters(args.notebook).items():
                print(f"{name}: {spec['type']} = {spec['default']}  # {spec['help']}")
            return 0
        if args.out is not None:
            out_text = args.out
            check_out_dir(args.out, force=args.force)  # before any computation
        with _signals_raise():
            res = rerun(args.notebook, dict(pairs), args.out, force=args.force,
                        html=not args.no_html, quiet=args.quiet, timeout=args.timeout)
    except RerunError as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    except (RerunInterrupted, KeyboardInterrupt) as err:
        name = err.args[0] if isinstance(err, RerunInterrupted) else "SIGINT"
        print(f"interrupted by {name}: kernel stopped, nothing written to "
              f"{out_text}", file=sys.stderr)
        return 128 + (err.signum if isinstance(err, RerunInterrupted) else signal.SIGINT)
    except OSError as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    print(f"output folder: {res.out_dir}")
    if res.html_path:
        print(f"page: {res.html_path}")
    print(f"results: {res.results_path}")
    print(f"figures: {len(res.figures)} in {res.out_dir / 'figures'}")
    print(f"seconds: {res.seconds:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
