"""The two files: the XLSX read back with openpyxl against the official template (sheet name,
header, formats), and the JSON batches of the API (≤ 2 000 records, ``id_erp_apprenant``); the
``export_tdb`` command."""

import io
import json
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from alternance.tdb.columns import API_BATCH_SIZE, COLUMNS, HEADERS, SHEET_NAME, TEMPLATE_PATH
from alternance.tdb.services import tdb_file
from alternance.tdb.writers import api_batches, api_record, json_bytes
from tests.alternance.tdb.tdb_support import contract, learner, row_of, valid_values
from tests.factories.companies import CompanyFactory
from tests.factories.web import PARIS

# The State's template as published (a copy ships with the code: alternance/tdb/modele/).
TEMPLATE = load_workbook(TEMPLATE_PATH)["Modèle"]
TEMPLATE_HEADER = [cell.value for cell in TEMPLATE[1]]


def template_widths() -> dict[str, float]:
    widths = {}
    for dimension in TEMPLATE.column_dimensions.values():
        for index in range(dimension.min, min(dimension.max, len(COLUMNS)) + 1):
            widths[get_column_letter(index)] = dimension.width
    return widths


def test_the_column_list_is_the_templates_header_row_in_order():
    assert list(HEADERS) == TEMPLATE_HEADER
    assert len(HEADERS) == 62
    assert "contrat_date_fin_2**" in HEADERS  # the template's own irregular spacing is kept


def test_the_column_formats_and_widths_are_the_templates():
    widths = template_widths()
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        assert column.number_format == TEMPLATE[f"{letter}1"].number_format == TEMPLATE[f"{letter}2"].number_format, column.header
        assert column.width == widths[letter], column.header
        assert column.section.value == TEMPLATE[f"{letter}1"].fill.fgColor.rgb, column.header


@pytest.fixture
def year_with_learners(db):
    """Two learners that pass (one with a broken contract then a new one), one rejected."""
    first = learner(last_name="Abel", first_name="Anna", postal_code="01000", birth_date=date(2006, 2, 3))
    contract(first, company=CompanyFactory(name="Alpha"), start=date(2026, 9, 1), end=date(2028, 6, 30), rupture=date(2026, 11, 15))
    contract(first, company=CompanyFactory(name="Bêta"), start=date(2027, 1, 4), end=date(2028, 6, 30))
    second = learner(cohort=first.cohort, last_name="Bruno", first_name="Basile")
    rejected = learner(cohort=first.cohort, last_name="Zed", first_name="Zoé", phone="12")
    return first, second, rejected


def test_the_xlsx_reads_back_as_the_template(year_with_learners):
    first, second, _rejected = year_with_learners

    produced = tdb_file(school_year="2026-2027", fmt="xlsx")
    workbook = load_workbook(io.BytesIO(produced.content))

    assert workbook.sheetnames == [SHEET_NAME] == ["Modèle"]
    sheet = workbook[SHEET_NAME]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == TEMPLATE_HEADER
    # One row per learner of the year; the rejected learner is not in the file.
    assert len(rows) == 3
    assert [(r[0], r[1]) for r in rows[1:]] == [("Abel", "Anna"), ("Bruno", "Basile")]
    assert sheet.freeze_panes == "A2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header = sheet[f"{letter}1"]
        assert (header.number_format, header.font.b, header.fill.fgColor.rgb) == (
            TEMPLATE[f"{letter}1"].number_format, True, TEMPLATE[f"{letter}1"].fill.fgColor.rgb,
        )
        assert sheet.column_dimensions[letter].width == column.width
        for row in (2, 3):
            cell = sheet[f"{letter}{row}"]
            if cell.value is not None:
                assert cell.number_format == TEMPLATE[f"{letter}2"].number_format, (column.header, cell.value)


def test_the_xlsx_cells_have_the_templates_kinds(year_with_learners):
    first, _second, _rejected = year_with_learners
    sheet = load_workbook(io.BytesIO(tdb_file(school_year="2026-2027", fmt="xlsx").content))[SHEET_NAME]
    cell = {column.name: sheet.cell(row=2, column=index) for index, column in enumerate(COLUMNS, start=1)}

    birth = cell["date_de_naissance_apprenant"]
    assert (birth.value, birth.is_date, birth.number_format) == (datetime(2006, 2, 3), True, "mm-dd-yy")
    rupture = cell["contrat_date_rupture"]
    assert (rupture.value, rupture.is_date, rupture.number_format) == (datetime(2026, 11, 15), True, "mm-dd-yy")
    # Text cells keep their leading zeros.
    postal = cell["code_postal_apprenant"]
    assert (postal.value, postal.data_type, postal.number_format) == ("01000", "s", "@")
    siret = cell["etablissement_responsable_siret"]
    assert (siret.value, siret.data_type, siret.number_format) == ("73282932000074", "s", "@")
    assert (cell["siret_employeur_2"].value, cell["siret_employeur_2"].data_type) == (first.contracts.get(company__name="Bêta").company.siret, "s")
    # Numbers are numbers, booleans are booleans, the school year is text.
    assert (cell["annee_formation"].value, cell["annee_formation"].data_type) == (1, "n")
    assert (cell["duree_theorique_formation_mois"].value, cell["duree_theorique_formation_mois"].data_type) == (24, "n")
    assert (cell["rqth_apprenant"].value, cell["rqth_apprenant"].data_type) == (False, "b")
    assert cell["annee_scolaire"].value == "2026-2027"
    # Empty columns stay empty.
    assert cell["derniere_situation"].value is None and cell["contrat_date_debut_3"].value is None


def test_the_json_is_a_list_of_api_batches_with_our_learner_id(year_with_learners):
    first, second, rejected = year_with_learners

    produced = tdb_file(school_year="2026-2027", fmt="json")
    batches = json.loads(produced.content)

    assert produced.content_type == "application/json"
    assert [len(batch) for batch in batches] == [2]
    record = batches[0][0]
    assert list(record)[0] == "id_erp_apprenant"
    assert [r["id_erp_apprenant"] for r in batches[0]] == [str(first.pk), str(second.pk)]
    assert str(rejected.pk) not in {r["id_erp_apprenant"] for r in batches[0]}
    assert {key: record[key] for key in (
        "nom_apprenant", "date_de_naissance_apprenant", "code_postal_apprenant", "annee_scolaire", "annee_formation",
        "rqth_apprenant", "contrat_date_debut", "contrat_date_rupture", "contrat_date_debut_2",
    )} == {
        "nom_apprenant": "Abel", "date_de_naissance_apprenant": "2006-02-03", "code_postal_apprenant": "01000",
        "annee_scolaire": "2026-2027", "annee_formation": 1, "rqth_apprenant": False, "contrat_date_debut": "2026-09-01",
        "contrat_date_rupture": "2026-11-15", "contrat_date_debut_2": "2027-01-04",
    }
    # Field names are the template's without their marks; empty columns are left out.
    assert set(record) <= {"id_erp_apprenant", *(column.name for column in COLUMNS)}
    assert "derniere_situation" not in record and "contrat_date_fin_2" in record


def test_json_batches_hold_at_most_2000_records():
    rows = [row_of(valid_values()) for _ in range(2 * API_BATCH_SIZE + 1)]
    for number, row in enumerate(rows, start=1):
        row.apprentice_id = number

    batches = api_batches(rows)

    assert API_BATCH_SIZE == 2000
    assert [len(batch) for batch in batches] == [2000, 2000, 1]
    assert [r["id_erp_apprenant"] for batch in batches for r in batch] == [str(n) for n in range(1, 4002)]
    assert json.loads(json_bytes(rows[:3], size=2)) == [[api_record(rows[0]), api_record(rows[1])], [api_record(rows[2])]]
    assert api_record(rows[0])["contrat_date_fin_2"] == "2025-06-30"


# --- the command -----------------------------------------------------------------------------------


def test_the_command_writes_the_xlsx_and_lists_the_rejected_rows(year_with_learners, tmp_path, time_machine):
    # Before the 91st day after entry: no learner is yet a dropout for the dashboard (test_tdb_status.py).
    time_machine.move_to(datetime(2026, 10, 1, 10, 0, tzinfo=PARIS), tick=False)
    _first, _second, rejected = year_with_learners
    output, out = tmp_path / "tdb.xlsx", io.StringIO()

    call_command("export_tdb", "--annee-scolaire", "2026-2027", "--format", "xlsx", "--output", str(output), stdout=out)

    sheet = load_workbook(output)[SHEET_NAME]
    assert sheet.max_row == 3
    lines = out.getvalue().splitlines()
    assert lines[0] == "Année scolaire 2026-2027 : 2 lignes exportées, 1 ligne rejetée."
    assert lines[1] == f"Rejetée : Zoé Zed (apprenti·e n° {rejected.pk})"
    assert lines[2].startswith("  - tel_apprenant : Téléphone de l'apprenti·e invalide (« 12 »)")
    assert lines[2].endswith("Corrigez la fiche de l'apprenti·e Zoé Zed.")
    assert lines[3].startswith(f"Fichier écrit : {output}")


def test_the_command_writes_the_json_batches(year_with_learners, tmp_path):
    output = tmp_path / "sub" / "tdb.json"
    call_command("export_tdb", "--annee-scolaire", "2026-2027", "--format", "json", "--output", str(output), stdout=io.StringIO())
    batches = json.loads(output.read_text(encoding="utf-8"))
    assert [len(batch) for batch in batches] == [2]


def test_the_command_refuses_a_malformed_year_and_wrong_organisation_settings(db, settings, tmp_path):
    output = tmp_path / "tdb.xlsx"
    with pytest.raises(CommandError, match="AAAA-AAAA"):
        call_command("export_tdb", "--annee-scolaire", "2026", "--output", str(output))
    settings.ORGANISATION = {**settings.ORGANISATION, "siret": "123"}
    settings.TDB_EXPORT = {**settings.TDB_EXPORT, "formateur_siret": ""}
    with pytest.raises(CommandError, match="OF_SIRET"):
        call_command("export_tdb", "--annee-scolaire", "2026-2027", "--output", str(output))
    assert not output.exists()
