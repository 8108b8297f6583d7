"""The next and the last centre day of a cohort (the register's sessions) at their limits (issue 16,
mutation survivors of alternance/planning/calendar.py): ``after`` excluded and ``before`` included,
the cohort's first and last days, SESSION_SEARCH_DAYS (366) − 0 / + 1, closures of another cohort
ignored."""

from datetime import date

import pytest

from alternance.models import ClosurePeriod
from alternance.planning import calendar as planning
from tests.factories.alternance import CohortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    """CCEEE (Mon–Tue at the centre) from Monday 7 September 2026 to Monday 14 June 2027."""
    return CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 14))


@pytest.mark.parametrize("after, expected", [
    (date(2026, 9, 6), date(2026, 9, 7)),    # the day before the cohort: its first day
    (date(2026, 9, 7), date(2026, 9, 8)),    # after is excluded
    (date(2026, 9, 8), date(2026, 9, 14)),
    (date(2027, 6, 13), date(2027, 6, 14)),  # the cohort's last day is included
    (date(2027, 6, 14), None),               # nothing after the cohort's last day
    (date(2027, 7, 1), None),
])
def test_next_centre_day(cohort, after, expected):
    assert planning.next_centre_day(cohort, after) == expected


@pytest.mark.parametrize("before, expected", [
    (date(2026, 9, 6), None),                # before the cohort
    (date(2026, 9, 7), date(2026, 9, 7)),    # before is included: the cohort's first day
    (date(2026, 9, 8), date(2026, 9, 8)),
    (date(2026, 9, 13), date(2026, 9, 8)),
    (date(2027, 7, 1), date(2027, 6, 14)),
])
def test_previous_centre_day(cohort, before, expected):
    assert planning.previous_centre_day(cohort, before) == expected


def test_a_closure_of_another_cohort_does_not_move_the_sessions(cohort):
    other = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 14))
    ClosurePeriod.objects.create(label="Autre promo", start_date=date(2026, 9, 14), end_date=date(2026, 9, 15), cohort=other)
    ClosurePeriod.objects.create(label="La sienne", start_date=date(2026, 9, 21), end_date=date(2026, 9, 22), cohort=cohort)

    assert planning.next_centre_day(cohort, date(2026, 9, 8)) == date(2026, 9, 14)
    assert planning.next_centre_day(other, date(2026, 9, 8)) == date(2026, 9, 21)
    assert planning.previous_centre_day(cohort, date(2026, 9, 27)) == date(2026, 9, 15)
    assert planning.previous_centre_day(other, date(2026, 9, 27)) == date(2026, 9, 22)


@pytest.mark.parametrize("closed_until, expected", [
    (date(2027, 9, 6), date(2027, 9, 7)),  # the first session is after + 366 days: found
    (date(2027, 9, 7), None),              # after + 367 days (Monday 13 September): beyond the search
])
def test_next_centre_day_looks_366_days_ahead(closed_until, expected):
    """SESSION_SEARCH_DAYS = 366 from after = Sunday 6 September 2026."""
    long = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2029, 6, 29))
    ClosurePeriod.objects.create(label="Longue fermeture", start_date=date(2026, 9, 7), end_date=closed_until)

    assert planning.next_centre_day(long, date(2026, 9, 6)) == expected


@pytest.mark.parametrize("closed_from, expected", [
    (date(2026, 9, 8), date(2026, 9, 7)),  # the last session is before − 366 days: found
    (date(2026, 9, 7), None),              # the one before, Tue 1 September, is 372 days back
])
def test_previous_centre_day_looks_366_days_back(closed_from, expected):
    """SESSION_SEARCH_DAYS = 366 back from before = Wednesday 8 September 2027."""
    long = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2025, 9, 1), end_date=date(2029, 6, 29))
    ClosurePeriod.objects.create(label="Longue fermeture", start_date=closed_from, end_date=date(2027, 9, 8))

    assert planning.previous_centre_day(long, date(2027, 9, 8)) == expected
