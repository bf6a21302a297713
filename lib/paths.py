"""Locations of the repository's data, independent of the working directory."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"


def data_path(*parts: str) -> Path:
    """Absolute path of a file under ``data/`` (e.g. ``data_path("offshoring", "table1.csv")``).

    Raises
    ------
    FileNotFoundError
        If the file does not exist (data ship with the repository; nothing is downloaded).
    """
    p = DATA_DIR.joinpath(*parts)
    if not p.exists():
        raise FileNotFoundError(f"{p} is not in data/: data ship with the book, nothing is downloaded")
    return p
