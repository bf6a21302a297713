"""Benchmarks for the granular chapter (not a test): run `python tests/benchmarks/bench_gran.py`."""
from __future__ import annotations

import time

import numpy as np

from lib.granular.hhi import weighted_hhi
from lib.granular.quantitative import (cournot_sector_table, phi_psi, productivity_elasticity_baseline,
                                       productivity_elasticity_perfect, wage_elasticity)
from lib.granular.spatial import conduct_curves, optimal_policy, synthetic_zones

P = dict(eta=0.13, lam=10.5, kappa=2.48, nu=1.46, sigma2_N=0.14, sigma2_S=0.002)


def _time(f, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter(); f(); best = min(best, time.perf_counter() - t)
    return best


def main():
    m = np.geomspace(1e-3, 1e4, 200)
    t = _time(lambda: wage_elasticity(productivity_elasticity_baseline(m, 0.13, 10.5, 0.14, 0.002), 0.13))
    print(f"elasticity curve, 200 market sizes (baseline, Sec. 2): {t:.3f} s (target < 2 s, ratio {t / 2:.3f})")
    t = _time(lambda: wage_elasticity(productivity_elasticity_perfect(m, **P), 0.13))
    print(f"elasticity curve, 200 market sizes (perfect competition, Sec. 3): {t:.3f} s")
    t = _time(lambda: weighted_hhi(m, 1.365))
    print(f"weighted HHI by quadrature, 200 market sizes: {t:.3f} s")
    t0 = time.perf_counter(); table = cournot_sector_table(**P); t_tab = time.perf_counter() - t0
    print(f"Cournot sector table (default size): {t_tab:.3f} s")
    t = _time(lambda: phi_psi(m, **P, conduct="cournot", table=table), repeat=1)
    print(f"Cournot Phi/Psi curve, 200 market sizes (given the table): {t:.3f} s")
    z = synthetic_zones()
    cv = conduct_curves(**P, conduct="cournot", table=table)
    t = _time(lambda: optimal_policy(cv, z["population"], z["m"], 3.0), repeat=1)
    print(f"optimal policy fixed point, 225 zones, Cournot: {t:.3f} s")


if __name__ == "__main__":
    main()
