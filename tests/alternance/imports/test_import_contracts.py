"""Import of contracts through the contract services: drafts with their history row, defaults from
the cohort, re-imports that update drafts and leave signed contracts alone, and the errors of
the service reported on the file's columns with nothing written."""

from datetime import date
from decimal import Decimal

import pytest

from alternance.imports.mapping import suggest_mapping
from alternance.imports.readers import read_table
from alternance.imports.runner import KINDS, import_table
from contracts.choices import ContractStatus
from contracts.models import Contract, ContractStatusChange
from tests.alternance.imports.import_files import csv_bytes, read_fixture
from tests.factories.alternance import AdminStaffFactory, ApprenticeFactory, CohortFactory, ProgrammeFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory, valid_siret
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

HEADER = ["INE", "E-mail apprenti", "SIRET employeur", "Date de début", "Date de fin", "E-mail MA", "Salaire brut mensuel",
          "Début formation pratique"]


def run(kind: str, content: bytes, **options):
    table = read_table(content, name=f"{kind}.csv")
    mapping = suggest_mapping(table.headers, KINDS[kind].fields)
    return import_table(table=table, kind=kind, mapping=mapping, **options)


@pytest.fixture
def cohort():
    programme = ProgrammeFactory(title="BTS Services informatiques aux organisations", rncp_code="RNCP35340", training_hours=1350)
    return CohortFactory(name="BTS SIO 2026-2028", programme=programme, start_date=date(2026, 9, 1),
                         end_date=date(2028, 6, 30), exams_end_date=date(2028, 6, 15))


@pytest.fixture
def parties(cohort):
    apprentice = ApprenticeFactory(cohort=cohort, ine="1234567890A", email="lea@example.fr")
    company = CompanyFactory(siret=valid_siret(21), name="Boulangerie du Marché")
    master = CompanyContactFactory(company=company, email="odile@boulangerie.test", is_master=True)
    return apprentice, company, master


def contract_row(apprentice, company, **overrides) -> dict:
    row = {"INE": apprentice.ine, "E-mail apprenti": "", "SIRET employeur": company.siret, "Date de début": "01/09/2026",
           "Date de fin": "31/08/2028", "E-mail MA": "odile@boulangerie.test", "Salaire brut mensuel": "966,32",
           "Début formation pratique": "03/09/2026"}
    row.update(overrides)
    return row


def test_apprentices_then_companies_then_contracts_from_spreadsheet_files(cohort):
    admin = AdminStaffFactory()
    assert run("apprentices", read_fixture("apprentis_erp_latin1.csv")).created == 3
    assert run("companies", read_fixture("entreprises_contacts.csv")).created == 4

    report = run("contracts", read_fixture("contrats.csv"), by=admin)

    assert (report.written, report.created, report.in_error) == (True, 2, 0)
    helene = Contract.objects.get(apprentice__ine="1234567890A")
    assert (helene.status, helene.company.siret, helene.master.email) == (ContractStatus.DRAFT, "30000101300014", "odile@boulangerie.test")
    assert (helene.start_date, helene.end_date, helene.practical_training_start_date) == (date(2026, 9, 1), date(2028, 8, 31),
                                                                                          date(2026, 9, 3))
    assert (helene.gross_monthly_salary, helene.weekly_hours, helene.created_by) == (Decimal("1234.56"), Decimal("35"), admin)
    # Training data from the apprentice's cohort, as when a contract is opened from the placement desk.
    assert (helene.programme, helene.training_start_date, helene.exams_end_date, helene.training_hours) == (
        cohort.programme, date(2026, 9, 1), date(2028, 6, 15), 1350)
    assert list(ContractStatusChange.objects.filter(contract=helene).values_list("to_status", "changed_by", "comment")) == [
        (ContractStatus.DRAFT, admin.pk, "Création")]
    loic = Contract.objects.get(apprentice__email="loic.lefevre@example.fr")  # named by its e-mail (no INE)
    assert (loic.company.name, loic.master.email, loic.gross_monthly_salary) == ("Atelier Bois", "luc@atelier.test", Decimal("966.32"))

    again = run("contracts", read_fixture("contrats.csv"), by=admin)
    assert (again.created, again.updated, again.unchanged, Contract.objects.count()) == (0, 0, 2, 2)


def test_a_draft_is_updated_through_the_contract_service(parties):
    apprentice, company, _master = parties
    run("contracts", csv_bytes([contract_row(apprentice, company)], header=HEADER))

    report = run("contracts", csv_bytes([contract_row(apprentice, company, **{"Salaire brut mensuel": "1 100,00",
                                                                              "Date de fin": "30/06/2028"})], header=HEADER))

    contract = Contract.objects.get()
    assert (report.updated, contract.gross_monthly_salary, contract.end_date) == (1, Decimal("1100.00"), date(2028, 6, 30))


def test_a_signed_contract_is_left_alone_unless_the_file_brings_nothing_new(parties):
    apprentice, company, master = parties
    ContractFactory(apprentice=apprentice, company=company, master=master, status=ContractStatus.SIGNED,
                    start_date=date(2026, 9, 1), end_date=date(2028, 8, 31), gross_monthly_salary=Decimal("966.32"),
                    practical_training_start_date=date(2026, 9, 3))

    same = run("contracts", csv_bytes([contract_row(apprentice, company)], header=HEADER))
    changed = run("contracts", csv_bytes([contract_row(apprentice, company, **{"Salaire brut mensuel": "1 000"})], header=HEADER))

    assert (same.unchanged, same.in_error) == (1, 0)
    assert [str(e) for e in changed.errors] == [
        "Ligne 2 : ce contrat est « Signé » : il ne se modifie plus par import (colonnes changées : « Salaire brut mensuel »). "
        "Faites un avenant depuis la page du contrat, ou remettez dans le fichier les valeurs enregistrées."]
    assert Contract.objects.get().gross_monthly_salary == Decimal("966.32")


def test_every_problem_is_reported_on_its_column_and_nothing_is_written(parties, cohort):
    apprentice, company, _master = parties
    CompanyContactFactory(company=company, email="rh@boulangerie.test", is_master=False, is_hr=True)
    other = ApprenticeFactory(cohort=cohort, ine="", email="sam@example.fr")
    rows = [
        contract_row(apprentice, company),  # valid
        contract_row(apprentice, company, INE="9999999999Z"),
        contract_row(apprentice, company, **{"SIRET employeur": valid_siret(22)}),
        contract_row(apprentice, company, **{"E-mail MA": "inconnu@boulangerie.test", "Date de début": "01/10/2026"}),
        contract_row(apprentice, company, **{"E-mail MA": "rh@boulangerie.test", "Date de début": "01/11/2026",
                                             "Début formation pratique": ""}),
        contract_row(apprentice, company, INE="", **{"E-mail apprenti": "SAM@example.fr", "Date de fin": "01/08/2026",
                                                     "Début formation pratique": ""}),
        contract_row(apprentice, company),  # the same contract as row 2
    ]

    report = run("contracts", csv_bytes(rows, header=HEADER))

    assert [str(e) for e in report.errors] == [
        "Ligne 3, colonne « INE » : aucun apprenti·e n'a l'INE 9999999999Z : importez d'abord les apprenti·es, ou corrigez la "
        "cellule.",
        f"Ligne 4, colonne « SIRET employeur » : aucune entreprise n'a le SIRET {valid_siret(22)} : importez d'abord les "
        "entreprises, ou corrigez le SIRET.",
        "Ligne 5, colonne « E-mail MA » : Boulangerie du Marché n'a pas de contact avec l'e-mail inconnu@boulangerie.test : "
        "ajoutez le maître d'apprentissage à l'entreprise (import des entreprises et contacts) ou corrigez l'e-mail.",
        "Ligne 6, colonne « E-mail MA » : « rh@boulangerie.test » : Ce contact n'est pas déclaré maître d'apprentissage.",
        "Ligne 7, colonne « Date de fin » : « 01/08/2026 » : La date de fin du contrat doit être postérieure à sa date de début.",
        "Ligne 8, colonne « Date de début » : ce contrat (même apprenti·e, même employeur, même date de début) figure déjà "
        "ligne 2 : gardez une seule ligne par contrat.",
    ]
    assert (report.written, report.created, report.in_error) == (False, 1, 6)
    assert Contract.objects.count() == 0 and ContractStatusChange.objects.count() == 0
    assert other.contracts.count() == 0


def test_only_valid_rows_creates_the_valid_contracts(parties):
    apprentice, company, _master = parties
    rows = [contract_row(apprentice, company), contract_row(apprentice, company, **{"Date de début": "01/10/2026",
                                                                                    "E-mail MA": "personne@x.test"})]

    report = run("contracts", csv_bytes(rows, header=HEADER), only_valid_rows=True)

    assert (report.written, report.created, report.in_error) == (True, 1, 1)
    assert list(Contract.objects.values_list("start_date", flat=True)) == [date(2026, 9, 1)]


def test_an_amendment_code_is_refused_with_the_way_to_make_one(parties):
    apprentice, company, _master = parties
    header = [*HEADER, "Type de contrat"]

    report = run("contracts", csv_bytes([contract_row(apprentice, company, **{"Type de contrat": "36"})], header=header))

    assert [str(e) for e in report.errors] == [
        "Ligne 2, colonne « Type de contrat » : « 36 » est un avenant : un avenant se crée depuis la page du contrat qu'il "
        "modifie ; importez ici les contrats (codes 11, 21, 22 ou 23)."]


def test_programme_by_title_or_rncp_code(parties, cohort):
    apprentice, company, _master = parties
    other = ProgrammeFactory(title="Licence professionnelle Métiers du numérique", rncp_code="RNCP30122")
    header = [*HEADER, "Formation"]

    report = run("contracts", csv_bytes([contract_row(apprentice, company, Formation="rncp 30122"),
                                         contract_row(apprentice, company, Formation="Master inconnu",
                                                      **{"Date de début": "01/10/2026"})], header=header),
                 only_valid_rows=True)

    assert Contract.objects.get().programme == other
    assert [str(e) for e in report.errors] == [
        "Ligne 3, colonne « Formation » : aucune formation ne correspond à « Master inconnu » : indiquez l'intitulé exact ou "
        "le code RNCP d'une formation du catalogue, ou laissez la cellule vide pour prendre celle de la promotion."]
