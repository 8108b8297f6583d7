"""contracts.services at the limits of its guards: dates not in the future, the rupture within the
contract, each missing fact named alone, the OPCO notified of a rupture (never before it), and the
apprentice's status after a rupture (L6222-18) or an early end with the diploma (L6222-19)."""

from datetime import date, timedelta

import pytest

from alternance.choices import ApprenticeStatus
from alternance.models import Apprentice
from contracts.choices import ContractStatus as S
from contracts.choices import RuptureInitiative, RuptureKind
from contracts.models import Contract, OpcoFile
from contracts.services import (
    ContractTransitionError,
    RuptureInput,
    apprentice_sync_status,
    contract_end,
    contract_mark_signed,
    contract_record_rupture,
    opco_record_rupture_notification,
)
from tests.factories.alternance import AdminStaffFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db
RUPTURE = date(2027, 3, 1)


@pytest.fixture
def staff():
    return AdminStaffFactory()


def mutual(**overrides):
    values = dict(rupture_date=RUPTURE, kind=RuptureKind.MUTUAL_AGREEMENT, initiative=RuptureInitiative.BOTH, cause="Accord")
    return RuptureInput(**{**values, **overrides})


def refused_with(contract, staff, rupture, today):
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(contract=contract, by=staff, rupture=rupture, today=today)
    assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS
    return error.value.problems


@pytest.mark.parametrize(("today", "accepted"), [(RUPTURE - timedelta(days=1), False), (RUPTURE, True), (RUPTURE + timedelta(days=1), True)])
def test_a_rupture_is_not_recorded_in_the_future(contract, staff, today, accepted):
    if accepted:
        contract_record_rupture(contract=contract, by=staff, rupture=mutual(), today=today)
        assert Contract.objects.values_list("status", "rupture_date").get(pk=contract.pk) == (S.BROKEN, RUPTURE)
    else:
        assert refused_with(contract, staff, mutual(), today) == ["La date de rupture ne peut pas être dans le futur."]


@pytest.mark.parametrize(("day", "accepted"), [
    (date(2026, 8, 31), False), (date(2026, 9, 1), True), (date(2028, 8, 31), True), (date(2028, 9, 1), False),
])
def test_the_rupture_falls_between_the_contracts_start_and_end(contract, staff, day, accepted):
    today = date(2029, 1, 1)
    if accepted:
        contract_record_rupture(contract=contract, by=staff, rupture=mutual(rupture_date=day), today=today)
        assert Contract.objects.get(pk=contract.pk).rupture_date == day
    else:
        assert refused_with(contract, staff, mutual(rupture_date=day), today) == [
            "La date de rupture doit se situer entre le début et la fin du contrat."
        ]


@pytest.mark.parametrize(("overrides", "problems"), [
    ({"kind": "nope"}, ["Choisissez le type de rupture."]),
    ({"cause": "  "}, ["Décrivez la cause de la rupture en quelques mots."]),
    ({"kind": RuptureKind.DISMISSAL}, ["Indiquez le motif du licenciement."]),
])
def test_each_missing_fact_is_named(contract, staff, overrides, problems):
    assert refused_with(contract, staff, mutual(**overrides), RUPTURE) == problems


def test_the_rupture_records_its_facts_and_notifies_the_opco_file(contract, staff):
    OpcoFile.objects.create(contract=contract, opco="Atlas", sent_date=date(2026, 9, 3))

    contract_record_rupture(contract=contract, by=staff, today=RUPTURE, rupture=mutual(
        opco_notified_date=RUPTURE, mediator_referral_date=date(2027, 2, 1), employer_informed_date=date(2027, 2, 2),
    ))

    assert Contract.objects.values_list(
        "rupture_kind", "rupture_initiative", "rupture_cause", "mediator_referral_date", "employer_informed_date"
    ).get(pk=contract.pk) == (RuptureKind.MUTUAL_AGREEMENT, RuptureInitiative.BOTH, "Accord", date(2027, 2, 1), None)
    assert OpcoFile.objects.get(contract=contract).rupture_notified_date == RUPTURE


def broken(contract, staff, kind=RuptureKind.MUTUAL_AGREEMENT):
    contract_record_rupture(contract=contract, by=staff, rupture=mutual(kind=kind), today=RUPTURE)
    contract.refresh_from_db()
    return contract


def test_only_a_broken_contract_is_notified_to_the_opco(contract):
    with pytest.raises(ContractTransitionError) as error:
        opco_record_rupture_notification(contract=contract, notified_date=RUPTURE)

    assert str(error.value) == "Seul un contrat rompu peut faire l'objet d'une notification de rupture."
    assert not OpcoFile.objects.filter(contract=contract).exists()


@pytest.mark.parametrize(("offset", "accepted"), [(-1, False), (0, True), (1, True)])
def test_the_notification_never_precedes_the_rupture(contract, staff, offset, accepted):
    contract = broken(contract, staff)
    day = RUPTURE + timedelta(days=offset)

    if accepted:
        opco_file = opco_record_rupture_notification(contract=contract, notified_date=day)
        assert OpcoFile.objects.values_list("pk", "opco", "rupture_notified_date").get(contract=contract) == (
            opco_file.pk, contract.company.opco, day
        )
    else:
        with pytest.raises(ContractTransitionError) as error:
            opco_record_rupture_notification(contract=contract, notified_date=day)
        assert str(error.value) == "La notification ne peut pas précéder la rupture."
        assert not OpcoFile.objects.filter(contract=contract).exists()


def test_the_notification_keeps_the_files_opco(contract, staff):
    OpcoFile.objects.create(contract=contract, opco="Atlas", sent_date=date(2026, 9, 3))
    contract = broken(contract, staff)

    opco_record_rupture_notification(contract=contract, notified_date=RUPTURE)

    assert OpcoFile.objects.values_list("opco", "sent_date", "rupture_notified_date").get(contract=contract) == (
        "Atlas", date(2026, 9, 3), RUPTURE
    )


@pytest.mark.parametrize(("kind", "status"), [
    (RuptureKind.MUTUAL_AGREEMENT, ApprenticeStatus.RUPTURANT),
    (RuptureKind.DIPLOMA_OBTAINED, ApprenticeStatus.COMPLETED),  # L6222-19: not looking for an employer
])
def test_the_apprentice_after_a_rupture(contract, staff, kind, status):
    Contract.objects.filter(pk=contract.pk).update(
        status=S.BROKEN, rupture_date=RUPTURE, rupture_kind=kind, rupture_initiative=RuptureInitiative.APPRENTICE,
    )

    apprentice_sync_status(apprentice=contract.apprentice)

    assert Apprentice.objects.values_list("status", "status_since").get(pk=contract.apprentice_id) == (status, RUPTURE)


def test_a_dropped_out_learner_keeps_its_status(contract, staff):
    Apprentice.objects.filter(pk=contract.apprentice_id).update(
        status=ApprenticeStatus.DROPPED_OUT, status_since=date(2026, 10, 1), exclusion_date=date(2026, 10, 1)
    )
    contract.apprentice.refresh_from_db()

    contract_end(contract=contract, by=staff, today=date(2028, 8, 31))

    assert Apprentice.objects.values_list("status", "status_since").get(pk=contract.apprentice_id) == (
        ApprenticeStatus.DROPPED_OUT, date(2026, 10, 1)
    )


@pytest.mark.parametrize(("today", "accepted"), [(date(2028, 8, 30), False), (date(2028, 8, 31), True)])
def test_the_contract_ends_on_its_end_date(contract, staff, today, accepted):
    if accepted:
        contract_end(contract=contract, by=staff, today=today)
    else:
        with pytest.raises(ContractTransitionError, match="Le contrat court jusqu'au 31/08/2028"):
            contract_end(contract=contract, by=staff, today=today)
    assert Contract.objects.get(pk=contract.pk).status == (S.ENDED if accepted else S.IN_PROGRESS)


@pytest.mark.parametrize(("signature", "today", "error"), [
    (date(2026, 8, 26), date(2026, 8, 25), "La date de signature ne peut pas être dans le futur."),
    (date(2026, 8, 25), date(2026, 8, 25), None),
    (date(2026, 9, 1), date(2026, 9, 1), None),  # the start day itself
    (date(2026, 9, 2), date(2026, 9, 2), "La date de signature (02/09/2026) doit précéder ou égaler le début d'exécution (01/09/2026)."),
])
def test_the_signature_date_is_past_and_not_after_the_start(contract, staff, signature, today, error):
    Contract.objects.filter(pk=contract.pk).update(status=S.AWAITING_SIGNATURES, signature_date=None)
    contract.refresh_from_db()

    if error:
        with pytest.raises(ContractTransitionError) as raised:
            contract_mark_signed(contract=contract, by=staff, signature_date=signature, today=today)
        assert str(raised.value) == error
    else:
        contract_mark_signed(contract=contract, by=staff, signature_date=signature, today=today)
    assert Contract.objects.values_list("status", "signature_date").get(pk=contract.pk) == (
        (S.AWAITING_SIGNATURES, None) if error else (S.SIGNED, signature)
    )


def test_an_amendment_is_signed_after_the_start(contract, staff):
    amended = ContractFactory(apprentice=contract.apprentice, company=contract.company, master=contract.master)
    Contract.objects.filter(pk=contract.pk).update(status=S.AWAITING_SIGNATURES, signature_date=None, contract_type=36, amends=amended)
    contract.refresh_from_db()

    contract_mark_signed(contract=contract, by=staff, signature_date=date(2027, 1, 4), today=date(2027, 1, 4))

    assert Contract.objects.values_list("status", "signature_date").get(pk=contract.pk) == (S.SIGNED, date(2027, 1, 4))


def second_contract(contract, **values):
    start = values["start_date"]
    return ContractFactory(apprentice=contract.apprentice, company=contract.company, master=contract.master,
                           practical_training_start_date=start, training_start_date=start, signature_date=start, **values)


@pytest.mark.parametrize(("first", "second", "expected"), [
    # The last contract by its last day (rupture, else end) decides.
    ({"status": S.ENDED}, {"status": S.BROKEN, "start_date": date(2028, 9, 1), "end_date": date(2030, 8, 31), "rupture_date": date(2029, 1, 10)},
     (ApprenticeStatus.RUPTURANT, date(2029, 1, 10))),
    ({"status": S.BROKEN, "rupture_date": date(2027, 1, 10)}, {"status": S.ENDED, "start_date": date(2027, 2, 1), "end_date": date(2028, 1, 31)},
     (ApprenticeStatus.COMPLETED, date(2028, 1, 31))),
    # Two running contracts: under contract since the earlier start.
    ({"status": S.IN_PROGRESS}, {"status": S.SIGNED, "start_date": date(2027, 9, 1), "end_date": date(2029, 8, 31)},
     (ApprenticeStatus.UNDER_CONTRACT, date(2026, 9, 1))),
    # Drafts, contracts awaiting signatures and refused ones do not count.
    ({"status": S.ENDED}, {"status": S.REFUSED, "start_date": date(2028, 9, 1), "end_date": date(2030, 8, 31)},
     (ApprenticeStatus.COMPLETED, date(2028, 8, 31))),
    ({"status": S.ENDED}, {"status": S.AWAITING_SIGNATURES, "start_date": date(2028, 9, 1), "end_date": date(2030, 8, 31)},
     (ApprenticeStatus.COMPLETED, date(2028, 8, 31))),
])
def test_the_apprentice_status_follows_the_last_contract(contract, first, second, expected):
    rupture = {"rupture_kind": RuptureKind.MUTUAL_AGREEMENT}
    Contract.objects.filter(pk=contract.pk).update(**first, **(rupture if first["status"] == S.BROKEN else {}))
    second_contract(contract, **second, **(rupture if second["status"] == S.BROKEN else {}))

    apprentice_sync_status(apprentice=Apprentice.objects.get(pk=contract.apprentice_id))

    assert Apprentice.objects.values_list("status", "status_since").get(pk=contract.apprentice_id) == expected


def test_an_apprentice_without_signed_contract_keeps_its_status(contract):
    Contract.objects.filter(pk=contract.pk).update(status=S.DRAFT)
    Apprentice.objects.filter(pk=contract.apprentice_id).update(status=ApprenticeStatus.SEEKING, status_since=date(2026, 6, 1))

    apprentice_sync_status(apprentice=Apprentice.objects.get(pk=contract.apprentice_id))

    assert Apprentice.objects.values_list("status", "status_since").get(pk=contract.apprentice_id) == (ApprenticeStatus.SEEKING, date(2026, 6, 1))


def test_a_transition_error_has_no_problems_unless_given():
    assert ContractTransitionError("x").problems == []
    assert ContractTransitionError("x", problems=["a"]).problems == ["a"]
