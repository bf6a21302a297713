r"""Indirect inference for the synthetic base year's knobs (Doi & Suzuki 2025).

The synthetic generator (:mod:`lib.foreign_employment.generator`) has eight bounded, named knobs.
Three stay at documented values (the gravity block: distance elasticity, services' relative
distance elasticity, internal distance); the others (:data:`~lib.foreign_employment.generator.FITTED_KNOBS`)
are **fitted** so that the model, solved on the synthetic base year, reproduces

* **Table 6** (36 numbers: native welfare under the three autarky scenarios), and
* the **national rows of Table 8** (GDP, manufacturing, services and the 25 sectors, three scenarios).

The objective (:func:`objective`) is

.. math::
   Q = \overline{(\Delta_6)^2} + \overline{(\Delta_{8,\rm agg})^2} + 0.1\,\overline{(\Delta_{8,\rm sector})^2}
       + 10\,\max(0,\ 0.05 - (\bar\rho_{\rm within}-\bar\rho_{\rm across}))^2

in squared percentage points: the mean squared errors on Table 6, on the 9 aggregate national rows of
Table 8, a tenth of that on its 75 sector rows, and a penalty that keeps the paper's Figure 6
sorting pattern (natives' occupations correlate more with foreigners' of the same skill than of the
other skill, by at least 0.05).

Everything else the paper prints is **held out**: Table 7 (regional real-wage extremes), the
prefecture extremes of Table 8, Table 9 (expansions) and the Rawlsian skill mix are never used
by the fit and are reported as predictions.

Run ``python -m lib.foreign_employment.fit_base_year`` (minutes; a progress bar shows each
objective evaluation). It fits on three generator seeds and writes knobs, objective values, seeds
and the fit history to ``data/foreign_employment/base_year_fit.json``, which the notebooks read.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd

from ..core.data import DATA_DIR, read_table
from . import counterfactuals as cf
from .base_year import DEFAULT_SEED, ETA, FIT_FILE, GROUPS, SECTORS, XI, ZETA, calibration_report, make_synthetic_base
from .generator import FITTED_KNOBS, KNOB_BOUNDS, GeneratorKnobs, occupation_sorting_correlations
from .hat import solve_hat

__all__ = ["FIT_SEEDS", "paper_targets", "predictions", "held_out", "objective", "evaluate_knobs", "fit_seed",
           "main"]

FIT_SEEDS = (DEFAULT_SEED, 1, 2)
SORTING_MARGIN = 0.05
# Table 8's short sector names -> the book's (paper Table 3) names
TABLE8_NAMES = {"Hospitality": "Restaurants", "Other services": "Other service", "Telecom": "Telecommunication"}
SCENARIOS = ("all", "LS", "HS")


def paper_targets() -> dict:
    """The fitted numbers from the paper: Table 6 (36) and the national rows of Table 8, as Series."""
    t6 = read_table("foreign_employment/table6.csv", ["row", "sex", "age", "scenario", "value"],
                    numeric_columns=["value"])
    t6 = pd.Series(t6.value.to_numpy(float),
                   index=[f"D-{r.row}-{r.sex}-{r.age}|{r.scenario}" for r in t6.itertuples()])
    t8 = read_table("foreign_employment/table8.csv", ["row", "scenario", "stat", "value"], numeric_columns=["value"])
    t8 = t8[t8.stat == "national"]
    t8 = pd.Series(t8.value.to_numpy(float),
                   index=[f"{TABLE8_NAMES.get(r.row, r.row)}|{r.scenario}" for r in t8.itertuples()])
    return {"table6": t6, "table8": t8}


def _scenario_solutions(sb, eta=ETA, zeta=ZETA, xi=XI, tol=1e-10):
    return {k: solve_hat(sb.base, cf.removal_shock(GROUPS, k), eta=eta, zeta=zeta, xi=xi, tol=tol)
            for k in SCENARIOS}


def predictions(sb, solutions=None) -> dict:
    """The model's counterparts of the fitted numbers on a synthetic base year.

    Returns
    -------
    dict
        ``table6`` and ``table8`` Series indexed like :func:`paper_targets`, ``sorting`` (the
        Figure 6 correlations) and ``solutions`` (the three autarky solutions).
    """
    sols = _scenario_solutions(sb) if solutions is None else solutions
    base = sb.base
    t6, t8 = {}, {}
    for k, sol in sols.items():
        w = cf.welfare_change_pct(sol)
        for g, name in enumerate(GROUPS):
            if name.startswith("D-"):
                t6[f"{name}|{k}"] = float(w[g])
        head = cf.summary(base, sol)
        t8[f"GDP|{k}"] = head["gdp_change_pct"]
        t8[f"Manufacturing|{k}"] = head["gdp_change_manufacturing_pct"]
        t8[f"Service|{k}"] = head["gdp_change_services_pct"]
        for i, s in enumerate(SECTORS):
            t8[f"{s}|{k}"] = cf.sector_output_change_pct(base, sol, np.arange(len(SECTORS)) == i)
    sorting = occupation_sorting_correlations(calibration_report(base)["occ_share"])
    return {"table6": pd.Series(t6), "table8": pd.Series(t8), "sorting": sorting, "solutions": sols}


def held_out(sb, solutions) -> dict:
    """Predictions for the paper's held-out numbers (never used by the fit), beside the paper's.

    Returns
    -------
    dict of DataFrame
        ``table7``: for each native group and autarky scenario, the prefecture minimum and maximum
        of the real-wage change (columns ``group, scenario, stat, paper, paper_prefecture, book,
        book_prefecture``); ``table8``: the same for the prefecture extremes of GDP, manufacturing,
        services and each sector's output.
    """
    base = sb.base
    regions = base.labels["regions"]
    t7 = read_table("foreign_employment/table7.csv", ["row", "sex", "age", "scenario", "stat", "prefecture",
                                                      "value"], numeric_columns=["value"])
    rows7 = []
    for r in t7.itertuples():
        g = GROUPS.index(f"D-{r.row}-{r.sex}-{r.age}")
        rw = cf.real_wage_change_pct(solutions[r.scenario])[:, g]
        i = int(rw.argmin() if r.stat == "min" else rw.argmax())
        rows7.append({"group": GROUPS[g], "scenario": r.scenario, "stat": r.stat, "paper": r.value,
                      "paper_prefecture": r.prefecture, "book": float(rw[i]), "book_prefecture": regions[i]})
    t8 = read_table("foreign_employment/table8.csv", ["row", "scenario", "stat", "prefecture", "value"],
                    numeric_columns=["value"])
    manu = np.asarray(base.labels.get("manufacturing", np.arange(len(SECTORS)) < 12), bool)
    masks = {"GDP": np.ones(len(SECTORS), bool), "Manufacturing": manu, "Service": ~manu}
    rows8 = []
    for r in t8[t8.stat != "national"].itertuples():
        name = TABLE8_NAMES.get(r.row, r.row)
        mask = masks.get(name, np.array(SECTORS) == name)
        y = cf.prefecture_gdp_change_pct(base, solutions[r.scenario], mask)
        i = int(y.argmin() if r.stat == "min" else y.argmax())
        rows8.append({"row": r.row, "scenario": r.scenario, "stat": r.stat, "paper": r.value,
                      "paper_prefecture": r.prefecture, "book": float(y[i]), "book_prefecture": regions[i]})
    return {"table7": pd.DataFrame(rows7), "table8": pd.DataFrame(rows8)}


def seed_report(seed: int, knobs: GeneratorKnobs, n_grid: int = 11) -> dict:
    """Every fitted and held-out number on the base year of one seed (for the spread across seeds).

    Returns
    -------
    dict
        ``fitted``: Table 6 and Table 8 national values by key; ``held_out``: Table 7 and Table 8
        prefecture extremes (``<table>|<row>|<scenario>|<stat>``), Table 9 output changes and the
        Rawlsian low-skilled share on an ``n_grid``-point skill-mix grid.
    """
    sb = make_synthetic_base(seed, 47, knobs=knobs)
    pred = predictions(sb)
    held = held_out(sb, pred["solutions"])
    fitted = {**pred["table6"].to_dict(), **pred["table8"].to_dict()}
    out = {f"Table 7|{r.group}|{r.scenario}|{r.stat}": r.book for r in held["table7"].itertuples()}
    out.update({f"Table 8 extremes|{r.row}|{r.scenario}|{r.stat}": r.book for r in held["table8"].itertuples()})
    base = sb.base
    manu = np.arange(len(SECTORS)) < 12
    for sc in cf.SCENARIOS:
        sol = solve_hat(base, cf.expansion_shock(GROUPS, base.L_g, sc, 0.10), eta=ETA, zeta=ZETA, xi=XI)
        for label, mask in (("GDP", np.ones(len(SECTORS), bool)), ("Manufacturing", manu), ("Service", ~manu)):
            out[f"Table 9|{label}|{sc}"] = cf.sector_output_change_pct(base, sol, mask)
    native = base.group_k == 0
    worst, x0 = [], None
    for lam in np.linspace(0, 1, n_grid):
        sol = solve_hat(base, cf.expansion_shock(GROUPS, base.L_g, "sweep", 0.10, ls_share=lam),
                        eta=ETA, zeta=ZETA, xi=XI, x0=x0)
        x0 = sol.x
        worst.append(float(cf.welfare_change_pct(sol)[native].min()))
    out["Rawlsian low-skilled share"] = float(np.linspace(0, 1, n_grid)[int(np.argmax(worst))])
    return {"fitted": {k: float(v) for k, v in fitted.items()}, "held_out": {k: float(v) for k, v in out.items()}}


def objective(pred: dict, paper: dict | None = None) -> dict:
    """The indirect-inference objective and its parts (squared percentage points).

    Returns
    -------
    dict
        ``value`` (the objective), ``mse_table6``, ``mse_table8_aggregate``, ``mse_table8_sectors``,
        ``sorting_penalty``, ``rmse_table6``, and ``n_table8_sectors`` (sector rows matched).
    """
    paper = paper_targets() if paper is None else paper
    d6 = pred["table6"].reindex(paper["table6"].index) - paper["table6"]
    t8p = paper["table8"]
    agg = [i for i in t8p.index if i.split("|")[0] in ("GDP", "Manufacturing", "Service")]
    sec = [i for i in t8p.index if i not in agg and i in pred["table8"].index]
    d8a = pred["table8"].reindex(agg) - t8p[agg]
    d8s = pred["table8"].reindex(sec) - t8p[sec]
    gap = pred["sorting"]["within"] - pred["sorting"]["across"]
    parts = {"mse_table6": float(np.mean(d6 ** 2)), "mse_table8_aggregate": float(np.mean(d8a ** 2)),
             "mse_table8_sectors": float(np.mean(d8s ** 2)) if sec else 0.0,
             "sorting_penalty": float(10 * max(0.0, SORTING_MARGIN - gap) ** 2)}
    parts["value"] = (parts["mse_table6"] + parts["mse_table8_aggregate"] + 0.1 * parts["mse_table8_sectors"]
                      + parts["sorting_penalty"])
    parts["rmse_table6"] = float(np.sqrt(parts["mse_table6"]))
    parts["n_table8_sectors"] = len(sec)
    if not np.isfinite(parts["value"]):
        raise ValueError("the base-year objective is not finite: a prediction is missing or not finite")
    return parts


def evaluate_knobs(knobs: GeneratorKnobs, seed: int = DEFAULT_SEED, n_regions: int = 47) -> dict:
    """Generate the base year with ``knobs``, solve the three autarky scenarios, return objective parts."""
    sb = make_synthetic_base(seed, n_regions, knobs=knobs)
    return objective(predictions(sb))


def _to_unit(knobs: GeneratorKnobs, names) -> np.ndarray:
    return np.array([(getattr(knobs, n) - KNOB_BOUNDS[n][0]) / (KNOB_BOUNDS[n][1] - KNOB_BOUNDS[n][0])
                     for n in names])


def _from_unit(z, names, start: GeneratorKnobs) -> GeneratorKnobs:
    values = start.as_dict()
    for n, u in zip(names, np.clip(z, 0.0, 1.0)):
        low, high = KNOB_BOUNDS[n]
        values[n] = float(low + u * (high - low))
    return GeneratorKnobs.from_dict(values)


def fit_seed(seed: int, start: GeneratorKnobs | None = None, *, max_evaluations: int = 120,
             progress=None) -> dict:
    """Fit the knobs in :data:`FITTED_KNOBS` for one generator seed (bounded Nelder-Mead).

    Knobs are scaled to [0, 1] within their bounds; the simplex starts at ``start`` with steps of
    0.15. Returns the best knobs, their objective parts and the history of evaluations.
    """
    from scipy.optimize import minimize

    start = GeneratorKnobs() if start is None else start
    names = list(FITTED_KNOBS)
    history = []

    def f(z):
        knobs = _from_unit(z, names, start)
        try:
            parts = evaluate_knobs(knobs, seed)
            value = parts["value"]
        except (ValueError, RuntimeError) as err:  # an inadmissible corner: penalise, record
            parts, value = {"error": str(err)}, 1e3
        history.append({"knobs": knobs.as_dict(), "value": float(value),
                        **{k: v for k, v in parts.items() if k != "value"}})
        if progress is not None:
            progress.update(1)
            progress.set_postfix(best=min(h["value"] for h in history))
        return value

    z0 = _to_unit(start, names)
    simplex = [z0] + [np.clip(z0 + 0.15 * np.eye(len(names))[i] * (1 if z0[i] < 0.85 else -1), 0, 1)
                      for i in range(len(names))]
    res = minimize(f, z0, method="Nelder-Mead", bounds=[(0, 1)] * len(names),
                   options={"initial_simplex": np.array(simplex), "maxfev": max_evaluations,
                            "xatol": 1e-3, "fatol": 1e-6})
    best = min(history, key=lambda h: h["value"])
    knobs = GeneratorKnobs.from_dict(best["knobs"])
    final = evaluate_knobs(knobs, seed)  # re-evaluated from scratch: this is what the test reproduces
    return {"knobs": knobs.as_dict(), "objective": final["value"], "parts": final,
            "evaluations": len(history), "optimizer_message": str(res.message), "history": history}


def _add_reports(fit: dict) -> None:
    """Attach :func:`seed_report` of every fitted seed to the fit (in place)."""
    for seed, entry in fit["per_seed"].items():
        entry["report"] = seed_report(int(seed), GeneratorKnobs.from_dict(entry["knobs"]))


def _write_json(fit: dict, out) -> None:
    """Write atomically: a temporary sibling file renamed over the target."""
    import os

    tmp = f"{out}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(fit, fh, indent=1)
    os.replace(tmp, out)


def main(argv=None) -> int:
    """Command line: fit the knobs on the generator seeds and write ``base_year_fit.json``."""
    from tqdm import tqdm

    ap = argparse.ArgumentParser(prog="python -m lib.foreign_employment.fit_base_year",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(FIT_SEEDS), help="generator seeds")
    ap.add_argument("--max-evaluations", type=int, default=120, help="objective evaluations per seed")
    ap.add_argument("--out", default=None, help="output JSON (default: data/foreign_employment/base_year_fit.json)")
    ap.add_argument("--report-only", action="store_true",
                    help="keep the stored knobs; recompute every fitted and held-out number for each seed")
    args = ap.parse_args(argv)
    if not 1 <= args.max_evaluations <= 2000:
        print("error: --max-evaluations must be in [1, 2000]", file=sys.stderr)
        return 2
    out = str(DATA_DIR.joinpath(*FIT_FILE.split("/"))) if args.out is None else args.out
    if args.report_only:
        with open(out, encoding="utf-8") as fh:
            fit = json.load(fh)
        _add_reports(fit)
        _write_json(fit, out)
        print(f"updated the per-seed reports in {out}")
        return 0
    t0 = time.perf_counter()
    per_seed, start = {}, GeneratorKnobs()
    with tqdm(total=args.max_evaluations * len(args.seeds), desc="base-year fit", unit="eval") as bar:
        for seed in args.seeds:
            bar.set_description(f"base-year fit, seed {seed}")
            per_seed[str(seed)] = fit_seed(seed, start, max_evaluations=args.max_evaluations, progress=bar)
    fit = {"description": "Indirect-inference fit of the synthetic base year's knobs "
                          "(lib.foreign_employment.fit_base_year); synthetic, not Japanese data.",
           "objective_definition": "mean sq. error Table 6 + mean sq. error Table 8 national GDP/"
                                   "manufacturing/services + 0.1 x mean sq. error Table 8 national sectors"
                                   f" + 10 x max(0, {SORTING_MARGIN} - (within - across sorting corr.))^2",
           "fitted_knobs": list(FITTED_KNOBS), "knob_bounds": {k: list(v) for k, v in KNOB_BOUNDS.items()},
           "default_seed": str(args.seeds[0]), "seeds": [str(s) for s in args.seeds],
           "n_regions": 47, "parameters": {"eta": ETA, "zeta": ZETA, "xi": XI},
           "seconds": time.perf_counter() - t0, "per_seed": per_seed}
    _add_reports(fit)
    _write_json(fit, out)
    print(f"wrote {out}: " + ", ".join(f"seed {s}: Q = {v['objective']:.5f}" for s, v in per_seed.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
