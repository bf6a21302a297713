"""The hypothesis profiles of tests/conftest.py do what they promise (issue 15).

``ci`` (default) is derandomised: two runs draw the same values.  ``explore`` runs more examples
than ``ci`` -- also for tests whose own ``@settings`` fix ``max_examples`` -- and draws different
values on two runs.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
PROBE = TESTS / "fuzz" / "probe_hypothesis_draws.py"


def _draws(tmp_path, profile: str, run: int, only_fixed: bool = False):
    out = tmp_path / f"{profile}-{run}.txt"
    env = dict(os.environ, PROBE_OUT=str(out))
    select = ["-k", "fixed"] if only_fixed else []
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           f"--hypothesis-profile={profile}", *select, str(PROBE)],
                          cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = out.read_text().splitlines()
    return Counter(line.split()[0] for line in lines), [ln for ln in lines if ln.startswith("fixed")]


def test_ci_is_reproducible_and_explore_explores(tmp_path):
    ci1_n, ci1 = _draws(tmp_path, "ci", 1)
    ci2_n, ci2 = _draws(tmp_path, "ci", 2)
    ex1_n, ex1 = _draws(tmp_path, "explore", 1)
    ex2_n, ex2 = _draws(tmp_path, "explore", 2, only_fixed=True)  # the 1000-example test once is enough
    assert ci1 == ci2, "the ci profile must draw the same values on every run"
    assert ex1 != ex2, "the explore profile must draw different values on two runs"
    # more examples, both where the test fixes max_examples=5 and where the profile decides
    assert ci1_n["fixed"] <= 5 < ex1_n["fixed"]
    assert ex1_n["profile"] > ci1_n["profile"]
