"""Which stored learner an apprentice row designates (INE first, then e-mail) and every ambiguity
reported as an error row, in French, with nobody updated: two learners sharing an e-mail, the same
person twice in the file, two rows designating the same stored learner (issue 16, mutation
survivors of alternance/imports/apprentices.py)."""

from datetime import date

import pytest

from alternance.imports.mapping import suggest_mapping
from alternance.imports.readers import read_table
from alternance.imports.runner import KINDS, import_table
from alternance.models import Apprentice
from tests.alternance.imports.import_files import APPRENTICE_HEADER, apprentice_row, csv_bytes
from tests.factories.alternance import ApprenticeFactory, CohortFactory

pytestmark = pytest.mark.django_db

COHORT = "BTS SIO 2026-2028"
NO_INE = [h for h in APPRENTICE_HEADER if h != "INE"]


@pytest.fixture
def cohort():
    return CohortFactory(name=COHORT, start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))


def run(rows: list[dict], *, header: list[str] | None = None, **options):
    table = read_table(csv_bytes(rows, header=header), name="a.csv")
    mapping = suggest_mapping(table.headers, KINDS["apprentices"].fields)
    return import_table(table=table, kind="apprentices", mapping=mapping, **options)


def names() -> list[tuple[str, str, str]]:
    return sorted(Apprentice.objects.values_list("email", "ine", "last_name"))


@pytest.mark.parametrize("only_valid_rows", [False, True], ids=["all-or-nothing", "only-valid-rows"])
def test_two_stored_learners_sharing_an_email_row_without_ine_is_an_error_and_updates_nobody(cohort, only_valid_rows):
    ApprenticeFactory(cohort=cohort, email="lea@example.fr", ine="", last_name="Premier")
    ApprenticeFactory(cohort=cohort, email="Lea@Example.fr ", ine="", last_name="Second")
    before = names()

    report = run([apprentice_row(1, COHORT, **{"E-mail": "lea@example.fr", "NOM DE NAISSANCE": "Changé"})],
                 header=NO_INE, only_valid_rows=only_valid_rows)

    assert [str(e) for e in report.errors] == [
        "Ligne 2, colonne « E-mail » : plusieurs apprenti·es ont l'e-mail lea@example.fr : "
        "ajoutez la colonne INE pour désigner la bonne personne."]
    assert (report.created, report.updated, report.in_error) == (0, 0, 1)
    assert names() == before


def test_a_new_ine_with_an_email_shared_by_two_learners_without_ine_is_an_error(cohort):
    ApprenticeFactory(cohort=cohort, email="lea@example.fr", ine="", last_name="Premier")
    ApprenticeFactory(cohort=cohort, email="lea@example.fr", ine="", last_name="Second")
    before = names()

    report = run([apprentice_row(1, COHORT, **{"E-mail": "lea@example.fr", "INE": "1111111111Z"})], only_valid_rows=True)

    assert [str(e) for e in report.errors] == [
        "Ligne 2, colonne « E-mail » : plusieurs apprenti·es sans INE ont l'e-mail lea@example.fr : "
        "corrigez les doublons sur leurs fiches avant l'import."]
    assert (report.created, report.updated) == (0, 0)
    assert names() == before


def test_a_new_ine_takes_the_only_learner_without_ine_among_those_sharing_the_email(cohort):
    ApprenticeFactory(cohort=cohort, email="lea@example.fr", ine="2222222222Y", last_name="Autre")
    target = ApprenticeFactory(cohort=cohort, email="lea@example.fr", ine="", last_name="Cible")

    report = run([apprentice_row(1, COHORT, **{"E-mail": "lea@example.fr", "INE": "1111111111Z", "NOM DE NAISSANCE": "Cible"})])

    assert (report.errors, report.created, report.updated) == ([], 0, 1)
    target.refresh_from_db()
    assert target.ine == "1111111111Z"
    assert names() == [("lea@example.fr", "1111111111Z", "Cible"), ("lea@example.fr", "2222222222Y", "Autre")]


def test_a_known_ine_wins_over_the_email(cohort):
    by_ine = ApprenticeFactory(cohort=cohort, email="ancien@example.fr", ine="1111111111Z", last_name="Ine")
    ApprenticeFactory(cohort=cohort, email="nouveau@example.fr", ine="", last_name="Mail")

    report = run([apprentice_row(1, COHORT, **{"E-mail": "nouveau@example.fr", "INE": "1111111111Z", "NOM DE NAISSANCE": "Ine"})])

    assert (report.errors, report.created, report.updated) == ([], 0, 1)
    by_ine.refresh_from_db()
    assert by_ine.email == "nouveau@example.fr"


def test_an_unknown_ine_and_an_unknown_email_create_a_learner(cohort):
    ApprenticeFactory(cohort=cohort, email="autre@example.fr", ine="", last_name="Autre")

    report = run([apprentice_row(1, COHORT, **{"E-mail": "neuve@example.fr", "INE": "1111111111Z"})])

    assert (report.errors, report.created, report.updated) == ([], 1, 0)
    assert Apprentice.objects.get(ine="1111111111Z").email == "neuve@example.fr"


def test_same_email_twice_without_ine_in_the_file_is_an_error_on_the_second_row(cohort):
    rows = [apprentice_row(1, COHORT, **{"E-mail": "lea@example.fr"}), apprentice_row(2, COHORT, **{"E-mail": "LEA@example.fr"})]

    report = run(rows, header=NO_INE, only_valid_rows=True)

    assert [str(e) for e in report.errors] == [
        "Ligne 3, colonne « E-mail » : cette personne figure déjà ligne 2 (même e-mail) : gardez une seule ligne par apprenti·e."]
    assert (report.created, report.in_error) == (1, 1)
    assert names() == [("lea@example.fr", "", "Nom1")]


def test_same_email_with_two_different_ines_is_two_people(cohort):
    rows = [apprentice_row(1, COHORT, **{"E-mail": "lea@example.fr"}), apprentice_row(2, COHORT, **{"E-mail": "lea@example.fr"})]

    report = run(rows)

    assert (report.errors, report.created) == ([], 2)
    assert [e for e, _i, _n in names()] == ["lea@example.fr", "lea@example.fr"]


@pytest.mark.parametrize("first_ine, second_ine", [("1111111111Z", ""), ("", "1111111111Z")], ids=["ine-then-none", "none-then-ine"])
def test_same_email_once_with_ine_once_without_is_an_error_on_the_second_row(cohort, first_ine, second_ine):
    rows = [apprentice_row(1, COHORT, **{"E-mail": "lea@example.fr", "INE": first_ine}),
            apprentice_row(2, COHORT, **{"E-mail": "lea@example.fr", "INE": second_ine})]

    report = run(rows, only_valid_rows=True)

    assert [str(e) for e in report.errors] == [
        "Ligne 3, colonne « E-mail » : cet e-mail est déjà celui de la ligne 2 : une même personne ne peut figurer qu'une fois "
        "(indiquez l'INE de chacun·e si ce sont deux personnes différentes)."]
    assert (report.created, report.in_error) == (1, 1)


def test_two_rows_designating_the_same_stored_learner_the_second_is_an_error(cohort):
    stored = ApprenticeFactory(cohort=cohort, email="lea@example.fr", ine="1111111111Z", last_name="Stocké")
    rows = [apprentice_row(1, COHORT, **{"E-mail": "autre@example.fr", "INE": "1111111111Z", "NOM DE NAISSANCE": "Un"}),
            apprentice_row(2, COHORT, **{"E-mail": "lea@example.fr", "INE": "", "NOM DE NAISSANCE": "Deux"})]

    report = run(rows, only_valid_rows=True)

    assert [str(e) for e in report.errors] == [
        "Ligne 3, colonne « E-mail » : cette ligne désigne le même apprenti·e que la ligne 2."]
    assert (report.created, report.updated, report.in_error) == (0, 1, 1)
    stored.refresh_from_db()
    assert (stored.last_name, stored.email) == ("Un", "autre@example.fr")
    assert Apprentice.objects.count() == 1
