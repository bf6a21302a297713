"""Robustness sweep of the migration_mnc chapter's nine-unknown equilibrium solver, all four regimes (issue 7, item 2, first half).

Admissible parameter draws must be solved (converged, residual below tolerance, checked
independently, finite) or raise the documented error; see tests/robustness_sweep.py for the
counts printed, the hypothesis profiles and the ROBUSTNESS_* knobs.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core.errors import ConvergenceError
from lib.migration_mnc import model as mig_model
from lib.migration_mnc import solver as mig_solver

from robustness_sweep import Tally, all_finite, check_starved, numbers_in, sweep_settings


MIG_ALLOWED = {ConvergenceError: r"not found at .*: max \|log residual\||is not finite"}


def _wang(d):
    base = mig_model.WangParameters()
    return base.with_changes(
        sigma=d["sigma"], kappa=(d["sigma"] - 1.0) * d["kappa_ratio"], rho=d["rho"], gamma=d["gamma"],
        Gamma=d["Gamma"], alpha=d["alpha"], fI=d["fI"], delta=d["delta"],
        H=base.H * np.array(d["H_scale"]), L=base.L * np.array(d["L_scale"]),
        tau=np.array([[1.0, d["tau"][0]], [d["tau"][1], 1.0]]),
        t=np.array([[1.0, d["t"][0]], [d["t"][1], 1.0]]),
        xi=np.array([[1.0, d["xi"][0]], [d["xi"][1], 1.0]]),
        zeta=np.array([[1.0, d["zeta"][0]], [d["zeta"][1], 1.0]]))


pair = lambda lo, hi: st.tuples(st.floats(lo, hi), st.floats(lo, hi))  # noqa: E731
wang_params = st.fixed_dictionaries(dict(
    sigma=st.floats(2.2, 3.5), kappa_ratio=st.floats(1.02, 1.5), rho=st.floats(1.3, 3.5),
    gamma=st.floats(8.0, 60.0), Gamma=st.floats(4.0, 25.0), alpha=st.floats(0.5, 0.85),
    fI=st.floats(50.0, 120.0), delta=st.floats(0.04, 0.12),
    H_scale=pair(0.8, 1.25), L_scale=pair(0.8, 1.25), tau=pair(1.0, 1.6), t=pair(1.2, 2.0),
    xi=pair(0.6, 1.0), zeta=pair(0.6, 1.0)))


def test_migration_equilibrium_solver_robust(capsys, record_property):
    tally = Tally("migration_mnc")

    @sweep_settings(100)
    @given(d=wang_params, regime_key=st.sampled_from(sorted(mig_model.REGIMES)),
           m2=st.floats(0.3, 0.9))
    def check(d, regime_key, m2):
        par = _wang(d)
        regime = mig_model.REGIMES[regime_key]
        fix_M2 = None if regime.mnc else m2

        def solve():
            res = mig_solver.solve_equilibrium(par, regime, fix_M2=fix_M2)
            assert res.converged and res.residual < 1e-10, res.residual
            # independent re-evaluation of the log residuals at the returned unknowns
            mask = mig_solver.active_unknowns(regime, fix_M2 is not None)
            r = mig_solver.residuals(res.x[mask], res.x, mask, par, regime)
            assert np.max(np.abs(r)) < 1e-9
            o = res.objects
            assert all_finite(res.x, o.s, o.u, o.M, o.P, o.R, o.H_demand, o.L_demand, o.phibar, o.chi)
            assert np.all(o.M > 0) and np.all(o.P > 0)
            # labour markets clear by country of birth
            np.testing.assert_allclose(o.H_demand.sum(axis=(0, 1)), par.H, rtol=1e-8)
            np.testing.assert_allclose(o.L_demand.sum(axis=(0, 1)), par.L, rtol=1e-8)
            # the reported Table 4/5 objects (normalised by the US autarky equilibrium) are finite
            reported = list(numbers_in(mig_solver.outcomes(res)))
            assert reported and all_finite(reported)

        tally.outcome(solve, MIG_ALLOWED, case=dict(regime=regime_key, fix_M2=fix_M2, **d))

    check()
    tally.report(capsys, record_property)


# ---------------------------------------------------------------------------------------------
# a starved solver raises with its residual: it never hands back an unconverged answer
# ---------------------------------------------------------------------------------------------
def _starved_migration():
    return mig_solver.solve_equilibrium(mig_model.WangParameters(), tol=1e-30)


@pytest.mark.parametrize("starve, error, pattern", [
    (_starved_migration, ConvergenceError, r"max \|log residual\| = .* after \d+ evaluations"),
], ids=["migration_mnc"])
def test_starved_solver_raises_with_residual(starve, error, pattern):
    check_starved(starve, error, pattern)
