"""Equation blocks shared by levels and hats."""
import numpy as np
from hypothesis import given, settings, strategies as st

from lib.foreign_employment.kernels import ces_log_price, cost_and_price, goods_market, trade_shares


def test_ces_one_hot_and_drop_out():
    lp = np.log(np.array([[[1.3, 0.9], [2.0, 0.5]]]))  # (1, 2, 2)
    w = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    w = np.where(w == 0, 1e-300, w)
    out = ces_log_price(lp, 5.0, weights=w)
    assert np.allclose(out, np.log([[1.3, 0.5]]), atol=1e-10)
    only_native = ces_log_price(lp, 5.0, weights=np.full((1, 2, 2), 0.5), active=[True, False])
    assert np.allclose(only_native, lp[:, 0] + np.log(0.5) / (1 - 5.0))


@settings(max_examples=25, deadline=None)
@given(st.floats(1.01, 1.05), st.floats(-0.5, 0.5), st.floats(-0.5, 0.5))
def test_ces_near_one_is_cobb_douglas(xi, a, b):
    lp = np.array([[[a], [b]]])
    out = ces_log_price(lp, xi, weights=np.full((1, 2, 1), 0.5))
    assert abs(out[0, 0] - 0.5 * (a + b)) < 0.1 * (xi - 1) + 1e-6


def test_uniform_labour_cost_change_passes_through():
    rng = np.random.default_rng(0)
    J, N = 3, 4
    pi = rng.dirichlet(np.ones(N), (J, N)).transpose(0, 2, 1)  # columns sum to one over origins
    beta_l = rng.uniform(0.3, 0.6, (N, J))
    w = rng.dirichlet(np.ones(J), (N, J))
    beta_io = np.transpose(w, (0, 2, 1)) * (1 - beta_l)[:, None, :]
    lam = np.log(1.37)
    lc, lP, _ = cost_and_price(np.full((N, J), lam), np.log(pi), np.array([2.0, 5.0, 9.0]), beta_l, beta_io)
    assert np.allclose(lc, lam) and np.allclose(lP, lam)
    assert np.allclose(trade_shares(np.log(pi), np.array([2.0, 5.0, 9.0]), lc, lP), pi)


def test_goods_market_equals_dense_solve():
    rng = np.random.default_rng(1)
    J, N = 3, 4
    pi = rng.dirichlet(np.ones(N), (J, N)).transpose(0, 2, 1)
    beta_l = rng.uniform(0.3, 0.6, (N, J))
    w = rng.dirichlet(np.ones(J), (N, J))
    beta_io = np.transpose(w, (0, 2, 1)) * (1 - beta_l)[:, None, :]
    alpha = rng.dirichlet(np.ones(J), N)
    E = rng.uniform(1, 2, N)
    Y, X, _ = goods_market(pi, beta_io, alpha, E)
    A = np.zeros((N * J, N * J))
    b = np.zeros(N * J)
    for r in range(N):
        for i in range(J):
            for m in range(N):
                b[r * J + i] += pi[i, r, m] * alpha[m, i] * E[m]
                for j in range(J):
                    A[r * J + i, m * J + j] += pi[i, r, m] * beta_io[m, i, j]
    Yd = np.linalg.solve(np.eye(N * J) - A, b).reshape(N, J)
    assert np.allclose(Y, Yd, rtol=1e-12)
