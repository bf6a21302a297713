"""Where the transcribed tables are, and reading them with checks.

The tables live in the repository's top-level ``data/`` folder.  A wheel built by
``pip install .`` ships them inside the package (``lib/_data``, a link to ``data/``), found with
:mod:`importlib.resources`; the environment variable ``BOOK_DATA_DIR`` overrides both.

Every CSV transcribed from a paper has a ``source`` column (table or figure,
page).  :func:`read_table` refuses files without it, or without the columns a
chapter needs, with a message naming the file and the column.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["DATA_DIR", "data_dir", "data_path", "read_table"]

DATA_ENV = "BOOK_DATA_DIR"


def data_dir() -> Path:
    """The folder holding the book's data: ``$BOOK_DATA_DIR`` if set, else the package's copy.

    Raises
    ------
    FileNotFoundError
        If ``$BOOK_DATA_DIR`` names no folder, or the package carries no data (a broken install).
    """
    env = os.environ.get(DATA_ENV)
    if env:
        p = Path(env)
        if not p.is_dir():
            raise FileNotFoundError(f"{DATA_ENV}={env!r} is not a folder; point it at the book's data/ folder")
        return p
    p = Path(str(resources.files("lib") / "_data"))
    if not p.is_dir():
        raise FileNotFoundError(
            f"the package carries no data under {p}; reinstall with `pip install .` from the book's "
            f"repository or set {DATA_ENV} to its data/ folder")
    return p.resolve()


DATA_DIR = data_dir()


def data_path(*parts: str) -> Path:
    """Absolute path of a file under the data folder (e.g. ``data_path("offshoring", "table1.csv")``).

    Raises
    ------
    FileNotFoundError
        If the file does not exist (data ship with the book; nothing is downloaded).
    """
    p = DATA_DIR.joinpath(*parts)
    if not p.exists():
        raise FileNotFoundError(f"{p} is not in data/: data ship with the book, nothing is downloaded")
    return p


def read_table(relpath: str, required_columns=(), *, numeric_columns=(), comment: str = "#") -> pd.DataFrame:
    """Read ``data/<relpath>`` and check its columns.

    Parameters
    ----------
    relpath : str
        Path under ``data/`` (or an absolute path).
    required_columns : sequence of str
        Columns that must be present besides ``source``.
    numeric_columns : sequence of str
        Columns that must parse as numbers with no missing values.
    comment : str
        Comment character for header notes in the CSV.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValueError
        If the file is empty or malformed (e.g. a row with too many fields; the
        message names the file), ``source`` or a required column is missing, or
        a numeric column has non-numeric or missing entries.
    """
    p = Path(relpath) if Path(relpath).is_absolute() else data_path(*Path(relpath).parts)
    try:
        df = pd.read_csv(p, comment=comment)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ValueError(f"{p.name}: {err}") from err
    missing = [c for c in ("source", *required_columns) if c not in df.columns]
    if missing:
        raise ValueError(f"{p.name} is missing column(s) {missing}; it has {list(df.columns)}")
    for c in numeric_columns:
        vals = pd.to_numeric(df[c], errors="coerce")
        if vals.isna().any():
            raise ValueError(f"{p.name}: column {c!r} has missing or non-numeric entries")
        df[c] = vals
    return df
