"""``python -m lib.sweep``: command-line shim; the code lives in :mod:`lib.book.sweep`."""
from lib.book.sweep import main

if __name__ == "__main__":
    raise SystemExit(main())
