"""Regulatory deadlines counted in calendar days, jours ouvrables or jours ouvrés (domain.md §3).

- *jours ouvrables*: every day but Sundays and French public holidays (the official Cerfa generator's
  count for the 5 days to send the file to the OPCO);
- *jours ouvrés*: Monday to Friday except public holidays;
- *calendaires*: every day.

The number of days and the counting mode of each deadline are settings (see
``contracts.settings``), since only part of them is confirmed by a primary source. Pure functions:
no ``date.today()`` here.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayCount(models.TextChoices):
    OUVRABLES = "ouvrables", _("jours ouvrables (hors dimanches et jours fériés)")
    OUVRES = "ouvres", _("jours ouvrés (du lundi au vendredi, hors jours fériés)")
    CALENDAIRES = "calendaires", _("jours calendaires")


@cache
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year))


def is_public_holiday(day: date) -> bool:
    return day in _french_holidays(day.year)


def counts(day: date, mode: str) -> bool:
    """Whether ``day`` counts as one day in ``mode``."""
    if mode == DayCount.CALENDAIRES:
        return True
    if is_public_holiday(day):
        return False
    if mode == DayCount.OUVRABLES:
        return day.weekday() != 6  # Sunday
    if mode == DayCount.OUVRES:
        return day.weekday() < 5
    raise ValueError(f"Mode de décompte inconnu : {mode}")


def add_days(start: date, days: int, mode: str) -> date:
    """The day on which a deadline of ``days`` days counted from ``start`` falls.

    The start day itself is not counted (day 1 is the first counting day after it).
    """
    day, remaining = start, days
    while remaining > 0:
        day += timedelta(days=1)
        if counts(day, mode):
            remaining -= 1
    return day


def days_between(start: date, end: date, mode: str) -> int:
    """Number of counting days in (start, end] — how many days of the deadline have elapsed."""
    if end <= start:
        return 0
    return sum(1 for offset in range(1, (end - start).days + 1) if counts(start + timedelta(days=offset), mode))
