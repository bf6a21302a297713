"""Estimates and standard errors of every estimator in lib on fixed synthetic data.

``python tests/core/_pin_econometrics.py --write`` records them in tests/core/data/econometrics_pinned.json
(done once, with the hand-written estimators, before the swap to linearmodels);
tests/core/test_econometrics_pinned.py recomputes them and compares to 1e-8.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

PIN = Path(__file__).with_name("data") / "econometrics_pinned.json"


def _f(x):
    return float(x)


def compute() -> dict:
    from lib.foreign_employment import estimation as fe
    from lib.granular import estimation as ge, panel as gp
    from lib.migration_mnc import facts

    out = {}
    # granular: kappa, nu (weighted and not), Table 3 (four variants)
    panel = gp.simulate_panel(gp.PanelConfig(n_cz=12, n_sectors=10, n_years=6, seed=3))
    firms = panel.firms
    for wtd in (True, False):
        k = ge.estimate_kappa(firms, weighted=wtd)
        out[f"gran.kappa.w{int(wtd)}"] = [k.estimate, k.se, k.first_stage_F, k.ols]
        mk = ge.market_aggregates(firms, k.estimate)
        n = ge.estimate_nu(mk, weighted=wtd)
        out[f"gran.nu.w{int(wtd)}"] = [n.estimate, n.se, n.first_stage_F, n.ols]
    for lag in (False, True):
        for ffe in (False, True):
            t = ge.table3_regression(firms, lag=lag, firm_fe=ffe)
            out[f"gran.table3.lag{int(lag)}.ffe{int(ffe)}"] = [
                t.beta1, t.se1, t.beta3, t.se3, t.beta2, t.se2, t.ratio, t.ci_low, t.ci_high] + (
                [t.beta4, t.se4] if lag else [])
    mom = ge.sector_shock_moments(firms, 0.13)
    sv = ge.estimate_shock_variances(mom)
    out["gran.shock_variances"] = [_f(v) for v in (sv.sigma2_N, sv.sigma2_S, sv.se_N, sv.se_S)]
    # migration: Table 2 share regressions
    means = {"domestic": {"low": 0.05, "high": 0.10, "h": 0.3}, "foreign": {"low": 0.08, "high": 0.2, "h": 0.4}}
    sample = facts.simulate_firm_sample(means, n_domestic=500, n_foreign=80, seed=1)
    for col in ("low", "high", "all"):
        r = facts.share_regression(sample, col)
        out[f"mig.share.{col}"] = [r["const"], r["const_se"], r["foreign"], r["foreign_se"]]
    # foreign employment: eta (IV and OLS, clustered and iid), xi (both routes)
    loc = fe.simulate_location_panel(2.0, n_regions=15, n_types=4, n_waves=3, seed=2)
    for cl in ("region", None):
        for inst in ("log_bartik", "log_real_wage"):
            r = fe.iv2sls_fe(loc, "log_share", "log_real_wage", inst, ["type_region", "type_wave"], cluster=cl)
            out[f"fe.eta.{inst}.{cl}"] = [r.coef, r.se, r.first_stage_coef, r.first_stage_se]
    ols = fe.ols_fe(loc, "log_share ~ log_real_wage + C(type_region) + C(type_wave)", cluster="region")
    out["fe.eta.ols_fe"] = [_f(ols.params["log_real_wage"]), _f(ols.bse["log_real_wage"])]
    rel = fe.simulate_relative_wage_panel(3.0, n_regions=12, seed=4)
    for fast in (False, True):
        for cl in ("region", None):
            x = fe.estimate_xi(rel, cluster=cl, fast=fast)
            out[f"fe.xi.fast{int(fast)}.{cl}"] = [x["slope"], x["slope_se"]]
    return {k: [_f(v) for v in vals] for k, vals in out.items()}


if __name__ == "__main__":
    res = compute()
    if "--write" in sys.argv:
        PIN.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))
