"""The monthly attendance statement (issue 6, ``attendance_statement``): the half-days of one day
in their order (morning, then afternoon) whatever order they were entered in, the contracts
printed with their company read in the same query (no query per contract), and each total of
``statement_totals`` counting every half-day of its kind (0, 1, 2, 3 of each); the sessions signed
(issue 19 §3) are the apprentice's own, in day then start-time order,
read with their session and trainer (the query count does not grow with them)."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.attendance.services import attendance_statement, statement_totals
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord
from contracts.choices import ContractStatus
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory, CoordinatorFactory, signed_session
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)


def test_the_statement_lists_the_morning_before_the_afternoon_whatever_the_entry_order():
    ana = ApprenticeFactory()
    for day in (date(2026, 11, 10), date(2026, 11, 9)):  # later day entered first, afternoon before morning
        AttendanceRecordFactory(apprentice=ana, day=day, half=HalfDay.AFTERNOON, status=AttendanceStatus.PRESENT)
        AttendanceRecordFactory(apprentice=ana, day=day, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)

    statement = attendance_statement(CoordinatorFactory(), ana, first=FIRST, last=LAST)

    assert [(record.day, record.half) for record in statement.records] == [
        (date(2026, 11, 9), "am"),
        (date(2026, 11, 9), "pm"),
        (date(2026, 11, 10), "am"),
        (date(2026, 11, 10), "pm"),
    ]


def test_the_statement_reads_each_contracts_company_with_it():
    ana = ApprenticeFactory()
    ended = ContractFactory(
        apprentice=ana,
        start_date=date(2025, 9, 1),
        end_date=date(2026, 11, 9),
        status=ContractStatus.ENDED,
        practical_training_start_date=None,
        training_start_date=date(2025, 9, 1),
        signature_date=date(2025, 9, 1),
    )
    current = ContractFactory(
        apprentice=ana,
        start_date=date(2026, 11, 10),
        end_date=date(2028, 8, 31),
        practical_training_start_date=None,
        training_start_date=date(2026, 11, 10),
        signature_date=date(2026, 11, 10),
    )
    coordinator = CoordinatorFactory()

    statement = attendance_statement(coordinator, ana, first=FIRST, last=LAST)
    with CaptureQueriesContext(connection) as captured:
        companies = [contract.company.name for contract in statement.contracts]

    assert companies == [ended.company.name, current.company.name]
    assert len(captured) == 0


KINDS = {
    "present": (AttendanceStatus.PRESENT, JustificationStatus.NONE, 0),
    "late": (AttendanceStatus.LATE, JustificationStatus.NONE, 10),
    "absent_justified": (AttendanceStatus.ABSENT, JustificationStatus.ACCEPTED, 0),
    "absent_pending": (AttendanceStatus.ABSENT, JustificationStatus.PENDING, 0),
    "absent_unjustified": (AttendanceStatus.ABSENT, JustificationStatus.REFUSED, 0),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_statement_totals_count_every_half_day_of_its_kind(kind, count):
    """An absence is justified when its proof was accepted, pending while it awaits review,
    unjustified otherwise; a lateness adds its minutes. One present half-day is always there."""
    status, justification, minutes = KINDS[kind]
    records = [AttendanceRecord(status=AttendanceStatus.PRESENT)] + [
        AttendanceRecord(status=status, justification=justification, minutes_late=minutes) for _ in range(count)
    ]

    totals = statement_totals(records)

    expected = dict.fromkeys(KINDS, 0) | {"present": 1}
    expected[kind] += count
    assert {name: getattr(totals, name) for name in KINDS} == expected
    assert totals.recorded == count + 1
    assert totals.late_minutes == (10 * count if kind == "late" else 0)
    assert totals.absent == expected["absent_justified"] + expected["absent_pending"] + expected["absent_unjustified"]


NINTH, TENTH = date(2026, 11, 9), date(2026, 11, 10)


def half_days(apprentice):
    for day in (NINTH, TENTH):
        AttendanceRecordFactory(apprentice=apprentice, day=day, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT)


def test_the_sessions_signed_are_the_apprentices_own_by_day_then_start_time():
    ana = ApprenticeFactory()
    half_days(ana)
    tenth_morning = signed_session(ana, TENTH, time(9, 0), time(12, 0))  # written first
    ninth_afternoon = signed_session(ana, NINTH, time(14, 0), time(17, 0))
    ninth_morning = signed_session(ana, NINTH, time(9, 0), time(12, 0))  # written last
    signed_session(ApprenticeFactory(cohort=ana.cohort), NINTH, time(10, 0), time(11, 0))  # a classmate's signature

    statement = attendance_statement(CoordinatorFactory(), ana, first=FIRST, last=LAST)

    assert [signature.session for signature in statement.signatures] == [ninth_morning, ninth_afternoon, tenth_morning]
    assert statement.signed_hours_display == "9\u00a0h\u00a000"


def test_the_statement_query_count_does_not_grow_with_the_sessions_signed():
    coordinator = CoordinatorFactory()

    def queries(sessions: int) -> int:
        apprentice = ApprenticeFactory()
        half_days(apprentice)
        for hour in range(sessions):
            signed_session(apprentice, NINTH, time(8 + hour, 0), time(9 + hour, 0))
        with CaptureQueriesContext(connection) as captured:
            statement = attendance_statement(coordinator, apprentice, first=FIRST, last=LAST)
            trainers = [signature.session.trainer_id for signature in statement.signatures]
        assert len(trainers) == sessions
        return len(captured)

    assert queries(1) == queries(2) == queries(3)
