"""A worker killed mid-task (issue 17 §2): a real ``celery -A alternance worker`` process is sent
SIGKILL in the middle of a cohort document batch. The reaper marks the batch failed with a French
reason, its owner's « Relancer » runs it again on a new worker, and no document is stored twice.

The worker is a separate process on the test database: PostgreSQL only (CI's DATABASE_URL).
"""

from __future__ import annotations

import io
import os
import signal
import zipfile

import pytest
from django.db import connection
from django.urls import reverse

from alternance import jobs
from contracts.batches import batch_contracts
from contracts.choices import BatchStatus, ContractStatus, DocumentKind
from contracts.models import Document, DocumentBatch
from tests.alternance.faults.support import RedisServer, celery_on, start_worker_process, wait_for
from tests.conftest import skip_or_fail
from tests.factories.alternance import ApprenticeFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import make_world

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CONTRACTS = 6


def test_a_worker_killed_mid_batch_is_reaped_and_the_retry_stores_each_document_once(client, settings, tmp_path):
    if connection.vendor != "postgresql":
        skip_or_fail("Ce test lance un worker Celery dans un autre processus : il lui faut PostgreSQL (DATABASE_URL=postgres://…).")
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    cohort = world.a.cohort
    for n in range(CONTRACTS - 1):
        ContractFactory(apprentice=ApprenticeFactory(cohort=cohort, last_name=f"Lot{n}"), status=ContractStatus.IN_PROGRESS)
    contract_ids = sorted(batch_contracts(cohort).values_list("pk", flat=True))
    assert len(contract_ids) >= 3
    log = tmp_path / "worker.log"

    with RedisServer() as redis_server, celery_on(redis_server.url) as queue:
        client.force_login(world.coordinator)
        response = client.post(reverse("contracts:cohort_documents", args=[cohort.pk]), {"kind": DocumentKind.CERFA})
        assert response.status_code == 302
        batch = DocumentBatch.objects.get()

        # A worker slowed down between two documents (test setting), killed once it has stored some.
        worker = start_worker_process(redis_url=redis_server.url, queue=queue, media_root=settings.MEDIA_ROOT, log=log,
                                      extra_env={"BATCH_ITEM_DELAY_SECONDS": "2"})
        try:
            wait_for(lambda: DocumentBatch.objects.get(pk=batch.pk).done >= 2, timeout=180, every=0.2,
                     what="deux documents produits par le premier worker")
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        batch.refresh_from_db()
        stored_before_retry = dict(batch.generated)
        assert batch.status == BatchStatus.RUNNING  # what the page showed for ever before issue 17
        assert 2 <= len(stored_before_retry) < len(contract_ids)

        # The reaper: the heartbeat is older than its timeout, the batch is marked failed.
        settings.JOB_HEARTBEAT_TIMEOUT = 1
        wait_for(lambda: jobs.jobs_reap(), timeout=30, what="le lot repéré comme orphelin")
        batch.refresh_from_db()
        assert batch.status == BatchStatus.FAILED
        assert batch.error.startswith("Le traitement s'est interrompu : le processus qui l'exécutait s'est arrêté")
        page = client.get(reverse("contracts:batch_detail", args=[batch.pk])).content.decode()
        assert reverse("contracts:batch_retry", args=[batch.pk]) in page and "Relancer" in page
        # Someone else (admin staff, in scope) sees the failure but not the button, and may not retry.
        client.force_login(world.admin_staff)
        assert reverse("contracts:batch_retry", args=[batch.pk]) not in client.get(reverse("contracts:batch_detail", args=[batch.pk])).content.decode()
        assert client.post(reverse("contracts:batch_retry", args=[batch.pk])).status_code == 403

        # « Relancer » by its owner, on a new worker.
        client.force_login(world.coordinator)
        retried = client.post(reverse("contracts:batch_retry", args=[batch.pk]))
        assert retried.status_code == 302
        worker = start_worker_process(redis_url=redis_server.url, queue=queue, media_root=settings.MEDIA_ROOT, log=log)
        try:
            wait_for(lambda: DocumentBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE, timeout=240, every=0.5,
                     what=f"le lot relancé terminé (journal du worker : {log})")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)

    batch.refresh_from_db()
    assert batch.done == batch.total == len(contract_ids)
    assert sorted(int(pk) for pk in batch.generated) == contract_ids
    # The documents stored before the kill were reused, not stored a second time.
    assert {key: batch.generated[key] for key in stored_before_retry} == stored_before_retry
    cerfas = Document.objects.filter(contract_id__in=contract_ids, kind=DocumentKind.CERFA)
    assert sorted(cerfas.values_list("contract_id", flat=True)) == contract_ids  # one each, no duplicate
    assert sorted(cerfas.values_list("pk", flat=True)) == sorted(batch.generated.values())
    with zipfile.ZipFile(io.BytesIO(batch.archive.read())) as archive:
        assert len(archive.namelist()) == len(contract_ids)
