"""Sessions on the calendars and in the ICS feeds (issue 19 §1): the apprentice sees the planned
sessions of its cohort (not the cancelled ones, not another cohort's), the trainer the sessions it
trains, as timed events with subject and room and a stable UID; one query for the sessions of a
period whatever their number."""

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from alternance.planning import calendar as planning
from alternance.planning import ics
from alternance.sessions import services
from tests.factories.alternance import TrainingSessionFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    w = make_world()
    # Cohort A: a planned session, a cancelled one (no trainer yet); cohort B: one trained by tutor A.
    w.planned = TrainingSessionFactory(cohort=w.a.cohort, day=date(2026, 12, 7), subject="Réseaux", room="B12", trainer=None)
    w.cancelled = TrainingSessionFactory(cohort=w.a.cohort, day=date(2026, 12, 8), subject="Annulée ici", room="B13", trainer=None)
    services.session_cancel(session=w.cancelled, reason="Grève", by=w.coordinator)
    w.other = TrainingSessionFactory(cohort=w.b.cohort, day=date(2026, 12, 7), subject="Algorithmique", room="C3",
                                     trainer=w.a.tutor)
    return w


def session_events(events) -> list[tuple]:
    return [(e.uid, e.title, e.day, e.start_time, e.end_time, e.location) for e in events if e.kind == planning.EVENT_SESSION]


def feed_events(user) -> dict[str, dict]:
    calendar = Calendar.from_ical(ics.feed_for_user(user, now=NOW))
    return {
        str(c["uid"]): {"summary": str(c["summary"]), "start": c["dtstart"].dt, "end": c["dtend"].dt, "location": str(c.get("location", ""))}
        for c in calendar.walk("VEVENT") if str(c["uid"]).startswith("session-")
    }


def test_the_apprentices_month_shows_its_cohorts_planned_sessions(world):
    month = planning.apprentice_month(world.a.apprentice, 2026, 12, user=world.a.apprentice_user, today=date(2026, 11, 28))

    assert session_events(month.events) == [
        (f"session-{world.planned.pk}@alternance", "Réseaux", date(2026, 12, 7), time(9, 0), time(12, 30), "B12"),
    ]


def test_the_apprentices_calendar_page_shows_the_session_with_its_time_and_room(client, world):
    client.force_login(world.a.apprentice_user)

    page = client.get(reverse("calendar_mine") + "?mois=2026-12").content.decode()

    assert "09:00–12:30 Réseaux" in page and "B12" in page
    assert "Annulée ici" not in page and "Algorithmique" not in page


def test_the_cohort_calendar_shows_the_planned_sessions(world):
    month = planning.cohort_month(world.a.cohort, 2026, 12, user=world.a.tutor, today=date(2026, 11, 28))

    assert [e[1] for e in session_events(month.events)] == ["Réseaux"]


def test_the_apprentices_feed_holds_its_cohorts_planned_sessions_as_timed_events(world):
    assert feed_events(world.a.apprentice_user) == {
        f"session-{world.planned.pk}@alternance": {
            "summary": "Réseaux", "start": datetime(2026, 12, 7, 9, 0, tzinfo=PARIS),
            "end": datetime(2026, 12, 7, 12, 30, tzinfo=PARIS), "location": "B12",
        },
    }


def test_the_trainers_feed_holds_the_sessions_it_trains_only(world):
    assert feed_events(world.a.tutor) == {
        f"session-{world.other.pk}@alternance": {
            "summary": "Algorithmique — Promotion B 2026", "start": datetime(2026, 12, 7, 9, 0, tzinfo=PARIS),
            "end": datetime(2026, 12, 7, 12, 30, tzinfo=PARIS), "location": "C3",
        },
    }
    assert feed_events(world.b.tutor) == {}


def test_the_employers_feed_holds_no_session(world):
    assert feed_events(world.a.employer_user) == {}


def test_a_session_keeps_its_uid_when_moved(world):
    before = set(feed_events(world.a.apprentice_user))
    services.session_update(session=world.planned, by=world.coordinator, day=date(2026, 12, 14))

    after = feed_events(world.a.apprentice_user)

    assert set(after) == before
    assert after[f"session-{world.planned.pk}@alternance"]["start"] == datetime(2026, 12, 14, 9, 0, tzinfo=PARIS)


@pytest.mark.parametrize("role", ["apprentice", "trainer"])
def test_the_feed_reads_the_sessions_in_one_query_whatever_their_number(world, role):
    user = world.a.apprentice_user if role == "apprentice" else world.a.tutor
    cohort = world.a.cohort if role == "apprentice" else world.b.cohort
    start, end = planning.feed_window(date(2026, 11, 28))
    with CaptureQueriesContext(connection) as few:
        planning.events_for_user(user, start, end)
    for day in (14, 15, 21, 22):
        TrainingSessionFactory(cohort=cohort, day=date(2026, 12, day), trainer=world.a.tutor if role == "trainer" else None)

    with CaptureQueriesContext(connection) as more:
        events = planning.events_for_user(user, start, end)

    assert len(session_events(events)) == 5
    assert len(more) == len(few)


def test_the_employer_sees_the_centre_days_not_the_timetable(world):
    month = planning.apprentice_month(world.a.apprentice, 2026, 12, user=world.a.employer_user, today=date(2026, 11, 28))

    assert session_events(month.events) == []
