"""The contract page's OPCO deadlines (contracts.opco.opco_file_timeline) at the limits of the
funding rule and of the decision: the rule is picked by the signature date, else the start date
(FundingRule.valid_from; the first rule from 1 January 2019, the 4-month balance claim limit from
1 July 2025); a file still pending is late by today after the 20 days of D6224-2
(ContractSettings.opco_decision_*), whatever decision date was left on it."""

from datetime import date

import pytest

from contracts import opco
from contracts.choices import OpcoDecision
from contracts.models import Contract
from tests.factories.contracts import OpcoFileFactory

pytestmark = pytest.mark.django_db
COMPLETE = date(2026, 9, 10)
DECISION_LIMIT = date(2026, 9, 30)


def signed(contract, signature):
    Contract.objects.filter(pk=contract.pk).update(signature_date=signature)
    contract.refresh_from_db()
    return contract


@pytest.mark.parametrize(("signature", "claim_limit"), [
    pytest.param(date(2018, 12, 31), None, id="before-the-first-rule-2019-01-01"),
    pytest.param(date(2019, 1, 1), None, id="first-rule-no-claim-limit"),
    pytest.param(date(2025, 7, 1), date(2028, 12, 31), id="july-2025-rule-end-plus-4-months"),
    pytest.param(None, date(2028, 12, 31), id="no-signature-the-start-1-sept-2026-picks-the-july-2025-rule"),
])
def test_the_claim_limit_follows_the_rule_of_the_signature_else_the_start(contract, signature, claim_limit):
    timeline = opco.opco_file_timeline(signed(contract, signature), None, today=date(2026, 9, 2))

    assert (timeline.balance_claim_limit, timeline.today, timeline.sending_days) == (claim_limit, date(2026, 9, 2), -5)


@pytest.mark.parametrize(("today", "late"), [
    pytest.param(DECISION_LIMIT, False, id="decision-limit"),
    pytest.param(date(2026, 10, 1), True, id="decision-limit+1"),
])
def test_a_pending_file_is_late_by_today_even_with_a_decision_date_left_on_it(contract, today, late):
    # A decision date before the limit, left on a file whose decision went back to pending.
    opco_file = OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), complete_file_date=COMPLETE,
                                decision=OpcoDecision.PENDING, decision_date=date(2026, 9, 20))

    timeline = opco.opco_file_timeline(contract, opco_file, today=today)

    assert (timeline.decision_deadline, timeline.decision_late) == (DECISION_LIMIT, late)
