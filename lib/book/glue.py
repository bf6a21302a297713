"""Glue helpers: hand the book's computed numbers to the prose (``{glue:text}`key```).

:func:`glue` is ``myst_nb.glue`` with numpy scalars turned into plain Python numbers (so that a
format spec such as ``:.3f`` and the JSON of ``results.json`` see a float) and ``display=False``
by default; :func:`glue_many` glues a whole mapping under one prefix; :func:`captioned_table`
turns a table into one that carries its caption (a table's caption, not a figure's).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

__all__ = ["plain", "glue", "glue_many", "captioned_table"]


def plain(value):
    """A numpy scalar (or 0-d array) as the Python number it holds; anything else unchanged."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def glue(key: str, value, display: bool = False) -> None:
    """``myst_nb.glue(key, plain(value), display=display)``.

    Returns ``None``, like ``myst_nb.glue``: a glue call that ends a cell must not display its value
    a second time as the cell's output (a table glued with ``display=False`` once appeared twice).
    """
    from myst_nb import glue as _glue  # imported lazily: lib installs without the book stack

    _glue(key, plain(value), display=display)


def glue_many(prefix: str, mapping: Mapping, *, sep: str = "-", display: bool = False) -> dict:
    """Glue every ``name: value`` of ``mapping`` under the key ``f"{prefix}{sep}{name}"``.

    Parameters
    ----------
    prefix : str
        Key prefix, e.g. ``"mig-facts"``; an empty prefix glues the names as they are.
    mapping : mapping
        Names and values; numpy scalars become plain Python numbers.
    sep : str, default "-"
        Separator between prefix and name.
    display : bool, default False
        Passed to ``myst_nb.glue``.

    Returns
    -------
    dict
        The glued keys and their plain values (handy for ``results.json``).
    """
    if not isinstance(mapping, Mapping):
        raise ValueError(f"glue_many needs a mapping of names to values; got {type(mapping).__name__}")
    out = {}
    for name, value in mapping.items():
        key = f"{prefix}{sep}{name}" if prefix else str(name)
        glue(key, value, display=display)
        out[key] = plain(value)
    return out


def captioned_table(table, caption: str, *, precision: int | None = None):
    r"""A pandas ``Styler`` of ``table`` whose HTML ``<caption>`` is ``"Table: " + caption``.

    For tables glued into the prose (``{glue:} key``): ``{glue:figure}`` would number and caption
    them as figures. Inline maths written ``$...$`` becomes what Sphinx writes for inline maths,
    ``<span class="math notranslate nohighlight">\(...\)</span>`` (MathJax typesets only inside
    such elements of a page). ``precision`` sets the decimals of the floats shown.
    """
    styler = table if hasattr(table, "set_caption") and hasattr(table, "data") else table.style
    caption = re.sub(r"(?<!\\)\$(.+?)(?<!\\)\$", r'<span class="math notranslate nohighlight">\\(\1\\)</span>',
                     " ".join(caption.split()))
    if precision is not None:
        styler = styler.format(precision=precision)
    return styler.set_caption(f"Table: {caption}")
