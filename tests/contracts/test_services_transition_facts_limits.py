"""What each contract transition writes and says (contracts.services), re-read from the database:
the history row's author and comment (blank when none is given), the pre-flight check before the
OPCO counted and worded at 0, 1 and 2 missing documents, the DDETS deposit of a public employer
(D6224-1: no OPCO recorded, the DDETS named in the message), every refusal of the OPCO file's
dates at once, and the end of the contract from its end date on — exact French messages."""

from datetime import date, datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from contracts.choices import ContractStatus as S
from contracts.choices import DocumentKind, OpcoDecision, RuptureInitiative, RuptureKind
from contracts.models import Contract, ContractStatusChange, OpcoFile
from contracts.pdf import generate_document
from contracts.services import (
    ContractTransitionError,
    contract_end,
    contract_mark_signed,
    contract_record_opco_decision,
    contract_request_signatures,
    contract_send_to_opco,
    contract_start_execution,
)
from tests.factories.alternance import AdminStaffFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

SENT = date(2026, 9, 3)
CERFA_MISSING = (
    "La fiche Cerfa n'a pas été générée : générez-la dans le panneau « Documents » du contrat avant l'envoi à l'OPCO."
)


@pytest.fixture(autouse=True)
def pinned_clock_and_media(time_machine, settings, tmp_path):
    time_machine.move_to(datetime(2026, 9, 3, 10, 0, tzinfo=PARIS), tick=False)
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff():
    return AdminStaffFactory()


def at(contract, status, **fields):
    Contract.objects.filter(pk=contract.pk).update(status=status, **fields)
    contract.refresh_from_db()
    return contract


def documents(contract, *kinds):
    for kind in kinds:
        generate_document(kind=kind, contract=contract, by=None, today=date(2026, 8, 25))


def request_signatures(contract, staff, **comment):
    contract_request_signatures(
        contract=at(contract, S.DRAFT, signature_date=None), by=staff, today=date(2026, 8, 20), **comment
    )


def mark_signed(contract, staff, **comment):
    contract = at(contract, S.AWAITING_SIGNATURES, signature_date=None)
    contract_mark_signed(
        contract=contract, by=staff, signature_date=date(2026, 8, 25), today=date(2026, 8, 25), **comment
    )


def send_to_opco(contract, staff, **comment):
    contract = at(contract, S.SIGNED)
    documents(contract, DocumentKind.CERFA, DocumentKind.CONVENTION)
    contract_send_to_opco(contract=contract, by=staff, sent_date=SENT, today=SENT, **comment)


def record_decision(contract, staff, **comment):
    OpcoFile.objects.create(contract=contract, opco="Atlas", sent_date=SENT)
    contract_record_opco_decision(
        contract=at(contract, S.SENT_TO_OPCO),
        by=staff,
        accepted=True,
        decision_date=date(2026, 9, 20),
        today=date(2026, 9, 21),
        deposit_number="075202609000123",
        **comment,
    )


def start_execution(contract, staff, **comment):
    contract_start_execution(contract=at(contract, S.ACCEPTED), by=staff, today=date(2026, 9, 21), **comment)


def end(contract, staff, **comment):
    contract_end(contract=at(contract, S.IN_PROGRESS), by=staff, today=date(2028, 8, 31), **comment)


TRANSITIONS = [
    (request_signatures, S.DRAFT, S.AWAITING_SIGNATURES),
    (mark_signed, S.AWAITING_SIGNATURES, S.SIGNED),
    (send_to_opco, S.SIGNED, S.SENT_TO_OPCO),
    (record_decision, S.SENT_TO_OPCO, S.ACCEPTED),
    (start_execution, S.ACCEPTED, S.IN_PROGRESS),
    (end, S.IN_PROGRESS, S.ENDED),
]


@pytest.mark.parametrize(
    ("comment", "written"), [({}, ""), ({"comment": "Relu avec l'employeur"}, "Relu avec l'employeur")]
)
@pytest.mark.parametrize(("transition", "before", "after"), TRANSITIONS)
def test_each_transition_writes_its_author_and_its_comment_blank_when_none(
    contract, staff, transition, before, after, comment, written
):
    transition(contract, staff, **comment)

    assert Contract.objects.get(pk=contract.pk).status == after
    assert list(
        ContractStatusChange.objects.filter(contract=contract).values_list(
            "from_status", "to_status", "changed_by", "comment"
        )
    ) == [(before, after, staff.pk, written)]


@pytest.mark.parametrize(
    ("kinds", "message", "problems"),
    [
        (
            (),
            "2 points bloquants empêchent l'envoi à l'OPCO : corrigez-les dans la liste de contrôle du contrat.",
            [
                CERFA_MISSING,
                "La convention de formation n'a pas été générée : générez-la dans le panneau « Documents » du contrat avant l'envoi à l'OPCO.",
            ],
        ),
        (
            (DocumentKind.CONVENTION,),
            "1 point bloquant empêche l'envoi à l'OPCO : corrigez-le dans la liste de contrôle du contrat.",
            [CERFA_MISSING],
        ),
        ((DocumentKind.CONVENTION, DocumentKind.CERFA), None, None),
    ],
)
def test_the_preflight_before_the_opco_blocks_on_each_missing_document(contract, staff, kinds, message, problems):
    """The documents block the OPCO stage only (contracts.freshness): 2, 1 then 0 missing."""
    contract = at(contract, S.SIGNED)
    documents(contract, *kinds)

    if message is None:
        contract_send_to_opco(contract=contract, by=staff, sent_date=SENT, today=SENT)
        assert OpcoFile.objects.values_list("opco", "sent_date", "decision").get(contract=contract) == (
            "Atlas",
            SENT,
            OpcoDecision.PENDING,
        )
        return
    with pytest.raises(ContractTransitionError) as error:
        contract_send_to_opco(contract=contract, by=staff, sent_date=SENT, today=SENT)
    assert (str(error.value), error.value.problems) == (message, problems)
    assert Contract.objects.get(pk=contract.pk).status == S.SIGNED
    assert not OpcoFile.objects.filter(contract=contract).exists()


@pytest.fixture
def public(contract):
    """A territorial authority (employer type 22) with an OPCO filled in all the same."""
    contract.company.is_public, contract.company.employer_type, contract.company.opco = True, "22", "OPCO Atlas"
    contract.company.save()
    Contract.objects.filter(pk=contract.pk).update(public_unemployment_insurance=False)
    contract.refresh_from_db()
    return contract


def test_d6224_1_a_public_employer_deposits_with_the_ddets_and_records_no_opco(public, staff):
    send_to_opco(public, staff)

    assert OpcoFile.objects.values_list("opco", "sent_date", "decision").get(contract=public) == (
        "",
        SENT,
        OpcoDecision.PENDING,
    )
    assert Contract.objects.get(pk=public.pk).status == S.SENT_TO_OPCO


@pytest.mark.parametrize(
    ("employer", "message"),
    [
        ("private", "Indiquez le numéro de dépôt attribué par l'OPCO."),
        ("public", "Indiquez le numéro d'enregistrement du dépôt attribué par la DDETS."),
    ],
)
def test_d6224_1_an_acceptance_asks_the_deposit_number_of_the_opco_or_of_the_ddets(
    request, contract, staff, employer, message
):
    contract = request.getfixturevalue("public") if employer == "public" else contract
    OpcoFile.objects.create(contract=contract, sent_date=SENT)

    with pytest.raises(ContractTransitionError) as error:
        contract_record_opco_decision(
            contract=at(contract, S.SENT_TO_OPCO),
            by=staff,
            accepted=True,
            decision_date=SENT,
            today=SENT,
            deposit_number="  ",
        )

    assert str(error.value) == message
    assert OpcoFile.objects.values_list("decision", "deposit_number").get(contract=contract) == (
        OpcoDecision.PENDING,
        "",
    )
    assert Contract.objects.get(pk=contract.pk).status == S.SENT_TO_OPCO


@pytest.mark.parametrize(
    ("complete_day", "decision_day", "message"),
    [
        (
            date(2026, 9, 2),
            date(2026, 9, 2),
            "Le dossier complet ne peut être reçu qu'après son envoi : indiquez d'abord la date d'envoi. "
            "La décision de l'OPCO ne peut pas précéder l'envoi du dossier.",
        ),
        (date(2026, 9, 3), date(2026, 9, 2), "La décision de l'OPCO ne peut pas précéder l'envoi du dossier."),
        (
            date(2026, 9, 2),
            date(2026, 9, 3),
            "Le dossier complet ne peut être reçu qu'après son envoi : indiquez d'abord la date d'envoi.",
        ),
        (date(2026, 9, 3), date(2026, 9, 3), None),
    ],
)
def test_every_refusal_of_the_opco_files_dates_is_said_at_once(contract, staff, complete_day, decision_day, message):
    """OpcoFile.clean: neither the complete file nor the decision before the sending (03/09/2026)."""
    OpcoFile.objects.create(contract=contract, opco="Atlas", sent_date=SENT)
    contract = at(contract, S.SENT_TO_OPCO)

    if message is None:
        contract_record_opco_decision(
            contract=contract,
            by=staff,
            accepted=False,
            decision_date=decision_day,
            today=date(2026, 9, 4),
            complete_file_date=complete_day,
        )
        assert OpcoFile.objects.values_list("decision", "decision_date", "complete_file_date").get(
            contract=contract
        ) == (OpcoDecision.REFUSED, decision_day, complete_day)
        assert Contract.objects.get(pk=contract.pk).status == S.REFUSED
        return
    with pytest.raises(ContractTransitionError) as error:
        contract_record_opco_decision(
            contract=contract,
            by=staff,
            accepted=False,
            decision_date=decision_day,
            today=date(2026, 9, 4),
            complete_file_date=complete_day,
        )
    assert str(error.value) == message
    assert OpcoFile.objects.values_list("decision", "decision_date", "complete_file_date").get(contract=contract) == (
        OpcoDecision.PENDING,
        None,
        None,
    )
    assert Contract.objects.get(pk=contract.pk).status == S.SENT_TO_OPCO


@pytest.mark.parametrize(
    ("today", "ended"), [(date(2028, 8, 30), False), (date(2028, 8, 31), True), (date(2028, 9, 1), True)]
)
def test_the_contract_ends_from_its_end_date_on(contract, staff, today, ended):
    if ended:
        contract_end(contract=contract, by=staff, today=today)
    else:
        with pytest.raises(ContractTransitionError) as error:
            contract_end(contract=contract, by=staff, today=today)
        assert (
            str(error.value) == "Le contrat court jusqu'au 31/08/2028 : pour l'arrêter avant, enregistrez une rupture."
        )
    assert Contract.objects.get(pk=contract.pk).status == (S.ENDED if ended else S.IN_PROGRESS)
    assert list(ContractStatusChange.objects.filter(contract=contract).values_list("to_status", "changed_by")) == (
        [(S.ENDED, staff.pk)] if ended else []
    )


def contract_log(contract):
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Contract),
            object_id=contract.pk,
            action=LogEntry.Action.UPDATE,
        ).values_list("actor", "changes")
    )


def test_a_transition_stamps_logs_and_moves_its_own_contract_only(contract, staff, time_machine):
    """The compare-and-set update of one contract (its pk and status): updated_at at the clock's
    time, its history entry by its author with the new status, another contract in the same status
    left as it was."""
    other = ContractFactory(status=S.IN_PROGRESS)
    other_stamp = Contract.objects.get(pk=other.pk).updated_at
    time_machine.move_to(datetime(2028, 8, 31, 9, 0, tzinfo=PARIS), tick=False)

    contract_end(contract=contract, by=staff, today=date(2028, 8, 31))

    assert Contract.objects.values_list("status", "updated_at").get(pk=contract.pk) == (
        S.ENDED,
        datetime(2028, 8, 31, 9, 0, tzinfo=PARIS),
    )
    assert Contract.objects.values_list("status", "updated_at").get(pk=other.pk) == (S.IN_PROGRESS, other_stamp)
    assert contract_log(contract) == [(staff.pk, {"status": [S.IN_PROGRESS, S.ENDED]})]
    assert contract_log(other) == []


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.IN_PROGRESS, None),
        (
            S.ENDED,
            "Impossible de passer un contrat « Terminé » à l'état « Terminé ». États possibles : aucun (état final).",
        ),
        (
            S.BROKEN,
            "Impossible de passer un contrat « Rompu » à l'état « Terminé ». États possibles : aucun (état final).",
        ),
    ],
)
def test_a_final_state_allows_no_transition_and_says_so(contract, staff, status, message):
    rupture = {
        "rupture_date": date(2027, 3, 1),
        "rupture_kind": RuptureKind.MUTUAL_AGREEMENT,
        "rupture_initiative": RuptureInitiative.BOTH,
    }
    contract = at(contract, status, **(rupture if status == S.BROKEN else {}))

    if message is None:
        contract_end(contract=contract, by=staff, today=date(2028, 8, 31))
        assert Contract.objects.get(pk=contract.pk).status == S.ENDED
        return
    with pytest.raises(ContractTransitionError) as error:
        contract_end(contract=contract, by=staff, today=date(2028, 8, 31))
    assert str(error.value) == message
    assert Contract.objects.get(pk=contract.pk).status == status
    assert not ContractStatusChange.objects.filter(contract=contract).exists()
