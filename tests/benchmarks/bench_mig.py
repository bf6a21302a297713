"""Benchmarks for the Wang (2014) chapter: one equilibrium solve (< 50 ms) and a
50-point policy path (< 2 s).  Run: ``.venv/bin/python tests/benchmarks/bench_mig.py``."""
import time

import numpy as np

from lib.migration_mnc.model import REGIMES, table3_parameters
from lib.migration_mnc.policy import moving_cost_path, quota_path
from lib.migration_mnc.solver import solve_equilibrium, solve_table5


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    par = table3_parameters()
    t_cold = best_of(lambda: solve_equilibrium(par, REGIMES["migration_and_mnc"]))
    print(f"one equilibrium solve (cold start, migration & MNCs): {1e3 * t_cold:.1f} ms "
          f"(target 50 ms, ratio {t_cold / 0.05:.2f})")
    t5 = best_of(lambda: solve_table5(par))
    print(f"Table 5 (four regimes + normalisation): {1e3 * t5:.1f} ms")
    grid = np.linspace(0.36, 1.5, 50)
    t_path = best_of(lambda: moving_cost_path(par, grid, "all"), repeat=3)
    print(f"50-point moving-cost path: {t_path:.3f} s (target 2 s, ratio {t_path / 2:.2f})")
    t_q = best_of(lambda: quota_path(par, np.linspace(0.05, 1, 50), "all"), repeat=3)
    print(f"50-point quota path: {t_q:.3f} s (target 2 s, ratio {t_q / 2:.2f})")


if __name__ == "__main__":
    main()
