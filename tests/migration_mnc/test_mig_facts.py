"""Tests for lib.migration_mnc.facts (Wang 2014, Sec. 2)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib.migration_mnc.facts import (
    bilaterality_index, decompose_gap, implied_high_skill_share, larger_stock_share,
    share_regression, simulate_firm_sample, stock_ratio_from_index, summarize_index)
from lib.core.data import read_table

MEANS = {"domestic": {"low": 0.0205, "high": 0.1964, "h": 0.1092},
         "foreign": {"low": 0.0113, "high": 0.2973, "h": 0.1552}}


def test_index_endpoints_and_symmetry():
    assert bilaterality_index(5.0, 5.0) == pytest.approx(1.0)
    assert bilaterality_index(5.0, 0.0) == pytest.approx(0.0)
    assert bilaterality_index(3.0, 7.0) == pytest.approx(bilaterality_index(7.0, 3.0))


def test_paper_reading_80_20():
    # paper Sec. 2.1: "around 40% ... 80 and ... 20"
    assert larger_stock_share(0.4) == pytest.approx(0.8)
    assert bilaterality_index(80.0, 20.0) == pytest.approx(0.4)


@settings(max_examples=25, deadline=None)
@given(st.floats(1e-3, 1e3), st.floats(1e-3, 1e3), st.floats(0.01, 100))
def test_lemma_inverse_and_scale_invariance(a, b, scale):
    bi = float(bilaterality_index(a, b))
    r = min(a, b) / max(a, b)
    assert stock_ratio_from_index(bi) == pytest.approx(r, rel=1e-9)
    assert larger_stock_share(bi) == pytest.approx(max(a, b) / (a + b), rel=1e-9)
    assert float(bilaterality_index(scale * a, scale * b)) == pytest.approx(bi, rel=1e-9)


def test_index_not_additive_across_groups():
    assert bilaterality_index(10.0, 1.0) == pytest.approx(2 / 11)
    assert bilaterality_index(11.0, 11.0) == pytest.approx(1.0)


def test_summarize_index_weighted_and_se():
    bi = np.array([1.0, 2 / 11])
    out = summarize_index(bi, stocks=[20.0, 1100.0])
    assert out["simple"] == pytest.approx(bi.mean())
    assert out["weighted"] == pytest.approx((20 * 1 + 1100 * 2 / 11) / 1120)
    assert out["se"] == pytest.approx(bi.std(ddof=1) / np.sqrt(2))


def test_table1_weighted_readings():
    t1 = read_table("migration_mnc/table1.csv", ["skill", "average", "sample", "value"], numeric_columns=["value"])
    assert len(t1) == 12
    assert t1["value"].between(0, 1).all()
    s = t1[t1["average"] == "simple"]
    assert s["se"].notna().all()


def test_implied_high_skill_share_roundtrip():
    h = implied_high_skill_share(0.0397, 0.0205, 0.1964)
    assert (1 - h) * 0.0205 + h * 0.1964 == pytest.approx(0.0397)
    assert 0.10 < h < 0.12


@settings(max_examples=25, deadline=None)
@given(*[st.floats(0.0, 1.0) for _ in range(6)])
def test_decomposition_adds_up(ld, hd, sd, lf, hf, sf):
    out = decompose_gap(ld, hd, sd, lf, hf, sf)
    assert out["within_skill"] + out["composition"] == pytest.approx(out["total"], abs=1e-12)


def test_synthetic_sample_reproducible_and_recovers_means():
    a = simulate_firm_sample(MEANS, 20000, 20000, 20.0, seed=1)
    b = simulate_firm_sample(MEANS, 20000, 20000, 20.0, seed=1)
    assert a.equals(b)
    res = share_regression(a, "high")
    assert res["const"] == pytest.approx(0.1964, abs=4 * res["const_se"])
    assert res["foreign"] == pytest.approx(0.2973 - 0.1964, abs=4 * res["foreign_se"])
    res_all = share_regression(a, "all")
    true_all = {t: (1 - m["h"]) * m["low"] + m["h"] * m["high"] for t, m in MEANS.items()}
    assert res_all["foreign_mean"] == pytest.approx(true_all["foreign"], abs=5 * res_all["foreign_se"])


def test_regression_equals_group_means():
    s = simulate_firm_sample(MEANS, 50, 30, 20.0, seed=4)
    res = share_regression(s, "low")
    assert res["const"] == pytest.approx(s.loc[s.foreign == 0, "low"].mean(), abs=1e-12)
    assert res["foreign_mean"] == pytest.approx(s.loc[s.foreign == 1, "low"].mean(), abs=1e-12)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="bi"):
        larger_stock_share(1.5)
    with pytest.raises(ValueError, match="high_share"):
        implied_high_skill_share(0.1, 0.2, 0.2)
    with pytest.raises(ValueError, match="high-skill share"):
        implied_high_skill_share(0.5, 0.0205, 0.1964)
    with pytest.raises(ValueError, match="concentration"):
        simulate_firm_sample(MEANS, 10, 10, -1.0)
    with pytest.raises(ValueError, match="n_foreign"):
        simulate_firm_sample(MEANS, 10, 1, 20.0)
    with pytest.raises(ValueError, match="column"):
        share_regression(simulate_firm_sample(MEANS, 10, 10, 20.0), "wage")
    with pytest.raises(ValueError, match="stocks"):
        summarize_index([0.5, 0.5], stocks=[1.0])
