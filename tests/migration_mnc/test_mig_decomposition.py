"""Tests of lib/migration_mnc/decomposition.py: channels of opening to migration (issue 18)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.migration_mnc import model as mm
from lib.migration_mnc import decomposition as dec

PAR = mm.table3_parameters()


@pytest.fixture(scope="module")
def table3_decomposition():
    return dec.openness_decomposition(PAR)


def test_full_model_reproduces_table5_gains(table3_decomposition):
    """Full model = 'MNCs only' -> 'Migration & MNCs' of Table 5 (gains 0.3-0.6%, footnote 5)."""
    d = table3_decomposition.loc["full model"]
    gains = d[[c for c in d.index if c.startswith("real wage")]]
    assert 0.25 < gains.min() < 0.35 and 0.55 < gains.max() < 0.6
    assert d["BI H"] == pytest.approx(0.5309, abs=2e-4) and d["BI L"] == pytest.approx(0.3774, abs=2e-4)


def test_no_shock_gives_zero_change():
    """All channels of a zero shock: migration open before and after -> every effect is zero."""
    d = dec.openness_decomposition(PAR, before=True, after=True)
    cols = [c for c in d.columns if c.startswith(("real wage", "GDP"))]
    assert np.max(np.abs(d[cols].to_numpy())) < 1e-9


def test_channel_already_off_contributes_nothing():
    """Switching compatibility off in an economy without compatibility differences changes nothing."""
    d = dec.openness_decomposition(dec.switch_off_compatibility(PAR))
    row = d.loc["contribution: compatibility"].to_numpy(dtype=float)
    assert np.max(np.abs(row)) < 1e-9
    assert np.max(np.abs(d.loc["overlap"].to_numpy(dtype=float))) < 1e-9


def test_adding_up_identity(table3_decomposition):
    d = table3_decomposition
    lhs = d.loc["full model"]
    rhs = (d.loc["neither"] + d.loc["contribution: multinationals"] + d.loc["contribution: compatibility"]
           - d.loc["overlap"])
    np.testing.assert_allclose(lhs.to_numpy(float), rhs.to_numpy(float), rtol=1e-12, atol=1e-12)


def test_no_mnc_numbers_depend_on_the_pin():
    """Without MNCs the equilibrium is indeterminate: the pinned M_CA changes the sign of US wage effects."""
    a = dec.openness_effect(PAR, mnc=False)
    b = dec.openness_effect(PAR, mnc=False, M2_autarky=0.55, M2_migration=0.55)
    assert a["real wage L_US"] < 0 < b["real wage L_US"]


def test_claims_audit_file():
    d = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "migration_mnc" / "claims_audit.csv")
    assert list(d.columns) == ["page", "claim", "paper_location", "verdict", "note"]
    assert set(d["verdict"]) <= {"correct", "fixed"} and (d["verdict"] == "fixed").any()
    assert d[["page", "claim", "paper_location"]].notna().all().all()


def test_gdp_channels_add_up_and_match_the_paper_signs():
    from lib.migration_mnc import solver as sv
    a = sv.solve_equilibrium(PAR, mm.REGIMES["mnc_only"])
    b = sv.solve_equilibrium(PAR, mm.REGIMES["migration_and_mnc"])
    d = dec.gdp_channels(a, b)
    np.testing.assert_allclose(d.loc[["varieties", "productivity", "income"]].sum(), d.loc["total"], rtol=1e-12)
    oa, ob = sv.outcomes(a), sv.outcomes(b)
    for c in ("US", "CA"):
        np.testing.assert_allclose(d.loc["total", c], 100 * np.log(ob["gdp_per_capita"][c] / oa["gdp_per_capita"][c]),
                                   rtol=1e-10)
        np.testing.assert_allclose(d.loc["productivity", c], 100 * np.log(
            ob["aggregate_productivity"][c] / oa["aggregate_productivity"][c]), rtol=1e-10)
    # Section 5.2.1: the US gains from varieties and productivity, Canada from varieties but loses productivity
    assert d.loc["varieties"].min() > 0 and d.loc["productivity", "US"] > 0 > d.loc["productivity", "CA"]
    same = dec.gdp_channels(b, b)
    assert np.max(np.abs(same.to_numpy())) < 1e-12
