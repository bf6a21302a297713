"""Thread counts of the linear-algebra libraries numpy and scipy load (OpenBLAS, MKL, OpenMP).

``OPENBLAS_NUM_THREADS`` acts only before numpy is first imported; a kernel or a forked process
that imported numpy earlier keeps one BLAS thread per core. Where several processes share the
cores (a parallel book build, the fuzz harness, a page of many small regressions on a shared
machine), that oversubscribes them: measured on two cores, 70 s against 20 s for the
foreign-employment estimation page. :func:`limit_blas_threads` sets the count of the libraries
already loaded, through threadpoolctl (the maintained library scikit-learn uses for this).
"""
from __future__ import annotations

from .validate import require_integer

__all__ = ["limit_blas_threads", "MAX_THREADS"]

#: Upper bound accepted for a thread count (far above any machine this book runs on).
MAX_THREADS = 1024


def limit_blas_threads(n: int = 1) -> int:
    """Limit every loaded BLAS library to ``n`` threads; return how many libraries were limited.

    Raises
    ------
    ValueError
        If ``n`` is not an integer in [1, MAX_THREADS].
    """
    n = require_integer("n", n, 1, MAX_THREADS, meaning="BLAS threads per process")
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(limits=n, user_api="blas")
    return sum(1 for info in threadpool_info() if info.get("user_api") == "blas")
