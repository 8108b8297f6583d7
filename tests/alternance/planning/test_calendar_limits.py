"""The calendar computation at its limits (issue 16, mutation survivors of alternance/planning/calendar.py):
the ``?mois=`` parameter's years 1900 and 2200 at −1 / = / +1, the cells of padding days, a day's long
French date, the days listed under a month (those with a note only) and the day marked as today."""

from datetime import date, datetime, time

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


# --- one month of an apprentice and of a cohort: only their own rows --------------------------------------

@pytest.fixture
def two_cohorts():
    """Cohorts A and B (CCEEE, Sept 2026 – June 2027); Alice and Bruno in A, Zoé in B; in December 2026 each
    cohort has a key date, a closure and a session, each apprentice a visit and a personal key date."""

    from alternance.choices import KeyDateKind
    from alternance.models import CalendarOverride, KeyDate
    from tests.factories.alternance import (
        ApprenticeFactory,
        CompetenceBlockFactory,
        TrainingSessionFactory,
        VisitFactory,
    )

    a = CohortFactory(name="Promo A", rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 18))
    b = CohortFactory(name="Promo B", rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 18))
    alice = ApprenticeFactory(cohort=a, first_name="Alice", last_name="Martin")
    bruno = ApprenticeFactory(cohort=a, first_name="Bruno", last_name="Durand")
    zoe = ApprenticeFactory(cohort=b, first_name="Zoé", last_name="Bernard")
    w = {"a": a, "b": b, "alice": alice, "bruno": bruno, "zoe": zoe}
    w["of_closure"] = ClosurePeriod.objects.create(label="Noël", start_date=date(2026, 12, 21), end_date=date(2027, 1, 1))
    w["a_closure"] = ClosurePeriod.objects.create(label="Journée A", start_date=date(2026, 12, 8), end_date=date(2026, 12, 8), cohort=a)
    w["b_closure"] = ClosurePeriod.objects.create(label="Journée B", start_date=date(2026, 12, 1), end_date=date(2026, 12, 1), cohort=b)
    for key, cohort, apprentice, day in (("a_exam", a, None, 10), ("b_exam", b, None, 10), ("alice_review", a, alice, 11),
                                         ("bruno_review", a, bruno, 11), ("zoe_review", b, zoe, 11)):
        w[key] = KeyDate.objects.create(cohort=cohort, apprentice=apprentice, kind=KeyDateKind.OTHER, label=key,
                                        day=date(2026, 12, day))
    for key, apprentice in (("alice_visit", alice), ("bruno_visit", bruno), ("zoe_visit", zoe)):
        w[key] = VisitFactory(apprentice=apprentice, tutor=apprentice.cohort.referent_tutor, planned_date=date(2026, 12, 9))
    block = CompetenceBlockFactory(programme=a.programme, code="RNCP35340BC01", title="Support informatique")
    # Created latest first: the calendar is in time order, not in the order of creation.
    w["a_session_pm"] = TrainingSessionFactory(cohort=a, day=date(2026, 12, 14), start_time=time(13, 30), end_time=time(17, 0),
                                               subject="Réseaux", room="Salle 2", competence_block=block)
    w["a_session_am"] = TrainingSessionFactory(cohort=a, day=date(2026, 12, 14), start_time=time(9, 0), end_time=time(12, 30),
                                               subject="Support", room="Salle 1", trainer=None)
    w["b_session"] = TrainingSessionFactory(cohort=b, day=date(2026, 12, 14), trainer=a.referent_tutor)
    w["exception"] = CalendarOverride.objects.create(apprentice=alice, day=date(2026, 12, 15), place="E", reason="Salon")
    return w


def uids(events):
    return [e.uid.split("@")[0] for e in events]


@pytest.mark.django_db
def test_an_apprentices_month_holds_its_own_rows_only(two_cohorts):
    w = two_cohorts
    coordinator = UserFactory(role="coordinator")
    month = planning.apprentice_month(w["alice"], 2026, 12, user=coordinator, today=date(2026, 12, 2))

    assert uids(month.events) == [
        f"visit-{w['alice_visit'].pk}", f"keydate-{w['a_exam'].pk}", f"keydate-{w['alice_review'].pk}",
        f"session-{w['a_session_am'].pk}", f"session-{w['a_session_pm'].pk}",
    ]
    assert month.closures == [w["a_closure"], w["of_closure"]]
    assert (month.subject, month.today, month.dom_id) == ("Alice Martin", date(2026, 12, 2), f"calendrier-apprenti-{w['alice'].pk}")
    # Staff who may record an exception get the cells' exceptions and the form's address.
    assert month.override_url == f"/apprenti-es/{w['alice'].pk}/calendrier/exception/"
    assert [(c.day, c.override) for c in month.days if c.override] == [(date(2026, 12, 15), w["exception"])]


@pytest.mark.django_db
def test_the_apprentice_sees_its_month_without_the_exceptions_form(two_cohorts):
    from tests.factories.alternance import ApprenticeUserFactory

    w = two_cohorts
    w["alice"].user = ApprenticeUserFactory()
    w["alice"].save()
    month = planning.apprentice_month(w["alice"], 2026, 12, user=w["alice"].user, today=date(2026, 12, 2))
    assert (month.can_override, month.override_url) == (False, "")
    assert [c.override for c in month.days if c.override] == []
    assert month.place_of(date(2026, 12, 15)).note == "Salon"  # the exception still decides the day


@pytest.mark.django_db
def test_a_cohorts_month_holds_its_rows_naming_the_apprentice_of_personal_ones(two_cohorts):
    w = two_cohorts
    month = planning.cohort_month(w["a"], 2026, 12, user=UserFactory(role="coordinator"), today=date(2026, 12, 2))
    assert [(uid, e.who) for uid, e in zip(uids(month.events), month.events, strict=True)] == [
        (f"visit-{w['alice_visit'].pk}", "Alice Martin"), (f"visit-{w['bruno_visit'].pk}", "Bruno Durand"),
        (f"keydate-{w['a_exam'].pk}", ""), (f"keydate-{w['alice_review'].pk}", "Alice Martin"),
        (f"keydate-{w['bruno_review'].pk}", "Bruno Durand"),
        (f"session-{w['a_session_am'].pk}", ""), (f"session-{w['a_session_pm'].pk}", ""),
    ]
    assert (month.subject, month.dom_id) == ("Promo A", f"calendrier-promotion-{w['a'].pk}")


@pytest.mark.django_db
def test_a_session_says_who_trains_and_which_block(two_cohorts):
    w = two_cohorts
    tutor = w["a"].referent_tutor
    with_all = planning.session_event(w["a_session_pm"], who="Promo A")
    assert (with_all.title, with_all.location, with_all.who, with_all.obj) == ("Réseaux", "Salle 2", "Promo A", w["a_session_pm"])
    assert with_all.description == f"Séance de formation — Formateur·rice : {tutor.get_full_name()} — RNCP35340BC01 — Support informatique"
    bare = planning.session_event(w["a_session_am"])
    assert (bare.description, bare.who, bare.location) == ("Séance de formation", "", "Salle 1")


@pytest.mark.django_db
def test_a_trainers_feed_holds_the_sessions_it_trains_in_time_order_naming_the_cohort(two_cohorts):
    w = two_cohorts
    coordinator = UserFactory(role="coordinator")
    from tests.factories.alternance import TrainingSessionFactory

    late = TrainingSessionFactory(cohort=w["b"], day=date(2026, 12, 15), trainer=coordinator, subject="Droit")
    early = TrainingSessionFactory(cohort=w["a"], day=date(2026, 12, 15), trainer=coordinator, subject="Anglais",
                                   start_time=time(8, 0), end_time=time(8, 45))
    events = planning.events_for_user(coordinator, date(2026, 12, 1), date(2026, 12, 31))
    assert [(uid, e.who, e.title) for uid, e in zip(uids(events), events, strict=True)] == [
        (f"session-{early.pk}", "Promo A", "Anglais — Promo A"), (f"session-{late.pk}", "Promo B", "Droit — Promo B"),
        (f"closure-{w['of_closure'].pk}", "", "Centre fermé : Noël"),
    ]


@pytest.mark.django_db
def test_a_months_grid_runs_from_the_monday_before_its_first_day_to_the_sunday_after_its_last():
    """December 2026: Tuesday 1st to Thursday 31st, so Monday 30 November to Sunday 3 January."""
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 18))
    weeks = planning.cohort_month(cohort, 2026, 12, user=UserFactory(role="coordinator"), today=date(2026, 12, 2)).weeks
    assert [len(week) for week in weeks] == [7, 7, 7, 7, 7]
    assert (weeks[0][0].day, weeks[-1][-1].day) == (date(2026, 11, 30), date(2027, 1, 3))
    assert [c.in_month for c in weeks[0]] == [False] + [True] * 6
