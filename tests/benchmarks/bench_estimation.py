"""Timings for the synthetic-panel estimation of Kikuchi & O'Connor (2025), Sec. 4.

Run: ``python tests/benchmarks/bench_estimation.py``. Target: the notebook
chapters/granular/04_estimation.md executes in under 30 s at default parameters.
"""
import time

from lib.granular.estimation import estimate_all, table3_regression
from lib.granular.panel import PanelConfig, simulate_panel


def main():
    cfg = PanelConfig()
    t = time.perf_counter()
    panel = simulate_panel(cfg)
    t_sim = time.perf_counter() - t
    t = time.perf_counter()
    estimate_all(panel)
    t_est = time.perf_counter() - t
    t = time.perf_counter()
    table3_regression(panel.firms, lag=True, firm_fe=True)
    t_t3 = time.perf_counter() - t
    print(f"simulate panel ({len(panel.firms):,} firm-years): {t_sim:.3f} s")
    print(f"full Sec. 4 estimation (eta, kappa x2, nu x2, GMM, SMM + quadrature): {t_est:.3f} s")
    print(f"Table 3 regression with year and firm FE: {t_t3:.3f} s")
    print(f"one recovery replication (simulate + estimate): {t_sim + t_est:.3f} s")


if __name__ == "__main__":
    main()
