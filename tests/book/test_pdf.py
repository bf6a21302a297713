"""lib.book.pdf prints pages in table-of-contents order into one PDF with a bookmark per page."""
from __future__ import annotations

import os

import pytest

from lib.book.check_html import find_chromium

if not find_chromium():
    if os.environ.get("CI"):
        pytest.fail("CI must install Chromium (.ci/run does)", pytrace=False)
    pytest.skip("no Chromium: apt-get install -y chromium", allow_module_level=True)

from pypdf import PdfReader  # noqa: E402

from lib.book.pdf import main, print_pages, toc_pages  # noqa: E402


def _site(root):
    (root / "chapters").mkdir(parents=True)
    (root / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=intro.html" />')
    for name, title in [("intro", "Intro"), ("chapters/a", "Chapter A"), ("chapters/b", "Chapter B")]:
        body = "".join(f"<p>{title} paragraph {i}.</p>" for i in range(5))
        (root / f"{name}.html").write_text(f"<html><head><title>{title} — Book</title></head>"
                                           f"<body><h1>{title}</h1><details><summary>s</summary>hidden</details>{body}</body></html>")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/b\n"
                                   "  - file: chapters/a\n  - file: api/lib/index\n")


def test_toc_order_and_pdf(tmp_path):
    _site(tmp_path)
    pages = toc_pages(tmp_path, tmp_path / "_toc.yml")
    assert [p.stem for p in pages] == ["intro", "b", "a"]  # root first, then toc order, no api
    out = print_pages(pages, tmp_path / "out" / "book.pdf")
    reader = PdfReader(str(out))
    assert len(reader.pages) == 3
    assert [o.title for o in reader.outline] == ["Intro", "Chapter B", "Chapter A"]


def test_cli_without_a_build(tmp_path):
    assert main([str(tmp_path / "nothing")]) == 2
