"""Learners without a company (L6222-12-1: 3 months to sign; L6222-18-2: 6 months after a rupture):
both sides of the configured limits (seeking_limit_days, rupturant_limit_days, limit_warning_days),
exact findings, and the learners the rule must leave out."""

from datetime import date, timedelta

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES
from alternance.choices import ApprenticeStatus
from contracts.choices import ContractStatus, RuptureKind
from tests.alerts.conftest import TODAY, context, under_contract
from tests.factories.alternance import ApprenticeFactory

pytestmark = pytest.mark.django_db

# Small limits so that each side of each threshold is one day: seeking 30 days, rupturant 20 days
# (smaller than seeking: the query's earliest day follows the smaller limit), warning 5 days before.
LIMITS = {"seeking_limit_days": 30, "rupturant_limit_days": 20, "limit_warning_days": 5}


def rupturant(days: int, **apprentice):
    """A rupturant since ``days`` days whose contract was broken that day."""
    rupture = TODAY - timedelta(days=days)
    contract = under_contract(status=ContractStatus.BROKEN, start_date=date(2026, 1, 5), signature_date=date(2026, 1, 2),
                              practical_training_start_date=date(2026, 1, 5), rupture_date=rupture,
                              rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    a = contract.apprentice
    a.status, a.status_since = ApprenticeStatus.RUPTURANT, rupture
    for name, value in apprentice.items():
        setattr(a, name, value)
    a.save()
    return contract


@pytest.mark.parametrize(("days", "stage"), [
    (24, None), (25, "seeking_approaching"), (26, "seeking_approaching"),
    (29, "seeking_approaching"), (30, "seeking_passed"), (31, "seeking_passed"),
], ids=["warning-1", "warning", "warning+1", "limit-1", "limit", "limit+1"])
def test_seeking_limit_l6222_12_1_both_sides(days, stage):
    apprentice = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=days))

    findings = RULES["without_company"](context(**LIMITS))

    assert [(f.subject_id, f.stage) for f in findings] == ([(apprentice.pk, stage)] if stage else [])


@pytest.mark.parametrize(("days", "stage"), [
    (14, None), (15, "rupturant_approaching"), (16, "rupturant_approaching"),
    (19, "rupturant_approaching"), (20, "rupturant_passed"), (21, "rupturant_passed"),
], ids=["warning-1", "warning", "warning+1", "limit-1", "limit", "limit+1"])
def test_rupturant_limit_l6222_18_2_both_sides(days, stage):
    contract = rupturant(days)

    findings = RULES["without_company"](context(**LIMITS))

    assert [(f.subject_id, f.stage) for f in findings] == ([(contract.apprentice_id, stage)] if stage else [])


def test_seeking_findings_in_full():
    approaching = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=27), usage_name="Durand")
    passed = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=31))

    first, second = RULES["without_company"](context(**LIMITS))

    assert (first.subject_id, first.label, first.title, first.severity, first.facts) == (
        approaching.pk, f"{approaching.first_name} Durand", "Sans entreprise depuis 27 jours : 3 jours avant la limite du 03/12/2026",
        Severity.WARNING,
        {"status": "seeking", "since": "2026-11-03", "days": 27, "limit_days": 30, "deadline": "2026-12-03",
         "cohort": approaching.cohort.name, "former_employer": None},
    )
    assert (second.subject_id, second.label, second.title, second.severity, second.facts["deadline"]) == (
        passed.pk, f"{passed.first_name} {passed.last_name}", "Sans entreprise depuis 31 jours : délai de 30 jours dépassé le 29/11/2026", Severity.CRITICAL, "2026-11-29",
    )
    for f in (first, second):
        assert (f.subject_model, f.concerned_role, f.apprentice_id, f.company_id, f.suggested_assignee_id) == (
            "alternance.apprentice", ConcernedRole.CRE, f.subject_id, None, None)
        assert f.recommended_action == ("Proposer des entreprises du portefeuille, organiser des entretiens et tracer l'accompagnement "
                                        "(Qualiopi 12) ; au-delà du délai, statuer sur la poursuite du parcours.")


def test_rupturant_findings_in_full_with_the_latest_broken_contract():
    contract = rupturant(22)
    older = under_contract(status=ContractStatus.BROKEN, start_date=date(2025, 9, 1), signature_date=date(2025, 8, 20),
                           practical_training_start_date=date(2025, 9, 1), rupture_date=date(2025, 12, 1),
                           rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    older.apprentice = contract.apprentice
    older.save()
    approaching = rupturant(17)

    passed, warned = RULES["without_company"](context(**LIMITS))

    assert (passed.subject_id, passed.title, passed.severity, passed.company_id, passed.suggested_assignee_id) == (
        contract.apprentice_id, "Rupturant·e depuis 22 jours : délai de 20 jours dépassé le 28/11/2026", Severity.CRITICAL,
        contract.company_id, contract.company.owner_cre_id,
    )
    assert passed.facts["former_employer"] == contract.company.name
    assert (warned.subject_id, warned.title, warned.severity) == (
        approaching.apprentice_id, "Rupturant·e depuis 17 jours : 3 jours avant la limite du 03/12/2026", Severity.WARNING,
    )
    assert warned.recommended_action.startswith("Accompagner la recherche d'un nouvel employeur")


def test_a_rupturant_without_broken_contract_has_no_former_employer():
    ended = under_contract(status=ContractStatus.ENDED, end_date=TODAY - timedelta(days=25))  # ended, not broken: no former employer
    apprentice = ended.apprentice
    apprentice.status, apprentice.status_since = ApprenticeStatus.RUPTURANT, TODAY - timedelta(days=25)
    apprentice.save()
    under_contract(status=ContractStatus.BROKEN, rupture_date=TODAY - timedelta(days=25), rupture_kind=RuptureKind.MUTUAL_AGREEMENT,
                   start_date=date(2026, 9, 7))  # another learner's broken contract

    [finding] = RULES["without_company"](context(**LIMITS))

    assert (finding.subject_id, finding.company_id, finding.suggested_assignee_id, finding.facts["former_employer"]) == (
        apprentice.pk, None, None, None)


def test_learners_who_left_the_of_or_have_a_contract_are_not_alerted():
    kept = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=40))
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=40), exclusion_date=TODAY - timedelta(days=1))
    rupturant(40, exclusion_date=TODAY - timedelta(days=2))
    for status in (ApprenticeStatus.UNDER_CONTRACT, ApprenticeStatus.COMPLETED):
        ApprenticeFactory(status=status, status_since=TODAY - timedelta(days=400))

    assert [f.subject_id for f in RULES["without_company"](context(**LIMITS))] == [kept.pk]


def test_two_contracts_broken_the_same_day_the_latest_created_is_the_former_employer():
    first = rupturant(22)
    second = under_contract(status=ContractStatus.BROKEN, start_date=date(2026, 2, 2), signature_date=date(2026, 1, 30),
                            practical_training_start_date=date(2026, 2, 2), rupture_date=first.rupture_date,
                            rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    second.apprentice = first.apprentice
    second.save()

    [finding] = RULES["without_company"](context(**LIMITS))

    assert (finding.company_id, finding.facts["former_employer"]) == (second.company_id, second.company.name)
