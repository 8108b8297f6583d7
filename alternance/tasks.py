"""Background tasks of the core app. Thin and safe to re-run (style §9)."""

import logging
import smtplib

from celery import shared_task
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


@shared_task(
    name="alternance.send_email",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_email(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> int:
    """Send one email outside the request (password reset, invitations, notifications).

    Retried with backoff on transient SMTP / network errors only; returns the number sent.
    """
    sent = send_mail(subject, body, None, to, html_message=html_body)
    logger.info("email sent", extra={"subject": subject, "recipients": len(to)})
    return sent


@shared_task(name="alternance.notify_employer_of_absences")
def notify_employer_of_absences(*, record_ids: list[int]) -> int:
    """Email the employer's contacts about each new unjustified absence (issue 6 §3). Safe to re-run:
    a record is notified once (``employer_notified_at``); a record gone or justified meanwhile is
    skipped. Returns the number of absences reported."""
    from alternance.absences import absence_employer_notify  # the service imports this module's send_email

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
    from datetime import timedelta

    from django.utils import timezone

    from alternance.tallies import NIGHTLY_DAYS, tally_refresh_days

    today = timezone.localdate()
    return tally_refresh_days(start=today - timedelta(days=NIGHTLY_DAYS), end=today)
