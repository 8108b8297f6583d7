"""Visits overdue: the interval between visits (setting visit_interval_days, OF's choice — no legal
frequency, Qualiopi 13) at limit − 1, limit and limit + 1, with the visits that must not count."""

from datetime import date, timedelta

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES
from alternance.choices import VisitKind
from alternance.french import de
from contracts.choices import ContractStatus
from tests.alerts.conftest import TODAY, context, under_contract
from tests.factories.alternance import VisitFactory

pytestmark = pytest.mark.django_db


def started_last_year(**contract):
    return under_contract(start_date=date(2025, 9, 1), signature_date=date(2025, 8, 20), practical_training_start_date=date(2025, 9, 1),
                          **contract)


@pytest.mark.parametrize(("days_since", "late"), [(59, False), (60, False), (61, True)], ids=["limit-1", "limit", "limit+1"])
def test_visit_interval_setting_both_sides(days_since, late):
    contract = started_last_year()
    done = TODAY - timedelta(days=days_since)
    VisitFactory(apprentice=contract.apprentice, contract=contract, kind=VisitKind.FIRST, planned_date=done - timedelta(days=100),
                 done_date=done - timedelta(days=100))
    VisitFactory(apprentice=contract.apprentice, contract=contract, kind=VisitKind.FOLLOW_UP, planned_date=done, done_date=done)
    VisitFactory(apprentice=contract.apprentice, contract=contract, kind=VisitKind.FOLLOW_UP, planned_date=TODAY + timedelta(days=3))
    other = started_last_year()  # another contract's recent visit does not count for this one
    VisitFactory(apprentice=other.apprentice, contract=other, kind=VisitKind.FOLLOW_UP, planned_date=TODAY - timedelta(days=1),
                 done_date=TODAY - timedelta(days=1))

    findings = RULES["visits_overdue"](context(visit_interval_days=60))

    assert [(f.subject_id, f.stage, f.severity, f.title, f.facts) for f in findings] == ([(
        contract.pk, "interval", Severity.WARNING, f"Aucune visite depuis le {done:%d/%m/%Y} ({days_since} jours)",
        {"kind": "interval", "last_visit": done.isoformat(), "days_since": days_since, "interval_days": 60},
    )] if late else [])
    if late:
        f = findings[0]
        name = f"{contract.apprentice.first_name} {contract.apprentice.last_name}"
        assert (f.label, f.concerned_role, f.apprentice_id, f.company_id, f.contract_id, f.suggested_assignee_id) == (
            f"Contrat {de(name)} chez {contract.company.name}", ConcernedRole.TUTOR, contract.apprentice_id, contract.company_id,
            contract.pk, contract.apprentice.cohort.referent_tutor_id)
        assert f.recommended_action == "Planifier une visite de suivi avec le maître d'apprentissage."


def test_only_contracts_in_force_today():
    for values in ({"status": ContractStatus.ENDED}, {"end_date": TODAY - timedelta(days=1)}):
        contract = started_last_year(**values)
        VisitFactory(apprentice=contract.apprentice, contract=contract, kind=VisitKind.FIRST, planned_date=date(2025, 10, 1),
                     done_date=date(2025, 10, 1))

    assert RULES["visits_overdue"](context(today=TODAY)) == []
