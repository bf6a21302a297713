r"""Channel decompositions of the headline results of Kikuchi & O'Connor (2025).

Two headline results, each re-solved with one channel switched off at a time:

* **Agglomeration** (paper Sec. 6.1): the productivity gap between the largest and the smallest
  zone, :math:`\log\Phi^f(m_{\max})-\log\Phi^f(m_{\min})`.  Under Cournot it splits exactly into
  the perfect-competition gap (granular reallocation, paper Sec. 3.2) and the change in the
  Cournot-minus-PC misallocation term (state-varying markdowns, paper Lemma 2, Sec. 3.3).
  Switching off granularity (:math:`\sigma_N^2=0`) removes *both*: with only sector shocks every
  firm of a sector moves together, shares never vary, so markdowns never vary and
  :math:`\Phi^c=\Phi^p` is flat in :math:`m`.  The conduct channel therefore exists only through
  granularity, and one-at-a-time contributions do not add up (:func:`productivity_gap_channels`
  reports the overlap).
* **Optimal policy** (paper Prop. 4, eq. 13, Sec. 6.3): the change in firms and population.  The
  entry subsidy of eq. (13) is, in logs, exactly the sum of a granular term and a markdown term,

  .. math:: \log(1+\tau^\pi)=\underbrace{\log\big(1+\varepsilon^f/\eta\big)}_{\text{granular under-entry}}
            \underbrace{-\log\Big(1-\tfrac{1-\eta}{\eta}\tfrac{\Psi^f}{\Phi^f}\Big)}_{\text{markdown over-entry}},

  so the policy has three instruments (these two parts and the wage subsidy :math:`\tau^w`) and one
  propagation channel, migration (paper Sec. 3.1, :math:`\theta`).  :func:`policy_channels`
  re-solves the spatial equilibrium with each instrument switched off in turn (migration can be
  switched off too).  The model is non-linear, so the instruments' contributions add up to the total
  only to first order; the remainder is reported as ``interaction``.

Everything here calls :func:`lib.granular.spatial.solve_spatial_hat` and friends; nothing new is
solved.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib.granular.quantitative import PhiPsi, phi_psi
from lib.granular.spatial import (ConductCurves, SpatialSolution, entry_given_population,
                                  solve_spatial_hat)

__all__ = [
    "POLICY_CHANNELS",
    "INSTRUMENTS",
    "split_entry_subsidy",
    "PolicyChannels",
    "policy_channels",
    "solve_with_channels",
    "productivity_gap_channels",
]

POLICY_CHANNELS = ("granular_entry_subsidy", "markdown_entry_tax", "wage_subsidy", "migration")
#: the three policy instruments; migration is a propagation channel, switched off separately
INSTRUMENTS = POLICY_CHANNELS[:3]


def split_entry_subsidy(pp: PhiPsi, eta: float):
    r"""The two factors of the optimal entry subsidy of eq. (13), :math:`1+\tau^\pi=(1+\tau^\pi_g)(1+\tau^\pi_\mu)`.

    Returns
    -------
    tau_granular, tau_markdown : arrays
        :math:`\tau^\pi_g=\varepsilon^f/\eta` (granular under-entry, Prop. 3) and
        :math:`\tau^\pi_\mu=1/(1-\frac{1-\eta}\eta\Psi^f/\Phi^f)-1\le0` (markdown over-entry,
        Mankiw-Whinston force of Prop. 4); zero under perfect competition.
    """
    tau_g = np.asarray(pp.eps_phi, float) / eta
    tau_mu = 1.0 / (1.0 - (1.0 - eta) / eta * np.asarray(pp.psi_over_phi, float)) - 1.0
    return tau_g, tau_mu


def solve_with_channels(curves: ConductCurves, population, m, theta: float, tau_w, tau_pi_granular,
                        tau_pi_markdown, on) -> SpatialSolution:
    """Spatial equilibrium with only the channels in ``on`` (names from :data:`POLICY_CHANNELS`) active.

    With ``"migration"`` off, population stays at the data and only entry and wages respond (free
    entry solved exactly by :func:`lib.granular.spatial.entry_given_population`).
    """
    on = set(on)
    unknown = on - set(POLICY_CHANNELS)
    if unknown:
        raise ValueError(f"unknown channel(s) {sorted(unknown)}; choose from {POLICY_CHANNELS}")
    pop = np.asarray(population, float)
    m = np.asarray(m, float)
    zero = np.zeros_like(m)
    tw = np.broadcast_to(np.asarray(tau_w, float), m.shape) if "wage_subsidy" in on else zero
    tg = np.broadcast_to(np.asarray(tau_pi_granular, float), m.shape) if "granular_entry_subsidy" in on else zero
    tm = np.broadcast_to(np.asarray(tau_pi_markdown, float), m.shape) if "markdown_entry_tax" in on else zero
    tau_pi = (1.0 + tg) * (1.0 + tm) - 1.0
    if "migration" in on:
        return solve_spatial_hat(curves, pop, m, theta, tw, tau_pi)
    eta = curves.eta
    m_new = entry_given_population(curves, m, np.ones_like(m), tau_pi)
    log_w_hat = eta * np.log(m_new / m) + curves.at("log_wage_bill", m_new) - curves.at("log_wage_bill", m)
    return SpatialSolution(pop.copy(), m_new, np.exp(log_w_hat), True, 0, 0.0)


@dataclass
class PolicyChannels:
    """Log changes (relative to the data) with all channels on, all off, and each one switched off.

    ``contribution[c] = total - without[c]``; ``interaction = total - sum(contribution)``.
    Arrays have one entry per zone.
    """

    total: dict                       # {"log_m", "log_population", "log_wage"} -> array
    all_off: dict
    without: dict = field(default_factory=dict)       # channel -> {...}
    contribution: dict = field(default_factory=dict)  # channel -> {...}
    interaction: dict = field(default_factory=dict)   # {...}
    channels: tuple = POLICY_CHANNELS


def _log_changes(sol: SpatialSolution, population, m) -> dict:
    return {"log_m": np.log(sol.m / m), "log_population": np.log(sol.population / population),
            "log_wage": np.log(sol.wage_hat)}


def policy_channels(curves: ConductCurves, population, m, theta: float, tau_w, tau_pi_granular,
                    tau_pi_markdown, channels=INSTRUMENTS) -> PolicyChannels:
    r"""Decompose the effect of a policy :math:`(\tau^w,\tau^\pi_g,\tau^\pi_\mu)` into its channels.

    Solves the spatial equilibrium (i) with every channel on, (ii) with every channel off (which
    must return the data), and (iii) with each channel in ``channels`` switched off in turn.

    Parameters
    ----------
    curves : ConductCurves
        Conduct curves of :func:`lib.granular.spatial.conduct_curves`.
    population, m : arrays (I,)
        Observed population and entrants per sector.
    theta : float
        Migration elasticity.
    tau_w, tau_pi_granular, tau_pi_markdown : arrays (I,) or floats
        Wage subsidy and the two factors of the entry subsidy (:func:`split_entry_subsidy`).
    channels : iterable of str
        Subset of :data:`POLICY_CHANNELS` to switch off one at a time (the others always stay on).
        The default, the three instruments, nearly adds up (the interaction is second order).
        Adding ``"migration"`` does not: without migration no instrument moves population, so the
        migration "contribution" to population equals the total and the interaction is minus the
        sum of the instruments' contributions.

    Returns
    -------
    PolicyChannels
    """
    population = np.asarray(population, float)
    m = np.asarray(m, float)
    args = (curves, population, m, theta, tau_w, tau_pi_granular, tau_pi_markdown)
    total = _log_changes(solve_with_channels(*args, on=POLICY_CHANNELS), population, m)
    all_off = _log_changes(solve_with_channels(*args, on=()), population, m)
    out = PolicyChannels(total, all_off, channels=tuple(channels))
    for c in channels:
        if c not in POLICY_CHANNELS:
            raise ValueError(f"unknown channel {c!r}; choose from {POLICY_CHANNELS}")
        wo = _log_changes(solve_with_channels(*args, on=[x for x in POLICY_CHANNELS if x != c]),
                          population, m)
        out.without[c] = wo
        out.contribution[c] = {k: total[k] - wo[k] for k in total}
    out.interaction = {k: total[k] - sum(out.contribution[c][k] for c in channels) for k in total}
    return out


def productivity_gap_channels(m_small: float, m_large: float, eta, lam, kappa, nu, sigma2_N, sigma2_S,
                              cournot_table=None) -> dict:
    r"""Decompose the productivity gap :math:`\log\Phi^f(m_{\text{large}})-\log\Phi^f(m_{\text{small}})`.

    Returns a dict with

    * ``total_cournot`` and ``total_perfect``: the gaps under each conduct (paper Sec. 6.1: 2.3% and 2.1%);
    * ``granular_reallocation``: the perfect-competition gap (eq. of Sec. 3.2);
    * ``markdown_misallocation``: ``total_cournot - total_perfect`` (Lemma 2); these two add up to
      ``total_cournot`` exactly;
    * ``no_granularity``: the gap with :math:`\sigma_N^2=0` (zero under both conducts, see module
      docstring; computed under perfect competition);
    * ``switch_off_granularity`` = total - no-granularity gap, ``switch_off_conduct`` = total - PC gap,
      and ``overlap`` = their sum minus the total (equal to ``switch_off_conduct``: the markdown
      channel works only through granularity, so one-at-a-time contributions double count it).

    ``cournot_table`` is a :class:`lib.granular.quantitative.CournotTable`; without it only the
    perfect-competition entries are returned.
    """
    ms = np.array([m_small, m_large], float)
    lp = phi_psi(ms, eta, lam, kappa, nu, sigma2_N, sigma2_S, "perfect").log_phi
    lp0 = phi_psi(ms, eta, lam, kappa, nu, 0.0, sigma2_S, "perfect").log_phi
    out = {"total_perfect": float(lp[1] - lp[0]), "granular_reallocation": float(lp[1] - lp[0]),
           "no_granularity": float(lp0[1] - lp0[0])}
    if cournot_table is not None:
        lc = phi_psi(ms, eta, lam, kappa, nu, sigma2_N, sigma2_S, "cournot", table=cournot_table).log_phi
        total = float(lc[1] - lc[0])
        out.update({"total_cournot": total, "markdown_misallocation": total - out["total_perfect"],
                    "switch_off_granularity": total - out["no_granularity"],
                    "switch_off_conduct": total - out["total_perfect"]})
        out["overlap"] = out["switch_off_granularity"] + out["switch_off_conduct"] - total
    return out
