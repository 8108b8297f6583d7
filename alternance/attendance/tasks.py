"""Background tasks of attendance: the employer's notice of new absences, the nightly tallies.
Thin and safe to re-run (style §9); task names unchanged since they lived in ``alternance.tasks``."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from alternance.attendance.services import absence_employer_notify
from alternance.attendance.tallies import NIGHTLY_DAYS, tally_refresh_days

logger = logging.getLogger(__name__)


@shared_task(name="alternance.notify_employer_of_absences")
def notify_employer_of_absences(*, record_ids: list[int]) -> int:
    """Email the employer's contacts about each new unjustified absence (issue 6 §3). Safe to re-run:
    a record is notified once (``employer_notified_at``); a record gone or justified meanwhile is
    skipped. Returns the number of absences reported."""
    reported = 0
    for record_id in record_ids:
        recipients = absence_employer_notify(record_id=record_id)
        if recipients:
            reported += 1
        else:
            logger.info("absence not reported to the employer", extra={"record_id": record_id})
    return reported


@shared_task(name="alternance.refresh_attendance_tallies")
def refresh_attendance_tallies() -> int:
    """Recompute the attendance tallies of the last weeks (the dashboard's window), whatever wrote
    the register meanwhile. Idempotent; returns the number of tallies written."""
    today = timezone.localdate()
    return tally_refresh_days(start=today - timedelta(days=NIGHTLY_DAYS), end=today)
