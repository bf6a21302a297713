"""Benchmarks for the offshoring chapter (a script, not a test).

Run:  .venv/bin/python tests/benchmarks/bench_off.py
Target: a full Figure-3 sweep of 400 alphas in under 2 s.
"""
from __future__ import annotations

import time

import numpy as np

from lib import offshoring as off


def _best_of(fn, repeat=5):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    p = off.Params()
    alphas = np.linspace(0.52, 0.99, 400)
    t_sweep = _best_of(lambda: off.equilibrium(alphas, p, "extended"))
    print(f"sweep 400 alphas (vectorised, all Figure-3 objects): {t_sweep:.4f} s  (target < 2 s; ratio {t_sweep / 2.0:.4f})")
    t_loop = _best_of(lambda: [off.solve_extended(a, p) for a in alphas], repeat=2)
    print(f"sweep 400 alphas (scalar Brent loop): {t_loop:.4f} s  (vectorised speed-up x{t_loop / t_sweep:.1f})")
    t_tp = _best_of(lambda: off.turning_points(p), repeat=3)
    print(f"turning points (scan 200 + Brent on analytic derivatives): {t_tp:.4f} s")
    t_full = _best_of(lambda: (off.equilibrium(alphas, p, "extended"), off.turning_points(p)), repeat=3)
    print(f"full Figure-3 computation (sweep + turning points): {t_full:.4f} s  (target < 2 s)")


if __name__ == "__main__":
    main()
