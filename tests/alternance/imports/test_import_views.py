"""The import pages: upload checks, suggested mapping and its preview, the check with every error
on the page, the import (refused while rows are in error unless explicitly asked), the error
report, large files through the Celery task, and the access matrix (403 for other roles on every
URL, 404 for another person's import)."""

import csv
import html as html_lib
import io
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from alternance.choices import JobStatus
from alternance.imports.apprentices import ApprenticeImport
from alternance.models import Apprentice, DataImport
from tests.alternance.imports.import_files import apprentice_row, csv_bytes, read_fixture
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeUserFactory,
    CohortFactory,
    CoordinatorFactory,
    CreFactory,
    EmployerUserFactory,
    TutorFactory,
)

pytestmark = pytest.mark.django_db

COHORT = "BTS SIO 2026-2028"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cohort():
    return CohortFactory(name=COHORT, start_date=date(2026, 9, 1))


@pytest.fixture
def admin(client):
    user = AdminStaffFactory()
    client.force_login(user)
    return user


def tasks_run():
    """The tasks a request queues on commit run (in-process, as without a broker) when it ends."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def upload(client, content: bytes, name: str, kind: str = "apprentices"):
    with tasks_run():
        return client.post(reverse("data_import_upload"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def post(client, url: str, data: dict | None = None, *, follow: bool = False):
    """POST, let the queued tasks run, then follow the redirects (to the page the task has updated)."""
    with tasks_run():
        response = client.post(url, data or {})
    while follow and response.status_code == 302:
        response = client.get(response.url)
    return response


def make_import(user, content: bytes = b"Nom\nDupont\n", name: str = "a.csv", **fields) -> DataImport:
    data_import = DataImport(kind="apprentices", original_name=name, created_by=user, **fields)
    data_import.file.save(name, ContentFile(content), save=False)
    data_import.save()
    return data_import


# --- the journey --------------------------------------------------------------------------------------


def test_upload_suggests_the_mapping_and_shows_the_first_rows_as_read(client, admin, cohort):
    rows = [apprentice_row(n, COHORT) for n in range(1, 13)]
    rows[1]["Date de naissance"] = "31/02/2005"

    response = upload(client, csv_bytes(rows), "export ERP.csv")

    data_import = DataImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("data_import_detail", args=[data_import.pk])
    assert (data_import.kind, data_import.original_name, data_import.created_by, data_import.status, data_import.phase,
            data_import.rows_read) == ("apprentices", "export ERP.csv", admin, JobStatus.PENDING, "analysis", 12)
    assert data_import.mapping["last_name"] == "NOM DE NAISSANCE" and data_import.mapping["cohort"] == "Promotion"
    analysed = client.get(response.url)
    assert analysed.status_code == 302 and analysed.url == reverse("data_import_mapping", args=[data_import.pk])
    page = client.get(analysed.url)
    html = html_lib.unescape(page.content.decode())
    assert page.status_code == 200
    assert '<option value="NOM DE NAISSANCE" selected>NOM DE NAISSANCE</option>' in html
    assert html.count("<th scope=\"row\">") == 10  # the first 10 rows
    assert "« 31/02/2005 » n'est pas une date qui existe" in html  # the unreadable cell is flagged in the preview
    assert "Aperçu des 10 premières lignes telles qu'elles seront lues" in html


def test_the_preview_follows_the_mapping_being_chosen_without_saving_it(client, admin, cohort):
    upload(client, csv_bytes([apprentice_row(1, COHORT)]), "a.csv")
    data_import = DataImport.objects.get()
    posted = {**data_import.mapping, "last_name": "Prénom"}

    response = client.post(reverse("data_import_preview", args=[data_import.pk]), {**posted, "first_name": ""}, HTTP_HX_REQUEST="true")

    html = html_lib.unescape(response.content.decode())
    assert response.status_code == 200 and html.startswith('<section id="apercu"')
    assert '<td class="text-break">Prénom1</td>' in html
    data_import.refresh_from_db()
    assert data_import.mapping["last_name"] == "NOM DE NAISSANCE"


def test_a_mapping_without_a_required_field_is_refused_with_the_field_named(client, admin, cohort):
    upload(client, csv_bytes([apprentice_row(1, COHORT)]), "a.csv")
    data_import = DataImport.objects.get()

    response = client.post(reverse("data_import_mapping", args=[data_import.pk]), {**data_import.mapping, "birth_date": ""})

    assert response.status_code == 400
    assert "Associez une colonne au champ obligatoire « Date de naissance »." in response.content.decode()
    data_import.refresh_from_db()
    assert (data_import.mapping["birth_date"], data_import.rows_total) == ("Date de naissance", 0)


def test_check_lists_the_errors_then_nothing_is_imported_unless_asked_then_the_valid_rows_are(client, admin, cohort):
    upload(client, read_fixture("apprentis_erreurs.csv"), "apprentis_erreurs.csv")
    data_import = DataImport.objects.get()

    response = post(client, reverse("data_import_mapping", args=[data_import.pk]), {**data_import.mapping, "action": "check"},
                    follow=True)

    html = html_lib.unescape(response.content.decode())
    data_import.refresh_from_db()
    assert (data_import.status, data_import.rows_total, data_import.rows_created, data_import.rows_in_error) == (
        JobStatus.PENDING, 6, 2, 4)
    assert "Résultat de la vérification (rien n'est encore enregistré)" in html
    assert "Ligne 3, colonne « Sexe » : « Z » : indiquez M (masculin) ou F (féminin)" in html
    assert "Ligne 6, colonne « INE » : cette personne figure déjà ligne 2 (même INE)" in html
    assert len(data_import.errors) == 10 and data_import.error_report
    assert Apprentice.objects.count() == 0

    refused = post(client, reverse("data_import_run", args=[data_import.pk]), follow=True)

    data_import.refresh_from_db()
    assert "Rien n'a été importé : 4 lignes en erreur." in html_lib.unescape(refused.content.decode())
    assert (data_import.status, Apprentice.objects.count()) == (JobStatus.PENDING, 0)

    done = post(client, reverse("data_import_run", args=[data_import.pk]), {"only_valid_rows": "on"}, follow=True)

    data_import.refresh_from_db()
    assert (data_import.status, data_import.only_valid_rows, data_import.rows_created, data_import.rows_in_error) == (
        JobStatus.DONE, True, 2, 4)
    assert data_import.finished_at is not None
    assert "Import terminé : 2 lignes créées, 0 mises à jour, 0 inchangées, 4 en erreur." in html_lib.unescape(done.content.decode())
    assert sorted(Apprentice.objects.values_list("email", flat=True)) == ["marc.blanc@example.fr", "paul.durand@example.fr"]

    report = client.get(reverse("data_import_error_report", args=[data_import.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert report["Content-Disposition"] == f'attachment; filename="erreurs-import-{data_import.pk}.csv"'
    assert [line[0] for line in lines] == ["Ligne d'origine", "3", "4", "5", "6"]
    assert lines[2][2:4] == ["Roux", ""]

    # A finished import can no longer be run or remapped.
    again = client.post(reverse("data_import_run", args=[data_import.pk]), {"only_valid_rows": "on"}, follow=True)
    assert "Cet import est déjà en cours ou terminé" in again.content.decode()
    assert client.get(reverse("data_import_mapping", args=[data_import.pk])).url == reverse("data_import_detail", args=[data_import.pk])


def test_a_valid_xlsx_file_is_imported_and_the_counts_are_shown(client, admin, cohort):
    from tests.alternance.imports.import_files import APPRENTICE_HEADER, xlsx_bytes

    rows = [list(apprentice_row(n, COHORT, **{"Date de naissance": date(2005, 1, n)}).values()) for n in range(1, 4)]
    upload(client, xlsx_bytes(rows, APPRENTICE_HEADER), "apprentis.xlsx")
    data_import = DataImport.objects.get()
    post(client, reverse("data_import_mapping", args=[data_import.pk]), data_import.mapping)

    page = post(client, reverse("data_import_run", args=[data_import.pk]), follow=True)

    html = html_lib.unescape(page.content.decode())
    assert '<dd class="h4 mb-0" data-testid="count-created">3</dd>' in html
    assert Apprentice.objects.filter(birth_date__in=[date(2005, 1, 1), date(2005, 1, 2), date(2005, 1, 3)]).count() == 3


def test_every_step_reads_the_file_in_the_task_never_in_the_request(client, admin, cohort, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    """Issue 17 §3: the request stores the file and queues the task; the task reads it (analysis,
    then check, then import) while the page shows how far it got."""
    import alternance.imports.readers as readers

    reads = []
    original = readers.read_csv
    monkeypatch.setattr(readers, "read_csv", lambda *args, **kwargs: reads.append(kwargs.get("max_rows")) or original(*args, **kwargs))

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("data_import_upload"), {
            "kind": "apprentices", "file": SimpleUploadedFile("a.csv", csv_bytes([apprentice_row(n, COHORT) for n in range(1, 6)]))})

    data_import = DataImport.objects.get()
    assert (response.status_code, response.url) == (302, reverse("data_import_detail", args=[data_import.pk]))
    assert (reads, len(queued), data_import.status, data_import.phase) == ([], 1, JobStatus.RUNNING, "analysis")
    page = html_lib.unescape(client.get(response.url).content.decode())
    assert "Analyse du fichier en cours…" in page and "Lignes lues jusqu'ici : 0" in page
    assert f'hx-get="{reverse("data_import_status", args=[data_import.pk])}" hx-trigger="every 2s"' in page

    queued[0]()  # the task

    data_import.refresh_from_db()
    assert (reads, data_import.status, data_import.rows_read) == ([None], JobStatus.PENDING, 5)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("data_import_mapping", args=[data_import.pk]), data_import.mapping)
    assert reads == [None, 10]  # the mapping page read its 10-row preview, the check waits for the task
    data_import.refresh_from_db()
    assert (data_import.status, data_import.phase, data_import.rows_total, len(queued)) == (JobStatus.RUNNING, "check", 0, 1)

    queued[0]()

    data_import.refresh_from_db()
    assert (data_import.status, data_import.rows_total, data_import.rows_created) == (JobStatus.PENDING, 5, 5)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("data_import_run", args=[data_import.pk]))

    data_import.refresh_from_db()
    assert (data_import.status, data_import.phase, data_import.rows_created, Apprentice.objects.count()) == (
        JobStatus.DONE, "import", 5, 5)


def test_the_analysis_counts_the_rows_it_has_read_on_the_import(client, admin, cohort, settings):
    from alternance.imports.services import data_import_analyse

    data_import = make_import(admin, csv_bytes([apprentice_row(n, COHORT) for n in range(1, 2501)]), status=JobStatus.RUNNING)
    seen = []

    data_import_analyse(data_import=data_import, progress=lambda n: seen.append(
        (n, DataImport.objects.values_list("rows_read", flat=True).get(pk=data_import.pk))))

    data_import.refresh_from_db()
    assert seen == [(1000, 1000), (2000, 2000)]
    assert (data_import.status, data_import.rows_read) == (JobStatus.PENDING, 2500)


def test_a_file_refused_by_the_analysis_says_why_and_offers_a_corrected_upload(client, admin):
    upload(client, b"Nom;Ville\n", "entete.csv")

    data_import = DataImport.objects.get()
    assert (data_import.status, data_import.phase) == (JobStatus.FAILED, "analysis")
    html = html_lib.unescape(client.get(reverse("data_import_detail", args=[data_import.pk])).content.decode())
    assert "Le fichier a été refusé : rien n'a été vérifié ni enregistré." in html
    assert "Le fichier ne contient que la ligne d'intitulés" in html and "Déposer un fichier corrigé" in html
    assert client.get(reverse("data_import_mapping", args=[data_import.pk])).url == reverse("data_import_detail", args=[data_import.pk])
    client.post(reverse("data_import_mapping", args=[data_import.pk]), {"last_name": "Nom"})
    data_import.refresh_from_db()
    assert (data_import.status, data_import.phase) == (JobStatus.FAILED, "analysis")


def test_a_running_import_is_polled_and_the_page_reloads_once_finished(client, admin):
    data_import = make_import(admin, status=JobStatus.RUNNING, phase="import", rows_total=12000)

    page = client.get(reverse("data_import_detail", args=[data_import.pk]))
    html = html_lib.unescape(page.content.decode())
    assert f'hx-get="{reverse("data_import_status", args=[data_import.pk])}" hx-trigger="every 2s"' in html
    assert "Import en cours…" in html

    DataImport.objects.filter(pk=data_import.pk).update(status=JobStatus.DONE)
    finished = client.get(reverse("data_import_status", args=[data_import.pk]), HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"


def test_a_failed_import_says_why(client, admin):
    data_import = make_import(admin, status=JobStatus.FAILED, phase="import", rows_total=3,
                              errors=[{"row": None, "column": "", "message": "Le classeur est illisible."}])

    html = html_lib.unescape(client.get(reverse("data_import_detail", args=[data_import.pk])).content.decode())

    assert "Le classeur est illisible." in html and "Déposer le fichier à nouveau" in html


# --- upload checks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0", "vieux.xls", "Ce format n'est pas lu (ancien Excel .xls, LibreOffice .ods)"),
        (b"%PDF-1.4", "contrat.pdf", "Déposez un fichier .csv ou .xlsx."),
        (b"texte", "faux.xlsx", "n'est pas un classeur Excel"),
        (b"\n \n", "vide.csv", "Le fichier est vide"),
    ],
)
def test_unreadable_uploads_are_refused_on_the_form(client, admin, content, name, message):
    response = upload(client, content, name)

    assert response.status_code == 400
    assert message in html_lib.unescape(response.content.decode())
    assert DataImport.objects.count() == 0


def test_files_over_the_size_limit_are_refused(client, admin, monkeypatch):
    monkeypatch.setattr("alternance.imports.forms.MAX_UPLOAD_BYTES", 100)

    response = upload(client, b"Nom\n" + b"Dupont\n" * 30, "gros.csv")

    assert response.status_code == 400
    assert "au-delà de la limite de 100\xa0octets" in response.content.decode()
    assert DataImport.objects.count() == 0


def test_the_template_lists_the_columns_the_suggestions_recognise(client, admin):
    response = client.get(reverse("data_import_template", args=["apprentices"]))

    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    header = [cell.value for cell in sheet[1]]
    assert header == [str(spec.label) for spec in ApprenticeImport.fields]
    assert client.get(reverse("data_import_template", args=["inconnu"])).status_code == 404
    assert client.get(reverse("data_import_template", args=["companies"]) + "?format=csv")["Content-Type"].startswith("text/csv")


def test_the_list_shows_the_users_own_imports_with_a_fixed_number_of_queries(client, admin, django_assert_max_num_queries):
    other = make_import(AdminStaffFactory(), name="autre.csv")
    make_import(admin, name="un.csv")
    # 7: the page's own queries and the menu's badges (the admissions badge, issue 13, is one count).
    with django_assert_max_num_queries(7) as one:
        client.get(reverse("data_import_list"))
    for n in range(3):
        make_import(admin, name=f"plus-{n}.csv", status=JobStatus.DONE, phase="import", rows_total=3)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("data_import_list")).content.decode()
    assert "un.csv" in html and "plus-2.csv" in html and other.original_name not in html


# --- access -------------------------------------------------------------------------------------------


def urls_of(data_import: DataImport) -> list[tuple[str, str]]:
    pk = data_import.pk
    return [
        ("get", reverse("data_import_list")),
        ("get", reverse("data_import_upload")),
        ("get", reverse("data_import_template", args=["apprentices"])),
        ("get", reverse("data_import_detail", args=[pk])),
        ("get", reverse("data_import_mapping", args=[pk])),
        ("post", reverse("data_import_preview", args=[pk])),
        ("get", reverse("data_import_status", args=[pk])),
        ("post", reverse("data_import_run", args=[pk])),
        ("get", reverse("data_import_error_report", args=[pk])),
    ]


@pytest.mark.parametrize("factory", [CreFactory, TutorFactory, ApprenticeUserFactory, EmployerUserFactory])
def test_other_roles_get_403_on_every_import_url(client, factory):
    data_import = make_import(AdminStaffFactory(), error_report=None)
    client.force_login(factory())

    for method, url in urls_of(data_import):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.parametrize("factory", [AdminStaffFactory, CoordinatorFactory])
def test_another_persons_import_is_not_found(client, factory):
    owner = AdminStaffFactory()
    data_import = make_import(owner)
    data_import.error_report.save("erreurs.csv", ContentFile(b"x"))
    client.force_login(factory())

    for method, url in urls_of(data_import)[3:]:
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("data_import_list")).status_code == 200

    client.force_login(owner)
    assert client.get(reverse("data_import_error_report", args=[data_import.pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("data_import_list"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- failures and the task ----------------------------------------------------------------------------


def test_a_write_refused_by_the_database_leaves_nothing_and_marks_the_import_failed(client, admin, cohort, monkeypatch):
    from django.db import IntegrityError

    original = ApprenticeImport.write

    def write_then_fail(self, outcomes):
        original(self, outcomes)  # the rows are inserted…
        raise IntegrityError("contrainte")  # …then the database refuses something: all of it is undone

    monkeypatch.setattr(ApprenticeImport, "write", write_then_fail)
    upload(client, csv_bytes([apprentice_row(n, COHORT) for n in range(1, 4)]), "a.csv")
    data_import = DataImport.objects.get()
    post(client, reverse("data_import_mapping", args=[data_import.pk]), data_import.mapping)

    page = post(client, reverse("data_import_run", args=[data_import.pk]), follow=True)

    data_import.refresh_from_db()
    assert (data_import.status, Apprentice.objects.count()) == (JobStatus.FAILED, 0)
    assert data_import.errors == [{"row": None, "column": "", "message": (
        "La base de données a refusé l'enregistrement (IntegrityError) : rien n'a été importé. Vérifiez que personne ne "
        "modifie les mêmes fiches en même temps, puis relancez l'import.")}]
    assert "La base de données a refusé l'enregistrement" in html_lib.unescape(page.content.decode())


def test_the_task_leaves_a_vanished_or_finished_import_alone(admin, celery_eager):
    from alternance.imports.tasks import data_import_process_task, task_progress

    data_import_process_task.delay(data_import_id=987654, phase="check")
    done = make_import(admin, status=JobStatus.DONE, phase="import", rows_total=3, rows_created=3)
    data_import_process_task.delay(data_import_id=done.pk, phase="import")

    done.refresh_from_db()
    assert (done.status, done.rows_created) == (JobStatus.DONE, 3)
    assert task_progress(done.pk, "import") is None  # tasks run in-process here: no progress to read
