"""Shared fixtures: rerun a chapter notebook through lib.rerun at small parameters."""
from __future__ import annotations

from pathlib import Path

import pytest

from lib.rerun import rerun

REPO_ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = REPO_ROOT / "chapters"


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
