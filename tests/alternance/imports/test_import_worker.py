"""Issue 17 §3, for real: the oversized workbook (2 million rows without <dimension>, under 1 MB
deflated) is uploaded through the page with a real Celery worker on the real Redis broker. The
request only stores it and answers with a redirect; the worker refuses it with the French message;
nothing crashes, and a normal file then goes through analysis, check and import on the worker.

Skipped locally when REDIS_URL is not set (with how to run it); fails in CI instead.
"""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alternance.celery import app
from alternance.choices import JobStatus
from alternance.models import Apprentice, DataImport
from alternance.tasks import enqueue
from tests.alternance.imports.import_files import apprentice_row, csv_bytes
from tests.alternance.imports.test_import_limits import raw_xlsx
from tests.conftest import skip_or_fail
from tests.factories.alternance import AdminStaffFactory, CohortFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def redis_worker():
    if not settings.REDIS_URL:
        skip_or_fail("REDIS_URL n'est pas défini : lancez « REDIS_URL=redis://127.0.0.1:6379/0 make test » pour tester le worker Celery.")
    queue = f"test-imports-{os.getpid()}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue, app.conf.broker_url, app.conf.result_backend)
    app.conf.update(task_always_eager=False, task_default_queue=queue, broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10) as worker:
        yield worker
    app.conf.update(task_always_eager=previous[0], task_default_queue=previous[1], broker_url=previous[2], result_backend=previous[3])


def wait_until_not_running(pk: int, timeout: float = 120) -> DataImport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data_import = DataImport.objects.get(pk=pk)
        if data_import.status != JobStatus.RUNNING:
            return data_import
        time.sleep(0.2)
    pytest.fail(f"import {pk} still running after {timeout} s")


def test_the_oversized_workbook_is_refused_by_the_worker_and_a_normal_file_goes_through(client, redis_worker, settings,
                                                                                       tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    sent = []
    monkeypatch.setattr("alternance.imports.services.enqueue", lambda *a, **k: sent.append(type(enqueue(*a, **k)).__name__))
    client.force_login(AdminStaffFactory())
    cohort = CohortFactory(name="BTS SIO 2026-2028")

    response = client.post(reverse("data_import_upload"), {
        "kind": "apprentices", "file": SimpleUploadedFile("enorme.xlsx", raw_xlsx(2_000_000))})

    assert response.status_code == 302
    # The outbox row, handed to the broker once the upload committed (not run in-process: the
    # fixture's worker sets eager mode off, and the analysis below is the worker's).
    assert sent == ["TaskIntent"]
    refused = wait_until_not_running(DataImport.objects.get().pk)
    assert (refused.status, refused.phase, refused.rows_read) == (JobStatus.FAILED, "analysis", 0)
    assert refused.errors[0]["message"].startswith("Une fois décompressé, le classeur dépasse 50,0\xa0Mio")
    assert client.get(reverse("data_import_detail", args=[refused.pk])).status_code == 200

    # The worker is still there: a normal file is analysed, checked and imported by it.
    client.post(reverse("data_import_upload"), {
        "kind": "apprentices", "file": SimpleUploadedFile("a.csv", csv_bytes([apprentice_row(n, cohort.name) for n in (1, 2)]))})
    data_import = wait_until_not_running(DataImport.objects.latest("pk").pk)
    assert (data_import.status, data_import.rows_read) == (JobStatus.PENDING, 2)
    client.post(reverse("data_import_mapping", args=[data_import.pk]), data_import.mapping)
    data_import = wait_until_not_running(data_import.pk)
    assert (data_import.status, data_import.rows_total, data_import.rows_created) == (JobStatus.PENDING, 2, 2)
    client.post(reverse("data_import_run", args=[data_import.pk]))
    data_import = wait_until_not_running(data_import.pk)
    assert (data_import.status, Apprentice.objects.count()) == (JobStatus.DONE, 2)
