"""The book's library: generic kernels, book tooling and one subpackage per paper.

* :mod:`lib.core` -- fixed points and root finding, econometrics on linearmodels, Fréchet and
  Pareto helpers, validation, the data folder, and the one ``ConvergenceError``; imports no paper.
* :mod:`lib.book` -- reruns, sweeps, comparisons with the papers, glue, offline MathJax; imports
  no paper.
* :mod:`lib.offshoring`, :mod:`lib.migration_mnc`, :mod:`lib.granular`,
  :mod:`lib.foreign_employment` -- one subpackage per paper; each imports :mod:`lib.core`, never
  another paper.
"""
