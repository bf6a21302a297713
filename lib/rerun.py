"""``python -m lib.rerun``: command-line shim; the code lives in :mod:`lib.book.rerun`.

Notebooks and tests import ``save_results``, ``rerun`` and ``RerunError`` from here.
"""
from lib.book.rerun import *  # noqa: F401,F403
from lib.book.rerun import __all__, main  # noqa: F401

if __name__ == "__main__":
    raise SystemExit(main())
