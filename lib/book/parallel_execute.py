"""Sphinx extension: execute the book's notebooks in parallel, into the jupyter-cache, before Sphinx reads them.

With ``execute_notebooks: cache`` myst-nb executes each notebook that has no up-to-date entry in
the jupyter-cache *while Sphinx reads it*, one after another, so a clean build uses one core.
This extension hooks ``env-before-read-docs``: for every document about to be read that is a
MyST notebook, it builds the notebook exactly as myst-nb will (same reader, same configuration),
asks the cache for a match, and executes the misses in a pool of worker processes
(``nb_parallel_jobs``, default: every core), longest first. Each executed notebook is stored
in the cache with its execution time, just as myst-nb stores it; when Sphinx then reads the
documents, myst-nb finds every notebook cached and executes nothing.

Nothing changes in what is built: the notebooks run with the same kernel, working directory,
timeout and environment (``PYTHONSTARTUP`` of :mod:`lib.book.style`), and a notebook that fails
here is simply not cached, so myst-nb runs it again while reading and reports the error as
before (``-W`` still fails the build). Notebooks listed in ``nb_parallel_exclude`` (glob
patterns; default the performance page, whose timings need the machine to themselves) and
notebooks whose front matter sets another ``execution_mode`` are left to myst-nb, which runs
them after the pool has finished.

Summary pages (``nb_parallel_last``; default the replication scoreboard) run after every other
notebook has finished, and are executed again whenever another notebook was, even if their own
code is unchanged: they read what the others wrote in this build (:mod:`lib.book.build_results`:
each notebook runs with ``BOOK_NOTEBOOK`` and ``BOOK_RESULTS_FILE`` set, and its ``save_results``
keeps its headline results there).

Configuration (``_config.yml`` → ``sphinx.config``): ``nb_parallel_jobs`` (int, 0 = all cores,
1 = off), ``nb_parallel_exclude`` (list of glob patterns on the source path), ``nb_parallel_first``
(glob patterns of notebooks to start first: the longest ones, for a build with no recorded times),
``nb_parallel_last`` (glob patterns of the summary pages).
"""
from __future__ import annotations

import json
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from fnmatch import fnmatch
from multiprocessing import get_context
from pathlib import Path, PurePosixPath

TIMES_FILE = "nb_exec_times.json"  # beside the cache folder: last execution time of each notebook


#: Environment variables that set the thread count of numpy's linear algebra (read when it loads).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _execute(nb_json: str, cwd: str, timeout, allow_errors: bool, source: str = "", results_file: str = "",
             blas_threads: int = 0):
    """Worker: execute one notebook (as myst-nb does) and return ``(json, seconds, error text)``.

    The kernel inherits ``BOOK_NOTEBOOK`` and ``BOOK_RESULTS_FILE`` (see :mod:`lib.book.build_results`),
    so the notebook's ``save_results`` keeps its headline results for the scoreboard page, and, with
    ``blas_threads``, the thread count of numpy's linear algebra: with one notebook per core, a
    library that also starts a thread per core oversubscribes the machine.
    """
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    os.environ["BOOK_NOTEBOOK"], os.environ["BOOK_RESULTS_FILE"] = source, results_file
    if blas_threads:
        for var in BLAS_THREAD_VARIABLES:
            os.environ.setdefault(var, str(blas_threads))
    nb = nbformat.reads(nb_json, as_version=4)
    result = single_nb_execution(nb, cwd=cwd, allow_errors=allow_errors, timeout=timeout, meta_override=True)
    err = None if result.err is None else f"{result.err.__class__.__name__}: {result.exc_string or ''}"[-3000:]
    return nbformat.writes(nb), float(result.time), err


def _notebooks_to_run(app, env, docnames):
    """``[(docname, path, notebook, read_fmt)]`` of the notebooks about to be read that the cache lacks."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import create_nb_reader
    from myst_nb.core.nb_to_tokens import nb_node_to_dict

    nb_config = env.mystnb_config
    if nb_config.execution_mode != "cache":
        return [], None
    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    exclude = list(app.config.nb_parallel_exclude or [])
    todo = []
    for docname in sorted(docnames):
        path = Path(env.doc2path(docname))
        if path.suffix not in (".md", ".ipynb") or any(fnmatch(str(path), p) or fnmatch(path.name, p)
                                                        for p in exclude):
            continue
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        conf = nb_config
        if nb_config.metadata_key in notebook.metadata:
            overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
            overrides.pop("output_folder", None)
            try:
                conf = nb_config.copy(**overrides)
            except Exception:  # myst-nb will warn about it while reading
                continue
        posix = PurePosixPath(path.as_posix())
        if conf.execution_mode != "cache" or any(posix.match(p) for p in conf.execution_excludepatterns):
            continue
        kernel = notebook.metadata.get("kernelspec", {}).get("name")
        for rgx, alias in (conf.kernel_rgx_aliases or {}).items():
            if kernel is not None and re.fullmatch(rgx, kernel):
                notebook.metadata["kernelspec"]["name"] = alias
                break
        try:
            cache.match_cache_notebook(notebook)
            cached = True
        except KeyError:
            cached = False
        todo.append((docname, path, notebook, reader.read_fmt, conf, cached))
    return todo, cache


def _load_times(cache_path: Path) -> dict:
    try:
        return json.loads((cache_path.parent / TIMES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _before_read(app, env, docnames):
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    jobs = int(app.config.nb_parallel_jobs or 0) or (os.cpu_count() or 1)
    if jobs <= 1:
        return
    found, cache = _notebooks_to_run(app, env, docnames)
    last_patterns = list(app.config.nb_parallel_last or [])

    def is_last(path):
        return any(fnmatch(str(path), p) for p in last_patterns)

    todo = [t[:5] for t in found if not t[5] and not is_last(t[1])]
    # the summary pages (nb_parallel_last) run after the others, and again whenever another ran
    last = [t[:5] for t in found if is_last(t[1]) and (todo or not t[5])]
    if not todo and not last:
        return
    import nbformat
    from jupyter_cache.base import CacheBundleIn

    from .build_results import results_file_for

    cache_path = Path(cache.path)
    times = _load_times(cache_path)
    # longest first, so the pool ends together: the notebooks named in nb_parallel_first, then by the
    # last known time (unknown ones first), then by size
    first = list(app.config.nb_parallel_first or [])
    todo.sort(key=lambda t: (not any(fnmatch(str(t[1]), p) for p in first),
                             -(times.get(str(t[1]), 1e9)), -t[1].stat().st_size))
    n_all = len(todo) + len(last)
    logger.info(f"[parallel_execute] executing {n_all} notebook(s) on {min(jobs, max(len(todo), 1))} "
                f"worker(s)" + (f", then {len(last)} summary page(s)" if last else ""))
    start = time.perf_counter()
    failed = []
    for batch in (todo, last):
        if not batch:
            continue
        with ProcessPoolExecutor(max_workers=min(jobs, len(batch)), mp_context=get_context("spawn")) as pool:
            futures = {}
            workers = min(jobs, len(batch))
            threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 else 0
            for docname, path, nb, read_fmt, conf in batch:
                fut = pool.submit(_execute, nbformat.writes(nb), str(path.parent), conf.execution_timeout,
                                  bool(conf.execution_allow_errors), str(path), str(results_file_for(path) or ""),
                                  threads)
                futures[fut] = (docname, path, nb, read_fmt)
            for fut in as_completed(futures):
                docname, path, nb, read_fmt = futures[fut]
                try:
                    out_json, seconds, err = fut.result()
                except Exception as exc:  # a crashed worker: leave the notebook to myst-nb
                    failed.append(docname)
                    logger.info(f"[parallel_execute] {docname}: worker failed ({exc}); myst-nb will run it")
                    continue
                if err is not None:
                    failed.append(docname)
                    logger.info(f"[parallel_execute] {docname}: execution failed; myst-nb will run it again "
                                "and report the error")
                    continue
                executed = nbformat.reads(out_json, as_version=4)
                stage = cache.add_nb_to_project(str(path), read_data=read_fmt) if read_fmt else \
                    cache.add_nb_to_project(str(path))
                cache.cache_notebook_bundle(CacheBundleIn(executed, stage.uri,
                                                          data={"execution_seconds": seconds}),
                                            check_validity=False, overwrite=True)
                times[str(path)] = seconds
                logger.info(f"[parallel_execute] {docname}: {seconds:.1f} s")
    try:
        (cache_path.parent / TIMES_FILE).write_text(json.dumps(times, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:
        pass
    logger.info(f"[parallel_execute] {n_all - len(failed)} notebook(s) executed in "
                f"{time.perf_counter() - start:.1f} s wall time")


def _summary_pages_outdated(app, env, added, changed, removed):
    """Re-read the summary pages whenever another notebook page is re-read (it may have run again)."""
    patterns = list(app.config.nb_parallel_last or [])
    if not patterns:
        return []
    summary = {d for d in env.found_docs if any(fnmatch(str(env.doc2path(d)), p) for p in patterns)}
    others = (set(added) | set(changed)) - summary
    if not any(str(env.doc2path(d)).endswith((".md", ".ipynb")) for d in others):
        return []
    return sorted(summary - set(added) - set(changed))


def setup(app):
    """Register the configuration values and the ``env-before-read-docs`` hook."""
    app.add_config_value("nb_parallel_jobs", 0, "env")
    app.add_config_value("nb_parallel_exclude", ["*/performance.md"], "env")
    app.add_config_value("nb_parallel_first", [], "env")
    app.add_config_value("nb_parallel_last", ["*/replication.md"], "env")
    app.connect("env-get-outdated", _summary_pages_outdated)
    app.connect("env-before-read-docs", _before_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
