"""Reading the transcribed tables in ``data/`` with checks.

Every CSV transcribed from a paper has a ``source`` column (table or figure,
page).  :func:`read_table` refuses files without it, or without the columns a
chapter needs, with a message naming the file and the column.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .paths import data_path

__all__ = ["read_table"]


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
