"""Visits overdue: the first visit, in full (issue 16).

Sources: an apprenticeship contract's first visit falls before the end of the free rupture period,
its first 45 days in the company counted on the apprentice's real calendar (Code du travail
L6222-18 al. 1, ContractSettings.free_period_company_days); a contrat de professionnalisation has
no such period, so its first visit falls before the end of its trial period (L1242-10 for a CDD,
L1221-19 for a CDI: 2 months for a worker or employee). The alert warns ``first_visit_warning_days``
ahead (OF's choice, default 10). The cohort's rhythm ("CCEEE") puts the company on Wednesdays to
Fridays; TODAY is Monday 30 November 2026.
"""

from datetime import date, timedelta

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES, Finding
from alternance.french import de
from contracts.choices import ContractKind, EmployeeCategory, EmploymentTerm
from tests.alerts.conftest import TODAY, context, under_contract
from tests.factories.alternance import VisitFactory

pytestmark = pytest.mark.django_db
visits_overdue = RULES["visits_overdue"]
FREE_PERIOD_ACTION = "Planifier la première visite en entreprise avant la fin de la période de rupture libre."
TRIAL_ACTION = "Planifier la première visite en entreprise avant la fin de la période d'essai."


def named(contract, usage="Durand"):
    apprentice = contract.apprentice
    apprentice.first_name, apprentice.last_name, apprentice.usage_name = "Inès", "Martin", usage
    apprentice.save()
    return contract


def expected(contract, **fields):
    """The finding of ``contract`` (apprentice named Inès, usage name Durand) with ``fields``."""
    return Finding(
        subject_model="contracts.contract", subject_id=contract.pk, label=f"Contrat {de('Inès Durand')} chez {contract.company.name}",
        concerned_role=ConcernedRole.TUTOR, apprentice_id=contract.apprentice_id, company_id=contract.company_id,
        contract_id=contract.pk, suggested_assignee_id=contract.apprentice.cohort.referent_tutor_id, **fields,
    )


@pytest.mark.parametrize(("today", "stage"), [
    (date(2026, 11, 9), None),  # 11 days before Friday 20 November: not yet
    (date(2026, 11, 10), "first_approaching"),  # 10 days before
    (date(2026, 11, 20), "first_approaching"),  # the last day of the period
    (date(2026, 11, 21), "first_passed"),
])
def test_an_apprenticeship_first_visit_before_the_end_of_the_free_period(today, stage):
    """Practical training from Wednesday 18 November, a 3-company-day period: 18, 19, 20 November."""
    contract = named(under_contract(practical_training_start_date=date(2026, 11, 18)))

    findings = visits_overdue(context(today, free_period_company_days=3))

    passed = stage == "first_passed"
    assert findings == ([] if stage is None else [expected(
        contract,
        title=("Première visite non faite : période de 3 jours terminée le 20/11/2026" if passed
               else "Première visite à faire avant le 20/11/2026 (fin de la période de 3 jours)"),
        severity=Severity.CRITICAL if passed else Severity.WARNING, stage=stage,
        facts={"kind": "first_visit", "practical_start": "2026-11-18", "free_period_end": "2026-11-20", "company_days": 3,
               "days_left": (date(2026, 11, 20) - today).days},
        recommended_action=FREE_PERIOD_ACTION,
    )])


def test_without_a_practical_training_date_the_period_counts_from_the_contract_start():
    under_contract(start_date=date(2026, 11, 18), signature_date=date(2026, 11, 10), practical_training_start_date=None)

    [finding] = visits_overdue(context(free_period_company_days=3))

    assert (finding.facts["practical_start"], finding.facts["free_period_end"]) == ("2026-11-18", "2026-11-20")


@pytest.mark.parametrize(("today", "stage"), [
    (date(2026, 10, 26), None),  # 11 days before Friday 6 November
    (date(2026, 10, 27), "first_approaching"),
    (date(2026, 11, 6), "first_approaching"),
    (date(2026, 11, 7), "first_passed"),
])
def test_a_contrat_pro_in_cdi_has_its_first_visit_before_the_end_of_a_two_month_trial(today, stage):
    """A worker or employee hired on an open-ended contract from 7 September: trial until 6 November (L1221-19)."""
    contract = named(under_contract(kind=ContractKind.PROFESSIONALISATION, employment_term=EmploymentTerm.OPEN_ENDED,
                                    employee_category=EmployeeCategory.WORKER_EMPLOYEE, end_date=date(2028, 8, 31)))

    findings = visits_overdue(context(today))

    passed = stage == "first_passed"
    assert findings == ([] if stage is None else [expected(
        contract,
        title=("Première visite non faite : période d'essai terminée le 06/11/2026" if passed
               else "Première visite à faire avant le 06/11/2026 (fin de la période d'essai)"),
        severity=Severity.CRITICAL if passed else Severity.WARNING, stage=stage,
        facts={"kind": "first_visit", "start": "2026-09-07", "trial_period_end": "2026-11-06",
               "days_left": (date(2026, 11, 6) - today).days},
        recommended_action=TRIAL_ACTION,
    )])


def test_a_learner_without_usage_name_is_named_by_birth_name():
    contract = named(under_contract(practical_training_start_date=date(2026, 11, 18)), usage="")

    [finding] = visits_overdue(context(free_period_company_days=3))

    assert finding.label == f"Contrat {de('Inès Martin')} chez {contract.company.name}"


@pytest.mark.parametrize("kind", [ContractKind.APPRENTICESHIP, ContractKind.PROFESSIONALISATION])
def test_a_first_visit_not_due_yet_does_not_stop_the_next_contracts(kind):
    """The later contract's period ends after today (4 December or 24 December); the other's has passed."""
    later = under_contract(kind=kind, start_date=TODAY, signature_date=date(2026, 11, 20), practical_training_start_date=TODAY,
                           end_date=date(2028, 8, 31))
    due = under_contract(kind=kind, end_date=date(2028, 8, 31))
    assert later.pk < due.pk

    findings = visits_overdue(context(free_period_company_days=3, first_visit_warning_days=0))

    assert [(f.subject_id, f.stage) for f in findings] == [(due.pk, "first_passed")]


def test_a_contract_not_started_yet_is_not_followed_even_with_an_old_visit():
    contract = under_contract(start_date=TODAY + timedelta(days=1), signature_date=date(2026, 11, 1),
                              practical_training_start_date=TODAY + timedelta(days=1))
    VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=date(2026, 3, 1), done_date=date(2026, 3, 1))

    assert visits_overdue(context()) == []


def test_a_visit_dated_after_today_is_not_the_last_visit():
    contract = under_contract(start_date=date(2025, 9, 1), signature_date=date(2025, 8, 20), practical_training_start_date=date(2025, 9, 1))
    VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=date(2026, 3, 1), done_date=date(2026, 3, 1))
    VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=TODAY + timedelta(days=2),
                 done_date=TODAY + timedelta(days=2))

    [finding] = visits_overdue(context())

    assert (finding.stage, finding.facts["last_visit"], finding.facts["days_since"]) == ("interval", "2026-03-01", 274)
