"""Tests of lib.rerun: parameter parsing, type coercion, fresh output folders, clear errors."""
import json
from pathlib import Path

import pytest

from lib.rerun import RerunError, coerce_parameter, notebook_parameters, rerun, save_results, to_jsonable

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
EXAMPLE = CHAPTERS / "how_to_read.md"
ALL_NOTEBOOKS = sorted(p for p in CHAPTERS.rglob("*.md")
                       if "```{code-cell}" in p.read_text())


@pytest.mark.parametrize("value, typ, expected", [
    ("2.5", "float", 2.5), ("3", "int", 3), ("true", "bool", True), ("0", "bool", False),
    ("abc", "str", "abc"), ("[1, 2]", "list", [1, 2]), (4, "float", 4.0)])
def test_coerce_parameter(value, typ, expected):
    assert coerce_parameter("x", value, typ) == expected


@pytest.mark.parametrize("value, typ", [("abc", "float"), ("2.5", "int"), ("maybe", "bool"),
                                        ("nan", "float"), ("{}", "list"), (True, "float")])
def test_coerce_parameter_rejects_wrong_type_naming_parameter(value, typ):
    with pytest.raises(RerunError, match=f"parameter 'x' expects {typ}"):
        coerce_parameter("x", value, typ)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(CHAPTERS)))
def test_every_notebook_has_typed_documented_parameters(path):
    """First code cell tagged parameters; every parameter typed and commented; results_path present."""
    params = notebook_parameters(path)
    assert "results_path" in params
    for name, spec in params.items():
        assert spec["type"] not in (None, "None"), f"{path.name}: parameter {name} has no type"
        assert spec["help"], f"{path.name}: parameter {name} has no comment"
    first_code = path.read_text().split("```{code-cell}", 1)[1].split("```", 1)[0]
    assert ":tags: [parameters]" in first_code, f"{path.name}: first code cell is not tagged parameters"


def test_to_jsonable_refuses_nan():
    import numpy as np
    assert to_jsonable({"a": np.float64(1.5), "b": np.arange(2)}) == {"a": 1.5, "b": [0, 1]}
    with pytest.raises(ValueError, match="non-finite"):
        to_jsonable({"a": float("nan")})


def test_save_results_writes_only_when_path_given(tmp_path):
    assert save_results("", {"x": 1}) == {"x": 1}
    save_results(str(tmp_path / "sub" / "r.json"), {"x": 1})
    assert json.loads((tmp_path / "sub" / "r.json").read_text()) == {"x": 1}


@pytest.mark.notebook
def test_rerun_example_with_changed_parameter_writes_fresh_folder(tmp_path):
    before = EXAMPLE.read_text()
    res = rerun(EXAMPLE, {"theta": "6.0", "n_draws": "5000"}, tmp_path / "out")
    assert EXAMPLE.read_text() == before, "a rerun must never modify the source"
    assert res.notebook_path.exists() and res.notebook_path.name == "how_to_read.ipynb"
    assert res.results["theta"] == 6.0
    assert res.results["closed_form_gap"] < 1e-10
    assert len(res.figures) >= 1 and all(f.exists() for f in res.figures)
    # the default run gives a different welfare: the parameter really reached the code
    base = rerun(EXAMPLE, {"n_draws": "5000"}, tmp_path / "base")
    assert base.results["welfare"] != pytest.approx(res.results["welfare"])
    with pytest.raises(RerunError, match="not empty"):
        rerun(EXAMPLE, {"theta": "6.0"}, tmp_path / "out")


@pytest.mark.notebook
def test_rerun_bad_parameters_give_one_line_errors(tmp_path):
    with pytest.raises(RerunError, match="unknown parameter.*'thetaa'"):
        rerun(EXAMPLE, {"thetaa": "2"}, tmp_path / "a")
    with pytest.raises(RerunError, match="parameter 'n_locations' expects int"):
        rerun(EXAMPLE, {"n_locations": "2.5"}, tmp_path / "b")
    with pytest.raises(RerunError, match=r"ValueError: theta = 0.5 is outside its admissible range") as info:
        rerun(EXAMPLE, {"theta": "0.5"}, tmp_path / "c")
    assert "\n" not in str(info.value)


@pytest.mark.notebook
def test_cli_main(tmp_path, capsys):
    from lib.rerun import main
    assert main([str(EXAMPLE), "-p", "theta", "3.0", "-p", "n_draws", "2000", "--out", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / "results.json").exists()
    assert main([str(EXAMPLE), "-p", "beta", "-1"]) == 2
    assert "beta" in capsys.readouterr().err


@pytest.mark.notebook
def test_quiet_rerun_keeps_kernel_stderr_out_of_the_caller(tmp_path, capfd):
    res = rerun(EXAMPLE, {"n_draws": "2000"}, tmp_path / "q", quiet=True)
    assert res.results["closed_form_gap"] < 1e-10
    assert "Kernel is running" not in capfd.readouterr().err
