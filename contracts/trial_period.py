"""The trial period of a contrat de professionnalisation (issue 15 §5).

The « 45-day free rupture » is an apprenticeship rule (L6222-18); a contrat pro is an ordinary
fixed-term or open-ended contract (L6325-5) with the trial period of its kind:

- CDD, Code du travail L1242-10: « la période d'essai ne peut excéder une durée calculée à raison
  d'un jour par semaine, dans la limite de deux semaines lorsque la durée initialement prévue au
  contrat est au plus égale à six mois et d'un mois dans les autres cas ». Our reading: one
  calendar day per whole week of the contract's planned length (start to end), capped at 14 days
  when that length is 6 months or less, at one calendar month beyond; it runs from the first day
  of the contract.
- CDI, Code du travail L1221-19: 2 months for workers and employees, 3 for supervisors and
  technicians, 4 for executives. The contract does not record the category: the outer legal bound
  (4 months) is what the rupture service accepts; its message names the three limits.

Pure functions of the contract's dates; no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contracts.choices import EmploymentTerm
from contracts.funding import add_months

SOURCE_TRIAL_CDD = "Code du travail L1242-10 (période d'essai du CDD : un jour par semaine, 2 semaines ou 1 mois au plus)"
SOURCE_TRIAL_CDI = "Code du travail L1221-19 (période d'essai du CDI : 2, 3 ou 4 mois selon la catégorie)"

CDD_SHORT_CONTRACT_MONTHS = 6
CDD_SHORT_CAP_DAYS = 14
CDD_LONG_CAP_MONTHS = 1
CDI_MAX_MONTHS = 4


@dataclass(frozen=True)
class TrialPeriod:
    last_day: date
    days: int | None  # the CDD's count in days (None for a CDI, counted in months)
    source: str


def trial_period(*, start: date, end: date, term: str) -> TrialPeriod:
    """The longest trial period of a contract running from ``start`` to ``end`` (included)."""
    if term == EmploymentTerm.OPEN_ENDED:
        return TrialPeriod(add_months(start, CDI_MAX_MONTHS) - timedelta(days=1), None, SOURCE_TRIAL_CDI)
    weeks = ((end - start).days + 1) // 7
    short = end + timedelta(days=1) <= add_months(start, CDD_SHORT_CONTRACT_MONTHS)
    if short:
        days = min(weeks, CDD_SHORT_CAP_DAYS)
    else:
        days = min(weeks, (add_months(start, CDD_LONG_CAP_MONTHS) - start).days)
    return TrialPeriod(start + timedelta(days=days - 1), days, SOURCE_TRIAL_CDD)
