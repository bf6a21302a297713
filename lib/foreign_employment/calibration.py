r"""Calibration machinery of the synthetic base year (:mod:`lib.foreign_employment.base_year`).

Two calibrations turn drawn fundamentals into the synthetic base year:

* **RoW productivity** (:func:`calibrate_row`): RoW productivity :math:`T^i_0` and RoW value
  added :math:`VA_0` (five times Japan's) such that RoW's share of Japan's spending on each
  sector, :math:`m^i=\sum_{r\ge1}\pi^i_{0r}X^i_r/\sum_{r\ge1}X^i_r` (paper eqs. 6 and 14),
  equals the knobs' import share, with the level model evaluated at unit prices (paper
  L1-L17, :func:`lib.foreign_employment.levels.evaluate_levels`).
* **S and B** (:func:`adjustments`, :func:`joint_calibration`): occupation productivities
  :math:`S(k,s,o)` and amenities :math:`B_r(k,s)` such that the *equilibrium* matches Table 1
  wages, the §2 occupation shares and every group's location shares.

Why two paths
-------------
Up to 47 regions (Japan's prefectures and subsets) the book uses the original algorithms: a
plain update of :math:`T_0` and a **nested** S/B calibration (Anderson over the targets, each
step a full hat solve). The stored indirect-inference fit
(``data/foreign_employment/base_year_fit.json``) was made with them and is reproduced bit for
bit. Beyond 47 regions (synthetic extra regions, up to 1,000) each evaluation of the model costs
~20x more, the nested calibration needs ~19 x 18 of them and the plain RoW update starts from
import shares of ~1e-13 (RoW's trade cost grows with the largest domestic distance ratio), so
that path uses :func:`calibrate_row` with an accelerated, loosely-solved RoW update and
:func:`joint_calibration`, which solves equilibrium and calibration as one fixed point. Both
paths end at exact equilibria (hat and level residual below 1e-10) matching every target; they
differ only where the calibration is not identified (a common scale of S and B) and, for RoW, in
the stopping rule (1e-6 in log-odds up to 47 regions, 1e-4 relative beyond).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.errors import ConvergenceError
from ..core.fixed_point import anderson_solve
from .generator import MANUFACTURING
from .hat import _INNER_FORCING, _INNER_TOL_MAX, _own_elasticity, evaluate_hat
from .levels import Fundamentals, evaluate_levels, trade_cost_weights

__all__ = ["import_shares", "calibrate_row", "calibration_report", "adjustments", "joint_calibration",
           "LARGE_R", "ROW_TOL_LARGE"]

LARGE_R = 47  # beyond this many regions the fast path is used (see the module docstring)
ROW_TOL_LARGE = 1e-4  # relative error of every RoW import share beyond 47 regions


def import_shares(st) -> np.ndarray:
    r"""RoW's share of Japan's spending by sector, ``(J,)``, from a level state.

    :math:`m^i=\sum_{r\ge1}\pi^i_{0r}X^i_r/\sum_{r\ge1}X^i_r` (paper eqs. 6 and 14).
    """
    X = st.X[1:]  # (R, J) spending of prefectures
    return np.sum(st.pi[:, 0, 1:] * X.T, axis=1) / X.sum(axis=0)


def _logit_gap(m, target):
    """Log-odds of the targets minus log-odds of the model's import shares, ``(J,)``."""
    return np.log(target / (1 - target)) - np.log(m / (1 - m))


def calibrate_row(f: Fundamentals, knobs, max_iter: int = 200):
    r"""Set RoW size (:math:`VA_0` = 5x Japan's value added) and productivity :math:`T^i_0` to hit the import shares.

    The level model (paper L1-L17) is evaluated at unit service prices; the trade-cost weights
    :math:`(\tau^i_{mr})^{-\theta^i}` are computed once and every evaluation is warm-started.
    The update is :math:`\ln T^i_0\leftarrow\ln T^i_0+g^i` with :math:`g^i` the log-odds gap
    between the target and the model's import share :math:`m^i` (:func:`import_shares`).

    Up to 47 regions: the plain update, clipped to +-5, until :math:`\max_i|g^i|<10^{-6}` (the
    stored fit reproduces it exactly). Beyond 47 regions (:func:`_calibrate_row_large`): clipped
    plain steps while the gap is large, then Anderson acceleration on :math:`(\ln T_0,\ln VA_0)`,
    with inner tolerances loosened while far from the target, until every import share is within
    1e-4 relative of its target (ample for a synthetic base year; ~5 evaluations instead of
    hundreds, each ~20 s at 1,000 regions).

    Returns
    -------
    Fundamentals, LevelState
        The calibrated fundamentals and the level state at unit prices (exact inner solves).
    dict
        ``{"evaluations": ..., "import_share_error": ...}``.

    Raises
    ------
    lib.core.errors.ConvergenceError
        Beyond 47 regions, if the import shares are not within tolerance after ``max_iter``
        evaluations.
    """
    R, J, O, G = f.dims
    target = np.where(MANUFACTURING, knobs.import_share_manufacturing, knobs.import_share_services)
    if R > LARGE_R:
        return _calibrate_row_large(f, target, max_iter)
    zero = np.zeros((R, 2, O))
    tau_weights = trade_cost_weights(f)
    warm = {}
    n = [0]

    def evaluate(f):
        st = evaluate_levels(f, zero, tau_weights=tau_weights, lP0=warm.get("lP"), Y0=warm.get("Y"))
        warm.update(lP=st.log_P_sector, Y=st.Y)
        n[0] += 1
        return st

    for _ in range(max_iter):
        st = evaluate(f)
        f = replace(f, VA0=5.0 * float(st.VA.sum()))
        gap = np.clip(_logit_gap(import_shares(st), target), -5.0, 5.0)
        if np.max(np.abs(gap)) < 1e-6:
            break
        T = f.T.copy()
        T[:, 0] *= np.exp(gap)
        f = replace(f, T=T)
    st = evaluate(f)
    return f, st, {"evaluations": n[0], "import_share_error": float(np.max(np.abs(import_shares(st) / target - 1)))}


def _calibrate_row_large(f: Fundamentals, target, max_iter: int, tol: float = ROW_TOL_LARGE,
                         switch_gap: float = 3.0, clip: float = 5.0):
    r"""The RoW calibration beyond 47 regions (see :func:`calibrate_row`).

    Unknowns :math:`u=(\ln T^i_0,\ln VA_0)`. The step is Newton-preconditioned: with RoW
    supplying itself almost entirely, :math:`\ln P^i_0\approx\ln c^i_0-\ln T^i_0/\theta^i` and
    :math:`\ln c^i_0=\sum_j\beta^{j,i}_0\ln P^j_0` (paper eqs. 2 and 5), so the log-odds of the
    import shares respond to :math:`\ln T_0` with Jacobian
    :math:`M=\Theta(I-B_0^\top)^{-1}\Theta^{-1}` (:math:`\Theta=\mathrm{diag}(\theta)`,
    :math:`B_0^\top[i,j]=\beta^{j,i}_0`): the input-output loop amplifies a productivity change
    several-fold. The step is :math:`(M^{-1}g,\ \ln(5\sum_rVA_r)-\ln VA_0)`. Phase 1 takes plain
    steps clipped to +-``clip`` until the largest log-odds gap is below ``switch_gap`` (far from
    the target, where the initial shares can be ~1e-13, the map is strongly nonlinear); phase 2
    Anderson-accelerates (memory 5). Inner fixed points
    (:func:`~lib.foreign_employment.kernels.cost_and_price`,
    :func:`~lib.foreign_employment.kernels.goods_market`) are solved to
    :math:`\min(10^{-6},10^{-3}\times\text{current error})`, the final state exactly (1e-14).
    Every loop is bounded by ``max_iter`` evaluations in all.
    """
    R, J, O, G = f.dims
    zero = np.zeros((R, 2, O))
    tau_weights = trade_cost_weights(f)
    warm = {"inner": 1e-6}
    n = [0]
    theta = np.asarray(f.theta, dtype=float)
    # M^{-1} = Theta (I - B0^T) Theta^{-1}, B0^T[i, j] = beta_io[0, j, i]
    M_inv = theta[:, None] * (np.eye(J) - np.asarray(f.beta_io[0]).T) / theta[None, :]

    def with_u(u):
        T = f.T.copy()
        T[:, 0] = np.exp(u[:J])
        return replace(f, T=T, VA0=float(np.exp(u[J])))

    def evaluate(u, inner_tol):
        if n[0] >= max_iter:
            raise ConvergenceError(f"RoW calibration ({R} regions): import shares not within {tol:g} relative "
                                   f"after {n[0]} evaluations (largest error {warm.get('err', np.inf):.3e})",
                                   warm.get("err", np.inf), n[0])
        st = evaluate_levels(with_u(u), zero, tau_weights=tau_weights, lP0=warm.get("lP"), Y0=warm.get("Y"),
                             inner_tol=inner_tol)
        warm.update(lP=st.log_P_sector, Y=st.Y)
        n[0] += 1
        return st

    def step(u):
        if "u" in warm and np.array_equal(u, warm["u"]):  # Anderson restarts from phase 1's last point
            return warm["step"]
        st = evaluate(u, warm["inner"])
        m = import_shares(st)
        # loose inner solves can put a share a hair outside (0, 1)
        gap = _logit_gap(np.clip(m, 1e-300, 1 - 1e-12), target)
        d_va = np.log(5.0 * float(st.VA.sum())) - u[J]
        err = float(max(np.max(np.abs(m / target - 1)), abs(d_va)))
        if not np.isfinite(err):
            err = np.inf
        warm.update(err=err, gap=float(np.max(np.abs(gap))),
                    inner=min(1e-6, max(1e-12, 1e-3 * err)))
        warm.update(u=np.array(u, dtype=float), step=(np.append(M_inv @ gap, d_va), err))
        return warm["step"]

    u = np.append(np.log(f.T[:, 0]), np.log(f.VA0))
    for _ in range(max_iter + 1):  # phase 1; evaluate raises once max_iter evaluations are spent
        d, err = step(u)
        if warm["gap"] < switch_gap:
            break
        u[:J] += np.clip(d[:J], -clip, clip)
        u[J] += d[J]  # exact: Japan's value added at unit prices does not depend on VA0
    if err > tol:
        res = anderson_solve(step, u, tol=tol, max_iter=max(1, max_iter - n[0]), memory=5,
                             raise_on_failure=False)
        if not res.converged:
            raise ConvergenceError(f"RoW calibration ({R} regions): import shares not within {tol:g} relative "
                                   f"after {n[0]} evaluations (largest error {res.residual:.3e})",
                                   res.residual, n[0])
        u = res.x
    f = with_u(u)
    st = evaluate_levels(f, zero, tau_weights=tau_weights, lP0=warm.get("lP"), Y0=warm.get("Y"))
    n[0] += 1
    return f, st, {"evaluations": n[0], "import_share_error": float(np.max(np.abs(import_shares(st) / target - 1)))}


def calibration_report(base) -> dict:
    """Model aggregates that correspond to printed numbers: national mean wages, location and occupation shares."""
    L_g = base.L_g
    w_nat = (base.wbar * base.L_rg).sum(axis=0) / L_g
    mean = np.sum(w_nat * L_g) / L_g.sum()
    occ = base.L_rgo.sum(axis=0) / L_g[:, None]
    return {"share_pct": 100 * L_g / L_g.sum(), "wage_index": 100 * w_nat / mean,
            "psi": base.psi, "occ_share": occ,
            "foreign_bill_share": float(base.V[:, 1].sum() / base.V.sum())}


def adjustments(base, targets, loc_target, zeta, wage_target):
    r"""Multiplicative updates of S (G, O) and B (R, G) towards the targets, and the largest relative error.

    Mean wages (paper eq. 8): :math:`\hat S(k,s,\cdot)` = Table 1 index / model index (up to the
    normalisation). Location shares (eq. 10, elasticity one in :math:`B`): :math:`\hat B_r(k,s)` =
    target / model share. §2 occupation shares (eq. 7, elasticity :math:`\zeta` in :math:`S`):
    :math:`\hat S(k,s,o)=(\text{target}/\text{model})^{1/\zeta}`, unquoted occupations scaled
    together by their remaining share.
    """
    R, J, O, G = base.dims
    rep = calibration_report(base)
    S_hat = np.ones((G, O))
    # national mean wages: Table 1 index up to the normalisation
    w = rep["wage_index"]
    tgt = wage_target / np.sum(wage_target * rep["share_pct"]) * np.sum(w * rep["share_pct"])
    err = [np.max(np.abs(w / tgt - 1))]
    S_hat *= (tgt / w)[:, None]
    # every group's location shares (public anchors, §2 top three)
    B_hat = loc_target / rep["psi"]
    err.append(float(np.max(np.abs(rep["psi"] / loc_target - 1))))
    # the §2 occupation shares
    occ = {}
    for g, item, share in targets:
        occ.setdefault(g, []).append((item, share))
    for g, items in occ.items():
        idx = [i for i, _ in items]
        t = np.array([s for _, s in items])
        a = rep["occ_share"][g, idx]
        err.append(np.max(np.abs(a / t - 1)))
        fac = np.full(O, ((1 - t.sum()) / (1 - a.sum())) ** (1 / zeta))
        fac[idx] = (t / a) ** (1 / zeta)
        S_hat[g] *= fac
    return S_hat, B_hat, float(max(err))


def joint_calibration(base0, targets, loc_target, wage_target, *, eta: float, zeta: float, xi: float,
                      tol: float, max_iter: int = 2000, memory: int = 20):
    r"""Solve the equilibrium and the S/B calibration as one fixed point (used beyond 47 regions).

    Unknowns: the log price changes :math:`x=\ln\hat p_r(k,o)` relative to ``base0`` and the log
    adjustments :math:`z=(\ln\hat S,\ln\hat B)`. One step evaluates the hat system (H1)-(H16) at
    :math:`(x,\hat S,\hat B)` once (:func:`~lib.foreign_employment.hat.evaluate_hat`) and returns

    * :math:`\Delta x` = (H15) log excess demand / its own elasticity (the diagonal-Newton step of
      :func:`~lib.foreign_employment.hat.solve_hat`);
    * :math:`\Delta z` = log of :func:`adjustments` evaluated at the trial allocation
      (``L_rgo`` and mean wages of the step).

    The residual is the larger of the (H15) residual and the largest relative target error;
    Anderson mixing (``memory``) accelerates the combined step and inner solves follow the
    inexact-Newton rule of ``solve_hat``. Memory 20: at 1,000 regions it needs ~96 evaluations
    against ~116 with memory 10 (at 200, 43 against 52). The nested calibration (an exact ``solve_hat`` per
    target update) needs ~19 x 18 evaluations at 47 regions; this needs ~50. The calibration has
    unidentified scale directions, so its :math:`S,B` may differ from the nested result by a
    common factor; both give exact equilibria matching every target.

    Returns
    -------
    dict
        ``S_hat`` (G, O), ``B_hat`` (R, G), ``x`` (R, 2, O), ``iterations``, ``residual`` and
        ``residual_history`` (the combined residual after each evaluation).

    Raises
    ------
    lib.core.errors.ConvergenceError
        With the residual and the number of evaluations, if ``tol`` is not met within ``max_iter``.
    """
    R, J, O, G = base0.dims
    n_x, n_S = R * 2 * O, G * O
    ones = np.ones(G)
    cache = {}

    def step(u):
        x = u[:n_x].reshape(R, 2, O)
        S_hat = np.exp(u[n_x:n_x + n_S]).reshape(G, O)
        B_hat = np.exp(u[n_x + n_S:]).reshape(R, G)
        s = evaluate_hat(base0, x, ones, eta=eta, zeta=zeta, xi=xi, B_hat=B_hat, S_hat=S_hat, cache=cache,
                         _materialise=False)
        cache["inner_tol"] = min(_INNER_TOL_MAX, max(1e-15, _INNER_FORCING * s.residual))
        own = _own_elasticity(s.V_new, s.active, xi, zeta, eta)
        dx = (s._excess / own).ravel()
        S_adj, B_adj, e = adjustments(replace(base0, L_rgo=s.L_new, wbar=base0.wbar * s.w_hat), targets,
                                      loc_target, zeta, wage_target)
        dz = np.concatenate([np.log(S_adj).ravel(), np.log(B_adj).ravel()])
        cache["parts"] = (s.residual, e)
        return np.concatenate([dx, dz]), max(s.residual, e)

    res = anderson_solve(step, np.zeros(n_x + n_S + R * G), tol=tol, max_iter=max_iter, memory=memory,
                         raise_on_failure=False)
    if not res.converged:
        raise ConvergenceError(f"joint calibration ({R} regions): residual {res.residual:.3e} > tol {tol:g} "
                               f"after {res.iterations} evaluations", res.residual, res.iterations)
    u = res.x
    return {"x": u[:n_x].reshape(R, 2, O), "S_hat": np.exp(u[n_x:n_x + n_S]).reshape(G, O),
            "B_hat": np.exp(u[n_x + n_S:]).reshape(R, G), "iterations": res.iterations,
            "residual": res.residual, "residual_history": list(res.residual_history)}
