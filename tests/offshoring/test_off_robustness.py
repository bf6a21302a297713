"""Robustness sweep of the offshoring chapter's extended-model wage solver, vectorised sweep and equilibrium objects (issue 7, item 2, first half).

Admissible parameter draws must be solved (converged, residual below tolerance, checked
independently, finite) or raise the documented error; see tests/robustness_sweep.py for the
counts printed, the hypothesis profiles and the ROBUSTNESS_* knobs.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib import offshoring as off

from robustness_sweep import Tally, all_finite, check_starved, sweep_settings


OFF_ALLOWED = {
    # solve_extended's documented ValueErrors (Raises section) and its residual-check RuntimeError
    ValueError: r"no equilibrium with w > 0 at alpha = 1|equilibrium unskilled wage is below 1e-300",
    RuntimeError: r"residual .* after \d+ (iterations|bisections)",
}

off_params = st.builds(
    lambda sigma, k_ratio, f, H, l_ratio, E: dict(sigma=sigma, k=(sigma - 1.0) * k_ratio, f=f, H_bar=H,
                                                  L_bar=H * l_ratio, E_bar=E),
    sigma=st.floats(1.5, 8.0), k_ratio=st.floats(1.02, 3.0), f=st.floats(0.01, 1.0),
    H=st.floats(20.0, 500.0), l_ratio=st.floats(0.3, 0.995), E=st.floats(100.0, 20000.0))


def test_offshoring_extended_solver_robust(capsys, record_property):
    tally = Tally("offshoring")

    @sweep_settings(150)
    @given(kw=off_params, alpha=st.one_of(st.floats(0.05, 0.999), st.just(1.0)),
           lo=st.floats(0.2, 0.6), hi=st.floats(0.7, 0.995))
    def check(kw, alpha, lo, hi):
        p = off.Params(**kw)  # admissible by construction: no ValueError here

        def solve():
            s = off.solve_extended(alpha, p)
            assert s.converged and s.residual < 1e-9, s
            assert all_finite(s.v, s.w) and s.v > 0 and s.w > 0
            if alpha < 1.0:
                # independent check with other public functions: (22a) v = v(w) and W(w) = 0
                assert abs(off.extended_v_of_w(s.w, alpha, p) / s.v - 1) < 1e-7
                gamma = p.L_bar / (alpha * p.rho * p.E_bar)
                assert abs(off.extended_excess_demand(s.w, alpha, p)) < 1e-7 * gamma
            eq = off.equilibrium(alpha, p)
            assert all_finite(*[v for v in eq.values() if not isinstance(v, bool)]), eq
            # the vectorised sweep used for Figure 3
            grid = np.linspace(lo, hi, 7)
            v, w, res = off.solve_extended_path(grid, p)
            assert res < 1e-9 and all_finite(v, w) and np.all(v > 0) and np.all(w > 0)
            # Figure 3's turning points: finite, inside the scanned interval
            tp = off.turning_points(p, alpha_lo=lo, alpha_hi=hi, n_scan=30)
            assert set(tp) == {"w", "v", "ratio", "U"}
            for roots in tp.values():
                assert all(np.isfinite(r) and lo <= r <= hi for r in roots), tp

        tally.outcome(solve, OFF_ALLOWED, case=dict(alpha=alpha, **kw))

    check()
    tally.report(capsys, record_property)


# ---------------------------------------------------------------------------------------------
# a starved solver raises with its residual: it never hands back an unconverged answer
# ---------------------------------------------------------------------------------------------
def _starved_offshoring():
    return off.solve_extended(0.8, off.Params(), tol=1e-30)


@pytest.mark.parametrize("starve, error, pattern", [
    (_starved_offshoring, RuntimeError, r"residual .* after \d+ iterations"),
], ids=["offshoring"])
def test_starved_solver_raises_with_residual(starve, error, pattern):
    check_starved(starve, error, pattern)
