"""The statement's attendance rate (as on the attendance certificate of ``contracts.pdf``): half-days
attended — present or late — over the half-days recorded, in % to one decimal rounded half up;
each absence counted once as justified (accepted), pending or unjustified (none or refused)."""

from decimal import Decimal

import pytest

from alternance.attendance.services import StatementTotals, statement_totals
from alternance.choices import AttendanceStatus, JustificationStatus
from alternance.models import AttendanceRecord


@pytest.mark.parametrize(("present", "late", "recorded", "rate", "display"), [
    (1, 0, 16, Decimal("6.3"), "6,3\u00a0%"),  # 6.25: half up, not half even
    (0, 3, 16, Decimal("18.8"), "18,8\u00a0%"),  # 18.75, lateness counted as attended
    (1, 1, 3, Decimal("66.7"), "66,7\u00a0%"),
    (2, 0, 2, Decimal("100.0"), "100,0\u00a0%"),
    (0, 0, 1, Decimal("0.0"), "0,0\u00a0%"),
])
def test_rate_half_up_to_one_decimal(present, late, recorded, rate, display):
    totals = StatementTotals(recorded=recorded, present=present, late=late)

    assert totals.rate == rate
    assert totals.rate_display == display


def test_no_half_day_recorded_has_no_rate():
    assert StatementTotals().rate is None
    assert StatementTotals().rate_display == "—"


def test_each_half_day_is_counted_once_in_its_box():
    records = [
        AttendanceRecord(status=AttendanceStatus.PRESENT),
        AttendanceRecord(status=AttendanceStatus.LATE, minutes_late=10),
        AttendanceRecord(status=AttendanceStatus.LATE, minutes_late=25, justification=JustificationStatus.ACCEPTED),
        AttendanceRecord(status=AttendanceStatus.ABSENT, justification=JustificationStatus.ACCEPTED),
        AttendanceRecord(status=AttendanceStatus.ABSENT, justification=JustificationStatus.PENDING),
        AttendanceRecord(status=AttendanceStatus.ABSENT, justification=JustificationStatus.REFUSED),
        AttendanceRecord(status=AttendanceStatus.ABSENT, justification=JustificationStatus.NONE),
    ]

    totals = statement_totals(records)

    assert totals == StatementTotals(recorded=7, present=1, absent_justified=1, absent_unjustified=2, absent_pending=1,
                                     late=2, late_minutes=35)
    assert totals.absent == 4
