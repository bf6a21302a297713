"""The safeguarded Anderson solver in lib.core.fixed_point."""
import numpy as np
import pytest

from lib.core.errors import ConvergenceError
from lib.core.fixed_point import anderson_solve


def test_anderson_linear_system_faster_than_plain():
    rng = np.random.default_rng(0)
    n = 40
    M = rng.normal(size=(n, n))
    A = np.eye(n) + 0.9 * M / np.abs(np.linalg.eigvals(M)).max()
    b = rng.normal(size=n)
    x_true = np.linalg.solve(A, b)
    step = lambda x: (0.5 * (b - A @ x), float(np.max(np.abs(b - A @ x))))
    acc = anderson_solve(step, np.zeros(n), tol=1e-10, memory=10, max_iter=2000)
    plain = anderson_solve(step, np.zeros(n), tol=1e-10, memory=0, max_iter=20000,
                           raise_on_failure=False)
    assert np.allclose(acc.x, x_true, atol=1e-8)
    assert acc.iterations < plain.iterations


def test_anderson_nonlinear_and_shape():
    step = lambda x: (np.cos(x) - x, float(np.max(np.abs(np.cos(x) - x))))
    res = anderson_solve(step, np.ones((2, 2)), tol=1e-12)
    assert res.x.shape == (2, 2) and np.allclose(res.x, 0.7390851332151607)


def test_anderson_failure_raises():
    step = lambda x: (np.ones_like(x), 1.0)
    with pytest.raises(ConvergenceError) as err:
        anderson_solve(step, np.zeros(3), tol=1e-10, max_iter=5)
    assert err.value.iterations == 5


def test_anderson_restarts_after_blowup():
    # an over-aggressive step that diverges unless the mixing weight is halved
    step = lambda x: (-3.0 * x, float(np.max(np.abs(x))))
    res = anderson_solve(step, np.ones(2), tol=1e-10, memory=0, max_iter=500)
    assert res.converged and np.allclose(res.x, 0, atol=1e-10)


def test_bad_settings():
    with pytest.raises(ValueError, match="mixing"):
        anderson_solve(lambda x: (x, 1.0), np.zeros(2), mixing=0.0)
    with pytest.raises(ValueError, match="x0"):
        anderson_solve(lambda x: (x, 1.0), np.array([np.nan]))
