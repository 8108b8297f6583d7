"""Each steering indicator on hand-built data with known answers (issue 5, part 1)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.choices import AlertStatus
from alerts.models import RuleSettings
from alternance.choices import ApprenticeStatus, AttendanceStatus, HalfDay, Role
from alternance.steering import indicators
from contracts.choices import ContractStatus, DismissalGround, RuptureKind
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CohortFactory,
    UserFactory,
    VisitFactory,
)
from tests.factories.companies import CompanyFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
PARIS_NOON = "12:00"


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.COORDINATOR)


@pytest.fixture
def cohort():
    return CohortFactory(name="Promotion courante", start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))


@pytest.fixture
def company():
    return CompanyFactory(name="Entreprise témoin", owner_cre=UserFactory(role=Role.CRE))


def contract(cohort, company, *, status=ContractStatus.IN_PROGRESS, **fields):
    """A contract of a new apprentice; dates coherent with ``start_date`` when only it is given."""
    if "start_date" in fields:
        fields.setdefault("signature_date", fields["start_date"] - timedelta(days=7))
        fields.setdefault("practical_training_start_date", fields["start_date"])
    if fields.get("rupture_kind") == RuptureKind.DISMISSAL:
        fields["dismissal_ground"] = DismissalGround.SERIOUS_MISCONDUCT
    apprentice = ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    return ContractFactory(apprentice=apprentice, company=company, status=status, **fields)


def test_active_contracts_counts_active_statuses_and_trends_by_dates(coordinator, cohort, company):
    contract(cohort, company)  # in force today and 4 weeks ago
    contract(cohort, company, status=ContractStatus.SIGNED, start_date=date(2026, 11, 15), practical_training_start_date=None)
    contract(cohort, company, status=ContractStatus.ENDED, start_date=date(2024, 11, 12), end_date=date(2026, 11, 10))
    contract(cohort, company, status=ContractStatus.DRAFT)
    contract(cohort, company, status=ContractStatus.BROKEN, rupture_date=date(2026, 11, 20), rupture_kind=RuptureKind.MUTUAL_AGREEMENT)

    indicator = indicators.active_contracts(coordinator, today=TODAY)

    # Today: in progress + signed = 2. On 31/10: in progress, ended and broken were in force (3),
    # today 2 by dates: the figure went down by 1.
    assert (indicator.value, indicator.previous, indicator.trend) == (2, 3, "down")
    assert indicator.url == "/contrats/?status=active"


def test_without_company_splits_seekers_by_days_since_their_status(coordinator, cohort):
    for days in (10, 30, 59, 60, 90, 200):
        ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=days))
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)

    indicator = indicators.without_company(coordinator, today=TODAY)

    assert indicator.value == 6
    assert [(str(d.label), d.value) for d in indicator.details] == [
        ("moins de 30 jours", 1), ("30 à 59 jours", 2), ("60 à 89 jours", 1), ("90 jours et plus", 2),
    ]
    assert indicator.url == "/apprenti-es/?status=seeking"
    assert indicator.previous is None and indicator.trend is None


def test_placement_rate_is_under_contract_over_enrolled_of_current_cohorts(coordinator, cohort):
    for _i in range(3):
        ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.SEEKING)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.RUPTURANT)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 1))
    past = CohortFactory(start_date=date(2024, 9, 1), end_date=date(2026, 6, 30))
    ApprenticeFactory.create_batch(2, cohort=past, status=ApprenticeStatus.SEEKING)

    indicator = indicators.placement_rate(coordinator, today=TODAY)

    assert indicator.value == Decimal("60.0")  # 3 / 5 (the drop-out and the past cohort left out)
    assert [d.value for d in indicator.details] == [3, 5]
    assert indicator.on_target is False


def test_rupture_rate_over_12_months_with_share_in_the_free_period(coordinator, cohort, company):
    start = {"start_date": date(2025, 9, 1), "practical_training_start_date": None, "signature_date": date(2025, 8, 25)}
    broken = {"status": ContractStatus.BROKEN}
    contract(cohort, company, **broken, **start, rupture_date=date(2026, 3, 10), rupture_kind=RuptureKind.FREE_PERIOD)
    contract(cohort, company, **broken, **start, rupture_date=date(2026, 10, 1), rupture_kind=RuptureKind.DISMISSAL)
    contract(cohort, company, **broken, start_date=date(2026, 9, 1), rupture_date=date(2026, 11, 20), rupture_kind=RuptureKind.RESIGNATION)
    # Broken before the period: neither a rupture of the period nor a contract that ran in it.
    contract(cohort, company, **broken, start_date=date(2024, 9, 1), practical_training_start_date=None,
             signature_date=date(2024, 8, 20), rupture_date=date(2025, 10, 1), rupture_kind=RuptureKind.DISMISSAL)
    contract(cohort, company, **start)  # in progress
    contract(cohort, company, status=ContractStatus.ENDED, start_date=date(2024, 9, 1), practical_training_start_date=None,
             signature_date=date(2024, 8, 20), end_date=date(2026, 6, 30))
    contract(cohort, company, status=ContractStatus.DRAFT)  # never ran

    indicator = indicators.rupture_rate(coordinator, today=TODAY)

    # 3 ruptures / 5 contracts that ran; 4 weeks earlier 2 / 5.
    assert (indicator.value, indicator.previous, indicator.trend) == (Decimal("60.0"), Decimal("40.0"), "up")
    assert indicator.trend_is_good is False
    assert [d.value for d in indicator.details] == [3, 5, Decimal("33.3")]


def test_attendance_rate_over_30_days_with_the_rate_4_weeks_earlier(coordinator, cohort):
    apprentice = ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    statuses = [AttendanceStatus.PRESENT] * 6 + [AttendanceStatus.LATE] + [AttendanceStatus.ABSENT] * 3
    for i, status in enumerate(statuses):
        AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 2) + timedelta(days=i), half=HalfDay.MORNING,
                                status=status, minutes_late=10 if status == AttendanceStatus.LATE else 0)
    for i, status in enumerate([AttendanceStatus.PRESENT] * 3 + [AttendanceStatus.ABSENT]):
        AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 10, 12) + timedelta(days=i), half=HalfDay.MORNING, status=status)
    # Outside both windows.
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 9, 1), half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)

    indicator = indicators.attendance_rate(coordinator, today=TODAY)

    assert (indicator.value, indicator.previous) == (Decimal("70.0"), Decimal("75.0"))
    assert (indicator.target, indicator.on_target, indicator.trend_is_good) == (Decimal("80"), False, False)
    assert indicator.details[0].value == 10


def test_visits_on_time_counts_first_visits_by_the_deadline_and_recent_follow_ups(coordinator, company):
    # All company days: the 45th company day from Monday 7 September 2026 is Friday 6 November.
    cohort = CohortFactory(start_date=date(2026, 9, 7), rhythm_pattern="EEEEE", end_date=date(2028, 6, 30))
    dates = {"start_date": date(2026, 9, 7), "practical_training_start_date": date(2026, 9, 7), "training_start_date": date(2026, 9, 7)}
    on_time = contract(cohort, company, **dates)
    VisitFactory(apprentice=on_time.apprentice, contract=on_time, planned_date=None, done_date=date(2026, 11, 6))
    late = contract(cohort, company, **dates)
    VisitFactory(apprentice=late.apprentice, contract=late, planned_date=None, done_date=date(2026, 11, 9))
    contract(cohort, company, **dates)  # no visit: first visit overdue
    # Older contract: first visit on time long ago, last visit 200 days ago (> 180): follow-up late.
    old_cohort = CohortFactory(start_date=date(2025, 9, 1), rhythm_pattern="EEEEE", end_date=date(2027, 6, 30))
    old = contract(old_cohort, company, start_date=date(2025, 9, 1), practical_training_start_date=date(2025, 9, 1),
                   training_start_date=date(2025, 9, 1), signature_date=date(2025, 8, 20))
    VisitFactory(apprentice=old.apprentice, contract=old, planned_date=None, done_date=date(2025, 10, 15))
    VisitFactory(apprentice=old.apprentice, contract=old, planned_date=None, done_date=TODAY - timedelta(days=200))

    indicator = indicators.visits_on_time(coordinator, today=TODAY)

    # Due: first visits ×4 (3 + old), follow-ups ×3 (on_time, late, old). On time: first of on_time
    # and old, follow-ups of on_time and late (done < 180 days ago) → 4 / 7.
    assert indicator.value == Decimal("57.1")
    assert [d.value for d in indicator.details] == [4, 7]
    # On 31/10: no first-visit deadline passed for the new contracts; old: first on time and its
    # last visit 172 days old → 2 / 2.
    assert indicator.previous == Decimal("100.0")


def test_opco_late_groups_the_boards_late_rows_by_stage(coordinator, cohort, company):
    contract(cohort, company)  # active, no OPCO file: to send, deadline passed
    awaiting = contract(cohort, company)
    OpcoFileFactory(contract=awaiting, sent_date=date(2026, 9, 4), complete_file_date=date(2026, 9, 10))
    sent_recently = contract(cohort, company, start_date=date(2026, 11, 2))
    OpcoFileFactory(contract=sent_recently, sent_date=date(2026, 11, 4), complete_file_date=date(2026, 11, 20))

    indicator = indicators.opco_late(coordinator, today=TODAY)

    assert indicator.value == 2
    assert [(d.label, d.value, d.url) for d in indicator.details] == [
        ("À envoyer", 1, "/contrats/opco/?filter=late&etape=to_send"),
        ("Décision attendue", 1, "/contrats/opco/?filter=late&etape=awaiting_decision"),
    ]
    assert indicator.url == "/contrats/opco/?filter=late"


def test_alerts_to_validate_by_rule_with_titles_and_links(coordinator, cohort):
    apprentice = ApprenticeFactory(cohort=cohort)
    for code in ("absences", "absences", "visits_overdue"):
        AlertFactory(apprentice=apprentice, rule_code=code, subject_id=ApprenticeFactory(cohort=cohort).pk)
    AlertFactory(apprentice=apprentice, rule_code="absences", status=AlertStatus.VALIDATED)

    indicator = indicators.alerts_to_validate(coordinator, today=TODAY)

    assert indicator.value == 3
    assert [(d.label, d.value, d.url) for d in indicator.details] == [
        ("Absences répétées", 2, "/alertes/?status=new&rule=absences"),
        ("Visite en retard", 1, "/alertes/?status=new&rule=visits_overdue"),
    ]


def test_cre_load_against_the_80_100_target_and_contracts_without_cre(coordinator, cohort):
    busy = UserFactory(role=Role.CRE, first_name="Bea", last_name="Busy")
    UserFactory(role=Role.CRE, first_name="Ivo", last_name="Idle")
    mine = CompanyFactory(owner_cre=busy)
    for _i in range(2):
        contract(cohort, mine)
    contract(cohort, mine, status=ContractStatus.ENDED)
    contract(cohort, CompanyFactory(owner_cre=None))
    # A deactivated CRE's portfolio awaits reassignment: its contracts count without a CRE, not lost.
    contract(cohort, CompanyFactory(owner_cre=UserFactory(role=Role.CRE, first_name="Léo", last_name="Parti", is_active=False)))

    rows = indicators.cre_loads(coordinator, today=TODAY)

    assert [(r.name, r.value, r.low, r.high, r.state) for r in rows] == [
        ("Bea Busy", 2, 80, 100, "under"), ("Ivo Idle", 0, 80, 100, "under"), ("Sans CRE référent·e", 2, None, None, ""),
    ]
    assert rows[0].url == f"/entreprises/?owner={busy.pk}"


def test_tutor_load_counts_apprentices_under_contract_in_its_cohorts(coordinator):
    tutor = UserFactory(role=Role.TUTOR, first_name="Théo", last_name="Tuteur")
    first, second = CohortFactory(referent_tutor=tutor), CohortFactory(referent_tutor=tutor)
    ApprenticeFactory.create_batch(2, cohort=first, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=second, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=second, status=ApprenticeStatus.SEEKING)
    ApprenticeFactory(cohort=second, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 1))
    UserFactory(role=Role.TUTOR, first_name="Zoé", last_name="Zéro")

    rows = indicators.tutor_loads(coordinator, today=TODAY)

    assert [(r.name, r.value, r.extra) for r in rows] == [
        ("Théo Tuteur", 3, {"cohorts": 2, "enrolled": 4}), ("Zoé Zéro", 0, {"cohorts": 0, "enrolled": 0}),
    ]


def test_breakdown_per_cohort_and_per_programme(coordinator, cohort):
    other = CohortFactory(name="Autre promotion", programme=cohort.programme, start_date=date(2026, 10, 1))
    ended = CohortFactory(name="Promotion terminée", start_date=date(2024, 9, 1), end_date=date(2026, 6, 30))
    ApprenticeFactory(cohort=ended, status=ApprenticeStatus.SEEKING)
    placed = ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.SEEKING)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.RUPTURANT)
    ApprenticeFactory(cohort=other, status=ApprenticeStatus.UNDER_CONTRACT)
    for i, status in enumerate([AttendanceStatus.PRESENT, AttendanceStatus.PRESENT, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT]):
        AttendanceRecordFactory(apprentice=placed, day=date(2026, 11, 10) + timedelta(days=i), status=status)

    result = indicators.breakdown(coordinator, today=TODAY)

    def values(row):
        return (row.name, row.apprentices, row.under_contract, row.seeking, row.rupturants, row.attendance)

    assert [values(r) for r in result["cohorts"]] == [
        ("Promotion courante", 3, 1, 1, 1, Decimal("75.0")), ("Autre promotion", 1, 1, 0, 0, None),
    ]
    programme = cohort.programme.short_title or cohort.programme.title
    assert [values(r) for r in result["programmes"]] == [(programme, 4, 2, 1, 1, Decimal("75.0"))]
    assert result["cohorts"][0].segments == [
        ("under_contract", 0.0, 33.3, "#198754"), ("seeking", 33.3, 33.3, "#ffc107"), ("rupturants", 66.6, 33.3, "#dc3545"),
    ]


def test_monthly_series_of_contracts_in_force_and_of_ruptures(coordinator, cohort, company):
    contract(cohort, company, start_date=date(2026, 9, 1))
    contract(cohort, company, status=ContractStatus.BROKEN, start_date=date(2025, 9, 1), practical_training_start_date=None,
             signature_date=date(2025, 8, 20), rupture_date=date(2026, 2, 10), rupture_kind=RuptureKind.DISMISSAL)
    contract(cohort, company, status=ContractStatus.BROKEN, start_date=date(2026, 9, 1), rupture_date=date(2026, 11, 3),
             rupture_kind=RuptureKind.FREE_PERIOD)
    contract(cohort, company, status=ContractStatus.BROKEN, start_date=date(2024, 9, 1), practical_training_start_date=None,
             signature_date=date(2024, 8, 20), rupture_date=date(2025, 11, 30), rupture_kind=RuptureKind.DISMISSAL)

    in_force = indicators.active_contracts_series(coordinator, today=TODAY)
    ruptures = indicators.ruptures_series(coordinator, today=TODAY)

    months = [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]
    assert [m for m, _v in in_force.points] == months
    # Dec 2025, Jan 2026: the contract broken in Feb; Feb–Aug: none; Sep, Oct: two; Nov (today): one.
    assert [v for _m, v in in_force.points] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1]
    assert [v for _m, v in ruptures.points] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_bar_chart_has_one_bar_per_month_scaled_to_the_maximum():
    series = indicators.MonthlySeries("Test", tuple((date(2026, m, 1), v) for m, v in zip(range(1, 13), [0, 5, 10] * 4, strict=True)))

    chart = indicators.bar_chart(series)

    assert len(chart.bars) == 12
    assert [b.height for b in chart.bars[:3]] == [0, 65.0, 130.0]
    assert chart.bars[2].y == chart.baseline - 130.0


def test_weekly_meeting_lists_what_changed_in_the_week(coordinator, cohort, company):
    signed = contract(cohort, company, status=ContractStatus.SIGNED, start_date=date(2026, 12, 1), signature_date=date(2026, 11, 23))
    contract(cohort, company, status=ContractStatus.SIGNED, start_date=date(2026, 12, 1), signature_date=date(2026, 11, 20))
    broken = contract(cohort, company, status=ContractStatus.BROKEN, rupture_date=date(2026, 11, 25), rupture_kind=RuptureKind.DISMISSAL)
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    apprentice = signed.apprentice
    raised = AlertFactory(apprentice=apprentice, rule_code="absences", raised_at=datetime(2026, 11, 24, 9, tzinfo=paris))
    AlertFactory(apprentice=apprentice, rule_code="contract_end", raised_at=datetime(2026, 11, 10, 9, tzinfo=paris))
    resolved = AlertFactory(
        apprentice=broken.apprentice, rule_code="rupture_risk", raised_at=datetime(2026, 11, 1, 9, tzinfo=paris),
        status=AlertStatus.RESOLVED, resolved_at=datetime(2026, 11, 26, 15, tzinfo=paris),
    )
    overdue = VisitFactory(apprentice=apprentice, contract=signed, planned_date=date(2026, 11, 25))
    VisitFactory(apprentice=apprentice, contract=signed, planned_date=date(2026, 12, 2))  # not yet due
    for other in (signed, broken):
        OpcoFileFactory(contract=other)  # sent: nothing late
    OpcoFileFactory(contract=contract(cohort, company, signature_date=date(2026, 8, 25)), sent_date=None)  # to send, late

    with CaptureQueriesContext(connection) as queries:
        result = indicators.weekly_meeting(coordinator, start=date(2026, 11, 21), today=TODAY)

    blocks = {b.key: b for b in result["blocks"]}
    assert (result["start"], result["end"], result["reference"]) == (date(2026, 11, 21), date(2026, 11, 27), TODAY)
    assert blocks["signed"].rows == [signed] and blocks["signed"].count == 1
    assert blocks["ruptures"].rows == [broken]
    assert blocks["raised"].rows == [raised]
    assert blocks["closed"].rows == [resolved]
    assert blocks["overdue_visits"].rows == [overdue]
    assert blocks["opco_late"].count == 1  # the file never sent (the new contracts start on 1 December)
    assert len(queries) < 30


def test_cohorts_needing_attention_put_the_largest_share_without_company_first(coordinator, cohort):
    calm = CohortFactory(name="Promotion calme", programme=cohort.programme, start_date=date(2026, 10, 1))
    worried = CohortFactory(name="Promotion inquiète", programme=cohort.programme, start_date=date(2026, 10, 1))
    ApprenticeFactory(cohort=calm, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=calm, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=worried, status=ApprenticeStatus.SEEKING)
    ApprenticeFactory(cohort=worried, status=ApprenticeStatus.RUPTURANT)
    ApprenticeFactory(cohort=worried, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.SEEKING)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)

    rows = indicators.breakdown(coordinator, today=TODAY)["cohorts"]

    # 2 of 3 without a company, then 1 of 2, then none; the limit keeps the most urgent.
    assert [r.name for r in indicators.cohorts_needing_attention(rows)] == ["Promotion inquiète", "Promotion courante", "Promotion calme"]
    assert [r.name for r in indicators.cohorts_needing_attention(rows, limit=2)] == ["Promotion inquiète", "Promotion courante"]


def test_attendance_rate_and_breakdown_share_one_scan_of_the_register(coordinator, cohort, django_assert_num_queries):
    ended = CohortFactory(name="Promotion terminée", start_date=date(2024, 9, 1), end_date=date(2026, 6, 30))
    current = ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    former = ApprenticeFactory(cohort=ended, status=ApprenticeStatus.COMPLETED)
    AttendanceRecordFactory(apprentice=current, day=date(2026, 11, 20), status=AttendanceStatus.ABSENT)
    AttendanceRecordFactory(apprentice=current, day=date(2026, 11, 21), status=AttendanceStatus.PRESENT)
    # Ended cohort: counts in the OF's rate (its register is the OF's), not in the breakdown.
    AttendanceRecordFactory(apprentice=former, day=date(2026, 11, 2), status=AttendanceStatus.PRESENT)
    # 4 weeks earlier: the trend window only.
    AttendanceRecordFactory(apprentice=current, day=date(2026, 10, 20), status=AttendanceStatus.ABSENT)

    settings = RuleSettings.load()

    with django_assert_num_queries(1):
        shared = indicators.attendance_by_cohort(coordinator, today=TODAY)
    with django_assert_num_queries(0):
        rate = indicators.attendance_rate(coordinator, today=TODAY, settings=settings, by_cohort=shared)
    breakdown = indicators.breakdown(coordinator, today=TODAY, attendance=shared)

    assert (rate.value, rate.previous) == (Decimal("66.7"), Decimal("0.0"))
    assert rate.value == indicators.attendance_rate(coordinator, today=TODAY).value
    assert [(r.name, r.present, r.recorded) for r in breakdown["cohorts"]] == [("Promotion courante", 1, 2)]
