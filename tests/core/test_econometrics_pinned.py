"""The estimates and standard errors of every estimator in lib, pinned before the swap to linearmodels.

tests/core/data/econometrics_pinned.json was written by ``tests/core/_pin_econometrics.py --write`` with the
hand-written 2SLS / fixed-effect code (commit before "econometrics on linearmodels"); the
linearmodels path must reproduce every number to 1e-8 (relative, or absolute for values near 0).
"""
import json

import numpy as np
import pytest

from _pin_econometrics import PIN, compute


@pytest.fixture(scope="module")
def now():
    return compute()


PINNED = json.loads(PIN.read_text())


@pytest.mark.parametrize("key", sorted(PINNED))
def test_estimates_and_standard_errors_unchanged(now, key):
    np.testing.assert_allclose(now[key], PINNED[key], rtol=1e-8, atol=1e-12, err_msg=key)
