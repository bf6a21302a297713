"""Sphinx extension: every notebook page offers its executed notebook as ``.ipynb`` for download.

sphinx-book-theme's download menu (the arrow in each page's header) always links the page's
source (``.md``, from ``_sources/``) and offers "print to PDF"; it links an ``.ipynb`` only when
launch buttons (Binder, JupyterHub...) are configured, which an offline book has no use for.
This extension does the part that matters without them: for each page that myst-nb executed it
copies the executed notebook (``_build/jupyter_execute/<page>.ipynb``, outputs included) next to
the source in ``_build/html/_sources/`` and tells the theme, which then adds ``.ipynb`` to the
menu. Both links are relative, so they work from a copy of ``_build/html`` on a laptop offline.
"""
from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["add_ipynb_download", "setup"]


def add_ipynb_download(app, pagename, templatename, context, doctree):
    """``html-page-context`` handler (runs before the theme builds its header buttons)."""
    if app.builder.format != "html" or context.get("ipynb_source"):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():  # not a notebook page (or not executed)
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    # sphinx-book-theme reads ipynb_source in its handlers registered at priority 501
    app.connect("html-page-context", add_ipynb_download, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
