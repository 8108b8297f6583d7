"""Alerts register: scoped list with filters and query count; alert page with its facts."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.choices import AlertStatus, Severity
from alerts.models import AlertEvent
from alternance.choices import Role
from tests.factories.alerts import AlertFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def listed(client, user, query: str = "") -> list[str]:
    client.force_login(user)
    response = client.get(reverse("alerts:alert_list") + query)
    assert response.status_code == 200
    return sorted(a.title for a in response.context["alerts"])


def test_list_is_scoped_by_role(client, world):
    assigned_to_cre = AlertFactory(apprentice=world.b.apprentice, rule_code="other.rule", title="Pour la CRE A", assignee=world.a.cre,
                                   status=AlertStatus.ASSIGNED)

    assert listed(client, world.coordinator) == ["Absences répétées A", "Absences répétées B", "Pour la CRE A"]
    assert listed(client, world.admin_staff) == ["Absences répétées A", "Absences répétées B", "Pour la CRE A"]
    assert listed(client, world.a.tutor) == ["Absences répétées A"]
    assert listed(client, world.a.cre) == [assigned_to_cre.title]


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER])
def test_extranet_users_get_403(client, world, role):
    client.force_login(world.user(role))
    alert = world.a.apprentice.alerts.get()

    assert client.get(reverse("alerts:alert_list")).status_code == 403
    assert client.get(reverse("alerts:alert_detail", args=[alert.pk])).status_code == 403


def test_filters_status_severity_and_search(client, world):
    world.b.apprentice.alerts.update(status=AlertStatus.RESOLVED, resolved_at=datetime(2026, 11, 27, tzinfo=PARIS), severity=Severity.CRITICAL)

    assert listed(client, world.coordinator, "?status=new") == ["Absences répétées A"]
    assert listed(client, world.coordinator, "?status=open") == ["Absences répétées A"]
    assert listed(client, world.coordinator, "?severity=critical") == ["Absences répétées B"]
    assert listed(client, world.coordinator, "?q=durand") == ["Absences répétées B"]


def count_queries(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TUTOR])
def test_list_query_count_does_not_grow_with_rows(client, world, role):
    user = world.user(role)
    url = reverse("alerts:alert_list") + "?status=new"
    with_one = count_queries(client, user, url)
    for n in range(3):
        add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Ajout{n}")

    with_four = count_queries(client, user, url)

    assert with_four == with_one, (with_one, with_four)


def test_alert_page_shows_facts_action_and_history(client, world):
    alert = world.a.apprentice.alerts.get()
    AlertEvent.objects.create(alert=alert, from_status="", to_status=AlertStatus.NEW, comment="Levée par la règle")
    client.force_login(world.a.tutor)

    response = client.get(reverse("alerts:alert_detail", args=[alert.pk]))

    assert response.context["facts"] == [("absences", 3), ("window_days", 30)]
    html = response.content.decode()
    for expected in ("Absences répétées A", "window_days", "Appeler l&#x27;apprenti·e", "Levée par la règle", "Alice Martin"):
        assert expected in html, expected
