"""Background tasks of the core app: the e-mail every feature sends, the outbox dispatcher and the
reaper of jobs whose worker died. Thin and safe to re-run (style §9).

``enqueue`` (start a task by name) and ``email_queue`` live in ``alternance.outbox``; ``enqueue``
is re-exported here for the services that import it from this module.
"""

import logging

from celery import shared_task
from django.core.mail import send_mail

from alternance import jobs, outbox
from alternance.outbox import enqueue

__all__ = ["deliver_email", "dispatch_outbox", "enqueue", "reap_dead_jobs", "send_email"]

logger = logging.getLogger(__name__)


@shared_task(name="alternance.deliver_email", acks_late=True)
def deliver_email(*, email_id: int) -> bool:
    """Send one e-mail of the outbox (``alternance.outbox.email_deliver``: sent once, even if the
    message is delivered twice). Failures are recorded on the row; the dispatcher retries."""
    return outbox.email_deliver(email_id=email_id)


@shared_task(name="alternance.send_email")
def send_email(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> int:
    """Kept for the messages already in the broker when the outbox was deployed: new code calls
    ``alternance.outbox.email_queue``, which keeps the e-mail in the database until it is sent."""
    sent = send_mail(subject, body, None, to, html_message=html_body)
    logger.info("email sent", extra={"subject": subject, "recipients": len(to)})
    return sent


@shared_task(name="alternance.dispatch_outbox", ignore_result=True)
def dispatch_outbox() -> dict:
    """Every minute (beat): hand the queued tasks and e-mails to the broker."""
    report = outbox.dispatch_outbox()
    return {"tasks": report.tasks, "emails": report.emails, "broker_down": report.broker_down}


@shared_task(name="alternance.reap_dead_jobs", ignore_result=True)
def reap_dead_jobs() -> int:
    """Every minute (beat): mark failed the running jobs whose worker died (stale heartbeat)."""
    return len(jobs.jobs_reap())
