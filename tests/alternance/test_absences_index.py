"""One apprentice's absences and lateness are read along ``attendance_absences_idx`` (issue 18 §2):
the extranet homes and pages read the latest ones of an apprentice (or of an employer's apprentices)
without the present half-days, nine tenths of the register."""

from datetime import date, timedelta

import pytest
from django.db import connection

from alternance import access
from alternance.choices import AttendanceStatus
from alternance.extranet import selectors
from alternance.models import AttendanceRecord
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.web import make_world

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plan PostgreSQL"),
]


def plan_of(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would be scanned anyway
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("who", ["apprentice_user", "employer_user"])
def test_the_latest_absences_of_the_extranet_read_the_absences_index(who):
    world = make_world()
    for offset in range(6):
        status = AttendanceStatus.ABSENT if offset % 3 == 0 else AttendanceStatus.PRESENT
        AttendanceRecordFactory(apprentice=world.a.apprentice, day=date(2026, 11, 2) + timedelta(days=offset), status=status)
    user = getattr(world.a, who)
    with access.request_keys(user.pk):  # as in a request: an employer's contract keys read first
        records = access.visible(user, AttendanceRecord).filter(status__in=selectors.ABSENCE_STATUSES)
        if who == "apprentice_user":
            records = records.filter(apprentice=world.a.apprentice)

        assert "attendance_absences_idx" in plan_of(records.order_by("-day", "half", "pk")[:5])
        assert records.count() == 3  # the world has one already
