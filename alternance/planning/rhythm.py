"""Alternance rhythm: which working days an apprentice spends at the OF (C) or in the company (E).

A cohort's ``rhythm_pattern`` lists weeks separated by "|", one letter per working day from Monday
("CCEEE" = 2 days at the OF, 3 in the company, every week; "CCCCC|EEEEE|EEEEE" = one week at the
OF then two in the company). Weeks cycle from the week of the cohort start. Public holidays are
neither. Pure functions: the full calendar (closures, overrides) builds on them.
"""

from __future__ import annotations

from datetime import date, timedelta

from contracts.deadlines import is_public_holiday

CENTRE, COMPANY, OFF = "C", "E", "-"


def place_on(day: date, *, pattern: str, cycle_start: date) -> str:
    """"C", "E" or "-" for ``day`` (weekends beyond the pattern and public holidays are "-")."""
    weeks = pattern.split("|")
    if is_public_holiday(day):
        return OFF
    week_index = ((day - timedelta(days=day.weekday())) - (cycle_start - timedelta(days=cycle_start.weekday()))).days // 7
    week = weeks[week_index % len(weeks)]
    return week[day.weekday()] if day.weekday() < len(week) else OFF


def company_days(start: date, end: date, *, pattern: str, cycle_start: date) -> int:
    """Number of company days ("E") in [start, end] — e.g. the 45 days of practical training that
    bound the free rupture period count company days only, not OF days (domain §3)."""
    return sum(
        1
        for offset in range((end - start).days + 1)
        if place_on(start + timedelta(days=offset), pattern=pattern, cycle_start=cycle_start) == COMPANY
    )


def nth_company_day(start: date, n: int, *, pattern: str, cycle_start: date, horizon_days: int = 800) -> date | None:
    """The date of the ``n``-th company day from ``start`` (inclusive), or None beyond the horizon."""
    count = 0
    for offset in range(horizon_days):
        day = start + timedelta(days=offset)
        if place_on(day, pattern=pattern, cycle_start=cycle_start) == COMPANY:
            count += 1
            if count == n:
                return day
    return None
