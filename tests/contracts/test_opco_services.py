"""Services of the OPCO follow-up: file update, schedule generation, invoices, payments, employer
participation and reminders — state re-read from the database, French errors."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alternance.choices import QualificationLevel
from contracts import opco
from contracts.choices import ContractStatus, RuptureInitiative, RuptureKind
from contracts.models import Contract, OpcoFile, OpcoInstalment, OpcoReminder
from contracts.services import RuptureInput, contract_record_rupture
from tests.factories.alternance import AdminStaffFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory, _luhn_append
from tests.factories.contracts import ContractFactory, OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 10)
D = Decimal


@pytest.fixture
def staff():
    return AdminStaffFactory()


@pytest.fixture
def opco_file(contract):
    return OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), npec_amount=D("8000.00"))


def schedule_rows(opco_file):
    return list(
        OpcoInstalment.objects.filter(opco_file=opco_file)
        .order_by("contract_year", "due_date")
        .values_list("contract_year", "kind", "amount", "due_date", "invoiced_date")
    )


def messages_of(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {None: error.messages}


# --- file ----------------------------------------------------------------------------------------

def test_file_update_records_the_complete_date_npec_and_numbers(opco_file, staff):
    opco.opco_file_update(
        opco_file=opco_file, by=staff, complete_file_date=date(2026, 9, 10), npec_amount=D("7500.50"),
        deposit_number=" 075202609000123 ", amendment_number="", today=TODAY,
    )

    opco_file.refresh_from_db()
    assert (opco_file.complete_file_date, opco_file.npec_amount, opco_file.deposit_number) == (
        date(2026, 9, 10), D("7500.50"), "075202609000123"
    )


def test_file_update_records_the_organisation_in_charge_of_the_deposit(opco_file, staff):
    opco.opco_file_update(
        opco_file=opco_file, by=staff, complete_file_date=None, npec_amount=D("8000"), deposit_number="", amendment_number="",
        deposit_organisation_name=" Atlas ", deposit_organisation_siret="732 829 320 00074", today=TODAY,
    )

    opco_file.refresh_from_db()
    assert (opco_file.deposit_organisation_name, opco_file.deposit_organisation_siret) == ("Atlas", "73282932000074")


def test_file_update_refuses_a_deposit_organisation_siret_with_a_wrong_check(opco_file, staff):
    with pytest.raises(ValidationError) as error:
        opco.opco_file_update(
            opco_file=opco_file, by=staff, complete_file_date=None, npec_amount=D("8000"), deposit_number="", amendment_number="",
            deposit_organisation_name="Atlas", deposit_organisation_siret="73282932000075", today=TODAY,
        )

    assert list(messages_of(error.value)) == ["deposit_organisation_siret"]
    opco_file.refresh_from_db()
    assert (opco_file.deposit_organisation_name, opco_file.deposit_organisation_siret) == ("", "")


@pytest.mark.parametrize(
    ("complete", "npec", "field", "message"),
    [
        (date(2026, 9, 1), D("8000"), "complete_file_date",
         "Le dossier complet ne peut être reçu qu'après son envoi : indiquez d'abord la date d'envoi."),
        (date(2027, 3, 11), D("8000"), "complete_file_date", "La date de réception du dossier complet ne peut pas être dans le futur."),
        (None, D("-1"), "npec_amount", "Le montant NPEC doit être positif."),
    ],
)
def test_file_update_refuses_incoherent_input_in_french(opco_file, staff, complete, npec, field, message):
    with pytest.raises(ValidationError) as error:
        opco.opco_file_update(
            opco_file=opco_file, by=staff, complete_file_date=complete, npec_amount=npec, deposit_number="", amendment_number="", today=TODAY
        )

    assert messages_of(error.value)[field] == [message]
    opco_file.refresh_from_db()
    assert (opco_file.complete_file_date, opco_file.npec_amount) == (None, D("8000.00"))


# --- schedule ------------------------------------------------------------------------------------

def test_schedule_generation_refuses_without_npec(contract, staff):
    opco_file = OpcoFileFactory(contract=contract)

    with pytest.raises(ValidationError) as error:
        opco.opco_schedule_generate(opco_file=opco_file, by=staff)

    assert messages_of(error.value) == {"npec_amount": ["Renseignez d'abord le montant NPEC annuel de la prise en charge."]}
    assert schedule_rows(opco_file) == []


def test_schedule_generation_creates_the_instalments_of_every_contract_year(opco_file, staff):
    created = opco.opco_schedule_generate(opco_file=opco_file, by=staff)

    assert len(created) == 8
    assert schedule_rows(opco_file) == [
        (1, "advance", D("3200.00"), date(2026, 9, 1), None),
        (1, "month_7", D("2400.00"), date(2027, 3, 1), None),
        (1, "month_10", D("1600.00"), date(2027, 6, 1), None),
        (1, "balance", D("800.00"), date(2027, 8, 31), None),
        (2, "advance", D("3208.77"), date(2027, 9, 1), None),
        (2, "month_7", D("2406.58"), date(2028, 3, 1), None),
        (2, "month_10", D("1604.38"), date(2028, 6, 1), None),
        (2, "balance", D("802.19"), date(2028, 8, 31), None),
    ]
    opco_file.refresh_from_db()
    assert opco_file.employer_participation_amount is None  # BTS: level 5


def test_schedule_generation_sets_the_employer_participation_for_level_6(opco_file, staff):
    programme = opco_file.contract.programme
    programme.level = QualificationLevel.LEVEL_6
    programme.save()

    opco.opco_schedule_generate(opco_file=opco_file, by=staff)

    opco_file.refresh_from_db()
    assert opco_file.employer_participation_amount == D("750.00")


def test_regeneration_keeps_invoiced_instalments_and_replaces_the_others(opco_file, staff):
    opco.opco_schedule_generate(opco_file=opco_file, by=staff)
    advance = OpcoInstalment.objects.get(opco_file=opco_file, contract_year=1, kind="advance")
    opco.instalment_record_invoice(instalment=advance, invoice_number="F-2026-001", invoiced_date=date(2026, 9, 2), by=staff, today=TODAY)
    # The contract breaks on 28 Feb 2027: year 2 disappears, year 1 is cut at 181 days.
    contract = opco_file.contract
    contract.rupture_date = date(2027, 2, 28)
    contract.save(update_fields=["rupture_date"])
    # The invoiced advance (3 200.00) would become 1 586.85: refused, nothing changes.
    before = schedule_rows(opco_file)

    with pytest.raises(ValidationError) as error:
        opco.opco_schedule_generate(opco_file=opco_file, by=staff)

    assert error.value.messages == [
        "L'échéancier recalculé modifierait des versements déjà facturés : Avance de l'année 1 (facturé 3200,00 €). "
        "Régularisez d'abord ces factures (avoir) : aucun versement facturé n'est supprimé."
    ]
    assert schedule_rows(opco_file) == before

    # Back to the full contract with a corrected NPEC for year 2 only… the advance keeps its amount.
    contract.rupture_date = None
    contract.save(update_fields=["rupture_date"])
    opco.opco_schedule_generate(opco_file=opco_file, by=staff)
    assert schedule_rows(opco_file)[0] == (1, "advance", D("3200.00"), date(2026, 9, 1), date(2026, 9, 2))
    assert OpcoInstalment.objects.get(pk=advance.pk).invoice_number == "F-2026-001"


def test_regeneration_never_drops_an_invoiced_instalment_that_the_new_schedule_lacks(opco_file, staff):
    OpcoInstalmentFactory(
        opco_file=opco_file, contract_year=3, kind="advance", amount=D("100.00"), due_date=date(2028, 9, 1),
        invoiced_date=date(2026, 9, 5), invoice_number="F-9",
    )

    with pytest.raises(ValidationError) as error:
        opco.opco_schedule_generate(opco_file=opco_file, by=staff)

    assert "Avance de l'année 3 (facturé 100,00 €)" in error.value.messages[0]
    assert schedule_rows(opco_file) == [(3, "advance", D("100.00"), date(2028, 9, 1), date(2026, 9, 5))]


def test_regeneration_deletes_uninvoiced_instalments_no_longer_planned(opco_file, staff):
    stale = OpcoInstalmentFactory(opco_file=opco_file, contract_year=3, kind="advance", amount=D("100.00"), due_date=date(2028, 9, 1))

    opco.opco_schedule_generate(opco_file=opco_file, by=staff)

    assert not OpcoInstalment.objects.filter(pk=stale.pk).exists()
    assert len(schedule_rows(opco_file)) == 8


# --- invoices and payments -----------------------------------------------------------------------

@pytest.fixture
def instalment(opco_file):
    return OpcoInstalmentFactory(opco_file=opco_file, amount=D("3200.00"), due_date=date(2026, 9, 1))


def test_payment_before_invoice_is_refused(instalment, staff):
    with pytest.raises(ValidationError) as error:
        opco.instalment_record_payment(instalment=instalment, paid_date=date(2026, 10, 1), paid_amount=None, by=staff, today=TODAY)

    assert error.value.messages == ["Enregistrez d'abord la facture de ce versement : un paiement suit toujours une facture."]
    instalment.refresh_from_db()
    assert instalment.paid_date is None


def test_invoice_then_payment_defaults_to_the_amount_due(instalment, staff):
    opco.instalment_record_invoice(instalment=instalment, invoice_number=" F-1 ", invoiced_date=date(2026, 9, 2), by=staff, today=TODAY)
    opco.instalment_record_payment(instalment=instalment, paid_date=date(2026, 9, 30), paid_amount=None, by=staff, today=TODAY)

    instalment.refresh_from_db()
    assert (instalment.invoice_number, instalment.invoiced_date, instalment.paid_date, instalment.paid_amount) == (
        "F-1", date(2026, 9, 2), date(2026, 9, 30), D("3200.00")
    )


@pytest.mark.parametrize(
    ("paid_date", "amount", "expected"),
    [
        (date(2026, 9, 1), None, {"paid_date": ["Le paiement ne peut pas précéder la facture du 02/09/2026."]}),
        (date(2027, 3, 11), None, {"paid_date": ["La date de paiement ne peut pas être dans le futur."]}),
        (date(2026, 9, 30), D("-5"), {"paid_amount": ["Le montant reçu doit être positif."]}),
    ],
)
def test_payment_dates_and_amounts_are_checked(instalment, staff, paid_date, amount, expected):
    opco.instalment_record_invoice(instalment=instalment, invoice_number="F-1", invoiced_date=date(2026, 9, 2), by=staff, today=TODAY)

    with pytest.raises(ValidationError) as error:
        opco.instalment_record_payment(instalment=instalment, paid_date=paid_date, paid_amount=amount, by=staff, today=TODAY)

    assert error.value.message_dict == expected


def test_invoice_needs_a_number_and_a_past_date(instalment, staff):
    with pytest.raises(ValidationError) as error:
        opco.instalment_record_invoice(instalment=instalment, invoice_number=" ", invoiced_date=date(2027, 3, 11), by=staff, today=TODAY)

    assert error.value.message_dict == {
        "invoice_number": ["Indiquez le numéro de la facture."],
        "invoiced_date": ["La date de facture ne peut pas être dans le futur."],
    }


def test_a_paid_instalment_invoice_can_no_longer_change(instalment, staff):
    opco.instalment_record_invoice(instalment=instalment, invoice_number="F-1", invoiced_date=date(2026, 9, 2), by=staff, today=TODAY)
    opco.instalment_record_payment(instalment=instalment, paid_date=date(2026, 9, 30), paid_amount=None, by=staff, today=TODAY)

    with pytest.raises(ValidationError) as error:
        opco.instalment_record_invoice(instalment=instalment, invoice_number="F-2", invoiced_date=date(2026, 9, 3), by=staff, today=TODAY)

    assert error.value.messages == ["Ce versement est déjà payé : sa facture ne peut plus être modifiée."]
    assert OpcoInstalment.objects.get(pk=instalment.pk).invoice_number == "F-1"


# --- employer participation and reminders ----------------------------------------------------------

def test_employer_participation_needs_an_amount_and_an_invoice_before_payment(opco_file):
    with pytest.raises(ValidationError) as error:
        opco.employer_participation_record(opco_file=opco_file, invoiced_date=date(2026, 10, 20), today=TODAY)
    assert error.value.messages == ["Ce contrat ne comporte pas de participation employeur : générez l'échéancier pour la calculer."]

    OpcoFile.objects.filter(pk=opco_file.pk).update(employer_participation_amount=D("750.00"))
    with pytest.raises(ValidationError) as error:
        opco.employer_participation_record(opco_file=opco_file, paid_date=date(2026, 11, 2), today=TODAY)
    assert error.value.message_dict == {"paid_date": ["Indiquez d'abord la date de facture de la participation employeur."]}

    opco.employer_participation_record(opco_file=opco_file, invoiced_date=date(2026, 10, 20), today=TODAY)
    opco.employer_participation_record(opco_file=opco_file, paid_date=date(2026, 11, 2), today=TODAY)
    opco_file.refresh_from_db()
    assert (opco_file.employer_participation_invoiced_date, opco_file.employer_participation_paid_date) == (
        date(2026, 10, 20), date(2026, 11, 2)
    )


def test_reminder_is_logged_with_its_author_and_checked(opco_file, instalment, staff):
    other = OpcoInstalmentFactory(kind="month_7")

    with pytest.raises(ValidationError) as error:
        opco.opco_reminder_log(opco_file=opco_file, instalment=other, sent_on=date(2027, 3, 11), subject="", note="", by=staff, today=TODAY)
    assert error.value.message_dict == {
        "instalment": ["Ce versement n'appartient pas à ce dossier OPCO."],
        "subject": ["Indiquez l'objet de la relance."],
        "sent_on": ["La date de relance ne peut pas être dans le futur."],
    }

    opco.opco_reminder_log(
        opco_file=opco_file, instalment=instalment, sent_on=date(2027, 3, 1), subject="Avance impayée", note="Appel au service", by=staff, today=TODAY
    )
    assert list(OpcoReminder.objects.values_list("opco_file", "instalment", "sent_on", "subject", "note", "sent_by")) == [
        (opco_file.pk, instalment.pk, date(2027, 3, 1), "Avance impayée", "Appel au service", staff.pk)
    ]


# --- employer participation: scope, rupture, new employer (R6332-25-1, R6332-25-2, décret 2025-585) -----

def _level_6(contract, **changes):
    programme = contract.programme
    programme.level = QualificationLevel.LEVEL_6
    programme.save()
    for field, value in changes.items():
        setattr(contract, field, value)
    contract.save()


@pytest.mark.parametrize(("signature", "level", "expected"), [
    (date(2025, 6, 30), QualificationLevel.LEVEL_6, None),
    (date(2025, 7, 1), QualificationLevel.LEVEL_6, D("750.00")),
    (date(2025, 7, 1), QualificationLevel.LEVEL_5, None),
])
def test_participation_scope_is_level_6_contracts_concluded_from_1_july_2025(opco_file, staff, signature, level, expected):
    _level_6(opco_file.contract, signature_date=signature)
    if level != QualificationLevel.LEVEL_6:
        opco_file.contract.programme.level = level
        opco_file.contract.programme.save()

    opco.opco_schedule_generate(opco_file=opco_file, by=staff)

    assert OpcoFile.objects.get(pk=opco_file.pk).employer_participation_amount == expected


def _previous_contract(contract, company, **extra):
    """A contract of the same apprentice before ``contract`` (1 Sept 2025 → 31 Aug 2026)."""
    values = {"status": ContractStatus.BROKEN, "rupture_date": date(2026, 3, 13), "rupture_kind": RuptureKind.MUTUAL_AGREEMENT, **extra}
    return ContractFactory(
        apprentice=contract.apprentice, company=company, master=CompanyContactFactory(company=company), signature_date=date(2025, 8, 25),
        start_date=date(2025, 9, 1), practical_training_start_date=date(2025, 9, 1), training_start_date=date(2025, 9, 1),
        end_date=date(2026, 8, 31), **values,
    )


def _same_siren_establishment(company):
    return CompanyFactory(siret=_luhn_append(company.siren + "0002"))


@pytest.mark.parametrize(("previous", "expected"), [
    ("none", D("750.00")),
    ("broken_elsewhere", D("200.00")),
    ("broken_same_employer", D("750.00")),
    ("broken_other_establishment_same_siren", D("750.00")),
    ("ended_elsewhere", D("750.00")),
])
def test_a_new_contract_after_a_rupture_with_another_employer_pays_200(opco_file, staff, previous, expected):
    contract = opco_file.contract
    _level_6(contract)
    if previous == "broken_elsewhere":
        _previous_contract(contract, CompanyFactory())
    elif previous == "broken_same_employer":
        _previous_contract(contract, contract.company)
    elif previous == "broken_other_establishment_same_siren":
        _previous_contract(contract, _same_siren_establishment(contract.company))
    elif previous == "ended_elsewhere":
        _previous_contract(contract, CompanyFactory(), status=ContractStatus.ENDED, rupture_date=None, rupture_kind="")

    opco.opco_schedule_generate(opco_file=opco_file, by=staff)

    assert OpcoFile.objects.get(pk=opco_file.pk).employer_participation_amount == expected


@pytest.mark.parametrize(("rupture_date", "expected"), [
    # Contract from 1 Sept 2026, practical start Thursday 3 Sept, cohort CCEEE: the 45th company day
    # is Thursday 17 December. Within the period: 8 000 × contract days / 365 × 50 %, at most 750 €.
    (date(2026, 10, 2), D("350.68")),  # 32 days
    (date(2026, 12, 17), D("750.00")),  # 108 days: 1 183,56 € capped
])
def test_a_rupture_within_the_45_company_days_reduces_the_participation_not_yet_invoiced(opco_file, staff, rupture_date, expected):
    contract = opco_file.contract
    _level_6(contract)
    OpcoFile.objects.filter(pk=opco_file.pk).update(npec_amount=D("8000.00"))
    opco.opco_schedule_generate(opco_file=opco_file, by=staff)
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.IN_PROGRESS)
    contract.refresh_from_db()

    contract_record_rupture(contract=contract, by=staff, today=date(2026, 12, 20), rupture=RuptureInput(
        rupture_date=rupture_date, kind=RuptureKind.FREE_PERIOD, initiative=RuptureInitiative.EMPLOYER, cause="Inadéquation au poste",
    ))

    opco_file.refresh_from_db()
    assert opco_file.employer_participation_amount == expected
    timeline = opco.opco_file_timeline(Contract.objects.get(pk=contract.pk), opco_file, today=date(2026, 12, 20))
    assert timeline.employer_participation_from == rupture_date + timedelta(days=1)


def test_the_contract_page_dates_the_participation_the_day_after_the_45th_company_day(opco_file, staff):
    _level_6(opco_file.contract)
    opco.opco_schedule_generate(opco_file=opco_file, by=staff)
    opco_file.refresh_from_db()

    timeline = opco.opco_file_timeline(opco_file.contract, opco_file, today=date(2026, 12, 20))

    assert timeline.employer_participation_from == date(2026, 12, 18)
