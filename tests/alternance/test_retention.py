"""Issue 17 §5: the files kept by the jobs (uploaded import files and their error reports, TDB
exports, Qualiopi packs, batch archives) are deleted by the nightly task once their retention
period is over — kept at retention − 1 day, deleted at retention and + 1 day — and the row stays,
its page saying « Fichier supprimé (durée de conservation dépassée) » instead of offering a link."""

import html as html_lib
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.core.files.base import ContentFile
from django.urls import reverse

from alternance.celery import beat_schedule
from alternance.models import DataImport, EvidencePack, ListExport, TdbExport
from alternance.retention.tasks import files_retention_purge
from contracts.choices import DocumentKind
from contracts.models import DocumentBatch
from tests.factories.alternance import AdminStaffFactory, CohortFactory, CoordinatorFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 10, 3, 15, tzinfo=ZoneInfo("Europe/Paris"))
DAYS = {"imports": 30, "tdb_exports": 90, "evidence_packs": 60, "document_batches": 20, "list_exports": 7}


@pytest.fixture(autouse=True)
def retention(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FILE_RETENTION_DAYS = DAYS


def make(kind: str, user, status: str = "done"):
    """A finished job of ``kind`` with its files on disk."""
    if kind == "imports":
        row = DataImport(kind="apprentices", original_name="a.csv", created_by=user, status=status, phase="import", rows_total=1)
        row.file.save("a.csv", ContentFile(b"NIR\n185057800608436\n"), save=False)
        row.error_report.save("erreurs.csv", ContentFile(b"x"), save=False)
    elif kind == "tdb_exports":
        row = TdbExport(school_year="2026-2027", format="xlsx", status=status, created_by=user)
        row.file.save("tdb.xlsx", ContentFile(b"x"), save=False)
    elif kind == "evidence_packs":
        row = EvidencePack(period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), status=status, created_by=user)
        row.pdf.save("synthese.pdf", ContentFile(b"x"), save=False)
        row.archive.save("preuves.zip", ContentFile(b"x"), save=False)
    elif kind == "list_exports":
        row = ListExport(title="apprenti-es", view="alternance.apprentices.views.ApprenticeListView", format="csv", status=status,
                         created_by=user)
        row.file.save("apprenti-es.csv", ContentFile(b"x"), save=False)
    else:
        row = DocumentBatch(cohort=CohortFactory(), kind=DocumentKind.values[0], status=status, total=1, done=1, requested_by=user)
        row.archive.save("lot.zip", ContentFile(b"x"), save=False)
    row.save()
    return row


FILES = {"imports": ("file", "error_report"), "tdb_exports": ("file",), "evidence_packs": ("pdf", "archive"),
         "document_batches": ("archive",), "list_exports": ("file",)}


def paths(row, kind: str) -> list[Path]:
    return [Path(getattr(row, name).path) for name in FILES[kind]]


@pytest.mark.parametrize("kind", list(DAYS))
def test_files_are_kept_until_their_retention_ends_then_deleted_and_the_row_marked(kind, time_machine,
                                                                                     django_capture_on_commit_callbacks):
    user = CoordinatorFactory()
    rows = {}
    for offset in (-1, 0, 1):  # age at NOW: retention − 1 day, retention, retention + 1 day
        time_machine.move_to(NOW - timedelta(days=DAYS[kind] + offset), tick=False)
        rows[offset] = make(kind, user)
    files = {offset: paths(row, kind) for offset, row in rows.items()}
    time_machine.move_to(NOW, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        result = files_retention_purge.delay().get()

    assert result == {key: (2 if key == kind else 0) for key in DAYS}
    model = type(rows[0])
    kept = model.objects.get(pk=rows[-1].pk)
    assert kept.files_purged_at is None and all(getattr(kept, name) for name in FILES[kind])
    assert all(path.exists() for path in files[-1])
    for offset in (0, 1):
        purged = model.objects.get(pk=rows[offset].pk)
        assert purged.files_purged_at == NOW
        assert [getattr(purged, name).name for name in FILES[kind]] == [""] * len(FILES[kind])
        assert not any(path.exists() for path in files[offset])

    # Safe to run again: nothing more to purge.
    with django_capture_on_commit_callbacks(execute=True):
        assert files_retention_purge.delay().get() == dict.fromkeys(DAYS, 0)


def test_a_running_job_keeps_its_files_whatever_their_age(time_machine, django_capture_on_commit_callbacks):
    user = AdminStaffFactory()
    time_machine.move_to(NOW - timedelta(days=400), tick=False)
    running = [make("imports", user, status="running"), make("tdb_exports", user, status="running"),
               make("evidence_packs", user, status="pending"), make("document_batches", user, status="running"),
               make("list_exports", user, status="running")]
    time_machine.move_to(NOW, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert files_retention_purge() == dict.fromkeys(DAYS, 0)

    for row in running:
        row.refresh_from_db()
        assert row.files_purged_at is None


def test_the_pages_say_the_file_was_deleted_and_offer_no_download(client, time_machine, django_capture_on_commit_callbacks):
    admin, coordinator = AdminStaffFactory(), CoordinatorFactory()
    time_machine.move_to(NOW - timedelta(days=400), tick=False)
    data_import = make("imports", admin)
    export, pack, batch = make("tdb_exports", coordinator), make("evidence_packs", coordinator), make("document_batches", coordinator)
    time_machine.move_to(NOW, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        files_retention_purge()

    client.force_login(admin)
    page = html_lib.unescape(client.get(reverse("data_import_detail", args=[data_import.pk])).content.decode())
    assert "Fichier supprimé (durée de conservation dépassée) le 10/03/2027" in page
    assert reverse("data_import_error_report", args=[data_import.pk]) not in page
    report = client.get(reverse("data_import_error_report", args=[data_import.pk]))
    assert report.status_code == 302 and report.url == reverse("data_import_detail", args=[data_import.pk])

    client.force_login(coordinator)
    for url, link in (
        (reverse("tdb_export_detail", args=[export.pk]), reverse("tdb_export_download", args=[export.pk])),
        (reverse("qualiopi_pack_detail", args=[pack.pk]), reverse("qualiopi_pack_archive", args=[pack.pk])),
        (reverse("contracts:batch_detail", args=[batch.pk]), reverse("contracts:batch_download", args=[batch.pk])),
    ):
        response = client.get(url)
        html = html_lib.unescape(response.content.decode())
        assert response.status_code == 200, url
        assert "Fichier supprimé (durée de conservation dépassée) le 10/03/2027." in html, url
        assert link not in html, url
        assert client.get(link).status_code == 404, link


def test_the_purge_runs_every_night_at_the_configured_time():
    entry = beat_schedule(nightly_hour=2, nightly_minute=30, purge_hour=4, purge_minute=5)["files-retention-purge"]

    assert entry["task"] == "alternance.files_retention_purge"
    assert entry["schedule"] == crontab(hour=4, minute=5)
