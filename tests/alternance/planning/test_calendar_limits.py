"""The calendar computation at its limits (issue 16, mutation survivors of alternance/planning/calendar.py):
the ``?mois=`` parameter's years 1900 and 2200 at −1 / = / +1, the cells of padding days, a day's long
French date, the days listed under a month (those with a note only) and the day marked as today."""

from datetime import date, datetime

import pytest

from alternance.models import ClosurePeriod
from alternance.planning import calendar as planning
from alternance.planning.calendar import CalendarDay, DayPlace
from tests.factories.alternance import CohortFactory, UserFactory


@pytest.mark.parametrize("value, expected", [
    ("1899-12", None), ("1900-01", (1900, 1)), ("1900-12", (1900, 12)),
    ("2200-12", (2200, 12)), ("2201-01", None), ("2199-01", (2199, 1)),
    ("2026-02", (2026, 2)), ("2026-13", None), ("2026-00", None), ("", None), (None, None), ("2026", None),
    ("2026-11-01", None), ("99999999999-01", None), ("abcd-01", None),
])
def test_month_param_accepts_years_1900_to_2200_only(value, expected):
    assert planning.month_param(value) == expected


def test_a_padding_cell_has_no_place_and_its_own_style():
    assert CalendarDay(date(2026, 11, 30), in_month=False).css == "pad"
    place = DayPlace("C", "Au centre de formation")
    assert CalendarDay(date(2026, 12, 1), in_month=True, place=place).css == place.css == "centre"


def test_a_day_reads_as_a_long_french_date():
    assert CalendarDay(date(2026, 11, 28), in_month=True).long_date == "samedi 28 novembre 2026"


@pytest.mark.django_db
def test_the_days_listed_under_a_month_are_those_with_a_note_and_today_is_the_day_given():
    """December 2026 of a CCEEE cohort: Christmas (a holiday) and a closure have a note, plain days none."""
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 18))
    ClosurePeriod.objects.create(label="Journée pédagogique", start_date=date(2026, 12, 7), end_date=date(2026, 12, 7), cohort=cohort)
    user = UserFactory(role="coordinator")
    month = planning.cohort_month(cohort, 2026, 12, user=user, today=date(2026, 12, 3))
    assert [(cell.day, cell.place.note) for cell in month.noted_days] == [
        (date(2026, 12, 7), "Centre fermé — Journée pédagogique"), (date(2026, 12, 25), "Noël"),
    ]
    assert [cell.day for cell in month.days if cell.is_today] == [date(2026, 12, 3)]
    assert month.today == date(2026, 12, 3)


@pytest.mark.django_db
def test_without_a_day_given_today_is_the_real_local_date(time_machine):
    from zoneinfo import ZoneInfo

    time_machine.move_to(datetime(2026, 12, 14, 23, 30, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 18))
    month = planning.cohort_month(cohort, 2026, 12, user=UserFactory(role="coordinator"))
    assert month.today == date(2026, 12, 14)
    assert [cell.day for cell in month.days if cell.is_today] == [date(2026, 12, 14)]
