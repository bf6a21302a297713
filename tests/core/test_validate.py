"""Tests of lib.core.validate and lib.core.data: errors name the parameter and range."""
import numpy as np
import pytest

from lib.core import validate
from lib.core.data import read_table


def test_in_range_accepts_and_rejects():
    assert validate.require_in_range("eta", 0.5, 0, 1) == 0.5
    with pytest.raises(ValueError, match=r"eta = 1.0 is outside its admissible range \(0, 1\)"):
        validate.require_in_range("eta", 1.0, 0, 1)
    assert validate.require_in_range("eta", 1.0, 0, 1, high_inclusive=True) == 1.0
    with pytest.raises(ValueError, match="eta"):
        validate.require_in_range("eta", float("nan"), 0, 1)
    with pytest.raises(ValueError, match="real number"):
        validate.require_in_range("eta", "abc", 0, 1)


def test_positive_nonnegative_greater():
    validate.require_positive("L", np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="L must be positive"):
        validate.require_positive("L", np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="endowment"):
        validate.require_nonnegative("endowment", [-1.0])
    with pytest.raises(ValueError, match=r"k = 2.0 must exceed sigma - 1 = 2.8"):
        validate.require_greater("k", 2.0, 2.8, "sigma - 1")


def test_shares():
    s = validate.require_shares("pi", [[0.2, 0.8], [0.5, 0.5]], axis=1)
    assert s.shape == (2, 2)
    with pytest.raises(ValueError, match="pi must sum to one"):
        validate.require_shares("pi", [0.2, 0.7])
    with pytest.raises(ValueError, match="non-negative"):
        validate.require_shares("pi", [1.2, -0.2])


def test_shape_and_finite():
    validate.require_shape("X", np.zeros((3, 4)), (3, None))
    with pytest.raises(ValueError, match=r"X has shape \(3, 4\)"):
        validate.require_shape("X", np.zeros((3, 4)), (4, None))
    with pytest.raises(ValueError, match="NaN"):
        validate.require_finite("x", [1.0, np.nan])


def test_read_table_requires_source_and_columns(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("# a comment\nname,value,source\na,1.5,Table 1 p.3\n")
    df = read_table(str(good), ["value"], numeric_columns=["value"])
    assert df["value"].iloc[0] == 1.5
    nosource = tmp_path / "nosource.csv"
    nosource.write_text("name,value\na,1\n")
    with pytest.raises(ValueError, match="missing column"):
        read_table(str(nosource))
    with pytest.raises(ValueError, match="missing column.*'other'"):
        read_table(str(good), ["other"])
    bad = tmp_path / "bad.csv"
    bad.write_text("name,value,source\na,x,T1\n")
    with pytest.raises(ValueError, match="non-numeric"):
        read_table(str(bad), numeric_columns=["value"])
