"""Demo calendar data: Christmas and summer closures, key dates on working days inside each
cohort, the demo apprentice's exception; deterministic and safe to run twice."""

from datetime import date

import pytest

from alternance.demo import seed_demo
from alternance.demo.calendar import christmas_closure, seed_calendar, summer_closure
from alternance.models import CalendarOverride, ClosurePeriod, KeyDate
from alternance.planning import calendar as planning
from contracts.deadlines import is_public_holiday
from tests.factories.alternance import CohortFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


def test_closures_follow_christmas_and_august():
    assert christmas_closure(2026) == ("Vacances de Noël", date(2026, 12, 19), date(2027, 1, 3))
    assert christmas_closure(2027) == ("Vacances de Noël", date(2027, 12, 18), date(2028, 1, 2))
    assert summer_closure(2026) == ("Fermeture estivale", date(2027, 8, 2), date(2027, 8, 22))


def test_seed_calendar_adds_closures_and_key_dates_inside_each_cohort_and_is_idempotent():
    cohorts = [
        CohortFactory(start_date=date(2026, 9, 7), end_date=date(2028, 6, 30), exams_end_date=date(2028, 6, 15)),
        CohortFactory(start_date=date(2026, 7, 6), end_date=date(2027, 7, 2), exams_end_date=None),
    ]

    counts = seed_calendar(today=TODAY)
    again = seed_calendar(today=TODAY)

    assert counts == {"périodes de fermeture": 6, "dates clés": 14, "exceptions au calendrier": 0}
    assert again == {"périodes de fermeture": 0, "dates clés": 0, "exceptions au calendrier": 0}
    assert list(ClosurePeriod.objects.filter(start_date__year=2026).values_list("label", "start_date", "end_date")) == [
        ("Fermeture estivale", date(2026, 8, 3), date(2026, 8, 23)),
        ("Vacances de Noël", date(2026, 12, 19), date(2027, 1, 3)),
    ]
    for cohort in cohorts:
        key_dates = list(KeyDate.objects.filter(cohort=cohort))
        assert len(key_dates) == 7
        for key_date in key_dates:
            key_date.full_clean()
            assert cohort.start_date <= key_date.day <= cohort.end_date
            assert key_date.day.weekday() < 5 and not is_public_holiday(key_date.day)
    exams = KeyDate.objects.filter(cohort=cohorts[0], kind="exam").order_by("day").values_list("label", "day")
    assert list(exams)[-1] == ("Épreuve orale (soutenance)", date(2028, 6, 12))


def test_the_demo_gives_the_demo_apprentice_one_exception_and_a_second_run_adds_nothing():
    seed_demo(apprentices=40, seed=3, today=TODAY)  # runs seed_calendar

    again = seed_calendar(today=TODAY)

    override = CalendarOverride.objects.select_related("apprentice__user").get()
    assert override.apprentice.user.email == "apprenti@demo.test"
    assert TODAY < override.day <= date(2026, 12, 28)
    assert planning.place_for(override.apprentice, override.day).place == "E"
    assert planning.place_without_override(override.apprentice, override.day).place == "C"
    assert again == {"périodes de fermeture": 0, "dates clés": 0, "exceptions au calendrier": 0}
    assert KeyDate.objects.count() > 0
