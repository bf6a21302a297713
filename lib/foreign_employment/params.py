"""Scalar elasticities of Doi & Suzuki (2025) as one frozen dataclass validated on construction.

The defaults are the paper's (§4.1, Tables 4-5; ``zeta`` calibrated).  ``p.kwargs()`` gives the
keyword arguments the solvers take (``eta, zeta, xi, omega``), e.g.
``make_synthetic_base(**FEParams(xi=8.0).kwargs())``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .levels import check_parameters

__all__ = ["FEParams", "PAPER"]


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


#: The paper's values.
PAPER = FEParams()
