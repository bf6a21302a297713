"""Sphinx extension: every notebook page offers its executed notebook as ``.ipynb`` for download.

sphinx-book-theme's download menu (the arrow in each page's header) always links the page's
source (``.md``, from ``_sources/``) and offers "print to PDF"; it links an ``.ipynb`` only when
launch buttons (Binder, JupyterHub...) are configured, which an offline book has no use for.
This extension does the part that matters without them: for each page that myst-nb executed it
writes the executed notebook (``_build/jupyter_execute/<page>.ipynb``, with the outputs taken back
from jupyter-cache when the build used the cache) next to the source in ``_build/html/_sources/``
and tells the theme, which then adds ``.ipynb`` to the menu. Both links are relative, so they work from a copy of ``_build/html`` on a laptop offline.
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
    nb = _with_outputs(app, executed)
    if nb is None:
        shutil.copy2(executed, target)
    else:
        import nbformat

        target.write_text(nbformat.writes(nb), encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def _with_outputs(app, path: Path):
    """The notebook at ``path`` with its outputs, or ``None`` to copy it as it is.

    With ``execute_notebooks: cache`` myst-nb writes ``jupyter_execute/<page>.ipynb`` *without*
    the outputs it took from jupyter-cache; they are merged back here from the same cache
    (matched on the code cells, as myst-nb matches them).
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    if any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        return None
    cache_path = getattr(getattr(app.env, "mystnb_config", None), "execution_cache_path", "")
    if not cache_path or not Path(cache_path).exists():
        return None
    try:
        from jupyter_cache import get_cache

        _, merged = get_cache(cache_path).merge_match_into_notebook(nb)
    except Exception:  # no cached execution of this notebook: offer it as it is
        return None
    return merged


def setup(app):
    # sphinx-book-theme reads ipynb_source in its handlers registered at priority 501
    app.connect("html-page-context", add_ipynb_download, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
