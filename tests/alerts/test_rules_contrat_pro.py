"""Issue 15 §5: the alerts never speak of the 45-day free rupture for a contrat pro — its first
visit falls before the end of its trial period, and the rupture risk has no free-period factor."""

from datetime import date

import pytest

from alerts.choices import Severity
from alerts.rules import RULES
from contracts.choices import ContractKind
from tests.alerts.conftest import context, under_contract

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 9, 25), None),  # 11 days before the end of the trial period
    (date(2026, 9, 26), ("first_approaching", Severity.WARNING)),
    (date(2026, 10, 6), ("first_approaching", Severity.WARNING)),  # its last day
    (date(2026, 10, 7), ("first_passed", Severity.CRITICAL)),
])
def test_first_visit_of_a_contrat_pro_before_the_end_of_its_trial_period(today, expected):
    # A 12-month CDD from 7 September 2026: one month of trial period, last day 6 October 2026.
    contract = under_contract(kind=ContractKind.PROFESSIONALISATION, end_date=date(2027, 9, 6))

    findings = RULES["visits_overdue"](context(today))

    assert [(f.subject_id, f.stage, f.severity) for f in findings] == ([(contract.pk, *expected)] if expected else [])
    if expected:
        assert findings[0].facts["trial_period_end"] == "2026-10-06"
        assert "45" not in findings[0].title and "période d'essai" in findings[0].title
