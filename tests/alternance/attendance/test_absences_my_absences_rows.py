"""« Mes absences » (issue 6): the apprentice's own absences and lateness, latest day first and the
afternoon before the morning — never a presence, never another apprentice's, and nothing for a staff
account even when its scope holds the records."""

from datetime import date

import pytest

from alternance.attendance.services import my_absences
from alternance.choices import AttendanceStatus, HalfDay
from tests.factories.alternance import (
    ApprenticeFactory,
    ApprenticeUserFactory,
    AttendanceRecordFactory,
    CoordinatorFactory,
)

pytestmark = pytest.mark.django_db


def test_my_absences_own_rows_latest_first_afternoon_before_morning():
    own = ApprenticeUserFactory()
    ana = ApprenticeFactory(user=own)
    other = ApprenticeFactory(cohort=ana.cohort, user=ApprenticeUserFactory())
    rows = [
        (date(2026, 11, 23), HalfDay.AFTERNOON, AttendanceStatus.ABSENT),  # recorded before the morning
        (date(2026, 11, 24), HalfDay.MORNING, AttendanceStatus.LATE),
        (date(2026, 11, 23), HalfDay.MORNING, AttendanceStatus.ABSENT),
        (date(2026, 11, 30), HalfDay.MORNING, AttendanceStatus.ABSENT),
        (date(2026, 11, 24), HalfDay.AFTERNOON, AttendanceStatus.PRESENT),  # a presence: not listed
    ]
    for day, half, status in rows:
        AttendanceRecordFactory(apprentice=ana, day=day, half=half, status=status,
                                minutes_late=10 if status == AttendanceStatus.LATE else 0)
    AttendanceRecordFactory(apprentice=other, day=date(2026, 11, 25), status=AttendanceStatus.ABSENT)

    assert [(record.day, record.half) for record in my_absences(own)] == [
        (date(2026, 11, 30), "am"),
        (date(2026, 11, 24), "am"),
        (date(2026, 11, 23), "pm"),
        (date(2026, 11, 23), "am"),
    ]


def test_a_staff_account_has_no_absences_of_its_own():
    AttendanceRecordFactory(status=AttendanceStatus.ABSENT)

    assert list(my_absences(CoordinatorFactory())) == []
