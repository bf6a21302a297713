"""Parameters of the offshoring model (Nishiyama, Nakano, Tsuboi & Furuta 2025): one frozen, validated dataclass."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.validate import require_in_range, require_positive, require_greater

__all__ = ["Params", "require_normal", "K_MAX"]

#: Smallest positive normal double and the square roots of the double range.
DBL_MIN = float(np.finfo(float).tiny)
SQRT_MAX = math.sqrt(float(np.finfo(float).max))  # 1.34e154
SQRT_MIN = math.sqrt(DBL_MIN)  # 1.49e-154
#: Largest admissible Pareto shape: M = M_bar phi_min^-k is computed from phi_min = (M_bar f v/beta)^(1/k),
#: whose rounding error (relative 2.2e-16) M inherits multiplied by k; k <= 1e6 keeps it below 2.2e-10.
K_MAX = 1e6


def require_normal(name: str, value, *, meaning: str = "") -> float:
    """Reject a positive value below the smallest normal double (2.2e-308).

    A subnormal number carries fewer than 53 significant bits (1e-320 keeps about three decimal
    digits) and its reciprocal overflows, so no ratio or logarithm the model takes of it is
    meaningful: the admissible range of a positive real parameter starts at 2.2e-308.
    """
    x = float(value)
    if 0.0 < abs(x) < DBL_MIN:
        raise ValueError(
            f"{name} = {value!r} is outside its admissible range [2.2e-308, inf): it is below the smallest "
            f"normal double, so it carries fewer than 53 significant bits and 1/{name} overflows"
            + (f": {meaning}" if meaning else ""))
    return x


@dataclass(frozen=True)
class Params:
    """Primitive parameters of the model, validated on construction.

    Parameters
    ----------
    k : float
        Pareto shape of firm productivity, ``G = 1 - phi^-k`` (Section 2.4); needs ``k > sigma - 1``.
    sigma : float
        Elasticity of substitution between varieties, ``sigma > 1``.
    f : float
        Fixed cost in units of skilled labour, eq. (5).
    H_bar, L_bar : float
        Northern skilled and unskilled endowments; the model needs ``L_bar < H_bar``
        (eq. (14) at ``alpha = 1``).
    E_bar : float
        Aggregate expenditure (exogenous), eq. (1).
    M_bar : float
        Mass of potential firms (the paper normalises it to one, eq. (9)).

    Raises
    ------
    ValueError
        Naming the violated condition (``sigma <= 1``, ``k <= sigma - 1``, ``sigma`` or ``k``
        not finite, ``L_bar >= H_bar``, non-positive or non-finite endowments).
    """

    k: float = 3.4
    sigma: float = 3.8
    f: float = 0.10
    H_bar: float = 100.0
    L_bar: float = 95.0
    E_bar: float = 1500.0
    M_bar: float = 1.0

    def __post_init__(self):
        require_greater("sigma", self.sigma, 1.0, "1", meaning="elasticity of substitution")
        require_in_range("sigma", self.sigma, 1.0, math.inf, meaning="elasticity of substitution (finite)")
        require_greater("k", self.k, self.sigma - 1.0, "sigma - 1",
                        meaning="Pareto shape; k > sigma - 1 for finite average revenue")
        require_in_range("k", self.k, self.sigma - 1.0, math.inf,
                         meaning="Pareto shape (finite; k = inf makes beta and phi_tilde_factor NaN)")
        if not self.k <= K_MAX:
            raise ValueError(
                f"k = {self.k!r} is outside its admissible range (sigma - 1, {K_MAX:g}] = ({self.sigma - 1.0:g}, "
                f"{K_MAX:g}]: the mass of firms M = M_bar phi_min^-k inherits the rounding error of phi_min "
                f"(2.2e-16) multiplied by k, so beyond k = 1e6 M and every aggregate lose more than 2.2e-10 of "
                f"their accuracy (at k = 1e16 phi_min rounds to 1 and M to M_bar): Pareto shape")
        for name in ("f", "H_bar", "L_bar", "E_bar", "M_bar"):
            require_positive(name, getattr(self, name))
            require_normal(name, getattr(self, name))
        # The cutoff solves phi_min^k = M_bar f v / beta (eq. (11)); the skilled wage satisfies
        # v >= beta / H_bar (eq. (14): v = beta / (H_bar - L_bar/alpha)), so phi_min^k >= M_bar f / H_bar.
        # Demand per firm divides by P M with P ~ 1/phi_min and M = M_bar phi_min^-k, i.e. by
        # phi_min^-(k+1): it overflows (NaN downstream) unless phi_min^(k+1) is a normal double,
        # i.e. M_bar f / H_bar >= DBL_MIN^(k/(k+1)).
        f_min = self.H_bar / self.M_bar * np.finfo(float).tiny ** (self.k / (self.k + 1.0))
        if not self.f > f_min:
            raise ValueError(
                f"f = {self.f!r} is outside its admissible range ({f_min:.3g}, inf): the mass of producing "
                f"firms times the price index, P M ~ phi_min^-(k+1) with phi_min^k >= M_bar f / H_bar, must "
                f"stay below the largest double, i.e. f > (H_bar/M_bar) 2.2e-308^(k/(k+1)) "
                f"(k = {self.k!r}, H_bar = {self.H_bar!r}, M_bar = {self.M_bar!r}): fixed cost in units of "
                "skilled labour")
        # Symmetrically, at alpha = 1 phi_min^k = M_bar f / (H_bar - L_bar); P M ~ phi_min^-(k+1)
        # underflows to 0 (division by zero downstream) unless phi_min^(k+1) <= 1/DBL_MIN.
        f_max = (self.H_bar - self.L_bar) / self.M_bar * np.finfo(float).tiny ** (-self.k / (self.k + 1.0)) \
            if self.L_bar < self.H_bar else math.inf
        if not self.f < f_max:
            raise ValueError(
                f"f = {self.f!r} is outside its admissible range (0, {f_max:.3g}): at alpha = 1 the cutoff "
                f"phi_min^k = M_bar f / (H_bar - L_bar) and P M ~ phi_min^-(k+1) must stay above the smallest "
                f"double, i.e. f < ((H_bar - L_bar)/M_bar) 2.2e-308^(-k/(k+1)) (k = {self.k!r}, "
                f"H_bar = {self.H_bar!r}, L_bar = {self.L_bar!r}, M_bar = {self.M_bar!r}): fixed cost in units "
                "of skilled labour")
        if not self.L_bar < self.H_bar:
            raise ValueError(
                f"infeasible endowments: L_bar = {self.L_bar!r} >= H_bar = {self.H_bar!r}; "
                "the model needs L_bar < H_bar (positive skilled wage v = beta/(H_bar - L_bar) at alpha = 1)")
        self._check_wage_scale()

    def _check_wage_scale(self):
        """Wages must stay within the square root of the double range.

        Every equilibrium has ``w <= rho E_bar/L_bar`` (at alpha = 1) and
        ``beta/H_bar <= v <= (rho E_bar + beta)/H_bar`` (extended bracket), and the comparative statics
        (26a)-(26b), the Jacobian of Appendix A and the finite differences square and invert the wages
        (``v^2``, ``(v A)^2``, ``w^-alpha``).  So ``rho E_bar/L_bar``, ``beta/H_bar`` and
        ``(rho E_bar + beta)/H_bar`` must lie in ``[1.5e-154, 1.3e154]``; as ranges of each parameter
        with the others fixed this is reported in the message.
        """
        b = self.beta / self.E_bar  # beta per unit of expenditure
        r = self.rho
        scales = {"rho E_bar/L_bar": r * self.E_bar / self.L_bar,
                  "beta/H_bar": b * self.E_bar / self.H_bar,
                  "(rho E_bar + beta)/H_bar": (r + b) * self.E_bar / self.H_bar}
        bad = {k_: v_ for k_, v_ in scales.items() if not SQRT_MIN <= v_ <= SQRT_MAX}
        if not bad:
            return
        e_lo = max(SQRT_MIN * self.L_bar / r, SQRT_MIN * self.H_bar / b)
        e_hi = min(SQRT_MAX * self.L_bar / r, SQRT_MAX * self.H_bar / (r + b))
        l_lo, l_hi = r * self.E_bar / SQRT_MAX, r * self.E_bar / SQRT_MIN
        h_lo, h_hi = (r + b) * self.E_bar / SQRT_MAX, b * self.E_bar / SQRT_MIN
        what = ", ".join(f"{k_} = {v_:.3g}" for k_, v_ in bad.items())
        raise ValueError(
            f"E_bar = {self.E_bar!r}, L_bar = {self.L_bar!r}, H_bar = {self.H_bar!r} put the wage scale outside "
            f"[1.5e-154, 1.3e154] ({what}): the wages are bounded by rho E_bar/L_bar and (rho E_bar + beta)/H_bar "
            f"and the comparative statics (26a)-(26b) square them, so they must stay within the square root of "
            f"the double range. With the other two fixed, the admissible ranges are E_bar in [{e_lo:.3g}, {e_hi:.3g}], "
            f"L_bar in [{l_lo:.3g}, {l_hi:.3g}], H_bar in [{h_lo:.3g}, {h_hi:.3g}]")

    @property
    def rho(self) -> float:
        """Inverse markup ``(sigma - 1)/sigma``, eq. (4)."""
        return (self.sigma - 1.0) / self.sigma

    @property
    def beta(self) -> float:
        """``beta = (k - sigma + 1) E_bar / (k sigma)`` (Section 3.2): the skilled-labour fixed-cost bill ``v f M``."""
        return (self.k - self.sigma + 1.0) / (self.k * self.sigma) * self.E_bar

    @property
    def phi_tilde_factor(self) -> float:
        """``(k/(k - sigma + 1))^(1/(sigma-1))``: ratio of average to cutoff productivity, eq. (8)."""
        return (self.k / (self.k - self.sigma + 1.0)) ** (1.0 / (self.sigma - 1.0))

    def scaled(self, lam: float) -> "Params":
        """Endowments and expenditure (H_bar, L_bar, E_bar, M_bar) scaled by ``lam`` (homogeneity checks)."""
        return Params(self.k, self.sigma, self.f, lam * self.H_bar, lam * self.L_bar,
                      lam * self.E_bar, lam * self.M_bar)


def _alpha_array(alpha, low=0.0, name="alpha"):
    a = np.asarray(alpha, dtype=float)
    require_in_range(name, float(np.min(a)), low, 1.0, high_inclusive=True,
                     meaning="Northern share of the intermediate composite")
    require_in_range(name, float(np.max(a)), low, 1.0, high_inclusive=True,
                     meaning="Northern share of the intermediate composite")
    return a
