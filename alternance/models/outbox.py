"""The transactional outbox (issue 17 §1): what a service wants done outside the request — start a
background task, send an e-mail — is a row written in the same transaction as the data. Once the
transaction commits, ``alternance.outbox`` tries to hand it over at once; if the broker (Redis) does
not answer, the row stays queued and the dispatcher (every minute) tries again with a backoff. So an
action never fails because the broker is down, and nothing is lost when it is.

Why our own two tables rather than django-post-office: the outbox must hold the task intents as
well as the e-mails, with one dispatcher, one retry rule and one « en attente » state for both; and
post-office, when it uses Celery, itself publishes its send task on commit — the very call that
blocks and raises with Redis down. Two small models keep the whole mechanism readable here.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alternance.choices import OutboxStatus


class OutboxEntry(models.Model):
    """What every outbox row carries: its state, the attempts made and when the next one is due."""

    status = models.CharField(_("état"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_try_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        abstract = True


class TaskIntent(OutboxEntry):
    """A background task to start: its registered name and keyword arguments. ``sent`` = accepted
    by the broker (the job row it concerns then follows its own state)."""

    name = models.CharField(_("tâche"), max_length=100)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    # apply_async options (a predictable task_id…), JSON-ready.
    options = models.JSONField(_("options"), default=dict, blank=True)
    # name + sorted kwargs: lets a job page ask whether its task is still waiting for the broker.
    key = models.CharField(_("clé"), max_length=255, db_index=True)

    class Meta:
        verbose_name = _("tâche à lancer")
        verbose_name_plural = _("tâches à lancer")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_try_at"], name="task_intent_due")]
        constraints = [models.CheckConstraint(condition=models.Q(status__in=OutboxStatus.values), name="task_intent_status_valid")]

    def __str__(self) -> str:
        return f"{self.name} {self.kwargs} ({self.get_status_display()})"


class OutgoingEmail(OutboxEntry):
    """An e-mail to send. ``sent`` is set in the same transaction as the SMTP send, with a
    compare-and-set from ``queued``: a row handed to two workers is still sent once."""

    subject = models.CharField(_("objet"), max_length=255)
    body = models.TextField(_("texte"))
    html_body = models.TextField(_("version HTML"), blank=True)
    to = models.JSONField(_("destinataires"), default=list)

    class Meta:
        verbose_name = _("e-mail à envoyer")
        verbose_name_plural = _("e-mails à envoyer")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_try_at"], name="outgoing_email_due")]
        constraints = [models.CheckConstraint(condition=models.Q(status__in=OutboxStatus.values), name="outgoing_email_status_valid")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)} ({self.get_status_display()})"
