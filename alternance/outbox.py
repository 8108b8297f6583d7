"""The transactional outbox (issue 17 §1): start a task or send an e-mail without ever failing the
action because the broker (Redis) is down, and without losing either when it is.

``enqueue`` and ``email_queue`` write a row (``TaskIntent``, ``OutgoingEmail``) in the caller's
transaction, so the intent commits with the data or not at all. Once the transaction commits they
try to hand it to Celery at once, with a short broker timeout and no retry loop (settings); if the
broker does not answer, the row stays « en attente » and nothing is raised to the view. The
dispatcher (``dispatch_outbox``: Celery beat every minute, and the ``dispatch_outbox`` command)
hands the queued rows over when the broker answers again, with an exponential backoff.

An e-mail stays queued until it is actually sent: ``email_deliver`` marks it sent with a
compare-and-set in the same transaction as the SMTP send, so a row handed over twice (dispatcher
and request, or a message redelivered by Redis) is sent once. If the broker loses the message, the
dispatcher hands the row over again after ``OUTBOX_EMAIL_RESEND_AFTER``.

With ``task_always_eager`` (tests, local runs without REDIS_URL), handing over runs the task in the
process: the outbox delivers at once, as before.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from alternance.choices import OutboxStatus
from alternance.models import OutgoingEmail, TaskIntent

logger = logging.getLogger(__name__)

DELIVER_EMAIL_TASK = "alternance.deliver_email"

# After a failed hand-over, the requests of the next few seconds do not wait for the broker again:
# they leave their rows queued for the dispatcher (a page must not pay a connect timeout per click).
_broker_down_until = 0.0


def intent_key(name: str, kwargs: dict) -> str:
    """``alternance.export_tdb:{"export_id":5}``: what a job page looks its waiting task up by."""
    return f"{name}:{json.dumps(kwargs, sort_keys=True, separators=(',', ':'))}"[:255]


def _celery():
    from alternance.celery import app

    return app


def _eager() -> bool:
    return bool(_celery().conf.task_always_eager)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed ones: 30 s, 1 min, 2 min… up to 1 hour."""
    base, cap = settings.OUTBOX_BACKOFF_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


# --- writing the intents (in the caller's transaction) -------------------------------------------------


def enqueue(name: str, /, *, kwargs: dict, **options) -> TaskIntent:
    """Record that the task registered under ``name`` must run with ``kwargs``, and start it once
    the caller's transaction commits (or leave it queued for the dispatcher if the broker is down).

    A service starts its own task through this function rather than by importing its task module,
    which imports the service: the two modules import in one direction only (house style). Call it
    inside the transaction that writes the data — not in ``on_commit``: the row must commit with
    the data. ``options`` go to ``apply_async`` (``task_id``…) and must be JSON-ready.
    """
    now = timezone.now()
    intent = TaskIntent.objects.create(
        name=name, kwargs=kwargs, options=options, key=intent_key(name, kwargs),
        # Until the commit hands it over, the dispatcher leaves it alone (a lease, not a retry).
        next_try_at=now + timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS), created_at=now,
    )
    transaction.on_commit(lambda: _hand_over_after_commit(TaskIntent, intent.pk))
    return intent


def email_queue(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> OutgoingEmail:
    """Record an e-mail in the caller's transaction; it is sent once that transaction commits.

    The one way the product sends e-mail (invitations, password resets, notifications, digests).
    """
    now = timezone.now()
    email = OutgoingEmail.objects.create(
        subject=subject[:255], body=body, html_body=html_body or "", to=list(to),
        next_try_at=now + timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS), created_at=now,
    )
    transaction.on_commit(lambda: _hand_over_after_commit(OutgoingEmail, email.pk))
    return email


def email_queue_many(emails: list[dict]) -> list[OutgoingEmail]:
    """``email_queue`` for many e-mails at once (``subject``, ``body``, ``to``, ``html_body``): one
    INSERT, so a service deciding on a selection keeps a query count that does not grow with it."""
    now = timezone.now()
    rows = OutgoingEmail.objects.bulk_create([
        OutgoingEmail(
            subject=email["subject"][:255], body=email["body"], html_body=email.get("html_body") or "", to=list(email["to"]),
            next_try_at=now + timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS), created_at=now,
        )
        for email in emails
    ])
    pks = [row.pk for row in rows]
    transaction.on_commit(lambda: [_hand_over_after_commit(OutgoingEmail, pk) for pk in pks])
    return rows


# --- handing over to Celery ------------------------------------------------------------------------------


def _hand_over_after_commit(model: type[Model], pk: int) -> None:
    """The on-commit hand-over: never raises (the data is committed; the dispatcher will retry)."""
    if not _eager() and time.monotonic() < _broker_down_until:
        logger.info("broker recently down: %s %s left queued for the dispatcher", model.__name__, pk)
        return
    row = model.objects.filter(pk=pk, status=OutboxStatus.QUEUED).first()
    if row is not None:
        _hand_over(row, now=timezone.now())


def _apply(name: str, kwargs: dict, options: dict):
    app = _celery()
    if name not in app.tasks:
        # In a web process the task modules are imported on demand: register the autodiscovered ones.
        app.loader.import_default_modules()
    # retry=False: one attempt with the short connect timeout of the settings, no 19-second loop.
    # ignore_result: the outcome is recorded on the rows themselves; publishing must not also
    # subscribe to the result backend (one more Redis connection that could hang).
    return app.tasks[name].apply_async(kwargs=kwargs, retry=False, ignore_result=True, **options)


def _hand_over(row: TaskIntent | OutgoingEmail, *, now: datetime) -> bool:
    """Publish one row's task. True when the broker took it (or the eager task ran)."""
    global _broker_down_until
    is_email = isinstance(row, OutgoingEmail)
    name, kwargs, options = (DELIVER_EMAIL_TASK, {"email_id": row.pk}, {}) if is_email else (row.name, row.kwargs, row.options)
    if _eager():
        # In-process run: a failure inside the task is the task's own (an e-mail records it on its
        # row); an exception here is a bug and must show in tests, as before the outbox.
        _apply(name, kwargs, options)
    else:
        try:
            _apply(name, kwargs, options)
        except Exception as error:  # whatever the broker client raises: the row waits, the page does not fail
            _broker_down_until = time.monotonic() + settings.OUTBOX_BROKER_PAUSE_SECONDS
            logger.warning("broker did not take %s %s: %s", type(row).__name__, row.pk, error)
            record_failure(type(row), row.pk, error, now=now)
            return False
        _broker_down_until = 0.0  # the broker answers again: requests hand their rows over at once
    if is_email and not _eager():
        # Sent is set by the delivery itself; if the broker lost the message, hand it over again later.
        OutgoingEmail.objects.filter(pk=row.pk, status=OutboxStatus.QUEUED).update(
            next_try_at=now + timedelta(seconds=settings.OUTBOX_EMAIL_RESEND_AFTER_SECONDS)
        )
    else:
        TaskIntent.objects.filter(pk=row.pk, status=OutboxStatus.QUEUED).update(status=OutboxStatus.SENT, sent_at=now, last_error="")
    return True


def record_failure(model: type[Model], pk: int, error: BaseException, *, now: datetime) -> None:
    """Count a failed try and schedule the next one. An e-mail gives up after ``OUTBOX_MAX_ATTEMPTS``
    (shown « en échec »); a task never does: a job must start whenever the broker is back."""
    row = model.objects.filter(pk=pk, status=OutboxStatus.QUEUED).first()
    if row is None:
        return
    attempts = row.attempts + 1
    fields = {"attempts": F("attempts") + 1, "last_error": f"{type(error).__name__}: {error}"[:2000], "next_try_at": now + backoff(attempts)}
    if model is OutgoingEmail and attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        fields["status"] = OutboxStatus.FAILED
        logger.error("e-mail %s given up after %s attempts: %s", pk, attempts, error)
    model.objects.filter(pk=pk, status=OutboxStatus.QUEUED).update(**fields)


# --- delivering an e-mail (run by the task) ----------------------------------------------------------------


def email_deliver(*, email_id: int, now: datetime | None = None) -> bool:
    """Send one queued e-mail. Idempotent: ``queued → sent`` is a compare-and-set in the same
    transaction as the send, so a second delivery of the same row finds it sent and sends nothing;
    a failed send rolls the mark back and records the error (the dispatcher retries with backoff)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            taken = OutgoingEmail.objects.filter(pk=email_id, status=OutboxStatus.QUEUED).update(
                status=OutboxStatus.SENT, sent_at=now, last_error=""
            )
            if not taken:
                logger.info("e-mail %s already sent or given up", email_id)
                return False
            email = OutgoingEmail.objects.get(pk=email_id)
            send_mail(email.subject, email.body, None, email.to, html_message=email.html_body or None)
    except Exception as error:  # SMTP refused, network down…: the row is queued again, with its error
        logger.warning("e-mail %s not sent: %s", email_id, error)
        record_failure(OutgoingEmail, email_id, error, now=now)
        return False
    logger.info("email sent", extra={"email_id": email_id, "recipients": len(email.to)})
    return True


# --- the dispatcher ------------------------------------------------------------------------------------------


@dataclass
class DispatchReport:
    tasks: int = 0  # task intents handed to the broker
    emails: int = 0  # e-mails handed over (sent at once when eager)
    broker_down: bool = False


def dispatch_outbox(*, now: datetime | None = None, limit: int = 500) -> DispatchReport:
    """Hand the due queued rows to Celery, oldest first. Each row is claimed with a compare-and-set
    on its ``next_try_at`` so two dispatchers never publish it together; the round stops at the
    first broker failure (the rest stays due for the next round)."""
    now = now or timezone.now()
    report = DispatchReport()
    lease = timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS)
    for model, counter in ((TaskIntent, "tasks"), (OutgoingEmail, "emails")):
        due = list(model.objects.filter(status=OutboxStatus.QUEUED, next_try_at__lte=now).order_by("next_try_at", "pk")[:limit])
        for row in due:
            claimed = model.objects.filter(pk=row.pk, status=OutboxStatus.QUEUED, next_try_at=row.next_try_at).update(
                next_try_at=now + lease
            )
            if not claimed:
                continue
            if not _hand_over(row, now=now):
                report.broker_down = True
                return report
            setattr(report, counter, getattr(report, counter) + 1)
    return report


# --- what a job page shows -------------------------------------------------------------------------------


def task_waiting(name: str, kwargs: dict) -> bool:
    """Whether a task for these arguments is still waiting for the broker (the page says so)."""
    return TaskIntent.objects.filter(key=intent_key(name, kwargs), status=OutboxStatus.QUEUED).exists()
