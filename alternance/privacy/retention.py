"""When a record's retention period ends (pure rules, they take ``today``).

An apprentice's relationship with the OF ends on the latest of: the end of their cohort, the end of
each of their contracts (the rupture date for a broken one) and their exclusion / dropout date. A
company contact's ends on the latest of: their last interaction, the end of the contracts they
supervised as maître d'apprentissage, the end of their company's last contract (the employer
representative signs them all) — the company's creation in the application when none of these exist.

The data is kept ``GDPR_*_RETENTION_YEARS`` years after that day, the retention end itself included;
the record becomes due for anonymisation the day after.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings


def add_years(day: date, years: int) -> date:
    """``day`` ``years`` later (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_end(last_day: date, *, years: int) -> date:
    """Last day the records are kept: ``years`` years after the end of the relationship."""
    return add_years(last_day, years)


def is_due(last_day: date | None, *, years: int, today: date) -> bool:
    """Whether the retention is over on ``today`` (strictly after its last day)."""
    return last_day is not None and today > retention_end(last_day, years=years)


def apprentice_years() -> int:
    return settings.GDPR_APPRENTICE_RETENTION_YEARS


def contact_years() -> int:
    return settings.GDPR_CONTACT_RETENTION_YEARS
