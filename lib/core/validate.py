"""Parameter validation: fail early, name the parameter and its admissible range.

Every public function of ``lib`` and the first code cell after the
``parameters`` cell of every notebook call these helpers, so that a bad
value stops the computation with a one-line ``ValueError`` such as::

    ValueError: sigma = 0.8 is outside its admissible range (1, inf): elasticity of substitution
"""
from __future__ import annotations

import math

import numpy as np

__all__ = [
    "require_in_range",
    "require_positive",
    "require_nonnegative",
    "require_greater",
    "require_shares",
    "require_finite",
    "require_shape",
    "require_integer",
]


def _describe(meaning: str) -> str:
    return f": {meaning}" if meaning else ""


def require_in_range(name: str, value, low: float = -math.inf, high: float = math.inf, *,
                     low_inclusive: bool = False, high_inclusive: bool = False,
                     meaning: str = ""):
    """Check that a scalar lies in an interval; return it as ``float``.

    Parameters
    ----------
    name : str
        Parameter name, used in the error message.
    value : float
        The value to check.
    low, high : float
        Interval bounds (``-inf``/``inf`` for unbounded).
    low_inclusive, high_inclusive : bool
        Whether each bound is admissible.
    meaning : str, optional
        A few words saying what the parameter is.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``value`` is not a finite real number in the interval.
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number; got {value!r}{_describe(meaning)}") from None
    lo_ok = x >= low if low_inclusive else x > low
    hi_ok = x <= high if high_inclusive else x < high
    if math.isnan(x) or not (lo_ok and hi_ok):
        lb = "[" if low_inclusive else "("
        rb = "]" if high_inclusive else ")"
        raise ValueError(
            f"{name} = {value!r} is outside its admissible range "
            f"{lb}{low:g}, {high:g}{rb}{_describe(meaning)}")
    return x


def require_positive(name: str, value, *, meaning: str = ""):
    """Check ``value > 0`` elementwise (scalar or array); return it unchanged.

    Raises
    ------
    ValueError
        If any element is not strictly positive or not finite.
    """
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        bad = arr[~(np.isfinite(arr) & (arr > 0))] if arr.ndim else arr
        raise ValueError(
            f"{name} must be positive and finite (admissible range (0, inf)); "
            f"got {np.ravel(bad)[:3].tolist()}{_describe(meaning)}")
    return value


def require_nonnegative(name: str, value, *, meaning: str = ""):
    """Check ``value >= 0`` elementwise (scalar or array); return it unchanged.

    Raises
    ------
    ValueError
        If any element is negative or not finite.
    """
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        bad = arr[~(np.isfinite(arr) & (arr >= 0))] if arr.ndim else arr
        raise ValueError(
            f"{name} must be non-negative and finite (admissible range [0, inf)); "
            f"got {np.ravel(bad)[:3].tolist()}{_describe(meaning)}")
    return value


def require_greater(name: str, value, bound: float, bound_name: str = "", *, meaning: str = ""):
    """Check ``value > bound`` for a bound that depends on other parameters.

    Examples
    --------
    >>> require_greater("k", 3.4, 3.8 - 1, "sigma - 1")
    3.4

    Raises
    ------
    ValueError
        If ``value <= bound``; the message names both sides of the condition.
    """
    x = float(value)
    if not x > bound:
        rhs = f"{bound_name} = {bound:g}" if bound_name else f"{bound:g}"
        raise ValueError(f"{name} = {value!r} must exceed {rhs}{_describe(meaning)}")
    return x


def require_shares(name: str, shares, *, axis=-1, atol: float = 1e-8, meaning: str = ""):
    """Check that ``shares`` are non-negative and sum to one along ``axis``.

    Returns
    -------
    ndarray
        The shares as a float array.

    Raises
    ------
    ValueError
        If an element is negative or a sum differs from one by more than ``atol``.
    """
    s = np.asarray(shares, dtype=float)
    if not np.all(np.isfinite(s)) or np.any(s < -atol):
        raise ValueError(f"{name} must be non-negative shares on the simplex{_describe(meaning)}")
    sums = s.sum(axis=axis)
    err = float(np.max(np.abs(sums - 1.0))) if np.size(sums) else 0.0
    if err > atol:
        raise ValueError(
            f"{name} must sum to one along axis {axis} (shares on the simplex); "
            f"largest deviation {err:.3g}{_describe(meaning)}")
    return s


def require_finite(name: str, value):
    """Check that every element is finite (no NaN or inf); return it unchanged."""
    if not np.all(np.isfinite(np.asarray(value, dtype=float))):
        raise ValueError(f"{name} contains NaN or infinite values")
    return value


def require_shape(name: str, value, shape: tuple):
    """Check an array's shape; ``None`` in ``shape`` matches any length.

    Raises
    ------
    ValueError
        If the number of dimensions or a fixed length differs.
    """
    arr = np.asarray(value)
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        raise ValueError(f"{name} has shape {arr.shape}; expected {shape}")
    return arr


def require_integer(name: str, value, low: int | None = None, high: int | None = None, *,
                    meaning: str = "") -> int:
    """Check that a scalar is a whole number in ``[low, high]``; return it as ``int``.

    Integral floats (``3.0``) and numpy integers are accepted; booleans, fractions (``2.5``),
    strings, NaN and infinities are not.

    Raises
    ------
    ValueError
        If ``value`` is not a whole number or lies outside ``[low, high]``.

    Examples
    --------
    >>> require_integer("n_draws", 3.0, 1)
    3
    """
    ok = not isinstance(value, (bool, np.bool_))
    if ok:
        try:
            x = float(value)
            ok = math.isfinite(x) and x == int(x)
        except (TypeError, ValueError, OverflowError):
            ok = False
    if not ok:
        raise ValueError(f"{name} must be a whole number; got {value!r}{_describe(meaning)}")
    n = int(x)
    if (low is not None and n < low) or (high is not None and n > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise ValueError(f"{name} = {n} is outside its admissible range [{lo}, {hi}]{_describe(meaning)}")
    return n
