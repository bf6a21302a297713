"""Kikuchi & O'Connor (2025), "Granular origins of agglomeration": the chapter's paper modules.

* :mod:`lib.granular.local` -- one location: firm draws, sector equilibria, first-order responses.
* :mod:`lib.granular.hhi` -- expected employment-weighted HHI by 1-D quadrature (Lemma 4, eq. 11).
* :mod:`lib.granular.quantitative` -- Phi, Psi, wage-size elasticity, subsidies (Secs. 2.4-3).
* :mod:`lib.granular.spatial` -- spatial equilibrium by exact hat algebra and optimal policy (Sec. 4.4, 6).
* :mod:`lib.granular.panel` -- the synthetic firm panel of Sec. 4 (the microdata are confidential).
* :mod:`lib.granular.estimation` -- Sec. 4 estimators: kappa, nu, shock variances, alpha, Table 3.
"""
