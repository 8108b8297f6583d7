"""The export page for the coordinator and admin staff: pre-check (rows OK / rejected with links
to the records to fix, queries that do not grow with the rows), export through the Celery task,
status polling, permission-checked download, history; everyone else gets 403."""

import io
import json
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from alternance.choices import JobStatus, Role
from alternance.models import TdbExport
from alternance.tdb.columns import HEADERS
from companies.models import Company
from tests.alternance.tdb.tdb_support import contract, learner
from tests.factories.companies import CompanyFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

PAGE = reverse("tdb_export")


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return make_world()


def export_of(user, *, status=JobStatus.DONE, fmt="xlsx") -> TdbExport:
    from django.core.files.base import ContentFile

    export = TdbExport.objects.create(school_year="2026-2027", format=fmt, status=status, created_by=user, rows_exported=1)
    if status == JobStatus.DONE:
        export.file.save(f"tableau-de-bord-2026-2027-{export.pk}.{fmt}", ContentFile(b"contenu"), save=True)
    return export


# --- access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.COORDINATOR, 200), (Role.ADMIN_STAFF, 200), (Role.CRE, 403), (Role.TUTOR, 403), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403)],
)
def test_only_the_coordinator_and_admin_staff_open_the_export_pages(client, world, role, expected):
    export = export_of(world.coordinator)
    client.force_login(world.user(role))
    urls = [
        PAGE, f"{PAGE}?annee_scolaire=2026-2027&format=xlsx", reverse("tdb_export_detail", args=[export.pk]),
        reverse("tdb_export_status", args=[export.pk]), reverse("tdb_export_download", args=[export.pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [expected] * len(urls)
    assert client.post(PAGE, {"annee_scolaire": "2026-2027", "format": "xlsx"}).status_code == (302 if expected == 200 else 403)


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_persons_export_downloads_for_the_allowed_roles_only(client, world):
    export = export_of(world.coordinator)
    url = reverse("tdb_export_download", args=[export.pk])

    client.force_login(world.admin_staff)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"contenu"
    assert response["Content-Disposition"] == f'attachment; filename="tableau-de-bord-2026-2027-{export.pk}.xlsx"'
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    for user in (world.a.cre, world.a.tutor, world.a.apprentice_user, world.a.employer_user):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_an_unfinished_or_missing_export_has_no_file(client, world):
    running = export_of(world.coordinator, status=JobStatus.RUNNING)
    client.force_login(world.coordinator)
    assert client.get(reverse("tdb_export_download", args=[running.pk])).status_code == 404
    assert client.get(reverse("tdb_export_download", args=[running.pk + 1000])).status_code == 404
    assert client.get(reverse("tdb_export_detail", args=[running.pk + 1000])).status_code == 404


# --- pre-check -------------------------------------------------------------------------------------


def test_the_page_offers_the_school_years_around_today(client, world):
    client.force_login(world.coordinator)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert [value for value, _label in response.context["form"].fields["annee_scolaire"].choices] == [
        "2027-2028", "2026-2027", "2025-2026", "2024-2025",
    ]
    assert response.context["form"]["annee_scolaire"].value() == "2026-2027"
    assert response.context["check"] is None


def test_the_precheck_counts_rows_and_links_each_rejection_to_its_record(client, world):
    # The world's two contracted apprentices and two seeking ones are OK; a learner whose second
    # employer has a wrong SIRET is rejected.
    broken = learner(cohort=world.a.cohort, first_name="Zoé", last_name="Zed")
    contract(broken, start=date(2026, 9, 1), end=date(2028, 6, 30), rupture=date(2026, 10, 1))
    second = contract(broken, company=CompanyFactory(name="Garage Faux"), start=date(2026, 10, 15), end=date(2028, 6, 30))
    Company.objects.filter(pk=second.company_id).update(siret="12345678901234")
    client.force_login(world.admin_staff)

    response = client.get(PAGE, {"annee_scolaire": "2026-2027", "format": "xlsx"})

    check = response.context["check"]
    assert (len(check.ok_rows), len(check.rejected_rows)) == (4, 1)
    [rejection] = response.context["rejections"]
    assert rejection["url"] == reverse("apprentice_detail", args=[broken.pk])
    assert [(p["column"], p["url"]) for p in rejection["problems"]] == [
        ("siret_employeur_2", reverse("companies:company_detail", args=[second.company_id])),
    ]
    html = response.content.decode()
    assert 'data-testid="tdb-ok-count">4<' in html and 'data-testid="tdb-rejected-count">1<' in html
    assert "Corrigez la fiche de l&#x27;entreprise Garage Faux." in html
    assert reverse("companies:company_detail", args=[second.company_id]) in html


def test_the_precheck_shows_blocking_organisation_settings(client, world, settings):
    settings.ORGANISATION = {**settings.ORGANISATION, "uai": "123"}
    settings.TDB_EXPORT = {**settings.TDB_EXPORT, "formateur_uai": ""}
    client.force_login(world.coordinator)
    response = client.get(PAGE, {"annee_scolaire": "2026-2027", "format": "json"})
    assert response.context["check"].blocked
    assert 'data-testid="tdb-blocked"' in response.content.decode()
    assert "OF_UAI" in response.content.decode()


def test_the_precheck_queries_do_not_grow_with_the_rows(client, world):
    client.force_login(world.coordinator)
    export_of(world.coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE, {"annee_scolaire": "2026-2027", "format": "xlsx"})
        assert response.status_code == 200
        return len(queries.captured_queries)

    before = count()
    for number in range(5):
        apprentice = learner(cohort=world.b.cohort, last_name=f"Ajout{number}", phone="12")  # rejected rows too
        contract(apprentice, start=date(2026, 9, 1), end=date(2026, 12, 31), rupture=date(2026, 10, 1))
        contract(apprentice, company=world.b.company, start=date(2027, 1, 4), end=date(2028, 6, 30))
        export_of(world.admin_staff)
    assert count() == before


def test_a_malformed_request_is_answered_with_the_form_errors(client, world):
    client.force_login(world.coordinator)
    response = client.post(PAGE, {"annee_scolaire": "1999-2000", "format": "pdf"})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "annee_scolaire": ["Choisissez une des années scolaires proposées (par exemple 2026-2027)."],
        "format": ["Choisissez le fichier XLSX du modèle ou le JSON de l'API."],
    }
    assert not TdbExport.objects.exists()


# --- export ----------------------------------------------------------------------------------------


def test_launching_the_export_runs_the_task_and_stores_the_file(client, world, celery_eager, django_capture_on_commit_callbacks):
    rejected = learner(cohort=world.a.cohort, first_name="Zoé", last_name="Zed", phone="12")
    client.force_login(world.admin_staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"annee_scolaire": "2026-2027", "format": "xlsx"})

    export = TdbExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tdb_export_detail", args=[export.pk])
    assert (export.status, export.school_year, export.format, export.created_by, export.rows_exported, export.rows_rejected) == (
        JobStatus.DONE, "2026-2027", "xlsx", world.admin_staff, 4, 1,
    )
    assert export.finished_at is not None and export.error == ""
    assert [(r["apprentice_id"], [p["column"] for p in r["problems"]]) for r in export.rejections] == [(rejected.pk, ["tel_apprenant"])]

    download = client.get(reverse("tdb_export_download", args=[export.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)))["Modèle"]
    assert tuple(cell.value for cell in sheet[1]) == HEADERS
    assert sheet.max_row == 5

    detail = client.get(reverse("tdb_export_detail", args=[export.pk]))
    assert detail.context["polling"] is False
    assert [r["url"] for r in detail.context["rejections"]] == [reverse("apprentice_detail", args=[rejected.pk])]
    assert "Télécharger le fichier XLSX" in detail.content.decode()
    history = client.get(PAGE)
    assert [e.pk for e in history.context["history"]] == [export.pk]


def test_the_json_export_stores_the_api_batches(client, world, celery_eager, django_capture_on_commit_callbacks):
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"annee_scolaire": "2026-2027", "format": "json"})
    export = TdbExport.objects.get()
    response = client.get(reverse("tdb_export_download", args=[export.pk]))
    batches = json.loads(b"".join(response.streaming_content))
    assert response["Content-Type"] == "application/json"
    assert sorted(r["id_erp_apprenant"] for r in batches[0]) == sorted(
        str(a.pk) for a in (world.a.apprentice, world.a.seeking, world.b.apprentice, world.b.seeking)
    )


def test_the_status_partial_polls_while_running_and_refreshes_the_page_once_done(client, world):
    export = export_of(world.coordinator, status=JobStatus.PENDING)
    client.force_login(world.coordinator)
    url = reverse("tdb_export_status", args=[export.pk])

    running = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in running.content.decode() and "HX-Refresh" not in running

    TdbExport.objects.filter(pk=export.pk).update(status=JobStatus.FAILED, error="Le SIRET OF_SIRET est invalide.")
    failed = client.get(url, headers={"HX-Request": "true"})
    assert failed["HX-Refresh"] == "true"
    assert 'hx-trigger="every' not in failed.content.decode()
    assert "Le SIRET OF_SIRET est invalide." in failed.content.decode()


def test_a_blocked_export_is_recorded_as_failed_with_the_reason(client, world, settings, celery_eager, django_capture_on_commit_callbacks):
    settings.ORGANISATION = {**settings.ORGANISATION, "siret": "73282932000075"}
    settings.TDB_EXPORT = {**settings.TDB_EXPORT, "formateur_siret": ""}
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"annee_scolaire": "2026-2027", "format": "xlsx"})
    export = TdbExport.objects.get()
    assert (export.status, bool(export.file)) == (JobStatus.FAILED, False)
    assert "Corrigez la variable d'environnement OF_SIRET" in export.error
    assert client.get(reverse("tdb_export_download", args=[export.pk])).status_code == 404


def test_running_an_export_twice_produces_it_once(world, settings, tmp_path):
    from alternance.tdb.services import tdb_export_run

    export = export_of(world.coordinator, status=JobStatus.PENDING)
    tdb_export_run(export=export)
    first_file = TdbExport.objects.get(pk=export.pk).file.name
    again = tdb_export_run(export=TdbExport.objects.get(pk=export.pk))
    assert (again.status, again.file.name) == (JobStatus.DONE, first_file)
