"""The package built by ``pip install .`` works outside the repository: it carries its data.

Builds a wheel of the repository, unpacks it into a temporary folder (``pip install --target``,
no dependencies: those of the test's interpreter are used) and runs ``tests/core/installed_smoke.py``
from another working directory with only that folder on the path for ``lib``.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(REPO)],
                   check=True, cwd=tmp, capture_output=True, timeout=300)
    wheel = next((tmp / "dist").glob("*.whl"))
    subprocess.run(pip + ["install", "--no-deps", "--target", str(tmp / "site"), str(wheel)],
                   check=True, cwd=tmp, capture_output=True, timeout=300)
    return tmp


def _run(tmp, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BOOK_DATA_DIR")}
    env["PYTHONPATH"] = str(tmp / "site")
    env.update(env_extra or {})
    cwd = tmp / "elsewhere"
    cwd.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, str(REPO / "tests" / "core" / "installed_smoke.py")], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_wheel_carries_the_data(installed):
    site = installed / "site" / "lib" / "_data"
    assert (site / "offshoring" / "table1.csv").is_file()
    assert not (site / "offshoring" / "table1.csv").is_symlink()


def test_installed_package_solves_and_loads_data_from_another_directory(installed):
    run = _run(installed)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["lib"].startswith(str(installed / "site"))
    assert out["data_dir"].startswith(str(installed / "site"))
    assert out["migration_converged"] and out["fe_levels_converged"]
    assert out["granular_residual"] < 1e-9 and out["offshoring_w"] > 0
    assert out["offshoring_table1_rows"] > 0 and out["fe_table1_rows"] == 16


def test_data_dir_environment_variable_overrides_and_a_bad_one_is_named(installed, tmp_path):
    run = _run(installed, {"BOOK_DATA_DIR": str(REPO / "data")})
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1])["data_dir"] == str(REPO / "data")
    bad = _run(installed, {"BOOK_DATA_DIR": str(tmp_path / "nope")})
    assert bad.returncode != 0 and "BOOK_DATA_DIR" in bad.stderr
