"""Inadmissible parameters of the generic kernels and malformed data files give clear errors (issue 7, item 2).

The bad-input tests sit beside each paper's tests (tests/<paper>/test_*_bad_inputs.py; the generic
kernels and ``read_table`` in tests/core/test_core_bad_inputs.py). What the three groups of checks
are, and the helpers (``case_id``, ``xfail``, ``fixed``, ...): tests/bad_input_cases.py; the
``data_copy`` fixture: tests/conftest.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from lib.core import fixed_point as kern_fp
from lib.core import frechet as kern_frechet
from lib.core import pareto as kern_pareto
from lib.core.data import read_table
from lib.core.errors import ConvergenceError

from bad_input_cases import case_id, fixed_decorator

# feeding bad values on purpose: numpy's RuntimeWarnings (log of a negative, ...) are expected noise here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


# ---------------------------------------------------------------------------------------------
# the generic kernels every chapter builds on (lib.core.fixed_point, lib.core.frechet, lib.core.pareto)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, word", ids=case_id, argvalues=[
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, damping=0.0), ValueError, "damping"),
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, damping=1.5), ValueError, "damping"),
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, tol=0.0), ValueError, "tol"),
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, max_iter=0), ValueError, "max_iter"),
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, method="newton"), ValueError, "method"),
    (lambda: kern_fp.solve_fixed_point(np.cos, float("nan")), ValueError, "x0"),
    # a map that leaves its domain, and a divergent map: ConvergenceError with residual, never NaN
    (lambda: kern_fp.solve_fixed_point(lambda x: np.sqrt(x - 5.0), 1.0), ConvergenceError, "non-finite"),
    (lambda: kern_fp.solve_fixed_point(lambda x: 2 * x + 1, 1.0, max_iter=50), ConvergenceError,
     r"residual .* after 50 iterations"),
    (lambda: kern_frechet.choice_probabilities(np.ones(3), 0.0), ValueError, "theta"),
    (lambda: kern_frechet.choice_probabilities(np.array([1.0, -1.0]), 2.0), ValueError, r"\bV\b"),
    (lambda: kern_frechet.choice_probabilities(np.array([1.0, float("nan")]), 2.0), ValueError, r"\bV\b"),
    (lambda: kern_frechet.frechet_mean_constant(1.0), ValueError, "theta"),
    (lambda: kern_frechet.expected_maximum(np.ones(3), 0.5), ValueError, "theta"),
    (lambda: kern_frechet.inclusive_value(np.ones(3), -1.0), ValueError, "theta"),
    (lambda: kern_frechet.draw_frechet(0.0, 5, rng=np.random.default_rng(0)), ValueError, "theta"),
    (lambda: kern_pareto.pareto_survival(2.0, 0.0), ValueError, r"\bk\b"),
    (lambda: kern_pareto.partial_moment(3.0, 2.0, 1.0, 1.0), ValueError, r"k = 2.0 must exceed"),
    (lambda: kern_pareto.partial_moment(1.0, 3.0, 1.0, 0.0), ValueError, "phi_min"),
    (lambda: kern_pareto.conditional_moment(3.0, 2.0, 1.0), ValueError, r"\bk\b"),
    (lambda: kern_pareto.draw_pareto(-1.0, 5, 1.0, np.random.default_rng(0)), ValueError, r"\bk\b"),
])
def test_generic_kernels_inadmissible(call, error, word):
    with pytest.raises(error, match=word):
        call()


@fixed_decorator("lib.core.validate.require_nonnegative([1.0, nan]) reports 'got min np.float64(1.0)' (np.nanmin skips the "
       "NaN that caused the error), so the message points at the wrong value")
def test_validate_nonnegative_message_shows_the_nan():
    from lib.core.validate import require_nonnegative

    with pytest.raises(ValueError, match="nan"):
        require_nonnegative("L_hat", np.array([1.0, float("nan")]))


# ---------------------------------------------------------------------------------------------
# malformed data files: lib.core.data.read_table
# ---------------------------------------------------------------------------------------------
GOOD_CSV = "# a comment line\nparameter,value,source\nsigma,3.8,\"Table 1, p. 3\"\nk,3.4,\"Table 1, p. 3\"\n"


def _write(tmp_path, text, name="table.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_read_table_accepts_a_good_file(tmp_path):
    df = read_table(str(_write(tmp_path, GOOD_CSV)), ["parameter", "value"], numeric_columns=["value"])
    assert list(df["value"]) == [3.8, 3.4]


@pytest.mark.parametrize("text, required, numeric, pattern", [
    # no source column
    ("parameter,value\nsigma,3.8\n", ["parameter", "value"], [], r"missing column\(s\) \['source'\]"),
    # a required column is missing (renamed)
    (GOOD_CSV.replace("parameter,value", "parameter,val"), ["parameter", "value"], ["value"], r"\['value'\]"),
    # a numeric column holds text
    (GOOD_CSV.replace("3.4", "three"), ["value"], ["value"], r"column 'value' has missing or non-numeric"),
    # a numeric column has a blank cell
    (GOOD_CSV.replace("3.4", ""), ["value"], ["value"], r"column 'value' has missing or non-numeric"),
    # a file with a header only is fine, but one without any header is not a table
    ("", [], [], r"No columns to parse"),
    # wrong shape: a row with one field too many (pandas' ParserError is a ValueError)
    (GOOD_CSV + "kappa,1.8,\"Table 1\",extra\n", [], [], r"Expected 3 fields in line \d+, saw 4"),
])
def test_read_table_malformed(tmp_path, text, required, numeric, pattern):
    p = _write(tmp_path, text)
    with pytest.raises(ValueError, match=pattern):
        read_table(str(p), required, numeric_columns=numeric)


def test_read_table_error_names_the_file(tmp_path):
    p = _write(tmp_path, "parameter,value\nsigma,3.8\n", name="my_table.csv")
    with pytest.raises(ValueError, match="my_table.csv"):
        read_table(str(p), ["value"])


def test_read_table_missing_file():
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        read_table("offshoring/no_such_table.csv")


@fixed_decorator("lib.core.data.read_table: a ragged row gives pandas' 'Error tokenizing data ... Expected 3 fields in "
       "line 6, saw 4' without the file's name (the column checks do name it)")
def test_read_table_ragged_row_names_the_file(tmp_path):
    p = _write(tmp_path, GOOD_CSV + "kappa,1.8,\"Table 1\",extra\n", name="ragged_table.csv")
    with pytest.raises(ValueError, match="ragged_table.csv"):
        read_table(str(p))
