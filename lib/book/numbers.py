"""Numbers formatted for reading: no negative zero, integers as integers, no needless exponent.

Used where the book turns a number into text itself (tables it builds, the scoreboard); glued
numbers keep their format spec in the prose.
"""
from __future__ import annotations

import math

__all__ = ["fixed", "signed", "readable"]


def _clean(text: str) -> str:
    """'-0.000' -> '0.000': a number that rounds to zero has no sign."""
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        return text[1:]
    return text


def fixed(x, decimals: int) -> str:
    """``x`` with ``decimals`` decimals, never ``-0.0``; an empty string for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return _clean(f"{float(x):.{int(decimals)}f}")


def signed(x, decimals: int) -> str:
    """A difference: ``+0.012``, ``−0.012`` (minus sign) or ``0`` when it rounds to zero."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    text = _clean(f"{float(x):+.{int(decimals)}f}")
    if not any(ch in "123456789" for ch in text):
        return "0"
    return text.replace("-", "\u2212")


def readable(x, digits: int = 4) -> str:
    """A number as a reader expects it: integers as integers (``1200``, not ``1.2e+03``), other
    values with ``digits`` significant digits, plain notation between 1e-4 and 1e6, never ``-0``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    x = float(x) if not isinstance(x, int) else x
    if isinstance(x, int) or (math.isfinite(x) and x == int(x) and abs(x) < 1e15):
        return str(int(x))
    if not math.isfinite(x):
        return str(x)
    if 1e-4 <= abs(x) < 1e6:
        decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
        return _clean(f"{x:.{decimals}f}")
    return _clean(f"{x:.{digits - 1}e}")
