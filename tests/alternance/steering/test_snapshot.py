"""The dashboard's figures kept for the whole organisation (issue 18 §2, ``alternance.steering.snapshot``):
equal to a recomputation, never older than STEERING_MAX_AGE_SECONDS, recomputed by the worker and by
« Actualiser les chiffres », the same rows on the dashboard and on its cohorts and loads pages."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.celery import beat_schedule
from alternance.choices import ApprenticeStatus, Role
from alternance.models import DashboardSnapshot
from alternance.steering import indicators, snapshot
from alternance.steering.tasks import steering_refresh
from tests.factories.alternance import ApprenticeFactory, CohortFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
REFRESH = reverse("dashboard_refresh")
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    return make_world()


def add_seeking(world) -> None:
    ApprenticeFactory(cohort=world.a.cohort, status=ApprenticeStatus.SEEKING, status_since=date(2026, 11, 20))


def seeking_on_page(client) -> int:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return next(item.value for item in response.context["indicators"] if item.key == "without_company")


# --- the figures kept are those computed ------------------------------------------------------------

def test_the_kept_figures_equal_a_recomputation_and_what_each_dashboard_role_sees_live(world):
    add_contracted_apprentice(world.a.cohort, world.a.company, last_name="Extra")

    snapshot.snapshot_refresh(today=TODAY, now=NOW)
    kept = snapshot.dashboard_figures(today=TODAY, now=NOW)

    assert kept.values == snapshot.compute_figures(today=TODAY)
    assert kept.computed_at == NOW
    summary = snapshot.dashboard_summary(today=TODAY, now=NOW)
    assert summary.values == snapshot.summarise(snapshot.compute_figures(today=TODAY))
    assert summary["cohorts_total"] == len(kept["cohorts"]) == 2
    assert summary["cre_top"] == indicators.top_loads(kept["cre_loads"])
    assert summary["cre_total"] == 2 and summary["tutor_total"] == len(kept["tutor_loads"])
    for user in (world.coordinator, world.admin_staff):
        attendance = indicators.attendance_by_cohort(user, today=TODAY)
        assert kept["indicators"] == indicators.indicators(user, today=TODAY, attendance=attendance)
        assert kept["cre_loads"] == indicators.cre_loads(user, today=TODAY)
        assert kept["tutor_loads"] == indicators.tutor_loads(user, today=TODAY)
        assert kept["cohorts"] == indicators.breakdown(user, today=TODAY, attendance=attendance)["cohorts"]
    # Read back from the database: decimals stay decimals, tuples tuples.
    stored = snapshot.decode(DashboardSnapshot.objects.get(day=TODAY).figures)
    placement = next(item for item in stored["indicators"] if item.key == "placement_rate")
    assert placement.value == Decimal("60.0") and placement.target == Decimal("90")
    assert isinstance(placement.details, tuple) and placement.details[0].label == "Sous contrat"
    assert stored["series"][0].points[-1] == (date(2026, 11, 1), 3)


def test_encode_refuses_a_type_it_cannot_read_back():
    class Other:
        pass

    with pytest.raises(TypeError):
        snapshot.encode(indicators.WeeklyBlock("k", "l", 1, []))
    assert snapshot.decode(snapshot.encode({"a": (Decimal("1.5"), date(2026, 1, 2), [1, "x", None])})) == {
        "a": (Decimal("1.5"), date(2026, 1, 2), [1, "x", None]),
    }
    assert snapshot.encode(Other) is Other  # a class is not a dataclass instance: left alone


# --- never older than STEERING_MAX_AGE_SECONDS ------------------------------------------------------------

@pytest.mark.parametrize(("seconds_later", "recomputed"), [(299, False), (300, False), (301, True)])
def test_the_page_recomputes_the_figures_past_their_max_age(client, world, time_machine, settings, seconds_later, recomputed):
    settings.STEERING_MAX_AGE_SECONDS = 300
    client.force_login(world.coordinator)
    assert seeking_on_page(client) == 2
    add_seeking(world)

    time_machine.move_to(NOW + timedelta(seconds=seconds_later), tick=False)

    assert seeking_on_page(client) == (3 if recomputed else 2)
    expected_time = NOW + timedelta(seconds=seconds_later) if recomputed else NOW
    assert DashboardSnapshot.objects.get(day=TODAY).computed_at == expected_time


def test_a_new_day_recomputes_and_drops_the_days_before(client, world, time_machine):
    client.force_login(world.coordinator)
    client.get(DASHBOARD)
    add_seeking(world)

    time_machine.move_to(NOW + timedelta(days=1), tick=False)

    assert seeking_on_page(client) == 3
    assert list(DashboardSnapshot.objects.values_list("day", flat=True)) == [date(2026, 11, 29)]


def test_the_page_says_when_the_figures_were_computed(client, world):
    client.force_login(world.coordinator)

    html = client.get(DASHBOARD).content.decode()

    assert "Chiffres calculés à 10:00:00 pour tout l'organisme" in html
    assert f'action="{REFRESH}"' in html


# --- « Actualiser les chiffres » and the worker ---------------------------------------------------------

def test_refresh_recomputes_at_once_and_returns_to_the_page_it_came_from(client, world, time_machine):
    client.force_login(world.admin_staff)
    assert seeking_on_page(client) == 2
    add_seeking(world)
    time_machine.move_to(NOW + timedelta(seconds=5), tick=False)

    response = client.post(REFRESH, {"next": reverse("dashboard_cohorts") + "?tri=nom"})

    assert response.status_code == 302 and response["Location"] == reverse("dashboard_cohorts") + "?tri=nom"
    assert DashboardSnapshot.objects.get(day=TODAY).computed_at == NOW + timedelta(seconds=5)
    assert seeking_on_page(client) == 3


@pytest.mark.parametrize("target", ["https://exemple.org/tableau-de-bord/", "/admin/", "//exemple.org/tableau-de-bord/"])
def test_refresh_never_redirects_outside_the_dashboard(client, world, target):
    client.force_login(world.coordinator)

    response = client.post(REFRESH, {"next": target})

    assert response["Location"] == DASHBOARD


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.COORDINATOR, 302), (Role.ADMIN_STAFF, 302), (Role.CRE, 403), (Role.TUTOR, 403), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403)],
)
def test_refresh_permission_matrix(client, world, role, status):
    client.force_login(world.user(role))

    response = client.post(REFRESH)

    assert response.status_code == status
    assert DashboardSnapshot.objects.exists() is (status == 302)


def test_refresh_is_a_post(client, world):
    client.force_login(world.coordinator)

    assert client.get(REFRESH).status_code == 405
    assert not DashboardSnapshot.objects.exists()


def test_the_worker_task_keeps_todays_figures_and_beat_starts_it_every_refresh_period(world, time_machine):
    DashboardSnapshot.objects.create(day=date(2026, 11, 27), computed_at=NOW - timedelta(days=1), figures={}, summary={})

    steering_refresh()

    kept = DashboardSnapshot.objects.get()
    assert (kept.day, kept.computed_at) == (TODAY, NOW)
    assert snapshot.decode(kept.figures) == snapshot.compute_figures(today=TODAY)
    entry = beat_schedule(nightly_hour=2, nightly_minute=30, steering_seconds=90)["steering-refresh"]
    assert entry["task"] == "alternance.steering_refresh"
    assert entry["schedule"] == 90.0 and entry["options"] == {"expires": 80}


# --- the dashboard, its cohorts and its loads pages show the same rows -----------------------------------

def test_the_cohorts_and_loads_pages_read_the_figures_the_dashboard_shows(client, world):
    client.force_login(world.coordinator)
    dashboard = client.get(DASHBOARD)
    CohortFactory(name="Promotion créée après", programme=world.a.cohort.programme, referent_tutor=world.a.tutor)

    cohorts = client.get(reverse("dashboard_cohorts"))
    loads = client.get(reverse("dashboard_loads"), {"liste": "formateurs"})

    assert dashboard.context["cohorts_total"] == cohorts.context["paginator"].count == 2
    assert [row.name for row in loads.context["rows"]] == [row.name for row in dashboard.context["tutor_loads"]]
    client.post(REFRESH)
    assert client.get(reverse("dashboard_cohorts")).context["paginator"].count == 3


def test_reading_the_kept_figures_costs_the_same_queries_whatever_the_data(client, world):
    client.force_login(world.coordinator)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    for i in range(6):
        cohort = CohortFactory(name=f"Promotion extra {i}", programme=world.a.cohort.programme, referent_tutor=world.a.tutor)
        add_contracted_apprentice(cohort, world.a.company, last_name=f"Extra{i}")
    client.post(REFRESH)
    with CaptureQueriesContext(connection) as many:
        response = client.get(DASHBOARD)

    assert response.context["cohorts_total"] == 8
    assert len(few) == len(many)


def test_computing_the_figures_costs_the_same_queries_whatever_the_data(world):
    snapshot.compute_figures(today=TODAY)  # creates the settings rows on first read
    with CaptureQueriesContext(connection) as few:
        snapshot.compute_figures(today=TODAY)
    for i in range(6):
        cohort = CohortFactory(name=f"Promotion extra {i}", programme=world.a.cohort.programme, referent_tutor=world.a.tutor)
        add_contracted_apprentice(cohort, world.a.company, last_name=f"Extra{i}")
    with CaptureQueriesContext(connection) as many:
        snapshot.compute_figures(today=TODAY)

    assert len(few) == len(many)


# --- the weekly meeting's OPCO block: the dashboard's figure when its day is today ----------------------

def weekly_sql(client, start: date) -> tuple[object, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("weekly_meeting"), {"semaine": start.isoformat()})
    assert response.status_code == 200
    return response, " ".join(q["sql"] for q in queries)


@pytest.mark.parametrize(("days_before", "kept"), [(6, True), (7, True), (8, False)])
def test_the_weekly_meeting_takes_todays_late_opco_items_from_the_dashboards_figures(client, world, days_before, kept):
    """The week [today − 7, today − 1] is reported as of today: the dashboard's kept figure; a week
    ending earlier is reported as of the day after it, counted on the board then."""
    client.force_login(world.coordinator)
    dashboard = client.get(DASHBOARD)
    figure = next(item for item in dashboard.context["indicators"] if item.key == "opco_late")

    response, sql = weekly_sql(client, TODAY - timedelta(days=days_before))

    block = next(b for b in response.context["blocks"] if b.key == "opco_late")
    assert ("contracts_opcoboarditem" in sql) is (not kept)
    if kept:
        assert block.count == figure.value
        assert block.rows == [(d.label, d.value, d.url) for d in figure.details]


# --- the weekly meeting's week: local days, as a range of instants ------------------------------------------

def test_the_weeks_alerts_are_those_raised_and_closed_on_its_local_days(world):
    """Week of Monday 16 to Sunday 22 November 2026 (Paris): an alert raised at 23:59:59 on the Sunday
    is in it, one at midnight the next day or at 23:59:59 the Sunday before is not; the same for the
    alerts closed."""
    from alerts.choices import AlertStatus
    from tests.factories.alerts import AlertFactory

    def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
        return datetime(2026, 11, day, hour, minute, second, tzinfo=PARIS)

    raised = {
        "veille": at(15, 23, 59, 59), "premier": at(16, 0), "dernier": at(22, 23, 59, 59), "lendemain": at(23, 0),
    }
    for title, when in raised.items():
        AlertFactory(title=f"levée {title}", raised_at=when)
    for title, when in raised.items():
        AlertFactory(title=f"close {title}", raised_at=at(1, 9), status=AlertStatus.RESOLVED, resolved_at=when)

    meeting = indicators.weekly_meeting(world.coordinator, start=date(2026, 11, 16), today=TODAY)

    blocks = {block.key: block for block in meeting["blocks"]}
    assert [a.title for a in blocks["raised"].rows] == ["levée premier", "levée dernier"]
    assert blocks["raised"].count == 2
    assert [a.title for a in blocks["closed"].rows] == ["close premier", "close dernier"]
    assert blocks["closed"].count == 2
