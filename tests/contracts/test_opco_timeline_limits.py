"""The contract page's OPCO deadlines (contracts.opco.opco_file_timeline) at their limits: sending
within 5 jours ouvrables of the start (D6224-1, ContractSettings.opco_sending_*), decision within
20 days of the complete file (D6224-2, ContractSettings.opco_decision_*), the last balance claimed
within 4 months of the contract's last day (FundingRule.balance_claim_months); and an instalment's
payment on its invoice day or today, of any amount from zero."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts import opco
from contracts.choices import ContractStatus, OpcoDecision, RuptureKind
from contracts.models import Contract, OpcoInstalment
from tests.factories.alternance import AdminStaffFactory
from tests.factories.contracts import OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db
SENDING_LIMIT = date(2026, 9, 7)  # start Tue 1 Sept 2026 + 5 jours ouvrables (Sunday 6 skipped)
COMPLETE = date(2026, 9, 10)
DECISION_LIMIT = COMPLETE + timedelta(days=20)


@pytest.mark.parametrize(("today", "late"), [(SENDING_LIMIT - timedelta(days=1), False), (SENDING_LIMIT, False), (SENDING_LIMIT + timedelta(days=1), True)])
def test_an_unsent_file_is_late_after_the_sending_limit(contract, today, late):
    timeline = opco.opco_file_timeline(contract, None, today=today)

    assert (timeline.sending_deadline, timeline.sending_late, timeline.decision_deadline, timeline.decision_late) == (
        SENDING_LIMIT, late, None, False
    )
    assert (timeline.balance_claim_limit, timeline.employer_participation_from) == (date(2028, 12, 31), None)


@pytest.mark.parametrize(("sent", "late"), [(SENDING_LIMIT, False), (SENDING_LIMIT + timedelta(days=1), True)])
def test_a_sent_file_is_late_when_sent_after_the_limit_whatever_today(contract, sent, late):
    opco_file = OpcoFileFactory(contract=contract, sent_date=sent)

    for today in (SENDING_LIMIT - timedelta(days=3), date(2027, 1, 1)):
        assert opco.opco_file_timeline(contract, opco_file, today=today).sending_late is late


@pytest.mark.parametrize(("today", "late"), [(DECISION_LIMIT, False), (DECISION_LIMIT + timedelta(days=1), True)])
def test_a_pending_decision_is_late_after_20_days(contract, today, late):
    opco_file = OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), complete_file_date=COMPLETE)

    timeline = opco.opco_file_timeline(contract, opco_file, today=today)

    assert (timeline.decision_deadline, timeline.decision_late, timeline.sending_late) == (DECISION_LIMIT, late, False)


@pytest.mark.parametrize(("decided", "late"), [(DECISION_LIMIT, False), (DECISION_LIMIT + timedelta(days=1), True)])
def test_a_decision_is_late_when_taken_after_the_limit_whatever_today(contract, decided, late):
    opco_file = OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), complete_file_date=COMPLETE,
                                decision=OpcoDecision.ACCEPTED, decision_date=decided)

    for today in (date(2027, 6, 1), DECISION_LIMIT - timedelta(days=5)):
        assert opco.opco_file_timeline(contract, opco_file, today=today).decision_late is late


def test_the_claim_limit_of_a_broken_contract_counts_from_its_rupture(contract):
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.BROKEN, rupture_date=date(2027, 3, 31), rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    contract.refresh_from_db()

    assert opco.opco_file_timeline(contract, None, today=date(2027, 4, 1)).balance_claim_limit == date(2027, 7, 31)


def test_no_claim_limit_under_the_rule_before_july_2025(contract):
    Contract.objects.filter(pk=contract.pk).update(signature_date=date(2025, 6, 30))
    contract.refresh_from_db()

    assert opco.opco_file_timeline(contract, None, today=date(2027, 4, 1)).balance_claim_limit is None


@pytest.fixture
def staff_user():
    return AdminStaffFactory()


@pytest.fixture
def invoiced(contract):
    opco_file = OpcoFileFactory(contract=contract, npec_amount=Decimal("8000.00"))
    return OpcoInstalmentFactory(opco_file=opco_file, amount=Decimal("3200.00"), due_date=date(2026, 9, 1),
                                 invoiced_date=date(2026, 9, 2), invoice_number="F-1")


@pytest.mark.parametrize(("paid", "amount", "today", "expected"), [
    (date(2026, 9, 2), None, date(2026, 9, 2), (date(2026, 9, 2), Decimal("3200.00"))),  # on the invoice day, which is today
    (date(2026, 9, 3), Decimal("0"), date(2026, 9, 5), (date(2026, 9, 3), Decimal("0.00"))),
    (date(2026, 9, 3), Decimal("3100.50"), date(2026, 9, 5), (date(2026, 9, 3), Decimal("3100.50"))),
])
def test_a_payment_on_the_invoice_day_or_today_of_any_amount_from_zero(invoiced, staff_user, paid, amount, today, expected):
    opco.instalment_record_payment(instalment=invoiced, paid_date=paid, paid_amount=amount, by=staff_user, today=today)

    assert OpcoInstalment.objects.values_list("paid_date", "paid_amount").get(pk=invoiced.pk) == expected


def test_an_invoice_dated_today_is_accepted(contract, staff_user):
    instalment = OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contract), due_date=date(2026, 9, 1))

    opco.instalment_record_invoice(instalment=instalment, invoice_number="F-9", invoiced_date=date(2026, 9, 5), by=staff_user, today=date(2026, 9, 5))

    assert OpcoInstalment.objects.values_list("invoice_number", "invoiced_date").get(pk=instalment.pk) == ("F-9", date(2026, 9, 5))
    with pytest.raises(ValidationError):
        opco.instalment_record_invoice(instalment=instalment, invoice_number="F-9", invoiced_date=date(2026, 9, 6), by=staff_user, today=date(2026, 9, 5))
