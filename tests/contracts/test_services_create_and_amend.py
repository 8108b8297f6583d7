"""Creating, editing and amending contracts (contracts.services.contract_create, contract_update,
contract_create_amendment): the draft and its first history row, the statuses that may still be
edited, the amendment's type codes (31–38, Cerfa) and its effective date within the contract."""

from datetime import date, timedelta

import pytest

from contracts.choices import ContractStatus as S
from contracts.models import Contract, ContractStatusChange
from contracts.services import (
    CONTRACT_FORM_FIELDS,
    ContractTransitionError,
    contract_create,
    contract_create_amendment,
    contract_update,
)
from tests.factories.alternance import AdminStaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return AdminStaffFactory()


def set_status(contract, status):
    broken = {"rupture_date": date(2026, 10, 2), "rupture_kind": "mutual_agreement"} if status == S.BROKEN else {}
    Contract.objects.filter(pk=contract.pk).update(status=status, **broken)
    contract.refresh_from_db()
    return contract


def test_create_makes_a_draft_with_its_creation_history_row(contract, staff):
    values = {name: getattr(contract, name) for name in CONTRACT_FORM_FIELDS}

    created = contract_create(by=staff, **values)

    created = Contract.objects.get(pk=created.pk)
    assert (created.status, created.created_by, created.start_date, created.apprentice_id) == (
        S.DRAFT, staff, contract.start_date, contract.apprentice_id
    )
    assert list(ContractStatusChange.objects.filter(contract=created).values_list("from_status", "to_status", "changed_by", "comment")) == [
        ("", S.DRAFT, staff.pk, "Création")
    ]


def test_create_refuses_unknown_fields_by_name(contract, staff):
    with pytest.raises(TypeError, match=r"^Champs inattendus : \['nope', 'status'\]$"):
        contract_create(by=staff, apprentice=contract.apprentice, status=S.SIGNED, nope=1)
    assert Contract.objects.count() == 1


@pytest.mark.parametrize(("status", "editable"), [
    (S.DRAFT, True), (S.REFUSED, True), (S.AWAITING_SIGNATURES, False), (S.SIGNED, False), (S.SENT_TO_OPCO, False),
    (S.ACCEPTED, False), (S.IN_PROGRESS, False), (S.ENDED, False), (S.BROKEN, False),
])
def test_only_a_draft_or_a_refused_contract_is_edited(contract, staff, status, editable):
    set_status(contract, status)

    if editable:
        contract_update(contract=contract, by=staff, training_hours=1200)
    else:
        with pytest.raises(ContractTransitionError) as error:
            contract_update(contract=contract, by=staff, training_hours=1200)
        assert str(error.value) == f"Un contrat « {S(status).label} » ne se modifie plus : créez un avenant."
    assert Contract.objects.get(pk=contract.pk).training_hours == (1200 if editable else 1350)


def test_update_refuses_a_field_outside_the_form(contract, staff):
    set_status(contract, S.DRAFT)

    with pytest.raises(TypeError, match="^Champ inattendu : status$"):
        contract_update(contract=contract, by=staff, status=S.SIGNED)
    assert Contract.objects.get(pk=contract.pk).status == S.DRAFT


@pytest.mark.parametrize(("contract_type", "accepted"), [(30, False), (31, True), (38, True), (11, False)])
def test_amendment_types_are_the_cerfa_codes_31_to_38(contract, staff, contract_type, accepted):
    if accepted:
        amendment = contract_create_amendment(contract=contract, by=staff, contract_type=contract_type, effective_date=date(2027, 1, 4))
        assert Contract.objects.get(pk=amendment.pk).contract_type == contract_type
    else:
        with pytest.raises(ContractTransitionError, match=r"^Choisissez un type d'avenant \(codes 31 à 38\)\.$"):
            contract_create_amendment(contract=contract, by=staff, contract_type=contract_type, effective_date=date(2027, 1, 4))
        assert not Contract.objects.filter(amends=contract).exists()


@pytest.mark.parametrize(("status", "accepted"), [
    (S.DRAFT, False), (S.AWAITING_SIGNATURES, False), (S.SIGNED, True), (S.SENT_TO_OPCO, True), (S.ACCEPTED, True),
    (S.IN_PROGRESS, True), (S.REFUSED, False), (S.ENDED, False), (S.BROKEN, False),
])
def test_only_a_signed_running_contract_is_amended(contract, staff, status, accepted):
    set_status(contract, status)

    if accepted:
        contract_create_amendment(contract=contract, by=staff, contract_type=36, effective_date=date(2027, 1, 4))
    else:
        with pytest.raises(ContractTransitionError, match="^Seul un contrat signé et en cours peut faire l'objet d'un avenant\\.$"):
            contract_create_amendment(contract=contract, by=staff, contract_type=36, effective_date=date(2027, 1, 4))
    assert Contract.objects.filter(amends=contract).count() == (1 if accepted else 0)


@pytest.mark.parametrize(("offset", "from_start", "accepted"), [
    (-1, True, False), (0, True, True), (1, True, True),
    (-1, False, True), (0, False, True), (1, False, False),
])
def test_the_amendment_takes_effect_between_the_contracts_start_and_end(contract, staff, offset, from_start, accepted):
    day = (contract.start_date if from_start else contract.end_date) + timedelta(days=offset)

    if accepted:
        contract_create_amendment(contract=contract, by=staff, contract_type=36, effective_date=day)
    else:
        with pytest.raises(ContractTransitionError, match="^La date d'effet de l'avenant doit se situer pendant le contrat\\.$"):
            contract_create_amendment(contract=contract, by=staff, contract_type=36, effective_date=day)
    assert list(Contract.objects.filter(amends=contract).values_list("amendment_effective_date", flat=True)) == ([day] if accepted else [])


@pytest.mark.parametrize(("comment", "expected"), [({"comment": "Changement de maître"}, "Changement de maître"), ({}, "Création")])
def test_the_amendment_copies_the_contract_and_keeps_its_comment(contract, staff, comment, expected):
    amendment = contract_create_amendment(contract=contract, by=staff, contract_type=36, effective_date=date(2027, 1, 4), **comment)

    amendment = Contract.objects.get(pk=amendment.pk)
    assert (amendment.status, amendment.amends_id, amendment.created_by) == (S.DRAFT, contract.pk, staff)
    assert {name: getattr(amendment, name) for name in CONTRACT_FORM_FIELDS if name != "contract_type"} == {
        name: getattr(contract, name) for name in CONTRACT_FORM_FIELDS if name != "contract_type"
    }
    assert list(ContractStatusChange.objects.filter(contract=amendment).values_list("to_status", "comment")) == [(S.DRAFT, expected)]
    assert Contract.objects.get(pk=contract.pk).status == contract.status
