"""OPCO delays at both sides of each limit (D6224-1, D6224-2, July 2025 funding reform, R6332-25-2),
and the rows the rule must leave out: files never accepted, earlier years' balances, contracts not
over yet, funding rules without a claim limit."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES
from alternance.french import de
from contracts.choices import ContractStatus, InstalmentKind, OpcoDecision, RuptureKind
from contracts.models import OpcoFile
from tests.alerts.conftest import TODAY, context, under_contract
from tests.factories.companies import CompanyFactory
from tests.factories.contracts import OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db


def delays(today: date = TODAY, **overrides) -> list[tuple]:
    return [(f.subject_id, d["code"]) for f in RULES["opco_delay"](context(today, **overrides)) for d in f.facts["delays"]]


def file_of(decision=OpcoDecision.ACCEPTED, **contract):
    return OpcoFileFactory(contract=under_contract(**contract), sent_date=date(2026, 9, 8), complete_file_date=date(2026, 9, 8),
                           decision=decision, decision_date=date(2026, 9, 20) if decision != OpcoDecision.PENDING else None)


# --- D6224-1: file sent within 5 jours ouvrables (setting opco_sending_days) -------------------------

@pytest.mark.parametrize(("file", "status", "expected"), [
    ("none", ContractStatus.IN_PROGRESS, True),
    ("unsent", ContractStatus.ACCEPTED, True),
    ("sent", ContractStatus.IN_PROGRESS, False),
    ("none", ContractStatus.ENDED, False),
    ("none", ContractStatus.DRAFT, False),
], ids=["no-file", "file-without-sent-date", "sent", "ended-contract", "draft-contract"])
def test_not_sent_only_for_contracts_in_force_without_a_sent_file(file, status, expected):
    contract = under_contract(status=status)
    if file != "none":
        OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 8) if file == "sent" else None)

    assert delays() == ([(contract.pk, "not_sent")] if expected else [])


@pytest.mark.parametrize(("days_since_start", "late"), [(2, False), (3, False), (4, True)], ids=["limit-1", "limit", "limit+1"])
def test_not_sent_at_the_calendar_day_limit_opco_sending_days(days_since_start, late):
    # 3 calendar days: the deadline is start + 3, late the day after.
    start = TODAY - timedelta(days=days_since_start)
    contract = under_contract(start_date=start, signature_date=start - timedelta(days=1), practical_training_start_date=start)

    assert delays(opco_sending_days=3, opco_sending_count="calendaires") == ([(contract.pk, "not_sent")] if late else [])


def test_not_sent_ignores_a_contract_starting_today_even_with_a_zero_day_limit():
    under_contract(start_date=TODAY, signature_date=TODAY - timedelta(days=3), practical_training_start_date=TODAY)

    assert delays(opco_sending_days=0, opco_sending_count="calendaires") == []


# --- D6224-2: decision within 20 days of the complete file (setting opco_decision_days) --------------

@pytest.mark.parametrize(("days_after", "late"), [(9, False), (10, False), (11, True)], ids=["limit-1", "limit", "limit+1"])
def test_no_decision_at_the_configured_limit(days_after, late):
    file = file_of(decision=OpcoDecision.PENDING, status=ContractStatus.SENT_TO_OPCO)
    OpcoFile.objects.filter(pk=file.pk).update(complete_file_date=TODAY - timedelta(days=days_after), opco="")

    findings = RULES["opco_delay"](context(opco_decision_days=10))

    assert [(f.subject_id, f.facts["delays"]) for f in findings] == ([(file.contract_id, [{
        "code": "no_decision",
        "label": f"Pas de décision de l'OPCO (—) depuis le dossier complet du {TODAY - timedelta(days=11):%d/%m/%Y} "
                 f"(limite {TODAY - timedelta(days=1):%d/%m/%Y}, le silence vaut refus)",
        "complete_file_date": (TODAY - timedelta(days=11)).isoformat(), "deadline": (TODAY - timedelta(days=1)).isoformat(),
    }])] if late else [])


@pytest.mark.parametrize("decision", [OpcoDecision.ACCEPTED, OpcoDecision.REFUSED])
def test_no_decision_only_for_pending_files(decision):
    file = file_of(decision=decision)
    OpcoFile.objects.filter(pk=file.pk).update(complete_file_date=TODAY - timedelta(days=60))

    assert delays() == []


def test_no_decision_needs_a_complete_file():
    file = file_of(decision=OpcoDecision.PENDING)
    OpcoFile.objects.filter(pk=file.pk).update(complete_file_date=None)

    assert delays() == []


# --- instalments: grace to invoice (opco_invoice_grace_days), payment delay (opco_payment_days) -----

@pytest.mark.parametrize(("days_past_due", "late"), [(4, False), (5, False), (6, True)], ids=["limit-1", "limit", "limit+1"])
def test_instalment_not_invoiced_after_the_invoice_grace(days_past_due, late):
    file = file_of()
    instalment = OpcoInstalmentFactory(opco_file=file, due_date=TODAY - timedelta(days=days_past_due))

    findings = RULES["opco_delay"](context(opco_invoice_grace_days=5))

    assert [(f.subject_id, [(d["code"], d["instalment_id"], d["due_date"]) for d in f.facts["delays"]]) for f in findings] == (
        [(file.contract_id, [("instalment_not_invoiced", instalment.pk, instalment.due_date.isoformat())])] if late else []
    )


@pytest.mark.parametrize(("days_since_invoice", "late"), [(9, False), (10, False), (11, True)], ids=["limit-1", "limit", "limit+1"])
def test_instalment_unpaid_after_the_payment_delay(days_since_invoice, late):
    file = file_of()
    invoiced = TODAY - timedelta(days=days_since_invoice)
    instalment = OpcoInstalmentFactory(opco_file=file, due_date=TODAY - timedelta(days=40), invoiced_date=invoiced)

    findings = RULES["opco_delay"](context(opco_payment_days=10))

    assert [(f.subject_id, [(d["code"], d["instalment_id"], d["invoiced_date"], d["label"]) for d in f.facts["delays"]]) for f in findings] == (
        [(file.contract_id, [("instalment_unpaid", instalment.pk, invoiced.isoformat(),
                              f"Avance année 1 (3\u00a0200,00\u00a0€) facturé le {invoiced:%d/%m/%Y} et non payé après 10 jours")])]
        if late else []
    )


def test_paid_instalments_and_uninvoiced_balances_of_running_contracts_are_not_late():
    file = file_of()
    OpcoInstalmentFactory(opco_file=file, due_date=TODAY - timedelta(days=90), invoiced_date=TODAY - timedelta(days=80),
                          paid_date=TODAY - timedelta(days=70))
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=TODAY - timedelta(days=60))

    assert delays() == []


def test_an_invoiced_balance_left_unpaid_is_late():
    file = file_of()
    balance = OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=TODAY - timedelta(days=60),
                                    invoiced_date=TODAY - timedelta(days=31))

    [finding] = RULES["opco_delay"](context())

    assert [(d["code"], d["instalment_id"]) for d in finding.facts["delays"]] == [("instalment_unpaid", balance.pk)]


@pytest.mark.parametrize("decision", [OpcoDecision.PENDING, OpcoDecision.REFUSED])
def test_files_never_accepted_raise_no_instalment_balance_or_participation_delay(decision):
    """Only an accepted file (prise en charge) has instalments to invoice, a balance to claim and a
    participation to invoice; the accepted file in the same test is the row that must be kept."""
    kept = file_of(status=ContractStatus.ENDED, end_date=date(2026, 9, 30))
    left_out = file_of(decision=decision, status=ContractStatus.ENDED, end_date=date(2026, 9, 30))
    for file in (kept, left_out):
        OpcoInstalmentFactory(opco_file=file, due_date=TODAY - timedelta(days=60))
        OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.MONTH_7, due_date=TODAY - timedelta(days=60),
                              invoiced_date=TODAY - timedelta(days=50))
        OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=date(2026, 9, 30))
    OpcoFile.objects.filter(pk__in=[kept.pk, left_out.pk]).update(employer_participation_amount=Decimal("750.00"),
                                                                 complete_file_date=None)

    assert sorted(delays(date(2027, 2, 1))) == sorted([
        (kept.contract_id, "instalment_unpaid"), (kept.contract_id, "instalment_not_invoiced"),
        (kept.contract_id, "balance_lost"), (kept.contract_id, "participation_not_invoiced"),
    ])


# --- balance: claim limit of the funding rule (4 months after the end, warning balance_warning_days) -

@pytest.mark.parametrize(("today", "code"), [
    (date(2027, 3, 19), None), (date(2027, 3, 20), "balance_at_risk"), (date(2027, 3, 21), "balance_at_risk"),
    (date(2027, 3, 30), "balance_at_risk"), (date(2027, 3, 31), "balance_lost"),
], ids=["warning-1", "warning", "warning+1", "limit", "limit+1"])
def test_balance_claim_limit_after_a_rupture_counts_from_the_rupture_date(today, code):
    # Broken on 30/11/2026 (end date 2028): limit 30/03/2027, warning 10 days before (20/03).
    file = file_of(status=ContractStatus.BROKEN, rupture_date=date(2026, 11, 30), rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    balance = OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=date(2026, 11, 30), amount=Decimal("800.00"))

    findings = RULES["opco_delay"](context(today, balance_warning_days=10))

    if code is None:
        assert findings == []
        return
    [finding] = findings
    label = ("Solde (800,00\u00a0€) non réclamé : limite dépassée le 30/03/2027" if code == "balance_lost"
             else f"Solde (800,00\u00a0€) à réclamer avant le 30/03/2027 ({(date(2027, 3, 30) - today).days} jours)")
    assert finding.facts["delays"] == [{"code": code, "label": label, "claim_limit": "2027-03-30",
                                        "instalment_id": balance.pk}]


def test_only_the_last_years_balance_is_claimed():
    file = file_of(status=ContractStatus.ENDED, end_date=date(2026, 9, 30))
    OpcoInstalmentFactory(opco_file=file, contract_year=1, kind=InstalmentKind.BALANCE, due_date=date(2026, 9, 1),
                          invoiced_date=date(2026, 9, 2), paid_date=date(2026, 9, 20))
    OpcoInstalmentFactory(opco_file=file, contract_year=1, kind=InstalmentKind.ADVANCE, due_date=date(2025, 9, 1),
                          invoiced_date=date(2025, 9, 2), paid_date=date(2025, 9, 20))
    earlier = OpcoInstalmentFactory(opco_file=file, contract_year=2, kind=InstalmentKind.BALANCE, due_date=date(2026, 9, 30))
    last = OpcoInstalmentFactory(opco_file=file, contract_year=3, kind=InstalmentKind.BALANCE, due_date=date(2026, 9, 30))

    [finding] = RULES["opco_delay"](context(date(2027, 2, 1)))

    assert [(d["code"], d["instalment_id"]) for d in finding.facts["delays"]] == [("balance_lost", last.pk)]
    assert earlier.pk != last.pk


@pytest.mark.parametrize(("status", "end_date", "kept"), [
    (ContractStatus.IN_PROGRESS, date(2026, 11, 29), True),
    (ContractStatus.IN_PROGRESS, TODAY, False),
    (ContractStatus.ENDED, TODAY + timedelta(days=1), False),
    (ContractStatus.ENDED, TODAY, True),
], ids=["in-force-past-end", "in-force-ending-today", "ended-early-end-in-future", "ended-today"])
def test_balance_only_once_the_contract_is_over(status, end_date, kept):
    file = file_of(status=status, end_date=end_date)
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=end_date)

    assert delays(date(2026, 11, 30), balance_warning_days=200) == ([(file.contract_id, "balance_at_risk")] if kept else [])


@pytest.mark.parametrize(("signature_date", "start_date", "code"), [
    (date(2024, 9, 1), date(2024, 9, 2), None),
    (None, date(2024, 9, 2), None),
    (date(2018, 9, 1), date(2018, 9, 3), "balance_lost"),
    (None, date(2025, 7, 1), "balance_lost"),
], ids=["rule-2019-no-limit", "no-signature-start-2024", "before-any-rule-default-4-months", "no-signature-start-july-2025"])
def test_balance_claim_limit_follows_the_funding_rule_of_the_contract_date(signature_date, start_date, code):
    file = file_of(status=ContractStatus.ENDED, signature_date=signature_date, start_date=start_date,
                   practical_training_start_date=start_date, end_date=date(2026, 6, 30))
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=date(2026, 6, 30))

    assert delays() == ([(file.contract_id, code)] if code else [])


# --- employer participation (R6332-25-2): invoiceable the day after the 45th company day ------------

@pytest.mark.parametrize(("today", "late"), [(date(2026, 12, 28), False), (date(2026, 12, 29), False), (date(2026, 12, 30), True)],
                         ids=["limit-1", "limit", "limit+1"])
def test_participation_not_invoiced_after_the_invoice_grace(today, late):
    # Invoiceable from 24/12/2026, grace 5 days → late from 30/12.
    file = file_of()
    OpcoFile.objects.filter(pk=file.pk).update(employer_participation_amount=Decimal("750.00"))

    findings = RULES["opco_delay"](context(today, opco_invoice_grace_days=5))

    assert [(f.subject_id, f.facts["delays"]) for f in findings] == ([(file.contract_id, [{
        "code": "participation_not_invoiced", "invoiceable_from": "2026-12-24",
        "label": "Participation employeur (750,00\u00a0€) facturable depuis le 24/12/2026 et non facturée",
    }])] if late else [])


@pytest.mark.parametrize(("amount", "invoiced"), [(None, None), (Decimal("750.00"), date(2026, 12, 28))], ids=["no-amount", "invoiced"])
def test_participation_without_amount_or_already_invoiced_is_not_late(amount, invoiced):
    file = file_of()
    OpcoFile.objects.filter(pk=file.pk).update(employer_participation_amount=amount, employer_participation_invoiced_date=invoiced)

    assert delays(date(2027, 1, 15)) == []


# --- the finding: one per contract, severity from the critical codes, title with the count --------

def test_one_finding_per_contract_critical_when_a_critical_delay_is_listed():
    late = under_contract(status=ContractStatus.SIGNED, start_date=date(2026, 11, 2), signature_date=date(2026, 10, 20),
                          practical_training_start_date=date(2026, 11, 2))
    warning = file_of()
    OpcoInstalmentFactory(opco_file=warning, due_date=TODAY - timedelta(days=3))
    OpcoInstalmentFactory(opco_file=warning, kind=InstalmentKind.MONTH_7, due_date=TODAY - timedelta(days=60),
                          invoiced_date=TODAY - timedelta(days=45))
    warning.contract.apprentice.usage_name = "Durand"  # the name in use, not the birth name
    warning.contract.apprentice.save(update_fields=["usage_name"])

    findings = RULES["opco_delay"](context())

    assert [(f.subject_model, f.subject_id, f.severity, f.stage, f.title) for f in findings] == [
        ("contracts.contract", late.pk, Severity.CRITICAL, "not_sent", f"Retard OPCO : {findings[0].facts['delays'][0]['label']}"),
        ("contracts.contract", warning.contract_id, Severity.WARNING, "instalment_not_invoiced,instalment_unpaid",
         f"Retard OPCO : {findings[1].facts['delays'][0]['label']} (+1)"),
    ]
    assert [d["code"] for d in findings[1].facts["delays"]] == ["instalment_unpaid", "instalment_not_invoiced"]  # by due date
    contract = warning.contract
    second = findings[1]
    assert second.label == f"Contrat {de(contract.apprentice.first_name + ' Durand')} chez {contract.company.name}"
    assert second.facts["opco"] == contract.company.opco
    assert (second.concerned_role, second.apprentice_id, second.company_id, second.contract_id) == (
        ConcernedRole.ADMIN_STAFF, contract.apprentice_id, contract.company_id, contract.pk)
    assert second.recommended_action.startswith("Envoyer ou relancer le dossier")


# --- rows the balance stage skips must not hide the next ones (issue 16) ----------------------------

def test_an_invoiced_and_paid_balance_is_never_claimed_again():
    file = file_of(status=ContractStatus.ENDED, start_date=date(2025, 9, 1), signature_date=date(2025, 8, 25),
                   practical_training_start_date=date(2025, 9, 1), end_date=date(2026, 6, 30))
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=date(2026, 6, 30),
                          invoiced_date=date(2026, 7, 2), paid_date=date(2026, 7, 20))

    assert delays(date(2027, 2, 1)) == []  # past the claim limit of 30/10/2026


def test_balances_skipped_for_each_reason_do_not_stop_the_next_contracts():
    # Read in this order: an earlier year's balance, a contract ended early but not over, a funding
    # rule without a claim limit (2019), then the balance that is lost.
    earlier_year = file_of(status=ContractStatus.ENDED, start_date=date(2025, 9, 1), signature_date=date(2025, 8, 25),
                   practical_training_start_date=date(2025, 9, 1), end_date=date(2026, 6, 30))
    OpcoInstalmentFactory(opco_file=earlier_year, contract_year=1, kind=InstalmentKind.BALANCE, due_date=date(2026, 6, 30))
    OpcoInstalmentFactory(opco_file=earlier_year, contract_year=2, kind=InstalmentKind.ADVANCE, due_date=date(2026, 9, 1),
                          invoiced_date=date(2026, 9, 2), paid_date=date(2026, 9, 20))
    not_over = file_of(status=ContractStatus.ENDED, end_date=date(2027, 6, 30))
    OpcoInstalmentFactory(opco_file=not_over, kind=InstalmentKind.BALANCE, due_date=date(2027, 6, 30))
    no_limit = file_of(status=ContractStatus.ENDED, signature_date=date(2024, 9, 1), start_date=date(2024, 9, 2),
                       practical_training_start_date=date(2024, 9, 2), end_date=date(2026, 6, 30))
    OpcoInstalmentFactory(opco_file=no_limit, kind=InstalmentKind.BALANCE, due_date=date(2026, 6, 30))
    lost = file_of(status=ContractStatus.ENDED, start_date=date(2025, 9, 1), signature_date=date(2025, 8, 25),
                   practical_training_start_date=date(2025, 9, 1), end_date=date(2026, 6, 30))
    OpcoInstalmentFactory(opco_file=lost, kind=InstalmentKind.BALANCE, due_date=date(2026, 6, 30))

    assert delays(date(2027, 2, 1)) == [(lost.contract_id, "balance_lost")]


def test_participation_counts_company_days_from_the_practical_training_start():
    # Same contract start as the 24/12/2026 case, practical training from Monday 14/09 (3 company days
    # a week, Wednesday to Friday): 14 weeks to 18/12 give 41 days (11/11 is a public holiday), then
    # 23 and 24/12 (25/12 is a holiday), 30 and 31/12: the 45th is 31/12, invoiceable from 01/01/2027.
    file = file_of(practical_training_start_date=date(2026, 9, 14))
    OpcoFile.objects.filter(pk=file.pk).update(employer_participation_amount=Decimal("750.00"))

    [finding] = RULES["opco_delay"](context(date(2027, 2, 1), opco_invoice_grace_days=5))

    assert finding.facts["delays"][0]["invoiceable_from"] == "2027-01-01"


def test_participation_counts_from_the_contract_start_when_no_practical_start_is_recorded():
    file = file_of(practical_training_start_date=None)
    OpcoFile.objects.filter(pk=file.pk).update(employer_participation_amount=Decimal("750.00"))

    [finding] = RULES["opco_delay"](context(date(2027, 2, 1), opco_invoice_grace_days=5))

    assert finding.facts["delays"][0]["invoiceable_from"] == "2026-12-24"  # as with a practical start on the 07/09 start


def test_a_public_employers_files_raise_no_opco_delay_once_deposited():
    """A public employer deposits the contract with the DDETS (domain §6): no OPCO decision, instalment or
    employer participation is awaited, whatever the file holds."""
    public = {"company": CompanyFactory(name="Mairie de Lyon", is_public=True, employer_type="22")}
    OpcoFileFactory(contract=under_contract(**public), sent_date=date(2026, 9, 8), complete_file_date=date(2026, 9, 8),
                    decision=OpcoDecision.PENDING)
    accepted = OpcoFileFactory(contract=under_contract(**public), sent_date=date(2026, 9, 8), complete_file_date=date(2026, 9, 8),
                               decision=OpcoDecision.ACCEPTED, decision_date=date(2026, 9, 20),
                               employer_participation_amount=Decimal("750.00"))
    OpcoInstalmentFactory(opco_file=accepted, due_date=TODAY - timedelta(days=60))

    assert delays() == []


def test_a_scoped_run_reads_only_the_instalments_of_its_contracts():
    files = [file_of() for _ in range(3)]
    for year in (2, 3, 4):  # paid instalments first: the late ones' ids no longer equal their contracts' ids
        OpcoInstalmentFactory(opco_file=files[2], contract_year=year, due_date=TODAY - timedelta(days=90), invoiced_date=TODAY - timedelta(days=80),
                              paid_date=TODAY - timedelta(days=70))
    late = [OpcoInstalmentFactory(opco_file=file, due_date=TODAY - timedelta(days=60)) for file in files]
    subject = files[0].contract_id
    assert late[0].pk != subject

    findings = RULES["opco_delay"](replace(context(), subject_ids=frozenset({subject})))

    assert [(f.subject_id, [d["code"] for d in f.facts["delays"]]) for f in findings] == [(subject, ["instalment_not_invoiced"])]


def test_the_finding_names_the_learner_by_usage_name():
    file = file_of()
    apprentice = file.contract.apprentice
    apprentice.first_name, apprentice.last_name, apprentice.usage_name = "Inès", "Martin", "Durand"
    apprentice.save()
    OpcoInstalmentFactory(opco_file=file, due_date=TODAY - timedelta(days=60))

    [finding] = RULES["opco_delay"](context())

    assert finding.label == f"Contrat {de('Inès Durand')} chez {file.contract.company.name}"
