"""Jobs whose worker died (issue 17 §2): the reaper's thresholds, « Relancer » for the owner only,
and « déjà en cours » no longer blocking a dead job."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from alternance import jobs
from alternance.choices import JobStatus, OutboxStatus, Role
from alternance.models import TaskIntent, TdbExport
from contracts.choices import BatchStatus, DocumentKind
from contracts.models import DocumentBatch
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def frozen(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.JOB_HEARTBEAT_TIMEOUT = 300
    settings.JOB_TIME_LIMIT = 1800


@pytest.fixture
def world():
    return make_world()


def running_batch(world, *, silent_for: int) -> DocumentBatch:
    return DocumentBatch.objects.create(
        cohort=world.a.cohort, kind=DocumentKind.CERFA, status=BatchStatus.RUNNING, total=3, done=1,
        requested_by=world.coordinator, heartbeat_at=NOW - timedelta(seconds=silent_for),
    )


def running_export(world, *, silent_for: int, by=None) -> TdbExport:
    return TdbExport.objects.create(
        school_year="2026-2027", format="xlsx", status=JobStatus.RUNNING, created_by=by or world.coordinator,
        heartbeat_at=NOW - timedelta(seconds=silent_for),
    )


@pytest.mark.parametrize(("silent_for", "reaped"), [(299, False), (300, False), (301, True)])
def test_a_batch_is_reaped_once_its_heartbeat_is_older_than_the_timeout(world, silent_for, reaped):
    batch = running_batch(world, silent_for=silent_for)

    assert [job.pk for job in jobs.jobs_reap()] == ([batch.pk] if reaped else [])

    batch.refresh_from_db()
    assert batch.status == (BatchStatus.FAILED if reaped else BatchStatus.RUNNING)
    if reaped:
        assert batch.error == (
            "Le traitement s'est interrompu : le processus qui l'exécutait s'est arrêté (dernier signe de vie le "
            "28/11/2026 à 10:24). Cliquez sur « Relancer » pour le reprendre : ce qui avait déjà été fait ne sera pas fait en double."
        )
        assert batch.finished_at == NOW


@pytest.mark.parametrize(("silent_for", "reaped"), [(1859, False), (1860, False), (1861, True)])
def test_an_export_without_per_item_heartbeat_is_reaped_past_the_hard_time_limit_and_a_minute(world, silent_for, reaped):
    export = running_export(world, silent_for=silent_for)

    jobs.jobs_reap()

    export.refresh_from_db()
    assert export.status == (JobStatus.FAILED if reaped else JobStatus.RUNNING)


def test_the_retry_puts_the_job_back_in_the_queue_through_the_outbox(world, django_capture_on_commit_callbacks):
    export = running_export(world, silent_for=4000)

    with django_capture_on_commit_callbacks(execute=False):
        jobs.job_retry(job=export, by=world.coordinator)  # reaps the dead job first: « déjà en cours » does not block

    export.refresh_from_db()
    assert (export.status, export.error, export.finished_at, export.heartbeat_at) == (JobStatus.PENDING, "", None, None)
    assert list(TaskIntent.objects.values_list("name", "kwargs", "status")) == [("alternance.export_tdb", {"export_id": export.pk}, OutboxStatus.QUEUED)]
    with pytest.raises(jobs.JobStateError):
        jobs.job_retry(job=export, by=world.coordinator)  # pending: nothing to retry
    assert TaskIntent.objects.count() == 1


def test_a_live_running_job_is_not_retried(world):
    export = running_export(world, silent_for=10)

    with pytest.raises(jobs.JobStateError):
        jobs.job_retry(job=export, by=world.coordinator)

    export.refresh_from_db()
    assert export.status == JobStatus.RUNNING


# Who may press « Relancer » on a failed export the coordinator launched (owner only).
#          owner coordinator, another coordinator, admin staff, cre, tutor, apprentice, employer
CASES = [("owner", 302), ("other_coordinator", 403), (Role.ADMIN_STAFF, 403), (Role.CRE, 403), (Role.TUTOR, 403),
         (Role.APPRENTICE, 403), (Role.EMPLOYER, 403)]


@pytest.mark.parametrize(("who", "expected"), CASES)
def test_permission_matrix_of_the_retry_of_an_export(client, world, django_capture_on_commit_callbacks, who, expected):
    from tests.factories.alternance import CoordinatorFactory

    export = TdbExport.objects.create(school_year="2026-2027", format="xlsx", status=JobStatus.FAILED, created_by=world.coordinator,
                                      error="Le traitement s'est interrompu")
    user = {"owner": world.coordinator, "other_coordinator": CoordinatorFactory()}.get(who) or world.user(who)
    client.force_login(user)

    page = client.get(reverse("tdb_export_detail", args=[export.pk]))
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("tdb_export_retry", args=[export.pk]))

    assert response.status_code == expected
    export.refresh_from_db()
    assert export.status == (JobStatus.PENDING if expected == 302 else JobStatus.FAILED)
    assert TaskIntent.objects.count() == (1 if expected == 302 else 0)
    if page.status_code == 200:
        assert (reverse("tdb_export_retry", args=[export.pk]) in page.content.decode()) is (expected == 302)


def test_the_export_page_says_when_its_task_waits_for_the_broker(client, world):
    export = TdbExport.objects.create(school_year="2026-2027", format="xlsx", created_by=world.coordinator)
    intent = TaskIntent.objects.create(name="alternance.export_tdb", kwargs={"export_id": export.pk}, key=f'alternance.export_tdb:{{"export_id":{export.pk}}}')
    client.force_login(world.coordinator)

    waiting = client.get(reverse("tdb_export_detail", args=[export.pk])).content.decode()
    TaskIntent.objects.filter(pk=intent.pk).update(status=OutboxStatus.SENT)
    sent = client.get(reverse("tdb_export_detail", args=[export.pk])).content.decode()

    message = "En attente : le service des tâches en arrière-plan ne répond pas pour le moment."
    assert message in waiting and message not in sent
    assert "Le fichier est en cours de production" in sent


def test_the_dispatcher_and_the_reaper_run_every_minute_from_beat():
    from alternance.celery import beat_schedule

    schedule = beat_schedule(nightly_hour=2, nightly_minute=30)

    assert schedule["outbox-dispatch"] == {"task": "alternance.dispatch_outbox", "schedule": 60.0, "options": {"expires": 50}}
    assert schedule["jobs-reaper"] == {"task": "alternance.reap_dead_jobs", "schedule": 60.0, "options": {"expires": 50}}
