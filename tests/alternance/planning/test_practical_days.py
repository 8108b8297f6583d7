"""The 45 days of practical training in the company (L6222-18 al. 1) counted on the real calendar:
rhythm, OF closures, per-day exceptions, public holidays, days outside the cohort — against
hand-counted calendars, on both sides of the 45th day; batch loading in a constant number of
queries; the same places as the calendar pages."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.models import CalendarOverride, ClosurePeriod
from alternance.planning import calendar as planning
from alternance.planning import practical
from alternance.planning.practical import PracticalCalendar, company_days, free_period_end, nth_company_day
from contracts.models import Contract
from tests.factories.alternance import ApprenticeFactory, CohortFactory
from tests.factories.contracts import ContractFactory

# Cohort CCEEE (Wed–Fri in the company) from Monday 7 September 2026. Hand count from that Monday:
# 3 company days a week; Wednesday 11 November 2026 is a public holiday (2 that week). By Friday
# 11 December: 9 weeks × 3 + 2 + 4 weeks × 3 = 41; Wed 16 Dec = 42, Thu 17 = 43, Fri 18 = 44,
# Wed 23 Dec = 45, Thu 24 = 46.
START = date(2026, 9, 7)
PLAIN = PracticalCalendar(pattern="CCEEE", cohort_start=START, cohort_end=date(2028, 6, 30))
# The OF closes Monday 26 to Friday 30 October 2026: Mon 26 and Tue 27 (centre days) become company
# days, two more — Wed 16 Dec = 44, Thu 17 = 45, Fri 18 = 46.
CLOSED = PracticalCalendar(pattern="CCEEE", cohort_start=START, cohort_end=date(2028, 6, 30),
                           closures=((date(2026, 10, 26), date(2026, 10, 30)),))


@pytest.mark.parametrize(("calendar", "day", "expected"), [
    (PLAIN, date(2026, 12, 18), 44),
    (PLAIN, date(2026, 12, 23), 45),
    (PLAIN, date(2026, 12, 24), 46),
    (CLOSED, date(2026, 12, 16), 44),
    (CLOSED, date(2026, 12, 17), 45),
    (CLOSED, date(2026, 12, 18), 46),
    (CLOSED, date(2026, 12, 20), 46),  # the weekend after adds nothing
])
def test_company_days_on_both_sides_of_the_45th(calendar, day, expected):
    assert company_days(START, day, calendar=calendar) == expected


@pytest.mark.parametrize(("calendar", "n", "expected"), [
    (PLAIN, 44, date(2026, 12, 18)),
    (PLAIN, 45, date(2026, 12, 23)),
    (PLAIN, 46, date(2026, 12, 24)),
    (CLOSED, 44, date(2026, 12, 16)),
    (CLOSED, 45, date(2026, 12, 17)),
    (CLOSED, 46, date(2026, 12, 18)),
])
def test_nth_company_day_counts_closures_and_skips_holidays(calendar, n, expected):
    assert nth_company_day(START, n, calendar=calendar) == expected


def test_a_public_holiday_on_a_company_day_does_not_count():
    # Week of 9 Nov 2026: Wed 11 (Armistice) is not counted, Thu 12 and Fri 13 are.
    assert company_days(date(2026, 11, 9), date(2026, 11, 15), calendar=PLAIN) == 2
    # Without the holiday the same week of 16 Nov has three.
    assert company_days(date(2026, 11, 16), date(2026, 11, 22), calendar=PLAIN) == 3


@pytest.mark.parametrize(("overrides", "expected_45th", "why"), [
    ((), date(2026, 12, 23), "the plain rhythm"),
    (((date(2026, 12, 14), "E"),), date(2026, 12, 18), "Monday 14 Dec worked in the company: the 45th comes a day earlier"),
    (((date(2026, 9, 9), "-"),), date(2026, 12, 24), "sick leave on Wed 9 Sept: the 45th comes a day later"),
    (((date(2026, 11, 11), "E"),), date(2026, 12, 18), "the holiday worked in the company counts"),
    (((date(2026, 9, 10), "C"),), date(2026, 12, 24), "a company day moved to the centre does not count"),
])
def test_the_apprentices_own_exceptions_win(overrides, expected_45th, why):
    calendar = PracticalCalendar(pattern="CCEEE", cohort_start=START, cohort_end=date(2028, 6, 30), overrides=overrides)

    assert free_period_end(START, 45, calendar=calendar) == expected_45th, why


def test_days_before_the_cohort_starts_are_company_days_from_monday_to_friday():
    # Practical start Monday 31 Aug 2026, a week before the cohort: 5 company days that week (the
    # weekend does not count), then the rhythm — the 45th day comes five company days earlier.
    early = date(2026, 8, 31)
    assert company_days(early, date(2026, 9, 6), calendar=PLAIN) == 5
    assert nth_company_day(early, 45, calendar=PLAIN) == nth_company_day(START, 40, calendar=PLAIN) == date(2026, 12, 10)


def test_no_nth_day_within_the_horizon_gives_none():
    never = PracticalCalendar(pattern="CCCCC", cohort_start=START, cohort_end=START + timedelta(days=2000))

    assert nth_company_day(START, 45, calendar=never) is None
    assert nth_company_day(START, 0, calendar=PLAIN) is None


# --- loading and agreement with the calendar pages ---------------------------------------------------

@pytest.mark.django_db
def test_loaded_calendars_agree_with_the_calendar_pages_day_by_day():
    cohort = CohortFactory(start_date=START, end_date=date(2028, 6, 30), rhythm_pattern="CCEEE")
    apprentice = ApprenticeFactory(cohort=cohort)
    ClosurePeriod.objects.create(label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30), cohort=cohort)
    ClosurePeriod.objects.create(label="Noël", start_date=date(2026, 12, 21), end_date=date(2027, 1, 1))
    CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 12, 14), place="E", reason="Inventaire")
    CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 9, 9), place="-", reason="Arrêt maladie")
    ContractFactory(apprentice=apprentice, start_date=START, practical_training_start_date=START, training_start_date=START)

    calendars = practical.calendars_for_contracts(Contract.objects.select_related("apprentice__cohort"))
    shown = planning.apprentice_days(apprentice, START, date(2027, 1, 31))

    expected = [day for day, place in sorted(shown.items()) if place.place == "E"]
    counted = [day for day in sorted(shown) if calendars[apprentice.pk].is_company_day(day)]
    assert counted == expected
    # Toussaint +2, Inventaire +1, sick leave −1: the 45th day is two company days earlier than the
    # plain 23 December, Thursday 17 December.
    assert free_period_end(START, 45, calendar=calendars[apprentice.pk]) == date(2026, 12, 17)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 4])
def test_loading_calendars_costs_two_queries_whatever_the_number_of_contracts(count):
    cohorts = [CohortFactory(start_date=START, rhythm_pattern="CCEEE"), CohortFactory(start_date=START, rhythm_pattern="CCCEE")]
    cohort_of = {}
    for index in range(count):
        apprentice = ApprenticeFactory(cohort=cohorts[index % 2])
        cohort_of[apprentice.pk] = index % 2
        CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 9, 9), place="-", reason="Arrêt maladie")
        ContractFactory(apprentice=apprentice)
    ClosurePeriod.objects.create(label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30), cohort=cohorts[0])
    rows = list(Contract.objects.values(*practical.CALENDAR_FIELDS))

    with CaptureQueriesContext(connection) as queries:
        calendars = practical.calendars_for_rows(rows)

    assert len(queries) == 2
    assert len(calendars) == count
    assert all(calendar.overrides == ((date(2026, 9, 9), "-"),) for calendar in calendars.values())
    toussaint = ((date(2026, 10, 26), date(2026, 10, 30)),)
    assert {pk: c.closures for pk, c in calendars.items()} == {pk: toussaint if cohort_of[pk] == 0 else () for pk in cohort_of}
