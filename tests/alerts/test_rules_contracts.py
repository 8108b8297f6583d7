"""Rules on contracts and companies: contract end, OPCO delays, visits, masters and CREs, learners
without a company — each at its boundaries, with exact findings."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES
from alternance.choices import ApprenticeStatus, Role, VisitKind
from alternance.models import CalendarOverride, ClosurePeriod
from contracts.choices import ContractStatus, InstalmentKind, OpcoDecision, RuptureKind
from contracts.models import OpcoFile
from tests.alerts.conftest import TODAY, context, under_contract
from tests.factories.alternance import ApprenticeFactory, UserFactory, VisitFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db


def stages(code: str, **kwargs) -> list[tuple]:
    return [(f.subject_id, f.stage, f.severity) for f in RULES[code](context(**kwargs))]


# --- contract end: 60 / 30 / 7 days ----------------------------------------------------------------

@pytest.mark.parametrize(("days_left", "expected"), [
    (61, None), (60, ("60", Severity.INFO)), (31, ("60", Severity.INFO)), (30, ("30", Severity.WARNING)),
    (8, ("30", Severity.WARNING)), (7, ("7", Severity.CRITICAL)), (0, ("7", Severity.CRITICAL)), (-1, None),
])
def test_contract_end_steps(days_left, expected):
    contract = under_contract(end_date=TODAY + timedelta(days=days_left))

    assert stages("contract_end") == ([(contract.pk, *expected)] if expected else [])


def test_contract_end_finding_in_full():
    contract = under_contract(end_date=date(2026, 12, 30))

    [finding] = RULES["contract_end"](context())

    assert finding.title == "Fin de contrat dans 30 jours (30/12/2026)"
    assert finding.facts == {"end_date": "2026-12-30", "days_left": 30, "step_days": 30, "steps": [60, 30, 7]}
    assert (finding.concerned_role, finding.suggested_assignee_id) == (ConcernedRole.TUTOR, contract.apprentice.cohort.referent_tutor_id)
    assert (finding.apprentice_id, finding.company_id, finding.contract_id) == (contract.apprentice_id, contract.company_id, contract.pk)


def test_ended_or_broken_contracts_have_no_end_alert():
    under_contract(end_date=TODAY + timedelta(days=5), status=ContractStatus.ENDED)
    under_contract(end_date=TODAY + timedelta(days=5), status=ContractStatus.BROKEN, rupture_date=TODAY - timedelta(days=1),
                   rupture_kind=RuptureKind.MUTUAL_AGREEMENT)

    assert stages("contract_end") == []


# --- OPCO delays -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "late"), [(date(2026, 11, 13), False), (date(2026, 11, 14), True)])
def test_opco_file_not_sent_after_five_jours_ouvrables_across_a_sunday_and_a_public_holiday(today, late):
    # Start Friday 6/11: Sat 7 (1), Sun 8 not counted, Mon 9 (2), Tue 10 (3), Wed 11 Armistice not counted,
    # Thu 12 (4), Fri 13 (5) → the deadline is 13/11; day 6 is Saturday 14.
    contract = under_contract(status=ContractStatus.SIGNED, signature_date=date(2026, 11, 2), start_date=date(2026, 11, 6),
                              practical_training_start_date=date(2026, 11, 6))

    findings = RULES["opco_delay"](context(today))

    assert [(f.subject_id, f.facts["delays"]) for f in findings] == ([(contract.pk, [{
        "code": "not_sent", "label": "Dossier non envoyé à l'OPCO : limite le 13/11/2026 (5 jours ouvrables)",
        "deadline": "2026-11-13", "start_date": "2026-11-06",
    }])] if late else [])


def test_opco_sending_count_mode_is_a_setting():
    under_contract(status=ContractStatus.SIGNED, signature_date=date(2026, 11, 2), start_date=date(2026, 11, 6),
                   practical_training_start_date=date(2026, 11, 6))

    assert len(RULES["opco_delay"](context(date(2026, 11, 12), opco_sending_count="calendaires"))) == 1


@pytest.mark.parametrize(("days_after_complete", "late"), [(20, False), (21, True)])
def test_no_opco_decision_twenty_days_after_the_complete_file(days_after_complete, late):
    file = OpcoFileFactory(contract=under_contract(status=ContractStatus.SENT_TO_OPCO), sent_date=date(2026, 10, 1),
                           complete_file_date=date(2026, 10, 5))

    findings = RULES["opco_delay"](context(date(2026, 10, 5) + timedelta(days=days_after_complete)))

    assert [(f.subject_id, [d["code"] for d in f.facts["delays"]], f.severity) for f in findings] == (
        [(file.contract_id, ["no_decision"], Severity.CRITICAL)] if late else []
    )


def _accepted_file(**contract):
    return OpcoFileFactory(contract=under_contract(**contract), sent_date=date(2026, 9, 8), complete_file_date=date(2026, 9, 8),
                           decision=OpcoDecision.ACCEPTED, decision_date=date(2026, 9, 20))


def test_instalments_due_not_invoiced_and_invoiced_unpaid_after_thirty_days():
    file = _accepted_file()
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.ADVANCE, due_date=TODAY - timedelta(days=1), amount=Decimal("3200.00"))
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.MONTH_7, due_date=TODAY - timedelta(days=40),
                          invoiced_date=TODAY - timedelta(days=31), amount=Decimal("2400.00"))
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.MONTH_10, due_date=TODAY - timedelta(days=40),
                          invoiced_date=TODAY - timedelta(days=30), amount=Decimal("1600.00"))  # 30 days: not late yet
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=TODAY, amount=Decimal("800.00"))

    [finding] = RULES["opco_delay"](context())

    assert [(d["code"], d["label"]) for d in finding.facts["delays"]] == [
        ("instalment_unpaid", "Versement du 7e mois année 1 (2\u00a0400,00\u00a0€) facturé le 30/10/2026 et non payé après 30 jours"),
        ("instalment_not_invoiced", "Avance année 1 (3\u00a0200,00\u00a0€) échu le 29/11/2026 et non facturé"),
    ]
    assert (finding.severity, finding.concerned_role, finding.suggested_assignee_id) == (Severity.WARNING, ConcernedRole.ADMIN_STAFF, None)


@pytest.mark.parametrize(("today", "code"), [
    (date(2027, 2, 27), None), (date(2027, 2, 28), "balance_at_risk"), (date(2027, 3, 30), "balance_at_risk"),
    (date(2027, 3, 31), "balance_lost"),
])
def test_balance_at_risk_before_the_four_month_claim_limit(today, code):
    # Ended 30/11/2026, contract concluded after 1/7/2025: claim limit 30/03/2027 (warning 30 days before).
    file = _accepted_file(status=ContractStatus.ENDED, end_date=date(2026, 11, 30))
    OpcoInstalmentFactory(opco_file=file, contract_year=1, kind=InstalmentKind.BALANCE, due_date=date(2026, 11, 30),
                          amount=Decimal("800.00"))

    findings = RULES["opco_delay"](context(today))

    assert [d["code"] for f in findings for d in f.facts["delays"]] == ([code] if code else [])


# Contract from Monday 7/9/2026, cohort CCEEE: the 45th company day is Wednesday 23/12/2026, the
# participation is due from the 24th and late the day after (no invoicing grace by default).
@pytest.mark.parametrize(("today", "late"), [(date(2026, 12, 23), False), (date(2026, 12, 24), False), (date(2026, 12, 25), True)])
def test_employer_participation_not_invoiced_after_day_45(today, late):
    file = _accepted_file()
    file.employer_participation_amount = Decimal("750.00")
    file.save()

    findings = RULES["opco_delay"](context(today))

    assert [(d["code"], d["invoiceable_from"]) for f in findings for d in f.facts["delays"]] == (
        [("participation_not_invoiced", "2026-12-24")] if late else []
    )


def test_employer_participation_delay_follows_the_real_calendar_and_a_rupture_within_the_period():
    closed = _accepted_file()
    ClosurePeriod.objects.create(label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30),
                                 cohort=closed.contract.apprentice.cohort)
    broken = _accepted_file(status=ContractStatus.BROKEN, rupture_date=date(2026, 10, 2), rupture_kind=RuptureKind.FREE_PERIOD)
    OpcoFile.objects.filter(pk__in=[closed.pk, broken.pk]).update(employer_participation_amount=Decimal("750.00"))

    findings = RULES["opco_delay"](context(date(2026, 12, 23)))

    # Closure: two more company days, the 45th is Thursday 17/12 — due from Friday 18/12. Broken on
    # 2/10, within the period: due from 3/10.
    assert sorted((f.subject_id, d["invoiceable_from"]) for f in findings for d in f.facts["delays"]) == [
        (closed.contract_id, "2026-12-18"), (broken.contract_id, "2026-10-03"),
    ]


# --- visits --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 12, 12), None),  # 11 days before the end of the period
    (date(2026, 12, 13), ("first_approaching", Severity.WARNING)),
    (date(2026, 12, 23), ("first_approaching", Severity.WARNING)),  # the 45th company day itself
    (date(2026, 12, 24), ("first_passed", Severity.CRITICAL)),
])
def test_first_visit_before_the_end_of_the_45_company_day_period(today, expected):
    # CCEEE from Monday 7/9/2026: three company days a week, 11/11 off → the 45th is Wednesday 23/12/2026.
    contract = under_contract()

    findings = RULES["visits_overdue"](context(today))

    assert [(f.subject_id, f.stage, f.severity) for f in findings] == ([(contract.pk, *expected)] if expected else [])
    if expected:
        assert findings[0].facts["free_period_end"] == "2026-12-23"


@pytest.mark.parametrize(("today", "stage"), [
    (date(2026, 12, 17), "first_approaching"),  # the 45th company day of the real calendar
    (date(2026, 12, 18), "first_passed"),
])
def test_first_visit_deadline_follows_closures_and_exceptions_of_the_real_calendar(today, stage):
    # The cohort's centre closed 26–30/10/2026 (Mon 26 and Tue 27 become company days: +2) and the
    # apprentice worked in the company on Mon 14/12 (+1) but was on sick leave on Wed 9/09 (−1):
    # the 45th company day comes two company days before 23/12 — Thursday 17/12/2026.
    contract = under_contract()
    ClosurePeriod.objects.create(label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30),
                                 cohort=contract.apprentice.cohort)
    CalendarOverride.objects.create(apprentice=contract.apprentice, day=date(2026, 12, 14), place="E", reason="Inventaire")
    CalendarOverride.objects.create(apprentice=contract.apprentice, day=date(2026, 9, 9), place="-", reason="Arrêt maladie")

    [finding] = RULES["visits_overdue"](context(today))

    assert (finding.subject_id, finding.stage, finding.facts["free_period_end"]) == (contract.pk, stage, "2026-12-17")


@pytest.mark.parametrize(("days_since", "late"), [(180, False), (181, True)])
def test_no_visit_within_the_configured_interval(days_since, late):
    contract = under_contract(start_date=date(2025, 9, 1), signature_date=date(2025, 8, 20), practical_training_start_date=date(2025, 9, 1))
    VisitFactory(apprentice=contract.apprentice, contract=contract, kind=VisitKind.FIRST, planned_date=TODAY - timedelta(days=days_since),
                 done_date=TODAY - timedelta(days=days_since))
    VisitFactory(apprentice=contract.apprentice, contract=contract, kind=VisitKind.FOLLOW_UP, planned_date=TODAY + timedelta(days=3))

    findings = RULES["visits_overdue"](context())

    assert [(f.stage, f.facts["days_since"]) for f in findings] == ([("interval", 181)] if late else [])


# --- learners without a company ---------------------------------------------------------------------

@pytest.mark.parametrize(("days", "expected"), [
    (74, None), (75, ("seeking_approaching", Severity.WARNING)), (89, ("seeking_approaching", Severity.WARNING)),
    (90, ("seeking_passed", Severity.CRITICAL)),
])
def test_seeking_learner_approaching_and_passing_ninety_days(days, expected):
    apprentice = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=days))

    assert stages("without_company") == ([(apprentice.pk, *expected)] if expected else [])


@pytest.mark.parametrize(("days", "stage"), [(164, None), (165, "rupturant_approaching"), (179, "rupturant_approaching"), (180, "rupturant_passed")])
def test_rupturant_approaching_and_passing_six_months_routed_to_the_former_employers_cre(days, stage):
    rupture = TODAY - timedelta(days=days)
    contract = under_contract(status=ContractStatus.BROKEN, start_date=date(2026, 1, 5), signature_date=date(2026, 1, 2),
                              practical_training_start_date=date(2026, 1, 5), rupture_date=rupture, rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    apprentice = contract.apprentice
    apprentice.status, apprentice.status_since = ApprenticeStatus.RUPTURANT, rupture
    apprentice.save()

    findings = RULES["without_company"](context())

    assert [f.stage for f in findings] == ([stage] if stage else [])
    if stage:
        assert (findings[0].concerned_role, findings[0].suggested_assignee_id, findings[0].company_id) == (
            ConcernedRole.CRE, contract.company.owner_cre_id, contract.company_id,
        )


# --- workload -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("contracts", "alert"), [(2, False), (3, True)])
def test_cre_above_the_threshold_of_active_contracts(contracts, alert):
    cre = UserFactory(role=Role.CRE)
    company = CompanyFactory(owner_cre=cre)
    for _ in range(contracts):
        under_contract(company=company)
    under_contract(company=company, status=ContractStatus.ENDED)  # not active

    findings = RULES["cre_overload"](context(cre_max_active_contracts=2))

    assert [(f.subject_model, f.subject_id, f.facts["active_contracts"], f.concerned_role) for f in findings] == (
        [("alternance.user", cre.pk, 3, ConcernedRole.COORDINATOR)] if alert else []
    )


@pytest.mark.parametrize(("apprentices", "alert"), [(2, False), (3, True)])
def test_master_over_capacity(apprentices, alert):
    company = CompanyFactory()
    master = CompanyContactFactory(company=company)
    for _ in range(apprentices):
        under_contract(company=company, master=master)
    other = CompanyContactFactory(company=company)
    ContractFactory(company=company, master=other, second_master=master, status=ContractStatus.ENDED)  # ended: not counted

    findings = RULES["master_capacity"](context())

    assert [(f.subject_id, f.stage, f.company_id, f.suggested_assignee_id) for f in findings] == (
        [(master.pk, "3+0", company.pk, company.owner_cre_id)] if alert else []
    )
