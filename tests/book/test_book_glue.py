"""lib.book.glue: numpy scalars reach myst-nb as plain numbers, under the given prefix."""
import numpy as np
import pytest

import myst_nb

from lib.book import glue as g


def test_glue_many_prefixes_and_plain_values(monkeypatch):
    seen = {}
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display=True: seen.setdefault(key, (value, display)))
    out = g.glue_many("mig-facts", {"share": np.float64(0.25), "n": np.int64(3), "label": "x"})
    assert out == {"mig-facts-share": 0.25, "mig-facts-n": 3, "mig-facts-label": "x"}
    assert type(seen["mig-facts-share"][0]) is float and type(seen["mig-facts-n"][0]) is int
    assert all(display is False for _, display in seen.values())


def test_glue_many_needs_a_mapping():
    with pytest.raises(ValueError, match="mapping"):
        g.glue_many("p", [1, 2])


def test_glue_returns_nothing_so_a_cell_ending_in_glue_shows_no_output(monkeypatch):
    """A table glued with display=False and shown by {glue:} once appeared a second time as the
    output of its cell: the cell's last expression was glue(...), which returned the table."""
    seen = {}
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display=True: seen.setdefault(key, value))
    assert g.glue("k", np.float64(1.5)) is None
    assert seen == {"k": 1.5} and type(seen["k"]) is float


def test_every_notebook_glues_through_the_one_helper():
    """Issue 13: glue goes through lib.book.glue (plain numbers, no echoed output), not myst_nb directly."""
    from pathlib import Path
    chapters = Path(__file__).resolve().parents[2] / "chapters"
    direct = [str(p.relative_to(chapters)) for p in sorted(chapters.rglob("*.md"))
              if "from myst_nb import glue" in p.read_text()]
    assert not direct, direct
