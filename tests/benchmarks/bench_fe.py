"""Benchmark of the Doi & Suzuki (2025) hat solver (performance targets of the chapter).

Target: one full-size counterfactual (47 prefectures x 2 types x 24 occupations = 2,256
unknowns) solves in under 1 s. Also prints how the solve time grows with the number of
regions (47, 100, 200 synthetic regions) and the speed-up over the plain diagonal-Newton
tâtonnement.

Run: ``.venv/bin/python tests/benchmarks/bench_fe.py``
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lib.foreign_employment import base_year as by  # noqa: E402
from lib.foreign_employment import counterfactuals as cf  # noqa: E402
from lib.foreign_employment.hat import solve_hat  # noqa: E402

PAR = dict(eta=by.ETA, zeta=by.ZETA, xi=by.XI, tol=1e-10)


def best_of(fn, repeat=3):
    """Best wall time of ``repeat`` calls and the last result."""
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_scenarios(base, label, repeat=3, plain=False):
    """Time the paper's main counterfactuals on one base; return {name: seconds}."""
    groups = by.GROUPS
    scen = {"autarky (all)": cf.removal_shock(groups, "all"),
            "remove LS": cf.removal_shock(groups, "LS"),
            "X-HS (+10%)": cf.expansion_shock(groups, base.L_g, "X-HS"),
            "X-mix (+10%)": cf.expansion_shock(groups, base.L_g, "X-mix")}
    times = {}
    for name, L_hat in scen.items():
        t, sol = best_of(lambda: solve_hat(base, L_hat, **PAR), repeat)
        n_unknowns = int(base.dims[0] * base.dims[2] * sol.active.sum())
        line = (f"{label:>12s} | {name:14s} | unknowns {n_unknowns:5d} | {t:7.3f} s | "
                f"{sol.iterations:4d} iterations | residual {sol.residual:.1e}")
        if plain:
            tp, sp = best_of(lambda: solve_hat(base, L_hat, **PAR, accelerate=False, max_iter=20000), 1)
            line += f" | plain tatonnement {tp:6.3f} s ({sp.iterations} it), speed-up {tp / t:4.1f}x"
        print(line)
        times[name] = t
    return times


def main():
    t0 = time.perf_counter()
    sb = by.make_synthetic_base(by.DEFAULT_SEED, 47)
    print(f"synthetic base, 47 prefectures (calibrated): built in {time.perf_counter() - t0:.2f} s, "
          f"residual {sb.hat_residual:.1e}")
    full = run_scenarios(sb.base, "47 regions", plain=True)
    worst = max(full.values())
    print(f"full-size counterfactual (2,256 unknowns for expansions): worst {worst:.3f} s "
          f"-> target < 1 s: {'MET' if worst < 1 else 'MISSED'}")
    growth = {47: full}
    for n in (100, 200):
        t0 = time.perf_counter()
        sbn = by.make_synthetic_base(by.DEFAULT_SEED, n, calibrate=False)
        print(f"synthetic base, {n} regions (uncalibrated): built in {time.perf_counter() - t0:.2f} s")
        growth[n] = run_scenarios(sbn.base, f"{n} regions", repeat=2)
    print("\nsolve time growth (X-mix, all 2*R*O unknowns):")
    for n, tt in growth.items():
        ratio = tt["X-mix (+10%)"] / growth[47]["X-mix (+10%)"]
        print(f"  R={n:3d}: {tt['X-mix (+10%)']:.3f} s  ({ratio:4.1f}x the 47-region time; "
              f"regions ratio {n / 47:.2f}, squared {(n / 47) ** 2:.2f})")


if __name__ == "__main__":
    main()
