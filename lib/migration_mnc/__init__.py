"""Wang (2014), "Bilateral Migration and Multinationals": model, solver, calibration, policy.

Submodules: :mod:`.model` (equilibrium blocks), :mod:`.solver` (log-residual
root-finding, Table 5 regimes), :mod:`.calibration` (Section 5.1),
:mod:`.policy` (moving costs, quotas, sensitivity), :mod:`.facts` (Section 2).
Import submodules explicitly, e.g. ``from lib.migration_mnc import solver``.
"""
