"""Tests of lib.rerun: parameter parsing, type coercion, safe output folders, the run record,
index.html, signals and concurrent runs, one-line errors.

Every run writes under pytest's ``tmp_path``; the module checks that it leaves no file in the
checkout (``_build/reruns``, notebooks, stray ``.ipynb``)."""
import ast
import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import scipy

from lib.book.paths import REPO_ROOT
from lib.book.rerun import _publish, check_out_dir, parameter_defaults, split_parameter_args
from lib.rerun import RerunError, coerce_parameter, notebook_parameters, rerun, save_results, to_jsonable

REPO = REPO_ROOT   # the repository, wherever this test file lives

from conftest import checkout_files  # noqa: E402
CHAPTERS = REPO / "chapters"
EXAMPLE = CHAPTERS / "how_to_read.md"
STATICS = CHAPTERS / "offshoring" / "03_comparative_statics.md"
PY = sys.executable


@pytest.fixture(scope="module", autouse=True)
def leaves_checkout_as_found():
    before = checkout_files()
    yield
    assert checkout_files() == before


def cli(*args, timeout=300, **kw):
    """Run ``python -m lib.rerun ARGS`` in a subprocess; return (rc, stderr lines without kernel chatter)."""
    res = subprocess.run([PY, "-m", "lib.rerun", *map(str, args)], cwd=REPO, capture_output=True,
                         text=True, timeout=timeout, **kw)
    err = [ln for ln in res.stderr.splitlines() if ln.strip() and "IPKernelApp" not in ln]
    return res.returncode, err
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
    res = rerun(EXAMPLE, {"theta": "6.0", "n_draws": "5000"}, tmp_path / "out", html=True)
    assert EXAMPLE.read_text() == before, "a rerun must never modify the source"
    assert res.notebook_path.exists() and res.notebook_path.name == "how_to_read.ipynb"
    assert res.results["theta"] == 6.0
    assert res.results["closed_form_gap"] < 1e-10
    assert len(res.figures) >= 1 and all(f.exists() for f in res.figures)
    # figures are saved under their figure label
    assert (tmp_path / "out" / "figures" / "htr-fig-equilibrium.png") in res.figures
    # the record: parameters = the defaults updated by the overrides, and provenance
    declared = notebook_parameters(EXAMPLE)
    defaults = {k: ast.literal_eval(v["default"]) for k, v in declared.items() if k != "results_path"}
    assert res.results["parameters"] == {**defaults, "theta": 6.0, "n_draws": 5000}
    assert res.results["notebook"] == "chapters/how_to_read.md"
    import hashlib
    assert res.results["source_sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{40}", res.results["git_commit"])
    assert res.results["numpy"] == np.__version__ and res.results["scipy"] == scipy.__version__
    assert res.results["python"] == ".".join(map(str, sys.version_info[:3]))
    assert res.results["lib_version"] and res.results["started"].startswith("20")
    assert 0 < res.results["seconds"] < 600
    # index.html: the page as the book renders it: glue resolved, figure shown, solutions collapsed
    page = (tmp_path / "out" / "index.html").read_text()
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style).*?</\1>", "", page, flags=re.S))
    assert "{glue" not in text and "{eq}" not in text
    assert f"{res.results['iterations']}" in text
    assert re.search(r'<img [^>]*src="_images/', page) and (tmp_path / "out" / "_images").is_dir()
    assert "solution dropdown" in page
    assert (tmp_path / "out" / "_static").is_dir()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "_images", "_static", "figures", "genindex.html", "how_to_read.ipynb", "index.html",
        "results.json", "search.html", "searchindex.js"]
    # the default run gives a different welfare: the parameter really reached the code
    base = rerun(EXAMPLE, {"n_draws": "5000"}, tmp_path / "base")
    assert base.results["welfare"] != pytest.approx(res.results["welfare"])
    with pytest.raises(RerunError, match="not empty"):
        rerun(EXAMPLE, {"theta": "6.0"}, tmp_path / "out")
    # --force replaces an earlier rerun, once the new one is complete
    again = rerun(EXAMPLE, {"theta": "3.0", "n_draws": "2000"}, tmp_path / "out", force=True)
    assert again.results["parameters"]["theta"] == 3.0
    assert json.loads((tmp_path / "out" / "results.json").read_text())["theta"] == 3.0
    assert not (tmp_path / "out" / "index.html").exists(), "nothing of the replaced run survives"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "out"]


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
    assert main([str(EXAMPLE), "-p", "theta", "3.0", "-p", "n_draws", "2000", "--no-html",
                 "--out", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / "results.json").exists()
    assert main([str(EXAMPLE), "-p", "beta", "-1", "--no-html", "--out", str(tmp_path / "neg")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "beta = -1.0 is outside its admissible range" in err[-1]
    assert not (tmp_path / "neg").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["cli"]


@pytest.mark.notebook
def test_quiet_rerun_keeps_kernel_stderr_out_of_the_caller(tmp_path, capfd):
    res = rerun(EXAMPLE, {"n_draws": "2000"}, tmp_path / "q", quiet=True)
    assert res.results["closed_form_gap"] < 1e-10
    assert "Kernel is running" not in capfd.readouterr().err


# ----------------------------------------------------------------------------------------------
# Command-line parsing and output folders (no kernel)

def test_negative_and_infinite_values_parse_as_values():
    rest, pairs = split_parameter_args(["nb.md", "-p", "sigma", "-1e3", "--parameter", "k", "-inf",
                                        "-p", "beta", "-1", "--out", "x"])
    assert rest == ["nb.md", "--out", "x"]
    assert pairs == [("sigma", "-1e3"), ("k", "-inf"), ("beta", "-1")]
    assert coerce_parameter("k", "-inf", "float") == float("-inf")
    with pytest.raises(RerunError, match="NAME and a VALUE"):
        split_parameter_args(["nb.md", "-p", "sigma"])
    with pytest.raises(RerunError, match="NAME and a VALUE"):
        split_parameter_args(["nb.md", "-p", "--out", "x"])


def test_parameter_defaults_are_values():
    d = parameter_defaults(EXAMPLE)
    assert d["n_draws"] == 200_000 and isinstance(d["theta"], float) and d["results_path"] == ""


@pytest.mark.parametrize("rel", ["chapters/offshoring/tmp", "data/x", "lib/x", "x", "_build", "."])
def test_out_inside_the_repository_is_refused(rel):
    with pytest.raises(RerunError, match="inside the repository"):
        check_out_dir(REPO / rel)
    assert not (REPO / "chapters" / "offshoring" / "tmp").exists()


def test_out_checks(tmp_path):
    assert check_out_dir(REPO / "_build" / "reruns" / "mine") == REPO / "_build" / "reruns" / "mine"
    assert not (REPO / "_build" / "reruns" / "mine").exists(), "a check creates nothing"
    (tmp_path / "file").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    (tmp_path / "empty").mkdir()
    assert check_out_dir(tmp_path / "empty") == tmp_path / "empty"
    for out, msg in [("", "empty"), ("  ", "empty"), (tmp_path / "file", "is a file"),
                     (tmp_path / "file" / "sub", "is a file"), (tmp_path / "full", "not empty")]:
        with pytest.raises(RerunError, match=msg):
            check_out_dir(out)
    with pytest.raises(RerunError, match="only replaces a folder written by lib.rerun"):
        check_out_dir(tmp_path / "full", force=True)


def test_publish_never_mixes_two_runs(tmp_path):
    """The rename at the end fails onto a filled folder: the later run is discarded whole."""
    first, second, out = tmp_path / "a", tmp_path / "b", tmp_path / "out"
    for d, tag in ((first, "first"), (second, "second")):
        d.mkdir()
        (d / "results.json").write_text(json.dumps({"run": tag, "notebook": "x", "source_sha256": "y"}))
    _publish(first, out, force=False)
    with pytest.raises(RerunError, match="filled by another run"):
        _publish(second, out, force=False)
    assert json.loads((out / "results.json").read_text())["run"] == "first"
    _publish(second, out, force=True)          # --force: atomic exchange, then the old run is removed
    assert json.loads((out / "results.json").read_text())["run"] == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "out"] or sorted(
        p.name for p in tmp_path.iterdir()) == ["out"]


def test_path_errors_are_one_line_exit_2(tmp_path):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    (tmp_path / "prose.md").write_text("# Just prose\n\nNo code.\n")
    cases = [
        ([EXAMPLE, "--out", "chapters/offshoring/tmp"], "inside the repository"),
        ([EXAMPLE, "--out", ""], "--out is empty"),
        ([EXAMPLE, "--out", tmp_path / "afile"], "is a file"),
        ([EXAMPLE, "--out", tmp_path / "afile" / "sub"], "is a file"),
        ([CHAPTERS, "--out", tmp_path / "o"], "is a folder, not a notebook"),
        ([tmp_path / "missing.md", "--list"], "notebook not found"),
        ([tmp_path / "broken.ipynb", "--list"], "not a readable notebook"),
        ([tmp_path / "afile", "--list"], "not a notebook"),
        ([tmp_path / "prose.md", "--list"], "no code cells"),
        ([EXAMPLE, "-p", "thetaa", "2", "--out", tmp_path / "o"], "unknown parameter"),
        ([EXAMPLE, "-p", "theta"], "NAME and a VALUE"),
    ]
    import io
    from contextlib import redirect_stderr

    from lib.rerun import main
    for args, msg in cases:
        buf = io.StringIO()
        with redirect_stderr(buf):
            rc = main([str(a) for a in args])
        err = buf.getvalue().strip().splitlines()
        assert rc == 2, (args, err)
        assert len(err) == 1 and msg in err[0] and err[0].startswith("error: "), (args, err)
    # and once as a user runs it, from the repository root: one line, no traceback
    rc, err = cli(EXAMPLE, "--out", "chapters/offshoring/tmp")
    assert rc == 2 and len(err) == 1 and "inside the repository" in err[0], err
    assert not (CHAPTERS / "offshoring" / "tmp").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "broken.ipynb", "prose.md"]


# ----------------------------------------------------------------------------------------------
# Must-show behaviours, through the command line as a user runs it

@pytest.mark.notebook
def test_negative_sigma_reaches_the_notebooks_range_check(tmp_path):
    rc, err = cli(STATICS, "-p", "sigma", "-1e3", "--no-html", "--out", tmp_path / "neg")
    assert rc == 2 and len(err) == 1, err
    assert "ValueError: sigma = -1000.0" in err[0] and "must exceed 1" in err[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.notebook
def test_two_concurrent_reruns_to_one_out_exactly_one_wins(tmp_path):
    out = tmp_path / "same"
    cmd = [PY, "-m", "lib.rerun", str(EXAMPLE), "-p", "n_draws", "2000", "--no-html", "--quiet",
           "--out", str(out)]
    procs = [subprocess.Popen(cmd + ["-p", "theta", t], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for t in ("3.0", "5.0")]
    outs = [p.communicate(timeout=300) for p in procs]
    rcs = [p.returncode for p in procs]
    assert sorted(rcs)[0] == 0 and sorted(rcs)[1] != 0, (rcs, outs)
    loser = outs[rcs.index(sorted(rcs)[1])][1].strip().splitlines()
    assert len(loser) == 1 and ("another run" in loser[0] or "not empty" in loser[0]), loser
    winner_theta = 3.0 if rcs[0] == 0 else 5.0
    results = json.loads((out / "results.json").read_text())
    assert results["theta"] == winner_theta and results["parameters"]["theta"] == winner_theta
    assert sorted(p.name for p in out.iterdir()) == ["figures", "how_to_read.ipynb", "kernel_stderr.log",
                                                   "results.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same"], "no partial folder or lock left"


def _kernel_children(pid):
    import psutil
    try:
        return [c for c in psutil.Process(pid).children(recursive=True)
                if "ipykernel" in " ".join(c.cmdline())]
    except psutil.NoSuchProcess:
        return []


@pytest.mark.notebook
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_a_rerun_leaves_nothing_and_retry_works(tmp_path, sig):
    """Ctrl-C (SIGINT to the process group) or SIGTERM 3 s in, with the kernel running."""
    import psutil
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    (tmp_path / "tmp").mkdir()
    runs = tmp_path / "runs"
    runs.mkdir()
    cmd = [PY, "-m", "lib.rerun", str(EXAMPLE), "-p", "n_draws", "3000000", "--no-html", "--quiet",
           "--out", str(runs / "r")]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    time.sleep(3)
    deadline = time.monotonic() + 30
    while not _kernel_children(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    kernels = _kernel_children(proc.pid)
    assert kernels and proc.poll() is None, "the kernel should be running 3 s in"
    if sig == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)       # what Ctrl-C in a terminal does
    else:
        proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"interrupted by {sig.name}" in lines[0], stderr
    assert list(runs.iterdir()) == [], "no folder, partial folder or lock under --out's parent"
    psutil.wait_procs(kernels, timeout=5)
    assert not any(k.is_running() and k.status() != psutil.STATUS_ZOMBIE for k in kernels)
    assert [p for p in (tmp_path / "tmp").rglob("*.json")] == [], "no kernel connection file left"
    assert not (tmp_path / "rt").exists() or not list((tmp_path / "rt").rglob("kernel-*.json"))
    if sig == signal.SIGINT:   # an immediate retry succeeds
        retry = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert retry.returncode == 0, retry.stderr
        assert json.loads((runs / "r" / "results.json").read_text())["parameters"]["n_draws"] == 3_000_000



def test_remove_tree_outlasts_a_late_writer(tmp_path, monkeypatch):
    """On SIGINT papermill can save the notebook into the partial folder while it is being removed
    (CI once left ``.r.partial-*/how_to_read.ipynb``): the removal is retried until the folder is gone."""
    import shutil
    from pathlib import Path

    from lib.book import rerun_output

    folder = tmp_path / ".r.partial-x"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    real_rmtree, calls = shutil.rmtree, []

    def racing_rmtree(path, ignore_errors=False):
        calls.append(path)
        real_rmtree(path, ignore_errors=ignore_errors)
        if len(calls) == 1:  # the late save lands between emptying and removing the folder
            Path(path).mkdir(exist_ok=True)
            (Path(path) / "how_to_read.ipynb").write_text("{}")

    monkeypatch.setattr(rerun_output.shutil, "rmtree", racing_rmtree)
    assert rerun_output._remove_tree(folder, pause=0.0)
    assert not folder.exists() and len(calls) == 2
