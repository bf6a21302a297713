"""lib.book.scoreboard and lib.book.numbers: the scoreboard's tables read cleanly."""
import pandas as pd

from lib.book.numbers import fixed, readable, signed
from lib.book.scoreboard import chapter_html, summary_table


def _board():
    rows = []
    for i in range(30):
        rows.append({"chapter": "A" if i < 20 else "B", "notebook": f"a/0{i % 2}.md" if i < 20 else "b/01.md",
                     "quantity": f"q{i} <x>", "source": "Table 1", "paper": 1.25, "book": 1.2501 + (i == 3),
                     "decimals": 2, "basis": "recomputed", "role": "fitted" if i >= 25 else "",
                     "note": "", "status": "differs (see note)" if i == 3 else "reproduced to printed digits"})
    return pd.DataFrame(rows)


def test_summary_counts_every_row_once():
    s = summary_table(_board())
    assert list(s.index) == ["A", "B", "all chapters"]
    assert s.loc["all chapters", "rows"] == 30
    assert s.loc["A", "differs"] == 1 and s.loc["B", "fitted"] == 5


def test_chapter_sections_are_collapsible_and_escaped():
    text = chapter_html(_board(), "A")
    assert text.count("<details") == 2  # one per notebook and paper table
    assert "<x>" not in text and "&lt;x&gt;" in text
    assert "-0" not in text and "\u2212" not in text  # difference +0.0001 at 3 decimals -> "0"
    assert "<th>role</th>" not in text  # chapter A fits nothing... but B does
    assert "<th>role</th>" in chapter_html(_board(), "B")


def test_one_section_per_paper_table():
    board = pd.concat([_board()] * 5, ignore_index=True)  # 50 rows per notebook of chapter A
    board.loc[(board.index // 3) % 2 == 0, "source"] = "Doi and Suzuki (2025), Table 8 (output change)"
    board.loc[(board.index // 3) % 2 == 1, "source"] = "Table 7, p. 30"
    text = chapter_html(board, "A")
    assert text.count("<details") == 4  # two notebooks x two tables
    assert chapter_html(_board(), "A").count("<details") == 2  # small notebooks are not split
    assert "Table 8" in text and "Table 7" in text
    from lib.book.scoreboard import paper_table
    assert paper_table("Wang (2014), Figure 3, p. 12") == "Figure 3" and paper_table("notes") == "notes"


def test_numbers_for_reading():
    assert fixed(-0.0004, 3) == "0.000"
    assert signed(-0.0004, 3) == "0" and signed(-0.02, 2) == "\u22120.02"
    assert readable(1500.0) == "1500" and readable(-0.0) == "0" and readable(0.5) == "0.5000"
