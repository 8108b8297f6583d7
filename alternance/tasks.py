"""Background tasks of the core app (the email every feature sends) and the dispatch function the
features start their own tasks with. Thin and safe to re-run (style §9)."""

import logging
import smtplib

from celery import shared_task
from celery.result import AsyncResult
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


def enqueue(name: str, /, *, kwargs: dict, **options) -> AsyncResult:
    """Start the task registered under ``name`` (e.g. ``"alternance.export_tdb"``) with ``kwargs``.

    A service starts its own task through this function rather than by importing its task module,
    which imports the service: the two modules import in one direction only (house style, "A feature
    is a package"). Unlike ``send_task``, the task is looked up in the app's registry and started with
    ``apply_async``, so the eager mode of tests and of local runs without ``REDIS_URL``
    (``task_always_eager``) still applies. ``options`` go to ``apply_async`` (``task_id``…).
    """
    from alternance.celery import app

    if name not in app.tasks:
        # In a web process the task modules are imported on demand: register the autodiscovered ones.
        app.loader.import_default_modules()
    return app.tasks[name].apply_async(kwargs=kwargs, **options)
