"""The monthly statement's selector at its limits (issue 6): the half-days from the month's first
to its last day (not the day before nor the day after, not another apprentice's), the contracts
overlapping the month by one day at either end and under which the apprentice worked
(``PERFORMED_CONTRACT_STATUSES``: not drafts, not refused by the OPCO), ordered by start."""

from datetime import date

import pytest

from alternance.attendance.services import attendance_statement, month_bounds
from alternance.choices import AttendanceStatus, HalfDay
from contracts.choices import ContractStatus, RuptureKind
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory, CoordinatorFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)


def contract(apprentice, start, end, status=ContractStatus.IN_PROGRESS, **extra):
    return ContractFactory(apprentice=apprentice, start_date=start, end_date=end, practical_training_start_date=None,
                           training_start_date=start, signature_date=start, status=status, **extra)


def test_the_statement_holds_the_half_days_of_the_month_only():
    ana, other = ApprenticeFactory(last_name="Ana"), ApprenticeFactory(last_name="Autre")
    for day in (date(2026, 10, 31), FIRST, LAST, date(2026, 12, 1)):
        AttendanceRecordFactory(apprentice=ana, day=day, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)
    AttendanceRecordFactory(apprentice=ana, day=FIRST, half=HalfDay.AFTERNOON, status=AttendanceStatus.PRESENT)
    AttendanceRecordFactory(apprentice=other, day=FIRST, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)

    statement = attendance_statement(CoordinatorFactory(), ana, first=FIRST, last=LAST)

    assert [(record.day, record.half) for record in statement.records] == [(FIRST, "am"), (FIRST, "pm"), (LAST, "am")]
    assert (statement.totals.recorded, statement.totals.absent, statement.totals.present) == (3, 2, 1)
    assert statement.month == FIRST
    assert statement.restricted_to_contract is False


def test_the_statement_lists_the_contracts_overlapping_the_month_by_one_day():
    ana = ApprenticeFactory()
    contract(ana, date(2025, 9, 1), date(2026, 10, 31), status=ContractStatus.ENDED)  # ends the day before: out
    ended_on_first = contract(ana, date(2025, 9, 2), FIRST, status=ContractStatus.ENDED)
    broken = contract(ana, date(2026, 11, 10), date(2027, 8, 31), status=ContractStatus.BROKEN,
                      rupture_date=date(2026, 11, 20), rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    starts_on_last = contract(ana, LAST, date(2028, 8, 31))
    contract(ana, date(2026, 12, 1), date(2028, 8, 31))  # starts the day after: out
    contract(ana, date(2026, 11, 5), date(2028, 8, 31), status=ContractStatus.DRAFT)
    contract(ana, date(2026, 11, 6), date(2028, 8, 31), status=ContractStatus.REFUSED)
    contract(ana, date(2026, 11, 7), date(2028, 8, 31), status=ContractStatus.AWAITING_SIGNATURES)
    contract(ApprenticeFactory(), FIRST, LAST)  # another apprentice's

    statement = attendance_statement(CoordinatorFactory(), ana, first=FIRST, last=LAST)

    assert statement.contracts == [ended_on_first, broken, starts_on_last]


@pytest.mark.parametrize(("year", "month", "bounds"), [
    (2026, 1, (date(2026, 1, 1), date(2026, 1, 31))),
    (2026, 11, (date(2026, 11, 1), date(2026, 11, 30))),
    (2026, 12, (date(2026, 12, 1), date(2026, 12, 31))),
    (2027, 2, (date(2027, 2, 1), date(2027, 2, 28))),
    (2026, 0, None),
    (2026, 13, None),
    (0, 5, None),
    (10000, 1, None),
])
def test_month_bounds_at_the_limits(year, month, bounds):
    assert month_bounds(year, month) == bounds
