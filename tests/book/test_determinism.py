"""Determinism: running a results notebook twice gives the same results (issue 7, item 4).

Each chapter's results notebook (and the book's worked example ``how_to_read.md``) is rerun
twice through the ``run_notebook`` fixture at the small, fast parameters its own notebook tests
use.  Two things must be identical between the runs:

* ``results.json`` -- same keys, same values to the last bit -- once wall-clock timings (keys
  such as ``solve_seconds``) are removed;
* every value the notebook glues into its prose (myst-nb ``glue``, stored in the executed
  notebook), except glue keys that name a timing (``off-c-sweep-s``, ``fe-aut-seconds``, ...).
  Object addresses (``at 0x7f...``) and pandas Styler ids are masked before comparing.

Everything random in the book is drawn from a documented seed, so any difference is a bug (an
unseeded generator, a dict/set ordering leak, a warm start carried between runs, ...).
"""
from __future__ import annotations

import json
import math
import re

import pytest

#: key names that hold measurements of the machine (wall-clock time, peak memory such as FE 04's
#: ``peak_memory_gib``) and may differ between runs
TIMING_KEY = re.compile(r"(^|_)(seconds|secs|sec|time|timing|timings|wall|wallclock|elapsed|ms|started"
                        r"|memory_gib|memory_mib)$",
                        re.IGNORECASE)
#: glue keys that hold wall-clock measurements (``off-c-sweep-s``, ``mig-c-solve-ms``, ``fe-aut-seconds``)
TIMING_GLUE = re.compile(r"(^|[-_])(ms|sec|secs|seconds|time|timing|wall|elapsed)$"
                         r"|(^|[-_])(solve|sweep|run|build|total)-s$", re.IGNORECASE)
#: run-specific text inside glued objects: memory addresses and pandas Styler table ids
VOLATILE = [(re.compile(r"\b0x[0-9a-f]+\b"), "0x#"), (re.compile(r"\bT_[0-9a-f]{5}(?=[_\s\"'])"), "T_#")]

#: (notebook relative to chapters/, small parameters); the values are those of the chapters'
#: own tests/<paper>/test_notebooks_*.py, so each run takes a few seconds.
CASES = [
    ("how_to_read.md", dict(n_draws=20_000, n_locations=6)),
    ("offshoring/03_comparative_statics.md", dict(n_alpha=80, n_scan=60, n_sens=3)),
    ("migration_mnc/03_counterfactuals.md", dict(n_family=8)),
    ("granular/02_granularity_and_wages.md", dict(n_m=40, n_mc=2000, n_entry_states=2000)),
    ("granular/05_spatial_policy.md", dict(n_sectors=60, n_max=200)),
    ("foreign_employment/04_autarky.md", dict(n_regions=6)),
]


def strip_timings(obj, path="", removed=None):
    """Return ``obj`` without dict entries whose key names a wall-clock timing; record their paths."""
    removed = [] if removed is None else removed
    if isinstance(obj, dict):
        out = {}
        for key, val in obj.items():
            if TIMING_KEY.search(str(key)):
                removed.append(f"{path}/{key}")
                continue
            out[key] = strip_timings(val, f"{path}/{key}", removed)
        return out
    if isinstance(obj, list):
        return [strip_timings(v, f"{path}[{i}]", removed) for i, v in enumerate(obj)]
    return obj


def differences(a, b, path=""):
    """List the paths at which two JSON trees differ (exact comparison, NaN never equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: only in one run" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            out += differences(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: lengths {len(a)} != {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    if type(a) is not type(b) or a != b:
        return [f"{path}: {a!r} != {b!r}"]
    return []


def glued_values(notebook_path) -> dict:
    """``{glue key: {mime type: text}}`` from an executed notebook (myst-nb/scrapbook glue outputs)."""
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    out = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            data = {}
            for mime, text in output.get("data", {}).items():
                text = text if isinstance(text, str) else json.dumps(text, sort_keys=True)
                for pattern, repl in VOLATILE:
                    text = pattern.sub(repl, text)
                data[mime] = text
            out[name] = data
    return out


def test_helpers_detect_a_difference_and_drop_only_timings():
    removed = []
    a = strip_timings({"solve_seconds": 1.0, "x": [1.0, {"sweep_seconds": 2.0, "y": 2}],
                       "seed": 3, "n_sectors": 4}, removed=removed)
    assert a == {"x": [1.0, {"y": 2}], "seed": 3, "n_sectors": 4}
    assert removed == ["/solve_seconds", "/x[1]/sweep_seconds"]
    assert strip_timings({"peak_memory_gib": 2.4, "memory": 1}) == {"memory": 1}
    assert differences(a, a) == []
    assert differences({"v": 1.0}, {"v": 1.0 + 1e-15})
    assert differences({"v": [1, 2]}, {"v": [1]}) and differences({"v": 1}, {"w": 1})
    assert differences({"v": 1}, {"v": 1.0})  # an int turning into a float is a change
    assert differences(math.nan, math.nan)
    assert all(TIMING_GLUE.search(k) for k in ("off-c-sweep-s", "mig-c-solve-ms", "fe-aut-seconds",
                                                "fe-aut-scen-seconds"))
    assert not any(TIMING_GLUE.search(k) for k in ("off-c-w-peak", "gran-05-gap-cournot", "htr-gap",
                                                    "fe-aut-gdp-s", "mig-c-bi-H", "fe-aut-iters"))


def test_volatile_masks_styler_ids_and_addresses_only():
    import pandas as pd

    def mask(text):
        for pattern, repl in VOLATILE:
            text = pattern.sub(repl, text)
        return text

    html = [pd.DataFrame({"a": [1.0]}).style.format("{:.2f}").to_html() for _ in range(2)]
    assert html[0] != html[1] and mask(html[0]) == mask(html[1])  # random Styler uuids
    assert mask("<Styler at 0x7f3a2b>") == mask("<Styler at 0x7f9999>")
    assert mask("1.0000") != mask("1.0001")  # numbers are never masked


@pytest.mark.notebook
@pytest.mark.parametrize("notebook, params", CASES, ids=[c[0] for c in CASES])
def test_results_identical_across_two_runs(run_notebook, notebook, params):
    first = run_notebook(notebook, **params)
    second = run_notebook(notebook, **params)
    assert first.results_path.exists() and second.results_path.exists(), "the notebook wrote no results.json"
    assert first.results, f"{notebook}: results.json is empty"
    # compare the files as written (sort_keys=True), not just the parsed dicts
    r1 = json.loads(first.results_path.read_text())
    r2 = json.loads(second.results_path.read_text())
    removed = []
    a = strip_timings(r1, removed=removed)
    b = strip_timings(r2)
    diff = differences(a, b)
    print(f"determinism {notebook}: {len(json.dumps(a))} characters of results compared, "
          f"timing keys ignored: {removed or 'none'}, differences: {len(diff)}")
    assert not diff, f"{notebook}: two runs differ at {len(diff)} place(s): " + "; ".join(diff[:10])

    # the numbers glued into the prose
    g1, g2 = glued_values(first.notebook_path), glued_values(second.notebook_path)
    assert g1, f"{notebook}: no glued values found in the executed notebook"
    timing = sorted(k for k in set(g1) | set(g2) if TIMING_GLUE.search(k))
    glue_diff = differences({k: v for k, v in g1.items() if k not in timing},
                            {k: v for k, v in g2.items() if k not in timing})
    print(f"determinism {notebook}: {len(g1)} glued values compared, timing glue ignored: "
          f"{timing or 'none'}, differences: {len(glue_diff)}")
    assert not glue_diff, f"{notebook}: glued values differ: " + "; ".join(d[:200] for d in glue_diff[:10])
