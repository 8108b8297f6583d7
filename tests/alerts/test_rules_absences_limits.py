"""The absences rule at each of its limits and in full (issue 16).

Thresholds are the OF's choices (RuleSettings, domain §3: time at the OF is working time and the OF
tells the employer of each absence; no legal threshold exists): unjustified half-days in the rolling
window (default 3 in 30 days), consecutive register days wholly absent (default 3), monthly
attendance rate (default 80 %) evaluated from 6 recorded half-days. Each is tested at limit − 1,
limit and limit + 1; the whole finding is compared, not a field of it.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES, Finding
from alerts.rules.absences import _first_of_previous_month, longest_streak
from alternance.choices import ApprenticeStatus, HalfDay, JustificationStatus
from tests.alerts.conftest import TODAY, absent, context, present, under_contract
from tests.factories.alternance import ApprenticeFactory

pytestmark = pytest.mark.django_db
absences = RULES["absences"]
RECOMMENDED = ("Appeler l'apprenti·e pour comprendre les absences, demander les justificatifs, "
               "prévenir l'employeur de chaque absence non justifiée et noter l'échange.")
ONLY_UNJUSTIFIED = {"attendance_min_records": 100, "absence_consecutive_days": 10}
ONLY_CONSECUTIVE = {"attendance_min_records": 100, "absence_max_unjustified": 99}
ONLY_MONTHLY = {"absence_max_unjustified": 99, "absence_consecutive_days": 10}


def seeker(**fields):
    return ApprenticeFactory(**{"status": ApprenticeStatus.SEEKING, "status_since": TODAY - timedelta(days=60), **fields})


def absent_all_day(apprentice, day, justification=JustificationStatus.NONE):
    absent(apprentice, day, HalfDay.MORNING, justification)
    absent(apprentice, day, HalfDay.AFTERNOON, justification)


def unjustified_half_days(apprentice, count):
    """``count`` unjustified mornings on separate days, each with a present afternoon (no run of days)."""
    for offset in range(count):
        day = TODAY - timedelta(days=2 * offset + 1)
        absent(apprentice, day)
        present(apprentice, day)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 1, 15), date(2025, 12, 1)),  # across the year
    (date(2026, 3, 1), date(2026, 2, 1)),  # first day of a month after a short month
    (date(2026, 3, 31), date(2026, 2, 1)),
    (date(2026, 12, 31), date(2026, 11, 1)),
])
def test_the_monthly_rate_looks_back_to_the_first_day_of_the_previous_month(day, expected):
    assert _first_of_previous_month(day) == expected


@pytest.mark.parametrize(("register", "expected"), [
    ([], (0, None, None)),
    ([(date(2026, 1, 5), True)], (1, date(2026, 1, 5), date(2026, 1, 5))),
    # Two runs of one day: the first is kept.
    ([(date(2026, 1, 5), True), (date(2026, 1, 6), False), (date(2026, 1, 7), True)], (1, date(2026, 1, 5), date(2026, 1, 5))),
    ([(date(2026, 1, 5), True), (date(2026, 1, 6), False), (date(2026, 1, 7), True), (date(2026, 1, 8), True)],
     (2, date(2026, 1, 7), date(2026, 1, 8))),
])
def test_longest_streak_of_wholly_absent_register_days(register, expected):
    assert longest_streak(register) == expected


@pytest.mark.parametrize(("count", "flagged"), [(2, False), (3, True), (4, True)])
def test_unjustified_half_days_at_the_threshold_of_three(count, flagged):
    apprentice = seeker()
    unjustified_half_days(apprentice, count)

    findings = absences(context(**ONLY_UNJUSTIFIED))

    assert [(f.subject_id, f.facts["unjustified_in_window"]) for f in findings] == ([(apprentice.pk, count)] if flagged else [])


@pytest.mark.parametrize(("days", "flagged"), [(2, False), (3, True), (4, True)])
def test_consecutive_register_days_at_the_threshold_of_three(days, flagged):
    apprentice = seeker()
    for offset in range(days):
        absent_all_day(apprentice, TODAY - timedelta(days=offset))

    findings = absences(context(**ONLY_CONSECUTIVE))

    assert [s["days"] for f in findings for s in f.facts["signals"]] == ([days] if flagged else [])


def test_a_run_of_days_counts_only_the_days_inside_the_window():
    apprentice = seeker()
    window_start = TODAY - timedelta(days=29)
    for day in (window_start - timedelta(days=1), window_start, window_start + timedelta(days=1)):
        absent_all_day(apprentice, day)

    assert absences(context(**ONLY_CONSECUTIVE)) == []  # 2 days inside the window, under 3


@pytest.mark.parametrize(("minimum_rate", "flagged"), [(79, False), (80, False), (81, True)])
def test_a_monthly_rate_exactly_at_the_minimum_is_not_low(minimum_rate, flagged):
    apprentice = seeker()
    for day in range(2, 7):  # 10 half-days, 8 attended: 80 %
        present(apprentice, date(2026, 11, day), HalfDay.MORNING)
        if day <= 3:
            absent(apprentice, date(2026, 11, day), HalfDay.AFTERNOON, justification=JustificationStatus.ACCEPTED)
        else:
            present(apprentice, date(2026, 11, day), HalfDay.AFTERNOON)

    findings = absences(context(**ONLY_MONTHLY, attendance_min_rate=minimum_rate))

    assert [s["rate"] for f in findings for s in f.facts["signals"]] == ([80.0] if flagged else [])


@pytest.mark.parametrize(("records", "flagged"), [(5, False), (6, True), (7, True)])
def test_a_month_is_rated_from_six_recorded_half_days(records, flagged):
    apprentice = seeker()
    for index in range(records):  # absences with an accepted proof: never unjustified, rate 0 %
        absent(apprentice, date(2026, 11, 2 + index // 2), HalfDay.MORNING if index % 2 == 0 else HalfDay.AFTERNOON,
               justification=JustificationStatus.ACCEPTED)

    findings = absences(context(**ONLY_MONTHLY))

    assert [(s["recorded"], s["rate"]) for f in findings for s in f.facts["signals"]] == ([(records, 0.0)] if flagged else [])


def test_a_low_rate_made_of_justified_absences_reports_no_unjustified_half_day():
    apprentice = seeker()
    for index in range(6):  # six absences with an accepted proof: rate 0 %, nothing unjustified
        absent(apprentice, date(2026, 11, 2 + index), justification=JustificationStatus.ACCEPTED)

    [finding] = absences(context(**ONLY_MONTHLY))

    assert (finding.facts["unjustified_in_window"], finding.stage, finding.title) == (
        0, "monthly_rate", "Absences : Assiduité de 0,0 % en novembre 2026 (minimum 80 %)",
    )


def test_a_month_too_short_to_rate_does_not_stop_the_rating_of_the_next_learners():
    first, second = seeker(), seeker()
    for index in range(5):
        absent(first, date(2026, 11, 2 + index), justification=JustificationStatus.ACCEPTED)
    for index in range(6):
        absent(second, date(2026, 11, 2 + index), justification=JustificationStatus.ACCEPTED)

    assert [f.subject_id for f in absences(context(**ONLY_MONTHLY))] == [second.pk]


@pytest.mark.parametrize("fields", [
    {"status": ApprenticeStatus.COMPLETED},  # no longer followed, no exclusion date
    {"exclusion_date": TODAY - timedelta(days=40)},  # excluded, status not updated yet
], ids=["completed", "excluded"])
def test_learners_no_longer_followed_raise_nothing(fields):
    apprentice = seeker(**fields)
    unjustified_half_days(apprentice, 4)

    assert absences(context(**ONLY_UNJUSTIFIED)) == []


def test_register_rows_after_today_are_not_counted():
    apprentice = seeker()
    unjustified_half_days(apprentice, 2)
    for offset in (1, 2, 3):
        absent(apprentice, TODAY + timedelta(days=offset))

    assert absences(context(**ONLY_UNJUSTIFIED)) == []


def test_a_scoped_run_reads_only_its_learners():
    flagged, other = seeker(), seeker()
    unjustified_half_days(flagged, 3)
    unjustified_half_days(other, 3)

    findings = absences(replace(context(**ONLY_UNJUSTIFIED), subject_ids=frozenset({flagged.pk})))

    assert [f.subject_id for f in findings] == [flagged.pk]


def test_one_signal_gives_a_warning_without_an_employer():
    apprentice = seeker(first_name="Inès", last_name="Martin", usage_name="")
    unjustified_half_days(apprentice, 3)

    assert absences(context(**ONLY_UNJUSTIFIED)) == [Finding(
        subject_model="alternance.apprentice", subject_id=apprentice.pk, label="Inès Martin",
        title="Absences : 3 demi-journées non justifiées du 01/11/2026 au 30/11/2026",
        severity=Severity.WARNING, stage="unjustified",
        facts={
            "signals": [{"code": "unjustified", "label": "3 demi-journées non justifiées du 01/11/2026 au 30/11/2026",
                         "count": 3, "threshold": 3, "window_days": 30}],
            "unjustified_in_window": 3, "cohort": apprentice.cohort.name, "employer": None,
        },
        recommended_action=RECOMMENDED, concerned_role=ConcernedRole.TUTOR, apprentice_id=apprentice.pk,
        company_id=None, contract_id=None, suggested_assignee_id=apprentice.cohort.referent_tutor_id,
    )]


def test_two_signals_are_critical_and_the_title_counts_the_other_one():
    apprentice = seeker()
    for offset in range(3):
        absent_all_day(apprentice, TODAY - timedelta(days=offset))

    [finding] = absences(context(attendance_min_records=100))

    assert (finding.title, finding.severity, finding.stage) == (
        "Absences : 6 demi-journées non justifiées du 01/11/2026 au 30/11/2026 (+1 autre signal)",
        Severity.CRITICAL, "consecutive,unjustified",
    )


def test_every_signal_of_a_learner_under_contract_in_one_finding():
    contract = under_contract()
    apprentice = contract.apprentice
    # October: 7 half-days, 3 attended, 4 absent with an accepted proof → 42,9 %.
    for day in (5, 6, 7):
        present(apprentice, date(2026, 10, day), HalfDay.MORNING)
        absent(apprentice, date(2026, 10, day), HalfDay.AFTERNOON, justification=JustificationStatus.ACCEPTED)
    absent(apprentice, date(2026, 10, 8), HalfDay.MORNING, justification=JustificationStatus.ACCEPTED)
    # November: one attended afternoon, then three register days wholly absent → 1 of 7, 14,3 %.
    present(apprentice, date(2026, 11, 24))
    for day in (25, 26, 27):
        absent_all_day(apprentice, date(2026, 11, day))

    assert absences(context()) == [Finding(
        subject_model="alternance.apprentice", subject_id=apprentice.pk, label=f"{apprentice.first_name} {apprentice.last_name}",
        title="Absences : 6 demi-journées non justifiées du 01/11/2026 au 30/11/2026 (+3 autres signaux)",
        severity=Severity.CRITICAL, stage="consecutive,monthly_rate,unjustified",
        facts={
            "signals": [
                {"code": "unjustified", "label": "6 demi-journées non justifiées du 01/11/2026 au 30/11/2026",
                 "count": 6, "threshold": 3, "window_days": 30},
                {"code": "consecutive", "label": "3 jours de centre consécutifs d'absence (25/11/2026 – 27/11/2026)",
                 "days": 3, "threshold": 3, "from": "2026-11-25", "to": "2026-11-27"},
                {"code": "monthly_rate", "label": "Assiduité de 42,9 % en octobre 2026 (minimum 80 %)",
                 "month": "2026-10", "rate": 42.9, "attended": 3, "recorded": 7, "threshold": 80},
                {"code": "monthly_rate", "label": "Assiduité de 14,3 % en novembre 2026 (minimum 80 %)",
                 "month": "2026-11", "rate": 14.3, "attended": 1, "recorded": 7, "threshold": 80},
            ],
            "unjustified_in_window": 6, "cohort": apprentice.cohort.name, "employer": contract.company.name,
        },
        recommended_action=RECOMMENDED, concerned_role=ConcernedRole.TUTOR, apprentice_id=apprentice.pk,
        company_id=contract.company_id, contract_id=contract.pk, suggested_assignee_id=apprentice.cohort.referent_tutor_id,
    )]
