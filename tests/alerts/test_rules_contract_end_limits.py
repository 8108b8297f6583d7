"""Contract end: each notice step of the setting contract_end_notice_days at step − 1, step and
step + 1 days, the severity ladder with fewer steps, and the contracts the rule leaves out."""

from datetime import timedelta

import pytest

from alerts.choices import Severity
from alerts.rules import RULES
from alerts.rules.contract_end import ACTIONS, step_for
from alternance.french import de
from alternance.models import Apprentice
from contracts.choices import ContractStatus, RuptureKind
from tests.alerts.conftest import TODAY, context, under_contract


@pytest.mark.parametrize(("days_left", "index"), [
    (21, None), (20, 0), (19, 0), (11, 0), (10, 1), (9, 1), (4, 1), (3, 2), (2, 2), (0, 2), (-1, 2),
])
def test_step_for_setting_contract_end_notice_days(days_left, index):
    assert step_for(days_left, [20, 10, 3]) == index


@pytest.mark.django_db
@pytest.mark.parametrize(("days_left", "expected"), [
    (21, None), (20, ("20", Severity.INFO, 0)), (19, ("20", Severity.INFO, 0)),
    (11, ("20", Severity.INFO, 0)), (10, ("10", Severity.WARNING, 1)), (9, ("10", Severity.WARNING, 1)),
    (4, ("10", Severity.WARNING, 1)), (3, ("3", Severity.CRITICAL, 2)), (2, ("3", Severity.CRITICAL, 2)),
    (0, ("3", Severity.CRITICAL, 2)), (-1, None),
])
def test_contract_end_steps_from_the_setting(days_left, expected):
    contract = under_contract(end_date=TODAY + timedelta(days=days_left))

    findings = RULES["contract_end"](context(contract_end_notice_days="3,20,10"))

    assert [(f.subject_id, f.stage, f.severity, f.recommended_action, f.facts["steps"]) for f in findings] == (
        [(contract.pk, expected[0], expected[1], ACTIONS[expected[2]], [20, 10, 3])] if expected else []
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("setting", "days_left", "expected"), [
    ("15,5", 15, ("15", Severity.WARNING)), ("15,5", 5, ("5", Severity.CRITICAL)),
    ("15", 16, None), ("15", 15, ("15", Severity.CRITICAL)), ("15", 14, ("15", Severity.CRITICAL)),
    ("90,60,30,7", 61, ("90", Severity.INFO)), ("90,60,30,7", 60, ("60", Severity.INFO)), ("90,60,30,7", 30, ("30", Severity.WARNING)),
    ("", 5, None),
], ids=["two-steps-first", "two-steps-last", "one-step-1", "one-step", "one-step+1", "four-steps-first", "four-steps-second",
        "four-steps-third", "no-step"])
def test_the_last_step_is_critical_the_one_before_a_warning(setting, days_left, expected):
    contract = under_contract(end_date=TODAY + timedelta(days=days_left))

    findings = RULES["contract_end"](context(contract_end_notice_days=setting))

    assert [(f.subject_id, f.stage, f.severity, f.facts["step_days"]) for f in findings] == (
        [(contract.pk, expected[0], expected[1], int(expected[0]))] if expected else []
    )


@pytest.mark.django_db
def test_contracts_in_force_only_sorted_by_end_date():
    later = under_contract(end_date=TODAY + timedelta(days=20), status=ContractStatus.SIGNED)
    sooner = under_contract(end_date=TODAY + timedelta(days=5), status=ContractStatus.ACCEPTED)
    Apprentice.objects.filter(pk=sooner.apprentice_id).update(usage_name="Durand")  # name in use (nom d'usage)
    sooner.apprentice.refresh_from_db()
    under_contract(end_date=TODAY + timedelta(days=5), status=ContractStatus.DRAFT)
    under_contract(end_date=TODAY + timedelta(days=5), status=ContractStatus.BROKEN, rupture_date=TODAY - timedelta(days=3),
                   rupture_kind=RuptureKind.MUTUAL_AGREEMENT)

    findings = RULES["contract_end"](context())

    assert [(f.subject_id, f.facts["days_left"]) for f in findings] == [(sooner.pk, 5), (later.pk, 20)]
    assert findings[0].subject_model == "contracts.contract"
    assert findings[1].label == f"Contrat {de(later.apprentice.first_name + ' ' + later.apprentice.last_name)} chez {later.company.name}"
    assert findings[0].label == f"Contrat {de(sooner.apprentice.first_name + ' Durand')} chez {sooner.company.name}"
