"""Tests of lib.student: solutions and hidden plumbing stripped, exercises kept, the copy runs."""
import ast
import io
import subprocess
import sys
from contextlib import redirect_stderr

import nbformat
import pytest

from lib.book.paths import REPO_ROOT
from lib.book.rerun import RerunError, _read_notebook
from lib.book.student import strip_solutions, student_notebook
from lib.student import main

REPO = REPO_ROOT   # the repository, wherever this test file lives
CHAPTERS = REPO / "chapters"
EXAMPLE = CHAPTERS / "how_to_read.md"
STATICS = CHAPTERS / "offshoring" / "03_comparative_statics.md"
NOTEBOOKS = sorted(p for p in CHAPTERS.rglob("*.md") if "```{code-cell}" in p.read_text())


def test_strip_gated_solution_across_cells():
    text, open_ = strip_solutions("Intro.\n\n```{solution-start} ex-1\n:class: dropdown\n```\n\nThe answer.")
    assert text == "Intro." and open_
    text, open_ = strip_solutions("more answer\n\n```{solution-end}\n```\n\nAfter.", open_)
    assert text == "After." and not open_


def test_strip_plain_solution_directive_with_nested_fences():
    src = ("````{exercise}\n:label: e1\nDo it.\n````\n\n"
           "````{solution} e1\n:class: dropdown\nUse\n```python\nx = 1\n```\ndone\n````\n\nNext.\n\n"
           ":::{solution} e1\nColon fence.\n:::\nEnd.")
    text, open_ = strip_solutions(src)
    assert not open_
    assert text == "````{exercise}\n:label: e1\nDo it.\n````\n\nNext.\n\nEnd."


def test_remove_tags_and_unclosed_solution(tmp_path):
    nb = tmp_path / "nb.md"
    nb.write_text("""---
kernelspec:
  name: python3
  display_name: Python 3
---
# T

```{code-cell} ipython3
:tags: [parameters]
a: int = 1  # a
```

```{code-cell} ipython3
:tags: [remove-cell]
hidden = 1
```

```{code-cell} ipython3
:tags: [remove-input]
glue_me = 2
```

```{code-cell} ipython3
print(a)
```
""")
    cells = student_notebook(nb).cells
    code = [c.source for c in cells if c.cell_type == "code"]
    assert code == ["a: int = 1  # a", "print(a)"]
    assert "Student copy" in cells[0].source
    bad = tmp_path / "bad.md"
    bad.write_text(nb.read_text() + "\n```{solution-start} x\n```\n\nnever closed\n")
    with pytest.raises(RerunError, match="never closed"):
        student_notebook(bad)


def _names(src, store):
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return set()
    out = set()
    for n in ast.walk(tree):
        if store and isinstance(n, (ast.FunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif store and isinstance(n, ast.arg):      # function and lambda arguments
            out.add(n.arg)
        elif store and isinstance(n, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in n.names}
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store if store else ast.Load):
            out.add(n.id)
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(CHAPTERS)))
def test_every_student_copy_keeps_exercises_drops_solutions(path):
    source = path.read_text()
    nb = student_notebook(path)
    text = "\n".join(c.source for c in nb.cells)
    n_ex = source.count("{exercise}") + source.count("{exercise-start}")
    assert text.count("{exercise}") + text.count("{exercise-start}") == n_ex
    assert "{solution" not in text
    kept = [c.source for c in nb.cells if c.cell_type == "code"]
    assert kept and "parameters" in nb.cells[1 + next(
        i for i, c in enumerate(nb.cells[1:]) if c.cell_type == "code")].metadata.get("tags", [])
    for src in kept:
        compile(src, str(path), "exec")
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    # no kept cell reads a name that only a removed (solution) cell defined
    full = [c.source for c in _read_notebook(path).cells if c.cell_type == "code"]
    defined_kept = set().union(*(_names(s, True) for s in kept))
    only_removed = set().union(*(_names(s, True) for s in full)) - defined_kept
    used = set().union(*(_names(s, False) for s in kept))
    assert not used & only_removed


def _main(args):
    buf = io.StringIO()
    with redirect_stderr(buf):
        rc = main([str(a) for a in args])
    return rc, buf.getvalue().strip().splitlines()


def test_cli_errors(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    for args, msg in [([EXAMPLE, "--out", "chapters/offshoring/tmp"], "inside the repository"),
                      ([EXAMPLE, "--out", tmp_path / "full"], "not empty"),
                      ([tmp_path / "missing.md", "--out", tmp_path / "o"], "not found"),
                      ([EXAMPLE, EXAMPLE, "--out", tmp_path / "o"], "share a file name"),
                      ([EXAMPLE], "--out")]:
        rc, err = _main(args)
        assert rc == 2 and len(err) == 1 and msg in err[0], (args, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]
    assert not (CHAPTERS / "offshoring" / "tmp").exists()


@pytest.mark.notebook
def test_student_copies_run_top_to_bottom(tmp_path):
    import papermill as pm
    out = tmp_path / "handout"
    res = subprocess.run([sys.executable, "-m", "lib.student", str(EXAMPLE), str(STATICS),
                          "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["03_comparative_statics.ipynb", "how_to_read.ipynb"]
    for name, params in [("how_to_read.ipynb", {"n_draws": 2000}),
                         ("03_comparative_statics.ipynb",
                          {"n_alpha": 60, "n_scan": 40, "n_sens": 3, "n_map": 4})]:
        done = pm.execute_notebook(str(out / name), str(tmp_path / f"run-{name}"), parameters=params,
                                   cwd=str(out), progress_bar=False, kernel_name="python3")
        assert all(c.get("outputs") is not None for c in done.cells if c.cell_type == "code")
    assert nbformat.read(out / "how_to_read.ipynb", as_version=4).cells[0].cell_type == "markdown"
