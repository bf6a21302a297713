"""Render check of the built book in headless Chromium (``make check-html``).

Every page of ``_build/html`` is opened from disk (``file://``) in headless Chromium, driven by
Playwright, with the network blocked. The check waits until MathJax has finished typesetting and
then fails the page on

* a MathJax error node (``mjx-merror``) or an unknown macro (MathJax's ``noundefined`` package
  prints those in red instead of raising; the check walks MathJax's internal tree to find them);
* maths MathJax never typeset (for example because an extension it needed could not be loaded);
* MathJax that did not finish, or did not load on a page that has maths;
* a broken image (not loaded, or zero pixels wide), a file the page asks for that does not exist;
* any JavaScript error (an uncaught exception or a ``console.error`` message);
* any request to the network: the book must read offline.

Usage::

    python -m lib.book.check_html                     # every page of _build/html
    python -m lib.book.check_html _build/html --page 'chapters/offshoring/*' --jobs 3

It prints one line per failing page and problem and exits 1 if any page fails. The browser is
the system Chromium (``apt-get install -y chromium``); ``BOOK_CHROMIUM`` names another binary.
Playwright (a pip package) drives it; it never downloads a browser of its own.
"""
from __future__ import annotations

import argparse
import asyncio
import fnmatch
import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["PageReport", "find_chromium", "check_pages", "check_book", "main"]

# /usr/bin/chromium on Debian is a shell wrapper; Playwright needs the binary itself.
_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome",
               "google-chrome-stable")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

# Runs in the page after the load event: waits for MathJax, forces lazy images to load, and
# reports what a reader would see broken.
_PROBE = r"""
async (timeoutMs) => {
  const problems = [];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const mathEls = [...document.querySelectorAll('span.math, div.math')];
  const MJ = window.MathJax;
  if (MJ && MJ.startup && MJ.startup.promise) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not finished after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([MJ.startup.promise, timeout]);
    } catch (e) {
      problems.push('MathJax failed: ' + ((e && e.message) || String(e)));
    }
    clearTimeout(timer);
  } else if (mathEls.length) {
    problems.push(`MathJax did not load, and the page has ${mathEls.length} maths elements`);
  }
  // MathJax errors in the output ...
  for (const el of document.querySelectorAll('mjx-merror')) {
    const msg = el.getAttribute('data-mjx-error') || el.textContent;
    problems.push('MathJax error: ' + msg.trim().slice(0, 200));
  }
  // ... and unknown macros, which the noundefined package typesets as red text instead.
  if (MJ && MJ.startup && MJ.startup.document && MJ.startup.document.math) {
    for (const item of MJ.startup.document.math) {
      if (!item.root || !item.root.walkTree) continue;
      item.root.walkTree((node) => {
        if (node.isKind && node.isKind('merror')) return;  // reported above
        if (node.isKind && node.isKind('mtext') && node.attributes &&
            node.attributes.getExplicit('mathcolor') !== undefined) {
          const text = (node.childNodes || []).map((c) => (c.getText ? c.getText() : '')).join('');
          if (text.startsWith('\\')) problems.push(`unknown macro ${text} in: ${String(item.math).trim().slice(0, 120)}`);
        }
      });
    }
  }
  // Maths left as raw TeX.
  let untypeset = 0, example = '';
  for (const el of mathEls) {
    if (!el.querySelector('mjx-container') && !el.closest('.mathjax_ignore, .tex2jax_ignore')) {
      untypeset += 1;
      if (!example) example = el.textContent.trim().slice(0, 100);
    }
  }
  if (untypeset) problems.push(`${untypeset} of ${mathEls.length} maths elements not typeset, e.g. ${example}`);
  // Images: load lazy ones, then every one must have pixels.
  const imgs = [...document.images];
  for (const img of imgs) img.loading = 'eager';
  await Promise.all(imgs.map((img) => (img.complete ? null : img.decode().catch(() => null))));
  for (let i = 0; i < 20 && imgs.some((img) => !img.complete); i++) await sleep(50);
  for (const img of imgs) {
    if (!img.complete || img.naturalWidth === 0) problems.push('broken image: ' + (img.getAttribute('src') || '(no src)'));
  }
  return {problems, nMath: mathEls.length, nImages: imgs.length};
}
"""


@dataclass
class PageReport:
    """What the check found on one page (``problems`` empty: the page passes)."""

    page: str
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    n_math: int = 0
    n_images: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def find_chromium() -> str | None:
    """Path of a Chromium binary: ``$BOOK_CHROMIUM``, else the Debian package's, else ``None``."""
    env = os.environ.get("BOOK_CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    for cand in _CANDIDATES:
        path = cand if Path(cand).is_absolute() else shutil.which(cand)
        if path and Path(path).exists():
            return str(path)
    return None


def _redirect_target(path: Path) -> str | None:
    """Target of a ``<meta http-equiv="refresh">`` page, or ``None``."""
    import re

    head = path.read_text(errors="replace")[:4000]
    m = re.search(r'http-equiv="refresh"\s+content="\d+;\s*url=([^"#?]+)', head, re.I)
    return m.group(1) if m else None


async def _check_one(context, path: Path, root: Path, timeout_s: float) -> PageReport:
    report = PageReport(page=str(path.relative_to(root)) if path.is_relative_to(root) else str(path))
    start = time.perf_counter()
    page = await context.new_page()
    seen = set()

    def add(msg):
        if msg not in seen:
            seen.add(msg)
            report.problems.append(msg)

    page.on("pageerror", lambda err: add(f"JavaScript error: {str(err).splitlines()[0][:300]}"))
    page.on("console", lambda msg: add(f"console error: {msg.text[:300]}") if msg.type == "error" else None)

    def failed(request):
        url = request.url
        if not url.startswith("file://"):
            return  # blocked network request, reported as such
        if url.startswith("file://"):
            url = os.path.relpath(url[len("file://"):], path.parent)
        add(f"could not load {url} ({request.failure})")

    page.on("requestfailed", failed)
    redirect = _redirect_target(path)
    if redirect is not None:  # a meta-refresh page (the book's index.html): its target must exist
        await page.close()
        if not (path.parent / redirect).exists():
            add(f"redirects to {redirect}, which does not exist")
        report.seconds = time.perf_counter() - start
        return report
    try:
        await page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
        result = await page.evaluate(_PROBE, timeout_s * 1000)
        for msg in result["problems"]:
            add(msg)
        report.n_math, report.n_images = result["nMath"], result["nImages"]
    except Exception as err:  # a page that cannot be opened or probed fails, with the reason
        add(f"could not check the page: {type(err).__name__}: {str(err).splitlines()[0][:300]}")
    finally:
        await page.close()
    report.seconds = time.perf_counter() - start
    return report


async def _check_pages(paths, root: Path, jobs: int, timeout_s: float, chromium: str) -> list[PageReport]:
    from playwright.async_api import async_playwright

    async def block_network(route):
        # Only reached for non-file URLs: the book must not need the network. Pages are checked
        # concurrently, so each blocked request is filed under the page (frame) that made it.
        try:
            origin = route.request.frame.url
        except Exception:  # noqa: BLE001 - a request without a frame (service worker)
            origin = ""
        blocked.append((origin, route.request.url))
        await route.abort("blockedbyclient")

    def made_by(origin: str, path: Path) -> bool:
        from urllib.parse import unquote, urlparse

        return bool(origin) and Path(unquote(urlparse(origin).path)) == Path(path).resolve()

    blocked: list[tuple[str, str]] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1200, "height": 1000})
            await context.route("http://**/*", block_network)
            await context.route("https://**/*", block_network)
            sem = asyncio.Semaphore(max(1, jobs))

            async def run(p):
                async with sem:
                    rep = await _check_one(context, p, root, timeout_s)
                    rep.problems += [f"requests the network: {u}" for o, u in blocked if made_by(o, p)]
                    return rep

            return list(await asyncio.gather(*(run(p) for p in paths)))
        finally:
            await browser.close()


def check_pages(paths, root: Path | None = None, *, jobs: int = 3, timeout_s: float = 60.0,
                chromium: str | None = None) -> list[PageReport]:
    """Open each HTML file in headless Chromium and report what is broken on it.

    Parameters
    ----------
    paths : iterable of path-like
        HTML files to open.
    root : path, optional
        Folder that page names in the reports are relative to.
    jobs : int
        Pages open at once in the one browser.
    timeout_s : float
        Seconds allowed to load a page, and again for MathJax to finish on it.
    chromium : str, optional
        Browser binary; default :func:`find_chromium`.

    Raises
    ------
    ValueError
        If no Chromium is installed or Playwright is missing.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise ValueError("the render check needs Chromium: apt-get install -y chromium "
                           "(or set BOOK_CHROMIUM to a Chromium binary)")
    try:
        import playwright  # noqa: F401
    except ImportError as err:
        raise ValueError("the render check needs Playwright: pip install playwright "
                           "(it is in requirements.txt)") from err
    paths = [Path(p) for p in paths]
    root = Path(root) if root is not None else (paths[0].parent if paths else Path.cwd())
    reports = asyncio.run(_check_pages(paths, root.resolve(), jobs, timeout_s, chromium))
    return reports


def book_pages(html_dir: Path, patterns: list[str] | None = None) -> list[Path]:
    """Every page of a built book (search and genindex pages too), optionally filtered by glob."""
    html_dir = Path(html_dir)
    pages = sorted(p for p in html_dir.rglob("*.html")
                   if not any(part.startswith(("_", ".")) for part in p.relative_to(html_dir).parts))
    if patterns:
        pages = [p for p in pages
                 if any(fnmatch.fnmatch(str(p.relative_to(html_dir)), pat) for pat in patterns)]
    return pages


def check_book(html_dir="_build/html", patterns=None, **kwargs) -> list[PageReport]:
    """:func:`check_pages` over :func:`book_pages` of ``html_dir``."""
    html_dir = Path(html_dir)
    if not (html_dir / "index.html").exists():
        raise ValueError(f"{html_dir}/index.html not found: build the book first (make book)")
    return check_pages(book_pages(html_dir, patterns), html_dir, **kwargs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.book.check_html", description=__doc__.split("\n\n")[0])
    ap.add_argument("html_dir", nargs="?", default="_build/html", help="built book (default _build/html)")
    ap.add_argument("--page", action="append", metavar="GLOB", help="only pages matching this glob "
                    "(relative to html_dir, e.g. 'chapters/offshoring/*'); repeatable")
    ap.add_argument("--jobs", type=int, default=3, help="pages open at once (default 3)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per page (default 60)")
    ap.add_argument("--json", metavar="FILE", help="also write every page's report as JSON")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    try:
        reports = check_book(args.html_dir, args.page, jobs=args.jobs, timeout_s=args.timeout)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    bad = [r for r in reports if not r.ok]
    for rep in bad:
        for msg in rep.problems:
            print(f"{rep.page}: {msg}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in reports], indent=1))
    n_math = sum(r.n_math for r in reports)
    n_img = sum(r.n_images for r in reports)
    print(f"render check: {len(reports)} pages, {n_math} maths elements, {n_img} images in "
          f"{time.perf_counter() - start:.1f} s: "
          + (f"{len(bad)} pages with problems" if bad else "no problems"))
    return 1 if bad or not reports else 0


if __name__ == "__main__":
    sys.exit(main())
