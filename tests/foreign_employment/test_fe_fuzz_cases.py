"""Regression tests for the foreign_employment fuzz cases of issue #15.

Each case once ended in an unnamed error, a non-finite result or a 60-s timeout under
``tests/fuzz/fuzz_notebooks.py``; it must now be rejected with a ValueError naming the notebook
parameter, or finish with finite results.  The cases run through the fuzz harness's own runner
(forked child executing the notebook's cells, the harness's small-size overrides).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def _harness():
    spec = importlib.util.spec_from_file_location("fe_fuzz_harness", REPO / "tests" / "fuzz" / "fuzz_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fe_fuzz_harness"] = mod
    spec.loader.exec_module(mod)
    return mod


def _run(notebook, param, value, timeout=120.0):
    fz = _harness()
    (out,) = fz.run_cases([fz.Case(f"foreign_employment/{notebook}", param, value)], timeout=timeout,
                          verbose=False)
    return out


# (notebook, parameter, value, expected outcome, a fragment of the message)
CASES = [
    ("01_model.md", "eta", "1e-320", "rejected", "admissible range [0.062"),
    ("01_model.md", "eta", "1e300", "finite", ""),
    ("01_model.md", "zeta", "1e300", "finite", ""),
    ("02_hat_algebra.md", "eta", "1e300", "rejected", "1024"),
    ("02_hat_algebra.md", "xi", "1e300", "rejected", "1024"),
    ("02_hat_algebra.md", "omega", "1e300", "rejected", "(-1, 5)"),
    ("03_base_year.md", "row_tau_factor", "1" + "0" * 30, "rejected", "100000"),
    ("04_autarky.md", "foreign_scale", "1e-320", "rejected", "subnormal"),
    ("06_estimation.md", "eta_true", "1e300", "rejected", "underflow"),
    ("06_estimation.md", "first_stage_true", "1e300", "rejected", "underflow"),
    ("06_estimation.md", "wage_feedback", "1e300", "rejected", "underflow"),
    ("06_estimation.md", "zeta_true", "1e300", "rejected", "admissible range (2, 1000]"),
    ("06_estimation.md", "xi_true", "1e300", "rejected", "not identified"),
    ("06_estimation.md", "sd_wage_noise", "1e300", "rejected", "overflows"),
    ("06_estimation.md", "supply_response", "1e300", "rejected", "overflows"),
    ("06_estimation.md", "presence", "1e-320", "rejected", "presence"),
]


@pytest.mark.parametrize("notebook,param,value,outcome,fragment", CASES,
                         ids=[f"{c[0][:2]}-{c[1]}={c[2][:6]}" for c in CASES])
def test_fuzz_case(notebook, param, value, outcome, fragment):
    out = _run(notebook, param, value)
    assert out.outcome == outcome, (out.outcome, out.message)
    assert fragment in out.message
    if outcome == "rejected":
        assert out.message.startswith("ValueError"), out.message


def test_roy_closed_forms_finite_at_large_shapes():
    """Phi^(1/theta) in logs: large zeta / eta give the best option, not inf."""
    from lib.foreign_employment import roy

    w = np.exp(np.random.default_rng(0).normal(0, 0.4, 6))
    for z in (300.0, 1e30, 1e300):
        assert roy.average_wage(w, 1.0, z) == pytest.approx(w.max() * roy.frechet.frechet_mean_constant(z), rel=1e-2)
        assert np.all(np.isfinite(roy.conditional_mean_wage(w, 1.0, z)))
    B = np.exp(np.random.default_rng(1).normal(0, 1, 5))
    rw = np.exp(np.random.default_rng(2).normal(0, 0.2, 5))
    assert roy.welfare_index(B, rw, 1e300, expected=False) == pytest.approx(rw.max())
    assert roy.welfare_index(B, rw, 0.644, expected=False) == pytest.approx(
        np.sum(B * rw ** 0.644) ** (1 / 0.644))


def test_limit_blas_threads_finds_openblas():
    from threadpoolctl import threadpool_info

    from lib.core.threads import limit_blas_threads

    assert limit_blas_threads(1) >= 1
    assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
    with pytest.raises(ValueError, match=r"\bn\b"):
        limit_blas_threads(0)
