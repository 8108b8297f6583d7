"""The timetable import through the import pages (issue 19 §1): the kind is offered with its help
and its template, and the upload → mapping → check → import journey of the other kinds works
for it unchanged, errors and error report included."""

import csv
import html as html_lib
import io
from datetime import date, time

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from alternance.choices import JobStatus
from alternance.imports.sessions import SessionImport
from alternance.models import DataImport, TrainingSession
from tests.alternance.imports.import_files import read_fixture
from tests.alternance.imports.test_import_views import post, upload
from tests.factories.alternance import AdminStaffFactory, CohortFactory, CompetenceBlockFactory, TutorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def admin(client):
    user = AdminStaffFactory()
    client.force_login(user)
    return user


def test_the_upload_page_offers_the_timetable_with_its_help_and_templates(client, admin):
    html = html_lib.unescape(client.get(reverse("data_import_upload")).content.decode())

    assert 'id="id_kind_sessions" value="sessions"' in html
    assert ">Séances (emploi du temps)</label>" in html
    assert "Une séance est retrouvée par sa promotion, sa date et son heure de début" in html
    assert f'href="{reverse("data_import_template", args=["sessions"])}?format=csv"' in html


def test_the_template_has_the_columns_and_an_example_row(client, admin):
    response = client.get(reverse("data_import_template", args=["sessions"]))

    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert [[cell.value for cell in line] for line in sheet.iter_rows()] == [
        ["Promotion", "Date", "Début", "Fin", "Matière", "Salle", "Formateur (e-mail)", "Bloc de compétences (code)"],
        ["BTS SIO 2026-2028", "07/12/2026", "09:00", "12:30", "Bases de données", "Salle 2", "formateur@example.fr", None],
    ]
    assert [str(spec.label) for spec in SessionImport.fields] == [cell.value for cell in sheet[1]]


def test_the_journey_checks_reports_errors_and_imports_the_valid_rows(client, admin):
    cohort = CohortFactory(name="BTS SIO 2026-2028")
    CompetenceBlockFactory(programme=cohort.programme, code="RNCP35340BC01")
    TutorFactory(email="marc.durand@example.fr")
    content = read_fixture("seances_ypareo_latin1.csv").replace(b"rncp35340bc02", b"RNCP35340BC09")

    upload(client, content, "edt.csv", kind="sessions")
    data_import = DataImport.objects.get()
    assert data_import.mapping["start_time"] == "Heure début"
    checked = post(client, reverse("data_import_mapping", args=[data_import.pk]), {**data_import.mapping, "action": "check"},
                   follow=True)

    html = html_lib.unescape(checked.content.decode())
    assert ("Ligne 4, colonne « Code bloc » : la formation de la promotion « BTS SIO 2026-2028 » n'a pas de bloc "
            "« RNCP35340BC09 » : écrivez l'un de ses codes (RNCP35340BC01).") in html
    assert TrainingSession.objects.count() == 0

    done = post(client, reverse("data_import_run", args=[data_import.pk]), {"only_valid_rows": "on"}, follow=True)

    data_import.refresh_from_db()
    assert (data_import.status, data_import.rows_created, data_import.rows_in_error) == (JobStatus.DONE, 2, 1)
    assert "Import terminé : 2 lignes créées, 0 mises à jour, 0 inchangées, 1 en erreur." in html_lib.unescape(done.content.decode())
    assert list(TrainingSession.objects.values_list("day", "start_time", "end_time")) == [
        (date(2026, 12, 7), time(8, 30), time(12, 30)), (date(2026, 12, 7), time(13, 30), time(17, 0))]
    report = client.get(reverse("data_import_error_report", args=[data_import.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert [line[0] for line in lines] == ["Ligne d'origine", "4"]
