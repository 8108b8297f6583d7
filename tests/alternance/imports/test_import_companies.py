"""Import of companies with their contacts: one row per contact with the company columns repeated,
SIRET typed with spaces or dots, OPCO from the IDCC, re-imports without duplicates, conflicting
company values and contacts in error reported on their row and column."""

from datetime import date

import pytest

from alternance.imports.mapping import suggest_mapping
from alternance.imports.readers import read_table
from alternance.imports.runner import KINDS, import_table
from companies.models import Company, CompanyContact
from tests.alternance.imports.import_files import csv_bytes, read_fixture
from tests.factories.alternance import CreFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory, valid_siret

pytestmark = pytest.mark.django_db

HEADER = ["N° SIRET", "Raison sociale", "Code NAF", "IDCC", "Adresse", "CP", "Ville", "Nom", "Prénom", "E-mail", "Fonction",
          "Rôle", "Date de naissance"]


def company_row(siret: str, **overrides) -> dict:
    row = {"N° SIRET": siret, "Raison sociale": "Garage Central", "Code NAF": "45.20A", "IDCC": "1090", "Adresse": "8 rue des Moteurs",
           "CP": "75015", "Ville": "Paris"}
    row.update(overrides)
    return row


def run(content: bytes, name: str = "entreprises.csv", **options):
    table = read_table(content, name=name)
    mapping = suggest_mapping(table.headers, KINDS["companies"].fields)
    return import_table(table=table, kind="companies", mapping=mapping, **options)


def test_one_row_per_contact_creates_the_companies_and_their_contacts():
    report = run(read_fixture("entreprises_contacts.csv"))

    assert (report.written, report.created, report.updated, report.unchanged, report.in_error) == (True, 4, 0, 0, 0)
    bakery = Company.objects.get(siret="30000101300014")  # typed « 300 001 013 00014 »
    assert (bakery.name, bakery.naf_code, bakery.idcc, bakery.opco) == ("Boulangerie du Marché", "1071C", "0843", "OPCO EP")
    assert (bakery.address, bakery.postal_code, bakery.city) == ("3 place du Marché", "69003", "Lyon")
    contacts = {c.email: c for c in bakery.contacts.all()}
    assert sorted(contacts) == ["odile@boulangerie.test", "paul@boulangerie.test"]
    odile, paul = contacts["odile@boulangerie.test"], contacts["paul@boulangerie.test"]
    assert (odile.last_name, odile.first_name, odile.job_title, odile.birth_date) == ("Fournier", "Odile", "Cheffe boulangère",
                                                                                     date(1980, 5, 12))
    assert (odile.is_master, odile.is_employer_representative, odile.is_hr) == (True, True, False)
    assert (paul.is_master, paul.is_employer_representative, paul.is_hr, paul.job_title) == (False, False, True,
                                                                                            "Responsable du personnel")
    garage = Company.objects.get(siret="30000102100017")
    assert (garage.name, garage.opco, garage.contacts.count()) == ("Garage Central", "OPCO Mobilités", 0)
    workshop = Company.objects.get(siret="30000103900019")  # typed « 300.001.039.00019 »
    assert (workshop.opco, list(workshop.contacts.values_list("email", "is_master"))) == ("Constructys", [("luc@atelier.test", True)])


def test_reimporting_updates_without_duplicates():
    run(read_fixture("entreprises_contacts.csv"))
    again = run(read_fixture("entreprises_contacts.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)

    content = read_fixture("entreprises_contacts.csv").decode().replace("Garage Central", "Garage Central SAS").replace(
        "Responsable du personnel", "DRH")
    changed = run(content.encode())

    assert (changed.created, changed.updated, changed.unchanged, changed.written) == (0, 2, 2, True)
    assert (Company.objects.count(), CompanyContact.objects.count()) == (3, 3)
    assert Company.objects.get(siret="30000102100017").name == "Garage Central SAS"
    assert CompanyContact.objects.get(email="paul@boulangerie.test").job_title == "DRH"


def test_a_known_contact_is_found_by_email_whatever_its_case_and_gains_a_role():
    company = CompanyFactory(siret=valid_siret(7), name="Garage Central")
    contact = CompanyContactFactory(company=company, email="Odile@Garage.test", is_master=True, is_hr=False)
    row = company_row(valid_siret(7), Nom=contact.last_name, Prénom=contact.first_name, **{"E-mail": "odile@garage.test",
                                                                                           "Rôle": "RH"})

    report = run(csv_bytes([row], header=HEADER))

    contact.refresh_from_db()
    assert (report.updated, CompanyContact.objects.count()) == (1, 1)
    assert (contact.is_master, contact.is_hr) == (True, True)


def test_a_wrong_siret_key_is_reported_with_the_value_and_how_to_fix_it():
    report = run(csv_bytes([company_row("123 456 789 00012")], header=HEADER))

    assert [str(e) for e in report.errors] == [
        "Ligne 2, colonne « N° SIRET » : 123 456 789 00012 n'est pas un SIRET valide (clé de contrôle). Vérifiez les 14 "
        "chiffres sur l'avis de situation INSEE."]
    assert Company.objects.count() == 0


def test_conflicting_company_values_and_contact_errors_are_reported_on_their_rows():
    siret = valid_siret(8)
    rows = [
        company_row(siret, Nom="Martin", Prénom="Luc", Rôle="MA", Fonction="Mécanicien", **{"E-mail": "luc@garage.test",
                                                                                           "Date de naissance": "03/02/1975"}),
        company_row(siret, **{"Raison sociale": "Garage du Centre", "Nom": "Durand", "Prénom": "Paul", "E-mail": "paul@garage.test",
                              "Rôle": "RH"}),
        company_row(valid_siret(9), **{"Raison sociale": "Carrosserie", "Nom": "Petit", "Prénom": "Jo", "Rôle": "MA"}),
        company_row(valid_siret(10), **{"Raison sociale": "Pneus", "Nom": "Roy", "Prénom": "Al", "E-mail": "al@pneus.test",
                                        "Rôle": "MA"}),
        company_row(valid_siret(11), **{"Code NAF": "garage", "Raison sociale": "Motos"}),
        company_row(valid_siret(11), **{"Raison sociale": "", "Code NAF": "", "Nom": "Lee", "Prénom": "Ana",
                                        "E-mail": "ana@motos.test", "Rôle": "chef"}),
        company_row(valid_siret(12), **{"Raison sociale": "", "Nom": "Vidal", "Prénom": "Eva", "E-mail": "eva@velos.test",
                                        "Rôle": "RH"}),
    ]

    report = run(csv_bytes(rows, header=HEADER))

    assert [str(e) for e in report.errors] == [
        "Ligne 2, colonne « N° SIRET » : l'entreprise de SIRET " + siret + " est en erreur ligne 3 : corrigez cette ligne pour "
        "importer celle-ci.",
        "Ligne 3, colonne « Raison sociale » : « Garage du Centre » diffère de « Garage Central » indiqué ligne 2 pour la "
        f"même entreprise (SIRET {siret}) : gardez la même valeur sur toutes ses lignes, ou laissez la cellule vide.",
        "Ligne 4, colonne « E-mail » : la cellule est vide : indiquez l'e-mail du contact, il sert à le retrouver lors d'un "
        "prochain import.",
        "Ligne 5, colonne « Date de naissance » : La date de naissance du maître d'apprentissage est demandée par le Cerfa.",
        "Ligne 5, colonne « Fonction » : Indiquez l'emploi occupé par le maître d'apprentissage.",
        "Ligne 6, colonne « Code NAF » : « garage » : Le code NAF doit comporter 4 chiffres et une lettre, par exemple 62.01Z "
        "ou 6201Z.",
        "Ligne 7, colonne « Rôle » : « chef » : rôle inconnu. Écrivez MA (maître d'apprentissage), RH ou Représentant, "
        "séparés par des virgules.",
        "Ligne 8, colonne « Raison sociale » : la cellule est vide : renseignez « Raison sociale » sur au moins une ligne de "
        "l'entreprise.",
    ]
    assert (report.in_error, report.written, Company.objects.count()) == (7, False, 0)


def test_only_valid_rows_writes_a_company_whose_first_row_is_in_error_through_its_valid_row():
    siret = valid_siret(12)
    rows = [
        company_row(siret, Nom="Petit", Prénom="Jo", Rôle="MA"),  # contact without e-mail: error
        company_row(siret, Nom="Roy", Prénom="Al", Rôle="RH", **{"E-mail": "al@garage.test"}),
    ]

    report = run(csv_bytes(rows, header=HEADER), only_valid_rows=True)

    assert (report.written, report.created, report.in_error) == (True, 1, 1)
    company = Company.objects.get(siret=siret)
    assert list(company.contacts.values_list("email", flat=True)) == ["al@garage.test"]


def test_the_referent_cre_is_named_by_email():
    cre = CreFactory(email="cre@of.test")
    header = [*HEADER, "CRE référent"]

    report = run(csv_bytes([company_row(valid_siret(13), **{"CRE référent": "CRE@of.test"}),
                            company_row(valid_siret(14), **{"CRE référent": "inconnu@of.test", "Raison sociale": "Autre"})],
                           header=header), only_valid_rows=True)

    assert Company.objects.get(siret=valid_siret(13)).owner_cre == cre
    assert [str(e) for e in report.errors] == [
        "Ligne 3, colonne « CRE référent » : aucun compte CRE n'a l'e-mail inconnu@of.test : indiquez l'e-mail d'un·e chargé·e "
        "de relations entreprises de l'application, ou laissez la cellule vide."]
