"""Tests of lib.sweep: grid parsing, result lookup, a 3-point sweep from the command line (default
LocalCluster, resumed on a second run) and a 4-point sweep on a 2-worker Dask cluster with one
inadmissible point recorded as failed."""
import io
import json
import subprocess
import sys
from contextlib import redirect_stderr

import pandas as pd
import pytest

from lib.book.paths import REPO_ROOT
from lib.book.rerun import RerunError, notebook_parameters
from lib.book.sweep import grid_points, lookup, parse_grid, point_name, sweep
from lib.sweep import main

REPO = REPO_ROOT   # the repository, wherever this test file lives

from conftest import checkout_files  # noqa: E402
EXAMPLE = REPO / "chapters" / "how_to_read.md"
STATICS = REPO / "chapters" / "offshoring" / "03_comparative_statics.md"


@pytest.fixture(scope="module", autouse=True)
def leaves_checkout_as_found():
    before = checkout_files()
    yield
    assert checkout_files() == before


@pytest.fixture(scope="module")
def declared():
    return notebook_parameters(STATICS)


def test_parse_grid(declared):
    assert parse_grid("sigma=3:5:11", declared) == ("sigma", [3.0, 3.2, 3.4, 3.6, 3.8, 4.0, 4.2, 4.4,
                                                              4.6, 4.8, 5.0])
    assert parse_grid("k=3.4,4.0", declared) == ("k", [3.4, 4.0])
    assert parse_grid("sigma=-1e3,-1", declared) == ("sigma", [-1000.0, -1.0])
    assert parse_grid("n_alpha=10:30:3", declared) == ("n_alpha", [10, 20, 30])
    assert parse_grid("sigma=4:4:1", declared) == ("sigma", [4.0])


@pytest.mark.parametrize("spec, msg", [
    ("sigma", "expected NAME=START"), ("sigma=", "expected NAME=START"), ("=1,2", "expected NAME"),
    ("sigmaa=1,2", "unknown parameter 'sigmaa'"), ("sigma=1:2", "START:STOP:N"),
    ("sigma=1:2:0", "at least 1"), ("sigma=1:2:x", "whole number"), ("sigma=a:2:3", "not a number"),
    ("sigma=1,abc", "parameter 'sigma' expects float"), ("n_alpha=10:20:4", "whole numbers"),
    ("sigma=1:inf:3", "not finite")])
def test_parse_grid_errors(declared, spec, msg):
    with pytest.raises(RerunError, match=msg):
        parse_grid(spec, declared)


def test_grid_points_and_names():
    pts = grid_points({"sigma": [3.0, 3.5], "k": [3.4, 4.0]})
    assert pts == [{"sigma": 3.0, "k": 3.4}, {"sigma": 3.0, "k": 4.0},
                   {"sigma": 3.5, "k": 3.4}, {"sigma": 3.5, "k": 4.0}]
    assert point_name(pts[1]) == "sigma=3.0_k=4.0"
    assert point_name({"sigma": -1000.0}) == "sigma=-1000.0"
    assert len({point_name({"s": "a/b"}), point_name({"s": "a b"})}) == 2


def test_lookup():
    r = {"welfare": 1.5, "at_alpha_point": {"w": 2.0, "v": 3.0}, "parameters": {"w": 9},
         "a": {"x": 1}, "b": {"x": 2}}
    assert lookup(r, "welfare") == 1.5
    assert lookup(r, "at_alpha_point.v") == 3.0
    assert lookup(r, "w") == 2.0, "a unique nested key; the parameters record does not count"
    with pytest.raises(KeyError, match="ambiguous"):
        lookup(r, "x")
    with pytest.raises(KeyError, match="no 'zz'"):
        lookup(r, "zz")


def _main(args):
    buf = io.StringIO()
    with redirect_stderr(buf):
        rc = main([str(a) for a in args])
    return rc, buf.getvalue().strip().splitlines()


def test_cli_errors_are_one_line(tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("not a sweep")
    cases = [
        ([STATICS, "--grid", "sigma=1:2", "--out", tmp_path / "o"], "START:STOP:N"),
        ([STATICS, "--grid", "sigmaa=1,2", "--out", tmp_path / "o"], "unknown parameter"),
        ([STATICS, "--out", tmp_path / "o"], "at least one --grid"),
        ([STATICS, "--grid", "sigma=3,4", "-p", "sigma", "4", "--out", tmp_path / "o"], "both"),
        ([STATICS, "--grid", "sigma=3,4", "--grid", "sigma=5,6", "--out", tmp_path / "o"], "two --grid"),
        ([STATICS, "--grid", "sigma=3,4", "--out", "chapters/offshoring/tmp"], "inside the repository"),
        ([STATICS, "--grid", "sigma=3,4", "--out", tmp_path / "other"], "does not hold a sweep"),
        ([STATICS, "--grid", "sigma=3,4", "--out", ""], "--out is empty"),
        ([STATICS, "--grid", "sigma=3,4", "--workers", "0", "--out", tmp_path / "o"], "--workers"),
        ([REPO / "chapters", "--grid", "sigma=3,4", "--out", tmp_path / "o"], "not a notebook"),
    ]
    for args, msg in cases:
        rc, err = _main(args)
        assert rc == 2 and len(err) == 1 and msg in err[0], (args, err)
    assert not (REPO / "chapters" / "offshoring" / "tmp").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]


@pytest.mark.notebook
def test_three_point_sweep_from_the_command_line_then_resume(tmp_path):
    out = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "lib.sweep", str(EXAMPLE), "--grid", "theta=2,4,8",
           "-p", "n_draws", "1000", "--collect", "welfare,largest_share", "--workers", "2",
           "--out", str(out)]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "3 points: 3 ok" in res.stdout
    assert "3/3" in res.stderr, "a tqdm progress bar on stderr"
    df = pd.read_csv(out / "sweep.csv")
    assert len(df) == 3 and list(df["theta"]) == [2.0, 4.0, 8.0]
    assert list(df.columns[:4]) == ["theta", "n_draws", "welfare", "largest_share"]
    assert {"status", "error", "seconds", "resumed", "worker", "folder"} <= set(df.columns)
    assert (df["status"] == "ok").all() and df["welfare"].is_monotonic_decreasing
    assert (out / "welfare.png").stat().st_size > 1000 and (out / "largest_share.png").exists()
    for folder, theta in zip(df["folder"], df["theta"]):
        r = json.loads((out / folder / "results.json").read_text())
        assert r["parameters"]["theta"] == theta and r["parameters"]["n_draws"] == 1000
    # the same command again: every point is read back, none rerun
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "3 points: 3 ok (3 from an earlier run)" in again.stdout
    df2 = pd.read_csv(out / "sweep.csv")
    assert df2["resumed"].all() and list(df2["welfare"]) == list(df["welfare"])


@pytest.mark.notebook
def test_four_point_sweep_on_a_two_worker_cluster_records_the_failed_point(tmp_path):
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster, Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        df = sweep(EXAMPLE, {"theta": [0.5, 2.0, 4.0, 8.0]}, ["welfare"], tmp_path / "s",
                   fixed={"n_draws": 1000}, scheduler=cluster.scheduler_address, progress=False)
    assert len(df) == 4 and list(df["status"]) == ["failed", "ok", "ok", "ok"]
    bad = df.iloc[0]
    assert "theta = 0.5 is outside its admissible range" in bad["error"] and pd.isna(bad["welfare"])
    assert not (tmp_path / "s" / bad["folder"]).exists(), "a failed point leaves no folder"
    assert df["worker"].nunique() == 2, "both workers ran points"
    on_disk = pd.read_csv(tmp_path / "s" / "sweep.csv")
    assert len(on_disk) == 4 and list(on_disk["status"]) == list(df["status"])
    assert (tmp_path / "s" / "welfare.png").exists()
