"""Scaling benchmark of the two spatial solvers (a script, not a timed test; minutes, not seconds).

* Foreign employment (Doi & Suzuki 2025) at 47, 100, 200, 500 and 1,000 regions: generating and
  calibrating the synthetic base year (:func:`lib.foreign_employment.base_year.make_synthetic_base`,
  as ``chapters/foreign_employment/04_autarky.md`` does), then the labour-market-autarky
  counterfactual (:func:`lib.foreign_employment.hat.solve_hat`): seconds, outer iterations, seconds
  per iteration, the multiply-adds of an iteration and a roofline estimate, and the peak memory of
  the process.
* Granular spatial equilibrium (Kikuchi & O'Connor 2025) at 225, 1,000 and 1,724 synthetic
  commuting zones: the optimal place-based policy and one solve under it.

**Roofline.** Almost all the work of an FE iteration is matrix-vector products over the
``J x N x N`` trade shares (the price-index contraction and the goods-market iteration each pass
once over them per inner step). The estimate is: the iteration's multiply-adds (passes x J N^2)
divided by the rate numpy achieves, on this machine and in this process, for the same product
(``np.matmul`` of a ``(J, N, N)`` stack with ``J`` vectors, best of several). That product streams
the whole array from memory, so the rate is memory-bound; the rate of an ``N x N`` matrix-matrix
product (compute-bound) is recorded as well, for reference.

Each size runs in its own process (one BLAS thread) so that its peak resident memory
(``ru_maxrss``) is its own; wall and CPU seconds are both recorded, since on a shared machine the
wall time includes waiting for a core.
Writes ``data/performance/scaling.csv`` (one row per model and size), ``scaling_slopes.csv``
(log-log slope of every measure against the number of regions), ``scaling.png`` and
``calibration_history.csv`` (the FE base year's pre-solve and calibration residual after every
model evaluation, by size); the performance page of the book shows them.

Run: ``.venv/bin/python tests/benchmarks/bench_scaling.py [--fe 47 100 200 500 1000] [--gran 225 1000 1724]``
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "performance"


def _best(fn, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _peak_mib():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def child_fe(n: int, calibrate: bool = True) -> dict:
    """One FE size: base year, autarky solve, pass counts, roofline rates, peak memory."""
    import numpy as np

    from lib.foreign_employment import base_year as by
    from lib.foreign_employment import counterfactuals as cf
    from lib.foreign_employment import hat

    mem0 = _peak_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    sb = by.make_synthetic_base(by.DEFAULT_SEED, n, calibrate=calibrate)
    t_base, c_base = time.perf_counter() - t0, time.process_time() - c0
    base = sb.base
    R, J, O, G = base.dims
    N = R + 1
    passes = {"n": 0}
    cp0, gm0 = hat.cost_and_price, hat.goods_market

    def cp(*a, **k):
        out = cp0(*a, **k)
        passes["n"] += out[2]
        return out

    def gm(*a, **k):
        out = gm0(*a, **k)
        passes["n"] += out[2]
        return out

    L_hat = cf.removal_shock(by.GROUPS, "all")
    par = dict(eta=by.ETA, zeta=by.ZETA, xi=by.XI, tol=1e-10)
    times, cpu, sol = [], [], None
    for _ in range(2 if n >= 500 else 3):  # best of a few (the first also warms caches)
        hat.cost_and_price, hat.goods_market = cp, gm
        passes["n"] = 0
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            sol = hat.solve_hat(base, L_hat, **par)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        finally:
            hat.cost_and_price, hat.goods_market = cp0, gm0
    t_solve = min(times)
    cells = J * N * N
    # the final evaluation (exact inner solves, trade shares formed) counts as one more iteration
    evals = sol.iterations + 1
    macs_per_iter = passes["n"] * cells / evals
    W = np.random.default_rng(0).random((J, N, N))
    v = np.random.default_rng(1).random((J, N, 1))
    t_mv = _best(lambda: np.matmul(W, v), 7)
    A = np.random.default_rng(2).random((N, N))
    t_mm = _best(lambda: A @ A, 5)
    del W, A
    rate_mv, rate_mm = cells / t_mv, N ** 3 / t_mm
    per_iter = t_solve / evals
    return {"model": "foreign_employment", "n": n, "calibrated": bool(calibrate), "unknowns": int(R * O * sol.active.sum()),
            "trade_cells": cells, "base_seconds": t_base, "solve_seconds": t_solve,
            "base_cpu_seconds": c_base, "solve_cpu_seconds": min(cpu),
            "iterations": sol.iterations, "seconds_per_iteration": per_iter,
            "passes_per_iteration": passes["n"] / evals, "macs_per_iteration": macs_per_iter,
            "matvec_gmacs": rate_mv / 1e9, "matmul_gmacs": rate_mm / 1e9,
            "roofline_seconds_per_iteration": macs_per_iter / rate_mv,
            "roofline_ratio": per_iter / (macs_per_iter / rate_mv),
            "roofline_ratio_cpu": min(cpu) / evals / (macs_per_iter / rate_mv),
            "roofline_ratio_vs_matmul": per_iter / (macs_per_iter / rate_mm),
            "peak_mib": _peak_mib(), "import_mib": mem0, "residual": sol.residual,
            "calibration_outer_iterations": sb.calibration.get("outer_iterations"),
            # the calibration's residual after each evaluation (not a scaling.csv column: see main)
            "_history": {phase: [float(v) for v in sb.calibration.get(f"{phase}_history", [])]
                         for phase in ("pre_solve", "residual")},
            # where the base year's time goes (make_synthetic_base's own timings, by step)
            **{f"base_{step}_seconds": float(sec) for step, sec in sb.calibration.get("timings", {}).items()}}


def child_gran(n: int) -> dict:
    """One granular size: optimal policy and one solve under it (perfect competition, Table 2)."""
    from lib.granular.spatial import conduct_curves, optimal_policy, solve_spatial_hat, synthetic_zones

    P = dict(eta=0.13, lam=10.5, kappa=2.48, nu=1.46, sigma2_N=0.14, sigma2_S=0.002)
    mem0 = _peak_mib()
    t0 = time.perf_counter()
    z = synthetic_zones(n)
    cv = conduct_curves(**P, conduct="perfect")
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    op = optimal_policy(cv, z["population"], z["m"], 3.0)
    t_policy = time.perf_counter() - t0
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        sol = solve_spatial_hat(cv, z["population"], z["m"], 3.0, op.tau_w, op.tau_pi)
        times.append(time.perf_counter() - t0)
    t_solve = min(times)
    return {"model": "granular_spatial", "n": n, "unknowns": n, "base_seconds": t_base,
            "solve_seconds": t_solve, "iterations": sol.iterations,
            "seconds_per_iteration": t_solve / sol.iterations, "policy_seconds": t_policy,
            "policy_outer_iterations": op.outer_iterations, "peak_mib": _peak_mib(), "import_mib": mem0,
            "residual": sol.residual}


def run_child(kind: str, n: int, timeout: float, calibrate: bool = True) -> dict:
    # one BLAS thread per process: a solve uses one core (as each notebook does in the parallel
    # book build), and an oversubscribed multi-threaded matrix-vector product is many times slower
    env = dict(os.environ, OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(n), str(int(calibrate))],
                          capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} n={n} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def slopes(df):
    """Least-squares slope of log(measure) on log(n), per model and measure."""
    import numpy as np
    import pandas as pd

    rows = []
    for model, sub in df.groupby("model"):
        if len(sub) < 2:
            continue
        for col in ("base_seconds", "solve_seconds", "iterations", "seconds_per_iteration", "peak_mib"):
            y = sub[col].to_numpy(float)
            if np.all(y > 0):
                b = np.polyfit(np.log(sub.n.to_numpy(float)), np.log(y), 1)[0]
                rows.append({"model": model, "measure": col, "slope": float(b),
                             "from_n": int(sub.n.min()), "to_n": int(sub.n.max())})
    return pd.DataFrame(rows)


def plot(df, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    fe = df[df.model == "foreign_employment"]
    ax = axes[0]
    for col, label in [("base_seconds", "base year (generate + calibrate)"), ("solve_seconds", "autarky solve"),
                       ("seconds_per_iteration", "one iteration"),
                       ("roofline_seconds_per_iteration", "roofline, one iteration")]:
        if col in fe and len(fe):
            ax.loglog(fe.n, fe[col], "o-" if "roofline" not in col else "k--", label=label)
    ax.set_xlabel("regions R (trade cells 25 (R+1)^2)")
    ax.set_ylabel("seconds")
    ax.set_title("foreign employment: time")
    ax2 = ax.twinx()
    if len(fe):
        ax2.loglog(fe.n, fe.peak_mib / 1024, "s:", color="tab:gray", label="peak memory (GiB)")
        ax2.set_ylabel("peak memory (GiB)")
    ax.legend(fontsize=8, loc="upper left")
    ax2.legend(fontsize=8, loc="lower right")
    gr = df[df.model == "granular_spatial"]
    ax = axes[1]
    if len(gr):
        ax.loglog(gr.n, gr.solve_seconds, "o-", label="equilibrium solve")
        ax.loglog(gr.n, gr.policy_seconds, "o-", label="optimal policy (outer fixed point)")
        ax.loglog(gr.n, gr.seconds_per_iteration, "o-", label="one iteration")
    ax.set_xlabel("commuting zones")
    ax.set_ylabel("seconds")
    ax.set_title("granular spatial equilibrium")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def main(argv=None):
    import pandas as pd

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fe", type=int, nargs="*", default=[47, 100, 200, 500, 1000])
    ap.add_argument("--gran", type=int, nargs="*", default=[225, 1000, 1724])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per size")
    ap.add_argument("--calibrate-max", type=int, default=10**6,
                    help="largest FE size whose base year is calibrated (larger: equilibrium only)")
    args = ap.parse_args(argv)
    rows = []
    for n in args.fe:
        rows.append(run_child("fe", n, args.timeout, calibrate=n <= args.calibrate_max))
        r = rows[-1]
        print(f"FE R={n:5d}: base {r['base_seconds']:7.2f} s | solve {r['solve_seconds']:6.3f} s, "
              f"{r['iterations']} iterations, {1e3 * r['seconds_per_iteration']:8.2f} ms/iteration "
              f"({r['passes_per_iteration']:.1f} passes; roofline {1e3 * r['roofline_seconds_per_iteration']:7.2f} ms, "
              f"ratio {r['roofline_ratio']:.2f}, CPU {r['roofline_ratio_cpu']:.2f}) | peak {r['peak_mib']:7.0f} MiB", flush=True)
    for n in args.gran:
        rows.append(run_child("gran", n, args.timeout))
        r = rows[-1]
        print(f"granular I={n:5d}: solve {r['solve_seconds']:.4f} s, {r['iterations']} iterations "
              f"({1e3 * r['seconds_per_iteration']:.3f} ms each) | optimal policy {r['policy_seconds']:.3f} s | "
              f"peak {r['peak_mib']:.0f} MiB", flush=True)
    hist = [{"n": r["n"], "phase": "calibration" if phase == "residual" else phase, "evaluation": i + 1,
             "residual": v}
            for r in rows for phase, values in r.pop("_history", {}).items() for i, v in enumerate(values)]
    df = pd.DataFrame(rows)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    df["source"] = (f"measured by tests/benchmarks/bench_scaling.py, {stamp}, {os.cpu_count()} cores, "
                    f"{platform.machine()}, load average at the end {load:.1f}")
    sl = slopes(df)
    args.out.mkdir(parents=True, exist_ok=True)
    hist_df = pd.DataFrame(hist, columns=["n", "phase", "evaluation", "residual"])
    hist_df["source"] = df["source"].iloc[0]
    hist_df.to_csv(args.out / "calibration_history.csv", index=False)
    df.to_csv(args.out / "scaling.csv", index=False)
    sl.to_csv(args.out / "scaling_slopes.csv", index=False)
    plot(df, args.out / "scaling.png")
    print(sl.to_string(index=False))
    print(f"wrote {args.out / 'scaling.csv'}, scaling_slopes.csv, scaling.png")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        n = int(sys.argv[3])
        print(json.dumps(child_fe(n, sys.argv[4] == "1") if sys.argv[2] == "fe" else child_gran(n)))
    else:
        main()
