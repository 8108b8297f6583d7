"""Background tasks of the alerts app. Thin and safe to re-run (style §9)."""

import logging
from datetime import date

from celery import shared_task
from django.db import IntegrityError, InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from alerts import services

logger = logging.getLogger(__name__)


@shared_task(
    name="alerts.run_nightly_checks",
    autoretry_for=(OperationalError, InterfaceError, BrokerOperationalError, ConnectionError, TimeoutError),
    retry_backoff=60,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
    # Idempotent (reconciliation), so a message lost with a dying worker may be delivered again.
    acks_late=True,
)
def run_nightly_checks(*, today: str | None = None) -> dict:
    """Run every alert rule for ``today`` (ISO date; default: the local date in Europe/Paris).

    The service takes the lock, records the run and reconciles the alerts; running it twice the
    same night raises nothing new. Retried with backoff on transient database / broker errors only.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    report = services.nightly_run(today=day, trigger="task")
    logger.info("nightly checks %s for %s", report.status, day.isoformat())
    return {"run_id": report.run.pk if report.run else None, "status": report.status, "counts": report.counts}


@shared_task(
    name="alerts.reevaluate_subject",
    # IntegrityError: the nightly run raised the same alert meanwhile (one open alert per rule and
    # subject); the retry finds it open and keeps it.
    autoretry_for=(OperationalError, InterfaceError, IntegrityError, BrokerOperationalError, ConnectionError, TimeoutError),
    retry_backoff=10,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,  # idempotent (reconciliation)
)
def reevaluate_subject(*, rules: list[str], subject_model: str, subject_ids: list[int]) -> dict:
    """Re-evaluate ``rules`` for the subjects ``subject_ids`` of ``subject_model`` ("app_label.model")
    after a write changed their facts (see alerts.triggers), for today in Europe/Paris.

    Safe to re-run; a subject deleted meanwhile simply has no finding (its open alerts resolve).
    """
    day = timezone.localdate()
    outcomes = services.subjects_reevaluate(rule_codes=rules, subject_model=subject_model, subject_ids=subject_ids, today=day)
    return {outcome.code: outcome.as_dict() for outcome in outcomes}


@shared_task(
    name="alerts.send_daily_digests",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=3,
)
def send_daily_digests() -> dict:
    """Email each staff member the alerts new for them since the last digest (see alerts.digest).

    Safe to re-run: a second digest starts where the previous one ended, so it sends nothing twice.
    """
    from alerts import digest

    report = digest.send_daily_digests()
    logger.info("alert digest sent to %d people", len(report.sent_to))
    return {"sent": len(report.sent_to), "since": report.since.isoformat(), "until": report.until.isoformat()}
