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
  technicians, 4 for executives, by the category recorded on the contract; a contract without a
  category gets the outer legal bound (4 months) and the rupture message names the three limits.

Pure functions of the contract's dates; no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contracts.choices import EmployeeCategory, EmploymentTerm
from contracts.funding import add_months

SOURCE_TRIAL_CDD = "Code du travail L1242-10 (période d'essai du CDD : un jour par semaine, 2 semaines ou 1 mois au plus)"
SOURCE_TRIAL_CDI = "Code du travail L1221-19 (période d'essai du CDI : 2, 3 ou 4 mois selon la catégorie)"

CDD_SHORT_CONTRACT_MONTHS = 6
CDD_SHORT_CAP_DAYS = 14
CDD_LONG_CAP_MONTHS = 1
CDI_MAX_MONTHS = 4
CDI_MONTHS = {
    EmployeeCategory.WORKER_EMPLOYEE: 2,
    EmployeeCategory.SUPERVISOR_TECHNICIAN: 3,
    EmployeeCategory.EXECUTIVE: CDI_MAX_MONTHS,
}


@dataclass(frozen=True)
class TrialPeriod:
    last_day: date
    days: int | None  # the CDD's count in days (None for a CDI, counted in months)
    source: str
    months: int | None = None  # the CDI's count in months


def trial_period(*, start: date, end: date, term: str, category: str = "") -> TrialPeriod:
    """The longest trial period of a contract running from ``start`` to ``end`` (included); for a
    CDI, of an employee of ``category`` (``EmployeeCategory``, blank: not recorded)."""
    if term == EmploymentTerm.OPEN_ENDED:
        months = CDI_MONTHS.get(category, CDI_MAX_MONTHS)
        return TrialPeriod(add_months(start, months) - timedelta(days=1), None, SOURCE_TRIAL_CDI, months)
    weeks = ((end - start).days + 1) // 7
    short = end + timedelta(days=1) <= add_months(start, CDD_SHORT_CONTRACT_MONTHS)
    if short:
        days = min(weeks, CDD_SHORT_CAP_DAYS)
    else:
        days = min(weeks, (add_months(start, CDD_LONG_CAP_MONTHS) - start).days)
    return TrialPeriod(start + timedelta(days=days - 1), days, SOURCE_TRIAL_CDD)
