"""Notebook test: chapters/migration_mnc/00_facts.md at small, fast parameters."""
import pytest

from lib.rerun import RerunError

NB = "migration_mnc/00_facts.md"


@pytest.mark.notebook
def test_facts_notebook_small(run_notebook):
    res = run_notebook(NB, n_domestic=500, n_foreign=100, n_replications=20)
    r = res.results
    assert r["bi_us_canada"] == pytest.approx(1 - 20 / 644, abs=1e-9)
    assert 0 < r["bi_us_mexico"] < 0.05
    assert r["table1_simple_all_oecd"] == {"high": 0.4214, "low": 0.3839}
    assert r["gap_decomposition"]["total"] == pytest.approx(0.0557 - 0.0397, abs=1e-12)
    assert r["dgp_beta1"]["high"] == pytest.approx(0.2973 - 0.1964, abs=1e-12)
    for k in ("low", "high", "all"):
        assert 0.5 <= r["coverage"][k] <= 1.0
        assert abs(r["synthetic_beta1"][k] - r["dgp_beta1"][k]) < 0.05
    assert len(res.figures) >= 3
    assert isinstance(r.get("paper_comparison"), list) and r["paper_comparison"] and all(
        {"quantity", "paper", "book", "decimals", "source", "basis"} <= set(row) for row in r["paper_comparison"])


@pytest.mark.notebook
def test_facts_notebook_rejects_bad_parameter(run_notebook):
    with pytest.raises(RerunError, match="concentration"):
        run_notebook(NB, concentration=-2.0)
