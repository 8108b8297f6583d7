"""Invariants of the contract models: database constraints, clean(), __str__ and checksums."""

import hashlib
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from companies.choices import Opco
from contracts.choices import (
    ContractStatus,
    ContractType,
    DocumentKind,
    InstalmentKind,
    OpcoDecision,
    RuptureKind,
)
from contracts.models import Contract, ContractStatusChange, Document, OpcoFile
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory, DocumentFactory, OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@contextmanager
def violates(*needles: str):
    """The block must be refused by the database; the error names the constraint (or its columns)."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    assert any(needle in message for needle in needles), message


def clean_errors(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


def clean_codes(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return {field: [error.code for error in errors] for field, errors in excinfo.value.error_dict.items()}


# --- Contract: database constraints ----------------------------------------------------------

def test_database_refuses_an_unknown_contract_status():
    with violates("contract_status_valid"):
        ContractFactory(status="pirate")


def test_database_refuses_a_contract_ending_on_its_start():
    with violates("contract_end_after_start"):
        ContractFactory(start_date=date(2026, 9, 1), end_date=date(2026, 9, 1))


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("40.5"), Decimal("-1")])
def test_database_refuses_weekly_hours_outside_0_to_40(hours):
    with violates("contract_weekly_hours_max_40"):
        ContractFactory(weekly_hours=hours)


def test_database_accepts_40_weekly_hours():
    contract = ContractFactory(weekly_hours=Decimal("40"))

    assert Contract.objects.get(pk=contract.pk).weekly_hours == Decimal("40.00")


def test_database_refuses_a_first_contract_signed_after_its_start():
    with violates("contract_signed_before_start"):
        ContractFactory(contract_type=ContractType.FIRST, start_date=date(2026, 9, 1), signature_date=date(2026, 9, 2))


def test_database_accepts_an_amendment_signed_after_the_start():
    original = ContractFactory()

    amendment = ContractFactory(
        apprentice=original.apprentice, company=original.company, master=original.master,
        contract_type=ContractType.AMEND_OTHER, amends=original, start_date=date(2026, 9, 1), signature_date=date(2027, 2, 1),
    )

    assert list(original.amendments.all()) == [amendment]


@pytest.mark.parametrize("practical_start", [date(2026, 8, 31), date(2028, 9, 1)])
def test_database_refuses_a_practical_training_start_outside_the_contract(practical_start):
    with violates("contract_practical_start_within_contract"):
        ContractFactory(start_date=date(2026, 9, 1), end_date=date(2028, 8, 31), practical_training_start_date=practical_start)


@pytest.mark.parametrize("rupture", [date(2026, 8, 31), date(2028, 9, 1)])
def test_database_refuses_a_rupture_outside_the_contract(rupture):
    with violates("contract_rupture_within_contract"):
        ContractFactory(start_date=date(2026, 9, 1), end_date=date(2028, 8, 31), rupture_date=rupture, rupture_kind=RuptureKind.OTHER)


def test_database_refuses_a_broken_contract_without_rupture_date():
    with violates("contract_broken_has_rupture"):
        ContractFactory(status=ContractStatus.BROKEN, rupture_date=None, rupture_kind=RuptureKind.MUTUAL_AGREEMENT)


def test_database_refuses_a_broken_contract_without_rupture_kind():
    with violates("contract_broken_has_rupture"):
        ContractFactory(status=ContractStatus.BROKEN, rupture_date=date(2026, 11, 15), rupture_kind="")


def test_database_accepts_a_broken_contract_with_its_rupture():
    contract = ContractFactory(status=ContractStatus.BROKEN, rupture_date=date(2026, 11, 15), rupture_kind=RuptureKind.FREE_PERIOD)

    assert Contract.objects.filter(pk=contract.pk, status=ContractStatus.BROKEN).count() == 1


def test_database_refuses_an_amendment_that_amends_nothing():
    with violates("contract_amendment_links_contract"):
        ContractFactory(contract_type=ContractType.AMEND_WORKPLACE, amends=None)


def test_database_refuses_the_same_master_twice():
    contact = CompanyContactFactory()

    with violates("contract_two_distinct_masters"):
        ContractFactory(company=contact.company, master=contact, second_master=contact)


# --- Contract: clean() -----------------------------------------------------------------------

def _contract(**overrides) -> Contract:
    company = overrides.pop("company", None) or CompanyFactory()
    apprentice = ApprenticeFactory()
    return ContractFactory.build(
        **{"apprentice": apprentice, "company": company, "programme": apprentice.cohort.programme,
           "master": CompanyContactFactory(company=company), **overrides}
    )


def test_a_factory_contract_passes_full_clean():
    contract = _contract()

    contract.full_clean()

    assert contract.pk is None


def test_contract_clean_refuses_an_end_before_the_start():
    contract = _contract(start_date=date(2026, 9, 1), end_date=date(2026, 8, 1), practical_training_start_date=None)

    assert clean_errors(contract) == {"end_date": ["La date de fin du contrat doit être postérieure à sa date de début."]}


def test_contract_clean_refuses_a_signature_after_the_start_of_a_first_contract():
    contract = _contract(signature_date=date(2026, 9, 2))

    assert clean_errors(contract) == {"signature_date": ["Le contrat doit être signé au plus tard le jour de son début d'exécution."]}


def test_contract_clean_accepts_an_amendment_signed_after_the_start():
    original = ContractFactory()
    amendment = _contract(
        company=original.company, contract_type=ContractType.AMEND_OTHER, amends=original, signature_date=date(2027, 2, 1)
    )

    amendment.full_clean()

    assert amendment.is_amendment is True


def test_contract_clean_refuses_a_practical_training_start_outside_the_contract():
    contract = _contract(practical_training_start_date=date(2026, 8, 30))

    assert clean_errors(contract) == {
        "practical_training_start_date": ["La formation pratique chez l'employeur doit commencer entre le début et la fin du contrat."]
    }


def test_contract_clean_refuses_a_rupture_after_the_end():
    contract = _contract(rupture_date=date(2028, 9, 1), rupture_kind=RuptureKind.OTHER)

    assert clean_errors(contract) == {"rupture_date": ["La date de rupture doit se situer entre le début et la fin du contrat."]}


def test_contract_clean_asks_the_rupture_of_a_broken_contract():
    contract = _contract(status=ContractStatus.BROKEN)

    assert clean_errors(contract) == {"rupture_date": ["Un contrat rompu doit porter sa date et son type de rupture."]}


def test_contract_clean_asks_the_contract_an_amendment_modifies():
    contract = _contract(contract_type=ContractType.AMEND_DIPLOMA_CHANGE)

    assert clean_errors(contract) == {"amends": ["Un avenant doit indiquer le contrat qu'il modifie."]}


def test_contract_clean_refuses_a_master_of_another_company():
    contract = _contract(master=CompanyContactFactory(company=CompanyFactory()))

    assert clean_errors(contract) == {"master": ["Le maître d'apprentissage doit être un salarié de l'employeur du contrat."]}


def test_contract_clean_refuses_a_second_master_of_another_company():
    contract = _contract(second_master=CompanyContactFactory(company=CompanyFactory()))

    assert clean_errors(contract) == {"second_master": ["Le maître d'apprentissage doit être un salarié de l'employeur du contrat."]}


def test_contract_clean_refuses_a_contact_not_declared_master():
    company = CompanyFactory()
    contract = _contract(company=company, master=CompanyContactFactory(company=company, is_master=False, is_hr=True))

    assert clean_errors(contract) == {"master": ["Ce contact n'est pas déclaré maître d'apprentissage."]}


def test_contract_clean_refuses_the_same_person_as_both_masters():
    contract = _contract()
    contract.second_master = contract.master

    assert clean_errors(contract) == {"second_master": ["Le second maître d'apprentissage doit être une autre personne."]}


def test_contract_clean_accepts_the_domain_example_of_a_previous_contract_number():
    contract = _contract(contract_type=ContractType.SUCCESSION_AFTER_RUPTURE, previous_contract_number="02B202212000000")

    contract.full_clean()

    assert contract.previous_contract_number == "02B202212000000"


def test_contract_clean_refuses_a_malformed_previous_contract_number():
    contract = _contract(contract_type=ContractType.SUCCESSION_AFTER_RUPTURE, previous_contract_number="075202513000123")

    assert clean_codes(contract) == {"previous_contract_number": ["deca"]}


def test_contract_clean_refuses_more_than_40_weekly_hours():
    contract = _contract(weekly_hours=Decimal("41"))

    assert clean_codes(contract) == {"weekly_hours": ["max_value"]}


def test_contract_str_shows_kind_apprentice_company_and_start():
    contract = ContractFactory(
        apprentice=ApprenticeFactory(first_name="Camille", last_name="Martin"), company=CompanyFactory(name="Octo Conseil"),
        start_date=date(2026, 9, 1),
    )

    assert str(contract) == "Contrat d'apprentissage — Camille Martin chez Octo Conseil (01/09/2026)"


def test_contract_status_change_str_shows_the_transition():
    contract = ContractFactory()
    created = ContractStatusChange.objects.create(contract=contract, from_status="", to_status=ContractStatus.DRAFT)
    moved = ContractStatusChange.objects.create(
        contract=contract, from_status=ContractStatus.SIGNED, to_status=ContractStatus.IN_PROGRESS
    )

    assert [str(created), str(moved)] == [f"{contract.pk}: — → draft", f"{contract.pk}: signed → in_progress"]


# --- OpcoFile --------------------------------------------------------------------------------

def test_database_refuses_a_complete_file_never_sent():
    with violates("opcofile_complete_after_sent"):
        OpcoFileFactory(sent_date=None, complete_file_date=date(2026, 9, 10))


def test_database_refuses_a_complete_file_before_it_was_sent():
    with violates("opcofile_complete_after_sent"):
        OpcoFileFactory(sent_date=date(2026, 9, 4), complete_file_date=date(2026, 9, 3))


@pytest.mark.parametrize("decision", [OpcoDecision.ACCEPTED, OpcoDecision.REFUSED])
def test_database_refuses_a_decision_without_date(decision):
    with violates("opcofile_decision_has_date"):
        OpcoFileFactory(decision=decision, decision_date=None)


def test_database_refuses_a_decision_date_on_a_file_never_sent():
    with violates("opcofile_decision_after_sent"):
        OpcoFileFactory(sent_date=None, decision=OpcoDecision.ACCEPTED, decision_date=date(2026, 9, 20))


def test_database_refuses_a_decision_before_the_file_was_sent():
    with violates("opcofile_decision_after_sent"):
        OpcoFileFactory(sent_date=date(2026, 9, 4), decision=OpcoDecision.ACCEPTED, decision_date=date(2026, 9, 3))


def test_database_refuses_a_negative_npec():
    with violates("opcofile_npec_positive"):
        OpcoFileFactory(npec_amount=Decimal("-1"))


def test_database_refuses_two_opco_files_for_one_contract():
    opco_file = OpcoFileFactory()

    with violates("Key (contract_id)=", "UNIQUE constraint failed: contracts_opcofile.contract_id"):
        OpcoFileFactory(contract=opco_file.contract)


def test_database_accepts_a_complete_and_accepted_file_in_order():
    opco_file = OpcoFileFactory(
        sent_date=date(2026, 9, 4), complete_file_date=date(2026, 9, 4), decision=OpcoDecision.ACCEPTED,
        decision_date=date(2026, 9, 20), npec_amount=Decimal("0"),
    )

    stored = OpcoFile.objects.get(pk=opco_file.pk)
    assert (stored.complete_file_date, stored.decision, stored.decision_date) == (date(2026, 9, 4), "accepted", date(2026, 9, 20))


def test_opco_file_clean_asks_the_sending_before_the_complete_file():
    opco_file = OpcoFileFactory.build(contract=ContractFactory(), sent_date=None, complete_file_date=date(2026, 9, 10))

    assert clean_errors(opco_file) == {
        "complete_file_date": ["Le dossier complet ne peut être reçu qu'après son envoi : indiquez d'abord la date d'envoi."]
    }


def test_opco_file_clean_asks_the_date_of_a_decision():
    opco_file = OpcoFileFactory.build(contract=ContractFactory(), decision=OpcoDecision.REFUSED)

    assert clean_errors(opco_file) == {"decision_date": ["Indiquez la date de la décision de l'OPCO."]}


def test_opco_file_clean_refuses_a_decision_before_the_sending():
    opco_file = OpcoFileFactory.build(
        contract=ContractFactory(), decision=OpcoDecision.ACCEPTED, sent_date=date(2026, 9, 4), decision_date=date(2026, 9, 1)
    )

    assert clean_errors(opco_file) == {"decision_date": ["La décision de l'OPCO ne peut pas précéder l'envoi du dossier."]}


def test_opco_file_clean_refuses_a_second_file_for_the_contract():
    existing = OpcoFileFactory()
    opco_file = OpcoFileFactory.build(contract=existing.contract)

    assert clean_codes(opco_file) == {"contract": ["unique"]}


def test_opco_file_str_names_its_contract():
    opco_file = OpcoFileFactory(opco=Opco.ATLAS)

    assert str(opco_file) == f"Dossier OPCO — {opco_file.contract}"


# --- OpcoInstalment --------------------------------------------------------------------------

def test_database_refuses_two_instalments_of_the_same_kind_for_one_year():
    instalment = OpcoInstalmentFactory()

    with violates(
        "instalment_one_per_year_kind",
        "UNIQUE constraint failed: contracts_opcoinstalment.opco_file_id, contracts_opcoinstalment.contract_year, "
        "contracts_opcoinstalment.kind",
    ):
        OpcoInstalmentFactory(opco_file=instalment.opco_file, contract_year=1, kind=InstalmentKind.ADVANCE)


def test_database_accepts_the_same_kind_in_another_year():
    first = OpcoInstalmentFactory(contract_year=1)

    second = OpcoInstalmentFactory(opco_file=first.opco_file, contract_year=2)

    assert list(first.opco_file.instalments.values_list("pk", "contract_year", "kind")) == [
        (first.pk, 1, InstalmentKind.ADVANCE), (second.pk, 2, InstalmentKind.ADVANCE),
    ]


@pytest.mark.parametrize("percent", [Decimal("0"), Decimal("100.01"), Decimal("-10")])
def test_database_refuses_a_percent_outside_0_to_100(percent):
    with violates("instalment_percent_range"):
        OpcoInstalmentFactory(percent=percent)


def test_database_refuses_a_negative_amount():
    with violates("instalment_amount_positive"):
        OpcoInstalmentFactory(amount=Decimal("-0.01"))


def test_database_refuses_a_payment_never_invoiced():
    with violates("instalment_paid_after_invoice"):
        OpcoInstalmentFactory(invoiced_date=None, paid_date=date(2026, 10, 20))


def test_instalment_str_shows_kind_year_and_amount():
    instalment = OpcoInstalmentFactory(kind=InstalmentKind.MONTH_7, contract_year=2, amount=Decimal("2400.00"))

    assert str(instalment) == "Versement du 7e mois année 2 — 2400.00 €"


# --- Document --------------------------------------------------------------------------------

def test_database_refuses_a_document_attached_to_nothing():
    with violates("document_belongs_to_something"):
        DocumentFactory(contract=None, apprentice=None, company=None)


@pytest.mark.parametrize("sha256", ["", "abc", "A" * 64, "g" * 64, "0" * 63])
def test_database_refuses_a_malformed_sha256(sha256):
    with violates("document_sha256_format"):
        DocumentFactory(sha256=sha256)


def test_document_attached_to_a_company_only_is_accepted():
    company = CompanyFactory()

    document = DocumentFactory(contract=None, apprentice=None, company=company, kind=DocumentKind.OTHER, title="Accord de partenariat")

    assert list(company.documents.all()) == [document]


def test_document_clean_asks_what_the_document_belongs_to():
    document = DocumentFactory.build(contract=None, apprentice=None)

    assert clean_errors(document) == {
        NON_FIELD_ERRORS: [
            "Rattachez le document à un·e apprenti·e, un contrat ou une entreprise.",
            "La contrainte « document_belongs_to_something » n’est pas respectée.",
        ]
    }


def test_document_clean_refuses_a_contract_of_another_apprentice():
    document = DocumentFactory.build(contract=ContractFactory(), apprentice=ApprenticeFactory())

    assert clean_errors(document) == {"apprentice": ["Le document et son contrat concernent deux apprenti·es différent·es."]}


def test_document_compute_checksum_fills_sha256_and_size():
    content = b"%PDF-1.4 cerfa signe"
    document = DocumentFactory.build(contract=None, apprentice=ApprenticeFactory(), file=ContentFile(content, name="cerfa.pdf"))
    document.sha256, document.size = "", 0

    document.compute_checksum()

    assert (document.sha256, document.size) == (hashlib.sha256(content).hexdigest(), len(content))


def test_document_str_shows_kind_and_title():
    document = DocumentFactory(kind=DocumentKind.CONVENTION, title="Convention tripartite")

    assert str(Document.objects.get(pk=document.pk)) == "Convention de formation — Convention tripartite"
