"""Import of apprentices: values re-read from the database, every error reported with its row and
column and nothing written, the explicit « only valid rows » choice and its error report,
re-imports that update without duplicating, odd inputs, and a number of queries that does not
grow with the rows."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from alternance.choices import ApprenticeStatus
from alternance.imports.mapping import suggest_mapping
from alternance.imports.readers import read_table
from alternance.imports.runner import KINDS, error_report, import_table
from alternance.models import Apprentice
from tests.alternance.imports.import_files import (
    APPRENTICE_HEADER,
    apprentice_row,
    csv_bytes,
    ine,
    nir,
    read_fixture,
    xlsx_bytes,
)
from tests.factories.alternance import ApprenticeFactory, CohortFactory

pytestmark = pytest.mark.django_db

COHORT = "BTS SIO 2026-2028"


@pytest.fixture
def cohort():
    return CohortFactory(name=COHORT, start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))


def run(content: bytes, name: str, **options):
    table = read_table(content, name=name)
    mapping = options.pop("mapping", None) or suggest_mapping(table.headers, KINDS["apprentices"].fields)
    return table, import_table(table=table, kind="apprentices", mapping=mapping, **options)


def test_erp_export_in_latin1_with_semicolons_creates_every_apprentice_with_its_values(cohort):
    _table, report = run(read_fixture("apprentis_erp_latin1.csv"), "export.csv")

    assert (report.written, report.created, report.updated, report.unchanged, report.in_error) == (True, 3, 0, 0, 0)
    helene = Apprentice.objects.get(email="helene.dupre@example.fr")
    assert (helene.last_name, helene.first_name, helene.sex, helene.birth_date) == ("DUPRÉ", "Hélène", "F", date(2005, 3, 14))
    assert (helene.birth_department, helene.birth_commune, helene.address, helene.postal_code, helene.city) == (
        "75", "Paris", "12 rue de l'Église", "75011", "Paris")
    assert (helene.ine, helene.has_nir, helene.get_nir(), helene.rqth) == ("1234567890A", True, "205037505612346", False)
    assert (helene.cohort, helene.enrolment_date, helene.training_start_date) == (cohort, date(2026, 7, 1), date(2026, 9, 1))
    assert (helene.status, helene.status_since) == (ApprenticeStatus.SEEKING, date(2026, 9, 1))
    loic = Apprentice.objects.get(email="loic.lefevre@example.fr")
    # « H » is a man, « X » is yes, no INE, no enrolment date: the training start (the cohort's).
    assert (loic.sex, loic.birth_date, loic.rqth, loic.ine, loic.has_nir) == ("M", date(2004, 11, 2), True, "", False)
    assert (loic.enrolment_date, loic.training_start_date) == (date(2026, 9, 1), date(2026, 9, 1))
    zoe = Apprentice.objects.get(ine="123456789AB")
    # An Excel serial number (38425) and a cohort name with spaces around it.
    assert (zoe.birth_date, zoe.cohort, zoe.email, zoe.enrolment_date) == (
        date(2005, 3, 14), cohort, "ZOE.GARCON@Example.fr", date(2026, 7, 15))


def test_a_file_with_errors_reports_all_of_them_by_row_and_column_and_writes_nothing(cohort):
    _table, report = run(read_fixture("apprentis_erreurs.csv"), "apprentis_erreurs.csv")

    assert [str(error) for error in report.errors] == [
        "Ligne 3, colonne « Sexe » : « Z » : indiquez M (masculin) ou F (féminin) ; H, Homme, Femme, M. et Mme sont aussi acceptés.",
        "Ligne 3, colonne « Date de naissance » : « 31/02/2005 » n'est pas une date qui existe (jour ou mois impossible) : "
        "vérifiez-la et écrivez-la JJ/MM/AAAA (par exemple 14/03/2005) ou AAAA-MM-JJ.",
        "Ligne 3, colonne « Code postal » : « 7501 » n'a que 4 chiffres : un code postal en a 5. S'il commence par 0 (Ain, "
        "Aisne, Allier…), le tableur a pu supprimer ce zéro : écrivez par exemple 07501.",
        "Ligne 3, colonne « E-mail » : « julie.petit@ » n'est pas une adresse e-mail valide : écrivez-la sous la forme "
        "prenom.nom@exemple.fr.",
        "Ligne 4, colonne « INE » : « 12AB » : L'INE doit comporter 11 caractères (10 chiffres + 1 lettre, ou 9 chiffres + "
        "2 lettres), par exemple 1234567890A.",
        "Ligne 4, colonne « Prénom » : la cellule est vide : renseignez « Prénom ».",
        "Ligne 4, colonne « Promotion » : aucune promotion ne s'appelle « Promo inconnue » : écrivez le nom exact d'une "
        "promotion existante (« BTS SIO 2026-2028 »).",
        "Ligne 4, colonne « Département de naissance » : « 999 » : Le département de naissance doit être un code comme 75, "
        "2A, 974 ou 99 (né à l'étranger).",
        "Ligne 5 : L'apprenti·e est mineur·e non émancipé·e à l'entrée en formation : indiquez son représentant légal "
        "(champ « Représentant légal (nom et prénom) », absent du fichier : ajoutez cette colonne ou associez-la.)",
        "Ligne 6, colonne « INE » : cette personne figure déjà ligne 2 (même INE) : gardez une seule ligne par apprenti·e.",
    ]
    assert (report.written, report.created, report.in_error) == (False, 2, 4)
    assert Apprentice.objects.count() == 0


def test_only_valid_rows_writes_the_valid_rows_and_reports_the_others(cohort):
    table, report = run(read_fixture("apprentis_erreurs.csv"), "apprentis_erreurs.csv", only_valid_rows=True)

    assert (report.written, report.created, report.in_error) == (True, 2, 4)
    assert sorted(Apprentice.objects.values_list("email", flat=True)) == ["marc.blanc@example.fr", "paul.durand@example.fr"]
    content, extension = error_report(table, report)
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert extension == "csv"
    assert lines[0] == ["Ligne d'origine", "Erreurs", *table.headers]
    assert [line[0] for line in lines[1:]] == ["3", "4", "5", "6"]
    # The original row as it was, after its errors.
    assert lines[1][2:] == ["Petit", "Julie", "Z", "31/02/2005", "75", "Paris", "2 rue B", "7501", "Paris", "julie.petit@", "",
                            "BTS SIO 2026-2028"]
    assert lines[1][1].split(" | ")[0] == ("« Sexe » : « Z » : indiquez M (masculin) ou F (féminin) ; H, Homme, Femme, M. et Mme "
                                           "sont aussi acceptés.")
    assert lines[4][1] == "« INE » : cette personne figure déjà ligne 2 (même INE) : gardez une seule ligne par apprenti·e."


def test_reimporting_the_same_file_creates_no_duplicate_and_applies_the_changes(cohort):
    rows = [apprentice_row(n, COHORT) for n in range(1, 4)]
    run(csv_bytes(rows), "a.csv")

    _table, again = run(csv_bytes(rows), "a.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    rows[1]["Adresse"] = "8 boulevard Voltaire"
    rows[2]["Ville"] = "Vincennes"
    rows[2]["Code postal"] = "94300"
    _table, changed = run(csv_bytes(rows), "a.csv")

    assert (changed.created, changed.updated, changed.unchanged, changed.written) == (0, 2, 1, True)
    assert Apprentice.objects.count() == 3
    assert Apprentice.objects.get(ine=ine(2)).address == "8 boulevard Voltaire"
    assert (Apprentice.objects.get(ine=ine(3)).city, Apprentice.objects.get(ine=ine(3)).postal_code) == ("Vincennes", "94300")


def test_without_ine_the_email_finds_the_person_whatever_its_case_and_an_ine_given_later_is_recorded(cohort):
    stored = ApprenticeFactory(cohort=cohort, email="Lea.Martin@Example.fr", ine="", last_name="Martin")
    header = [h for h in APPRENTICE_HEADER if h != "INE"]
    run(csv_bytes([apprentice_row(1, COHORT, **{"E-mail": "lea.martin@example.fr", "NOM DE NAISSANCE": "Martin-Durand"})],
                  header=header), "a.csv")

    stored.refresh_from_db()
    assert (Apprentice.objects.count(), stored.last_name, stored.email) == (1, "Martin-Durand", "lea.martin@example.fr")

    _table, report = run(csv_bytes([apprentice_row(1, COHORT, **{"E-mail": "LEA.MARTIN@example.fr", "INE": "1111111111Z"})]), "b.csv")

    stored.refresh_from_db()
    assert (report.created, report.updated, Apprentice.objects.count(), stored.ine) == (0, 1, 1, "1111111111Z")


def test_an_email_belonging_to_someone_with_another_ine_is_an_error(cohort):
    ApprenticeFactory(cohort=cohort, email="lea@example.fr", ine="2222222222Y")

    _table, report = run(csv_bytes([apprentice_row(1, COHORT, **{"E-mail": "lea@example.fr"})]), "a.csv")

    assert [str(e) for e in report.errors] == [
        "Ligne 2, colonne « INE » : l'e-mail lea@example.fr est celui d'un·e apprenti·e enregistré·e avec un autre INE "
        "(2222222222Y) : vérifiez l'INE, ou l'e-mail s'il s'agit d'une autre personne."]
    assert Apprentice.objects.count() == 1


def test_an_empty_cell_keeps_the_stored_value(cohort):
    header = [*APPRENTICE_HEADER, "Téléphone"]
    run(csv_bytes([apprentice_row(1, COHORT, **{"Téléphone": "06 12 34 56 78"})], header=header), "a.csv")

    _table, report = run(csv_bytes([apprentice_row(1, COHORT, **{"Téléphone": ""})], header=header), "a.csv")

    assert (report.updated, report.unchanged, Apprentice.objects.get().phone) == (0, 1, "06 12 34 56 78")


def test_an_empty_required_cell_is_an_error_even_for_a_known_person(cohort):
    run(csv_bytes([apprentice_row(1, COHORT)]), "a.csv")

    _table, report = run(csv_bytes([apprentice_row(1, COHORT, Ville="")]), "a.csv")

    assert [str(e) for e in report.errors] == ["Ligne 2, colonne « Ville » : la cellule est vide : renseignez « Commune »."]
    assert Apprentice.objects.get().city == "Paris"


def test_the_same_nir_is_not_a_change_and_a_new_one_is(cohort):
    header = [*APPRENTICE_HEADER, "NIR"]
    run(csv_bytes([apprentice_row(1, COHORT, NIR="2 05 03 75 056 123 46")], header=header), "a.csv")
    encrypted = Apprentice.objects.get().nir_encrypted

    _table, same = run(csv_bytes([apprentice_row(1, COHORT, NIR="205037505612346")], header=header), "a.csv")
    assert (same.unchanged, Apprentice.objects.get().nir_encrypted) == (1, encrypted)

    _table, other = run(csv_bytes([apprentice_row(1, COHORT, NIR=nir("2050375056124"))], header=header), "a.csv")
    assert (other.updated, Apprentice.objects.get().get_nir()) == (1, nir("2050375056124"))


def test_xlsx_with_real_dates_serial_numbers_and_number_cells(cohort):
    header = ["Nom", "Prénom", "Civilité", "Date de naissance", "Département de naissance", "Commune de naissance", "Adresse",
              "Code postal", "Ville", "Téléphone", "E-mail", "INE", "Promotion", "RQTH", "Date d'entrée en formation"]
    rows = [
        ["Dupont", "Jean", "M.", date(2004, 5, 6), 1, "Bourg-en-Bresse", "1 rue", 1000, "Bourg-en-Bresse", 612345678,
         "jean@example.fr", "3333333333X", COHORT, True, date(2026, 9, 14)],
        ["Durand", "Marie", "Mme", 38425, "2B", "Bastia", "2 rue", 20200, "Bastia", "06 00 00 00 00", "marie@example.fr",
         "4444444444W", COHORT, "Oui", 46279],
    ]
    _table, report = run(xlsx_bytes(rows, header), "classeur.xlsx")

    assert (report.created, report.in_error) == (2, 0)
    jean = Apprentice.objects.get(ine="3333333333X")
    assert (jean.sex, jean.birth_date, jean.birth_department, jean.postal_code, jean.phone, jean.rqth) == (
        "M", date(2004, 5, 6), "01", "01000", "06 12 34 56 78", True)
    assert jean.training_start_date == date(2026, 9, 14)
    marie = Apprentice.objects.get(ine="4444444444W")
    assert (marie.sex, marie.birth_date, marie.training_start_date, marie.rqth) == ("F", date(2005, 3, 14), date(2026, 9, 14), True)


def test_a_tab_separated_file_with_homme_femme_and_iso_dates(cohort):
    rows = [apprentice_row(1, COHORT, Sexe="Homme", **{"Date de naissance": "2004-05-06"}),
            apprentice_row(2, COHORT, Sexe="Femme", **{"Date de naissance": "06/05/2004"})]
    _table, report = run(csv_bytes(rows, delimiter="\t", encoding="utf-8"), "a.txt")

    assert report.created == 2
    assert sorted(Apprentice.objects.values_list("sex", "birth_date")) == [("F", date(2004, 5, 6)), ("M", date(2004, 5, 6))]


def test_xlsx_error_report_keeps_the_cells_as_they_were(cohort):
    header = APPRENTICE_HEADER
    rows = [[*apprentice_row(1, COHORT).values()], ["Durand", "Marie", "F", date(2005, 3, 14), "75", "Paris", "2 rue", "75011",
                                                     "Paris", "marie@example.fr", "4444444444W", "Inconnue"]]
    table, report = run(xlsx_bytes(rows, header), "classeur.xlsx", only_valid_rows=True)

    content, extension = error_report(table, report)
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert extension == "xlsx" and report.created == 1
    assert values[0] == ["Ligne d'origine", "Erreurs", *header]
    assert values[1][0] == 3
    assert values[1][1].startswith("« Promotion » : aucune promotion ne s'appelle « Inconnue »")
    assert values[1][5].date() == date(2005, 3, 14)  # still a real date cell


@pytest.mark.parametrize("kind_of_run", ["create", "update"])
def test_queries_do_not_grow_with_the_number_of_rows(cohort, kind_of_run):
    counts = []
    for size, offset in ((3, 0), (20, 100)):
        rows = [apprentice_row(offset + n, COHORT) for n in range(size)]
        if kind_of_run == "update":
            run(csv_bytes(rows), "a.csv")
            rows = [{**row, "Adresse": "9 place du Marché"} for row in rows]
        table = read_table(csv_bytes(rows), name="a.csv")
        mapping = suggest_mapping(table.headers, KINDS["apprentices"].fields)
        with CaptureQueriesContext(connection) as queries:
            report = import_table(table=table, kind="apprentices", mapping=mapping)
        assert report.created + report.updated == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
