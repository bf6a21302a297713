"""Robustness sweep of every chapter's main solver (issue 7, item 2, first half): the shared machinery.

The sweeps live beside each paper's tests: tests/offshoring/test_off_robustness.py,
tests/migration_mnc/test_mig_robustness.py, tests/granular/test_gran_robustness.py and
tests/foreign_employment/test_fe_robustness.py; this module holds what they share
(``sweep_settings``, ``Tally``, ``all_finite``, ``numbers_in``, ``check_starved``).

For each chapter, hypothesis draws *admissible* parameter vectors around the chapter's defaults
and every case must end in one of two ways:

* **solved**: the solver reports convergence, its residual is below the tolerance, an
  independent re-evaluation of the equilibrium conditions through other public functions agrees,
  and every output is finite (never NaN); or
* **raised** the module's documented error: its convergence error (``lib.core.errors.ConvergenceError``
  or the ``RuntimeError`` the module documents) for non-convergence, or a ``ValueError`` whose
  message is one the module documents for a jointly infeasible point (for example the granular
  model's stability condition ``eps < 1 - eta``).

Anything else -- a NaN, an unconverged result returned silently, an undocumented exception
type, an unrelated ``ValueError`` from numpy/scipy -- fails the test.  Each test prints
``robustness <chapter>: N cases, S solved, R raised`` straight to the terminal (so it shows
under ``pytest -q`` too) and stores the counts with ``record_property`` (JUnit XML).

Companions: every solver starved of iterations (or given an unreachable tolerance) raises with
its residual instead of returning; the foreign-employment synthetic base year (the input of the
hat solver) calibrates to an exact equilibrium at every small admissible size and across drawn
seeds, sizes and elasticities.

Under the default hypothesis profile ``ci`` the sweeps run derandomised, so a given pytest
invocation always draws the same cases (the ``draws`` digest printed with the counts is the same
on every run); ``pytest --hypothesis-profile=explore`` runs ten times the cases with random seeds,
so the digest differs from run to run.  (The
exact draws, hence the counts, can shift with which other test modules are collected in the same
process: hypothesis seeds its float generation with literal constants found in loaded modules.
Every draw must pass either way.)  Environment knobs for exploring: ``ROBUSTNESS_EXAMPLES=10``
multiplies every ``max_examples`` by 10 and draws fresh random cases; ``ROBUSTNESS_VERBOSE=1``
lists the distinct error messages behind the "raised" count, ``=2`` (with ``-s``) every raising
case, ``=3`` every case.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from lib.core.errors import ConvergenceError

SCALE = float(os.environ.get("ROBUSTNESS_EXAMPLES", "1"))  # multiplies every max_examples
EXPLORE_FACTOR = 10  # as in conftest.py: the explore profile runs ten times the examples


def sweep_settings(n: int):
    """``n`` examples under the default profile ``ci`` (derandomised); under ``explore``
    ``EXPLORE_FACTOR`` times as many with random seeds (the profile's own derandomize=False is
    inherited, never hard-coded here); ``ROBUSTNESS_EXAMPLES`` multiplies further and also draws
    fresh random cases."""
    factor = EXPLORE_FACTOR if settings.get_current_profile_name() == "explore" else 1
    extra = {} if SCALE == 1 else {"derandomize": False}
    return settings(max_examples=max(1, int(n * SCALE * factor)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow], **extra)


class Tally:
    """Count the cases of one sweep and their outcomes."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self.solved = 0
        self.raised = Counter()
        self.messages = Counter()  # distinct error messages (numbers masked), for ROBUSTNESS_VERBOSE
        self._draws = hashlib.sha256()  # digest of every drawn case: equal on two ci runs, not on explore

    @property
    def n(self) -> int:
        return self.solved + sum(self.raised.values())

    def outcome(self, fn, allowed: dict, case=None):
        """Run ``fn()``; count it as solved, or as raised if the exception is documented.

        ``allowed`` maps an exception class to a regex its message must match.  Any other
        exception propagates and fails the test (hypothesis then shrinks the case).
        """
        if os.environ.get("ROBUSTNESS_VERBOSE") == "3":
            print(f"  case {case}")
        self._draws.update(repr(case).encode())
        try:
            fn()
        except tuple(allowed) as err:
            for cls, pattern in allowed.items():
                if isinstance(err, cls) and re.search(pattern, str(err)):
                    self.raised[type(err).__name__] += 1
                    self.messages[re.sub(r"[-+]?\d[\d.]*(e[-+]?\d+)?", "#", str(err))[:70]] += 1
                    if os.environ.get("ROBUSTNESS_VERBOSE") == "2":
                        print(f"  raised {type(err).__name__} for {case}: {str(err)[:100]}")
                    return "raised"
            raise
        self.solved += 1
        return "solved"

    @property
    def digest(self) -> str:
        """First 12 hex digits of a hash of every case drawn so far."""
        return self._draws.hexdigest()[:12]

    def report(self, capsys, record_property):
        line = (f"robustness {self.chapter}: {self.n} cases, {self.solved} solved, "
                f"{sum(self.raised.values())} raised"
                + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(self.raised.items()))})" if self.raised else "")
                + f"; draws {self.digest}")
        with capsys.disabled():
            print("\n" + line)
            if os.environ.get("ROBUSTNESS_VERBOSE"):
                for msg, count in self.messages.most_common():
                    print(f"    {count} x {msg}")
        record_property(f"robustness_{self.chapter}_cases", self.n)
        record_property(f"robustness_{self.chapter}_solved", self.solved)
        record_property(f"robustness_{self.chapter}_raised", sum(self.raised.values()))
        record_property(f"robustness_{self.chapter}_digest", self.digest)
        assert self.n > 0 and self.solved > 0, line


def all_finite(*arrays) -> bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=float))) for a in arrays)


def numbers_in(obj):
    """Every number in a nested dict/list of reported results (``None`` entries are skipped)."""
    if isinstance(obj, dict):
        for v in obj.values():
            yield from numbers_in(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from numbers_in(v)
    elif isinstance(obj, (bool, np.bool_, str)) or obj is None:
        return
    else:
        yield from np.asarray(obj, dtype=float).ravel().tolist()


def check_starved(starve, error, pattern):
    """A starved solver raises with its residual: it never hands back an unconverged answer."""
    with pytest.raises(error, match=pattern) as info:
        starve()
    if isinstance(info.value, ConvergenceError):
        assert np.isfinite(info.value.iterations) and info.value.iterations >= 1
        assert info.value.residual > 0
