"""The book's display style, applied to every notebook kernel without editing any notebook.

One mechanism for the whole book: this module is a Sphinx extension (listed in ``_config.yml``)
that, when the build starts, points ``PYTHONSTARTUP`` at ``lib/book/kernel_startup.py``. Every
kernel the build starts inherits that variable, and IPython runs the file before the first cell;
the file calls :func:`apply`. A reader running a page in Jupyter gets the same look by running
``from lib.book.style import apply; apply()`` (or by exporting the same ``PYTHONSTARTUP``).

:func:`apply` sets

* **figures**: PNGs at twice the display resolution (IPython's ``retina`` format: 200 dpi,
  shown at 100 px per inch, so text stays sharp), default font sizes of at least 9 pt, and a
  readability pass run on every figure just before it is rendered (:func:`make_readable`): a
  figure wider than :data:`MAX_WIDTH_IN` inches (it would be shrunk to fit the page's text column)
  is scaled down to that width, and every text smaller than :data:`MIN_FONT_PT` points is raised
  to it, so that labels are at least 9 pt as the reader sees them;
* **tables**: pandas never truncates a cell's text with "…" (``display.max_colwidth``) nor hides
  columns (``display.max_columns``).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

__all__ = ["MIN_FONT_PT", "MAX_WIDTH_IN", "RC", "PANDAS_OPTIONS", "apply", "make_readable",
           "STARTUP_FILE", "setup"]

MIN_FONT_PT = 9.0
# The text column of the book's theme is about 610 CSS px wide in a 1200 px window (measured in
# Chromium); figures are shown at 100 px per inch, so a figure wider than 6 in would be shrunk to
# the column, and its 9 pt text with it.
MAX_WIDTH_IN = 6.0
# a very wide figure keeps at least this height (in) when it is narrowed, so its panels stay usable
MIN_HEIGHT_IN = 2.5

RC = {
    "figure.dpi": 100,           # display scale: 100 px per inch (the PNG is drawn at 2x, see apply)
    "savefig.dpi": 200,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 12,
}

PANDAS_OPTIONS = {
    "display.max_colwidth": None,   # never cut text with "…"
    "display.max_columns": None,
}

STARTUP_FILE = Path(__file__).with_name("kernel_startup.py")


def make_readable(fig, max_width_in: float = MAX_WIDTH_IN, min_font_pt: float = MIN_FONT_PT) -> bool:
    """Shrink a too-wide figure to ``max_width_in`` and raise every text below ``min_font_pt``.

    Returns whether anything changed (then the layout is redone with ``tight_layout`` unless the
    figure has a layout engine of its own).
    """
    from matplotlib.text import Text

    changed = False
    width, height = fig.get_size_inches()
    if width > max_width_in:
        scale = max_width_in / width
        fig.set_size_inches(width * scale, max(height * scale, min(height, MIN_HEIGHT_IN)), forward=False)
        changed = True
    for ax in fig.axes:
        for axis in ax._axis_map.values() if hasattr(ax, "_axis_map") else (ax.xaxis, ax.yaxis):
            for which in ("major", "minor"):
                labels = axis.get_ticklabels(which=which)
                if labels and min(t.get_size() for t in labels) < min_font_pt:
                    axis.set_tick_params(which=which, labelsize=min_font_pt)
                    changed = True
    for text in fig.findobj(Text):
        if text.get_size() < min_font_pt:
            text.set_fontsize(min_font_pt)
            changed = True
    engine = fig.get_layout_engine()
    # after a cell's own fig.tight_layout() the engine is a placeholder: lay the figure out again
    if changed and fig.axes and (engine is None or type(engine).__name__ == "PlaceHolderLayoutEngine"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fig.tight_layout()
            except Exception:  # a layout that cannot be tightened keeps its own
                pass
    return changed


def _readable_print_figure(original):
    def print_figure(fig, *args, **kwargs):
        try:
            make_readable(fig)
        except Exception:  # never lose a figure over its style
            pass
        return original(fig, *args, **kwargs)

    print_figure.__wrapped__ = original
    return print_figure


def apply(shell=None) -> None:
    """Apply the book's figure and table style in this Python process (see the module docstring)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None:
        for key, value in PANDAS_OPTIONS.items():
            pd.set_option(key, value)
    try:
        import matplotlib
    except ImportError:  # pragma: no cover
        return
    matplotlib.rcParams.update(RC)
    try:
        from IPython import get_ipython
        from IPython.core import pylabtools
    except ImportError:  # pragma: no cover
        return
    if not hasattr(pylabtools.print_figure, "__wrapped__"):
        # matplotlib-inline binds pylabtools.print_figure when the inline backend is activated
        # (first pyplot import), so wrapping it here, before any cell runs, covers every figure.
        pylabtools.print_figure = _readable_print_figure(pylabtools.print_figure)
    shell = shell or get_ipython()
    if shell is not None:
        try:
            from matplotlib_inline.backend_inline import InlineBackend

            InlineBackend.instance(parent=shell).figure_formats = {"retina"}
        except Exception:  # pragma: no cover - no inline backend: plain defaults
            pass


def _clean_page_scripts(app, pagename, templatename, context, doctree):
    """Two fixes of what the theme stack puts on every page, found by the render check:

    * sphinx-thebe's configuration script (``const THEBE_JS_URL = ...``) is registered twice,
      and the second copy is a JavaScript error (``Identifier 'THEBE_JS_URL' has already been
      declared``): keep the first of identical scripts;
    * with no ``default_mode`` pydata-sphinx-theme sets the page's mode to ``""`` on a first visit
      and logs ``Got invalid theme mode``: the book's default is the theme's own, ``auto``.
    """
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for js in scripts:
            key = (getattr(js, "filename", str(js)) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
            if key not in seen:
                seen.add(key)
                unique.append(js)
        context["script_files"] = unique
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def setup(app):
    """Sphinx extension: every kernel started by the build runs :data:`STARTUP_FILE` first."""
    os.environ["PYTHONSTARTUP"] = str(STARTUP_FILE)
    app.connect("html-page-context", _clean_page_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
