"""The calendar computation at its limits (issue 16, mutation survivors of alternance/planning/calendar.py):
the ``?mois=`` parameter's years 1900 and 2200 at −1 / = / +1, the cells of padding days, a day's long
French date, the days listed under a month (those with a note only) and the day marked as today."""

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


# --- dates and places, pure ------------------------------------------------------------------------------

@pytest.mark.parametrize("day, months, expected", [
    (date(2027, 1, 31), 1, date(2027, 2, 28)),   # clipped to a 28-day February
    (date(2028, 1, 31), 1, date(2028, 2, 29)),   # a leap year's February
    (date(2026, 12, 31), 1, date(2027, 1, 31)),  # over the new year, a 31-day January
    (date(2026, 10, 31), -1, date(2026, 9, 30)),
    (date(2026, 3, 31), 9, date(2026, 12, 31)),
])
def test_add_months_clips_the_day_to_the_months_length(day, months, expected):
    assert planning.add_months(day, months) == expected


def test_a_school_year_runs_from_1_september_to_31_august():
    assert planning.school_year_bounds(2026) == (date(2026, 9, 1), date(2027, 8, 31))


@pytest.mark.parametrize("value, expected", [
    ("1899-1900", 2026), ("1900-1901", 1900), ("2200-2201", 2200), ("2201-2202", 2026), ("2199-2200", 2199),
    ("2026-2028", 2026), ("2025-2026", 2025), ("2027-2027", 2026), ("", 2026), (None, 2026), ("2026", 2026), ("a-b", 2026),
])
def test_parse_school_year_accepts_consecutive_years_from_1900_to_2200(value, expected):
    """The default (``today`` 2 December 2026) is the school year 2026-2027."""
    assert planning.parse_school_year(value, default=date(2026, 12, 2)) == expected


def test_month_titles_and_places_read_in_french():
    assert planning.month_title(2026, 12) == "décembre 2026"
    assert planning.holiday_name(date(2026, 12, 25)) == "Noël"
    assert planning.holiday_name(date(2026, 12, 24)) is None


@pytest.mark.parametrize("place, source, css, letter, exception", [
    ("C", planning.SOURCE_RHYTHM, "centre", "C", False),
    ("E", planning.SOURCE_CLOSURE, "closed", "E", False),
    ("E", planning.SOURCE_OVERRIDE, "company", "E", True),
    ("-", planning.SOURCE_HOLIDAY, "off", "-", False),
    (None, planning.SOURCE_HIDDEN, "none", "", False),
])
def test_a_days_style_letter_and_exception(place, source, css, letter, exception):
    day = DayPlace(place, "libellé", "", source)
    assert (day.css, day.letter, day.is_exception) == (css, letter, exception)


def test_a_day_outside_the_employers_contracts_is_hidden_without_a_note():
    assert planning._hidden_day() == DayPlace(None, "Hors contrat avec votre entreprise", "", planning.SOURCE_HIDDEN)


@pytest.mark.django_db
def test_a_contracts_last_day_is_inside_its_period():
    cohort = CohortFactory(rhythm_pattern="CCEEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 18))
    days = planning.plan_days(cohort=cohort, start=date(2026, 12, 1), end=date(2026, 12, 4), closures=[],
                              periods=[(date(2026, 12, 2), date(2026, 12, 3))])
    assert [d.source == planning.SOURCE_HIDDEN for _day, d in sorted(days.items())] == [True, False, False, True]


@pytest.mark.django_db
def test_an_inactive_account_has_no_calendar_events():
    ClosurePeriod.objects.create(label="Noël", start_date=date(2026, 12, 21), end_date=date(2027, 1, 1))
    coordinator = UserFactory(role="coordinator")
    assert len(planning.events_for_user(coordinator, date(2026, 12, 1), date(2026, 12, 31))) == 1
    coordinator.is_active = False
    assert planning.events_for_user(coordinator, date(2026, 12, 1), date(2026, 12, 31)) == []


# --- more of one month: visits' windows, events' objects, the sessions' blocks -----------------------------

@pytest.mark.django_db
def test_a_months_visits_are_those_planned_in_it_not_done_yet_or_done_in_it(two_cohorts):
    from alternance.choices import VisitMode
    from tests.factories.alternance import VisitFactory
    from tests.factories.contracts import ContractFactory

    w = two_cohorts
    alice = w["alice"]
    VisitFactory(apprentice=alice, planned_date=date(2026, 12, 10), done_date=date(2026, 11, 20))  # done in November
    VisitFactory(apprentice=alice, planned_date=date(2027, 1, 5))                                   # planned in January
    done_in_december = VisitFactory(apprentice=alice, planned_date=date(2026, 11, 25), done_date=date(2026, 12, 2))
    phone = VisitFactory(apprentice=alice, planned_date=date(2026, 12, 16), mode=VisitMode.PHONE,
                         contract=ContractFactory(apprentice=alice))
    month = planning.apprentice_month(alice, 2026, 12, user=UserFactory(role="coordinator"), today=date(2026, 12, 2))
    visits = [e for e in month.events if e.kind == planning.EVENT_VISIT]
    assert [e.obj for e in visits] == [done_in_december, w["alice_visit"], phone]
    assert all(e.who == "" for e in month.events)  # its own calendar names nobody
    key_dates = [e for e in month.events if e.kind == planning.EVENT_KEY_DATE]
    assert [e.obj for e in key_dates] == [w["a_exam"], w["alice_review"]]
    assert (visits[-1].location, visits[-1].description) == ("", f"Téléphone — {phone.contract.company.name}")


@pytest.mark.django_db
def test_a_months_sessions_are_its_own_and_read_with_their_blocks_in_one_query(two_cohorts, django_assert_num_queries):
    from tests.factories.alternance import CompetenceBlockFactory, TrainingSessionFactory

    w = two_cohorts
    TrainingSessionFactory(cohort=w["a"], day=date(2027, 1, 4))  # January: not in December
    user = UserFactory(role="coordinator")
    with CaptureQueriesContext(connection) as before:
        month = planning.apprentice_month(w["alice"], 2026, 12, user=user, today=date(2026, 12, 2))
        assert [e.description for e in month.events if e.kind == planning.EVENT_SESSION][1].endswith("Support informatique")
    for day in (15, 16, 17):
        TrainingSessionFactory(cohort=w["a"], day=date(2026, 12, day),
                               competence_block=CompetenceBlockFactory(programme=w["a"].programme))
    with django_assert_num_queries(len(before.captured_queries)):
        month = planning.apprentice_month(w["alice"], 2026, 12, user=user, today=date(2026, 12, 2))
        assert len([e.description for e in month.events if e.kind == planning.EVENT_SESSION]) == 5  # blocks read with them


# --- the school-year calendars (PDF) --------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_cohorts_school_year_counts_its_days_and_holds_its_closures(two_cohorts):
    w = two_cohorts
    year = planning.cohort_year(w["a"], 2026, user=UserFactory(role="coordinator"))
    days = planning.cohort_days(w["a"], date(2026, 9, 1), date(2027, 8, 31))
    assert year.centre_days == sum(1 for d in days.values() if d.place == "C") > 0
    assert year.company_days == sum(1 for d in days.values() if d.place == "E") > 0
    assert (year.subject, year.closures) == ("Promo A", [w["a_closure"], w["of_closure"]])
    september = year.months[0]
    assert len(september.weekday_initials) == 31
    assert september.weekday_initials[:3] == ["M", "M", "J"]  # Tuesday 1, Wednesday 2, Thursday 3
    assert september.weekday_initials[29:] == ["M", ""]        # Wednesday 30, no 31st


@pytest.mark.django_db
def test_an_employers_school_year_shows_the_contracts_days_only(two_cohorts):
    from contracts.choices import ContractStatus
    from tests.factories.companies import CompanyContactFactory, CompanyFactory
    from tests.factories.contracts import ContractFactory

    w = two_cohorts
    employer = UserFactory(role="employer")
    company = CompanyFactory()
    CompanyContactFactory(company=company, user=employer)
    ContractFactory(apprentice=w["alice"], company=company, status=ContractStatus.IN_PROGRESS, start_date=date(2026, 11, 2),
                    practical_training_start_date=date(2026, 11, 2), signature_date=date(2026, 10, 20), end_date=date(2028, 8, 31))
    year = planning.apprentice_year(w["alice"], 2026, user=employer)
    assert year.subject == "Alice Martin"
    october, november, december = year.months[1], year.months[2], year.months[3]
    assert {cell.source for cell in october.cells if cell} == {planning.SOURCE_HIDDEN}
    assert [n for n, cell in enumerate(november.cells, start=1) if cell and cell.source == planning.SOURCE_HIDDEN] == [1]
    assert planning.SOURCE_HIDDEN not in {cell.source for cell in december.cells if cell}


@pytest.mark.django_db
def test_a_school_years_notes_are_the_days_with_a_note_other_than_a_holidays_name(two_cohorts):
    """Under the printed year: the closures' and exceptions' days (their note), never the plain
    days of the rhythm (no note) nor the public holidays (named in the grid already)."""
    w = two_cohorts
    year = planning.cohort_year(w["a"], 2026, user=UserFactory(role="coordinator"))
    days = planning.cohort_days(w["a"], date(2026, 9, 1), date(2027, 8, 31))

    expected = [(d, p) for d, p in sorted(days.items()) if p.note and p.source != planning.SOURCE_HOLIDAY]
    assert year.notes == expected
    assert 0 < len(expected) < sum(1 for p in days.values() if p.source != planning.SOURCE_HOLIDAY)


@pytest.mark.parametrize("year, month, last_weekday, weeks", [
    (2026, 5, 6, 5),   # Sunday 31 May 2026: the last row ends on the month's last day
    (2026, 7, 4, 5),   # Friday 31 July 2026: padded to Sunday 2 August
    (2027, 2, 6, 4),   # Sunday 28 February 2027: four full rows, no padding at all
    (2026, 9, 2, 5),   # Wednesday 30 September 2026
])
def test_a_months_grid_ends_with_the_week_of_its_last_day(year, month, last_weekday, weeks):
    first, last = planning.month_bounds(year, month)
    assert last.weekday() == last_weekday
    days = {d: DayPlace("E", "Entreprise") for d in planning.days_between(first, last)}

    grid = planning._month_grid(year, month, days, [], today=first)

    assert len(grid) == weeks and all(len(week) == 7 for week in grid)
    assert grid[-1][-1].day.weekday() == 6 and 0 <= (grid[-1][-1].day - last).days <= 6
    assert [cell.day for week in grid for cell in week if cell.in_month] == list(planning.days_between(first, last))
