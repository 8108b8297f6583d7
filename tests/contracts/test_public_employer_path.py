"""A public employer deposits its contract with the DDETS, not with an OPCO (issue 15 §6): the
contract's statuses and actions are named for that path, the OPCO board lists only the deposit
(no OPCO decision, schedule or participation), the dashboard counts agree with the board, and the
nightly OPCO rule follows only the deposit delay."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alerts.rules import RULES
from contracts import services
from contracts.choices import ContractStatus, DocumentKind, InstalmentKind, OpcoDecision
from contracts.models import OpcoFile
from contracts.opco import BoardFilter, opco_board_summary, opco_late_counts, opco_schedule_generate
from contracts.pdf import generate_document
from tests.alerts.conftest import context, under_contract
from tests.factories.alternance import AdminStaffFactory
from tests.factories.companies import CompanyFactory
from tests.factories.contracts import OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def reference_data():
    from contracts.reference_data import ensure_reference_data

    ensure_reference_data()


def public_company():
    # A territorial authority: employer type 22 (commune), with an IDCC that would map to an OPCO.
    return CompanyFactory(name="Mairie de Lyon", is_public=True, employer_type="22")


@pytest.mark.parametrize(("status", "public", "private"), [
    (ContractStatus.SENT_TO_OPCO, "Déposé auprès de la DDETS", "Transmis à l'OPCO"),
    (ContractStatus.ACCEPTED, "Dépôt enregistré par la DDETS", "Pris en charge par l'OPCO"),
    (ContractStatus.REFUSED, "Dépôt refusé par la DDETS", "Refusé par l'OPCO"),
    (ContractStatus.IN_PROGRESS, "En cours", "En cours"),
    (ContractStatus.SIGNED, "Signé", "Signé"),
])
def test_status_labels_follow_the_employers_path(status, public, private):
    assert under_contract(company=public_company(), status=status).status_label == public
    assert under_contract(status=status).status_label == private


def test_depositing_a_public_employers_contract_records_no_opco(contract, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    contract.company.is_public, contract.company.employer_type, contract.company.opco = True, "22", "OPCO Atlas"  # even with an OPCO filled in
    contract.company.save()
    contract.public_unemployment_insurance = False
    contract.status = ContractStatus.SIGNED
    contract.save()
    for kind in (DocumentKind.CERFA, DocumentKind.CONVENTION):
        generate_document(kind=kind, contract=contract, by=None, today=date(2026, 9, 3))
    staff = AdminStaffFactory()

    services.contract_send_to_opco(contract=contract, by=staff, sent_date=date(2026, 9, 3), today=date(2026, 9, 3))

    opco_file = OpcoFile.objects.get(contract=contract)
    contract.refresh_from_db()
    assert (opco_file.opco, opco_file.sent_date, contract.status, contract.status_label) == (
        "", date(2026, 9, 3), ContractStatus.SENT_TO_OPCO, "Déposé auprès de la DDETS")
    with pytest.raises(services.ContractTransitionError, match="numéro d'enregistrement du dépôt attribué par la DDETS"):
        services.contract_record_opco_decision(contract=contract, by=staff, accepted=True, decision_date=date(2026, 9, 4), today=date(2026, 9, 4))


def test_no_opco_schedule_for_a_public_employer():
    opco_file = OpcoFileFactory(contract=under_contract(company=public_company()), npec_amount=Decimal("8000.00"))

    with pytest.raises(ValidationError, match="Employeur public"):
        opco_schedule_generate(opco_file=opco_file, by=None)
    assert opco_file.instalments.count() == 0


def _late_everywhere(contract):
    """A file with something late at every OPCO stage after sending."""
    opco_file = OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 8), complete_file_date=date(2026, 9, 8),
                                decision=OpcoDecision.ACCEPTED, decision_date=date(2026, 9, 20),
                                employer_participation_amount=Decimal("750.00"))
    OpcoInstalmentFactory(opco_file=opco_file, kind=InstalmentKind.ADVANCE, due_date=TODAY - timedelta(days=40), amount=Decimal("3200.00"))
    return opco_file


def test_board_and_counts_show_a_public_employer_only_for_its_deposit():
    staff = AdminStaffFactory()
    not_deposited = under_contract(company=public_company(), status=ContractStatus.SIGNED, start_date=date(2026, 11, 2),
                                   practical_training_start_date=date(2026, 11, 2))
    not_sent = under_contract(status=ContractStatus.SIGNED, start_date=date(2026, 11, 2), practical_training_start_date=date(2026, 11, 2))
    _late_everywhere(under_contract(company=public_company()))
    private_file = _late_everywhere(under_contract())

    summary = opco_board_summary(staff, today=TODAY)

    assert sorted((r.contract.pk, str(r.what)) for r in summary[BoardFilter.TO_SEND]) == [
        (not_deposited.pk, "Déposer le contrat auprès de la DDETS (employeur public)"),
        (not_sent.pk, "Envoyer le dossier complet à l'OPCO"),
    ]
    assert {r.contract.pk for name, rows in summary.items() if name != BoardFilter.TO_SEND for r in rows if name != BoardFilter.LATE} == {
        private_file.contract_id}
    counts = opco_late_counts(staff, today=TODAY)
    assert counts == {stage: len([r for r in summary[BoardFilter.LATE] if r.category == stage]) for stage in counts}
    assert counts[BoardFilter.TO_SEND] == 2
    assert counts[BoardFilter.INSTALMENT_DUE] == 1


def test_nightly_rule_follows_only_the_deposit_of_a_public_employer():
    not_deposited = under_contract(company=public_company(), status=ContractStatus.SIGNED, start_date=date(2026, 11, 2),
                                   practical_training_start_date=date(2026, 11, 2))
    _late_everywhere(under_contract(company=public_company()))
    private_file = _late_everywhere(under_contract())

    findings = {f.subject_id: f for f in RULES["opco_delay"](context(TODAY))}

    assert set(findings) == {not_deposited.pk, private_file.contract_id}
    public = findings[not_deposited.pk]
    assert public.title == "Retard de dépôt DDETS : Contrat non déposé auprès de la DDETS (employeur public) : limite le 07/11/2026 (5 jours ouvrables)"
    assert public.recommended_action == "Déposer le contrat auprès de la DDETS et tracer le dépôt."
    assert findings[private_file.contract_id].title.startswith("Retard OPCO : ")


def test_contract_page_shows_the_ddets_deposit_and_its_action(client):
    staff = AdminStaffFactory()
    contract = under_contract(company=public_company(), status=ContractStatus.SIGNED)
    client.force_login(staff)

    html = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()

    assert 'data-testid="panel-ddets"' in html
    assert "Enregistrer le dépôt auprès de la DDETS" in html
    assert "Transmettre à l'OPCO" not in html
    assert "Échéancier de prise en charge" not in html
    assert "Liste de contrôle avant le dépôt auprès de la DDETS" in html
    assert "avant l'envoi à l'OPCO" not in html.replace("&#x27;", "'")


@pytest.mark.parametrize(("public", "before"), [
    (True, "avant le dépôt auprès de la DDETS"),
    (False, "avant l'envoi à l'OPCO"),
])
def test_missing_documents_are_asked_before_the_deposit_or_the_sending(public, before):
    from contracts.freshness import document_preflight_problems

    company = public_company() if public else CompanyFactory()
    contract = under_contract(company=company, status=ContractStatus.SIGNED)

    messages = [message for _code, message in document_preflight_problems(contract, stage="opco")]

    assert len(messages) == 2
    assert all(message.endswith(f"du contrat {before}.") for message in messages), messages
