"""Checks of the built HTML book (run by `make book` after `jupyter-book build`)."""
from pathlib import Path
import re

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
pytestmark = pytest.mark.build

PAGES = sorted(HTML.rglob("*.html")) if HTML.exists() else []
CHAPTER_PAGES = [p for p in PAGES if "chapters" in p.parts]


def test_book_was_built():
    assert (HTML / "index.html").exists(), "run `make book` first"
    assert len(CHAPTER_PAGES) >= 5


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=lambda p: str(p.relative_to(HTML)))
def test_page_has_no_error_output(page):
    text = page.read_text(errors="replace")
    for marker in ("Traceback (most recent call last)", 'class="output traceback', "output stderr"):
        assert marker not in text, f"{page.name} contains {marker!r}"
    assert not re.search(r"\b\w+Error: ", re.sub(r"<[^>]+>", "", text.split('<div class="bd-sidebar')[0])) or \
        "raises" in text, f"{page.name} shows an error message"


def test_mathjax_is_served_locally():
    assert (HTML / "_static" / "mathjax" / "tex-mml-chtml.js").exists()
    fonts = list((HTML / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert fonts, "MathJax fonts were not copied"
    # extensions MathJax loads on demand (\boldsymbol in offshoring/04_empirics)
    assert (HTML / "_static" / "mathjax" / "input" / "tex" / "extensions" / "boldsymbol.js").exists()
    page = (HTML / "chapters" / "how_to_read.html").read_text()
    assert "_static/mathjax/tex-mml-chtml.js" in page
    assert "cdn.jsdelivr.net" not in page


def test_glued_numbers_and_figures_rendered():
    page = (HTML / "chapters" / "how_to_read.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert re.search(r"Expected utility is \d+\.\d{4}\.", text), "the glued welfare number is missing"
    assert re.search(r"converged in \d+ iterations", text)
    assert "<img" in page and "figure" in page


NOTEBOOK_PAGES = [p for p in CHAPTER_PAGES if p.stem[:2].isdigit() or p.stem == "how_to_read"]


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=lambda p: str(p.relative_to(HTML)))
def test_reader_finish(page):
    """Every figure has a caption, every exercise a collapsed solution, and the page has maths."""
    text = page.read_text()
    assert len(re.findall(r"<figure", text)) == len(re.findall(r"<figcaption", text))
    exercises = len(re.findall(r'class="[^"]*exercise', text))
    solutions = len(re.findall(r'class="[^"]*solution[^"]*dropdown|dropdown[^"]*solution', text))
    assert exercises >= 2, "each notebook has at least two exercises"
    assert solutions == exercises, "each exercise has a solution in a dropdown"
    assert "\\(" in text or "\\[" in text or 'class="math' in text, "no maths on the page"
    assert "_static/mathjax/tex-mml-chtml.js" in text


def test_api_reference_is_built_and_linked_from_each_chapter():
    assert (HTML / "api" / "lib" / "index.html").exists(), "the API reference page was not built"
    assert (HTML / "api" / "lib" / "core" / "fixed_point" / "index.html").exists()
    for chapter in ("offshoring", "migration_mnc", "granular", "foreign_employment"):
        index = (HTML / "chapters" / chapter / "index.html").read_text()
        assert f"api/lib/{chapter}/index.html" in index, f"{chapter}/index does not link the API reference"


# --- issue 13: plumbing out of sight, readable tables, downloads -------------------------------

def _visible_code(text: str) -> str:
    """Source of the code cells a reader sees (remove-input cells are gone, hide-input ones folded)."""
    cells = re.split(r'<div class="cell(?=[ "])', text)[1:]
    shown = [c for c in cells if "tag_hide-input" not in c.split(">", 1)[0]]
    code = []
    for c in shown:
        m = re.search(r'<div class="cell_input.*?<pre>(.*?)</pre>', c, re.S)
        if m:
            code.append(re.sub(r"<[^>]+>", "", m.group(1)))
    return "\n".join(code)


PLUMBING = re.compile(r"\b(glue|glue_many|require_in_range|require_integer|require_positive|save_results)\(")


@pytest.mark.parametrize("page", NOTEBOOK_PAGES + [p for p in CHAPTER_PAGES if p.stem in (
    "replication", "performance")], ids=lambda p: str(p.relative_to(HTML)))
def test_plumbing_out_of_sight(page):
    """No validation, glue or results-writing call in a visible code cell; overview before code."""
    text = page.read_text()
    calls = sorted(set(PLUMBING.findall(_visible_code(text))))
    assert not calls, f"{page.name} shows plumbing calls {calls}: tag those cells remove-input"
    first_code = text.find('class="cell_input')
    if first_code >= 0:
        m = re.search(r'id="[^"]*overview[^"]*"', text)
        overview = m.start() if m else -1
        assert 0 <= overview < first_code, f"{page.name}: the first code cell comes before the Overview"


def test_no_truncated_table_text():
    for page in CHAPTER_PAGES:
        for table in re.findall(r'<table[^>]*class="dataframe.*?</table>', page.read_text(), re.S):
            assert "…" not in re.sub(r"<[^>]+>", "", table), f"{page.name}: a table cuts its text with …"


def test_scoreboard_is_split_per_chapter():
    text = (HTML / "chapters" / "replication.html").read_text()
    tables = re.findall(r"<table.*?</table>", text, re.S)
    assert max(t.count("<tr") for t in tables) < 150, "the scoreboard is still one long table"
    assert text.count('<div class="book-scroll">') >= 10, "each section scrolls inside a bounded box"
    assert text.count('<details class="book-section"') >= 10  # one per comparing notebook


def test_tables_are_captioned_as_tables_not_figures():
    """A glued table carries its own <caption> (lib.book.glue.captioned_table), not a figure's."""
    for page in CHAPTER_PAGES:
        figures = re.findall(r"<figure.*?</figure>", page.read_text(), re.S)
        assert not any("<table" in f for f in figures), f"{page.name}: a table is captioned as a figure"


def test_every_table_caption_appears_once_per_page():
    """Each captioned table is shown once: glued tables are not echoed as their cell's output."""
    for page in CHAPTER_PAGES:
        captions = re.findall(r"<caption>(.*?)</caption>", page.read_text(), re.S)
        twice = sorted({c[:80] for c in captions if captions.count(c) > 1})
        assert not twice, f"{page.name}: tables shown twice: {twice}"


def test_hidden_cells_print_no_stray_values():
    """A remove-input cell (range checks, glue) must not echo the value of its last line: a
    ``require_nonnegative("seed", seed)`` ending such a cell printed a bare "20251023" under the
    parameters (granular 02/03/05); a glue_many printed a dict (FE 05)."""
    from bs4 import BeautifulSoup

    stray = []
    for page in CHAPTER_PAGES:
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for cell in soup.select("div.cell.tag_remove-input"):
            for out in cell.select("div.cell_output div.output.text_plain"):
                stray.append(f"{page.name}: {out.get_text().strip()[:60]!r}")
    assert not stray, stray


def test_scoreboard_reads_the_build_instead_of_rerunning():
    """The comparing notebooks ran once, in the build; the scoreboard read what they kept."""
    text = re.sub(r"<[^>]+>", "", (HTML / "chapters" / "replication.html").read_text())
    m = re.search(r"The rows of\s+(\d+)\s+notebooks were read from this build.s execution of their\s+pages"
                  r"\s+and\s+(\d+)\s+were rerun", text)
    assert m, "the scoreboard does not say where its rows came from"
    assert (int(m.group(1)), int(m.group(2))) == (10, 0), m.group(0)


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=lambda p: str(p.relative_to(HTML)))
def test_notebook_downloads(page):
    """The header's download menu offers the page's .md source and its executed .ipynb, offline."""
    text = page.read_text()
    rel = page.relative_to(HTML).with_suffix("")
    for suffix in (".ipynb", ".md"):
        assert f"_sources/{rel.as_posix()}{suffix}" in text, f"{page.name}: no {suffix} download"
        assert (HTML / "_sources" / rel.parent / f"{rel.name}{suffix}").exists()
    import json
    nb = json.loads((HTML / "_sources" / rel.parent / f"{rel.name}.ipynb").read_text())
    assert any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), "the .ipynb has no outputs"


def _uncaptioned_tables(text):
    """Tables of a page without a <caption>, except myst-nb's execution-statistics table."""
    return [t for t in re.findall(r"<table.*?</table>", text, re.S)
            if "<caption" not in t and "nb-exec-table" not in t
            and not re.sub(r"<[^>]+>", " ", t).split()[:2] == ["Document", "Modified"]]


def test_uncaptioned_table_helper_detects_a_bare_table():
    assert len(_uncaptioned_tables("<table><tr><td>1</td></tr></table>")) == 1
    assert not _uncaptioned_tables("<table><caption>Table: x</caption><tr><td>1</td></tr></table>")


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=lambda p: str(p.relative_to(HTML)))
def test_every_table_has_a_caption(page):
    """The style guide: tables are captioned as tables (pandas set_caption, or MyST {table})."""
    bare = _uncaptioned_tables(page.read_text())
    assert not bare, (f"{page.name}: {len(bare)} table(s) without a caption, first: "
                      f"{' '.join(re.sub(r'<[^>]+>', ' ', bare[0]).split())[:120]}")
