"""Locations in the book's repository (chapters, build folder), independent of the working directory.

Book tooling only: the paper modules find their data through :mod:`lib.core.data`, which also
works from an installed wheel.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT"]

REPO_ROOT = Path(__file__).resolve().parents[2]
