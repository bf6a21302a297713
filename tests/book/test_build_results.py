"""lib.book.build_results (the scoreboard reads what the build's notebooks kept) and
lib.book.stable_autoapi (unchanged API pages keep their modification time)."""
from __future__ import annotations

import json
import os

import pytest

from lib.book import build_results as br
from lib.book.paths import REPO_ROOT
from lib.book.stable_autoapi import restore_mtimes


@pytest.fixture
def fake_notebook(tmp_path, monkeypatch):
    """A notebook file under a fake repository root, so nothing in the checkout is touched."""
    root = tmp_path / "repo"
    nb = root / "chapters" / "x" / "01_page.md"
    nb.parent.mkdir(parents=True)
    nb.write_text("# a page\n")
    monkeypatch.setattr(br, "REPO_ROOT", root)
    return nb


def test_results_file_name_is_the_relative_path(fake_notebook, tmp_path):
    assert br.results_file_for(fake_notebook, tmp_path / "out").name == "chapters__x__01_page.md.json"


def test_nothing_is_written_outside_a_book_build(fake_notebook, monkeypatch):
    monkeypatch.delenv("BOOK_RESULTS_FILE", raising=False)
    monkeypatch.delenv("BOOK_NOTEBOOK", raising=False)
    assert br.write_build_results({"a": 1}) is None


def test_round_trip_and_stale_source(fake_notebook, tmp_path, monkeypatch):
    out = tmp_path / "out"
    target = br.results_file_for(fake_notebook, out)
    monkeypatch.setenv("BOOK_RESULTS_FILE", str(target))
    monkeypatch.setenv("BOOK_NOTEBOOK", str(fake_notebook))
    assert br.write_build_results({"paper_comparison": [{"paper": 1.0, "book": 1.01}]}) == target
    assert not list(out.glob("*.tmp"))  # written atomically
    got = br.load_build_results(fake_notebook, out)
    assert got["paper_comparison"] == [{"paper": 1.0, "book": 1.01}]
    assert got["notebook"] == str(fake_notebook)
    fake_notebook.write_text("# a page, edited\n")  # the source changed since: stale
    assert br.load_build_results(fake_notebook, out) is None


def test_missing_or_corrupt_file_gives_none(fake_notebook, tmp_path):
    out = tmp_path / "out"
    assert br.load_build_results(fake_notebook, out) is None
    out.mkdir()
    br.results_file_for(fake_notebook, out).write_text("{not json")
    assert br.load_build_results(fake_notebook, out) is None


def test_build_results_dir_is_inside_build():
    assert br.BUILD_RESULTS_DIR == REPO_ROOT / "_build" / "book_results"


def test_unchanged_api_pages_get_their_old_mtime_back(tmp_path):
    api, record = tmp_path / "api", tmp_path / "doctrees" / "stable.json"
    (api / "lib").mkdir(parents=True)
    same, edited = api / "lib" / "a.rst", api / "lib" / "b.rst"
    same.write_text("A")
    edited.write_text("B")
    old = 1_000_000_000_000_000_000  # ns
    os.utime(same, ns=(old, old))
    os.utime(edited, ns=(old, old))
    assert restore_mtimes(api, record) == (0, 2)  # first build: everything is new
    # the next build regenerates both files (new mtimes); only b's content changed
    same.write_text("A")
    edited.write_text("B2")
    assert restore_mtimes(api, record) == (1, 1)
    assert same.stat().st_mtime_ns == old
    assert edited.stat().st_mtime_ns > old
    assert set(json.loads(record.read_text())) == {"lib/a.rst", "lib/b.rst"}
