"""The render check (lib.book.check_html) fails on what a reader would see broken.

Small pages load the book's offline MathJax (copied by lib.book.offline_mathjax, configured as the
book configures it) and each carries one defect: an unknown macro, a MathJax error, a broken
image, a JavaScript error, a request to the network. One clean page, using ``\\boldsymbol``
(an extension MathJax loads on demand) and the book's macro ``\\E``, must pass.

Needs Chromium (``apt-get install -y chromium``) and Playwright. Without them the tests are
skipped on a developer's machine and fail under CI (``CI`` set), where .ci/run installs both.
"""
from __future__ import annotations

import os
import shutil

import pytest

from lib.book.check_html import check_pages, find_chromium
from lib.book.offline_mathjax import copy_mathjax

try:
    import playwright  # noqa: F401
    HAVE_PLAYWRIGHT = True
except ImportError:  # pragma: no cover
    HAVE_PLAYWRIGHT = False

if not (find_chromium() and HAVE_PLAYWRIGHT):
    if os.environ.get("CI"):
        pytest.fail("CI must install Chromium and Playwright for the render check", pytrace=False)
    pytest.skip("no Chromium or Playwright: apt-get install -y chromium", allow_module_level=True)

# As Sphinx writes it for the book (mathjax3_config of _config.yml, myst-nb's processHtmlClass).
HEAD = r"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>
<script>window.MathJax = {"options": {"processHtmlClass": "tex2jax_process|mathjax_process|math|output_area"},
 "tex": {"macros": {"E": "\\mathbb{E}"}}}</script>
<script defer="defer" src="_static/mathjax/tex-mml-chtml.js"></script></head><body>
"""

PAGES = {
    "good": r"""<p>Text <span class="math notranslate nohighlight">\(\boldsymbol{\beta}' x = \E[y]\)</span>.</p>
<div class="math notranslate nohighlight">\[\sum_{n=1}^N \lambda_n = 1\]</div>
<img src="pixel.png" alt="one pixel">""",
    "unknown_macro": r"""<p><span class="math notranslate nohighlight">\(\notamacro x\)</span></p>""",
    "tex_error": r"""<div class="math notranslate nohighlight">\[x^{2}}\]</div>""",
    "broken_image": r"""<p><span class="math notranslate nohighlight">\(x\)</span></p><img src="missing.png" alt="gone">""",
    "js_error": r"""<p>fine</p><script>undefinedFunction();</script>""",
    "network": r"""<p>fine</p><img src="https://example.invalid/x.png" alt="remote">""",
}

# a 1x1 PNG
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8ff3f0005fe02fea7d605b20000000049454e44ae426082")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    copy_mathjax(root)
    (root / "pixel.png").write_bytes(PIXEL)
    for name, body in PAGES.items():
        (root / f"{name}.html").write_text(HEAD + body + "\n</body></html>\n")
    # the same clean page, served by a MathJax copy without its on-demand TeX extensions
    bare = root / "bare"
    copy_mathjax(bare)
    shutil.rmtree(bare / "_static" / "mathjax" / "input" / "tex" / "extensions")
    (bare / "pixel.png").write_bytes(PIXEL)
    (bare / "good.html").write_text(HEAD + PAGES["good"] + "\n</body></html>\n")
    paths = [root / f"{name}.html" for name in PAGES] + [bare / "good.html"]
    reps = check_pages(paths, root, jobs=3, timeout_s=30)
    return {r.page: r for r in reps}


def test_clean_page_with_boldsymbol_passes(reports):
    rep = reports["good.html"]
    assert rep.ok, rep.problems
    assert rep.n_math == 2 and rep.n_images == 1


def test_unknown_macro_fails(reports):
    rep = reports["unknown_macro.html"]
    assert not rep.ok
    assert any("\\notamacro" in p for p in rep.problems), rep.problems


def test_mathjax_error_fails(reports):
    rep = reports["tex_error.html"]
    assert any(p.startswith("MathJax error") for p in rep.problems), rep.problems


def test_broken_image_fails(reports):
    rep = reports["broken_image.html"]
    assert any("broken image: missing.png" in p for p in rep.problems), rep.problems


def test_javascript_error_fails(reports):
    rep = reports["js_error.html"]
    assert any("JavaScript error" in p and "undefinedFunction" in p for p in rep.problems), rep.problems


def test_network_request_fails(reports):
    rep = reports["network.html"]
    assert any("requests the network: https://example.invalid/x.png" in p for p in rep.problems), rep.problems


def test_missing_mathjax_extension_fails(reports):
    """Without input/tex/extensions, \\boldsymbol cannot load: the check must notice."""
    rep = reports["bare/good.html"]
    assert not rep.ok
    assert any("boldsymbol" in p or "not typeset" in p or "MathJax failed" in p for p in rep.problems), rep.problems


def test_cli_exit_code(tmp_path):
    from lib.book.check_html import main

    assert main([str(tmp_path)]) == 2  # no index.html: a usage error, not a pass
