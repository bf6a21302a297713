"""Student copies of chapter notebooks: exercises kept, solutions and plumbing removed.

Command line::

    python -m lib.student chapters/offshoring/03_comparative_statics.md --out /tmp/handout
    python -m lib.student chapters/how_to_read.md chapters/offshoring/0*.md --out /tmp/week1

writes one ``<notebook>.ipynb`` per notebook (``--format md`` for MyST markdown) into a new
folder, created atomically.  In each copy

* every solution is removed: the gated ``{solution-start}`` ... ``{solution-end}`` blocks with
  the code cells between them, and plain ``{solution}`` directives;
* cells tagged ``remove-cell`` or ``remove-input`` (plumbing the book hides) are removed;
* exercises, prose, the ``parameters`` cell and every other code cell are kept, outputs cleared;
* a first cell says where the copy comes from.

The copy runs top to bottom in Jupyter from any folder (the notebooks import ``lib``, which finds
its data itself).  ``{glue:text}`` roles in the prose are the book's cross-references to computed
numbers; Jupyter shows them as written.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from lib.book.rerun import REPO_ROOT, RerunError, _one_line, _publish, _read_notebook, check_out_dir

__all__ = ["strip_solutions", "student_notebook", "write_student_notebooks", "main"]

REMOVE_TAGS = ("remove-cell", "remove-input")
_FENCE = re.compile(r"^(?P<indent>\s{0,3})(?P<fence>`{3,}|:{3,})(?P<info>.*)$")


def _directive(info: str) -> str | None:
    m = re.match(r"\s*\{([^}]+)\}", info)
    return m.group(1) if m else None


def strip_solutions(text: str, in_solution: bool = False) -> tuple[str, bool]:
    """Remove solution blocks from one markdown cell.

    Parameters
    ----------
    text : str
        The cell's MyST source.
    in_solution : bool
        Whether a gated ``{solution-start}`` opened in an earlier cell is still open.

    Returns
    -------
    (text, in_solution)
        The kept text, and whether a gated solution is still open at the end of the cell.
    """
    kept = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _FENCE.match(line)
        name = _directive(m.group("info")) if m else None
        if m and name in ("solution-start", "solution-end", "solution"):
            end = _block_end(lines, i)
            if name == "solution-start":
                in_solution = True
            elif name == "solution-end":
                in_solution = False
            i = end + 1
            continue
        if not in_solution:
            kept.append(line)
        i += 1
    out = "\n".join(kept)
    out = re.sub(r"\n{3,}", "\n\n", out).strip("\n")
    return out, in_solution


def _block_end(lines: list, start: int) -> int:
    """Index of the line closing the fenced block opened at ``start`` (nested fences allowed)."""
    stack = [_FENCE.match(lines[start]).group("fence")]
    for j in range(start + 1, len(lines)):
        m = _FENCE.match(lines[j])
        if not m:
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        top = stack[-1]
        if not info and fence[0] == top[0] and len(fence) >= len(top):
            stack.pop()
            if not stack:
                return j
        elif info:
            stack.append(fence)
    return len(lines) - 1


def student_notebook(path):
    """Return the student version of a notebook (an ``nbformat`` notebook).

    Raises
    ------
    RerunError
        If ``path`` is not a readable notebook, or a ``{solution-start}`` is never closed.
    """
    import nbformat

    path = Path(path)
    nb = _read_notebook(path)
    cells, in_solution = [], False
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if any(t in tags for t in REMOVE_TAGS):
            continue
        if cell.cell_type == "markdown":
            text, in_solution = strip_solutions(cell.source, in_solution)
            if text.strip():
                cell.source = text
                cells.append(cell)
            continue
        if in_solution:
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if not tags:
                cell.metadata.pop("tags", None)
        cells.append(cell)
    if in_solution:
        raise RerunError(f"{path}: a {{solution-start}} block is never closed by {{solution-end}}")
    try:
        origin = str(path.resolve().relative_to(REPO_ROOT.resolve()))
    except ValueError:
        origin = path.name
    note = nbformat.v4.new_markdown_cell(
        f"*Student copy of `{origin}`: the exercises are kept, the solutions removed. "
        f"Run the cells from top to bottom; change the first code cell's parameters to "
        f"experiment.*")
    nb.cells = [note] + cells
    nb.metadata.pop("papermill", None)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3",
                                          "language": "python"})
    return nb


def write_student_notebooks(notebooks, out, *, fmt: str = "ipynb") -> list:
    """Write student copies of ``notebooks`` into the new folder ``out``; return their paths.

    The folder is filled under a temporary sibling name and renamed when complete.
    """
    import jupytext
    import nbformat

    if fmt not in ("ipynb", "md"):
        raise RerunError(f"--format {fmt!r}: expected ipynb or md")
    notebooks = [Path(n) for n in notebooks]
    stems = [n.stem for n in notebooks]
    if len(set(stems)) != len(stems):
        raise RerunError("two notebooks share a file name; write them to separate folders")
    converted = [student_notebook(n) for n in notebooks]  # every error before anything is written
    out = check_out_dir(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as err:
        raise RerunError(f"cannot create {out}: {err.strerror}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        written = []
        for stem, nb in zip(stems, converted):
            target = tmp / f"{stem}.{fmt}"
            if fmt == "ipynb":
                nbformat.write(nb, target)
            else:
                jupytext.write(nb, target, fmt="md:myst")
            written.append(out / target.name)
        _publish(tmp, out, force=False)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise RerunError(message)


def main(argv=None) -> int:
    """Command-line entry point (``python -m lib.student``)."""
    parser = _Parser(prog="python -m lib.student",
                     description="Write student copies of notebooks: exercises kept, solutions "
                                 "and hidden plumbing removed.")
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="MyST .md notebooks")
    parser.add_argument("--out", required=True,
                        help="new folder, outside the repository or under _build/")
    parser.add_argument("--format", default="ipynb", choices=("ipynb", "md"),
                        help="ipynb (default, opens in Jupyter) or md (MyST, for jupytext)")
    try:
        args = parser.parse_args(argv)
        written = write_student_notebooks(args.notebooks, args.out, fmt=args.format)
    except RerunError as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
