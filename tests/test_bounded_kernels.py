"""Every kernel bounded (issue 15, item 1): work that does not grow with a float parameter,
documented size limits, finite results whenever a solver says it converged."""
from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import integrate
from scipy.special import expn

from lib.granular.hhi import exponential_integral, pareto_transforms, weighted_hhi


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 7.0, 10.0, 25.0, 39.0, 40.0, 41.0, 60.0, 200.0, 5000.0])
def test_exponential_integral_matches_expn_at_every_order(p):
    t = np.geomspace(1e-12, 3000.0, 120)
    ref = expn(int(p), t)
    keep = ref > 1e-300
    np.testing.assert_allclose(exponential_integral(p, t)[keep], ref[keep], rtol=5e-12)


@pytest.mark.parametrize("p", [0.3, 1.365, 2.5, 12.25, 47.5, 1e4 + 0.5])
def test_exponential_integral_non_integer_order_vs_quadrature(p):
    for t in [1e-6, 0.01, 0.7, 1.0, 3.0, 40.0]:
        with np.errstate(over="ignore", under="ignore"):
            # E_p(t) = int_0^inf exp(-t e^s - (p - 1) s) ds with x = e^s
            ref = integrate.quad(lambda s: np.exp(-t * np.exp(s) - (p - 1.0) * s), 0.0, np.inf,
                                 epsabs=0.0, epsrel=1e-12, limit=400)[0]
        assert exponential_integral(p, np.array([t]))[0] == pytest.approx(ref, rel=1e-8)


def test_exponential_integral_time_does_not_grow_with_the_order():
    """The old recurrence ran floor(p) times: p = 1e300 never ended (issue 15)."""
    t = np.geomspace(1e-17, 3000.0, 3000)
    start = time.perf_counter()
    for p in [1e3, 1e9, 1e300, 1.7e308]:
        E = exponential_integral(p, t)
        assert np.all(np.isfinite(E)) and np.all(E >= 0)
    assert time.perf_counter() - start < 1.0
    # large order: E_p(t) ~ exp(-t)/(t + p)
    np.testing.assert_allclose(exponential_integral(1e300, np.array([1.0]))[0], np.exp(-1.0) / 1e300, rtol=1e-12)


@pytest.mark.parametrize("p", [0.0, -1.0, np.nan, np.inf])
def test_exponential_integral_rejects_bad_order(p):
    with pytest.raises(ValueError, match=r"\bp\b"):
        exponential_integral(p, np.array([1.0]))


def test_huge_tail_index_tends_to_identical_firms():
    m = np.array([0.1, 3.0, 50.0])
    np.testing.assert_allclose(weighted_hhi(m, 1e300), weighted_hhi(m, np.inf), rtol=1e-9)
    np.testing.assert_allclose(weighted_hhi(m, 1e6), weighted_hhi(m, np.inf), rtol=1e-4)
    phi, one_minus, g = pareto_transforms(np.geomspace(1e-8, 100, 50), 1e200)
    assert np.all(np.isfinite(phi)) and np.all(np.isfinite(one_minus)) and np.all(np.isfinite(g))


# ---------------------------------------------------------------------------------------------
# no loop in lib/ runs a number of times set by a float parameter
# ---------------------------------------------------------------------------------------------
import ast  # noqa: E402
from pathlib import Path  # noqa: E402

LIB = Path(__file__).resolve().parents[1] / "lib"

#: Every ``while`` loop of the numerical code, with why it ends after a bounded number of steps.
#: (Book tooling -- lib/book, lib/rerun.py -- waits on processes and parses argv; not a kernel.)
BOUNDED_WHILE = {
    ("offshoring/statics.py", "i1 + 1 < n_scan and pos[i1 + 1]"): "walks at most n_scan <= MAX_SCAN grid points",
}


def _while_loops():
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB).as_posix()
        if rel.startswith("book/") or rel == "rerun.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.While):
                yield rel, ast.unparse(node.test)


def test_every_while_loop_in_the_kernels_is_known_to_be_bounded():
    """A ``while hi - lo > tol`` bisection never ends when tol is below the spacing of doubles
    (migration_mnc.policy.branch_end did that before issue 15); loops must count to a fixed bound."""
    found = set(_while_loops())
    unknown = found - set(BOUNDED_WHILE)
    assert not unknown, f"while loops without a stated bound: {sorted(unknown)}"


def test_range_loops_in_the_kernels_do_not_count_to_a_float():
    """``for _ in range(int(x))`` with x a float parameter (the old exponential-integral recurrence ran
    floor(p) times) is banned: ranges take ints, module constants or lengths."""
    offenders = []
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB).as_posix()
        if rel.startswith("book/") or rel == "rerun.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.For) and isinstance(node.iter, ast.Call) \
                    and getattr(node.iter.func, "id", "") == "range":
                src = ast.unparse(node.iter)
                if "floor(" in src or "ceil(" in src or "int(np." in src:
                    offenders.append(f"{rel}: {src}")
    assert not offenders, offenders
