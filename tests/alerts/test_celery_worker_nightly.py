"""A real Celery worker on the real Redis broker runs ``alerts.run_nightly_checks`` against the database."""

import os
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.conf import settings

from alerts.choices import AlertStatus, RunStatus
from alerts.models import Alert, NightlyRun
from alerts.tasks import run_nightly_checks
from alternance.celery import app
from alternance.choices import ApprenticeStatus
from contracts.reference_data import ensure_reference_data
from tests.conftest import skip_or_fail
from tests.factories.alternance import ApprenticeFactory

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def redis_worker():
    if not settings.REDIS_URL:
        skip_or_fail("REDIS_URL n'est pas défini : lancez « REDIS_URL=redis://127.0.0.1:6379/0 make test » pour tester le worker Celery.")
    queue = f"test-alerts-{os.getpid()}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.update(task_always_eager=False, task_default_queue=queue, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10) as worker:
        yield worker
    app.conf.update(task_always_eager=previous[0], task_default_queue=previous[1])


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_runs_on_a_real_worker_and_is_idempotent(redis_worker):
    ensure_reference_data()  # transactional tests flush the rows the migrations loaded
    today = date(2026, 11, 30)
    apprentice = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=today - timedelta(days=95))

    first = run_nightly_checks.delay(today=today.isoformat())
    assert not isinstance(first, EagerResult)
    first_result = first.get(timeout=60)
    second_result = run_nightly_checks.delay(today=today.isoformat()).get(timeout=60)

    assert first_result["status"] == second_result["status"] == RunStatus.SUCCEEDED
    assert (first_result["counts"]["without_company"]["raised"], second_result["counts"]["without_company"]["still_open"]) == (1, 1)
    assert list(Alert.objects.values_list("rule_code", "subject_id", "status")) == [("without_company", apprentice.pk, AlertStatus.NEW)]
    assert list(NightlyRun.objects.order_by("pk").values_list("status", "trigger")) == [(RunStatus.SUCCEEDED, "task")] * 2
