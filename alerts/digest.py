"""The daily email digest of alerts: to each staff member, what is new for them since the last digest.

New for a person, within what the access policy lets them see, among the alerts still open:
- the alerts *assigned to them* since the last digest (an "assigned" event in the window);
- for tutors and CREs, the alerts *suggested for them* by a rule, raised in the window and not yet
  given to anyone;
- the other alerts *raised* in the window in their scope (for the coordinator: all of them, to triage).

"Since the last digest": each digest is recorded (a ``DigestRun`` row,
its counts and recipients: no new table for it), and the next one starts where it ended, at most
24 hours back. A second digest the same day therefore finds nothing new and sends nothing; a
person with nothing new gets no email.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus
from alerts.models import Alert, AlertEvent, DigestRun
from alerts.selectors import SEVERITY_RANK
from alternance import access
from alternance.choices import STAFF_ROLES, Role
from alternance.models import User

MAX_WINDOW = timedelta(hours=24)


@dataclass
class Digest:
    user: User
    assigned: list[Alert] = field(default_factory=list)
    suggested: list[Alert] = field(default_factory=list)
    raised: list[Alert] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.assigned) + len(self.suggested) + len(self.raised)


@dataclass
class DigestReport:
    since: datetime
    until: datetime
    sent_to: list[str] = field(default_factory=list)
    run: DigestRun | None = None


def digest_window(*, now: datetime) -> tuple[datetime, datetime]:
    """From the end of the last digest (at most 24 hours back) to ``now``."""
    last = DigestRun.objects.filter(window_end__lte=now).order_by("-window_end", "-pk").first()
    since = now - MAX_WINDOW
    if last is not None and last.window_end > since:
        since = last.window_end
    return since, now


def _news(*, since: datetime, until: datetime) -> list[Alert]:
    """Every open alert that may be news to someone in [since, until), most severe first: one query.

    Raised in the window, or assigned in the window (``assigned_in_window``); annotated with what the
    access policy needs to decide, in Python, who may see each one (``access.alert_in_scope``).
    """
    assigned_in_window = AlertEvent.objects.filter(
        alert=OuterRef("pk"), to_status=AlertStatus.ASSIGNED, created_at__gte=since, created_at__lt=until
    )
    alerts = (
        Alert.objects.filter(status__in=OPEN_ALERT_STATUSES)
        .annotate(assigned_in_window=Exists(assigned_in_window), severity_rank=SEVERITY_RANK)
        .filter(Q(raised_at__gte=since, raised_at__lt=until) | Q(assigned_in_window=True))
        .order_by("-severity_rank", "-raised_at", "-pk")
    )
    return list(access.with_alert_scope_keys(alerts))


def digest_for(user: User, news: list[Alert], *, since: datetime, until: datetime) -> Digest:
    """What is new for ``user`` among ``news`` (see ``_news``), without a query.

    Each alert appears once, in the first section that applies: assigned to the person in the window;
    else (tutors and CREs) suggested for them by its rule, raised in the window and not yet given to
    anyone; else raised in the window in their scope.
    """
    digest = Digest(user=user)
    suggestible = user.role in (Role.TUTOR, Role.CRE)
    for alert in news:
        if not access.alert_in_scope(user, alert):
            continue
        if alert.assigned_in_window and alert.assignee_id == user.pk:
            digest.assigned.append(alert)
        elif not since <= alert.raised_at < until:
            continue
        elif suggestible and alert.suggested_assignee_id == user.pk and alert.assignee_id is None:
            digest.suggested.append(alert)
        else:
            digest.raised.append(alert)
    return digest


def _line(alert: Alert) -> str:
    url = settings.SITE_URL.rstrip("/") + reverse("alerts:alert_detail", args=[alert.pk])
    return f"- [{alert.get_severity_display()}] {alert.title} — {alert.subject_label}\n  {url}"


def render_digest(digest: Digest, *, since: datetime, until: datetime) -> tuple[str, str]:
    """French subject and plain-text body of one digest, with links built from SITE_URL."""
    day = timezone.localtime(until).strftime("%d/%m/%Y")
    subject = ngettext(
        "Alertes : %(count)d nouveauté pour vous (%(day)s)", "Alertes : %(count)d nouveautés pour vous (%(day)s)", digest.count,
    ) % {"count": digest.count, "day": day}
    name = digest.user.first_name or digest.user.get_full_name() or digest.user.email
    lines = [
        _("Bonjour %(name)s,") % {"name": name},
        "",
        _("Voici ce qui est nouveau pour vous dans les alertes depuis le %(since)s.")
        % {"since": timezone.localtime(since).strftime("%d/%m/%Y à %H:%M")},
    ]
    sections = (
        (_("Attribuées à vous"), digest.assigned),
        (_("Suggérées pour vous (en attente d'attribution par la coordination)"), digest.suggested),
        (_("Nouvelles alertes dans votre périmètre"), digest.raised),
    )
    for title, alerts in sections:
        if alerts:
            lines += ["", f"{title} ({len(alerts)})", *[_line(alert) for alert in alerts]]
    lines += [
        "",
        _("Toutes vos alertes ouvertes : %(url)s") % {"url": settings.SITE_URL.rstrip("/") + reverse("alerts:inbox")},
        "",
        _("Ce message est envoyé chaque matin par l'application Alternance ; il ne contient que les nouveautés."),
    ]
    return subject, "\n".join(lines)


def digest_recipients() -> QuerySet:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).exclude(email="").order_by("pk")


@transaction.atomic
def send_daily_digests(*, now: datetime | None = None) -> DigestReport:
    """Email each staff member what is new for them since the last digest, then record this digest.

    The emails are written to the outbox with the digest run and sent once it commits (retried by
    the dispatcher on SMTP errors); nobody receives an empty digest. A fixed number of queries
    whatever the number of recipients: the window, the news, the recipients, one INSERT of the
    emails, the run.
    """
    from alternance.outbox import email_queue_many

    now = now or timezone.now()
    since, until = digest_window(now=now)
    report = DigestReport(since=since, until=until)
    news = _news(since=since, until=until)
    emails = []
    for user in digest_recipients():
        digest = digest_for(user, news, since=since, until=until)
        if not digest.count:
            continue
        subject, body = render_digest(digest, since=since, until=until)
        emails.append({"subject": subject, "body": body, "to": [user.email]})
        report.sent_to.append(user.email)
    if emails:
        email_queue_many(emails)
    report.run = DigestRun.objects.create(
        window_start=since, window_end=until, emails_sent=len(report.sent_to), recipients=report.sent_to
    )
    return report
