"""OPCO funding of an apprenticeship contract: schedule, balance claim limit, employer participation
and the two OPCO deadlines (domain.md §3 and §4).

Pure functions of their inputs (no database, no ``date.today()``): the caller passes the
contract's dates, the annual NPEC and the ``FundingRule`` in force (any object with the same
attributes will do). The amounts are ``Decimal`` rounded to the cent, half up.

Rules implemented (``FundingRule`` rows, loaded from ``contracts.reference_data``):

- the rule in force is the one of the contract's *conclusion* (signature) date, or of its start
  date while it is unsigned [check: domain §4 says "contracts concluded from 1 July 2025"];
- a contract year runs from one anniversary of the start to the day before the next, the last
  one cut at the contract end (or rupture) date;
- per-day funding (contracts from 1 July 2025): year amount = NPEC × exact days of the year / 365
  [check: a 366-day year — 29 February — is funded 366/365 of the NPEC; the formula is applied as
  written]; before: NPEC × started months / 12 ("tout mois commencé est dû");
- minus ``remote_training_reduction_percent`` when the remote training hours are at least 80 %
  of the training hours;
- one instalment per item of the rule's schedule: its percent of the year's amount, rounded to
  the cent, the last item taking the rounding remainder so that a year sums exactly; due on the
  year start + ``due_month`` months, never after the year's last day (the balance, due "on proof of
  service", falls on the year end / contract end);
- the last year's balance is lost if not claimed within ``balance_claim_months`` after the end;
- the employer participation (``employer_participation``, Code du travail L6332-14 I 1°,
  R6332-25-1, R6332-25-2, décret 2025-585 [check]) for contracts concluded from 1 July 2025 whose
  diploma is of level ≥ ``employer_participation_min_level`` (6): ``employer_participation_amount``
  (750 €), or ``employer_participation_new_employer_amount`` (200 €) for a new contract after a
  rupture with another employer; invoiceable once the first 45 days of practical training in the
  company are over — the day after the free rupture period's last day, counted on the real
  calendar by ``alternance.planning.practical`` (the caller passes that day). A rupture within those
  days: ``employer_participation_rupture_percent`` (50 %) of the NPEC pro rata of the contract days
  done (start to rupture, per-day funding: NPEC × days / 365), at most
  ``employer_participation_rupture_cap`` (750 €) and never more than the amount otherwise due;
  invoiceable the day after the rupture.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from contracts.choices import InstalmentKind
from contracts.deadlines import add_days

CENT = Decimal("0.01")
DAYS_IN_FUNDED_YEAR = 365
REMOTE_TRAINING_THRESHOLD_PERCENT = Decimal("80")


class FundingRuleLike(Protocol):
    valid_from: date
    per_day: bool
    schedule: list[dict[str, Any]]
    balance_claim_months: int | None
    employer_participation_amount: Decimal | None
    employer_participation_min_level: int | None
    employer_participation_rupture_percent: Decimal | None
    employer_participation_rupture_cap: Decimal | None
    employer_participation_new_employer_amount: Decimal | None
    remote_training_reduction_percent: Decimal


@dataclass(frozen=True)
class ContractYear:
    number: int
    start: date
    end: date  # last day of the year, included
    days: int
    started_months: int
    amount: Decimal


@dataclass(frozen=True)
class PlannedInstalment:
    contract_year: int
    kind: str
    percent: Decimal
    amount: Decimal
    due_date: date


SOURCE_PARTICIPATION = "Code du travail L6332-14 I 1°, R6332-25-1 et R6332-25-2 (décret 2025-585) [à vérifier]"


class ParticipationBasis:
    """Why the participation has its amount (shown next to it)."""

    FLAT = "flat"  # R6332-25-1: the flat amount
    NEW_EMPLOYER = "new_employer"  # a new contract with another employer after a rupture
    RUPTURE = "rupture"  # R6332-25-2: a rupture within the first 45 company days


@dataclass(frozen=True)
class EmployerParticipation:
    amount: Decimal
    # The day it may be invoiced: the day after the free rupture period (or after a rupture within
    # it); None while the 45th company day is out of reach of the calendar.
    invoiceable_from: date | None
    basis: str = ParticipationBasis.FLAT


@dataclass(frozen=True)
class FundingSchedule:
    years: list[ContractYear]
    instalments: list[PlannedInstalment]
    reduction_percent: Decimal
    balance_claim_limit: date | None
    employer_participation: EmployerParticipation | None

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.instalments), Decimal("0.00"))


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; the 31st (or 29 February) falls back on the
    last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_in_force(rules: Iterable[FundingRuleLike], day: date) -> FundingRuleLike | None:
    """The rule with the latest ``valid_from`` on or before ``day`` (None before the first one)."""
    candidates = [rule for rule in rules if rule.valid_from <= day]
    return max(candidates, key=lambda rule: rule.valid_from, default=None)


def funding_reference_date(*, signature_date: date | None, start_date: date) -> date:
    """The date that picks the funding rule: conclusion (signature) of the contract, else its start."""
    return signature_date or start_date


def started_months(start: date, end: date) -> int:
    """Months begun between ``start`` and ``end`` (both included), counted from ``start``."""
    months = 0
    while add_months(start, months) <= end:
        months += 1
    return months


def contract_years(start: date, end: date) -> list[tuple[int, date, date]]:
    """(number, first day, last day) of each contract year, anniversary to anniversary, the last
    one cut at ``end`` (the contract's last day, included)."""
    if end < start:
        raise ValueError("La fin du contrat précède son début.")
    years, number = [], 1
    while True:
        year_start = add_months(start, 12 * (number - 1))
        if year_start > end:
            return years
        year_end = min(add_months(start, 12 * number) - timedelta(days=1), end)
        years.append((number, year_start, year_end))
        number += 1


def remote_training_reduced(*, training_hours: int | None, remote_training_hours: int | None) -> bool:
    """Remote training reaches 80 % of the training hours (domain §4: funding −20 %)."""
    if not training_hours or not remote_training_hours:
        return False
    return Decimal(remote_training_hours) * 100 >= REMOTE_TRAINING_THRESHOLD_PERCENT * Decimal(training_hours)


def year_amount(*, npec: Decimal, days: int, months: int, per_day: bool, reduction_percent: Decimal) -> Decimal:
    base = npec * days / DAYS_IN_FUNDED_YEAR if per_day else npec * months / 12
    return cents(base * (100 - reduction_percent) / 100)


def split_year(rule: FundingRuleLike, year: ContractYear) -> list[PlannedInstalment]:
    """The year's instalments from the rule's schedule; the last item takes the rounding remainder."""
    items = rule.schedule
    planned, allotted = [], Decimal("0.00")
    for index, item in enumerate(items):
        percent = Decimal(str(item["percent"]))
        if index == len(items) - 1:
            amount = year.amount - allotted
        else:
            amount = cents(year.amount * percent / 100)
            allotted += amount
        due = min(add_months(year.start, int(item["due_month"])), year.end)
        planned.append(PlannedInstalment(contract_year=year.number, kind=item["kind"], percent=percent, amount=amount, due_date=due))
    return planned


def balance_claim_limit(rule: FundingRuleLike, end: date) -> date | None:
    """The last day to claim the last year's balance: end + ``balance_claim_months`` months."""
    if rule.balance_claim_months is None:
        return None
    return add_months(end, rule.balance_claim_months)


def participation_invoiceable_from(*, free_period_end: date | None, rupture_date: date | None) -> date | None:
    """The first day the OF may invoice the participation (R6332-25-2: "à l'issue de la période des
    45 premiers jours, consécutifs ou non, de formation pratique en entreprise"): the day after the
    period's last day (its 45th company day); the day after the rupture when the contract was broken
    within the period; None while the 45th company day is beyond the calendar's horizon."""
    if ruptured_within(free_period_end=free_period_end, rupture_date=rupture_date):
        return rupture_date + timedelta(days=1)
    return None if free_period_end is None else free_period_end + timedelta(days=1)


def ruptured_within(*, free_period_end: date | None, rupture_date: date | None) -> bool:
    """The contract was broken on or before the last day of its free rupture period."""
    return rupture_date is not None and (free_period_end is None or rupture_date <= free_period_end)


def employer_participation(
    rule: FundingRuleLike,
    *,
    start: date,
    programme_level: int | None,
    free_period_end: date | None,
    rupture_date: date | None = None,
    npec: Decimal | None = None,
    after_rupture_with_another_employer: bool = False,
) -> EmployerParticipation | None:
    """The employer's participation invoiced by the OF, or None (no participation in the rule in
    force at the contract's conclusion, or a diploma below its minimum level). See the module
    docstring for the rules; ``free_period_end`` is the 45th company day
    (``alternance.planning.practical``), ``rupture_date`` the contract's rupture if any."""
    if rule.employer_participation_amount is None or rule.employer_participation_min_level is None:
        return None
    if programme_level is None or programme_level < rule.employer_participation_min_level:
        return None
    amount, basis = Decimal(rule.employer_participation_amount), ParticipationBasis.FLAT
    if after_rupture_with_another_employer and rule.employer_participation_new_employer_amount is not None:
        amount, basis = Decimal(rule.employer_participation_new_employer_amount), ParticipationBasis.NEW_EMPLOYER
    if (
        ruptured_within(free_period_end=free_period_end, rupture_date=rupture_date)
        and rule.employer_participation_rupture_percent is not None
        and npec is not None
    ):
        days = (rupture_date - start).days + 1
        pro_rata = Decimal(npec) * days / DAYS_IN_FUNDED_YEAR * Decimal(rule.employer_participation_rupture_percent) / 100
        cap = Decimal(rule.employer_participation_rupture_cap) if rule.employer_participation_rupture_cap is not None else amount
        amount, basis = min(cents(pro_rata), cap, amount), ParticipationBasis.RUPTURE
    return EmployerParticipation(
        amount=cents(amount),
        invoiceable_from=participation_invoiceable_from(free_period_end=free_period_end, rupture_date=rupture_date),
        basis=basis,
    )


def funding_schedule(
    *,
    rule: FundingRuleLike,
    start: date,
    end: date,
    npec: Decimal,
    training_hours: int | None = None,
    remote_training_hours: int | None = None,
    programme_level: int | None = None,
    free_period_end: date | None = None,
    rupture_date: date | None = None,
    after_rupture_with_another_employer: bool = False,
) -> FundingSchedule:
    """The OPCO funding schedule of a contract running from ``start`` to ``end`` (its last day:
    the end date, or the rupture date of a broken contract); the employer participation from
    ``free_period_end`` (the 45th company day), ``rupture_date`` and the previous contract."""
    reduction = (
        Decimal(rule.remote_training_reduction_percent or 0)
        if remote_training_reduced(training_hours=training_hours, remote_training_hours=remote_training_hours)
        else Decimal("0")
    )
    years = []
    for number, year_start, year_end in contract_years(start, end):
        days = (year_end - year_start).days + 1
        months = started_months(year_start, year_end)
        amount = year_amount(npec=Decimal(npec), days=days, months=months, per_day=rule.per_day, reduction_percent=reduction)
        years.append(ContractYear(number=number, start=year_start, end=year_end, days=days, started_months=months, amount=amount))
    instalments = [instalment for year in years for instalment in split_year(rule, year)]
    return FundingSchedule(
        years=years,
        instalments=instalments,
        reduction_percent=reduction,
        balance_claim_limit=balance_claim_limit(rule, end),
        employer_participation=employer_participation(
            rule, start=start, programme_level=programme_level, free_period_end=free_period_end, rupture_date=rupture_date,
            npec=Decimal(npec), after_rupture_with_another_employer=after_rupture_with_another_employer,
        ),
    )


def is_last_year_balance(kind: str, contract_year: int, last_year: int) -> bool:
    return kind == InstalmentKind.BALANCE and contract_year == last_year


# --- the two OPCO deadlines (domain §3), counted with contracts.deadlines --------------------------

def sending_deadline(start: date, days: int, count: str) -> date:
    """Last day to send the complete file to the OPCO: ``days`` days (``count`` mode, default 5 jours
    ouvrables) after the contract start (Code du travail D6224-1; ContractSettings.opco_sending_*)."""
    return add_days(start, days, count)


def decision_deadline(complete_file_date: date, days: int, count: str) -> date:
    """Day by which the OPCO must decide: ``days`` days (default 20 calendar days) after receiving the
    complete file; silence means refusal (D6224-2 [check]; ContractSettings.opco_decision_*)."""
    return add_days(complete_file_date, days, count)
