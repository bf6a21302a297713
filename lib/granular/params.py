"""Structural parameters of Kikuchi & O'Connor (2025) as one frozen dataclass validated on construction.

The defaults are the paper's Table 2 values (``theta``, the migration elasticity of Sec. 6, is the
spatial chapter's default).  Functions of :mod:`lib.granular` take the scalars they need;
``p.kwargs("eta", "kappa", "nu")`` hands a subset to them, so a notebook states its parameters
once::

    p = GranularParams(kappa=3.0)
    solve_sector(sh, a_hat, **p.kwargs("eta", "kappa", "nu"))
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .local import check_parameters

__all__ = ["GranularParams"]


@dataclass(frozen=True)
class GranularParams:
    """The model's scalar parameters; a bad value raises ``ValueError`` naming it.

    Attributes
    ----------
    eta : float
        Decreasing returns (profit share), in (0, 1).
    lam : float
        Pareto tail of productivity; ``lam * eta > 1``.
    kappa, nu : float
        Short-run labor-supply elasticities across firms and across sectors; positive.
    sigma2_N, sigma2_S : float
        Variances of the log firm and log sector shocks; non-negative.
    theta : float
        Migration elasticity across locations; positive.
    """

    eta: float = 0.13
    lam: float = 10.5
    kappa: float = 2.48
    nu: float = 1.46
    sigma2_N: float = 0.14
    sigma2_S: float = 2.0e-3
    theta: float = 2.0

    def __post_init__(self):
        for name, value in asdict(self).items():
            if isinstance(value, bool):
                raise ValueError(f"{name} must be a real number; got {value!r}")
        check_parameters(**asdict(self))
        for name, value in asdict(self).items():
            object.__setattr__(self, name, float(value))

    def with_changes(self, **changes) -> "GranularParams":
        """A copy with some parameters changed (validated again)."""
        return replace(self, **changes)

    def kwargs(self, *names: str) -> dict:
        """The named parameters as keyword arguments (all of them when no name is given)."""
        d = asdict(self)
        unknown = [n for n in names if n not in d]
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; GranularParams has {list(d)}")
        return {n: d[n] for n in (names or d)}
