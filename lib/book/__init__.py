"""Book tooling (not economics); this package imports no paper.

* :mod:`lib.book.rerun` -- ``python -m lib.rerun``: papermill reruns into fresh folders, atomically.
* :mod:`lib.book.sweep` -- ``python -m lib.sweep``: parameter grids on a Dask cluster, resumable.
* :mod:`lib.book.student` -- ``python -m lib.student``: student copies without solutions or plumbing.
* :mod:`lib.book.compare` -- comparison rows between the book's numbers and the papers'.
* :mod:`lib.book.glue` -- ``glue`` / ``glue_many`` for numbers quoted in the prose.
* :mod:`lib.book.paths` -- the repository's folders (chapters, build).
* :mod:`lib.book.offline_mathjax` -- Sphinx extension serving MathJax from the book itself.
"""
