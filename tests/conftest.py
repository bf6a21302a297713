"""Shared fixtures: rerun a chapter notebook through lib.rerun at small parameters."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import settings

# Two hypothesis profiles.
# * "ci" (the default): derandomised, so every `make test` draws the same cases and CI is reproducible.
# * "explore" (`pytest --hypothesis-profile=explore`): random seeds (different draws on every run) and
#   EXPLORE_FACTOR times the examples of every property test, including those whose @settings fix
#   max_examples (pytest_collection_modifyitems below) and the robustness sweeps of
#   tests/<paper>/test_*_robustness.py (sweep_settings in tests/robustness_sweep.py reads the profile too).
EXPLORE_FACTOR = 10
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None, max_examples=100 * EXPLORE_FACTOR)
settings.load_profile("ci")


def exploring() -> bool:
    """Whether the hypothesis profile ``explore`` is active."""
    return settings.get_current_profile_name() == "explore"


def pytest_collection_modifyitems(config, items):
    """Under ``explore``, scale the max_examples that a test's own @settings fixed, and never derandomise."""
    if not exploring():
        return
    done = set()
    for item in items:
        fn = getattr(item, "obj", None)
        own = getattr(fn, "_hypothesis_internal_use_settings", None)
        if own is None or not getattr(fn, "is_hypothesis_test", False) or id(fn) in done:
            continue
        done.add(id(fn))
        fn._hypothesis_internal_use_settings = settings(
            own, max_examples=own.max_examples * EXPLORE_FACTOR, derandomize=False, database=None)

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


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """Copy of ``data/<chapter>/`` under ``tmp_path``; ``lib.core.data.DATA_DIR`` points at it.

    Returns ``edit(relpath, fn)`` that rewrites one copied file line by line (``fn(lines) -> lines``;
    ``replace_text`` and ``drop_row`` of tests/bad_input_cases.py make such edits).
    The real ``data/`` folder is only read.
    """
    import shutil

    import lib.core.data

    real = lib.core.data.DATA_DIR
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setattr(lib.core.data, "DATA_DIR", root)

    def edit(relpath: str, fn):
        src = real / relpath
        dst = root / relpath
        if not dst.parent.exists():
            shutil.copytree(src.parent, dst.parent)
        lines = src.read_text().splitlines(keepends=True)
        dst.write_text("".join(fn(lines)))
        return dst

    return edit


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
                f"{c.get('raised', 0)} raised the documented error; draws {c.get('digest', '?')}")
        terminalreporter.write_line(f"total: {total} cases (hypothesis profile "
                                    f"{settings.get_current_profile_name()!r})")


def checkout_files():
    """Untracked and ignored files a rerun or sweep could leave in the checkout.

    ``_build/reruns/scoreboard-*`` is left out: the replication page writes there during a book
    build, which may run at the same time in a shared checkout.
    """
    import subprocess

    from lib.book.paths import REPO_ROOT

    res = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all", "--",
                          "_build/reruns", "chapters"], cwd=REPO_ROOT, capture_output=True, text=True)
    lines = [ln for ln in res.stdout.splitlines()
             if ln[:2] in ("??", "!!") and "_build/reruns/scoreboard-" not in ln]
    return {ln for ln in lines
            if ("_build/reruns" in ln or ln.endswith((".ipynb", ".csv", ".png")) or "/tmp" in ln
                or "jupyter_execute" in ln)}
