"""Shared helpers of the bad-input tests (issue 7, item 2, second half), split by paper into
tests/offshoring/test_off_bad_inputs.py, tests/migration_mnc/test_mig_bad_inputs.py,
tests/granular/test_gran_bad_inputs.py, tests/foreign_employment/test_fe_bad_inputs.py and
tests/core/test_core_bad_inputs.py.

Three groups of checks, for every chapter's public entry points:

1. inadmissible scalar or array parameters raise ``ValueError`` whose message names the
   parameter (``sigma <= 1``, ``k <= sigma - 1``, ``eta`` outside (0, 1), negative endowments,
   moving costs below one, shares off the simplex, ...);
2. malformed data files -- written into ``tmp_path`` as edited *copies*; ``data/`` is never
   touched -- fed to :func:`lib.core.data.read_table` and to the chapter loaders that read
   ``data/`` (those are pointed at the copy by the ``data_copy`` fixture of tests/conftest.py,
   which monkeypatches ``lib.core.data.DATA_DIR``; :func:`replace_text` and :func:`drop_row`
   are its edits);
3. defect records: inputs a function accepted silently (or rejected with an error that did not
   name the culprit) when this suite was written.  A defect still open is marked
   ``xfail(strict=True)`` with its reason (the suite turns red the day it is fixed, so the mark
   cannot outlive the defect); a fixed one keeps its reason under ``fixed(...)`` and runs as an
   ordinary test, guarding against regressions.

Import with ``from bad_input_cases import case_id, fixed`` (tests/ is on ``sys.path`` because
tests/conftest.py lives there).
"""
from __future__ import annotations

import inspect
import re

import numpy as np
import pytest


def case_id(value):
    """Readable test ids: a lambda case is named by its call (``off.solve_extended(0.0, OFF)``)."""
    if callable(value) and getattr(value, "__name__", "") == "<lambda>":
        try:
            src = inspect.getsource(value)
        except (OSError, TypeError):
            return None
        m = re.search(r"lambda[^:]*:\s*(.*)", src, re.S)
        if not m:
            return None
        out, depth = [], 0
        for ch in m.group(1):
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            out.append(ch)
        return re.sub(r"\s+", " ", "".join(out)).strip()[:70] or None
    if isinstance(value, dict):
        return ",".join(f"{k}={v.tolist() if isinstance(v, np.ndarray) else v}" for k, v in value.items())[:70]
    return None


def xfail(reason):
    """A strict expected failure: an input the module accepts (or rejects unclearly) today."""
    return pytest.mark.xfail(strict=True, reason="DEFECT: " + reason)


def fixed(reason):
    """A defect this suite found and the library has since fixed: now an ordinary, passing case.

    The reason is kept as the record of what used to go wrong.
    """
    return ()


def fixed_decorator(reason):
    """Decorator form of :func:`fixed` (leaves the test unmarked)."""
    return lambda fn: fn


def replace_text(old, new):
    """An edit for ``data_copy``: replace ``old`` by ``new`` on every line (``old`` must occur)."""
    def fn(lines):
        out = [ln.replace(old, new) for ln in lines]
        assert out != lines, f"test setup: {old!r} not found"
        return out
    return fn


def drop_row(prefix):
    """An edit for ``data_copy``: drop the one row that starts with ``prefix``."""
    def fn(lines):
        out = [ln for ln in lines if not ln.startswith(prefix)]
        assert len(out) == len(lines) - 1, f"test setup: one row starting {prefix!r} expected"
        return out
    return fn
