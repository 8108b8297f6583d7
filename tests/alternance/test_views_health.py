"""/healthz: public JSON, 200 when the database answers, 503 when it does not."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_reports_the_database_ok(client, settings):
    settings.REDIS_URL = None

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "not configured (tasks run in-process)"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, settings):
    settings.REDIS_URL = None
    with mock.patch("alternance.views.health.connection.ensure_connection", side_effect=OperationalError("connection refused")):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error: OperationalError", "broker": "not configured (tasks run in-process)"}


def test_healthz_is_degraded_but_200_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["broker"].startswith("error: ")


def test_healthz_pings_the_configured_broker(client, settings):
    settings.REDIS_URL = "redis://broker.example:6379/0"
    with mock.patch("redis.Redis.from_url") as from_url:
        response = client.get(reverse("healthz"))

    from_url.assert_called_once_with("redis://broker.example:6379/0", socket_connect_timeout=1, socket_timeout=1)
    from_url.return_value.ping.assert_called_once_with()
    assert response.json()["broker"] == "ok"


def test_healthz_answers_503_not_500_for_a_probe_with_a_session_cookie_when_the_database_is_down(client, settings):
    from django.db.backends.base.base import BaseDatabaseWrapper

    from tests.factories.alternance import CoordinatorFactory

    settings.REDIS_URL = None
    client.force_login(CoordinatorFactory())  # the probe carries a session cookie
    down = OperationalError("connection refused")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=down), mock.patch.object(
        BaseDatabaseWrapper, "cursor", side_effect=down
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"
