"""Doi & Suzuki (2025), "Gains from foreign employment in Japan": the chapter's model code.

Modules
-------
kernels
    Equation blocks shared by levels and hats (CES occupation price, EK costs and
    price indices, trade shares, goods markets).
levels
    The model in levels (paper Definition 1), evaluation at given prices and a
    solver for small economies.
hat
    The corrected equilibrium in relative changes and its fast solver.
base_year
    The synthetic base year at the paper's dimensions, calibrated to Table 1 and
    the shares printed in §2; small random economies for checks.
counterfactuals
    Scenarios (autarky, expansions, skill-mix sweep) and reported outcomes.
roy, estimation
    Worker-side closed forms and the estimation of the elasticities.

Submodules are imported explicitly (``from lib.foreign_employment import hat``).
"""
