"""CI's share of the notebook fuzz (issue 15, item 4): a fixed random sample of the cases of
``make fuzz`` (tests/fuzz/fuzz_notebooks.py).

Each case sets one notebook parameter to an adversarial value (0, -1, 1e-320, 1e300, nan, inf,
-inf, 10**30, "abc") and must either finish with finite results or fail within 60 s with an error
naming that parameter.  The sample is drawn with a fixed seed from the full case list, so it is the
same on every run (it changes only when notebooks or their parameters change).  ``make fuzz`` runs
all of them (about 2 100 cases).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
import fuzz_notebooks as fz  # noqa: E402

N_CASES = 40
SEED = 15


def test_names_parameter_is_a_whole_word_match():
    assert fz.names_parameter("ValueError: k = 3 is outside its admissible range", "k")
    assert not fz.names_parameter("ValueError: kappa = 3 is outside", "k")
    assert not fz.names_parameter("refusing to write a non-finite result (nan)", "f")


def test_classify_fails_hangs_nan_and_unnamed_errors():
    case = fz.Case("x.md", "sigma", "nan")
    assert fz.classify(case, "done", "", {"a": [1.0, 2.0]}) == ("finite", True)
    assert fz.classify(case, "done", "", {"a": [1.0, float("nan")]}) == ("nonfinite", False)
    assert fz.classify(case, "error", "ValueError: sigma = nan is outside", None) == ("rejected", True)
    assert fz.classify(case, "error", "ValueError: refusing to write a non-finite result", None) == ("unnamed", False)
    assert fz.classify(case, "timeout", "still running", None) == ("timeout", False)


def test_the_sample_is_fixed_and_covers_every_chapter():
    a, b = fz.sample_cases(N_CASES, SEED), fz.sample_cases(N_CASES, SEED)
    assert [c.key for c in a] == [c.key for c in b] and len(a) == N_CASES
    chapters = {c.notebook.split("/")[0] for c in fz.all_cases() if "/" in c.notebook}
    assert chapters == {"foreign_employment", "granular", "migration_mnc", "offshoring"}


@pytest.mark.notebook
def test_fuzz_sample_of_40_cases(tmp_path):
    cases = fz.sample_cases(N_CASES, SEED)
    outcomes = fz.run_cases(cases, timeout=60.0, csv_path=tmp_path / "fuzz_sample.csv", verbose=False)
    bad = [f"{o.notebook}::{o.param}={o.value}: {o.outcome} after {o.seconds:.0f} s: {o.message[:200]}"
           for o in outcomes if not o.ok]
    assert not bad, f"{len(bad)} of {len(outcomes)} fuzz cases failed:\n" + "\n".join(bad)
