"""Tests of lib/offshoring/decomposition.py: the channel decomposition of outsourcing (issue 18)."""
from __future__ import annotations

import numpy as np
import pytest

from lib import offshoring as off
from lib.offshoring import decomposition as dec

FIG3 = off.Params()
BASE = off.Params(L_bar=90.0)


@pytest.mark.parametrize("alpha", [0.6, 0.8, 0.9, 0.97])
def test_channel_system_reproduces_extended_model(alpha):
    s = off.solve_extended(alpha, FIG3)
    r = dec.solve_channels(alpha, alpha, FIG3, x0=np.log([1.1 * s.v, 0.9 * s.w]))
    np.testing.assert_allclose([r["v"], r["w"]], [s.v, s.w], rtol=1e-10)
    e = off.equilibrium(alpha, FIG3)
    np.testing.assert_allclose(r["U"], e["U"], rtol=1e-10)


@pytest.mark.parametrize("alpha", [0.8, 0.97])
def test_all_channels_off_gives_zero_change(alpha):
    d = dec.decompose_outsourcing(alpha, -0.01, FIG3, switched_off=dec.CHANNELS)
    assert np.max(np.abs(d.to_numpy())) < 1e-12


def test_zero_shock_gives_zero_change():
    d = dec.decompose_outsourcing(0.9, 0.0, FIG3)
    assert np.max(np.abs(d.to_numpy())) < 1e-12


@pytest.mark.parametrize("alpha", [0.7, 0.8, 0.97])
def test_shift_channels_add_up_to_second_order(alpha):
    """input_share + composite_cost = total up to an interaction that is O(d_alpha^2)."""
    inter = []
    for da in (-0.004, -0.002, -0.001):
        d = dec.decompose_outsourcing(alpha, da, FIG3)
        inter.append(abs(d.loc["interaction", "dln_v"]) + abs(d.loc["interaction", "dln_w"]))
        np.testing.assert_allclose(d.loc["input_share + composite_cost"] + d.loc["interaction"],
                                   d.loc["total"], atol=1e-14)
    # halving the step divides the interaction by about four
    assert inter[1] / inter[0] == pytest.approx(0.25, abs=0.05)
    assert inter[2] / inter[1] == pytest.approx(0.25, abs=0.05)


def test_total_matches_direct_resolve():
    a0, da = 0.8, -0.01
    d = dec.decompose_outsourcing(a0, da, FIG3)
    e0, e1 = off.equilibrium(a0, FIG3), off.equilibrium(a0 + da, FIG3)
    np.testing.assert_allclose(d.loc["total", "dln_v"], np.log(e1["v"] / e0["v"]), rtol=1e-9)
    np.testing.assert_allclose(d.loc["total", "dln_U"], np.log(e1["U"] / e0["U"]), rtol=1e-9)


def test_welfare_moves_only_through_reallocation():
    """U = phi_tilde (H - f M): with the firm mass fixed, welfare cannot move (Sec. 2.7, App. B)."""
    for a in (0.8, 0.97):
        d = dec.decompose_outsourcing(a, -0.01, FIG3)
        assert d.loc["reallocation", "dln_U"] == pytest.approx(d.loc["total", "dln_U"], abs=1e-13)


def test_regime_signs_of_channels():
    """Baseline-like regime: input-share channel dominates; reversed regime: composite-cost channel."""
    lo = dec.decompose_outsourcing(0.8, -0.01, FIG3)
    hi = dec.decompose_outsourcing(0.97, -0.01, FIG3)
    assert lo.loc["total", "dln_ratio"] > 0 > hi.loc["total", "dln_ratio"]
    assert abs(lo.loc["input_share", "dln_v"]) > abs(lo.loc["composite_cost", "dln_v"])
    assert abs(hi.loc["composite_cost", "dln_v"]) > abs(hi.loc["input_share", "dln_v"])


def test_unknown_channel_raises():
    with pytest.raises(ValueError, match="unknown channels"):
        dec.decompose_outsourcing(0.8, -0.01, FIG3, switched_off=["prices"])


def test_baseline_terms_add_up():
    a = np.linspace(0.93, 0.99, 7)
    t = dec.baseline_channel_terms(a, BASE)
    np.testing.assert_allclose(t["dw_demand"] + t["dw_via_v"], t["dw"], rtol=1e-12)
    np.testing.assert_allclose(t["dlnU_demand"] + t["dlnU_reallocation"], t["dlnU"], rtol=1e-12)
    assert np.all(t["dw_demand"] > 0) and np.all(t["dw_via_v"] > 0)


def test_claims_audit_file():
    """data/offshoring/claims_audit.csv: the fact audit of issue 18, every verdict correct or fixed."""
    import pandas as pd
    from pathlib import Path
    d = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "offshoring" / "claims_audit.csv")
    assert list(d.columns) == ["page", "claim", "paper_location", "verdict", "note"]
    assert set(d["verdict"]) <= {"correct", "fixed"} and (d["verdict"] == "fixed").any()
    assert d[["page", "claim", "paper_location"]].notna().all().all()
