"""The contract transitions' guards at their limits, with their exact French messages
(contracts.services): dates not in the future, the OPCO decision and its deposit number, the
execution from the start date, the table of allowed transitions and the history row."""

from datetime import date

import pytest

from contracts.choices import ContractStatus as S
from contracts.choices import OpcoDecision
from contracts.models import Contract, ContractStatusChange, OpcoFile
from contracts.services import (
    ContractTransitionError,
    allowed_transitions,
    contract_back_to_draft,
    contract_record_opco_decision,
    contract_send_to_opco,
    contract_start_execution,
)
from tests.factories.alternance import AdminStaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return AdminStaffFactory()


def at(contract, status):
    Contract.objects.filter(pk=contract.pk).update(status=status)
    contract.refresh_from_db()
    return contract


def message(call, **kwargs):
    with pytest.raises(ContractTransitionError) as error:
        call(**kwargs)
    return str(error.value)


def test_back_to_draft_needs_a_reason_and_records_it(contract, staff):
    at(contract, S.REFUSED)

    assert message(contract_back_to_draft, contract=contract, by=staff, comment=" ") == "Indiquez pourquoi le contrat repasse en brouillon."
    contract_back_to_draft(contract=contract, by=staff, comment="NAF corrigé")

    assert Contract.objects.get(pk=contract.pk).status == S.DRAFT
    assert list(ContractStatusChange.objects.filter(contract=contract).values_list("from_status", "to_status", "changed_by", "comment")) == [
        (S.REFUSED, S.DRAFT, staff.pk, "NAF corrigé")
    ]


def test_a_forbidden_transition_lists_the_allowed_ones(contract, staff):
    at(contract, S.SENT_TO_OPCO)

    assert allowed_transitions(contract) == (S.ACCEPTED, S.REFUSED, S.BROKEN)
    assert message(contract_back_to_draft, contract=contract, by=staff, comment="Erreur") == (
        "Impossible de passer un contrat « Transmis à l'OPCO » à l'état « Brouillon ». "
        "États possibles : Pris en charge par l'OPCO, Refusé par l'OPCO, Rompu."
    )


def test_a_stale_copy_gets_the_reload_message(contract, staff):
    stale = at(Contract.objects.get(pk=contract.pk), S.REFUSED)
    Contract.objects.filter(pk=contract.pk).update(status=S.SENT_TO_OPCO)

    assert message(contract_back_to_draft, contract=stale, by=staff, comment="Erreur") == (
        "Le contrat a été modifié entre-temps par quelqu'un d'autre : rechargez la page et recommencez."
    )
    assert not ContractStatusChange.objects.filter(contract=contract).exists()


def test_the_sending_date_is_not_in_the_future(contract, staff):
    at(contract, S.SIGNED)

    assert message(contract_send_to_opco, contract=contract, by=staff, sent_date=date(2026, 9, 4), today=date(2026, 9, 3)) == (
        "La date d'envoi ne peut pas être dans le futur."
    )
    assert not OpcoFile.objects.filter(contract=contract).exists()


@pytest.fixture
def sent(contract):
    at(contract, S.SENT_TO_OPCO)
    OpcoFile.objects.create(contract=contract, opco="Atlas", sent_date=date(2026, 9, 3), complete_file_date=date(2026, 9, 5))
    return contract


@pytest.mark.parametrize(("decision_date", "today", "error"), [
    (date(2026, 9, 21), date(2026, 9, 20), "La date de décision ne peut pas être dans le futur."),
    (date(2026, 9, 20), date(2026, 9, 20), None),
    (date(2026, 9, 2), date(2026, 9, 20), "La décision de l'OPCO ne peut pas précéder l'envoi du dossier."),
    (date(2026, 9, 3), date(2026, 9, 20), None),
])
def test_the_decision_date_is_past_and_not_before_the_sending(sent, staff, decision_date, today, error):
    call = dict(contract=sent, by=staff, accepted=False, decision_date=decision_date, today=today)

    if error:
        assert message(contract_record_opco_decision, **call) == error
    else:
        contract_record_opco_decision(**call)
    assert Contract.objects.get(pk=sent.pk).status == (S.SENT_TO_OPCO if error else S.REFUSED)
    assert OpcoFile.objects.values_list("decision", "decision_date").get(contract=sent) == (
        (OpcoDecision.PENDING, None) if error else (OpcoDecision.REFUSED, decision_date)
    )


def test_an_acceptance_needs_the_deposit_number(sent, staff):
    call = dict(contract=sent, by=staff, accepted=True, decision_date=date(2026, 9, 20), today=date(2026, 9, 20))

    assert message(contract_record_opco_decision, deposit_number="  ", **call) == "Indiquez le numéro de dépôt attribué par l'OPCO."
    contract_record_opco_decision(deposit_number=" 075202609000123 ", complete_file_date=date(2026, 9, 8), **call)

    assert OpcoFile.objects.values_list("decision", "decision_date", "deposit_number", "complete_file_date").get(contract=sent) == (
        OpcoDecision.ACCEPTED, date(2026, 9, 20), "075202609000123", date(2026, 9, 8)
    )
    assert Contract.objects.get(pk=sent.pk).status == S.ACCEPTED


def test_a_refusal_without_complete_date_keeps_the_recorded_one(sent, staff):
    contract_record_opco_decision(contract=sent, by=staff, accepted=False, decision_date=date(2026, 9, 20), today=date(2026, 9, 20))

    assert OpcoFile.objects.get(contract=sent).complete_file_date == date(2026, 9, 5)


@pytest.mark.parametrize(("today", "started"), [(date(2026, 8, 31), False), (date(2026, 9, 1), True), (date(2026, 9, 2), True)])
def test_execution_starts_on_the_start_date(contract, staff, today, started):
    at(contract, S.ACCEPTED)

    if started:
        contract_start_execution(contract=contract, by=staff, today=today)
    else:
        assert message(contract_start_execution, contract=contract, by=staff, today=today) == "Le contrat ne commence que le 01/09/2026."
    assert Contract.objects.get(pk=contract.pk).status == (S.IN_PROGRESS if started else S.ACCEPTED)


def test_a_transition_names_its_contract_and_apprentice_to_the_alert_rules(contract, staff, monkeypatch):
    from contracts import services

    calls = []
    monkeypatch.setattr(services, "facts_changed", lambda write, **ids: calls.append((write, ids)))
    at(contract, S.REFUSED)

    contract_back_to_draft(contract=contract, by=staff, comment="NAF corrigé")

    assert calls == [("contract_status_changed", {"contract_ids": [contract.pk], "apprentice_ids": [contract.apprentice_id]})]
