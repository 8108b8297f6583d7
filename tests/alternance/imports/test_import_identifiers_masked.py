"""Issue 17 §5: a NIR is never copied whole outside its encrypted column — not in the errors kept
on the import (``DataImport.errors``), not in the error report, wherever the number sits (its own
column or another one) — and issue 18: re-importing a learner whose new training start falls after
its exclusion date is a row error of the dry run, not an IntegrityError of the real run."""

import csv
import html as html_lib
import io
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from alternance.choices import JobStatus
from alternance.imports.mapping import suggest_mapping
from alternance.imports.readers import read_table
from alternance.imports.runner import KINDS, error_report, import_table
from alternance.models import Apprentice, DataImport
from alternance.validators import mask_identifiers, mask_nir
from tests.alternance.imports.import_files import APPRENTICE_HEADER, apprentice_row, csv_bytes, ine, nir, xlsx_bytes
from tests.factories.alternance import AdminStaffFactory, ApprenticeFactory, CohortFactory

pytestmark = pytest.mark.django_db

COHORT = "BTS SIO 2026-2028"
BAD_KEY = "1 85 05 78 006 084 99"  # a NIR whose key is wrong
VALID = nir("1850578006084")
HEADER = [*APPRENTICE_HEADER, "NIR", "Numéro de dossier"]


@pytest.fixture
def cohort():
    return CohortFactory(name=COHORT, start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))


def run(content: bytes, name: str, **options):
    table = read_table(content, name=name)
    mapping = suggest_mapping(table.headers, KINDS["apprentices"].fields)
    return table, import_table(table=table, kind="apprentices", mapping=mapping, dry_run=True, **options)


def test_mask_nir_keeps_sex_year_and_month_only():
    assert mask_nir("1 85 05 78 006 084 36") == "1 85 05 •• ••• ••• ••"
    assert mask_nir("185057800608436") == "1 85 05 •• ••• ••• ••"
    assert mask_nir("2 85 05 2A 006 084 36") == "2 85 05 •• ••• ••• ••"
    assert mask_nir("18505780060843") == "1 85 05 •• ••• ••• •"  # one digit short: still masked
    assert mask_nir("1850") == "••••"  # too short to keep anything
    assert mask_identifiers("voir 1850578006084 et 185057800608436, SIRET 732 829 320 00074, tél. 06 12 34 56 78") == (
        "voir 1 85 05 •• ••• ••• et 1 85 05 •• ••• ••• ••, SIRET 732 829 320 00074, tél. 06 12 34 56 78")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_nir_is_masked_in_the_errors_and_in_the_error_report(cohort, fmt):
    rows = [
        apprentice_row(1, COHORT, NIR=BAD_KEY, **{"Numéro de dossier": "D-1"}),
        # A valid NIR on a row in error for another reason, and a NIR typed in a column that is not the NIR's.
        apprentice_row(2, COHORT, NIR=VALID, Sexe="Z", **{"Numéro de dossier": "185057800608436"}),
    ]
    if fmt == "csv":
        content = csv_bytes(rows, header=HEADER)
    else:
        content = xlsx_bytes([[row.get(column, "") for column in HEADER] for row in rows], HEADER)

    table, report = run(content, f"apprentis.{fmt}")
    data, _extension = error_report(table, report)

    messages = [error.message for error in report.errors]
    assert "« 1 85 05 •• ••• ••• •• » : La clé du NIR est incorrecte : vérifiez le numéro sur la carte Vitale." in messages
    if fmt == "csv":
        lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    else:
        lines = [["" if v is None else str(v) for v in line] for line in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    nir_column, other_column = lines[0].index("NIR"), lines[0].index("Numéro de dossier")
    assert [line[nir_column] for line in lines[1:]] == ["1 85 05 •• ••• ••• ••", "1 85 05 •• ••• ••• ••"]
    assert [line[other_column] for line in lines[1:]] == ["D-1", "1 85 05 •• ••• ••• ••"]
    whole = json.dumps(lines, ensure_ascii=False) + json.dumps(messages, ensure_ascii=False)
    for secret in ("78 006 084", "7800608", VALID[5:]):
        assert secret not in whole


def test_the_masked_nir_of_a_report_sent_back_says_to_copy_it_again(cohort):
    _table, report = run(csv_bytes([apprentice_row(1, COHORT, NIR="1 85 05 •• ••• ••• ••")], header=HEADER), "rapport.csv")

    assert [(e.column, e.message) for e in report.errors] == [("NIR", (
        "« 1 85 05 •• ••• ••• •• » : le NIR est masqué dans le rapport d'erreurs. Recopiez-le depuis votre fichier "
        "d'origine, ou videz la cellule pour garder le NIR déjà enregistré."))]


def test_the_errors_kept_on_the_import_and_shown_on_its_page_are_masked(client, cohort, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = AdminStaffFactory()
    client.force_login(admin)
    content = csv_bytes([apprentice_row(1, COHORT, NIR=BAD_KEY)], header=HEADER)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("data_import_upload"), {"kind": "apprentices", "file": SimpleUploadedFile("a.csv", content)})
    data_import = DataImport.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("data_import_mapping", args=[data_import.pk]), data_import.mapping)

    data_import.refresh_from_db()
    assert data_import.errors == [{"row": 2, "column": "NIR", "message": (
        "« 1 85 05 •• ••• ••• •• » : La clé du NIR est incorrecte : vérifiez le numéro sur la carte Vitale.")}]
    page = html_lib.unescape(client.get(reverse("data_import_detail", args=[data_import.pk])).content.decode())
    report = b"".join(client.get(reverse("data_import_error_report", args=[data_import.pk])).streaming_content).decode("utf-8-sig")
    assert "Ligne 2, colonne « NIR » : « 1 85 05 •• ••• ••• •• »" in page
    assert "78 006 084" not in page and "78 006 084" not in report and "1 85 05 •• ••• ••• ••" in report


# --- issue 18: the exclusion date checked in the dry run ---------------------------------------------


def test_a_new_training_start_after_the_exclusion_date_is_a_row_error_of_the_check_and_nothing_is_written(cohort):
    learner = ApprenticeFactory(cohort=cohort, ine=ine(1), email="personne1@example.fr", enrolment_date=date(2026, 7, 1),
                                training_start_date=date(2026, 9, 1), exclusion_date=date(2026, 10, 15),
                                status="dropped_out", status_since=date(2026, 10, 15))
    header = [*APPRENTICE_HEADER, "Date d'entrée en formation"]
    content = csv_bytes([apprentice_row(1, COHORT, **{"Date d'entrée en formation": "02/11/2026"})], header=header)
    table = read_table(content, name="a.csv")
    mapping = suggest_mapping(table.headers, KINDS["apprentices"].fields)

    check = import_table(table=table, kind="apprentices", mapping=mapping, dry_run=True)
    real = import_table(table=table, kind="apprentices", mapping=mapping)

    for report in (check, real):
        assert (report.written, report.in_error, report.updated) == (False, 1, 0)
        assert [(e.row, e.column, e.message) for e in report.errors] == [(2, "Date d'entrée en formation", (
            "« 02/11/2026 » : L'apprenti·e a quitté l'OF le 15/10/2026 : l'entrée en formation ne peut pas être "
            "postérieure à cette date."))]
    learner.refresh_from_db()
    assert (learner.training_start_date, learner.exclusion_date) == (date(2026, 9, 1), date(2026, 10, 15))

    # On the exclusion day itself the start is allowed (the database's rule: exclusion ≥ start).
    same_day = csv_bytes([apprentice_row(1, COHORT, **{"Date d'entrée en formation": "15/10/2026"})], header=header)
    table = read_table(same_day, name="a.csv")
    done = import_table(table=table, kind="apprentices", mapping=mapping)
    learner.refresh_from_db()
    assert (done.written, done.updated, learner.training_start_date) == (True, 1, date(2026, 10, 15))


def test_the_import_page_reports_it_instead_of_failing(client, cohort, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(AdminStaffFactory())
    ApprenticeFactory(cohort=cohort, ine=ine(1), email="personne1@example.fr", enrolment_date=date(2026, 7, 1),
                      training_start_date=date(2026, 9, 1), exclusion_date=date(2026, 10, 15), status="dropped_out",
                      status_since=date(2026, 10, 15))
    header = [*APPRENTICE_HEADER, "Date d'entrée en formation"]
    content = csv_bytes([apprentice_row(1, COHORT, **{"Date d'entrée en formation": "02/11/2026"}),
                         apprentice_row(2, COHORT)], header=header)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("data_import_upload"), {"kind": "apprentices", "file": SimpleUploadedFile("a.csv", content)})
    data_import = DataImport.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("data_import_mapping", args=[data_import.pk]), data_import.mapping)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("data_import_run", args=[data_import.pk]), {"only_valid_rows": "on"})

    data_import.refresh_from_db()
    assert (data_import.status, data_import.rows_created, data_import.rows_in_error) == (JobStatus.DONE, 1, 1)
    assert data_import.errors[0]["message"].startswith("« 02/11/2026 » : L'apprenti·e a quitté l'OF le 15/10/2026")
    assert Apprentice.objects.get(ine=ine(1)).training_start_date == date(2026, 9, 1)
