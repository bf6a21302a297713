"""The book as one PDF, printed offline from the built HTML (``make pdf``).

Each page of ``_build/html`` is opened in headless Chromium (the system package, driven by
Playwright, network blocked), MathJax is allowed to finish, and the page is printed with the
book's print stylesheet (``_static/book.css``: no navigation or buttons, folded sections opened,
wide tables wrapped). The pages are printed in table-of-contents order (``_toc.yml``) and joined
into one file with a bookmark per page (pypdf).

Why not ``jupyter-book build --builder pdfhtml``: it rebuilds (and re-executes) the whole book as
one HTML page, asks Playwright for a browser of its own (a download this machine cannot make), and
sphinx-exercise's nodes have no single-page HTML writer. Printing the pages already built needs
none of that and gives the same pages a reader sees.

Usage::

    python -m lib.book.pdf                          # _build/html -> _build/pdf/book.pdf
    python -m lib.book.pdf --page chapters/how_to_read.html --out how_to_read.pdf
"""
from __future__ import annotations

import argparse
import asyncio
import fnmatch
import sys
import time
from pathlib import Path

from lib.book.check_html import CHROMIUM_ARGS, find_chromium

__all__ = ["toc_pages", "print_pages", "main"]


def toc_pages(html_dir: Path, toc: Path, with_api: bool = False) -> list[Path]:
    """Built pages in the order of ``_toc.yml`` (globs and the API reference left out by default)."""
    import yaml

    data = yaml.safe_load(Path(toc).read_text())
    files: list[str] = [data["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(data)
    pages = []
    for f in files:
        if not with_api and f.startswith("api/"):
            continue
        page = Path(html_dir) / f"{f}.html"
        if page.exists() and page not in pages:
            pages.append(page)
    return pages


async def _print(pages, out_dir: Path, chromium: str, timeout_s: float) -> list[tuple[Path, str]]:
    from playwright.async_api import async_playwright

    done = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            await context.route("http*://**/*", lambda route: route.abort("blockedbyclient"))
            page = await context.new_page()
            for i, html in enumerate(pages):
                await page.goto(Path(html).resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
                await page.evaluate("""async (ms) => {
                    const MJ = window.MathJax;
                    if (MJ && MJ.startup && MJ.startup.promise) {
                      await Promise.race([MJ.startup.promise, new Promise((r) => setTimeout(r, ms))]);
                    }
                    document.querySelectorAll('details').forEach((d) => { d.open = true; });
                    await Promise.all([...document.images].map((img) => { img.loading = 'eager';
                      return img.complete ? null : img.decode().catch(() => null); }));
                }""", timeout_s * 1000)
                await page.emulate_media(media="print")
                title = (await page.title()).split(" — ")[0].strip() or html.stem
                pdf = out_dir / f"{i:03d}.pdf"
                await page.pdf(path=str(pdf), format="A4", print_background=True,
                               margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
                done.append((pdf, title))
        finally:
            await browser.close()
    return done


def print_pages(pages, out: Path, *, timeout_s: float = 90.0, chromium: str | None = None) -> Path:
    """Print ``pages`` (HTML files) into one PDF at ``out`` with a bookmark per page."""
    import tempfile

    from pypdf import PdfWriter

    chromium = chromium or find_chromium()
    if chromium is None:
        raise ValueError("printing the book needs Chromium: apt-get install -y chromium")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        parts = asyncio.run(_print(list(pages), Path(tmp), chromium, timeout_s))
        writer = PdfWriter()
        for pdf, title in parts:
            first = len(writer.pages)
            writer.append(str(pdf))
            writer.add_outline_item(title=title, page_number=first)
        with open(out, "wb") as fh:
            writer.write(fh)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.book.pdf", description=__doc__.split("\n\n")[0])
    ap.add_argument("html_dir", nargs="?", default="_build/html")
    ap.add_argument("--toc", default="_toc.yml")
    ap.add_argument("--out", default="_build/pdf/book.pdf")
    ap.add_argument("--page", action="append", metavar="GLOB", help="only these pages (relative to html_dir)")
    ap.add_argument("--with-api", action="store_true", help="include the API reference")
    args = ap.parse_args(argv)
    html_dir = Path(args.html_dir)
    if not (html_dir / "index.html").exists():
        print(f"error: {html_dir}/index.html not found: build the book first (make book)", file=sys.stderr)
        return 2
    pages = toc_pages(html_dir, Path(args.toc), args.with_api)
    if args.page:
        pages = [p for p in pages if any(fnmatch.fnmatch(str(p.relative_to(html_dir)), g) for g in args.page)]
    if not pages:
        print("error: no pages to print", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        out = print_pages(pages, Path(args.out))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from pypdf import PdfReader

    n = len(PdfReader(str(out)).pages)
    print(f"{out}: {len(pages)} book pages, {n} PDF pages, {out.stat().st_size / 1e6:.1f} MB, "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
