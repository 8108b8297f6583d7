"""Rules about the learner's behaviour: absences and the rupture-risk score, at their boundaries."""

from datetime import date, timedelta

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES
from alerts.rules.absences import longest_streak
from alternance.choices import ApprenticeStatus, HalfDay, JustificationStatus, VisitKind
from companies.choices import InteractionOutcome
from tests.alerts.conftest import TODAY, absent, context, present, under_contract
from tests.factories.alternance import ApprenticeFactory, VisitFactory
from tests.factories.companies import CompanyFactory, InteractionFactory

pytestmark = pytest.mark.django_db
absences, rupture_risk = RULES["absences"], RULES["rupture_risk"]
ISOLATED = {"attendance_min_records": 100, "absence_consecutive_days": 10}  # only the rolling-window signal


def _seeker():
    return ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=20))


@pytest.mark.parametrize(("count", "expected"), [(2, []), (3, [("unjustified", 3)])])
def test_absences_alert_from_three_unjustified_half_days_in_thirty_days(count, expected):
    apprentice = _seeker()
    for offset in range(count):
        absent(apprentice, TODAY - timedelta(days=2 * offset + 1))
        present(apprentice, TODAY - timedelta(days=2 * offset + 1))

    findings = absences(context(**ISOLATED))

    assert [(s["code"], s["count"]) for f in findings for s in f.facts["signals"]] == expected


def test_absences_window_is_the_thirty_days_ending_today_and_ignores_accepted_or_pending_proofs():
    apprentice = _seeker()
    absent(apprentice, TODAY - timedelta(days=29))  # first day of the window
    absent(apprentice, TODAY - timedelta(days=30))  # just outside
    absent(apprentice, TODAY - timedelta(days=3), justification=JustificationStatus.ACCEPTED)
    absent(apprentice, TODAY - timedelta(days=4), justification=JustificationStatus.PENDING)
    absent(apprentice, TODAY - timedelta(days=5), justification=JustificationStatus.REFUSED)

    assert absences(context(**ISOLATED)) == []
    absent(apprentice, TODAY, half=HalfDay.AFTERNOON)

    [finding] = absences(context(**ISOLATED))
    assert (finding.subject_id, finding.facts["unjustified_in_window"], finding.severity) == (apprentice.pk, 3, Severity.WARNING)


def test_consecutive_absence_days_count_register_days_not_calendar_days():
    apprentice = _seeker()
    # Thursday, Friday at the OF absent all day; Monday and Tuesday absent too (the weekend is not in the register).
    for day in (date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23)):
        absent(apprentice, day, HalfDay.MORNING)
        absent(apprentice, day, HalfDay.AFTERNOON, justification=JustificationStatus.REFUSED)
    present(apprentice, date(2026, 11, 24))
    absent(apprentice, date(2026, 11, 24))  # half present: breaks the run

    [finding] = absences(context(attendance_min_records=100, absence_max_unjustified=99))

    assert finding.facts["signals"] == [{
        "code": "consecutive", "label": "3 jours de centre consécutifs d'absence (19/11/2026 – 23/11/2026)",
        "days": 3, "threshold": 3, "from": "2026-11-19", "to": "2026-11-23",
    }]
    assert longest_streak([(date(2026, 1, 1), True), (date(2026, 1, 2), False), (date(2026, 1, 3), True)])[0] == 1


def test_monthly_attendance_rate_under_the_threshold():
    apprentice = _seeker()
    for day in range(2, 7):  # 2–6 November: 10 half-days, 3 absent with accepted proof → 70 %
        present(apprentice, date(2026, 11, day), HalfDay.MORNING)
        if day <= 4:
            absent(apprentice, date(2026, 11, day), HalfDay.AFTERNOON, justification=JustificationStatus.ACCEPTED)
        else:
            present(apprentice, date(2026, 11, day), HalfDay.AFTERNOON)

    [finding] = absences(context())

    assert finding.facts["signals"] == [{
        "code": "monthly_rate", "label": "Assiduité de 70,0 % en novembre 2026 (minimum 80 %)", "month": "2026-11", "rate": 70.0,
        "attended": 7, "recorded": 10, "threshold": 80,
    }]
    assert absences(context(attendance_min_rate=70)) == []


def test_absences_route_to_the_cohort_tutor_with_the_current_employer_for_scoping():
    contract = under_contract()
    for offset in (1, 2, 3):
        absent(contract.apprentice, TODAY - timedelta(days=offset))

    [finding] = absences(context(attendance_min_records=100))

    assert (finding.concerned_role, finding.suggested_assignee_id) == (ConcernedRole.TUTOR, contract.apprentice.cohort.referent_tutor_id)
    assert (finding.apprentice_id, finding.company_id, finding.contract_id) == (contract.apprentice_id, contract.company_id, contract.pk)
    assert (finding.severity, finding.stage) == (Severity.CRITICAL, "consecutive,unjustified")


def test_dropped_out_learners_raise_no_absence_alert():
    apprentice = ApprenticeFactory(status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 11, 20), status_since=date(2026, 11, 20))
    for offset in (11, 12, 13):
        absent(apprentice, TODAY - timedelta(days=offset))

    assert absences(context()) == []


# --- rupture risk -----------------------------------------------------------------------------------

def test_rupture_risk_lists_its_factors_and_adds_a_bonus_when_signals_come_together():
    company = CompanyFactory(sensitive=True, sensitive_reason="Trois ruptures en deux ans.")
    contract = under_contract(company=company, start_date=date(2026, 11, 2), signature_date=date(2026, 10, 20),
                              practical_training_start_date=date(2026, 11, 4))

    [finding] = rupture_risk(context())

    assert finding.facts["score"] == 3 and finding.facts["threshold"] == 3
    assert [(f["code"], f["weight"]) for f in finding.facts["factors"]] == [
        ("sensitive_company", 1), ("no_visit_free_period", 1), ("several_signals", 1),
    ]
    assert finding.facts["factors"][1]["company_days"] == 11  # 4–30 November, Wednesdays to Fridays, 11/11 off
    assert (finding.subject_id, finding.contract_id, finding.company_id) == (contract.apprentice_id, contract.pk, company.pk)
    assert (finding.severity, finding.concerned_role) == (Severity.WARNING, ConcernedRole.TUTOR)


def test_a_single_weak_signal_is_not_enough():
    contract = under_contract(company=CompanyFactory(sensitive=True, sensitive_reason="Relances."))
    VisitFactory(apprentice=contract.apprentice, contract=contract, kind=VisitKind.FIRST, planned_date=date(2026, 10, 1),
                 done_date=date(2026, 10, 1), grid_answers={"a": {"score": 3}})

    assert rupture_risk(context()) == []


def test_a_visit_flagged_at_risk_alone_raises_and_all_signals_together_are_critical():
    contract = under_contract(company=CompanyFactory(sensitive=True, sensitive_reason="Tensions."))
    VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=date(2026, 11, 10), done_date=date(2026, 11, 10),
                 at_risk=True, risk_comment="Tensions avec le maître d'apprentissage.", grid_answers={"a": {"score": 1}, "b": {"score": 2}})
    for day in (date(2026, 11, 20), date(2026, 11, 25)):
        absent(contract.apprentice, day)
    InteractionFactory(company=contract.company, apprentice=contract.apprentice, outcome=InteractionOutcome.NEGATIVE,
                       occurred_at=date(2026, 11, 15).isoformat() + "T10:00:00+01:00", summary="L'employeur évoque une rupture.")

    [finding] = rupture_risk(context())

    assert [(f["code"], f["weight"]) for f in finding.facts["factors"]] == [
        ("visit_at_risk", 3), ("low_grid_score", 2), ("absence_trend", 2), ("negative_interaction", 2),
        ("sensitive_company", 1), ("several_signals", 1),
    ]
    assert (finding.facts["score"], finding.severity, finding.stage) == (11, Severity.CRITICAL, "critical")


def test_a_negative_exchange_is_dated_by_its_day_in_paris_not_in_utc():
    """00:30 in Paris on 16 November is still 15 November in UTC: the alert names the 16th."""
    contract = under_contract(company=CompanyFactory(sensitive=True, sensitive_reason="Tensions."))
    InteractionFactory(company=contract.company, apprentice=contract.apprentice, outcome=InteractionOutcome.NEGATIVE,
                       occurred_at="2026-11-16T00:30:00+01:00", summary="Appel tendu.")

    [finding] = rupture_risk(context())

    [factor] = [f for f in finding.facts["factors"] if f["code"] == "negative_interaction"]
    assert factor["date"] == "2026-11-16"
    assert factor["label"] == "Échange négatif avec l'employeur le 16/11/2026 : Appel tendu."
