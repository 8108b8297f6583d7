"""The dashboard's OPCO late counts (contracts.opco.opco_late_counts) at each deadline's limit,
with the rows that must not count: a file never sent, a decided file, a paid or invoiced
instalment, an earlier year's balance, a balance under the old rule (no claim limit).

Deadlines: sending 5 jours ouvrables after the start (D6224-1, ContractSettings.opco_sending_*),
decision 20 days after the complete file (D6224-2, ContractSettings.opco_decision_*), payment
30 days after the invoice (opco.PAYMENT_DAYS), last balance claimed within 4 months of the end
(FundingRule.balance_claim_months), at risk 30 days before (opco.BALANCE_WARNING_DAYS)."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from alternance.choices import Role
from contracts.choices import ContractStatus, OpcoDecision, RuptureKind
from contracts.opco import BoardFilter, opco_board, opco_late_counts
from tests.contracts.test_opco_board import accepted_file, contract_for
from tests.factories.alternance import AdminStaffFactory
from tests.factories.contracts import OpcoFileFactory, OpcoInstalmentFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def staff():
    return AdminStaffFactory()


@pytest.fixture
def late_cases():
    # To send: started Friday 6 Nov 2026 → 5 jours ouvrables (8 Sun, 11 Nov off) → Friday 13 Nov.
    contract_for("Tardif", status=ContractStatus.SIGNED, start=date(2026, 11, 6))
    contract_for("Brouillon", status=ContractStatus.DRAFT, start=date(2026, 9, 1))
    contract_for("Fini", status=ContractStatus.ENDED, start=date(2026, 9, 1))
    # A file created but never sent (it cannot be complete: a check constraint): to send, late.
    never_sent = contract_for("Nonenvoye", status=ContractStatus.SIGNED, start=date(2026, 9, 1))
    OpcoFileFactory(contract=never_sent, sent_date=None)
    # Awaiting decision: complete on 2 Nov → 20 days → 22 Nov; incomplete and decided files never count.
    pending = {"decision": OpcoDecision.PENDING, "decision_date": None, "sent_date": date(2026, 10, 28)}
    accepted_file(contract_for("Complet", status=ContractStatus.SENT_TO_OPCO), complete_file_date=date(2026, 11, 2), **pending)
    accepted_file(contract_for("Incomplet", status=ContractStatus.SENT_TO_OPCO), complete_file_date=None, **pending)
    accepted_file(contract_for("Refuse", status=ContractStatus.REFUSED), complete_file_date=date(2026, 11, 2),
                  decision=OpcoDecision.REFUSED, decision_date=date(2026, 11, 5), sent_date=date(2026, 10, 28))
    # Instalments: due 20 Nov (late from the 21st); paid, and invoiced, ones are not "to invoice".
    second = accepted_file(contract_for("Second"))
    OpcoInstalmentFactory(opco_file=second, kind="month_7", amount=D("2400.00"), due_date=date(2026, 11, 20))
    OpcoInstalmentFactory(opco_file=second, kind="advance", amount=D("3000.00"), due_date=date(2026, 9, 1),
                          invoiced_date=date(2026, 9, 2), invoice_number="F-1", paid_date=date(2026, 9, 20))
    # Invoiced 22 Oct → paid within 30 days → 21 Nov; late from the 22nd.
    unpaid = accepted_file(contract_for("Impaye"))
    OpcoInstalmentFactory(opco_file=unpaid, kind="advance", amount=D("3100.00"), due_date=date(2026, 10, 1),
                          invoiced_date=date(2026, 10, 22), invoice_number="F-10")
    # Invoiced long ago but paid: never unpaid.
    OpcoInstalmentFactory(opco_file=unpaid, kind="month_7", amount=D("10.00"), due_date=date(2026, 10, 1),
                          invoiced_date=date(2026, 10, 1), invoice_number="F-11", paid_date=date(2026, 10, 30))
    # Last balance: ends 22 Aug 2026 → claim limit 22 Dec 2026 → at risk from 22 Nov (before: an instalment due).
    edge = accepted_file(contract_for("Bord", start=date(2025, 8, 23), end=date(2026, 8, 22)))
    OpcoInstalmentFactory(opco_file=edge, contract_year=1, kind="balance", amount=D("800.00"), due_date=date(2026, 8, 22))
    # Year 1's balance of a file with a year 2, the contract broken on 22 Aug 2026 (same claim
    # limit): not the last year's balance, never at risk — an instalment due only.
    broken = accepted_file(contract_for("Anterieur", status=ContractStatus.BROKEN, start=date(2025, 8, 23), end=date(2027, 8, 22),
                                        rupture_date=date(2026, 8, 22), rupture_kind=RuptureKind.MUTUAL_AGREEMENT))
    OpcoInstalmentFactory(opco_file=broken, contract_year=1, kind="balance", amount=D("700.00"), due_date=date(2026, 8, 22))
    OpcoInstalmentFactory(opco_file=broken, contract_year=2, kind="advance", amount=D("10.00"), due_date=date(2026, 8, 23),
                          invoiced_date=date(2026, 11, 20), invoice_number="F-20")
    # An invoiced last balance near its limit is claimed: unpaid maybe, never at risk.
    claimed = accepted_file(contract_for("Reclame", start=date(2025, 8, 23), end=date(2026, 8, 22)))
    OpcoInstalmentFactory(opco_file=claimed, contract_year=1, kind="balance", amount=D("800.00"), due_date=date(2026, 8, 22),
                          invoiced_date=date(2026, 11, 20), invoice_number="S-1")
    # Old rule (signed before 1 July 2025): no claim limit, its last balance is only due.
    old = accepted_file(contract_for("Ancien", start=date(2024, 9, 2), end=date(2026, 8, 31)))
    OpcoInstalmentFactory(opco_file=old, contract_year=2, kind="balance", amount=D("2400.00"), due_date=date(2026, 6, 2))


@pytest.mark.parametrize(("today", "expected"), [
    pytest.param(date(2026, 11, 13), {"to_send": 1, "instalment_due": 3}, id="sending-D6224-1-limit"),
    pytest.param(date(2026, 11, 14), {"to_send": 2, "instalment_due": 3}, id="sending-D6224-1-limit+1"),
    pytest.param(date(2026, 11, 20), {"to_send": 2, "instalment_due": 3}, id="instalment-due-day"),
    pytest.param(date(2026, 11, 21), {"to_send": 2, "instalment_due": 4}, id="instalment-due+1-payment-limit"),
    pytest.param(date(2026, 11, 22), {"to_send": 2, "instalment_due": 3, "unpaid": 1, "balance_at_risk": 1},
                 id="payment-30-days+1-balance-warning-30-days-decision-limit"),
    pytest.param(date(2026, 11, 23), {"to_send": 2, "awaiting_decision": 1, "instalment_due": 3, "unpaid": 1, "balance_at_risk": 1},
                 id="decision-D6224-2-limit+1"),
])
def test_late_counts_at_each_deadline_limit_equal_the_late_tab(staff, late_cases, today, expected):
    assert opco_late_counts(staff, today=today) == expected
    assert dict(Counter(r.category for r in opco_board(staff, today=today, filter=BoardFilter.LATE))) == expected


def test_late_counts_name_the_rows_of_the_late_tab(staff, late_cases):
    rows = opco_board(staff, today=date(2026, 11, 23), filter=BoardFilter.LATE)

    assert sorted((r.category, r.contract.apprentice.last_name) for r in rows) == [
        ("awaiting_decision", "Complet"),
        ("balance_at_risk", "Bord"),
        ("instalment_due", "Ancien"),
        ("instalment_due", "Anterieur"),
        ("instalment_due", "Second"),
        ("to_send", "Nonenvoye"),
        ("to_send", "Tardif"),
        ("unpaid", "Impaye"),
    ]


def test_late_counts_are_scoped_to_the_users_cohorts_and_empty_without_back_office():
    world = make_world()  # two sides, each with a file sent on 4 Sept 2026 and complete on no date
    for side in (world.a, world.b):
        file = side.contract.opco_file
        file.complete_file_date = date(2026, 9, 7)
        file.save()
    today = date(2026, 11, 28)

    assert opco_late_counts(world.coordinator, today=today) == {"awaiting_decision": 2}
    assert opco_late_counts(world.a.tutor, today=today) == {"awaiting_decision": 1}
    for role in (Role.APPRENTICE, Role.EMPLOYER):
        assert opco_late_counts(world.user(role), today=today) == {}


@pytest.mark.parametrize(("today", "expected"), [
    pytest.param(date(2026, 11, 21), {}, id="claim-limit-31-days"),
    pytest.param(date(2026, 11, 22), {"balance_at_risk": 1}, id="claim-limit-30-days"),
])
def test_a_balance_not_yet_due_of_a_contract_broken_early_is_at_risk(staff, today, expected):
    # Planned to end on 1 Dec 2026, broken on 22 Aug: the claim limit counts from the rupture
    # (22 Dec 2026) while the last balance, generated before, falls due on 1 Dec — after today.
    broken = accepted_file(contract_for("Rompu", status=ContractStatus.BROKEN, start=date(2025, 8, 23), end=date(2026, 12, 1),
                                        rupture_date=date(2026, 8, 22), rupture_kind=RuptureKind.MUTUAL_AGREEMENT))
    OpcoInstalmentFactory(opco_file=broken, contract_year=2, kind="balance", amount=D("50.00"), due_date=date(2026, 12, 1))

    assert opco_late_counts(staff, today=today) == expected
    assert dict(Counter(r.category for r in opco_board(staff, today=today, filter=BoardFilter.LATE))) == expected
