"""The contract state machine: allowed and refused transitions, guards, history, apprentice status."""

from datetime import date

import pytest

from alternance.choices import ApprenticeStatus
from alternance.models import CalendarOverride, ClosurePeriod
from contracts.choices import ContractStatus as S
from contracts.choices import DismissalGround, DocumentKind, OpcoDecision, RuptureInitiative, RuptureKind
from contracts.models import Contract, ContractStatusChange, OpcoFile
from contracts.pdf import generate_document
from contracts.services import (
    ContractTransitionError,
    RuptureInput,
    apprentice_sync_status,
    company_days_before,
    contract_back_to_draft,
    contract_end,
    contract_mark_signed,
    contract_record_opco_decision,
    contract_record_rupture,
    contract_request_signatures,
    contract_send_to_opco,
    contract_start_execution,
    opco_record_rupture_notification,
)
from tests.factories.alternance import AdminStaffFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return AdminStaffFactory()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def generate_opco_documents(contract, today):
    """The Cerfa sheet and the convention, generated from the current data (the pre-flight check
    before the OPCO blocks without them)."""
    for kind in (DocumentKind.CERFA, DocumentKind.CONVENTION):
        generate_document(kind=kind, contract=contract, by=None, today=today)


@pytest.fixture
def draft(contract):
    Contract.objects.filter(pk=contract.pk).update(status=S.DRAFT, signature_date=None)
    contract.refresh_from_db()
    return contract


def history(contract):
    return list(ContractStatusChange.objects.filter(contract=contract).order_by("pk").values_list("from_status", "to_status"))


def test_full_lifecycle_from_draft_to_ended_writes_history_and_moves_the_apprentice(draft, staff):
    contract_request_signatures(contract=draft, by=staff, today=date(2026, 8, 20))
    contract_mark_signed(contract=draft, by=staff, signature_date=date(2026, 8, 25), today=date(2026, 8, 25))
    generate_opco_documents(draft, date(2026, 8, 25))
    contract_send_to_opco(contract=draft, by=staff, sent_date=date(2026, 9, 3), today=date(2026, 9, 3))
    contract_record_opco_decision(
        contract=draft, by=staff, accepted=True, decision_date=date(2026, 9, 20), today=date(2026, 9, 21),
        deposit_number="075202609000123", complete_file_date=date(2026, 9, 4),
    )
    contract_start_execution(contract=draft, by=staff, today=date(2026, 9, 21))
    apprentice = draft.apprentice
    apprentice.refresh_from_db()
    assert (apprentice.status, apprentice.status_since) == (ApprenticeStatus.UNDER_CONTRACT, date(2026, 9, 1))

    contract_end(contract=draft, by=None, today=date(2028, 8, 31))

    draft.refresh_from_db()
    apprentice.refresh_from_db()
    assert draft.status == S.ENDED
    assert draft.signature_date == date(2026, 8, 25)
    assert history(draft) == [
        (S.DRAFT, S.AWAITING_SIGNATURES), (S.AWAITING_SIGNATURES, S.SIGNED), (S.SIGNED, S.SENT_TO_OPCO),
        (S.SENT_TO_OPCO, S.ACCEPTED), (S.ACCEPTED, S.IN_PROGRESS), (S.IN_PROGRESS, S.ENDED),
    ]
    assert ContractStatusChange.objects.filter(contract=draft, changed_by=staff).count() == 5
    opco_file = OpcoFile.objects.get(contract=draft)
    assert (opco_file.opco, opco_file.sent_date, opco_file.decision, opco_file.deposit_number) == (
        "Atlas", date(2026, 9, 3), OpcoDecision.ACCEPTED, "075202609000123"
    )
    assert (apprentice.status, apprentice.status_since) == (ApprenticeStatus.COMPLETED, date(2028, 8, 31))


def test_forbidden_transition_gets_a_french_message_and_changes_nothing(draft, staff):
    with pytest.raises(ContractTransitionError) as error:
        contract_mark_signed(contract=draft, by=staff, signature_date=date(2026, 8, 25), today=date(2026, 8, 25))

    assert str(error.value) == "Impossible de passer un contrat « Brouillon » à l'état « Signé ». États possibles : En attente de signatures."
    assert Contract.objects.get(pk=draft.pk).status == S.DRAFT
    assert history(draft) == []


def test_final_states_allow_nothing(contract, staff):
    Contract.objects.filter(pk=contract.pk).update(status=S.ENDED)
    contract.refresh_from_db()

    with pytest.raises(ContractTransitionError, match="aucun \\(état final\\)"):
        contract_start_execution(contract=contract, by=staff, today=date(2029, 1, 1))


def test_signatures_are_not_requested_while_the_preflight_has_a_blocking_error(draft, staff):
    Contract.objects.filter(pk=draft.pk).update(pension_fund="")
    draft.refresh_from_db()

    with pytest.raises(ContractTransitionError) as error:
        contract_request_signatures(contract=draft, by=staff, today=date(2026, 8, 20))

    assert str(error.value) == "1 point bloquant empêche la signature : corrigez-le dans la liste de contrôle du contrat."
    assert error.value.problems == ["Contrat : caisse de retraite complémentaire : à renseigner."]
    assert Contract.objects.get(pk=draft.pk).status == S.DRAFT


def test_sending_to_the_opco_is_refused_while_a_blocking_error_remains(contract, staff):
    Contract.objects.filter(pk=contract.pk).update(status=S.SIGNED, gross_monthly_salary="900.00")
    contract.refresh_from_db()

    with pytest.raises(ContractTransitionError, match="l'envoi à l'OPCO") as error:
        contract_send_to_opco(contract=contract, by=staff, sent_date=date(2026, 9, 3), today=date(2026, 9, 3))

    assert any("inférieur au minimum légal (966.21 €" in p for p in error.value.problems)
    assert Contract.objects.get(pk=contract.pk).status == S.SIGNED
    assert not OpcoFile.objects.filter(contract=contract).exists()


def test_a_stale_copy_cannot_move_a_contract_modified_meanwhile(draft, staff):
    stale = Contract.objects.get(pk=draft.pk)
    contract_request_signatures(contract=draft, by=staff, today=date(2026, 8, 20))
    contract_back_to_draft(contract=draft, by=staff, comment="Erreur sur le salaire")
    stale.status = S.AWAITING_SIGNATURES  # what the other user's page believed

    with pytest.raises(ContractTransitionError, match="modifié entre-temps"):
        contract_mark_signed(contract=stale, by=staff, signature_date=date(2026, 8, 25), today=date(2026, 8, 25))

    assert history(draft) == [(S.DRAFT, S.AWAITING_SIGNATURES), (S.AWAITING_SIGNATURES, S.DRAFT)]


def test_signature_after_the_start_is_refused(draft, staff):
    contract_request_signatures(contract=draft, by=staff, today=date(2026, 8, 20))

    with pytest.raises(ContractTransitionError, match="doit précéder ou égaler le début"):
        contract_mark_signed(contract=draft, by=staff, signature_date=date(2026, 9, 2), today=date(2026, 9, 5))


def test_back_to_draft_needs_a_reason(draft, staff):
    contract_request_signatures(contract=draft, by=staff, today=date(2026, 8, 20))

    with pytest.raises(ContractTransitionError, match="Indiquez pourquoi"):
        contract_back_to_draft(contract=draft, by=staff, comment="  ")


def test_opco_refusal_then_correction_and_resend(contract, staff):
    Contract.objects.filter(pk=contract.pk).update(status=S.SIGNED)
    contract.refresh_from_db()
    generate_opco_documents(contract, date(2026, 9, 3))
    contract_send_to_opco(contract=contract, by=staff, sent_date=date(2026, 9, 3), today=date(2026, 9, 3))

    with pytest.raises(ContractTransitionError, match="numéro de dépôt"):
        contract_record_opco_decision(contract=contract, by=staff, accepted=True, decision_date=date(2026, 9, 20), today=date(2026, 9, 20))
    contract_record_opco_decision(contract=contract, by=staff, accepted=False, decision_date=date(2026, 9, 20), today=date(2026, 9, 20), comment="NAF incohérent")
    contract_send_to_opco(contract=contract, by=staff, sent_date=date(2026, 9, 22), today=date(2026, 9, 22))

    opco_file = OpcoFile.objects.get(contract=contract)
    assert (opco_file.decision, opco_file.decision_date, opco_file.sent_date) == (OpcoDecision.PENDING, None, date(2026, 9, 22))
    assert history(contract) == [(S.SIGNED, S.SENT_TO_OPCO), (S.SENT_TO_OPCO, S.REFUSED), (S.REFUSED, S.SENT_TO_OPCO)]


def test_execution_starts_on_the_start_date_and_ends_after_the_end_date(contract, staff):
    Contract.objects.filter(pk=contract.pk).update(status=S.ACCEPTED)
    contract.refresh_from_db()

    with pytest.raises(ContractTransitionError, match="ne commence que le 01/09/2026"):
        contract_start_execution(contract=contract, by=staff, today=date(2026, 8, 31))
    contract_start_execution(contract=contract, by=staff, today=date(2026, 9, 1))
    with pytest.raises(ContractTransitionError, match="enregistrez une rupture"):
        contract_end(contract=contract, by=staff, today=date(2028, 8, 30))


def test_free_period_counts_company_days_only(contract):
    # Rhythm CCEEE (Wed–Fri in the company) from Thu 3 Sept 2026; 11 November is a holiday.
    assert company_days_before(contract, date(2026, 12, 17)) == 45
    assert company_days_before(contract, date(2026, 12, 18)) == 46
    assert company_days_before(contract, date(2026, 9, 2)) == 0


def rupture(**overrides):
    values = dict(rupture_date=date(2026, 12, 17), kind=RuptureKind.FREE_PERIOD, initiative=RuptureInitiative.EMPLOYER, cause="Inadéquation au poste")
    return RuptureInput(**{**values, **overrides})


def test_rupture_in_the_free_period_makes_the_apprentice_a_rupturant(contract, staff):
    OpcoFile.objects.create(contract=contract, opco="Atlas", sent_date=date(2026, 9, 3))

    contract_record_rupture(contract=contract, by=staff, rupture=rupture(opco_notified_date=date(2026, 12, 18)), today=date(2026, 12, 18))

    contract.refresh_from_db()
    assert (contract.status, contract.rupture_date, contract.rupture_kind, contract.rupture_cause) == (
        S.BROKEN, date(2026, 12, 17), RuptureKind.FREE_PERIOD, "Inadéquation au poste"
    )
    contract.apprentice.refresh_from_db()
    assert (contract.apprentice.status, contract.apprentice.status_since) == (ApprenticeStatus.RUPTURANT, date(2026, 12, 17))
    assert OpcoFile.objects.get(contract=contract).rupture_notified_date == date(2026, 12, 18)
    assert history(contract) == [(S.IN_PROGRESS, S.BROKEN)]


def test_free_period_rupture_after_the_45th_company_day_is_refused(contract, staff):
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(contract=contract, by=staff, rupture=rupture(rupture_date=date(2026, 12, 18)), today=date(2026, 12, 20))

    assert "effectué 46 jours de formation pratique en entreprise" in str(error.value)
    assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS


# With the cohort closed 26–30 October 2026 (Mon 26 and Tue 27, centre days, are spent in the company)
# the 44th company day is Thu 10 Dec, the 45th Fri 11 Dec, the 46th Wed 16 Dec (11 Nov is a holiday).
@pytest.mark.parametrize(("rupture_date", "refused_with"), [
    (date(2026, 12, 10), None),
    (date(2026, 12, 11), None),
    (date(2026, 12, 12), "effectué 45 jours de formation pratique en entreprise : la rupture libre n'est possible que pendant "
                         "les 45 premiers, soit jusqu'au 11/12/2026 inclus"),
    (date(2026, 12, 16), "effectué 46 jours"),
])
def test_free_period_is_counted_on_the_real_calendar_and_ends_with_the_45th_day(contract, staff, rupture_date, refused_with):
    ClosurePeriod.objects.create(label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30), cohort=contract.apprentice.cohort)

    if refused_with:
        with pytest.raises(ContractTransitionError) as error:
            contract_record_rupture(contract=contract, by=staff, rupture=rupture(rupture_date=rupture_date), today=date(2026, 12, 20))
        assert refused_with in str(error.value)
        assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS
    else:
        contract_record_rupture(contract=contract, by=staff, rupture=rupture(rupture_date=rupture_date), today=date(2026, 12, 20))
        assert Contract.objects.values_list("status", "rupture_date").get(pk=contract.pk) == (S.BROKEN, rupture_date)


def test_an_exception_in_the_centre_pushes_the_end_of_the_free_period(contract, staff):
    # Wed 9 Sept (a company day) spent at the centre by exception: Fri 18 Dec becomes the 45th company day.
    CalendarOverride.objects.create(apprentice=contract.apprentice, day=date(2026, 9, 9), place="C", reason="Rattrapage")

    assert company_days_before(contract, date(2026, 12, 17)) == 44
    contract_record_rupture(contract=contract, by=staff, rupture=rupture(rupture_date=date(2026, 12, 18)), today=date(2026, 12, 20))
    assert Contract.objects.get(pk=contract.pk).rupture_date == date(2026, 12, 18)


def test_dismissal_needs_its_ground_and_resignation_the_mediator(contract, staff):
    with pytest.raises(ContractTransitionError, match="motif du licenciement"):
        contract_record_rupture(contract=contract, by=staff, rupture=rupture(kind=RuptureKind.DISMISSAL, rupture_date=date(2027, 3, 1)), today=date(2027, 3, 2))
    with pytest.raises(ContractTransitionError, match="médiateur"):
        contract_record_rupture(contract=contract, by=staff, rupture=rupture(kind=RuptureKind.RESIGNATION, rupture_date=date(2027, 3, 1)), today=date(2027, 3, 2))

    contract_record_rupture(
        contract=contract, by=staff, today=date(2027, 3, 2),
        rupture=rupture(kind=RuptureKind.DISMISSAL, dismissal_ground=DismissalGround.SERIOUS_MISCONDUCT, rupture_date=date(2027, 3, 1)),
    )
    assert Contract.objects.get(pk=contract.pk).dismissal_ground == DismissalGround.SERIOUS_MISCONDUCT


def test_rupture_notification_to_the_opco_is_recorded_after_the_fact(contract, staff):
    contract_record_rupture(contract=contract, by=staff, rupture=rupture(kind=RuptureKind.MUTUAL_AGREEMENT, rupture_date=date(2027, 3, 1)), today=date(2027, 3, 2))
    contract.refresh_from_db()

    with pytest.raises(ContractTransitionError, match="précéder la rupture"):
        opco_record_rupture_notification(contract=contract, notified_date=date(2027, 2, 28))
    opco_record_rupture_notification(contract=contract, notified_date=date(2027, 3, 4))

    assert OpcoFile.objects.get(contract=contract).rupture_notified_date == date(2027, 3, 4)


def test_a_new_contract_after_a_rupture_puts_the_apprentice_back_under_contract(contract, staff):
    contract_record_rupture(contract=contract, by=staff, rupture=rupture(kind=RuptureKind.MUTUAL_AGREEMENT, rupture_date=date(2027, 3, 1)), today=date(2027, 3, 2))
    ContractFactory(apprentice=contract.apprentice, status=S.SIGNED, signature_date=date(2027, 3, 20), start_date=date(2027, 4, 1),
                    practical_training_start_date=date(2027, 4, 1), training_start_date=date(2027, 4, 1))

    apprentice = apprentice_sync_status(apprentice=contract.apprentice)

    apprentice.refresh_from_db()
    assert (apprentice.status, apprentice.status_since) == (ApprenticeStatus.UNDER_CONTRACT, date(2027, 4, 1))
