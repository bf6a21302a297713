"""Sphinx extension: serve MathJax 3 from the book itself, not from a CDN.

The PyPI package ``django-static-mathjax`` (in ``requirements.txt``) carries
MathJax 3.2.2.  At the end of an HTML build this extension copies
``tex-mml-chtml.js``, its CHTML fonts and the components it loads on demand (TeX extensions
such as ``boldsymbol``, accessibility) into ``_build/html/_static/mathjax/``
and the book's pages load it from there, so equations render with no
internet connection (for readers offline and in CI).
"""
from __future__ import annotations

import shutil
from pathlib import Path

MATHJAX_PATH = "mathjax/tex-mml-chtml.js"
# folders of the es5 build that MathJax loads on demand (see copy_mathjax)
LAZY_COMPONENTS = ("input/tex/extensions", "a11y", "sre", "ui")


def mathjax_source_dir() -> Path:
    """Folder of the MathJax ``es5`` build inside the installed package.

    Raises
    ------
    ValueError
        If the package is not installed or does not carry the script (a set-up error).
    """
    try:
        import mathjax  # provided by django-static-mathjax
    except ImportError as err:  # pragma: no cover - exercised only on broken installs
        raise ValueError("MathJax for offline math needs `pip install django-static-mathjax`") from err
    src = Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"
    if not (src / "tex-mml-chtml.js").exists():  # pragma: no cover
        raise ValueError(f"tex-mml-chtml.js not found under {src}")
    return src


def copy_mathjax(outdir: Path) -> Path:
    """Copy the MathJax script and fonts into ``outdir/_static/mathjax``; return the target."""
    src = mathjax_source_dir()
    dst = Path(outdir) / "_static" / "mathjax"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "tex-mml-chtml.js", dst / "tex-mml-chtml.js")
    fonts = Path("output") / "chtml" / "fonts" / "woff-v2"
    shutil.copytree(src / fonts, dst / fonts, dirs_exist_ok=True)
    # What MathJax loads lazily, relative to the script: the TeX extensions that autoload
    # brings in on first use (\boldsymbol, \cancel, \ce, ...) and the menu's accessibility
    # and speech components. Without them a page using e.g. \boldsymbol typesets nothing.
    for lazy in LAZY_COMPONENTS:
        shutil.copytree(src / lazy, dst / lazy, dirs_exist_ok=True)
    return dst


def _config_inited(app, config):
    config.mathjax_path = MATHJAX_PATH


def _build_finished(app, exception):
    if exception is None and app.builder.format == "html":
        copy_mathjax(Path(app.outdir))


def setup(app):
    """Register the extension with Sphinx."""
    mathjax_source_dir()
    app.connect("config-inited", _config_inited)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
