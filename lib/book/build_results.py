"""Results a chapter notebook wrote while the book was being built, for the replication scoreboard.

Every chapter notebook ends with ``save_results(results_path, {...})``; in a book build
``results_path`` is empty and nothing used to be written, so the scoreboard page
(``chapters/replication.md``) executed each comparing notebook a second time through
:func:`lib.rerun.rerun` -- about a third of a clean build's computing time, spent recomputing
numbers the build had just computed.

Now :mod:`lib.book.parallel_execute` runs each notebook with two environment variables:
``BOOK_RESULTS_FILE`` (where :func:`lib.book.rerun_output.save_results` writes the results when
``results_path`` is empty) and ``BOOK_NOTEBOOK`` (the source it was executed from). The file
records the SHA-256 of that source, and :func:`load_build_results` returns it only if the
source is unchanged since, so the scoreboard never mixes a page's numbers with an older version
of its code. Anything missing or stale is rerun as before.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .paths import REPO_ROOT

__all__ = ["BUILD_RESULTS_DIR", "results_file_for", "write_build_results", "load_build_results"]

#: Where the results of a book build's notebook executions are kept (emptied by ``make book-all``).
BUILD_RESULTS_DIR = REPO_ROOT / "_build" / "book_results"


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def results_file_for(notebook: Path, folder: Path = BUILD_RESULTS_DIR) -> Path | None:
    """The results file of ``notebook`` (a path under ``chapters/``): ``chapters__x__y.md.json``.

    ``None`` for a notebook outside this repository (a book built from another checkout with this
    one's ``lib``): its results are not kept, and the scoreboard reruns it.
    """
    try:
        rel = Path(notebook).resolve().relative_to(REPO_ROOT)
    except ValueError:
        return None
    return Path(folder) / (rel.as_posix().replace("/", "__") + ".json")


def write_build_results(clean: dict) -> Path | None:
    """Write ``clean`` (JSON-ready results) to ``$BOOK_RESULTS_FILE`` if a book build set it.

    The file also records the notebook's source digest (``source_sha256``). Written atomically
    (a temporary file renamed into place), so a reader never sees half a file.
    """
    target = os.environ.get("BOOK_RESULTS_FILE", "")
    notebook = os.environ.get("BOOK_NOTEBOOK", "")
    if not target or not notebook:
        return None
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(clean, notebook=notebook, source_sha256=_sha256(Path(notebook)))
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, target)
    return target


def load_build_results(notebook: Path, folder: Path = BUILD_RESULTS_DIR) -> dict | None:
    """The results ``notebook`` wrote in a book build, or ``None`` if missing, unreadable or stale."""
    path = results_file_for(notebook, folder)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("source_sha256") != _sha256(notebook):
        return None
    return data
