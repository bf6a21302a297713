"""Every kernel bounded (issue 15, item 1): no loop in lib/ runs a number of times set by a float
parameter (every ``while`` loop has a stated bound; no ``range`` counts to a float).

The granular kernels' own bounds are tested in tests/granular/test_gran_bounded_kernels.py."""
from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "lib"

#: Every ``while`` loop of the numerical code, with why it ends after a bounded number of steps.
#: (Book tooling -- lib/book, lib/rerun.py -- waits on processes and parses argv; not a kernel.)
BOUNDED_WHILE = {
    ("offshoring/statics.py", "i1 + 1 < n_scan and pos[i1 + 1]"): "walks at most n_scan <= MAX_SCAN grid points",
}


def _while_loops():
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB).as_posix()
        if rel.startswith("book/") or rel == "rerun.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.While):
                yield rel, ast.unparse(node.test)


def test_every_while_loop_in_the_kernels_is_known_to_be_bounded():
    """A ``while hi - lo > tol`` bisection never ends when tol is below the spacing of doubles
    (migration_mnc.policy.branch_end did that before issue 15); loops must count to a fixed bound."""
    found = set(_while_loops())
    unknown = found - set(BOUNDED_WHILE)
    assert not unknown, f"while loops without a stated bound: {sorted(unknown)}"


def test_range_loops_in_the_kernels_do_not_count_to_a_float():
    """``for _ in range(int(x))`` with x a float parameter (the old exponential-integral recurrence ran
    floor(p) times) is banned: ranges take ints, module constants or lengths."""
    offenders = []
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB).as_posix()
        if rel.startswith("book/") or rel == "rerun.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.For) and isinstance(node.iter, ast.Call) \
                    and getattr(node.iter.func, "id", "") == "range":
                src = ast.unparse(node.iter)
                if "floor(" in src or "ceil(" in src or "int(np." in src:
                    offenders.append(f"{rel}: {src}")
    assert not offenders, offenders
