"""List exports at scale (issue 18 §1): linear in rows (streamed CSV, write-only XLSX, the same
queries whatever the size), and above ``EXPORT_INLINE_MAX_ROWS`` a background job with its
progress, « Relancer » and a download for its requester only."""

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from alternance import exports, selectors
from alternance.choices import JobStatus, Role
from alternance.models import Apprentice, ListExport, TaskIntent
from alternance.retention.services import files_purge
from companies.models import Offer
from tests.factories.alternance import ApprenticeFactory, UserFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)
HEADER = ["Nom", "Prénom", "Promotion", "Statut", "Depuis le", "E-mail"]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return make_world()


def body(response) -> bytes:
    return response.getvalue()  # streamed or not


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(content: bytes) -> list[list]:
    return [list(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def expected_rows(user, *, as_dates: bool) -> list[list]:
    """What the apprentices list holds for ``user``, in the list's order, read from the database."""
    rows = []
    for a in selectors.apprentice_list(user, q="", status="", cohort_id=None, sort=""):
        since = datetime(a.status_since.year, a.status_since.month, a.status_since.day) if as_dates else f"{a.status_since:%d/%m/%Y}"
        rows.append([a.usage_name or a.last_name, a.first_name, a.cohort.name, a.get_status_display(), since, a.email])
    return rows


def add_apprentices(world, count: int) -> None:
    for index in range(count):
        ApprenticeFactory(cohort=world.a.cohort, last_name=f"Export{index:03d}", email=f"export{index}@example.test")


# --- linear: same queries whatever the size, the file read back row by row ----------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_issues_the_same_queries_at_two_sizes_and_holds_every_row(client, world, fmt):
    client.force_login(world.coordinator)
    counts, files = [], []
    for extra in (2, 12):
        add_apprentices(world, extra)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("apprentice_list"), {"export": fmt})
            content = body(response)  # a streamed CSV queries while it is read
        counts.append(len(queries))
        files.append(content)

    assert counts[0] == counts[1]
    rows = read_csv(files[1]) if fmt == "csv" else read_xlsx(files[1])
    assert rows[0] == HEADER
    assert rows[1:] == expected_rows(world.coordinator, as_dates=fmt == "xlsx")
    assert len(rows) - 1 == Apprentice.objects.count() == 4 + 2 + 12


def test_a_csv_export_is_streamed(client, world):
    client.force_login(world.coordinator)

    response = client.get(reverse("apprentice_list"), {"export": "csv"})

    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="apprenti-es-2026-11-28.csv"'


def test_xlsx_is_written_from_an_iterator_never_a_list():
    def rows():
        for index in range(3):
            yield (f"=cmd{index}", index)

    content = exports.xlsx_bytes(title="Essai", header=["A", "B"], rows=rows())

    assert read_xlsx(content) == [["A", "B"], ["'=cmd0", 0], ["'=cmd1", 1], ["'=cmd2", 2]]


# --- the threshold: limit − 1, limit, limit + 1 -------------------------------------------------------------


@pytest.mark.parametrize(("limit_offset", "inline"), [(+1, True), (0, True), (-1, False)])
def test_an_export_above_the_threshold_is_offered_as_a_background_job(client, world, settings, limit_offset, inline):
    rows = Apprentice.objects.count()  # the coordinator sees them all
    settings.EXPORT_INLINE_MAX_ROWS = rows + limit_offset  # rows = limit − 1, limit, limit + 1
    client.force_login(world.coordinator)

    response = client.get(reverse("apprentice_list"), {"export": "xlsx", "status": "", "page": "2"})

    if inline:
        assert response["Content-Disposition"] == 'attachment; filename="apprenti-es-2026-11-28.xlsx"'
        assert len(read_xlsx(body(response))) == rows + 1
    else:
        html = response.content.decode()
        assert response.status_code == 200 and "Content-Disposition" not in response
        assert f"Cette liste compte {rows} lignes : au-delà de {rows - 1} lignes, le fichier est préparé en arrière-plan." in html
        assert "Préparer le fichier apprenti-es.xlsx" in html
        assert f'href="{reverse("apprentice_list")}?status="' in html  # back to the list, without export nor page
    assert ListExport.objects.count() == 0  # a GET never starts a job


def test_preparing_a_long_export_runs_a_job_whose_file_is_the_list(client, world, settings, celery_eager,
                                                                   django_capture_on_commit_callbacks):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    client.force_login(world.a.tutor)
    url = reverse("apprentice_list") + "?status=under_contract&sort=name&export=csv&page=2"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"export": "xlsx"})

    export = ListExport.objects.get()
    assert response.status_code == 302 and response.url == reverse("list_export_detail", args=[export.pk])
    assert (export.title, export.view, export.params, export.format, export.created_by) == (
        "apprenti-es", "alternance.apprentices.views.ApprenticeListView", "status=under_contract&sort=name", "xlsx", world.a.tutor)
    assert TaskIntent.objects.filter(name="alternance.list_export_run", kwargs={"export_id": export.pk}).exists()
    assert (export.status, export.rows_total, export.rows_written) == (JobStatus.DONE, 1, 1)
    settings.EXPORT_INLINE_MAX_ROWS = 5000
    inline = client.get(reverse("apprentice_list"), {"status": "under_contract", "sort": "name", "export": "xlsx"})
    with export.file.open("rb") as handle:
        assert read_xlsx(handle.read()) == read_xlsx(body(inline))  # the tutor's scope and filters, row by row
    page = client.get(reverse("list_export_detail", args=[export.pk])).content.decode()
    assert "1 ligne exportée" in page and "Télécharger apprenti-es-2026-11-28-" in page
    download = client.get(reverse("list_export_download", args=[export.pk]))
    assert download["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert read_xlsx(body(download))[1][0] == world.a.apprentice.last_name


def test_a_csv_job_writes_the_same_file_as_the_inline_export(client, world, settings, monkeypatch):
    client.force_login(world.coordinator)
    add_apprentices(world, 5)
    export = ListExport.objects.create(title="apprenti-es", view="alternance.apprentices.views.ApprenticeListView",
                                       params=f"cohort={world.a.cohort.pk}", format="csv", rows_total=7, created_by=world.coordinator)
    monkeypatch.setattr(exports, "EXPORT_CHUNK_ROWS", 3)  # progress and heartbeat every 3 rows
    progress = []
    real_update = exports.heartbeat
    monkeypatch.setattr(exports, "heartbeat", lambda job: (progress.append(ListExport.objects.get(pk=job.pk).rows_written), real_update(job)))

    exports.list_export_run(export=export)

    export.refresh_from_db()
    assert progress == [3, 6]
    inline = body(client.get(reverse("apprentice_list"), {"cohort": world.a.cohort.pk, "export": "csv"}))
    with export.file.open("rb") as handle:
        assert read_csv(handle.read()) == read_csv(inline)
    assert (export.status, export.rows_written, export.heartbeat_at) == (JobStatus.DONE, 7, NOW)
    assert len(read_csv(inline)) == 8


def test_a_failed_job_is_retried_by_its_requester(client, world, celery_eager, django_capture_on_commit_callbacks):
    export = ListExport.objects.create(title="apprenti-es", view="alternance.apprentices.views.ApprenticeListView", format="csv",
                                       rows_total=4, created_by=world.coordinator, status=JobStatus.FAILED, error="Échec.")
    client.force_login(world.coordinator)
    page = client.get(reverse("list_export_detail", args=[export.pk])).content.decode()
    assert "Échec." in page and "Relancer" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("list_export_retry", args=[export.pk]))

    export.refresh_from_db()
    assert (export.status, export.error, export.rows_written) == (JobStatus.DONE, "", 4)


def test_a_job_of_a_view_that_is_not_a_list_fails_with_a_message(world):
    export = ListExport.objects.create(title="x", view="alternance.views.mixins.StaffOnlyMixin", format="csv", created_by=world.coordinator)

    exports.list_export_run(export=export)

    export.refresh_from_db()
    assert export.status == JobStatus.FAILED and export.error.startswith("La production du fichier a échoué : ")
    assert not export.file


def test_the_file_is_purged_after_its_retention(client, world, settings, django_capture_on_commit_callbacks):
    settings.FILE_RETENTION_DAYS = {**settings.FILE_RETENTION_DAYS, "list_exports": 7}
    export = ListExport.objects.create(title="apprenti-es", view="v", format="csv", status=JobStatus.DONE, rows_written=1,
                                       file=ContentFile(b"a;b\n", name="apprenti-es.csv"), created_by=world.coordinator)
    path = Path(export.file.path)

    assert files_purge(now=NOW + timedelta(days=6, hours=23))["list_exports"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert files_purge(now=NOW + timedelta(days=7))["list_exports"] == 1

    export.refresh_from_db()
    assert (export.file.name, export.files_purged_at) == ("", NOW + timedelta(days=7))
    assert not path.exists()
    client.force_login(world.coordinator)
    assert "Fichier supprimé (durée de conservation dépassée) le 05/12/2026." in client.get(
        reverse("list_export_detail", args=[export.pk])).content.decode()
    assert client.get(reverse("list_export_download", args=[export.pk])).status_code == 404


# --- who reads the file: its requester only -----------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), [
    ("requester", 200), ("other_coordinator", 404), ("admin_staff", 404), ("cre", 404), ("tutor", 404),
    ("apprentice", 403), ("employer", 403), ("anonymous", 302),
])
@pytest.mark.parametrize("name", ["list_export_detail", "list_export_status", "list_export_download"])
def test_only_the_requester_reads_a_list_export(client, world, who, expected, name):
    export = ListExport.objects.create(title="apprenti-es", view="v", format="csv", status=JobStatus.DONE, rows_total=1, rows_written=1,
                                       file=ContentFile(b"Nom\nSecret\n", name="apprenti-es.csv"), created_by=world.coordinator)
    users = {
        "requester": world.coordinator, "other_coordinator": UserFactory(role=Role.COORDINATOR), "admin_staff": world.admin_staff,
        "cre": world.a.cre, "tutor": world.a.tutor, "apprentice": world.a.apprentice_user, "employer": world.a.employer_user,
    }
    if who != "anonymous":
        client.force_login(users[who])

    response = client.get(reverse(name, args=[export.pk]))

    assert response.status_code == expected
    if expected == 200 and name == "list_export_download":
        assert body(response) == b"Nom\nSecret\n"


@pytest.mark.parametrize(("who", "expected"), [("requester", 302), ("other_coordinator", 404), ("apprentice", 403)])
def test_only_the_requester_retries(client, world, who, expected):
    export = ListExport.objects.create(title="apprenti-es", view="alternance.apprentices.views.ApprenticeListView", format="csv",
                                       created_by=world.coordinator, status=JobStatus.FAILED, error="Échec.")
    user = {"requester": world.coordinator, "other_coordinator": UserFactory(role=Role.COORDINATOR),
            "apprentice": world.a.apprentice_user}[who]
    client.force_login(user)

    response = client.post(reverse("list_export_retry", args=[export.pk]))

    assert response.status_code == expected
    assert ListExport.objects.get().status == (JobStatus.PENDING if expected == 302 else JobStatus.FAILED)


@pytest.mark.parametrize(("url_name", "title"), [
    ("apprentice_list", "apprenti-es"), ("contracts:contract_list", "contrats"), ("companies:company_list", "entreprises"),
    ("alerts:alert_list", "alertes"), ("companies:offer_list", "offres"),
])
def test_every_exportable_list_writes_the_same_rows_in_a_job_as_inline(client, world, settings, celery_eager,
                                                                       django_capture_on_commit_callbacks, url_name, title):
    for company in (world.a.company, world.b.company):
        Offer.objects.create(company=company, programme=world.a.cohort.programme, places=1, start_date=NOW.date(), end_date=NOW.date())
    client.force_login(world.coordinator)
    settings.EXPORT_INLINE_MAX_ROWS = 5000
    inline = read_csv(body(client.get(reverse(url_name), {"export": "csv"})))
    settings.EXPORT_INLINE_MAX_ROWS = len(inline) - 2  # one row above the limit
    assert "Préparer le fichier" in client.get(reverse(url_name), {"export": "csv"}).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(url_name) + "?export=csv", {"export": "csv"})

    export = ListExport.objects.get()
    assert (export.title, export.status, export.rows_total, export.rows_written) == (title, JobStatus.DONE, len(inline) - 1, len(inline) - 1)
    assert read_csv(body(client.get(reverse("list_export_download", args=[export.pk])))) == inline


def test_the_opco_board_which_writes_its_own_files_starts_no_job(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("contracts:opco_board"), {"export": "csv"})

    assert response.status_code == 400 and ListExport.objects.count() == 0
