"""A real Celery worker consuming from the real Redis broker (REDIS_URL), as in production.

Skipped locally when REDIS_URL is not set (with how to run it); fails in CI instead.
"""

import os

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.conf import settings
from django.core import mail

from alternance.celery import app
from alternance.tasks import send_email
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def redis_worker():
    if not settings.REDIS_URL:
        skip_or_fail("REDIS_URL n'est pas défini : lancez « REDIS_URL=redis://127.0.0.1:6379/0 make test » pour tester le worker Celery.")
    # One queue per xdist worker / per run so parallel runs never steal each other's messages.
    queue = f"test-{os.getpid()}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.update(task_always_eager=False, task_default_queue=queue, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10) as worker:
        yield worker
    app.conf.update(task_always_eager=previous[0], task_default_queue=previous[1])


@pytest.mark.django_db(transaction=True)
def test_send_email_task_runs_on_a_real_worker_through_redis(redis_worker):
    result = send_email.delay(subject="Invitation à l'extranet", body="Bonjour", to=["apprentie@example.test"])

    assert not isinstance(result, EagerResult)  # it went through the broker, not in-process
    assert result.get(timeout=20) == 1
    assert result.status == "SUCCESS"
    assert [(m.subject, m.to) for m in mail.outbox] == [("Invitation à l'extranet", ["apprentie@example.test"])]
