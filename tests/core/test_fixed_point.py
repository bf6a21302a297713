"""Tests of lib.core.fixed_point: closed-form fixed points, acceleration, failure modes."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib.core.fixed_point import ConvergenceError, solve_fixed_point


def test_cosine_fixed_point_matches_known_value():
    res = solve_fixed_point(np.cos, 1.0, tol=1e-13)
    assert res.converged
    assert abs(res.x - 0.7390851332151607) < 1e-12
    assert res.residual <= 1e-13
    assert len(res.residual_history) == res.iterations


@settings(max_examples=30, deadline=None)
@given(a=st.floats(-0.95, 0.95), b=st.floats(-10, 10), damping=st.floats(0.2, 1.0))
def test_affine_map_closed_form(a, b, damping):
    """x = a x + b has the fixed point b / (1 - a) for |a| < 1."""
    res = solve_fixed_point(lambda x: a * x + b, 0.0, damping=damping, tol=1e-11, max_iter=100_000)
    assert res.x == pytest.approx(b / (1 - a), abs=1e-8)


def test_anderson_is_faster_than_plain_iteration_on_linear_system():
    rng = np.random.default_rng(0)
    n = 50
    A = rng.uniform(size=(n, n))
    A *= 0.95 / np.abs(np.linalg.eigvals(A)).max()
    b = rng.normal(size=n)
    exact = np.linalg.solve(np.eye(n) - A, b)
    plain = solve_fixed_point(lambda x: A @ x + b, np.zeros(n), tol=1e-10, max_iter=100_000)
    fast = solve_fixed_point(lambda x: A @ x + b, np.zeros(n), tol=1e-10, method="anderson")
    np.testing.assert_allclose(fast.x, exact, atol=1e-8)
    np.testing.assert_allclose(plain.x, exact, atol=1e-8)
    assert fast.iterations < plain.iterations / 3


def test_shape_is_preserved():
    res = solve_fixed_point(lambda x: 0.5 * x + 1.0, np.zeros((2, 3)))
    assert res.x.shape == (2, 3)
    np.testing.assert_allclose(res.solution, 2.0)


def test_non_convergence_raises_with_residual_and_iterations():
    with pytest.raises(ConvergenceError, match=r"residual .* after 50 iterations") as info:
        solve_fixed_point(lambda x: 2.0 * x + 1.0, 1.0, max_iter=50)
    assert info.value.iterations == 50
    assert info.value.residual > 1.0


def test_non_convergence_can_return_unconverged_result_when_asked():
    res = solve_fixed_point(lambda x: -x + 1.0, 0.0, max_iter=20, raise_on_failure=False)
    assert not res.converged
    assert res.iterations == 20


def test_non_finite_map_raises_not_nan():
    with pytest.raises(ConvergenceError, match="non-finite"):
        with np.errstate(invalid="ignore"):
            solve_fixed_point(lambda x: np.log(x - 10.0), 1.0)


@pytest.mark.parametrize("kwargs, name", [({"damping": 0.0}, "damping"), ({"damping": 1.5}, "damping"),
                                          ({"tol": -1.0}, "tol"), ({"max_iter": 0}, "max_iter"),
                                          ({"method": "newton"}, "method")])
def test_bad_options_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        solve_fixed_point(np.cos, 1.0, **kwargs)
