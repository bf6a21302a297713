"""Sphinx extension: keep an unchanged API page unchanged for Sphinx, so a rebuild does not re-read it.

sphinx-autoapi writes every page of the API reference (``api/``) afresh at each build, and
deletes the folder at the end (``autoapi_keep_files: false``). Sphinx decides what to re-read
by modification time, so every build re-read and re-wrote all ~60 API pages although nothing in
``lib``'s docstrings had changed: most of a warm ``make book`` (issue 12: "the second run executes
no notebook and finishes in under 60 s").

This extension runs right after autoapi on ``builder-inited``: for each generated file whose
content is byte-for-byte what it was at the previous build it gives back the previous
modification time; a file whose content changed keeps its new time and is re-read as before.
The record (relative path -> sha256 and mtime) lives in the doctree folder, which
``jupyter-book build --all`` (``make book-all``, CI) empties with everything else.

The book sets ``autoapi_keep_files: true``: the generated folder stays between builds, so the
list of files Jupyter Book excludes from the table of contents (its ``exclude_patterns``, a
configuration value) is the same from one build to the next; otherwise Sphinx sees a changed
configuration and re-reads every page. autoapi then regenerates only when ``lib`` changed.

A clean build still parses ``lib`` with astroid, which infers types by parsing whatever a module
imports: numpy, scipy and pandas from source, and, through astroid's numpy plugin, a synthetic
``ndarray`` class for every ``np.ndarray`` annotation. That took about 75 s of a clean build on
two cores. :func:`lighten_astroid` tells astroid not to build third-party modules (their names
stay plain text in the API pages, as they were) and drops the ``ndarray`` inference tip: 11 s.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

RECORD = "stable_autoapi.json"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def restore_mtimes(api_root: Path, record_path: Path) -> tuple[int, int]:
    """Give unchanged files under ``api_root`` their recorded mtime; record the rest.

    Returns ``(kept, changed)``: files whose old mtime was restored, and files new or changed.
    """
    try:
        old = json.loads(record_path.read_text())
    except (OSError, ValueError):
        old = {}
    new, kept, changed = {}, 0, 0
    if api_root.is_dir():
        for path in sorted(api_root.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(api_root).as_posix()
            sha = _digest(path)
            prev = old.get(rel)
            if prev is not None and prev[0] == sha:
                os.utime(path, ns=(prev[1], prev[1]))
                new[rel] = prev
                kept += 1
            else:
                new[rel] = [sha, path.stat().st_mtime_ns]
                changed += 1
    record_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = record_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(new, indent=0, sort_keys=True))
    os.replace(tmp, record_path)
    return kept, changed


def _on_builder_inited(app):
    from sphinx.util import logging

    root = getattr(app.config, "autoapi_root", "api")
    kept, changed = restore_mtimes(Path(app.srcdir) / root, Path(app.doctreedir) / RECORD)
    logging.getLogger(__name__).info(f"[stable_autoapi] {kept} API page(s) unchanged, {changed} new or changed")


#: Third-party packages whose modules astroid need not parse to document ``lib``.
THIRD_PARTY = ("numpy", "scipy", "pandas", "matplotlib", "statsmodels", "linearmodels", "pyhdfe", "IPython",
               "nbformat", "nbclient", "papermill", "dask", "distributed", "tqdm", "jupyter_cache", "myst_nb",
               "sphinx", "docutils", "jupytext", "hypothesis", "formulaic")


def lighten_astroid() -> int:
    """Keep astroid (autoapi's parser) out of third-party sources; return how many modules it skips.

    Uses astroid's documented ``module_denylist`` and removes the numpy ``ndarray`` inference tip
    from its transform registry (a private structure: if astroid changes it, nothing is removed
    and the build is only slower).
    """
    import importlib
    import sys

    import astroid

    for name in THIRD_PARTY:
        try:
            importlib.import_module(name)
        except Exception:  # not installed: nothing to skip
            pass
    names = {m for m in list(sys.modules) if m.split(".")[0] in THIRD_PARTY}
    astroid.MANAGER.module_denylist.update(names)
    try:
        from astroid import nodes
        from astroid.brain import brain_numpy_ndarray

        tips = astroid.MANAGER._transform.transforms[nodes.Attribute]
        tips[:] = [(t, p) for t, p in tips if p is not brain_numpy_ndarray._looks_like_numpy_ndarray]
    except (AttributeError, ImportError, KeyError):
        pass
    return len(names)


def _regenerate_if_missing(app):
    """With ``autoapi_keep_files`` autoapi skips generation when ``lib`` is unchanged since the last
    build; if the generated folder has gone meanwhile (deleted by hand, or by an older
    configuration), make it generate again."""
    root = Path(app.srcdir) / getattr(app.config, "autoapi_root", "api")
    if not root.is_dir() and getattr(app.env, "autoapi_source_hashes", None) is not None:
        app.env.autoapi_source_hashes = None


def setup(app):
    # autoapi generates its pages on builder-inited at the default priority (500): check before it,
    # restore the modification times after it
    lighten_astroid()
    app.connect("builder-inited", _regenerate_if_missing, priority=400)
    app.connect("builder-inited", _on_builder_inited, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
