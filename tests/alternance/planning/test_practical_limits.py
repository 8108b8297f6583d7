"""The company days of Code du travail L6222-18 al. 1 at their limits (issue 16, mutation survivors of
alternance/planning/practical.py): the cohort's first and last days, Friday/Saturday outside the
cohort, a closure's first and last days, the 44th/45th/46th day, n = 0 and 1, a one-day range;
loaded calendars keep another cohort's closures and another apprentice's exceptions out."""

from datetime import date

import pytest

from alternance.models import CalendarOverride, ClosurePeriod
from alternance.planning import practical
from alternance.planning.practical import CohortRhythm, PracticalCalendar, company_days, nth_company_day
from tests.factories.alternance import ApprenticeFactory, CohortFactory

# Cohort CCEEE from Monday 7 September 2026 to Friday 18 June 2027 (Mon–Tue centre, Wed–Fri company).
START, END = date(2026, 9, 7), date(2027, 6, 18)
CAL = PracticalCalendar(pattern="CCEEE", cohort_start=START, cohort_end=END,
                        closures=((date(2026, 10, 26), date(2026, 10, 27)),))


@pytest.mark.parametrize("day, expected", [
    (date(2026, 9, 4), True),    # Friday before the cohort: full time in the company
    (date(2026, 9, 5), False),   # Saturday before the cohort: not a working day
    (date(2026, 9, 6), False),   # Sunday
    (date(2026, 9, 7), False),   # the cohort's first day, Monday: centre
    (date(2026, 9, 9), True),    # Wednesday: company
    (date(2026, 10, 25), False),  # Sunday before the closure
    (date(2026, 10, 26), True),  # closure's first day: a centre Monday becomes a company day
    (date(2026, 10, 27), True),  # closure's last day
    (date(2026, 11, 2), False),  # Monday after the closure: centre again
    (date(2026, 11, 11), False),  # Armistice, a Wednesday: public holiday
    (date(2027, 6, 14), False),  # the cohort's last week, Monday: centre
    (date(2027, 6, 18), True),   # the cohort's last day, Friday
    (date(2027, 6, 21), True),   # Monday after the cohort: full time in the company
    (date(2027, 6, 26), False),  # Saturday after the cohort
], ids=lambda v: v.isoformat() if isinstance(v, date) else str(v))
def test_is_company_day_at_the_limits(day, expected):
    assert CAL.is_company_day(day) is expected


@pytest.mark.parametrize("override, expected", [("E", True), ("C", False), ("-", False)])
def test_an_exception_decides_even_on_a_holiday_or_outside_the_cohort(override, expected):
    for day in (date(2026, 11, 11), date(2026, 9, 2), date(2026, 9, 7)):
        calendar = PracticalCalendar(pattern="CCEEE", cohort_start=START, cohort_end=END, overrides=((day, override),))
        assert calendar.is_company_day(day) is expected
        assert calendar.is_company_day(day, {}) is CAL.is_company_day(day)  # explicit mapping wins over the stored one


@pytest.mark.parametrize("n, expected", [
    (0, None), (1, date(2026, 9, 9)), (2, date(2026, 9, 10)), (3, date(2026, 9, 11)), (4, date(2026, 9, 16)),
])
def test_nth_company_day_first_days(n, expected):
    assert nth_company_day(START, n, calendar=CAL) == expected


def test_44th_45th_46th_company_days_and_the_count_up_to_them():
    """L6222-18 al. 1: 45 days; the closure adds Mon 26 and Tue 27 October."""
    d44, d45, d46 = (nth_company_day(START, n, calendar=CAL) for n in (44, 45, 46))
    assert (d44, d45, d46) == (date(2026, 12, 16), date(2026, 12, 17), date(2026, 12, 18))
    assert [company_days(START, d, calendar=CAL) for d in (d44, d45, d46)] == [44, 45, 46]
    assert practical.free_period_end(START, 45, calendar=CAL) == d45


@pytest.mark.parametrize("start, end, expected", [
    (date(2026, 9, 9), date(2026, 9, 8), 0),
    (date(2026, 9, 9), date(2026, 9, 9), 1),
    (date(2026, 9, 8), date(2026, 9, 8), 0),
    (date(2026, 9, 7), date(2026, 9, 13), 3),
], ids=["end-before-start", "one-company-day", "one-centre-day", "one-week"])
def test_company_days_over_short_ranges(start, end, expected):
    assert company_days(start, end, calendar=CAL) == expected


@pytest.mark.parametrize("given, start, expected", [
    (date(2026, 9, 14), date(2026, 9, 1), date(2026, 9, 14)), (None, date(2026, 9, 1), date(2026, 9, 1)),
])
def test_practical_start_is_the_cerfa_date_else_the_contract_start(given, start, expected):
    assert practical.practical_start(practical_training_start_date=given, start_date=start) == expected


def test_window_spans_the_horizon_after_the_latest_start():
    assert practical._window([]) is None
    assert practical._window([date(2026, 9, 7), date(2026, 9, 1)]) == (date(2026, 9, 1), date(2028, 11, 15))


@pytest.mark.django_db
@pytest.mark.parametrize("max_ids", [practical.MAX_IDS_IN_QUERY, 1], ids=["ids-in-query", "range-only-query"])
def test_loaded_calendars_keep_other_cohorts_closures_and_other_apprentices_exceptions_out(monkeypatch, max_ids):
    monkeypatch.setattr(practical, "MAX_IDS_IN_QUERY", max_ids)
    a = CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END)
    b = CohortFactory(rhythm_pattern="CCEEE", start_date=START, end_date=END)
    alice, zoe, outsider = ApprenticeFactory(cohort=a), ApprenticeFactory(cohort=b), ApprenticeFactory(cohort=a)
    ClosurePeriod.objects.create(label="A", start_date=date(2026, 10, 26), end_date=date(2026, 10, 27), cohort=a)
    ClosurePeriod.objects.create(label="OF", start_date=date(2026, 12, 21), end_date=date(2026, 12, 22))
    ClosurePeriod.objects.create(label="Trop tard", start_date=date(2027, 1, 4), end_date=date(2027, 1, 5))
    CalendarOverride.objects.create(apprentice=alice, day=date(2026, 9, 9), place="-", reason="Arrêt")
    CalendarOverride.objects.create(apprentice=outsider, day=date(2026, 9, 10), place="-", reason="Arrêt")
    CalendarOverride.objects.create(apprentice=zoe, day=date(2027, 1, 6), place="-", reason="Hors fenêtre")

    subjects = [CohortRhythm(alice.pk, a.pk, "CCEEE", START, END), CohortRhythm(zoe.pk, b.pk, "CCEEE", START, END)]
    calendars = practical.load_calendars(subjects, first_day=START, last_day=date(2026, 12, 31))

    assert set(calendars) == {alice.pk, zoe.pk}
    assert calendars[alice.pk].closures == ((date(2026, 10, 26), date(2026, 10, 27)), (date(2026, 12, 21), date(2026, 12, 22)))
    assert calendars[zoe.pk].closures == ((date(2026, 12, 21), date(2026, 12, 22)),)
    assert calendars[alice.pk].overrides == ((date(2026, 9, 9), "-"),)
    assert calendars[zoe.pk].overrides == ()
    assert calendars[zoe.pk].is_company_day(date(2026, 10, 26)) is False
    assert practical.load_calendars([], first_day=START, last_day=END) == {}
