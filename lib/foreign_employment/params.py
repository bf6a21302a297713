"""Scalar elasticities of Doi & Suzuki (2025) as one frozen dataclass validated on construction.

The defaults are the paper's (§4.1, Tables 4-5; ``zeta`` calibrated).  ``p.kwargs()`` gives the
keyword arguments the solvers take (``eta, zeta, xi, omega``), e.g.
``make_synthetic_base(**FEParams(xi=8.0).kwargs())``.
"""
from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, replace

from .levels import check_parameters

__all__ = ["FEParams", "PAPER", "EXPONENT_MAX", "ETA_MIN", "OMEGA_MAX", "ROW_TAU_FACTOR_MAX"]

#: Largest admissible elasticity used as an exponent (eta, zeta, xi). The solvers raise price and
#: real-wage changes to these powers, and their trial steps move them by up to a factor 2, so an
#: exponent above ln(DBL_MAX) / ln 2 = 709.78 / 0.693 = 1024 can overflow double precision.
EXPONENT_MAX = math.log(sys.float_info.max) / math.log(2.0)
#: Smallest admissible eta: welfare (H16) raises a sum to the power 1/eta, which multiplies the
#: sum's rounding error (2.2e-16) by 1/eta; eta >= 1e-6 keeps welfare changes accurate to 1e-10.
ETA_MIN = 1e-6
#: The synthetic base sets RoW value added to 5 times Japan's; RoW spending E_0 = VA_0 - omega sum VA_r
#: (paper eq. 13) stays positive only if omega < 5.
OMEGA_MAX = 5.0
#: RoW's trade cost enters Japan's import shares as (row_tau_factor * d_max/d_rr)^(-delta), delta up to
#: 2: at the calibration's start (RoW productivity one) a factor 1e5 makes them about 1e-12, and the
#: calibration of RoW productivity (logit steps clipped at e^5) then overshoots to import shares of one to
#: double precision (log(1 - m) = -inf): measured, 1e5 calibrates and 3e5 does not (seed 20250213).
ROW_TAU_FACTOR_MAX = 1e5


@dataclass(frozen=True)
class FEParams:
    """The model's scalar elasticities; a bad value raises ``ValueError`` naming it.

    Attributes
    ----------
    eta : float
        Location Fréchet shape, ``eta > 0``.
    zeta : float
        Occupation Fréchet shape, ``zeta > 1`` (mean wages are finite only then).
    xi : float
        Native/foreign elasticity of substitution, ``xi > 1``.
    omega : float
        Transfer from the rest of the world relative to value added, ``omega > -1``.
    """

    eta: float = 0.644
    zeta: float = 2.95
    xi: float = 12.3
    omega: float = 0.0

    def __post_init__(self):
        for name, value in asdict(self).items():
            if isinstance(value, bool):
                raise ValueError(f"{name} must be a real number; got {value!r}")
        eta, zeta, xi, omega = check_parameters(self.eta, self.zeta, self.xi, self.omega)
        for name, value in zip(("eta", "zeta", "xi", "omega"), (eta, zeta, xi, omega)):
            object.__setattr__(self, name, float(value))

    def with_changes(self, **changes) -> "FEParams":
        """A copy with some parameters changed (validated again)."""
        return replace(self, **changes)

    def kwargs(self) -> dict:
        """``{"eta": ..., "zeta": ..., "xi": ..., "omega": ...}`` for the solvers' keyword arguments."""
        return asdict(self)

    def elasticities(self) -> dict:
        """``{"eta": ..., "zeta": ..., "xi": ...}``: the keyword arguments of the hat solver
        (:func:`lib.foreign_employment.hat.solve_hat`), which conditions on base-year shares and so
        takes no ``omega``."""
        return {"eta": self.eta, "zeta": self.zeta, "xi": self.xi}


#: The paper's values.
PAPER = FEParams()
