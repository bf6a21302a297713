"""Robustness sweep of every chapter's main solver (issue 7, item 2, first half).

For each chapter, hypothesis draws *admissible* parameter vectors around the chapter's defaults
and every case must end in one of two ways:

* **solved**: the solver reports convergence, its residual is below the tolerance, an
  independent re-evaluation of the equilibrium conditions through other public functions agrees,
  and every output is finite (never NaN); or
* **raised** the module's documented error: its convergence error (``lib.core.errors.ConvergenceError``
  or the ``RuntimeError`` the module documents) for non-convergence, or a ``ValueError`` whose
  message is one the module documents for a jointly infeasible point (for example the granular
  model's stability condition ``eps < 1 - eta``).

Anything else -- a NaN, an unconverged result returned silently, an undocumented exception
type, an unrelated ``ValueError`` from numpy/scipy -- fails the test.  Each test prints
``robustness <chapter>: N cases, S solved, R raised`` straight to the terminal (so it shows
under ``pytest -q`` too) and stores the counts with ``record_property`` (JUnit XML).

Companions: every solver starved of iterations (or given an unreachable tolerance) raises with
its residual instead of returning; the foreign-employment synthetic base year (the input of the
hat solver) calibrates to an exact equilibrium at every small admissible size and across drawn
seeds, sizes and elasticities.

Under the default hypothesis profile ``ci`` the sweeps run derandomised, so a given pytest
invocation always draws the same cases (the ``draws`` digest printed with the counts is the same
on every run); ``pytest --hypothesis-profile=explore`` runs ten times the cases with random seeds,
so the digest differs from run to run.  (The
exact draws, hence the counts, can shift with which other test modules are collected in the same
process: hypothesis seeds its float generation with literal constants found in loaded modules.
Every draw must pass either way.)  Environment knobs for exploring: ``ROBUSTNESS_EXAMPLES=10``
multiplies every ``max_examples`` by 10 and draws fresh random cases; ``ROBUSTNESS_VERBOSE=1``
lists the distinct error messages behind the "raised" count, ``=2`` (with ``-s``) every raising
case, ``=3`` every case.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.core.errors import ConvergenceError

SCALE = float(os.environ.get("ROBUSTNESS_EXAMPLES", "1"))  # multiplies every max_examples
EXPLORE_FACTOR = 10  # as in conftest.py: the explore profile runs ten times the examples


def sweep_settings(n: int):
    """``n`` examples under the default profile ``ci`` (derandomised); under ``explore``
    ``EXPLORE_FACTOR`` times as many with random seeds (the profile's own derandomize=False is
    inherited, never hard-coded here); ``ROBUSTNESS_EXAMPLES`` multiplies further and also draws
    fresh random cases."""
    factor = EXPLORE_FACTOR if settings.get_current_profile_name() == "explore" else 1
    extra = {} if SCALE == 1 else {"derandomize": False}
    return settings(max_examples=max(1, int(n * SCALE * factor)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow], **extra)


class Tally:
    """Count the cases of one sweep and their outcomes."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self.solved = 0
        self.raised = Counter()
        self.messages = Counter()  # distinct error messages (numbers masked), for ROBUSTNESS_VERBOSE
        self._draws = hashlib.sha256()  # digest of every drawn case: equal on two ci runs, not on explore

    @property
    def n(self) -> int:
        return self.solved + sum(self.raised.values())

    def outcome(self, fn, allowed: dict, case=None):
        """Run ``fn()``; count it as solved, or as raised if the exception is documented.

        ``allowed`` maps an exception class to a regex its message must match.  Any other
        exception propagates and fails the test (hypothesis then shrinks the case).
        """
        if os.environ.get("ROBUSTNESS_VERBOSE") == "3":
            print(f"  case {case}")
        self._draws.update(repr(case).encode())
        try:
            fn()
        except tuple(allowed) as err:
            for cls, pattern in allowed.items():
                if isinstance(err, cls) and re.search(pattern, str(err)):
                    self.raised[type(err).__name__] += 1
                    self.messages[re.sub(r"[-+]?\d[\d.]*(e[-+]?\d+)?", "#", str(err))[:70]] += 1
                    if os.environ.get("ROBUSTNESS_VERBOSE") == "2":
                        print(f"  raised {type(err).__name__} for {case}: {str(err)[:100]}")
                    return "raised"
            raise
        self.solved += 1
        return "solved"

    @property
    def digest(self) -> str:
        """First 12 hex digits of a hash of every case drawn so far."""
        return self._draws.hexdigest()[:12]

    def report(self, capsys, record_property):
        line = (f"robustness {self.chapter}: {self.n} cases, {self.solved} solved, "
                f"{sum(self.raised.values())} raised"
                + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(self.raised.items()))})" if self.raised else "")
                + f"; draws {self.digest}")
        with capsys.disabled():
            print("\n" + line)
            if os.environ.get("ROBUSTNESS_VERBOSE"):
                for msg, count in self.messages.most_common():
                    print(f"    {count} x {msg}")
        record_property(f"robustness_{self.chapter}_cases", self.n)
        record_property(f"robustness_{self.chapter}_solved", self.solved)
        record_property(f"robustness_{self.chapter}_raised", sum(self.raised.values()))
        record_property(f"robustness_{self.chapter}_digest", self.digest)
        assert self.n > 0 and self.solved > 0, line


def all_finite(*arrays) -> bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=float))) for a in arrays)


def numbers_in(obj):
    """Every number in a nested dict/list of reported results (``None`` entries are skipped)."""
    if isinstance(obj, dict):
        for v in obj.values():
            yield from numbers_in(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from numbers_in(v)
    elif isinstance(obj, (bool, np.bool_, str)) or obj is None:
        return
    else:
        yield from np.asarray(obj, dtype=float).ravel().tolist()


# ---------------------------------------------------------------------------------------------
# offshoring: extended-model wage solver, vectorised sweep and equilibrium objects
# ---------------------------------------------------------------------------------------------
from lib import offshoring as off  # noqa: E402

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
# migration_mnc: the nine-unknown equilibrium solver, all four regimes
# ---------------------------------------------------------------------------------------------
from lib.migration_mnc import model as mig_model  # noqa: E402
from lib.migration_mnc import solver as mig_solver  # noqa: E402

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
# granular: HHI quadrature, wage elasticity and the spatial equilibrium in hats
# ---------------------------------------------------------------------------------------------
from lib.granular import hhi as gran_hhi  # noqa: E402
from lib.granular import quantitative as gran_q  # noqa: E402
from lib.granular import spatial as gran_sp  # noqa: E402

GRAN_ALLOWED = {
    ValueError: r"stable",  # Prop. 1 / App. A stability: eps < 1 - eta (wage_elasticity, conduct_curves)
    ConvergenceError: r"did not converge|non-finite",
}

gran_params = st.fixed_dictionaries(dict(
    eta=st.floats(0.05, 0.5), tail=st.floats(1.05, 3.0), kappa=st.floats(0.5, 6.0), nu=st.floats(0.5, 6.0),
    sigma2_N=st.floats(0.0, 0.5), sigma2_S=st.floats(0.0, 0.05)))


def test_granular_solvers_robust(capsys, record_property):
    tally = Tally("granular")
    m_grid = np.geomspace(1e-3, 1e3, 25)

    @sweep_settings(40)
    @given(d=gran_params, theta=st.floats(1.0, 8.0), n_zones=st.integers(3, 15),
           tau_w=st.floats(-0.1, 0.1), tau_pi=st.floats(-0.1, 0.1), seed=st.integers(0, 2**16))
    def check(d, theta, n_zones, tau_w, tau_pi, seed):
        eta = d["eta"]
        P = dict(eta=eta, lam=d["tail"] / eta, kappa=d["kappa"], nu=d["nu"],
                 sigma2_N=d["sigma2_N"], sigma2_S=d["sigma2_S"])

        def solve():
            # HHI (paper Lemma 4, eq. 11): in (0, 1], decreasing in m, 1 at m = 0
            H = gran_hhi.weighted_hhi(np.r_[0.0, m_grid], d["tail"])
            assert all_finite(H) and abs(H[0] - 1) < 1e-6 and np.all(np.diff(H) <= 1e-12) and np.all(H > 0)
            # wage-size elasticity (Prop. 1) at the productivity elasticity of Sec. 3.2
            eps = gran_q.productivity_elasticity_perfect(m_grid, **P)
            wel = gran_q.wage_elasticity(eps, eta)
            assert all_finite(eps, wel)  # the sign depends on kappa vs nu (Sec. 3.2), so only finiteness
            # spatial equilibrium in hats with random small subsidies
            curves = gran_sp.conduct_curves(**P, n_grid=60)
            zones = gran_sp.synthetic_zones(n_zones=n_zones)
            rng = np.random.default_rng(seed)
            tw = tau_w * rng.uniform(0, 1, n_zones)
            tp = tau_pi * rng.uniform(0, 1, n_zones)
            sol = gran_sp.solve_spatial_hat(curves, zones["population"], zones["m"], theta, tw, tp)
            assert sol.converged and sol.residual <= 1e-12
            assert all_finite(sol.population, sol.m, sol.wage_hat) and np.all(sol.m > 0)
            np.testing.assert_allclose(sol.population.sum(), zones["population"].sum(), rtol=1e-10)
            # independent check of free entry at the solution
            m_check = gran_sp.entry_given_population(curves, zones["m"], sol.population / zones["population"], tp)
            np.testing.assert_allclose(m_check, sol.m, rtol=1e-8)

        tally.outcome(solve, GRAN_ALLOWED, case=dict(theta=theta, n_zones=n_zones, **P))

    check()
    tally.report(capsys, record_property)


GRAN_COURNOT_ALLOWED = {
    **GRAN_ALLOWED,
    RuntimeError: r"newton_sector_batch did not converge: residual .* after \d+ iterations",
}


def test_granular_cournot_spatial_and_optimal_policy_robust(capsys, record_property):
    """Cournot conduct (the reconstructed Sec. 3.3 terms, on a small Monte Carlo table) and Prop. 4's policy."""
    from lib.granular.quantitative import cournot_sector_table

    tally = Tally("granular_cournot")

    @sweep_settings(10)
    @given(eta=st.floats(0.08, 0.3), tail=st.floats(1.1, 2.5), kappa=st.floats(1.0, 5.0),
           nu=st.floats(0.8, 3.0), sigma2_N=st.floats(0.02, 0.3), sigma2_S=st.floats(0.0, 0.01),
           theta=st.floats(1.5, 6.0), seed=st.integers(0, 2**16))
    def check(eta, tail, kappa, nu, sigma2_N, sigma2_S, theta, seed):
        P = dict(eta=eta, lam=tail / eta, kappa=kappa, nu=nu, sigma2_N=sigma2_N, sigma2_S=sigma2_S)

        def solve():
            table = cournot_sector_table(**P, n_max=60, n_sectors=30, n_dense=10, n_sparse=5, seed=seed)
            curves = gran_sp.conduct_curves(**P, conduct="cournot", table=table, n_grid=30)
            assert all_finite(curves.log_phi, curves.log_wage_bill, curves.log_G, curves.eps_G)
            zones = gran_sp.synthetic_zones(n_zones=8)
            pol = gran_sp.optimal_policy(curves, zones["population"], zones["m"], theta)
            sol = pol.solution
            assert pol.outer_residual < 1e-10 and sol.converged and sol.residual <= 1e-12
            assert all_finite(pol.tau_w, pol.tau_pi, sol.population, sol.m, sol.wage_hat)
            np.testing.assert_allclose(sol.population.sum(), zones["population"].sum(), rtol=1e-10)
            m_check = gran_sp.entry_given_population(curves, zones["m"], sol.population / zones["population"],
                                                     pol.tau_pi)
            np.testing.assert_allclose(m_check, sol.m, rtol=1e-8)

        tally.outcome(solve, GRAN_COURNOT_ALLOWED, case=dict(theta=theta, **P))

    check()
    tally.report(capsys, record_property)


# ---------------------------------------------------------------------------------------------
# foreign_employment: the hat-algebra solver on a small synthetic base year
# ---------------------------------------------------------------------------------------------
from lib.foreign_employment import base_year as fe_by  # noqa: E402
from lib.foreign_employment import counterfactuals as fe_cf  # noqa: E402
from lib.foreign_employment import hat as fe_hat  # noqa: E402

FE_ALLOWED = {ConvergenceError: r"residual .* > tol"}
FE_REGIONS = 6


@pytest.fixture(scope="module")
def fe_base():
    return fe_by.make_synthetic_base(n_regions=FE_REGIONS).base


def test_foreign_employment_hat_solver_robust(fe_base, capsys, record_property):
    tally = Tally("foreign_employment")
    base = fe_base
    native = np.asarray(base.group_k) == 0
    n_nat, n_for = int(native.sum()), int((~native).sum())

    @sweep_settings(50)
    @given(eta=st.floats(0.2, 3.0), zeta=st.floats(1.3, 6.0), xi=st.floats(1.5, 30.0),
           nat=st.lists(st.floats(0.8, 1.25), min_size=n_nat, max_size=n_nat),
           fgn=st.lists(st.one_of(st.just(0.0), st.floats(0.01, 3.0)), min_size=n_for, max_size=n_for))
    def check(eta, zeta, xi, nat, fgn):
        L_hat = np.empty(len(native))
        L_hat[native] = nat
        L_hat[~native] = fgn
        tol = 1e-10

        def solve():
            sol = fe_hat.solve_hat(base, L_hat, eta=eta, zeta=zeta, xi=xi, tol=tol)
            assert sol.converged and sol.residual <= 10 * tol, sol.residual
            assert all_finite(sol.w_hat, sol.P_hat, sol.U_hat, sol.L_new, sol.Y_new, sol.X_new, sol.pi_new,
                              sol.E_new, sol.VA_new, sol.p_occ_hat)
            # worker masses add up; trade shares stay on the simplex
            np.testing.assert_allclose(sol.L_new.sum(axis=(0, 2)), base.L_g * L_hat, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(sol.pi_new.sum(axis=1), 1.0, atol=1e-9)
            # independent re-evaluation of (H1)-(H16) at the returned prices
            again = fe_hat.evaluate_hat(base, sol.x, L_hat, eta=eta, zeta=zeta, xi=xi)
            assert again.residual <= 10 * tol
            # the reported headline numbers (welfare, GDP, real wages by prefecture) are finite
            reported = list(numbers_in(fe_cf.summary(base, sol)))
            assert reported and all_finite(reported)

        tally.outcome(solve, FE_ALLOWED, case=dict(eta=eta, zeta=zeta, xi=xi, L_hat=L_hat.tolist()))

    check()
    tally.report(capsys, record_property)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow on the way to the documented error
def test_foreign_employment_tiny_foreign_mass_raises_documented_error(fe_base):
    native = np.asarray(fe_base.group_k) == 0
    L_hat = np.ones(len(native))
    L_hat[~native] = [1e-200] + [0.0] * (int((~native).sum()) - 1)
    try:
        sol = fe_hat.solve_hat(fe_base, L_hat, eta=3.0, zeta=4.2, xi=1.5, tol=1e-10)
    except ConvergenceError:
        return
    assert sol.converged and all_finite(sol.w_hat, sol.U_hat)


# n_regions = 2 and 3 used to fail (every prefecture was one the paper quotes, so the quoted shares
# could not add up to one); base_year now matches them relative to each other in that case.
@pytest.mark.parametrize("n_regions", [2, 3, 4, 5])
def test_foreign_employment_small_bases_are_exact(n_regions):
    """Every admissible size of the synthetic base (``n_regions`` in [2, 1000]) calibrates to an exact equilibrium."""
    sb = fe_by.make_synthetic_base(n_regions=n_regions)
    assert max(sb.hat_residual, sb.level_residual) < 1e-10
    assert sb.base.dims[0] == n_regions


# ---------------------------------------------------------------------------------------------
# a starved solver raises with its residual: it never hands back an unconverged answer
# ---------------------------------------------------------------------------------------------
def _starved_offshoring():
    return off.solve_extended(0.8, off.Params(), tol=1e-30)


def _starved_migration():
    return mig_solver.solve_equilibrium(mig_model.WangParameters(), tol=1e-30)


def _starved_granular():
    P = dict(eta=0.13, lam=10.5, kappa=2.48, nu=1.46, sigma2_N=0.14, sigma2_S=0.002)
    curves = gran_sp.conduct_curves(**P, n_grid=60)
    zones = gran_sp.synthetic_zones(n_zones=10)
    return gran_sp.solve_spatial_hat(curves, zones["population"], zones["m"], 3.0,
                                     tau_w=np.linspace(0.0, 0.1, 10), max_iter=2)


def _starved_foreign_employment():
    base = fe_by.make_synthetic_base(n_regions=4, calibrate=False).base
    L_hat = np.where(np.asarray(base.group_k) == 0, 1.0, 0.0)  # autarky
    return fe_hat.solve_hat(base, L_hat, eta=0.644, zeta=2.95, xi=12.3, max_iter=2)


@pytest.mark.parametrize("starve, error, pattern", [
    (_starved_offshoring, RuntimeError, r"residual .* after \d+ iterations"),
    (_starved_migration, ConvergenceError, r"max \|log residual\| = .* after \d+ evaluations"),
    (_starved_granular, ConvergenceError, r"residual .* after 2 iterations"),
    (_starved_foreign_employment, ConvergenceError, r"residual .* after 2 iterations"),
], ids=["offshoring", "migration_mnc", "granular", "foreign_employment"])
def test_starved_solver_raises_with_residual(starve, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        starve()
    if isinstance(info.value, ConvergenceError):
        assert np.isfinite(info.value.iterations) and info.value.iterations >= 1
        assert info.value.residual > 0


FE_BASE_ALLOWED = {
    # make_synthetic_base's documented failures (Raises section)
    RuntimeError: r"calibration did not reach target_tol|not an exact equilibrium|residual .* > tol",
}


def test_foreign_employment_synthetic_base_robust(capsys, record_property):
    """The calibrated synthetic base year across seeds, sizes and elasticities: exact, or the documented error."""
    tally = Tally("foreign_employment_base")

    @sweep_settings(8)
    @given(seed=st.integers(0, 2**31 - 1), n_regions=st.integers(2, 9), eta=st.floats(0.3, 2.0),
           zeta=st.floats(2.0, 5.0), xi=st.floats(3.0, 25.0))
    def check(seed, n_regions, eta, zeta, xi):
        def solve():
            sb = fe_by.make_synthetic_base(seed, n_regions, eta=eta, zeta=zeta, xi=xi)
            assert max(sb.hat_residual, sb.level_residual) < 1e-10
            assert sb.calibration["target_error"] < 1e-8
            assert sb.base.dims[0] == n_regions
            b = sb.base
            assert all_finite(b.L_rgo, b.wbar, b.pi, b.Y, b.X, b.E, b.chi)
            b.validate()  # shares on the simplex, positive wages

        tally.outcome(solve, FE_BASE_ALLOWED, case=dict(seed=seed, n_regions=n_regions, eta=eta, zeta=zeta, xi=xi))

    check()
    tally.report(capsys, record_property)
