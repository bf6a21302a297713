"""Shared fixtures: rerun a chapter notebook through lib.rerun at small parameters."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import settings

# Derandomised hypothesis: every `make test` draws the same cases, so CI is reproducible.
# Explore fresh draws locally with `pytest --hypothesis-profile=explore`.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("ci")

from lib.rerun import rerun

REPO_ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = REPO_ROOT / "chapters"


def is_finite_number(x) -> bool:
    """A plain JSON number (int or float) that is finite: what every results.json value must be."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@pytest.fixture
def run_notebook(tmp_path):
    """Return ``run(relpath, **params) -> RerunResult`` writing into a fresh tmp folder.

    ``relpath`` is relative to ``chapters/`` (e.g. ``"offshoring/03_comparative_statics.md"``).
    """
    counter = {"n": 0}

    def run(relpath: str, **params):
        counter["n"] += 1
        out = tmp_path / f"run{counter['n']}"
        return rerun(CHAPTERS / relpath, params, out)

    return run


def pytest_terminal_summary(terminalreporter):
    """Print the robustness sweep's case counts (recorded with ``record_property``).

    Works with and without pytest-xdist, since the properties travel with the test reports.
    """
    counts = {}
    for outcome in ("passed", "failed"):
        for rep in terminalreporter.stats.get(outcome, []):
            for key, value in getattr(rep, "user_properties", []):
                if key.startswith("robustness_"):
                    chapter, what = key[len("robustness_"):].rsplit("_", 1)
                    counts.setdefault(chapter, {}).update({what: value})
    if counts:
        terminalreporter.section("robustness sweep: parameter draws per solver")
        total = 0
        for chapter, c in sorted(counts.items()):
            total += c.get("cases", 0)
            terminalreporter.write_line(
                f"{chapter}: {c.get('cases', 0)} cases, {c.get('solved', 0)} solved, "
                f"{c.get('raised', 0)} raised the documented error")
        terminalreporter.write_line(f"total: {total} cases")
