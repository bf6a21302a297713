"""Rerun a chapter notebook with new parameters, never touching the source.

Command line::

    python -m lib.rerun chapters/offshoring/03_comparative_statics.md -p sigma 4.2 --out /tmp/run1

converts the MyST notebook with jupytext, checks every ``-p NAME VALUE``
against the notebook's ``parameters`` cell (unknown names and values of the
wrong type stop the run before any computation), executes it with papermill
in the notebook's folder, and writes into a *fresh* output folder:

* ``<notebook>.ipynb`` -- the executed notebook,
* ``figures/*.png`` -- every figure the run produced,
* ``results.json`` -- the headline results the notebook's last cell writes.

Range checks (for example ``sigma <= 1``) live at the top of each notebook
and in ``lib``; when one fails, the run stops and this module prints the
notebook's one-line ``ValueError``.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import os
import datetime as _dt
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["RerunError", "RerunResult", "notebook_parameters", "coerce_parameter",
           "rerun", "save_results", "to_jsonable", "main"]

from lib.book.paths import REPO_ROOT


class RerunError(ValueError):
    """A rerun was refused (bad parameter, existing output folder) or the notebook failed."""


@dataclass
class RerunResult:
    """Where a rerun wrote its outputs and what it found.

    Attributes
    ----------
    out_dir : Path
    notebook_path : Path
        The executed notebook.
    results_path : Path
        ``results.json`` (may be absent if the notebook writes no results).
    results : dict
        The parsed ``results.json`` (empty if absent).
    figures : list of Path
    parameters : dict
        The parameters that were injected.
    """

    out_dir: Path
    notebook_path: Path
    results_path: Path
    results: dict
    figures: list
    parameters: dict


def _read_notebook(path: Path):
    import jupytext
    import nbformat

    nb = jupytext.read(path) if path.suffix == ".md" else nbformat.read(path, as_version=4)
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


def _extract_figures(nb, fig_dir: Path) -> list:
    paths = []
    for ci, cell in enumerate(nb.cells):
        for oi, out in enumerate(cell.get("outputs", [])):
            data = out.get("data", {})
            if "image/png" in data:
                fig_dir.mkdir(parents=True, exist_ok=True)
                p = fig_dir / f"cell{ci:03d}_{oi}.png"
                p.write_bytes(base64.b64decode(data["image/png"]))
                paths.append(p)
    return paths


def _default_out_dir(nb_path: Path) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return REPO_ROOT / "_build" / "reruns" / f"{nb_path.stem}-{stamp}"


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


def rerun(notebook, parameters: dict | None = None, out_dir=None, *,
          kernel_name: str = "python3", timeout: int = 1200, quiet: bool = False) -> RerunResult:
    """Execute a notebook with new parameters into a fresh folder.

    Parameters
    ----------
    notebook : str or Path
        MyST ``.md`` (or ``.ipynb``) notebook.
    parameters : dict, optional
        Parameter overrides; strings are coerced to the declared types.
        ``results_path`` is set automatically to ``out_dir/results.json``.
    out_dir : str or Path, optional
        Output folder; must not exist or be empty.  Default:
        ``_build/reruns/<notebook>-<timestamp>/``.
    kernel_name : str
    timeout : int
        Seconds allowed per cell.
    quiet : bool, default False
        Send the kernel's own stderr to ``out_dir/kernel_stderr.log`` instead of this process's
        stderr (used when a notebook reruns other notebooks).

    Returns
    -------
    RerunResult

    Raises
    ------
    RerunError
        Unknown parameter, wrong type, non-empty output folder, or the
        notebook raised (the message is the notebook's own one-line error).
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    nb_path = Path(notebook).resolve()
    if not nb_path.exists():
        raise RerunError(f"notebook not found: {notebook}")
    declared = notebook_parameters(nb_path)
    given = dict(parameters or {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise RerunError(
            f"unknown parameter(s) {', '.join(repr(u) for u in unknown)} for {nb_path.name}; "
            f"it accepts: {', '.join(sorted(declared))}")
    coerced = {k: coerce_parameter(k, v, declared[k]["type"]) for k, v in given.items()}
    out = Path(out_dir).resolve() if out_dir else _default_out_dir(nb_path)
    if out.exists() and any(out.iterdir()):
        raise RerunError(f"output folder {out} exists and is not empty: reruns never overwrite")
    out.mkdir(parents=True, exist_ok=True)
    results_file = out / "results.json"
    if "results_path" in declared:
        coerced["results_path"] = str(results_file)
    nb = _read_notebook(nb_path)
    executed_path = out / f"{nb_path.stem}.ipynb"
    quiet_ctx = _kernel_stderr_to_file(out / "kernel_stderr.log") if quiet else contextlib.nullcontext()
    try:
        with quiet_ctx:
            executed = pm.execute_notebook(
                nb, str(executed_path), parameters=coerced, cwd=str(nb_path.parent),
                kernel_name=kernel_name, progress_bar=False, execution_timeout=timeout,
                log_output=False)
    except PapermillExecutionError as err:
        raise RerunError(f"{nb_path.name} stopped: {err.ename}: {err.evalue}") from None
    figures = _extract_figures(executed, out / "figures")
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    return RerunResult(out, executed_path, results_file, results, figures, coerced)


def main(argv=None) -> int:
    """Command-line entry point (``python -m lib.rerun``)."""
    parser = argparse.ArgumentParser(
        prog="python -m lib.rerun",
        description="Rerun a chapter notebook with new parameters into a fresh folder.")
    parser.add_argument("notebook", help="path to a MyST .md notebook")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"), help="override a parameter (repeatable)")
    parser.add_argument("--out", default=None, help="output folder (must be new or empty)")
    parser.add_argument("--list", action="store_true",
                        help="list the notebook's parameters and exit")
    args = parser.parse_args(argv)
    try:
        if args.list:
            for name, spec in notebook_parameters(args.notebook).items():
                print(f"{name}: {spec['type']} = {spec['default']}  # {spec['help']}")
            return 0
        res = rerun(args.notebook, dict(args.parameter), args.out)
    except RerunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"executed notebook: {res.notebook_path}")
    print(f"figures: {len(res.figures)} in {res.out_dir / 'figures'}")
    if res.results_path.exists():
        print(f"results: {res.results_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
