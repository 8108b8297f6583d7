"""Calendar helpers of the demo data: month arithmetic, French public holidays, rhythm days."""

import random
from datetime import date, timedelta
from functools import cache

from alternance.planning.calendar import is_working_day


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the end of a shorter month (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def between(rng: random.Random, first: date, last: date) -> date:
    """A random day in [first, last]; ``first`` when the range is empty (keeps callers simple)."""
    span = (last - first).days
    return first + timedelta(days=rng.randint(0, span)) if span > 0 else first


def _easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def french_public_holidays(year: int) -> frozenset[date]:
    """The 11 public holidays of metropolitan France (Code du travail L3133-1): no class at the OF."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50)]
    return frozenset([date(year, m, d) for m, d in fixed] + movable)


def working_day_on_or_after(day: date) -> date:
    """``day`` itself when it is a working day, else the next one (visits are not planned on a Sunday)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_on_or_before(day: date) -> date:
    """``day`` itself when it is a working day, else the previous one (what was done, was done on a working day)."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def is_training_day(day: date, cohort_start: date, weeks: list[str]) -> bool:
    """Whether the rhythm pattern puts the cohort at the OF ("C") on ``day``.

    The pattern's first week is the week of the cohort start; it repeats afterwards.
    """
    if day in french_public_holidays(day.year):
        return False
    week = weeks[((monday_of(day) - monday_of(cohort_start)).days // 7) % len(weeks)]
    return day.weekday() < len(week) and week[day.weekday()] == "C"
