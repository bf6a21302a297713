"""Comparing the book's numbers with the numbers a paper prints.

A chapter that recomputes a printed number records a *comparison row*::

    {"quantity": "GDP per capita, US, both open", "paper": 1.234, "book": 1.2339,
     "decimals": 3, "source": "Table 5, p. 30", "basis": "recomputed"}

``basis`` says what the book's number rests on: ``"recomputed"`` (the same inputs as the paper,
so the printed digits should be reproduced), ``"synthetic"`` (the paper's inputs are confidential;
the book's number comes from a synthetic stand-in and is not expected to match) or
``"reconstructed"`` (the paper does not print everything needed; the book fills the gap and says
how).  :func:`comparison_status` turns a row into the scoreboard's verdict.
"""
from __future__ import annotations

import math

__all__ = ["BASES", "ROLES", "comparison_row", "comparison_status", "decimals_in_text", "printed_decimals", "printed_tolerance"]

BASES = ("recomputed", "synthetic", "reconstructed")
# what a row was used for when the book's inputs were fitted: "fitted" rows were targets of a fit,
# "held-out" rows never entered it and are predictions; "" for rows of chapters that fit nothing
ROLES = ("", "fitted", "held-out")


def printed_decimals(value) -> int:
    """Decimals shown by a transcribed number (``-0.000635`` -> 6, ``2.47`` -> 2, ``12`` -> 0).

    Read from the shortest repr of the float, so a trailing zero the paper printed (``2.470``) is
    lost; pass ``decimals`` explicitly to :func:`comparison_row` when that matters.
    """
    text = repr(float(value))
    if "e" in text or "E" in text:
        mantissa, exp = text.lower().split("e")
        frac = mantissa.split(".")[1] if "." in mantissa else ""
        return max(len(frac.rstrip("0")) - int(exp), 0)
    frac = text.split(".")[1]
    return 0 if frac == "0" else len(frac)


def decimals_in_text(text: str) -> int:
    """Decimals of a number as transcribed (``"1.3760"`` -> 4, ``"85.90"`` -> 2, ``"12"`` -> 0).

    Use this on the raw CSV text when the paper prints trailing zeros.
    """
    t = str(text).strip()
    float(t)  # raises ValueError for non-numbers
    return len(t.split(".")[1]) if "." in t and "e" not in t.lower() else printed_decimals(float(t))


def printed_tolerance(decimals: int) -> float:
    """Half a unit in the last printed decimal: ``0.5 * 10**-decimals``.

    Raises
    ------
    ValueError
        If ``decimals`` is negative.
    """
    if int(decimals) != decimals or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer; got {decimals!r}")
    return 0.5 * 10.0 ** (-int(decimals))


def comparison_row(quantity: str, paper: float, book: float, decimals: int, source: str,
                   basis: str = "recomputed", note: str = "", role: str = "") -> dict:
    """Build a validated comparison row (plain Python types, ready for JSON).

    Parameters
    ----------
    quantity : str
        What is compared, in words.
    paper : float
        The value the paper prints.
    book : float
        The value the book computes.
    decimals : int
        Number of decimals the paper prints.
    source : str
        Table or figure and page of the paper.
    basis : {"recomputed", "synthetic", "reconstructed"}
        What the book's number rests on.
    note : str
        Why the numbers differ, when they do.
    role : {"", "fitted", "held-out"}
        ``"fitted"`` if the number was a target when the book's inputs were fitted (so agreement
        is by construction), ``"held-out"`` if it never entered the fit (a prediction).

    Raises
    ------
    ValueError
        If ``basis`` is unknown or a value is not finite.
    """
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}; got {basis!r}")
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}; got {role!r}")
    for name, v in (("paper", paper), ("book", book)):
        if not math.isfinite(float(v)):
            raise ValueError(f"{name} value for {quantity!r} is not finite: {v!r}")
    printed_tolerance(decimals)
    return {"quantity": str(quantity), "paper": float(paper), "book": float(book),
            "decimals": int(decimals), "source": str(source), "basis": basis, "note": str(note),
            **({"role": role} if role else {})}


def comparison_status(row: dict) -> str:
    """Verdict for a comparison row.

    Returns
    -------
    str
        ``"reproduced to printed digits"`` if ``|book - paper|`` is within half a unit of the last
        printed decimal (plus a 1e-9 allowance for binary rounding), ``"differs (see note)"``
        otherwise; synthetic rows are always ``"not reproducible: confidential data"``, since a
        synthetic estimate close to the paper only shows that the synthetic truth was set there.
    """
    if row.get("basis") == "synthetic":
        # a synthetic stand-in can sit close to the paper only because its truth was set there
        return "not reproducible: confidential data"
    diff = abs(float(row["book"]) - float(row["paper"]))
    if diff <= printed_tolerance(row["decimals"]) + 1e-9:
        return "reproduced to printed digits"
    return "differs (see note)"
