"""Tests of lib.book.compare: the scoreboard's verdicts."""
import pytest

from lib.book.compare import decimals_in_text, comparison_row, comparison_status, printed_decimals, printed_tolerance


def test_printed_tolerance():
    assert printed_tolerance(3) == pytest.approx(5e-4)
    with pytest.raises(ValueError, match="decimals"):
        printed_tolerance(-1)


@pytest.mark.parametrize("book, basis, status", [
    (1.2344, "recomputed", "reproduced to printed digits"),
    (1.2346, "recomputed", "differs (see note)"),
    (1.2346, "reconstructed", "differs (see note)"),
    (0.9, "synthetic", "not reproducible: confidential data"),
    (1.234, "synthetic", "not reproducible: confidential data"),
])
def test_status(book, basis, status):
    row = comparison_row("x", 1.234, book, 3, "Table 1, p. 2", basis)
    assert comparison_status(row) == status


def test_row_validation():
    with pytest.raises(ValueError, match="basis"):
        comparison_row("x", 1.0, 1.0, 2, "T1", basis="guess")
    with pytest.raises(ValueError, match="not finite"):
        comparison_row("x", 1.0, float("nan"), 2, "T1")


@pytest.mark.parametrize("value, decimals", [(-0.000635, 6), (2.47, 2), (12.0, 0), (-1.576, 3), (1e-05, 5), (0.1, 1)])
def test_printed_decimals(value, decimals):
    assert printed_decimals(value) == decimals


@pytest.mark.parametrize("text, decimals", [("1.3760", 4), ("85.90", 2), ("12", 0), ("-0.000635", 6)])
def test_decimals_in_text(text, decimals):
    assert decimals_in_text(text) == decimals
