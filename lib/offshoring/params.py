"""Parameters of the offshoring model (Nishiyama, Nakano, Tsuboi & Furuta 2025): one frozen, validated dataclass."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.validate import require_in_range, require_positive, require_greater

__all__ = ["Params"]


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
        for name in ("f", "H_bar", "L_bar", "E_bar", "M_bar"):
            require_positive(name, getattr(self, name))
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
