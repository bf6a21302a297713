"""Check the reconstructed second-order output formula (E17) against exact nonlinear sector equilibria.

For any conduct, output relative to the no-shock state is log Phi = 1/2 (s2N + s2S) + (1 - eta) *
[C - 1/2 ((eta + 1/kappa) V_n + (1/nu - 1/kappa) V_s)] (second order). Here we solve the exact sector
equilibria (batched Newton) for many sectors and antithetic shock states, impose the economy-wide
labor constraint E[(l^C_s / lbar_s)^((1+nu)/nu)] = 1 through the common wage index W, and compare.
"""
from __future__ import annotations

import numpy as np
import pytest

from lib.granular.quantitative import exact_log_phi_coefficient, sector_quadratic_terms

ETA, KAPPA, NU, S2N, S2S = 0.13, 2.48, 1.46, 0.14, 0.002


def _exact_log_phi(sh, u, h, conduct):
    return exact_log_phi_coefficient(sh, u, h, ETA, KAPPA, NU, conduct) * h ** 2


@pytest.mark.parametrize("conduct", ["perfect", "cournot"])
def test_E17_matches_exact_equilibrium(conduct):
    rng = np.random.default_rng(12)
    R, S, N = 60, 300, 3
    sh = rng.dirichlet(np.ones(N) * 0.8, size=R)
    u = np.sqrt(S2N) * rng.standard_normal((R, S, N)) + np.sqrt(S2S) * rng.standard_normal((R, S, 1))
    C, Vn, Vs = sector_quadratic_terms(sh, ETA, KAPPA, NU, S2N, S2S, conduct)
    e17 = 0.5 * (S2N + S2S) + (1 - ETA) * np.mean(C - 0.5 * ((ETA + 1 / KAPPA) * Vn + (1 / NU - 1 / KAPPA) * Vs))
    h = 0.02
    exact = _exact_log_phi(sh, u, h, conduct) / h ** 2
    assert exact == pytest.approx(e17, rel=0.01)


def test_cournot_minus_pc_gap_matches_E17():
    # common random numbers: sampling noise cancels in the difference, so the tolerance can be tight
    rng = np.random.default_rng(14)
    R, S, N = 60, 300, 3
    sh = rng.dirichlet(np.ones(N) * 0.8, size=R)
    u = np.sqrt(S2N) * rng.standard_normal((R, S, N)) + np.sqrt(S2S) * rng.standard_normal((R, S, 1))
    core = {}
    for c in ("perfect", "cournot"):
        C, Vn, Vs = sector_quadratic_terms(sh, ETA, KAPPA, NU, S2N, S2S, c)
        core[c] = (1 - ETA) * np.mean(C - 0.5 * ((ETA + 1 / KAPPA) * Vn + (1 / NU - 1 / KAPPA) * Vs))
    h = 0.01
    gap_exact = (_exact_log_phi(sh, u, h, "cournot") - _exact_log_phi(sh, u, h, "perfect")) / h ** 2
    assert gap_exact < 0
    assert gap_exact == pytest.approx(core["cournot"] - core["perfect"], rel=0.05)


def test_cournot_loses_output_relative_to_pc():
    rng = np.random.default_rng(13)
    R, S, N = 60, 300, 2
    sh = rng.dirichlet(np.ones(N), size=R)
    u = np.sqrt(S2N) * rng.standard_normal((R, S, N)) + np.sqrt(S2S) * rng.standard_normal((R, S, 1))
    h = 0.02
    assert _exact_log_phi(sh, u, h, "cournot") < _exact_log_phi(sh, u, h, "perfect")
