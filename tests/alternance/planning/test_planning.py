"""The alternance calendar computed against hand-built months: rhythm, public holidays, OF
closures, per-apprentice exceptions, days outside the cohort; month grids and their events as
each role sees them; constant query counts."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.choices import ApprenticeStatus, KeyDateKind, Role, VisitKind
from alternance.models import CalendarOverride, ClosurePeriod, KeyDate
from alternance.planning import calendar as planning
from contracts.choices import ContractStatus
from tests.factories.alternance import (
    ApprenticeFactory,
    CohortFactory,
    TrainingSessionFactory,
    UserFactory,
    VisitFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


def letters(month: planning.MonthCalendar) -> str:
    """The month as one letter per day ("." for a day without place)."""
    return "".join(cell.place.place or "." for cell in month.days)


def places(days: dict) -> str:
    return "".join(days[day].place or "." for day in sorted(days))


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR, email="coord@example.test")


# --- the hand-built months ----------------------------------------------------------------------------


def test_weekly_rhythm_over_november_2026_with_the_two_holidays(coordinator):
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    apprentice = ApprenticeFactory(cohort=cohort)

    month = planning.apprentice_month(apprentice, 2026, 11, user=coordinator, today=TODAY)

    # Sun 1 Toussaint; Mon–Tue centre, Wed–Fri company; Wed 11 Armistice is a rest day.
    assert letters(month) == "-CCEEE--CC-EE--CCEEE--CCEEE--C"
    assert month.place_of(date(2026, 11, 11)) == planning.DayPlace("-", "Jour férié", "Armistice", planning.SOURCE_HOLIDAY)
    assert month.place_of(date(2026, 11, 1)).note == "Toussaint"
    assert month.place_of(date(2026, 11, 2)) == planning.DayPlace("C", "Centre de formation", "", planning.SOURCE_RHYTHM)
    assert month.place_of(date(2026, 11, 4)).label == "Entreprise"
    assert (month.centre_days, month.company_days) == (9, 11)


def test_three_week_rhythm_with_a_christmas_closure_turns_centre_days_into_company_days(coordinator):
    cohort = CohortFactory(rhythm_pattern="CCCCC|EEEEE|EEEEE", start_date=date(2026, 9, 7), end_date=date(2028, 6, 30))
    apprentice = ApprenticeFactory(cohort=cohort)
    ClosurePeriod.objects.create(label="Vacances de Noël", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3))
    # Another cohort's closure does not apply.
    ClosurePeriod.objects.create(label="Séminaire", start_date=date(2026, 12, 1), end_date=date(2026, 12, 2), cohort=CohortFactory())

    month = planning.apprentice_month(apprentice, 2026, 12, user=coordinator, today=TODAY)

    # Weeks from Mon 7 Sept: C, E, E… → week of 30 Nov C, 7 and 14 Dec E, 21 Dec C (closed), 28 Dec E.
    assert letters(month) == "CCCC--EEEEE--EEEEE--EEEE---EEEE"
    closed = month.place_of(date(2026, 12, 21))
    assert closed == planning.DayPlace("E", "Entreprise", "Centre fermé — Vacances de Noël", planning.SOURCE_CLOSURE)
    assert [month.place_of(date(2026, 12, d)).source for d in (22, 23, 24)] == [planning.SOURCE_CLOSURE] * 3
    assert month.place_of(date(2026, 12, 25)).source == planning.SOURCE_HOLIDAY
    # Company days inside the closure are untouched (no note).
    assert month.place_of(date(2026, 12, 28)) == planning.DayPlace("E", "Entreprise", "", planning.SOURCE_RHYTHM)
    assert [c.label for c in month.closures] == ["Vacances de Noël"]


def test_cohort_closure_applies_to_its_cohort_only():
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 1))
    other = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 1))
    ClosurePeriod.objects.create(label="Travaux", start_date=date(2026, 11, 9), end_date=date(2026, 11, 10), cohort=cohort)

    assert places(planning.cohort_days(cohort, date(2026, 11, 9), date(2026, 11, 10))) == "EE"
    assert places(planning.cohort_days(other, date(2026, 11, 9), date(2026, 11, 10))) == "CC"


def test_an_exception_wins_over_the_rhythm_a_closure_and_a_holiday(coordinator):
    cohort = CohortFactory(rhythm_pattern="CCCCC|EEEEE|EEEEE", start_date=date(2026, 9, 7), end_date=date(2028, 6, 30))
    apprentice = ApprenticeFactory(cohort=cohort)
    twin = ApprenticeFactory(cohort=cohort)
    ClosurePeriod.objects.create(label="Vacances de Noël", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3))
    CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 12, 8), place="C", reason="Rattrapage")
    CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 12, 22), place="C", reason="Examen blanc")
    CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 12, 25), place="E", reason="Inventaire")
    CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 12, 2), place="-", reason="Congé accordé")

    month = planning.apprentice_month(apprentice, 2026, 12, user=coordinator, today=TODAY)

    assert letters(month) == "C-CC--ECEEE--EEEEE--ECEEE--EEEE"
    assert month.place_of(date(2026, 12, 22)) == planning.DayPlace("C", "Centre de formation", "Examen blanc", planning.SOURCE_OVERRIDE)
    assert month.place_of(date(2026, 12, 25)) == planning.DayPlace("E", "Entreprise", "Inventaire", planning.SOURCE_OVERRIDE)
    assert month.place_of(date(2026, 12, 2)) == planning.DayPlace("-", "Repos", "Congé accordé", planning.SOURCE_OVERRIDE)
    # The exceptions are personal: the other apprentice and the cohort follow the rhythm.
    assert letters(planning.apprentice_month(twin, 2026, 12, user=coordinator, today=TODAY)) == "CCCC--EEEEE--EEEEE--EEEE---EEEE"
    assert letters(planning.cohort_month(cohort, 2026, 12, user=coordinator, today=TODAY)) == "CCCC--EEEEE--EEEEE--EEEE---EEEE"
    assert planning.place_for(apprentice, date(2026, 12, 22)).note == "Examen blanc"
    assert planning.place_without_override(apprentice, date(2026, 12, 22)).source == planning.SOURCE_CLOSURE


def test_days_outside_the_cohort_have_no_place(coordinator):
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 30))
    apprentice = ApprenticeFactory(cohort=cohort)

    september = planning.apprentice_month(apprentice, 2026, 9, user=coordinator, today=TODAY)
    july = planning.cohort_month(cohort, 2027, 7, user=coordinator, today=TODAY)

    # 1–6 September before the start; Mon 7 is the first centre day.
    assert letters(september)[:9] == "......CCE"
    assert september.place_of(date(2026, 9, 1)) == planning.DayPlace(None, "Hors période de formation", "", planning.SOURCE_OUTSIDE)
    # After the end every day is without place, except the public holiday (rank 2 of the precedence).
    assert letters(july) == "............." + "-" + "................."
    assert planning.place_for(apprentice, date(2027, 7, 1)).place is None


def test_a_closure_outside_the_cohort_gives_no_place():
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 30))
    ClosurePeriod.objects.create(label="Été", start_date=date(2027, 7, 19), end_date=date(2027, 8, 20))

    assert places(planning.cohort_days(cohort, date(2027, 7, 19), date(2027, 7, 20))) == ".."


# --- month grid and events -------------------------------------------------------------------------------


def test_month_grid_runs_monday_to_sunday_with_padding_days(coordinator):
    apprentice = ApprenticeFactory(cohort=CohortFactory(rhythm_pattern="CCEEE"))

    month = planning.apprentice_month(apprentice, 2026, 11, user=coordinator, today=TODAY)

    assert len(month.weeks) == 6
    assert [cell.day for cell in month.weeks[0]][0] == date(2026, 10, 26)
    assert [cell.in_month for cell in month.weeks[0]] == [False] * 6 + [True]
    assert month.weeks[-1][0].day == date(2026, 11, 30)
    assert [cell.day for cell in month.days if cell.is_today] == [TODAY]
    assert month.title == "novembre 2026"
    assert (month.prev_title, month.next_title) == ("octobre 2026", "décembre 2026")
    assert month.prev_url.endswith(f"/apprenti-es/{apprentice.pk}/calendrier/?mois=2026-10")
    assert month.next_url.endswith("?mois=2026-12")
    assert month.school_year == "2026-2027"


def test_apprentice_month_lists_its_key_dates_and_visits_not_another_apprentices():
    cohort = CohortFactory(rhythm_pattern="CCEEE")
    apprentice_user = UserFactory(role=Role.APPRENTICE, email="alice@example.test")
    apprentice = ApprenticeFactory(cohort=cohort, user=apprentice_user, first_name="Alice", last_name="Martin")
    other = ApprenticeFactory(cohort=cohort, first_name="Bruno", last_name="Durand")
    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.EXAM, label="Épreuve E4", day=date(2026, 11, 17),
                           start_time=time(9, 0), end_time=time(12, 0), location="Salle 2")
    KeyDate.objects.create(cohort=cohort, apprentice=apprentice, kind=KeyDateKind.MID_TERM_REVIEW, label="Bilan d'Alice",
                           day=date(2026, 11, 19))
    KeyDate.objects.create(cohort=cohort, apprentice=other, kind=KeyDateKind.OTHER, label="Rendez-vous de Bruno",
                           day=date(2026, 11, 19))
    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.MEETING, label="Réunion de décembre", day=date(2026, 12, 3))
    VisitFactory(apprentice=apprentice, planned_date=date(2026, 11, 20), kind=VisitKind.FIRST)
    VisitFactory(apprentice=other, planned_date=date(2026, 11, 20))

    month = planning.apprentice_month(apprentice, 2026, 11, user=apprentice_user, today=TODAY)

    assert [(e.day, e.title, e.time_display) for e in month.events] == [
        (date(2026, 11, 17), "Épreuve E4", "09:00–12:00"),
        (date(2026, 11, 19), "Bilan d'Alice", ""),
        (date(2026, 11, 20), "Visite prévue : Première visite", ""),
    ]
    cell = next(c for c in month.days if c.day == date(2026, 11, 17))
    assert [e.title for e in cell.events] == ["Épreuve E4"]
    assert month.can_override is False


def test_cohort_month_names_the_apprentice_of_personal_events():
    tutor = UserFactory(role=Role.TUTOR, email="tutrice@example.test")
    cohort = CohortFactory(rhythm_pattern="CCEEE", referent_tutor=tutor)
    alice = ApprenticeFactory(cohort=cohort, first_name="Alice", last_name="Martin")
    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.EXAM, label="Épreuve E4", day=date(2026, 11, 17))
    KeyDate.objects.create(cohort=cohort, apprentice=alice, kind=KeyDateKind.OTHER, label="Soutenance", day=date(2026, 11, 18))
    VisitFactory(apprentice=alice, planned_date=date(2026, 11, 20))
    VisitFactory(apprentice=alice, planned_date=date(2026, 11, 3), done_date=date(2026, 11, 5))

    month = planning.cohort_month(cohort, 2026, 11, user=tutor, today=TODAY)

    assert [(e.day, e.title, e.who) for e in month.events] == [
        (date(2026, 11, 5), "Visite réalisée : Première visite", "Alice Martin"),
        (date(2026, 11, 17), "Épreuve E4", ""),
        (date(2026, 11, 18), "Soutenance", "Alice Martin"),
        (date(2026, 11, 20), "Visite prévue : Première visite", "Alice Martin"),
    ]
    assert month.show_who is True
    assert month.prev_url.endswith(f"/promotions/{cohort.pk}/calendrier/?mois=2026-10")


def test_employer_sees_the_days_of_its_contract_only():
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 1))
    employer_user = UserFactory(role=Role.EMPLOYER, email="employeur@example.test")
    company = CompanyFactory()
    CompanyContactFactory(company=company, user=employer_user)
    apprentice = ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    ContractFactory(apprentice=apprentice, company=company, status=ContractStatus.IN_PROGRESS,
                    start_date=date(2026, 11, 16), practical_training_start_date=date(2026, 11, 16), end_date=date(2028, 8, 31))

    month = planning.apprentice_month(apprentice, 2026, 11, user=employer_user, today=TODAY)

    assert letters(month) == "..............." + "CCEEE--CCEEE--C"
    assert month.place_of(date(2026, 11, 10)).label == "Hors contrat avec votre entreprise"
    assert month.can_override is False


def test_staff_who_may_override_get_the_days_exceptions_in_the_grid():
    tutor = UserFactory(role=Role.TUTOR, email="tutrice@example.test")
    apprentice = ApprenticeFactory(cohort=CohortFactory(rhythm_pattern="CCEEE", referent_tutor=tutor))
    override = CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 11, 4), place="C", reason="Rattrapage")

    month = planning.apprentice_month(apprentice, 2026, 11, user=tutor, today=TODAY)

    assert month.can_override is True
    assert month.override_url == f"/apprenti-es/{apprentice.pk}/calendrier/exception/"
    assert [cell.override for cell in month.days if cell.override] == [override]


# --- school year ---------------------------------------------------------------------------------------------


def test_school_year_runs_from_september_to_august(coordinator):
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 1), end_date=date(2027, 6, 30))
    apprentice = ApprenticeFactory(cohort=cohort)
    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.EXAM, label="Épreuve E4", day=date(2027, 5, 18))

    year = planning.apprentice_year(apprentice, 2026, user=coordinator)

    assert [m.title for m in year.months][:2] == ["septembre 2026", "octobre 2026"]
    assert year.months[-1].title == "août 2027"
    february = year.months[5]
    assert [cell is None for cell in february.cells[27:]] == [False, True, True, True]
    assert year.months[0].slots[0] == {"day": 1, "place": planning.place_for(apprentice, date(2026, 9, 1)),
                                       "initial": "M", "event": False}
    assert year.months[8].slots[17]["event"] is True
    assert year.title == "2026-2027"


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11", (2026, 11)), ("2027-01", (2027, 1)), ("2026-13", (2026, 11)), ("n'importe", (2026, 11)), (None, (2026, 11)),
])
def test_parse_month(value, expected):
    assert planning.parse_month(value, default=TODAY) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-2026", 2025), ("2026-2028", 2026), ("", 2026), ("abc", 2026),
])
def test_parse_school_year(value, expected):
    assert planning.parse_school_year(value, default=TODAY) == expected


def test_school_year_of_a_summer_day_is_the_one_ending():
    assert planning.school_year_of(date(2027, 8, 31)) == 2026
    assert planning.school_year_of(date(2027, 9, 1)) == 2027


# --- query counts ----------------------------------------------------------------------------------------------


def _count(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


def test_apprentice_month_queries_do_not_grow_with_key_dates_visits_and_exceptions():
    cohort = CohortFactory(rhythm_pattern="CCEEE")
    apprentice_user = UserFactory(role=Role.APPRENTICE, email="alice@example.test")
    apprentice = ApprenticeFactory(cohort=cohort, user=apprentice_user)

    def month():
        return planning.apprentice_month(apprentice, 2026, 11, user=apprentice_user, today=TODAY)

    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.EXAM, label="E1", day=date(2026, 11, 3))
    VisitFactory(apprentice=apprentice, planned_date=date(2026, 11, 4))
    one = _count(month)
    for day in range(5, 15):
        KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.EXAM, label=f"E{day}", day=date(2026, 11, day))
        VisitFactory(apprentice=apprentice, planned_date=date(2026, 11, day))
        CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 11, day), place="C", reason="x")
        ClosurePeriod.objects.create(label=f"F{day}", start_date=date(2026, 11, day), end_date=date(2026, 11, day))
        TrainingSessionFactory(cohort=cohort, day=date(2026, 11, day))
    many = _count(month)

    assert one == many
    # Closures, exceptions, key dates, visits, training sessions (issue 19 §1).
    assert many <= 5


def test_cohort_month_queries_do_not_grow_with_apprentices():
    tutor = UserFactory(role=Role.TUTOR, email="tutrice@example.test")
    cohort = CohortFactory(rhythm_pattern="CCEEE", referent_tutor=tutor)

    def month():
        return planning.cohort_month(cohort, 2026, 11, user=tutor, today=TODAY)

    first = ApprenticeFactory(cohort=cohort)
    VisitFactory(apprentice=first, planned_date=date(2026, 11, 4))
    one = _count(month)
    for index in range(5):
        apprentice = ApprenticeFactory(cohort=cohort)
        VisitFactory(apprentice=apprentice, planned_date=date(2026, 11, 5 + index))
        KeyDate.objects.create(cohort=cohort, apprentice=apprentice, kind=KeyDateKind.OTHER, label="x", day=date(2026, 11, 9))
        TrainingSessionFactory(cohort=cohort, day=date(2026, 11, 2 + index))
    many = _count(month)

    assert one == many
    # Closures, key dates, visits, training sessions (issue 19 §1).
    assert many <= 4
