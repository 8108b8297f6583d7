"""Attendance tallies per cohort and day (``AttendanceTally``): the register summed, so that the
dashboard reads a few thousand rows instead of scanning the register.

Every service that writes the register refreshes the (cohort, day) pairs it touched; the demo
loader refreshes what it bulk-inserted; the nightly run refreshes the last ``NIGHTLY_DAYS`` days
whatever happened meanwhile (an apprentice moved to another cohort, a row edited in the admin
site). The tallies count statuses only: a justification does not change them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Count, Q

from alternance.choices import AttendanceStatus
from alternance.models import AttendanceRecord, AttendanceTally

ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
# The dashboard looks 58 days back (a 30-day window and the same window 4 weeks earlier).
NIGHTLY_DAYS = 70


def _sums(records) -> list[AttendanceTally]:
    rows = (
        records.order_by()
        .values("apprentice__cohort_id", "day")
        .annotate(recorded=Count("day"), attended=Count("day", filter=Q(status__in=ATTENDED_STATUSES)))
    )
    return [
        AttendanceTally(cohort_id=row["apprentice__cohort_id"], day=row["day"], recorded=row["recorded"], attended=row["attended"])
        for row in rows
    ]


@transaction.atomic
def tally_refresh_pairs(pairs: Iterable[tuple[int, date]]) -> int:
    """Recompute the tallies of these (cohort id, day) pairs (a register session, one entry). Two
    queries and an upsert whatever the number of records; a pair left without records loses its
    tally. Returns the number of tallies written."""
    by_day: dict[date, set[int]] = defaultdict(set)
    for cohort_id, day in pairs:
        by_day[day].add(cohort_id)
    if not by_day:
        return 0
    records, tallies = Q(), Q()
    for day, cohort_ids in by_day.items():
        records |= Q(day=day, apprentice__cohort_id__in=cohort_ids)
        tallies |= Q(day=day, cohort_id__in=cohort_ids)
    fresh = _sums(AttendanceRecord.objects.filter(records))
    kept = {(tally.cohort_id, tally.day) for tally in fresh}
    gone = [tally.pk for tally in AttendanceTally.objects.filter(tallies).only("cohort_id", "day") if (tally.cohort_id, tally.day) not in kept]
    if gone:
        AttendanceTally.objects.filter(pk__in=gone).delete()
    # An upsert: two people saving the same session at once must not collide on the unique pair.
    AttendanceTally.objects.bulk_create(
        fresh, update_conflicts=True, unique_fields=["cohort", "day"], update_fields=["recorded", "attended"]
    )
    return len(fresh)


@transaction.atomic
def tally_refresh_days(*, start: date, end: date) -> int:
    """Recompute every tally of the days in [start, end] (the demo loader, the nightly run)."""
    fresh = _sums(AttendanceRecord.objects.filter(day__gte=start, day__lte=end))
    AttendanceTally.objects.filter(day__gte=start, day__lte=end).delete()
    AttendanceTally.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh)
