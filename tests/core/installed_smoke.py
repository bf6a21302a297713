"""Smoke check of an installed ``lib``: one solver of each paper and one data table each.

Run it with any interpreter that has the package installed, from any working directory
(``tests/core/test_packaging.py`` does so from a temporary folder with a freshly built wheel)::

    python tests/core/installed_smoke.py
"""
import json

import numpy as np

import lib
from lib.core.data import DATA_DIR, read_table
from lib import offshoring as off
from lib.migration_mnc import model as mm, solver as sv
from lib.granular.local import solve_sector
from lib.foreign_employment import base_year as by
from lib.foreign_employment.levels import solve_levels

out = {"lib": lib.__file__, "data_dir": str(DATA_DIR)}
out["offshoring_w"] = off.solve_extended(0.9, off.Params()).w
out["offshoring_table1_rows"] = len(read_table("offshoring/table1.csv"))
par = mm.table3_parameters()                                   # reads data/migration_mnc/table3.csv
out["migration_converged"] = bool(sv.solve_equilibrium(par, mm.REGIMES["migration_and_mnc"]).converged)
sh = np.array([0.5, 0.3, 0.2])
out["granular_residual"] = solve_sector(sh, np.array([0.01, -0.02, 0.0]), 0.13, 2.48, 1.46).residual
out["granular_table1_rows"] = len(read_table("granular/table1.csv"))
out["fe_levels_converged"] = bool(np.isfinite(solve_levels(by.toy_fundamentals()).log_p).all())
out["fe_table1_rows"] = len(by.table1())
print(json.dumps(out))
