"""The rupture-risk rule at each of its limits and in full (issue 16).

Sources: Qualiopi indicator 12 (prevent ruptures) for the score, whose weights and thresholds are the
OF's choices (RuleSettings: alert from score 3, critical from 5, signals at most 90 days old, a
visit grid averaging 2 or less out of 4 is low); the free rupture period of an apprenticeship
contract is the first 45 days in the company (Code du travail L6222-18 al. 1, ContractSettings).
Each threshold is tested at limit − 1, limit and limit + 1, and a whole finding is compared.

The demo cohort's rhythm (CohortFactory, "CCEEE") puts the company on Wednesdays to Fridays.
TODAY is Monday 30 November 2026.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES, Finding
from alternance.choices import JustificationStatus
from companies.choices import InteractionOutcome
from contracts.choices import ContractStatus, RuptureKind
from tests.alerts.conftest import TODAY, absent, context, under_contract
from tests.factories.alternance import ApprenticeFactory, VisitFactory
from tests.factories.companies import CompanyFactory, InteractionFactory

pytestmark = pytest.mark.django_db
rupture_risk = RULES["rupture_risk"]
RECOMMENDED = (
    "Organiser rapidement un point tripartite (apprenti·e, maître d'apprentissage, formateur·rice), "
    "en informer le ou la CRE et tracer les mesures de prévention (Qualiopi 12)."
)
ANY_SIGNAL = {"rupture_risk_threshold": 1, "rupture_risk_critical": 99}  # one signal is enough: each is seen alone


def visited(contract, done, **fields):
    """A visit done on ``done`` (so the free-period signal is off for this contract)."""
    return VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=done, done_date=done, **fields)


def codes(findings):
    return [[factor["code"] for factor in finding.facts["factors"]] for finding in findings]


def negative(contract, when: str, summary="Appel tendu.", apprentice="same", **fields):
    return InteractionFactory(
        company=contract.company, apprentice=contract.apprentice if apprentice == "same" else apprentice,
        outcome=InteractionOutcome.NEGATIVE, occurred_at=when, summary=summary, **fields,
    )


def test_every_signal_in_one_finding():
    company = CompanyFactory(name="Boulangerie Martin", sensitive=True, sensitive_reason="Trois ruptures en deux ans.")
    contract = under_contract(company=company)
    apprentice = contract.apprentice
    apprentice.first_name, apprentice.last_name, apprentice.usage_name = "Inès", "Martin", "Durand"
    apprentice.save()
    visited(contract, date(2026, 11, 10), at_risk=True, risk_comment="Tensions avec le maître d'apprentissage.",
            grid_answers={"a": {"score": 1}, "b": {"score": 2}, "remarque": "pas de score"})
    for day in (date(2026, 11, 20), date(2026, 11, 25), date(2026, 10, 20)):
        absent(apprentice, day)
    negative(contract, "2026-11-15T10:00:00+01:00", summary="L'employeur évoque une rupture.")
    negative(contract, "2026-11-02T10:00:00+01:00", summary="Retards.", apprentice=None)  # about the company: counted

    assert rupture_risk(context()) == [Finding(
        subject_model="alternance.apprentice", subject_id=apprentice.pk, label="Inès Durand",
        title="Risque de rupture (score 11) chez Boulangerie Martin", severity=Severity.CRITICAL, stage="critical",
        facts={"score": 11, "threshold": 3, "employer": "Boulangerie Martin", "factors": [
            {"code": "visit_at_risk", "weight": 3, "date": "2026-11-10",
             "label": "Visite du 10/11/2026 : risque signalé — Tensions avec le maître d'apprentissage."},
            {"code": "low_grid_score", "weight": 2, "average": 1.5, "date": "2026-11-10",
             "label": "Grille de visite du 10/11/2026 : moyenne 1.5 / 4"},
            {"code": "absence_trend", "weight": 2, "recent": 2, "before": 1,
             "label": "Absences non justifiées en hausse : 2 sur 30 jours contre 1 avant"},
            {"code": "negative_interaction", "weight": 2, "count": 2, "date": "2026-11-15",
             "label": "Échange négatif avec l'employeur le 15/11/2026 : L'employeur évoque une rupture."},
            {"code": "sensitive_company", "weight": 1, "label": "Entreprise signalée sensible : Trois ruptures en deux ans."},
            {"code": "several_signals", "weight": 1, "label": "5 signaux ensemble"},
        ]},
        recommended_action=RECOMMENDED, concerned_role=ConcernedRole.TUTOR, apprentice_id=apprentice.pk,
        company_id=company.pk, contract_id=contract.pk, suggested_assignee_id=apprentice.cohort.referent_tutor_id,
    )]


def test_the_free_period_signal_in_full():
    contract = under_contract(practical_training_start_date=date(2026, 11, 25))
    apprentice = contract.apprentice

    [finding] = rupture_risk(context(**ANY_SIGNAL))

    assert (finding.label, finding.title, finding.severity, finding.stage) == (
        f"{apprentice.first_name} {apprentice.usage_name or apprentice.last_name}",
        f"Risque de rupture (score 1) chez {contract.company.name}", Severity.WARNING, "warning",
    )
    assert finding.facts == {"score": 1, "threshold": 1, "employer": contract.company.name, "factors": [
        {"code": "no_visit_free_period", "weight": 1, "company_days": 3,  # 25, 26, 27 November
         "label": "Aucune visite alors que la période de rupture libre court (3 / 45 jours en entreprise)"},
    ]}


@pytest.mark.parametrize(("threshold", "raised"), [(2, True), (3, True), (4, False)])
def test_the_alert_starts_at_the_threshold_score(threshold, raised):
    """Sensitive company (1) + free period without visit (1) + two signals (1) = 3."""
    under_contract(company=CompanyFactory(sensitive=True, sensitive_reason="Relances."))

    findings = rupture_risk(context(rupture_risk_threshold=threshold, rupture_risk_critical=threshold))

    assert [f.facts["score"] for f in findings] == ([3] if raised else [])


@pytest.mark.parametrize(("critical", "severity", "stage"), [
    (2, Severity.CRITICAL, "critical"), (3, Severity.CRITICAL, "critical"), (4, Severity.WARNING, "warning"),
])
def test_a_score_at_the_critical_level_is_critical(critical, severity, stage):
    under_contract(company=CompanyFactory(sensitive=True, sensitive_reason="Relances."))

    [finding] = rupture_risk(context(rupture_risk_threshold=1, rupture_risk_critical=critical))

    assert (finding.facts["score"], finding.severity, finding.stage) == (3, severity, stage)


@pytest.mark.parametrize(("scores", "average"), [
    ([2, 2, 1], 1.67),  # rounded to two decimals
    ([2, 2, 2], 2.0),  # the limit: "inférieure ou égale"
    ([2, 2, 3], None),  # 2.33: not low
])
def test_a_grid_averaging_the_low_score_or_less_is_a_signal(scores, average):
    contract = under_contract()
    visited(contract, date(2026, 11, 10), grid_answers={f"c{i}": {"score": score} for i, score in enumerate(scores)})

    findings = rupture_risk(context(**ANY_SIGNAL))

    assert [(f["code"], f["average"]) for finding in findings for f in finding.facts["factors"]] == (
        [("low_grid_score", average)] if average else []
    )


@pytest.mark.parametrize(("age", "counted"), [(89, True), (90, True), (91, False)])
def test_a_visit_counts_up_to_the_lookback_days(age, counted):
    contract = under_contract()
    visited(contract, TODAY - timedelta(days=age), at_risk=True, risk_comment="Tensions.")

    assert codes(rupture_risk(context(**ANY_SIGNAL))) == ([["visit_at_risk"]] if counted else [])


@pytest.mark.parametrize(("age", "counted"), [(89, True), (90, True), (91, False)])
def test_a_negative_exchange_counts_up_to_the_lookback_days(age, counted):
    contract = under_contract()
    visited(contract, date(2026, 10, 1))
    negative(contract, f"{(TODAY - timedelta(days=age)).isoformat()}T12:00:00+01:00")

    assert codes(rupture_risk(context(**ANY_SIGNAL))) == ([["negative_interaction"]] if counted else [])


def test_only_negative_exchanges_about_the_apprentice_or_its_company_up_to_today_count():
    contract = under_contract()
    visited(contract, date(2026, 10, 1))
    InteractionFactory(company=contract.company, apprentice=contract.apprentice, outcome=InteractionOutcome.POSITIVE,
                       occurred_at="2026-11-10T10:00:00+01:00")
    negative(contract, "2026-11-12T10:00:00+01:00", apprentice=ApprenticeFactory())  # another apprentice of the company
    negative(contract, "2026-12-01T10:00:00+01:00")  # tomorrow
    InteractionFactory(company=CompanyFactory(), apprentice=contract.apprentice, outcome=InteractionOutcome.NEGATIVE,
                       occurred_at="2026-11-12T10:00:00+01:00")  # with another company

    assert rupture_risk(context(**ANY_SIGNAL)) == []


def test_a_long_summary_is_cut_at_120_characters():
    contract = under_contract()
    visited(contract, date(2026, 10, 1))
    negative(contract, "2026-11-12T10:00:00+01:00", summary="a" * 119 + "bc")

    [finding] = rupture_risk(context(**ANY_SIGNAL))

    assert finding.facts["factors"][0]["label"] == "Échange négatif avec l'employeur le 12/11/2026 : " + "a" * 119 + "b"


@pytest.mark.parametrize(("before", "rising"), [(1, True), (2, False), (3, False)])
def test_absences_rise_when_the_last_30_days_hold_more_than_the_30_before(before, rising):
    contract = under_contract()
    visited(contract, date(2026, 10, 1))
    for offset in (1, 2):
        absent(contract.apprentice, TODAY - timedelta(days=offset))
    for offset in range(before):
        absent(contract.apprentice, TODAY - timedelta(days=40 + offset))

    assert codes(rupture_risk(context(**ANY_SIGNAL))) == ([["absence_trend"]] if rising else [])


@pytest.mark.parametrize(("recent", "rising"), [(1, False), (2, True), (3, True)])
def test_a_rise_needs_two_recent_unjustified_absences(recent, rising):
    contract = under_contract()
    visited(contract, date(2026, 10, 1))
    for offset in range(recent):
        absent(contract.apprentice, TODAY - timedelta(days=1 + offset))

    assert codes(rupture_risk(context(**ANY_SIGNAL))) == ([["absence_trend"]] if rising else [])


@pytest.mark.parametrize(("age", "recent", "before"), [
    (29, 3, 0), (30, 2, 1), (31, 2, 1),  # the recent window is the last 30 days, today included
    (59, 2, 1), (60, 2, 0), (61, 2, 0),  # the window before is the 30 days ahead of it
])
def test_the_two_windows_of_the_absence_trend(age, recent, before):
    contract = under_contract()
    visited(contract, date(2026, 10, 1))
    for offset in (1, 2):
        absent(contract.apprentice, TODAY - timedelta(days=offset))
    absent(contract.apprentice, TODAY - timedelta(days=age))

    [finding] = rupture_risk(context(**ANY_SIGNAL))

    assert [(f["recent"], f["before"]) for f in finding.facts["factors"]] == [(recent, before)]


def test_justified_and_future_absences_do_not_make_a_trend():
    contract = under_contract()
    visited(contract, date(2026, 10, 1))
    absent(contract.apprentice, TODAY - timedelta(days=1))
    absent(contract.apprentice, TODAY - timedelta(days=2), justification=JustificationStatus.ACCEPTED)
    absent(contract.apprentice, TODAY + timedelta(days=1))

    assert rupture_risk(context(**ANY_SIGNAL)) == []


@pytest.mark.parametrize(("free_days", "running"), [(2, False), (3, True), (4, True)])
def test_the_free_period_runs_to_the_end_of_its_last_company_day(free_days, running):
    """Practical training from Wednesday 25 November: its 3rd company day is Friday 27 (= today)."""
    under_contract(practical_training_start_date=date(2026, 11, 25))

    findings = rupture_risk(context(date(2026, 11, 27), **ANY_SIGNAL, free_period_company_days=free_days))

    assert codes(findings) == ([["no_visit_free_period"]] if running else [])


@pytest.mark.parametrize(("start", "running"), [(TODAY - timedelta(days=1), True), (TODAY, True), (TODAY + timedelta(days=1), False)])
def test_the_free_period_signal_starts_with_the_practical_training(start, running):
    under_contract(practical_training_start_date=start)

    assert codes(rupture_risk(context(**ANY_SIGNAL))) == ([["no_visit_free_period"]] if running else [])


def test_without_a_practical_training_date_the_free_period_counts_from_the_contract_start():
    under_contract(start_date=date(2026, 11, 25), signature_date=date(2026, 11, 20), practical_training_start_date=None)

    [finding] = rupture_risk(context(**ANY_SIGNAL))

    assert [(f["code"], f["company_days"]) for f in finding.facts["factors"]] == [("no_visit_free_period", 3)]


def test_only_visits_done_up_to_today_on_the_contract_in_force_count():
    contract = under_contract(start_date=date(2026, 10, 1), signature_date=date(2026, 9, 25), practical_training_start_date=date(2026, 10, 1))
    apprentice = contract.apprentice
    visited(contract, date(2026, 10, 7))
    for previous in (
        # broken, its end date left as signed
        dict(status=ContractStatus.BROKEN, start_date=date(2026, 9, 7), end_date=date(2028, 8, 31), rupture_date=date(2026, 9, 30),
             rupture_kind=RuptureKind.MUTUAL_AGREEMENT),
        # still "in progress" but ended yesterday
        dict(status=ContractStatus.IN_PROGRESS, start_date=date(2026, 9, 7), end_date=TODAY - timedelta(days=1)),
    ):
        old = under_contract(**previous)
        old.apprentice = apprentice
        old.save()
        visited(old, date(2026, 11, 20), at_risk=True, risk_comment="Ancien contrat.")  # done after the current one's
    VisitFactory(apprentice=apprentice, contract=contract, planned_date=TODAY + timedelta(days=1),
                 done_date=TODAY + timedelta(days=1), at_risk=True, risk_comment="Pas encore faite.")

    assert rupture_risk(context(**ANY_SIGNAL)) == []


def test_the_latest_visit_is_the_one_done_last_not_the_one_recorded_last():
    contract = under_contract()
    visited(contract, date(2026, 11, 20), at_risk=True, risk_comment="Dernière visite.")
    visited(contract, date(2026, 11, 10), at_risk=False)  # recorded after, done before

    [finding] = rupture_risk(context(**ANY_SIGNAL))

    assert [f["label"] for f in finding.facts["factors"]] == ["Visite du 20/11/2026 : risque signalé — Dernière visite."]


def test_with_two_contracts_in_force_the_one_started_last_is_followed():
    first = under_contract(company=CompanyFactory(name="Alpha", sensitive=True, sensitive_reason="A"), start_date=date(2026, 10, 1),
                           practical_training_start_date=date(2026, 10, 1))
    second = under_contract(company=CompanyFactory(name="Bêta", sensitive=True, sensitive_reason="B"), start_date=date(2026, 9, 7))
    second.apprentice = first.apprentice
    second.save()
    for contract in (first, second):
        visited(contract, date(2026, 10, 14))

    [finding] = rupture_risk(context(**ANY_SIGNAL))

    assert (finding.contract_id, finding.facts["employer"]) == (first.pk, "Alpha")


def test_a_learner_under_the_threshold_does_not_stop_the_next_ones():
    quiet = under_contract()  # free period without visit only: score 1
    worried = under_contract(company=CompanyFactory(sensitive=True, sensitive_reason="Relances."))
    assert quiet.apprentice_id < worried.apprentice_id

    assert [f.subject_id for f in rupture_risk(context())] == [worried.apprentice_id]


def test_a_scoped_run_gives_its_learner_the_finding_of_a_whole_run():
    for _ in range(3):  # apprentice ids no longer equal contract or visit ids
        ApprenticeFactory()
    situations = []
    for name in ("Alpha", "Bêta"):
        contract = under_contract(company=CompanyFactory(name=name, sensitive=True, sensitive_reason="Tensions."))
        visited(contract, date(2026, 11, 10), at_risk=True, risk_comment="Tensions.", grid_answers={"a": {"score": 1}})
        for offset in (1, 2):
            absent(contract.apprentice, TODAY - timedelta(days=offset))
        negative(contract, "2026-11-15T10:00:00+01:00")
        situations.append(contract)
    whole = rupture_risk(context())
    subject = situations[1].apprentice_id

    scoped = rupture_risk(replace(context(), subject_ids=frozenset({subject})))

    assert len(whole) == 2 and whole[1].subject_id == subject
    assert scoped == [whole[1]]
    assert [f["code"] for f in scoped[0].facts["factors"]] == [
        "visit_at_risk", "low_grid_score", "absence_trend", "negative_interaction", "sensitive_company", "several_signals",
    ]


@pytest.mark.parametrize("contract", [
    {"status": ContractStatus.SIGNED, "start_date": TODAY + timedelta(days=1), "practical_training_start_date": TODAY + timedelta(days=1)},
    {"status": ContractStatus.IN_PROGRESS, "end_date": TODAY - timedelta(days=1)},
    {"status": ContractStatus.DRAFT},
    {"status": ContractStatus.ENDED},
], ids=["starts-tomorrow", "ended-yesterday", "draft", "ended"])
def test_only_contracts_in_force_today_are_scored(contract):
    worried = under_contract(company=CompanyFactory(sensitive=True, sensitive_reason="Tensions."), **contract)
    for offset in (1, 2):
        absent(worried.apprentice, TODAY - timedelta(days=offset))
    negative(worried, "2026-11-15T10:00:00+01:00")

    assert rupture_risk(context(**ANY_SIGNAL)) == []
