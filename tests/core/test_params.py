"""Each paper's parameters: one frozen dataclass, validated on construction."""
import dataclasses

import pytest

from lib.foreign_employment.params import FEParams
from lib.granular.params import GranularParams
from lib.migration_mnc.model import WangParameters, table3_parameters
from lib.offshoring import Params as OffshoringParams


@pytest.mark.parametrize("cls", [GranularParams, FEParams, OffshoringParams])
def test_defaults_construct_and_are_frozen(cls):
    p = cls()
    field = dataclasses.fields(p)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(p, field, 1.0)


def test_migration_parameters_are_frozen():
    p = table3_parameters()
    assert isinstance(p, WangParameters)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.sigma = 2.0


@pytest.mark.parametrize("cls, bad, name", [
    (GranularParams, {"eta": 1.5}, "eta"), (GranularParams, {"kappa": -1.0}, "kappa"),
    (GranularParams, {"lam": 2.0}, "lam"), (GranularParams, {"sigma2_N": -0.1}, "sigma2_N"),
    (GranularParams, {"nu": True}, "nu"),
    (FEParams, {"zeta": 0.9}, "zeta"), (FEParams, {"xi": 1.0}, "xi"), (FEParams, {"eta": float("nan")}, "eta"),
    (FEParams, {"omega": -2.0}, "omega"),
])
def test_bad_value_raises_naming_the_parameter(cls, bad, name):
    with pytest.raises(ValueError, match=name):
        cls(**bad)


def test_with_changes_validates_and_kwargs_subset():
    p = GranularParams().with_changes(kappa=3.0)
    assert p.kwargs("eta", "kappa") == {"eta": 0.13, "kappa": 3.0}
    with pytest.raises(ValueError, match="kappa"):
        p.with_changes(kappa=0.0)
    with pytest.raises(ValueError, match="unknown"):
        p.kwargs("sigma")
    q = FEParams().with_changes(xi=8.0)
    assert q.kwargs() == {"eta": 0.644, "zeta": 2.95, "xi": 8.0, "omega": 0.0}
    assert q.elasticities() == {"eta": 0.644, "zeta": 2.95, "xi": 8.0}  # what solve_hat takes


def test_fe_elasticities_are_what_the_hat_solver_takes():
    import inspect

    from lib.foreign_employment.hat import solve_hat
    taken = {n for n, p in inspect.signature(solve_hat).parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert set(FEParams().elasticities()) <= taken and "omega" not in taken


def test_fe_defaults_are_the_papers():
    from lib.foreign_employment import base_year as by
    assert (FEParams().eta, FEParams().zeta, FEParams().xi) == (by.ETA, by.ZETA, by.XI)
