"""The days of practical training in the company, counted on the apprentice's real calendar.

Code du travail L6222-18 al. 1: the apprenticeship contract may be broken freely "durant les
quarante-cinq premiers jours, consécutifs ou non, de formation pratique en entreprise effectuée par
l'apprenti". Three rules hang on that one count (issue 15, point 3), and all three call this module:

- the free rupture period (``contracts.services.contract_record_rupture``, ``RuptureKind.FREE_PERIOD``);
- the employer participation's due date for level 6+ diplomas (R6332-25-2: the OF invoices it "à
  l'issue de la période des 45 premiers jours", the same period — ``contracts.funding``);
- the first company visit's due date (``alerts.rules.visits_overdue``; no legal frequency, the OF's
  practice is a first visit before the end of that period, domain §3).

Which day is a company day — the precedence of ``alternance.planning.calendar`` (issue 6):

1. the apprentice's own exception (``CalendarOverride``) wins: "E" counts, "C" or "-" does not (an
   exception is also how staff record a sick leave or a leave day in the company: domain §3 says
   sick leave does not count);
2. a French public holiday does not count: it is a rest day on the calendar, and the law counts
   days of practical training *done* ("effectuée"), not days under contract. A holiday worked in
   the company is recorded as an exception "E" and then counts;
3. an OF closure turns a centre day of the rhythm into a company day (it counts);
4. the cohort's rhythm: "E" counts, "C" and days beyond the week's pattern (weekends) do not;
5. outside the cohort's training dates (a contract starting before the cohort, or running after it)
   the apprentice is in the company full time: Monday to Friday count, weekends do not (decision of
   the issue: weekends are not working days; a Saturday worked is recorded as an exception "E").

The period "ends at the end of the 45th company day" (issue 15): ``nth_company_day(start, 45)`` is
its last day; a rupture on that day is still within it, the day after it is over.

Performance: the nightly rules count this for thousands of contracts. ``load_calendars`` reads the
closures and exceptions of every apprentice concerned in two queries; the counts are pure and
cached by (calendar, start, n) — apprentices of one cohort without exceptions share one calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Q

from alternance.planning.rhythm import CENTRE, COMPANY, place_on
from contracts.deadlines import is_public_holiday

SOURCE_FREE_PERIOD = (
    "Code du travail L6222-18 al. 1 : 45 premiers jours, consécutifs ou non, de formation pratique en entreprise"
)
# How far ahead the n-th company day is looked for: a rhythm of one company week in three still
# reaches 45 company days in about 27 weeks; beyond 800 days the contract has no such day.
HORIZON_DAYS = 800
# Above this many apprentices, the exceptions are read by date range only (and filtered here), so
# that the query never carries thousands of parameters (SQLite's limit).
MAX_IDS_IN_QUERY = 500


@dataclass(frozen=True)
class PracticalCalendar:
    """What decides an apprentice's company days: its cohort's rhythm and training dates, the OF
    closures that apply to the cohort (whole OF or this cohort) and its own exceptions. Hashable,
    so that counts are cached per calendar."""

    pattern: str
    cohort_start: date
    cohort_end: date
    closures: tuple[tuple[date, date], ...] = ()
    overrides: tuple[tuple[date, str], ...] = ()

    def is_company_day(self, day: date, overrides: Mapping[date, str] | None = None) -> bool:
        """Whether ``day`` is a day of practical training in the company (module docstring)."""
        place = (overrides if overrides is not None else dict(self.overrides)).get(day)
        if place is not None:
            return place == COMPANY
        if is_public_holiday(day):
            return False
        if not self.cohort_start <= day <= self.cohort_end:
            return day.weekday() < 5
        place = place_on(day, pattern=self.pattern, cycle_start=self.cohort_start)
        if place == CENTRE:
            return any(first <= day <= last for first, last in self.closures)
        return place == COMPANY


@lru_cache(maxsize=65536)
def _company_days_from(calendar: PracticalCalendar, start: date, n: int) -> tuple[date, ...]:
    """The first ``n`` company days from ``start`` (inclusive), fewer when the horizon is reached."""
    overrides = dict(calendar.overrides)
    found: list[date] = []
    for offset in range(HORIZON_DAYS):
        day = start + timedelta(days=offset)
        if calendar.is_company_day(day, overrides):
            found.append(day)
            if len(found) == n:
                break
    return tuple(found)


def nth_company_day(start: date, n: int, *, calendar: PracticalCalendar) -> date | None:
    """The date of the ``n``-th company day from ``start`` (inclusive), None beyond the horizon."""
    if n <= 0:
        return None
    days = _company_days_from(calendar, start, n)
    return days[n - 1] if len(days) == n else None


def company_days(start: date, end: date, *, calendar: PracticalCalendar) -> int:
    """Number of company days in [``start``, ``end``] (0 when ``end`` precedes ``start``)."""
    if end < start:
        return 0
    overrides = dict(calendar.overrides)
    return sum(1 for offset in range((end - start).days + 1) if calendar.is_company_day(start + timedelta(days=offset), overrides))


def free_period_end(start: date, days: int, *, calendar: PracticalCalendar) -> date | None:
    """The last day of the free rupture period (L6222-18 al. 1): the ``days``-th company day from
    the start of the practical training; the period ends at the end of that day."""
    return nth_company_day(start, days, calendar=calendar)


def practical_start(*, practical_training_start_date: date | None, start_date: date) -> date:
    """The first day the company period can count from: the practical training start (Cerfa
    field) when given, else the contract start."""
    return practical_training_start_date or start_date


# --- loading (two queries for any number of apprentices) --------------------------------------------

@dataclass(frozen=True)
class CohortRhythm:
    """An apprentice's cohort as the count needs it (from a ``values()`` row or a model)."""

    apprentice_id: int
    cohort_id: int
    pattern: str
    start: date
    end: date


def load_calendars(subjects: Iterable[CohortRhythm], *, first_day: date, last_day: date) -> dict[int, PracticalCalendar]:
    """Each apprentice's ``PracticalCalendar`` for the days [``first_day``, ``last_day``], by
    apprentice id — two queries (closures, exceptions), whatever the number of apprentices."""
    from alternance.models import CalendarOverride, ClosurePeriod

    subjects = {s.apprentice_id: s for s in subjects}
    if not subjects:
        return {}
    cohort_ids = {s.cohort_id for s in subjects.values()}
    closures: dict[int | None, list[tuple[date, date]]] = defaultdict(list)
    for row in (
        ClosurePeriod.objects.filter(start_date__lte=last_day, end_date__gte=first_day)
        .filter(Q(cohort__isnull=True) | Q(cohort_id__in=list(cohort_ids)))
        .order_by("start_date", "pk").values("cohort_id", "start_date", "end_date")
    ):
        closures[row["cohort_id"]].append((row["start_date"], row["end_date"]))
    overrides_query = CalendarOverride.objects.filter(day__range=(first_day, last_day))
    if len(subjects) <= MAX_IDS_IN_QUERY:
        overrides_query = overrides_query.filter(apprentice_id__in=list(subjects))
    overrides: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for apprentice_id, day, place in overrides_query.order_by("day").values_list("apprentice_id", "day", "place"):
        if apprentice_id in subjects:
            overrides[apprentice_id].append((day, place))
    return {
        apprentice_id: PracticalCalendar(
            pattern=s.pattern, cohort_start=s.start, cohort_end=s.end,
            closures=tuple(sorted(closures[None] + closures[s.cohort_id])),
            overrides=tuple(overrides[apprentice_id]),
        )
        for apprentice_id, s in subjects.items()
    }


# The fields a ``Contract.objects.values()`` row needs for ``calendars_for_rows`` (prefix them when
# the row comes from a related model, e.g. ``contract__``).
CALENDAR_FIELDS = (
    "apprentice_id", "apprentice__cohort_id", "apprentice__cohort__rhythm_pattern",
    "apprentice__cohort__start_date", "apprentice__cohort__end_date",
    "start_date", "practical_training_start_date",
)


def rhythm_of_row(row: Mapping[str, Any], prefix: str = "") -> CohortRhythm:
    return CohortRhythm(
        apprentice_id=row[f"{prefix}apprentice_id"], cohort_id=row[f"{prefix}apprentice__cohort_id"],
        pattern=row[f"{prefix}apprentice__cohort__rhythm_pattern"], start=row[f"{prefix}apprentice__cohort__start_date"],
        end=row[f"{prefix}apprentice__cohort__end_date"],
    )


def _window(starts: Iterable[date]) -> tuple[date, date] | None:
    starts = list(starts)
    if not starts:
        return None
    return min(starts), max(starts) + timedelta(days=HORIZON_DAYS)


def calendars_for_rows(rows: Iterable[Mapping[str, Any]], *, prefix: str = "") -> dict[int, PracticalCalendar]:
    """The calendars of the apprentices of contract ``values()`` rows holding ``CALENDAR_FIELDS``
    (with ``prefix``), over the window their 45-day periods can span — two queries."""
    rows = list(rows)
    window = _window(
        practical_start(practical_training_start_date=r[f"{prefix}practical_training_start_date"], start_date=r[f"{prefix}start_date"])
        for r in rows
    )
    if window is None:
        return {}
    return load_calendars((rhythm_of_row(r, prefix) for r in rows), first_day=window[0], last_day=window[1])


def rhythm_of_contract(contract: Any) -> CohortRhythm:
    cohort = contract.apprentice.cohort
    return CohortRhythm(contract.apprentice_id, cohort.pk, cohort.rhythm_pattern, cohort.start_date, cohort.end_date)


def calendars_for_contracts(contracts: Iterable[Any]) -> dict[int, PracticalCalendar]:
    """The calendars of the apprentices of these contracts (``apprentice__cohort`` selected) — two
    queries."""
    contracts = list(contracts)
    window = _window(
        practical_start(practical_training_start_date=c.practical_training_start_date, start_date=c.start_date) for c in contracts
    )
    if window is None:
        return {}
    return load_calendars((rhythm_of_contract(c) for c in contracts), first_day=window[0], last_day=window[1])


def contract_free_period_end(contract: Any, days: int, *, calendars: Mapping[int, PracticalCalendar] | None = None) -> date | None:
    """The last day of ``contract``'s free rupture period (``days`` company days, normally
    ``ContractSettings.free_period_company_days``); ``calendars`` from a batch loader, else two queries."""
    calendars = calendars if calendars is not None else calendars_for_contracts([contract])
    start = practical_start(practical_training_start_date=contract.practical_training_start_date, start_date=contract.start_date)
    return free_period_end(start, days, calendar=calendars[contract.apprentice_id])


def contract_company_days(contract: Any, day: date, *, calendars: Mapping[int, PracticalCalendar] | None = None) -> int:
    """Company days of ``contract`` from its practical start up to ``day`` included."""
    calendars = calendars if calendars is not None else calendars_for_contracts([contract])
    start = practical_start(practical_training_start_date=contract.practical_training_start_date, start_date=contract.start_date)
    return company_days(start, day, calendar=calendars[contract.apprentice_id])
