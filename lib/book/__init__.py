"""Book tooling (not economics); this package imports no paper.

* :mod:`lib.book.rerun` -- ``python -m lib.rerun``: papermill reruns into fresh folders, atomically
  (its parts: :mod:`lib.book.rerun_params` reads and coerces parameters, :mod:`lib.book.rerun_output`
  publishes the output folder, :mod:`lib.book.rerun_kernel` runs and stops the kernel).
* :mod:`lib.book.sweep` -- ``python -m lib.sweep``: parameter grids on a Dask cluster, resumable.
* :mod:`lib.book.student` -- ``python -m lib.student``: student copies without solutions or plumbing.
* :mod:`lib.book.compare` -- comparison rows between the book's numbers and the papers'.
* :mod:`lib.book.glue` -- ``glue`` / ``glue_many`` for numbers quoted in the prose.
* :mod:`lib.book.paths` -- the repository's folders (chapters, build).
* :mod:`lib.book.offline_mathjax` -- Sphinx extension serving MathJax from the book itself.
* :mod:`lib.book.parallel_execute` -- Sphinx extension executing uncached notebooks on every core.
* :mod:`lib.book.build_results` -- the results a build's notebooks keep for the scoreboard page.
* :mod:`lib.book.stable_autoapi` -- Sphinx extension: unchanged API pages are not re-read.
* :mod:`lib.book.style`, :mod:`lib.book.downloads`, :mod:`lib.book.check_html`, :mod:`lib.book.pdf`,
  :mod:`lib.book.scoreboard` -- figure style, download links, the rendered-page check, the PDF, the
  scoreboard tables.
"""
