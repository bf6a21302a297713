"""The replication scoreboard's tables (``chapters/replication.md``).

:func:`summary_table` counts verdicts per chapter; :func:`chapter_html` shows one chapter's rows,
one collapsible section (``<details>``) per notebook, numbers formatted by
:mod:`lib.book.numbers` (paper values with the decimals the paper prints, book values with one
more, differences signed, never ``-0``); a notebook that compares several of the paper's tables
gets one section per table, and each section scrolls inside a box of bounded height.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from lib.book.numbers import fixed, signed

__all__ = ["STATUSES", "paper_table", "summary_table", "chapter_html"]

STATUSES = ("reproduced to printed digits", "differs (see note)", "not reproducible: confidential data")
_SHORT = {"reproduced to printed digits": "reproduced", "differs (see note)": "differs",
          "not reproducible: confidential data": "confidential data"}
SPLIT_ABOVE = 40  # rows of one notebook above which its section is split by the paper's table
COLUMNS = ("quantity", "source", "paper", "book", "difference", "basis", "role", "status", "note")


def summary_table(board: pd.DataFrame) -> pd.DataFrame:
    """Rows per chapter (in book order) and verdict, with a total row and column."""
    order = list(dict.fromkeys(board["chapter"]))
    counts = (pd.crosstab(board["chapter"], board["status"])
              .reindex(index=order, columns=list(STATUSES), fill_value=0))
    counts.columns = [_SHORT[c] for c in counts.columns]
    roles = board["role"].fillna("") if "role" in board else pd.Series("", index=board.index)
    for role in ("fitted", "held-out"):
        counts[role] = roles.eq(role).groupby(board["chapter"]).sum().reindex(order).fillna(0).astype(int)
    counts.insert(0, "rows", board.groupby("chapter").size().reindex(order).astype(int))
    counts.loc["all chapters"] = counts.sum()
    counts.index.name = "chapter"
    return counts.astype(int)


def paper_table(source: str) -> str:
    """The paper's table or figure a comparison row comes from (``"Table 8"``), else the source."""
    m = re.search(r"\b(Table|Figure|Fig\.|Section|Appendix)\s*([A-Z]?\d+[a-z]?)", source)
    return f"{m.group(1)} {m.group(2)}" if m else (source.strip() or "other")


def _verdict_line(rows: pd.DataFrame) -> str:
    parts = [f"{int((rows['status'] == s).sum())} {_SHORT[s]}" for s in STATUSES if (rows["status"] == s).any()]
    return f"{len(rows)} row{'s' if len(rows) != 1 else ''}: " + ", ".join(parts)


def _cell(row, col) -> str:
    dec = int(row["decimals"])
    if col == "paper":
        return fixed(row["paper"], dec)
    if col == "book":
        return fixed(row["book"], dec + 1)
    if col == "difference":
        return signed(row["book"] - row["paper"], dec + 1)
    value = row.get(col, "")
    if col == "status":
        value = _SHORT.get(value, value)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def chapter_html(board: pd.DataFrame, chapter: str, open_if_differs: bool = False) -> str:
    """HTML for one chapter: a line of counts, then each notebook's rows in a ``<details>``."""
    rows = board[board["chapter"] == chapter]
    if rows.empty:
        raise ValueError(f"no scoreboard rows for chapter {chapter!r}; chapters are {sorted(set(board['chapter']))}")
    cols = [c for c in COLUMNS if c != "role" or rows.get("role", pd.Series(dtype=str)).fillna("").ne("").any()]
    out = [f'<div class="book-scoreboard"><p>{html.escape(_verdict_line(rows))}.</p>']
    # a notebook with many rows gets one section per paper table
    per_notebook = rows.groupby("notebook")["notebook"].transform("size")
    tables = rows["source"].astype(str).map(paper_table).where(per_notebook > SPLIT_ABOVE, "")
    for (notebook, table), nb_rows in rows.groupby([rows["notebook"], tables], sort=False):
        differs = (nb_rows["status"] != STATUSES[0]).any()
        attr = " open" if (open_if_differs and differs) else ""
        where = f"<code>{html.escape(notebook)}</code>" + (f", {html.escape(table)}" if table else "")
        out.append(f'<details class="book-section"{attr}><summary>{where}: '
                   f"{html.escape(_verdict_line(nb_rows))}</summary>")
        out.append('<div class="book-scroll"><table class="table"><thead><tr>'
                   + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr></thead><tbody>")
        for _, row in nb_rows.iterrows():
            cells = []
            for c in cols:
                align = ' style="text-align:right"' if c in ("paper", "book", "difference") else ""
                cells.append(f"<td{align}>{html.escape(_cell(row, c))}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table></div></details>")
    out.append("</div>")
    return "\n".join(out)
