"""The windows of the dashboard's and the weekly meeting's figures at their limits (issue 16, mutation
survivors of alternance/steering/indicators.py): each day of a window at first day − 1, first day,
last day and last day + 1; the 8 rows a weekly block shows (WEEKLY_LIST_LIMIT) at 8 and 9; every
figure's details, labels and links compared whole."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from alerts.choices import AlertStatus
from alternance.choices import ApprenticeStatus, Role
from alternance.steering import indicators
from alternance.steering.indicators import WEEKLY_LIST_LIMIT, Detail
from contracts.choices import ContractStatus, DismissalGround, RuptureKind
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import ApprenticeFactory, CohortFactory, UserFactory, VisitFactory
from tests.factories.companies import CompanyFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)  # a Saturday
PARIS = ZoneInfo("Europe/Paris")


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
    if "start_date" in fields:
        fields.setdefault("signature_date", fields["start_date"] - timedelta(days=7))
        fields.setdefault("practical_training_start_date", fields["start_date"])
    if fields.get("rupture_kind") == RuptureKind.DISMISSAL:
        fields["dismissal_ground"] = DismissalGround.SERIOUS_MISCONDUCT
    apprentice = ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    return ContractFactory(apprentice=apprentice, company=company, status=status, **fields)


# --- the weekly meeting: the week of Saturday 21 to Friday 27 November 2026 ---------------------------

START, END = date(2026, 11, 21), date(2026, 11, 27)
DAYS = {"before": START - timedelta(days=1), "first": START, "last": END, "after": END + timedelta(days=1)}


def test_weekly_blocks_take_the_weeks_first_and_last_days_not_the_days_around(coordinator, cohort, company):
    # Created latest first: the blocks are in date order, not in the order of creation.
    days = dict(reversed(DAYS.items()))
    signed = {k: contract(cohort, company, status=ContractStatus.SIGNED, start_date=date(2026, 12, 7), signature_date=d)
              for k, d in days.items()}
    broken = {k: contract(cohort, company, status=ContractStatus.BROKEN, start_date=date(2026, 9, 1), rupture_date=d,
                          rupture_kind=RuptureKind.MUTUAL_AGREEMENT) for k, d in days.items()}
    # Alerts by the Paris calendar day: 00:30 on the first day is in the week, 23:30 the day before is not.
    moments = {"before": datetime(2026, 11, 20, 23, 30, tzinfo=PARIS), "first": datetime(2026, 11, 21, 0, 30, tzinfo=PARIS),
               "last": datetime(2026, 11, 27, 23, 30, tzinfo=PARIS), "after": datetime(2026, 11, 28, 0, 30, tzinfo=PARIS)}
    moments = dict(reversed(moments.items()))
    raised = {k: AlertFactory(rule_code="absences", raised_at=m) for k, m in moments.items()}
    closed = {k: AlertFactory(rule_code="contract_end", raised_at=datetime(2026, 11, 2, 9, tzinfo=PARIS),
                              status=AlertStatus.RESOLVED if k != "last" else AlertStatus.DISMISSED, resolved_at=m)
              for k, m in moments.items()}
    from tests.factories.contracts import OpcoFileFactory

    OpcoFileFactory(contract=contract(cohort, company, signature_date=date(2026, 8, 25)), sent_date=None)  # to send, late
    # Resolved in the week but reopened since (validated): not closed.
    AlertFactory(rule_code="contract_end", raised_at=datetime(2026, 11, 2, 9, tzinfo=PARIS), status=AlertStatus.VALIDATED,
                 resolved_at=moments["first"])

    result = indicators.weekly_meeting(coordinator, start=START, today=date(2026, 12, 10))

    blocks = {b.key: b for b in result["blocks"]}
    assert (result["start"], result["end"], result["reference"]) == (START, END, date(2026, 11, 28))
    in_week = ("first", "last")
    assert (blocks["signed"].count, blocks["signed"].rows) == (2, [signed[k] for k in in_week])
    assert (blocks["ruptures"].count, blocks["ruptures"].rows) == (2, [broken[k] for k in in_week])
    assert (blocks["raised"].count, blocks["raised"].rows) == (2, [raised[k] for k in in_week])
    assert (blocks["closed"].count, blocks["closed"].rows) == (2, [closed[k] for k in in_week])
    assert (blocks["opco_late"].count, blocks["opco_late"].rows) == (1, [("À envoyer", 1, "/contrats/opco/?filter=late&etape=to_send")])
    assert [(b.key, b.label, b.url) for b in result["blocks"]] == [
        ("signed", "Nouveaux contrats signés", None),
        ("ruptures", "Ruptures", "/contrats/?rupture_du=2026-11-21&rupture_au=2026-11-27"),
        ("raised", "Nouvelles alertes", None),
        ("closed", "Alertes résolues ou écartées", None),
        ("overdue_visits", "Visites en retard", None),
        ("opco_late", "Dossiers OPCO en retard", "/contrats/opco/?filter=late"),
    ]


@pytest.mark.parametrize("today, reference", [
    (date(2026, 11, 27), date(2026, 11, 27)),  # during the week: today
    (date(2026, 11, 28), date(2026, 11, 28)),  # the day after the week
    (date(2026, 11, 29), date(2026, 11, 28)),  # later: still the day after the week
])
def test_visits_are_overdue_as_of_the_day_after_the_week_or_today_if_earlier(coordinator, cohort, company, today, reference,
                                                                            django_assert_num_queries):
    signed = contract(cohort, company, start_date=date(2026, 9, 1))
    # Created latest first: the block is in date order.
    visits = {d: VisitFactory(apprentice=signed.apprentice, contract=signed, planned_date=d)
              for d in (date(2026, 11, 28), date(2026, 11, 27), date(2026, 11, 26))}
    VisitFactory(apprentice=signed.apprentice, contract=signed, planned_date=date(2026, 11, 20), done_date=date(2026, 11, 20))

    result = indicators.weekly_meeting(coordinator, start=START, today=today)

    overdue = next(b for b in result["blocks"] if b.key == "overdue_visits")
    with django_assert_num_queries(0):  # the rows come with what the page shows of them
        assert all(v.apprentice.last_name and v.tutor.last_name for v in overdue.rows)
    assert result["reference"] == reference
    assert overdue.rows == [visit for d, visit in sorted(visits.items()) if d < reference]
    assert overdue.count == len(overdue.rows)


@pytest.mark.parametrize("count", [WEEKLY_LIST_LIMIT - 1, WEEKLY_LIST_LIMIT, WEEKLY_LIST_LIMIT + 1])
def test_a_weekly_block_shows_its_first_eight_rows_in_date_order_and_counts_them_all(coordinator, cohort, company, count,
                                                                                    django_assert_num_queries):
    assert WEEKLY_LIST_LIMIT == 8
    made = [contract(cohort, company, status=ContractStatus.SIGNED, start_date=date(2026, 12, 7),
                     signature_date=END - timedelta(days=n % 7)) for n in range(count)]
    result = indicators.weekly_meeting(coordinator, start=START, today=TODAY)
    block = result["blocks"][0]
    expected = sorted(made, key=lambda c: (c.signature_date, c.pk))
    assert (block.count, block.rows) == (count, expected[:8])
    with django_assert_num_queries(0):  # the rows come with what the page shows of them
        assert all(c.apprentice.last_name and c.company.name for c in block.rows)


# --- the rupture rate over 12 months (RUPTURE_WINDOW_DAYS = 365) and its trend (28 days) ----------------

def test_rupture_rate_counts_ruptures_and_contracts_that_ran_in_the_365_days_ending_today(coordinator, cohort, company):
    """Window of today: 29/11/2025 – 28/11/2026; 4 weeks earlier: 02/11/2025 – 31/10/2026."""
    mutual, free = RuptureKind.MUTUAL_AGREEMENT, RuptureKind.FREE_PERIOD
    contract(cohort, company, status=ContractStatus.BROKEN, start_date=date(2025, 9, 1), rupture_date=date(2025, 11, 28), rupture_kind=mutual)
    contract(cohort, company, status=ContractStatus.BROKEN, start_date=date(2025, 9, 1), rupture_date=date(2025, 11, 29), rupture_kind=free)
    contract(cohort, company, status=ContractStatus.BROKEN, start_date=date(2026, 10, 1), rupture_date=date(2026, 11, 28), rupture_kind=mutual)
    contract(cohort, company, start_date=date(2026, 11, 28))                                    # ran since today
    contract(cohort, company, status=ContractStatus.SIGNED, start_date=date(2026, 11, 29))      # not started
    contract(cohort, company, status=ContractStatus.DRAFT, start_date=date(2026, 1, 5))         # never ran
    contract(cohort, company, status=ContractStatus.ENDED, start_date=date(2023, 9, 1), end_date=date(2025, 11, 29))
    contract(cohort, company, status=ContractStatus.ENDED, start_date=date(2023, 9, 1), end_date=date(2025, 11, 28))

    indicator = indicators.rupture_rate(coordinator, today=TODAY)

    url = "/contrats/?rupture_du=2025-11-29&rupture_au=2026-11-28"
    # Now: ruptures of 29/11/2025 and 28/11/2026 among 4 that ran (those two, the start of today, the end of
    # 29/11/2025). Before: ruptures of 28 and 29/11/2025 among 5 (those two, the rupture of 28/11/2026 that
    # had started, both ended contracts).
    assert (indicator.value, indicator.previous, indicator.trend) == (Decimal("50.0"), Decimal("40.0"), "up")
    assert indicator.url == url
    assert indicator.details == (
        Detail("Ruptures", 2, url),
        Detail("Contrats en cours sur la période", 4),
        Detail("Part des ruptures pendant les 45 premiers jours (%)", Decimal("50.0")),
    )
    assert (indicator.label, indicator.unit, indicator.target, indicator.target_label, indicator.higher_is_better) == (
        "Taux de rupture sur 12 mois", "percent", Decimal("15"), "≤ 15 %", False)


def test_rupture_rate_without_any_contract_has_no_value_and_no_share(coordinator):
    indicator = indicators.rupture_rate(coordinator, today=TODAY)
    assert (indicator.value, indicator.previous) == (None, None)
    assert [d.value for d in indicator.details] == [0, 0, None]


# --- placement rate: the cohorts running today (start ≤ today ≤ end) ------------------------------------

def test_placement_rate_counts_the_cohorts_running_today_without_dropouts(coordinator):
    starting_today = CohortFactory(start_date=TODAY, end_date=date(2028, 6, 30))
    ending_today = CohortFactory(start_date=date(2024, 9, 1), end_date=TODAY)
    starting_tomorrow = CohortFactory(start_date=TODAY + timedelta(days=1), end_date=date(2028, 6, 30))
    ended_yesterday = CohortFactory(start_date=date(2024, 9, 1), end_date=TODAY - timedelta(days=1))
    for status in (ApprenticeStatus.UNDER_CONTRACT, ApprenticeStatus.UNDER_CONTRACT, ApprenticeStatus.SEEKING,
                   ApprenticeStatus.RUPTURANT, ApprenticeStatus.DROPPED_OUT):
        ApprenticeFactory(cohort=starting_today, status=status, exclusion_date=TODAY if status == ApprenticeStatus.DROPPED_OUT else None)
    ApprenticeFactory(cohort=ending_today, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=starting_tomorrow, status=ApprenticeStatus.UNDER_CONTRACT)
    ApprenticeFactory(cohort=ended_yesterday, status=ApprenticeStatus.SEEKING)

    indicator = indicators.placement_rate(coordinator, today=TODAY)

    # 3 under contract among 5 enrolled (the dropout is not counted).
    assert indicator.value == Decimal("60.0")
    assert indicator.details == (Detail("Sous contrat", 3), Detail("Inscrit·es (hors abandons)", 5))
    assert (indicator.label, indicator.url, indicator.target_label, indicator.higher_is_better, indicator.unit) == (
        "Taux de placement (promotions en cours)", "/apprenti-es/?status=under_contract", "≥ 90 %", True, "percent")


# --- alerts waiting for validation ------------------------------------------------------------------------

def test_alerts_to_validate_by_rule_most_first_then_by_code_an_unknown_rule_shown_by_its_code(coordinator):
    from alerts.selectors import rule_titles

    for code, n in (("contract_end", 2), ("absences", 2), ("regle_retiree", 1), ("opco_delay", 3)):
        for _ in range(n):
            AlertFactory(rule_code=code)
    AlertFactory(rule_code="absences", status=AlertStatus.VALIDATED)
    AlertFactory(rule_code="opco_delay", status=AlertStatus.DISMISSED, resolved_at=datetime(2026, 11, 20, 9, tzinfo=PARIS))

    indicator = indicators.alerts_to_validate(coordinator, today=TODAY)

    titles = rule_titles()
    assert indicator.value == 8
    assert indicator.details == (
        Detail(titles["opco_delay"], 3, "/alertes/?status=new&rule=opco_delay"),
        Detail(titles["absences"], 2, "/alertes/?status=new&rule=absences"),
        Detail(titles["contract_end"], 2, "/alertes/?status=new&rule=contract_end"),
        Detail("regle_retiree", 1, "/alertes/?status=new&rule=regle_retiree"),
    )
    assert (indicator.label, indicator.url, indicator.target, indicator.target_label, indicator.higher_is_better) == (
        "Alertes à valider", "/alertes/?status=new", 0, "0", False)


# --- attendance: the 30 days ending today and the 30 days ending 4 weeks earlier --------------------------
# Today 28/11/2026: now = (29/10, 28/11], before = (01/10, 31/10]; 30/10 and 31/10 are in both.

def _attendance_world():
    from alternance.choices import AttendanceStatus
    from tests.factories.alternance import AttendanceRecordFactory, TutorFactory

    tutor, other_tutor = TutorFactory(), TutorFactory()
    a = CohortFactory(name="A", referent_tutor=tutor, start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    b = CohortFactory(name="B", referent_tutor=other_tutor, start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    c = CohortFactory(name="C", referent_tutor=tutor, start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    present, absent, late = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.LATE
    learner = ApprenticeFactory(cohort=a)
    for day, status in ((date(2026, 10, 1), present), (date(2026, 10, 2), absent), (date(2026, 10, 29), present),
                        (date(2026, 10, 30), late), (date(2026, 10, 31), absent), (date(2026, 11, 28), present),
                        (date(2026, 11, 29), present)):
        AttendanceRecordFactory(apprentice=learner, day=day, status=status, minutes_late=10 if status == late else 0)
    AttendanceRecordFactory(apprentice=ApprenticeFactory(cohort=b), day=date(2026, 10, 15), status=present)
    # Cohort D: records only outside both windows (01/10 and 29/11): no figure at all, not a row of zeros.
    outside = ApprenticeFactory(cohort=CohortFactory(name="D", referent_tutor=tutor, start_date=date(2026, 9, 1),
                                                     end_date=date(2028, 6, 30)))
    for day in (date(2026, 10, 1), date(2026, 11, 29)):
        AttendanceRecordFactory(apprentice=outside, day=day, status=present)
    only_absent_now = ApprenticeFactory(cohort=c)
    for day in (date(2026, 11, 2), date(2026, 11, 3)):
        AttendanceRecordFactory(apprentice=only_absent_now, day=day, status=absent)
    return tutor, a, b, c


def test_attendance_by_cohort_from_the_tallies_and_from_the_register_agree_at_the_windows_limits(coordinator):
    """Coordinator: the tallies; tutor: the rows of the register of its cohorts — the same figures."""
    from alternance.steering.indicators import AttendanceCounts

    tutor, a, b, c = _attendance_world()
    expected = {a.pk: AttendanceCounts(2, 3, 2, 4), b.pk: AttendanceCounts(0, 0, 1, 1), c.pk: AttendanceCounts(0, 2, 0, 0)}
    assert indicators.attendance_by_cohort(coordinator, today=TODAY) == expected
    assert indicators.attendance_by_cohort(tutor, today=TODAY) == {a.pk: expected[a.pk], c.pk: expected[c.pk]}


@pytest.mark.parametrize("who, value, previous, recorded", [
    ("coordinator", Decimal("40.0"), Decimal("60.0"), 5),  # now 2 of 5, before 3 of 5
    ("tutor", Decimal("40.0"), Decimal("50.0"), 5),        # its cohorts A and C: now 2 of 5, before 2 of 4
])
def test_attendance_rate_sums_the_cohorts_it_sees(coordinator, who, value, previous, recorded):
    from alerts.models import RuleSettings

    tutor, *_cohorts = _attendance_world()
    settings = RuleSettings.load()
    settings.attendance_min_rate = 85
    settings.save()
    indicator = indicators.attendance_rate(coordinator if who == "coordinator" else tutor, today=TODAY)
    assert (indicator.value, indicator.previous) == (value, previous)
    assert indicator.details == (Detail("Demi-journées relevées", recorded),)
    assert (indicator.label, indicator.unit, indicator.target, indicator.target_label, indicator.higher_is_better, indicator.url) == (
        "Taux d'assiduité sur 30 jours", "percent", Decimal(85), "≥ 85 %", True, "/alertes/?status=open&rule=absences")


def test_the_indicators_table_in_display_order_with_the_settings_read_once(coordinator):
    from alerts.models import RuleSettings
    from contracts.models import ContractSettings

    settings = RuleSettings.load()
    settings.attendance_min_rate = 70
    settings.save()
    with CaptureQueriesContext(connection) as queries:
        table = indicators.indicators(coordinator, today=TODAY)
    # Read once for all the indicators (the OPCO board's counts read its kept lines, not the settings).
    for model, reads in ((RuleSettings, 1), (ContractSettings, 1)):
        assert sum(f'FROM "{model._meta.db_table}"' in q["sql"] for q in queries.captured_queries) == reads, model
    assert [i.key for i in table] == ["active_contracts", "without_company", "placement_rate", "rupture_rate",
                                      "attendance_rate", "visits_on_time", "opco_late", "alerts_to_validate"]
    assert table[4].target == Decimal(70)
    # The attendance counts a caller already holds are used as they are.
    from alternance.steering.indicators import AttendanceCounts

    shared = {1: AttendanceCounts(9, 10, 1, 2)}
    assert indicators.indicators(coordinator, today=TODAY, attendance=shared)[4].value == Decimal("90.0")


# --- visits on time: the obligations of one contract on one day (_punctuality, pure) -----------------------
# Every weekday is a company day; 3 company days of free period from Monday 7 September 2026: the first
# visit's deadline is Wednesday 9 September. Follow-up interval: 30 days.

def _visit_row(**fields):
    from alternance.planning.practical import PracticalCalendar

    row = {"apprentice_id": 1, "start_date": date(2026, 9, 7), "last_day": date(2027, 8, 31), "practical_training_start_date": None,
           "first_visit": None, "last_visit_now": None, "last_visit_before": None, "_today": None}
    row.update(fields)
    calendars = {1: PracticalCalendar(pattern="EEEEE", cohort_start=date(2026, 9, 1), cohort_end=date(2027, 8, 31))}
    return row, calendars


def punctuality(day, **fields):
    row, calendars = _visit_row(**fields)
    row["_today"] = row["_today"] or day
    return indicators._punctuality([row], day, free_days=3, interval=30, calendars=calendars)


@pytest.mark.parametrize("day, expected", [
    (date(2026, 9, 6), (0, 0)),   # the day before the contract: not in force
    (date(2026, 9, 7), (2, 2)),   # its first day
    (date(2027, 8, 31), (1, 2)),  # its last day (the first visit on time, the last one far too old)
    (date(2027, 9, 1), (0, 0)),   # the day after
])
def test_a_contract_counts_from_its_first_to_its_last_day(day, expected):
    assert punctuality(day, first_visit=date(2026, 9, 7), last_visit_now=date(2026, 9, 7)) == expected


def test_a_contract_not_in_force_does_not_stop_the_count_of_the_next_ones():
    row, calendars = _visit_row(first_visit=date(2026, 9, 7), last_visit_now=date(2026, 9, 7), _today=date(2026, 9, 8))
    ended = {**row, "last_day": date(2026, 9, 7)}
    assert indicators._punctuality([ended, row], date(2026, 9, 8), free_days=3, interval=30, calendars=calendars) == (2, 2)


@pytest.mark.parametrize("day, expected", [
    (date(2026, 9, 8), (0, 0)),   # before the deadline: nothing due yet
    (date(2026, 9, 9), (0, 0)),   # on the deadline (the 3rd company day): still not due
    (date(2026, 9, 10), (0, 1)),  # the day after: due and not done
])
def test_a_first_visit_not_done_is_due_the_day_after_its_deadline(day, expected):
    assert punctuality(day) == expected


@pytest.mark.parametrize("first, expected", [
    (date(2026, 9, 8), (2, 2)), (date(2026, 9, 9), (2, 2)), (date(2026, 9, 10), (1, 2)),
], ids=["deadline-1", "deadline", "deadline+1"])
def test_a_first_visit_is_on_time_up_to_its_deadline_included(first, expected):
    assert punctuality(date(2026, 9, 10), first_visit=first, last_visit_now=first) == expected


def test_a_first_visit_done_on_the_day_counts_that_day():
    assert punctuality(date(2026, 9, 9), first_visit=date(2026, 9, 9), last_visit_now=date(2026, 9, 9)) == (2, 2)
    assert punctuality(date(2026, 9, 8), first_visit=date(2026, 9, 9), last_visit_now=None) == (0, 0)  # done later


@pytest.mark.parametrize("last, expected", [
    (date(2026, 11, 1), (2, 2)), (date(2026, 10, 31), (2, 2)), (date(2026, 10, 30), (1, 2)),
], ids=["interval-1", "interval", "interval+1"])
def test_the_follow_up_is_on_time_when_the_last_visit_is_at_most_the_interval_old(last, expected):
    """RuleSettings.visit_interval_days (30 here): 30/11 − 31/10 = 30 days."""
    assert punctuality(date(2026, 11, 30), first_visit=date(2026, 9, 8), last_visit_now=last) == expected


def test_the_day_four_weeks_earlier_uses_the_last_visit_of_that_day():
    kwargs = {"first_visit": date(2026, 9, 8), "last_visit_now": date(2026, 11, 29), "last_visit_before": date(2026, 9, 8),
              "_today": date(2026, 11, 30)}
    assert punctuality(date(2026, 11, 30), **kwargs) == (2, 2)
    assert punctuality(date(2026, 11, 2), **kwargs) == (1, 2)  # 8/9 is 55 days before 2/11


@pytest.mark.parametrize("practical_start, expected", [(None, (0, 1)), (date(2026, 9, 8), (0, 0))])
def test_the_first_visits_deadline_runs_from_the_practical_start_else_the_contract_start(practical_start, expected):
    """From Monday 7: the deadline is Wednesday 9, due on Thursday 10; from Tuesday 8: Thursday 10, not due yet."""
    assert punctuality(date(2026, 9, 10), practical_training_start_date=practical_start) == expected


def test_visits_on_time_as_a_whole(coordinator, cohort, company):
    from alerts.models import RuleSettings
    from contracts.models import ContractSettings

    settings = RuleSettings.load()
    settings.visit_interval_days = 60
    settings.save()
    on_time = contract(cohort, company, start_date=date(2026, 9, 7))
    VisitFactory(apprentice=on_time.apprentice, contract=on_time, planned_date=date(2026, 9, 9), done_date=date(2026, 9, 9))
    # Started in June, before its cohort (full time in the company): its 45 days ended in August, and its
    # first visit was never done — due and late on both days.
    contract(cohort, company, start_date=date(2026, 6, 1))
    # A draft is never in force, whatever its dates.
    contract(cohort, company, status=ContractStatus.DRAFT, start_date=date(2026, 6, 1))

    indicator = indicators.visits_on_time(coordinator, today=TODAY, contract_settings=ContractSettings.load())

    # Today: first visit on time, follow-up 80 days old (late), the other first visit late: 1 of 3.
    # Four weeks earlier (31/10, 52 days after the visit): 2 of 3.
    assert indicator == indicators.Indicator(
        key="visits_on_time", label="Visites faites à temps", value=Decimal("33.3"), unit="percent",
        target=Decimal("95"), target_label="≥ 95 %", higher_is_better=True, previous=Decimal("66.7"),
        url="/alertes/?status=open&rule=visits_overdue",
        details=(Detail("Obligations de visite à temps", 1), Detail("Obligations de visite dues", 3)),
    )


# --- contracts: active today, by month, ruptures by month ---------------------------------------------------

def test_active_contracts_as_a_whole_a_draft_never_in_force(coordinator, cohort, company):
    contract(cohort, company, start_date=date(2026, 9, 1))                                # in force on both days
    contract(cohort, company, status=ContractStatus.SIGNED, start_date=date(2026, 11, 15))  # since 15/11
    contract(cohort, company, status=ContractStatus.DRAFT, start_date=date(2026, 11, 15))   # a draft never ran
    indicator = indicators.active_contracts(coordinator, today=TODAY)
    # 2 active today; by dates 2 in force today and 1 four weeks earlier: previous 2 − (2 − 1) = 1.
    assert indicator == indicators.Indicator(key="active_contracts", label="Contrats actifs", value=2, previous=1,
                                             url="/contrats/?status=active")


def test_monthly_series_from_the_first_day_of_the_12th_month_to_today(coordinator, cohort, company):
    """Months December 2025 – November 2026; the current month ends today (28/11)."""
    from alternance.steering.indicators import MonthlySeries

    for rupture in (date(2025, 11, 30), date(2025, 12, 1), date(2026, 11, 28), date(2026, 11, 29)):
        contract(cohort, company, status=ContractStatus.BROKEN, start_date=date(2025, 9, 1), rupture_date=rupture,
                 rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    contract(cohort, company, start_date=date(2026, 9, 1))
    contract(cohort, company, status=ContractStatus.DRAFT, start_date=date(2026, 1, 5))
    months = [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]

    # In force at each month's end: the ruptures of 28 and 29/11/2026 all year (28/11 is the last day of the
    # series and of that contract), the contract started on 1/9 from September.
    assert indicators.active_contracts_series(coordinator, today=TODAY) == MonthlySeries(
        "Contrats en cours, fin de mois", tuple((m, 3 if m.month in (9, 10, 11) else 2) for m in months))
    # Ruptures: 1/12/2025 (the first day of the series) and 28/11/2026 (today); not 30/11/2025 nor 29/11/2026.
    assert indicators.ruptures_series(coordinator, today=TODAY) == MonthlySeries(
        "Ruptures par mois", tuple((m, 1 if m in (date(2025, 12, 1), date(2026, 11, 1)) else 0) for m in months))


def test_as_date_turns_a_month_truncated_by_the_database_into_a_date():
    """PostgreSQL may return a datetime for TruncMonth, SQLite a date: both give the month's first day."""
    assert indicators._as_date(datetime(2026, 11, 1, 0, 0)) == date(2026, 11, 1)
    assert type(indicators._as_date(datetime(2026, 11, 1, 0, 0))) is date
    assert indicators._as_date(date(2026, 11, 1)) == date(2026, 11, 1)


def test_url_for_leaves_out_empty_parameters():
    assert indicators.url_for("contracts:contract_list") == "/contrats/"
    assert indicators.url_for("contracts:contract_list", status="", q=None) == "/contrats/"
    assert indicators.url_for("contracts:contract_list", status="active", q="") == "/contrats/?status=active"


def test_opco_late_as_a_whole(coordinator, cohort, company):
    from tests.factories.contracts import OpcoFileFactory

    assert indicators.opco_late(coordinator, today=TODAY) == indicators.Indicator(
        key="opco_late", label="Dossiers OPCO en retard", value=0, target=0, target_label="0", higher_is_better=False,
        url="/contrats/opco/?filter=late")
    OpcoFileFactory(contract=contract(cohort, company, signature_date=date(2026, 8, 25)), sent_date=None)
    indicator = indicators.opco_late(coordinator, today=TODAY)
    assert (indicator.value, indicator.details) == (1, (Detail("À envoyer", 1, "/contrats/opco/?filter=late&etape=to_send"),))


# --- breakdown and loads ------------------------------------------------------------------------------------

def test_breakdown_per_cohort_not_ended_and_per_programme_by_name(coordinator, django_assert_num_queries):
    from alternance.steering.indicators import AttendanceCounts, BreakdownRow
    from tests.factories.alternance import ProgrammeFactory

    licence = ProgrammeFactory(short_title="", title="Licence pro A")
    bts = ProgrammeFactory(short_title="BTS B")
    first = CohortFactory(programme=licence, name="Licence 2026", start_date=date(2026, 8, 1), end_date=TODAY)
    zeta = CohortFactory(programme=bts, name="Zêta", start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    alpha = CohortFactory(programme=bts, name="Alpha", start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    CohortFactory(programme=bts, name="Terminée hier", start_date=date(2024, 9, 1), end_date=TODAY - timedelta(days=1))
    for cohort, statuses in ((first, ("under_contract", "seeking", "dropped_out")),
                             (zeta, ("under_contract", "under_contract", "rupturant")), (alpha, ("seeking",))):
        for status in statuses:
            ApprenticeFactory(cohort=cohort, status=status, exclusion_date=TODAY if status == "dropped_out" else None)
    attendance = {first.pk: AttendanceCounts(3, 4, 0, 0), zeta.pk: AttendanceCounts(1, 2, 5, 5)}

    with django_assert_num_queries(1):
        result = indicators.breakdown(coordinator, today=TODAY, attendance=attendance)

    def url(c):
        return f"/apprenti-es/?cohort={c.pk}"

    assert result["cohorts"] == [
        BreakdownRow("Licence 2026", 2, 1, 1, 0, 3, 4, url(first), first.pk),
        BreakdownRow("Alpha", 1, 0, 1, 0, 0, 0, url(alpha), alpha.pk),
        BreakdownRow("Zêta", 3, 2, 0, 1, 1, 2, url(zeta), zeta.pk),
    ]
    assert result["programmes"] == [BreakdownRow("BTS B", 4, 2, 1, 1, 1, 2), BreakdownRow("Licence pro A", 2, 1, 1, 0, 3, 4)]


def test_cre_loads_most_loaded_first_then_by_name_and_the_range_from_the_settings(coordinator, cohort):
    from alerts.models import RuleSettings
    from alternance.steering.indicators import LoadRow

    settings = RuleSettings.load()
    settings.cre_max_active_contracts = 90
    settings.save()
    cres = {key: UserFactory(role=Role.CRE, last_name=last, first_name=first) for key, last, first in (
        ("zoe", "Martin", "Zoé"), ("ali", "Martin", "Ali"), ("twin", "Martin", "Ali"), ("busy", "Zed", "Anne"),
        ("yves", "Aubert", "Yves"))}
    UserFactory(role=Role.CRE, last_name="Absent", first_name="Paul", is_active=False)
    for key, n in (("busy", 2), ("zoe", 1), ("ali", 1), ("twin", 1), ("yves", 1)):
        company = CompanyFactory(owner_cre=cres[key])
        for _ in range(n):
            contract(cohort, company)
    rows = indicators.cre_loads(coordinator, today=TODAY)
    # 90 × 0,8 = 72.
    assert rows == [LoadRow(cres[k].pk, str(cres[k]), n, 72, 90, f"/entreprises/?owner={cres[k].pk}")
                    for k, n in (("busy", 2), ("yves", 1), ("ali", 1), ("twin", 1), ("zoe", 1))]


def test_tutor_loads_active_tutors_by_name_most_loaded_first(coordinator):
    from alternance.steering.indicators import LoadRow
    from tests.factories.alternance import TutorFactory

    tutors = {key: TutorFactory(last_name=last, first_name=first) for key, last, first in (
        ("zoe", "Martin", "Zoé"), ("ali", "Martin", "Ali"), ("twin", "Martin", "Ali"), ("busy", "Zed", "Anne"),
        ("yves", "Aubert", "Yves"))}
    gone = TutorFactory(last_name="Absent", first_name="Paul", is_active=False)
    for key, statuses in (("busy", ("under_contract", "under_contract", "dropped_out")), ("zoe", ("seeking",)),
                          ("ali", ()), ("twin", ()), ("yves", ())):
        cohort = CohortFactory(referent_tutor=tutors[key])
        for status in statuses:
            ApprenticeFactory(cohort=cohort, status=status, exclusion_date=TODAY if status == "dropped_out" else None)
    CohortFactory(referent_tutor=gone)
    rows = indicators.tutor_loads(coordinator, today=TODAY)
    assert rows == [
        LoadRow(tutors["busy"].pk, str(tutors["busy"]), 2, extra={"cohorts": 1, "enrolled": 2}),
        *[LoadRow(tutors[k].pk, str(tutors[k]), 0, extra={"cohorts": 1, "enrolled": n}) for k, n in (("yves", 0), ("ali", 0), ("twin", 0), ("zoe", 1))],
    ]


def test_without_company_as_a_whole_with_its_buckets_at_their_limits(coordinator, cohort):
    """SEEKING_BUCKETS: < 30, 30–59, 60–89, ≥ 90 days since the status (each limit at − 1 and =)."""
    for days in (0, 29, 30, 59, 60, 89, 90):
        ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=days))
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT, status_since=TODAY - timedelta(days=100))
    assert indicators.without_company(coordinator, today=TODAY) == indicators.Indicator(
        key="without_company", label="Apprenti·es sans entreprise", value=7, target=0, target_label="0",
        higher_is_better=False, url="/apprenti-es/?status=seeking",
        details=(Detail("moins de 30 jours", 2), Detail("30 à 59 jours", 2), Detail("60 à 89 jours", 2),
                 Detail("90 jours et plus", 1)),
    )


def test_visits_on_time_takes_on_each_day_the_last_visit_done_by_that_day(coordinator, cohort, company):
    """Interval 30 days. A follow-up done on 20/11 counts today (8 days old) but not four weeks earlier
    (31/10: the last one then is the first visit of 9/9, 52 days old); one dated after today counts for
    neither day."""
    from alerts.models import RuleSettings

    settings = RuleSettings.load()
    settings.visit_interval_days = 30
    settings.save()
    followed = contract(cohort, company, start_date=date(2026, 9, 7))
    for done in (date(2026, 9, 9), date(2026, 11, 20)):
        VisitFactory(apprentice=followed.apprentice, contract=followed, planned_date=done, done_date=done)
    ahead = contract(cohort, company, start_date=date(2026, 9, 7))
    for done in (date(2026, 9, 9), TODAY + timedelta(days=2)):
        VisitFactory(apprentice=ahead.apprentice, contract=ahead, planned_date=done, done_date=done)

    indicator = indicators.visits_on_time(coordinator, today=TODAY)

    # Today: both first visits on time, follow-ups: 20/11 on time, 9/9 late (the visit ahead ignored): 3 of 4.
    # Four weeks earlier: first visits on time, both follow-ups late: 2 of 4.
    assert (indicator.value, indicator.previous) == (Decimal("75.0"), Decimal("50.0"))


def test_the_indicators_table_holds_each_indicator_as_computed_alone(coordinator, cohort, company):
    tutor, *_cohorts = _attendance_world()
    followed = contract(cohort, company, start_date=date(2026, 9, 7))
    VisitFactory(apprentice=followed.apprentice, contract=followed, planned_date=date(2026, 9, 9), done_date=date(2026, 9, 9))
    table = indicators.indicators(coordinator, today=TODAY)
    alone = [indicators.active_contracts, indicators.without_company, indicators.placement_rate, indicators.rupture_rate,
             indicators.attendance_rate, indicators.visits_on_time, indicators.opco_late, indicators.alerts_to_validate]
    assert table == [function(coordinator, today=TODAY) for function in alone]
    # Figures, not empty ones: attendance 2 of 5; visits 2 of 2 (the follow-up 80 days old, within the default 180).
    assert (table[4].value, table[5].value) == (Decimal("40.0"), Decimal("100.0"))


# --- the weekly meeting's OPCO block: today's figure reused only for the week reported as of today ----

def _late_today() -> indicators.Indicator:
    """The dashboard's figure of today as the weekly meeting receives it: labels still lazy
    translations, values the board holds not (nothing is late in the database of these tests)."""
    return indicators.Indicator(
        key="opco_late", label="Dossiers OPCO en retard", value=5,
        details=(Detail(gettext_lazy("À envoyer"), 3, "/contrats/opco/?filter=late&etape=to_send"),
                 Detail(gettext_lazy("Prise en charge"), 2, "/contrats/opco/?filter=late&etape=decision")),
    )


@pytest.mark.parametrize("today, reused", [
    (END, True),                         # the week still running: reported as of today
    (END + timedelta(days=1), True),     # the day after the week is today: today's figure
    (END + timedelta(days=2), False),    # as of the day after the week, a day before today: counted then
])
def test_the_weekly_opco_block_reuses_todays_figure_only_when_it_is_reported_as_of_today(coordinator, today, reused):
    result = indicators.weekly_meeting(coordinator, start=START, today=today, opco_late_today=_late_today())

    block = next(b for b in result["blocks"] if b.key == "opco_late")
    if reused:
        # Labels made plain text (the page and the cache hold strings), values and links as given.
        assert block.rows == [("À envoyer", 3, "/contrats/opco/?filter=late&etape=to_send"),
                              ("Prise en charge", 2, "/contrats/opco/?filter=late&etape=decision")]
        assert all(type(label) is str for label, _value, _url in block.rows)
        assert block.count == 5
    else:
        assert (block.count, block.rows) == (0, [])  # counted on the board: nothing late


# --- every list of the weekly meeting and of the loads in a total order ---------------------------------
# Rows tied on the shown keys (same day, same load and name) keep one order from one load of the page
# to the next: PostgreSQL's sort leaves ties in any order, so each ordering ends with the primary key.
# On SQLite (the tests' database) ties already come in rowid order, so the SQL is what can be checked.

def _order_by_clauses(queries) -> list[str]:
    return [re.sub(r"\s+", " ", q["sql"].split(" ORDER BY ", 1)[1]) for q in queries if " ORDER BY " in q["sql"]]


def test_the_weekly_blocks_end_their_order_with_the_primary_key(coordinator):
    with CaptureQueriesContext(connection) as queries:
        indicators.weekly_meeting(coordinator, start=START, today=TODAY)

    orders = " | ".join(_order_by_clauses(queries))
    for table, column in [("contracts_contract", "signature_date"), ("contracts_contract", "rupture_date"),
                          ("alerts_alert", "raised_at"), ("alerts_alert", "resolved_at"),
                          ("alternance_visit", "planned_date")]:
        assert f'"{table}"."{column}" ASC, "{table}"."id" ASC LIMIT 8' in orders, (table, column, orders)


def test_the_loads_of_namesakes_are_in_one_order(coordinator):
    """Two CREs and two tutors of the same name and load: the ordering's last key is the pk."""
    cres = [UserFactory(role=Role.CRE, first_name="Camille", last_name="Martin") for _ in range(2)]
    tutors = [UserFactory(role=Role.TUTOR, first_name="Dominique", last_name="Durand") for _ in range(2)]
    with CaptureQueriesContext(connection) as queries:
        cre_rows = indicators.cre_loads(coordinator, today=TODAY)
        tutor_rows = indicators.tutor_loads(coordinator, today=TODAY)

    assert [r.user_id for r in cre_rows] == [u.pk for u in cres]
    assert [r.user_id for r in tutor_rows] == [u.pk for u in tutors]
    names_then_pk = '"alternance_user"."last_name" ASC, "alternance_user"."first_name" ASC, "alternance_user"."id" ASC'
    orders = _order_by_clauses(queries)
    # The CREs by load first (a column number or its alias, depending on the database), then each list by name and pk.
    assert [o.endswith(names_then_pk) for o in orders] == [True, True], orders
    assert " DESC, " in orders[0] and " DESC" not in orders[1], orders
