"""``python -m lib.student``: command-line shim; the code lives in :mod:`lib.book.student`."""
from lib.book.student import main

if __name__ == "__main__":
    raise SystemExit(main())
