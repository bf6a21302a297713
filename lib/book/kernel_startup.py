"""Run by IPython at kernel start (``PYTHONSTARTUP``, set by the ``lib.book.style`` extension).

Applies the book's figure and table style; see :mod:`lib.book.style`.
"""
try:
    from lib.book.style import apply as _apply_book_style

    _apply_book_style()
    del _apply_book_style
except Exception as _err:  # the book still builds; the page just keeps matplotlib's defaults
    import sys as _sys

    print(f"lib.book.style not applied: {_err}", file=_sys.__stderr__)
