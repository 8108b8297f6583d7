"""Alternance rhythm: which working days an apprentice spends at the OF (C) or in the company (E).

A cohort's ``rhythm_pattern`` lists weeks separated by "|", one letter per working day from Monday
("CCEEE" = 2 days at the OF, 3 in the company, every week; "CCCCC|EEEEE|EEEEE" = one week at the
OF then two in the company). Weeks cycle from the week of the cohort start. Public holidays are
neither. Pure functions: the full calendar (closures, overrides) builds on them, and so does the
count of company days (``alternance.planning.practical``: the only count of the 45 days of L6222-18).
"""

from __future__ import annotations

from datetime import date, timedelta

from contracts.deadlines import is_public_holiday

CENTRE, COMPANY, OFF = "C", "E", "-"


def place_on(day: date, *, pattern: str, cycle_start: date) -> str:
    """"C", "E" or "-" for ``day`` (weekends beyond the pattern and public holidays are "-")."""
    if is_public_holiday(day):
        return OFF
    return pattern_place(day, pattern=pattern, cycle_start=cycle_start)


def pattern_place(day: date, *, pattern: str, cycle_start: date) -> str:
    """What the pattern alone says of ``day``, public holidays aside: the sessions' generation
    reports the centre days a holiday took (issue 19 §1)."""
    weeks = pattern.split("|")
    week_index = ((day - timedelta(days=day.weekday())) - (cycle_start - timedelta(days=cycle_start.weekday()))).days // 7
    week = weeks[week_index % len(weeks)]
    return week[day.weekday()] if day.weekday() < len(week) else OFF
