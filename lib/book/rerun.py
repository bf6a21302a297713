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

This module holds the command line and :func:`rerun`, which puts the pieces together; the pieces
live in :mod:`lib.book.rerun_params` (the parameters cell, type checks, ``-p NAME VALUE``),
:mod:`lib.book.rerun_output` (the output folder, its lock and atomic publication, results,
figures, the page) and :mod:`lib.book.rerun_kernel` (executing the kernel, signals).  Every name
is importable from here, as before the split.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lib.book.paths import REPO_ROOT  # noqa: F401 - re-exported (lib.book.sweep, lib.book.student)
# the pieces, re-exported: every name that lived here before the split stays importable from here
from lib.book.rerun_kernel import (RerunInterrupted, _execute, _exit_with_parent,  # noqa: F401
                                   _kernel_stderr_to_file, _kill_kernels, _signals_raise,
                                   _tracking_kernel_manager)
from lib.book.rerun_output import (BUILD_DIR, RERUNS_DIR, _HOST, _GLUE_FIGURE,  # noqa: F401
                                   _GLUE_PREFIX, _default_out_dir, _exchange, _extract_figures,
                                   _figure_names, _git, _inside, _is_rerun_folder,
                                   _jsonable_parameter, _mtime, _out_lock, _pid_alive, _publish,
                                   _remove_tree,
                                   _record, _sha256, check_out_dir, render_page, save_results,
                                   to_jsonable)
from lib.book.rerun_params import (_FALSE, _TRUE, RerunError, _one_line,  # noqa: F401
                                   _read_notebook, coerce_parameter, notebook_parameters,
                                   parameter_defaults, parse_cli, split_parameter_args)

__all__ = ["RerunError", "RerunInterrupted", "RerunResult", "notebook_parameters",
           "parameter_defaults", "coerce_parameter", "check_out_dir", "rerun", "save_results",
           "to_jsonable", "render_page", "split_parameter_args", "main"]

#: Parameters set by this module itself, not model inputs; left out of ``results.json["parameters"]``.
PLUMBING = ("results_path",)
#: Keys this module adds to ``results.json``.
RECORD_KEYS = ("notebook", "parameters", "source_sha256", "git_commit", "git_dirty", "lib_version",
               "started", "seconds", "python", "numpy", "scipy")


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
        Keep the kernel's own stderr in ``out_dir/kernel_stderr.log`` (used when a notebook reruns
        other notebooks). Otherwise it is written to this process's stderr after a successful run;
        a failed run reports one line (:class:`RerunError`), not the kernel's shutdown chatter.
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
                # the kernel's stderr always goes to a log: on failure the user gets one line (not the
                # kernel's shutdown chatter); on success a non-quiet run replays it below
                executed = _execute(nb, executed_path, injected, nb_path.parent, kernel_name,
                                    timeout, tmp / "kernel_stderr.log")
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
            if log.exists() and not quiet:
                sys.stderr.write(log.read_text(errors="replace"))
                log.unlink()
            elif log.exists() and log.stat().st_size == 0:
                log.unlink()
            html_path = render_page(executed_path, tmp) if html else None
            _publish(tmp, out, force)
        except BaseException:
            _remove_tree(tmp)  # retried: the papermill thread may still be saving into it
            raise
    return RerunResult(out, out / executed_path.name, out / "results.json", results,
                       [out / "figures" / f.name for f in figures], coerced,
                       out / "index.html" if html_path else None, seconds)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise RerunError(message)


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
