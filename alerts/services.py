"""Writes of the alerts app: the nightly reconciliation of rule findings with the open alerts, the
nightly run with its lock and record, and the lifecycle of an alert (style §1, §6).

Reconciliation, per rule (idempotent, self-healing):
- a finding without an open alert raises one (status new, an AlertEvent), unless a person closed
  the alert for the same situation (same ``stage``) and the situation never cleared since;
- a finding with an open alert keeps it (facts, title, severity and suggestion refreshed, no new
  row — the partial unique constraint guarantees one open alert per rule and subject);
- an open alert without a finding is resolved automatically ("condition levée le …");
- a situation that comes back after a resolution raises a new alert whose ``previous`` and
  ``facts["history"]`` reference the earlier ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus, RunStatus
from alerts.models import DEFAULT_ASSIGNEE, Alert, AlertEvent, NightlyRun, RuleSettings
from alerts.rules import RULES, Finding, Rule, RuleContext, get_rules
from alternance import access
from alternance.choices import Role
from alternance.history.services import changes_between, record_bulk, record_update, system_actor
from alternance.models import User
from contracts.models import ContractSettings

logger = logging.getLogger(__name__)

CLOSED_STATUSES = (AlertStatus.RESOLVED, AlertStatus.DISMISSED)
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Key of the PostgreSQL advisory lock of the nightly run (any constant bigint, unique to this use).
NIGHTLY_LOCK_KEY = 4_242_001
# Without advisory locks (SQLite), a "running" row older than this is left by a killed process.
STALE_RUN_AFTER = timedelta(hours=3)
CHUNK = 2000
HISTORY_LENGTH = 5
ALERT_FIELDS_REFRESHED = ("title", "severity", "facts", "subject_label", "recommended_action", "suggested_assignee_id",
                          "apprentice_id", "company_id", "contract_id")


# --- reconciliation -------------------------------------------------------------------------------

@dataclass
class RuleOutcome:
    code: str
    raised: int = 0
    still_open: int = 0
    updated: int = 0
    resolved: int = 0
    suppressed: int = 0
    seconds: float = 0.0
    error: str = ""

    def as_dict(self) -> dict:
        return {"raised": self.raised, "still_open": self.still_open, "updated": self.updated, "resolved": self.resolved,
                "suppressed": self.suppressed, "seconds": round(self.seconds, 3), **({"error": self.error} if self.error else {})}


def _content_type(subject_model: str) -> ContentType:
    app_label, model = subject_model.split(".")
    return ContentType.objects.get_by_natural_key(app_label, model)  # cached by Django after the first call


def _facts(finding: Finding) -> dict:
    return {**finding.facts, "stage": finding.stage}


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for offset in range(0, len(values), size):
        yield values[offset:offset + size]


def _history(rule: Rule, content_type_id: int, subject_ids: list[int]) -> dict[int, list[dict]]:
    """Closed alerts of ``rule`` about the given subjects, latest first (a few queries by chunks)."""
    history: dict[int, list[dict]] = {}
    for chunk in _chunks(subject_ids):
        for row in (
            Alert.objects.filter(rule_code=rule.code, subject_type_id=content_type_id, subject_id__in=chunk, status__in=CLOSED_STATUSES)
            .order_by("subject_id", "-raised_at", "-pk")
            .values("pk", "subject_id", "status", "raised_at", "resolved_at", "resolution_reason", "auto_resolved")
        ):
            entries = history.setdefault(row["subject_id"], [])
            if len(entries) < HISTORY_LENGTH:
                entries.append({
                    "id": row["pk"], "status": row["status"], "raised_at": timezone.localtime(row["raised_at"]).date().isoformat(),
                    "closed_at": timezone.localtime(row["resolved_at"]).date().isoformat() if row["resolved_at"] else None,
                    "reason": row["resolution_reason"], "auto_resolved": row["auto_resolved"],
                })
    return history


def reconcile_rule(
    *, rule: Rule, findings: list[Finding], today: date, now: datetime, dry_run: bool = False,
    subjects: tuple[str, list[int]] | None = None,
) -> RuleOutcome:
    """Bring the alerts of ``rule`` in line with its ``findings`` (see the module docstring).

    A fixed number of queries per content type, plus bulk writes by batches. With ``dry_run`` the
    counts are computed and nothing is written.

    ``subjects`` (``("app_label.model", [ids])``) restricts the reconciliation to those subjects:
    findings about other subjects are ignored, and only the alerts of those subjects are read, kept
    or resolved — an alert of another subject is never resolved because a partial evaluation did
    not see it. The re-evaluation after a write uses it; the nightly run does not.
    """
    outcome = RuleOutcome(code=rule.code)
    alerts = Alert.objects.filter(rule_code=rule.code)
    scope: set[tuple[int, int]] | None = None
    if subjects is not None:
        type_id = _content_type(subjects[0]).pk
        scope = {(type_id, subject_id) for subject_id in subjects[1]}
        alerts = alerts.filter(subject_type_id=type_id, subject_id__in=sorted(subjects[1]))
    by_key: dict[tuple[int, int], Finding] = {}
    for finding in findings:
        key = (_content_type(finding.subject_model).pk, finding.subject_id)
        if scope is None or key in scope:
            by_key[key] = finding
    with transaction.atomic():
        open_alerts = {
            (alert.subject_type_id, alert.subject_id): alert
            for alert in alerts.filter(status__in=OPEN_ALERT_STATUSES).select_for_update()
        }
        # Alerts a person closed while the situation still held (not to be raised again as is).
        acknowledged = {
            (row["subject_type_id"], row["subject_id"]): row
            for row in alerts.filter(status__in=CLOSED_STATUSES, auto_resolved=False, condition_active=True)
            .order_by("raised_at", "pk").values("pk", "subject_type_id", "subject_id", "facts")
        }
        to_create: list[tuple[tuple[int, int], Finding]] = []
        to_update: list[Alert] = []
        refreshed: list[tuple[Alert, dict]] = []  # (alert, its changes) for the history of changes
        severity_changes: list[tuple[Alert, str]] = []
        cleared: list[int] = []
        for key, finding in by_key.items():
            alert = open_alerts.get(key)
            if alert is not None:
                outcome.still_open += 1
                facts = _facts(finding)
                if "history" in (alert.facts or {}):  # written when the alert was raised: kept, not refreshed away
                    facts["history"] = alert.facts["history"]
                new_values = {
                    "title": finding.title[:255], "severity": finding.severity, "facts": facts,
                    "subject_label": finding.label[:255], "recommended_action": finding.recommended_action,
                    "suggested_assignee_id": finding.suggested_assignee_id, "apprentice_id": finding.apprentice_id,
                    "company_id": finding.company_id, "contract_id": finding.contract_id,
                }
                if any(getattr(alert, name) != value for name, value in new_values.items()):
                    if alert.severity != finding.severity:
                        severity_changes.append((alert, alert.severity))
                    refreshed.append((alert, changes_between(alert, new_values)))
                    for name, value in new_values.items():
                        setattr(alert, name, value)
                    to_update.append(alert)
                continue
            closed = acknowledged.get(key)
            if closed is not None and (closed["facts"] or {}).get("stage") == finding.stage:
                outcome.suppressed += 1
                continue
            if closed is not None:
                cleared.append(closed["pk"])  # the situation changed stage: a new alert, the old one is history
            to_create.append((key, finding))
        to_resolve = [alert for key, alert in open_alerts.items() if key not in by_key]
        cleared += [row["pk"] for key, row in acknowledged.items() if key not in by_key]
        outcome.raised, outcome.updated, outcome.resolved = len(to_create), len(to_update), len(to_resolve)
        if dry_run:
            return outcome
        _resolve(rule, to_resolve, today=today, now=now)
        if cleared:
            for chunk in _chunks(cleared):
                Alert.objects.filter(pk__in=chunk).update(condition_active=False)
        if to_update:
            Alert.objects.bulk_update(to_update, ALERT_FIELDS_REFRESHED, batch_size=500)
            record_bulk(refreshed)
            AlertEvent.objects.bulk_create([
                AlertEvent(alert=alert, comment=_("Gravité réévaluée par la vérification du %(day)s : %(old)s → %(new)s.")
                           % {"day": today.strftime("%d/%m/%Y"), "old": old, "new": alert.severity})
                for alert, old in severity_changes
            ], batch_size=1000)
        _raise(rule, to_create, today=today, now=now)
    return outcome


def _raise(rule: Rule, to_create: list[tuple[tuple[int, int], Finding]], *, today: date, now: datetime) -> None:
    if not to_create:
        return
    histories: dict[tuple[int, int], list[dict]] = {}
    by_type: dict[int, list[int]] = {}
    for (type_id, subject_id), _finding in to_create:
        by_type.setdefault(type_id, []).append(subject_id)
    for type_id, subject_ids in by_type.items():
        for subject_id, entries in _history(rule, type_id, subject_ids).items():
            histories[(type_id, subject_id)] = entries
    alerts = []
    for key, finding in to_create:
        history = histories.get(key, [])
        facts = _facts(finding)
        if history:
            facts["history"] = history
        alerts.append(Alert(
            rule_code=rule.code, severity=finding.severity, subject_type_id=key[0], subject_id=key[1],
            subject_label=finding.label[:255], apprentice_id=finding.apprentice_id, company_id=finding.company_id,
            contract_id=finding.contract_id, title=finding.title[:255], facts=facts, recommended_action=finding.recommended_action,
            concerned_role=finding.concerned_role, status=AlertStatus.NEW, raised_at=now,
            suggested_assignee_id=finding.suggested_assignee_id, previous_id=history[0]["id"] if history else None,
        ))
    created = Alert.objects.bulk_create(alerts, batch_size=1000)
    record_bulk(((alert, None) for alert in created), action=LogEntry.Action.CREATE)
    events = []
    for alert in created:
        comment = _("Levée par la vérification du %(day)s.") % {"day": today.strftime("%d/%m/%Y")}
        if alert.previous_id:
            comment += " " + _("La situation revient : voir l'alerte n° %(pk)s.") % {"pk": alert.previous_id}
        events.append(AlertEvent(alert=alert, from_status="", to_status=AlertStatus.NEW, comment=comment))
    AlertEvent.objects.bulk_create(events, batch_size=1000)


def _resolve(rule: Rule, alerts: list[Alert], *, today: date, now: datetime) -> None:
    """Resolve open alerts whose condition disappeared: compare-and-set on the open statuses, by batches."""
    if not alerts:
        return
    reason = _("Condition levée le %(day)s : la règle « %(rule)s » ne constate plus la situation.") % {
        "day": today.strftime("%d/%m/%Y"), "rule": rule.title,
    }
    status_before = {alert.pk: alert.status for alert in alerts}
    values = {"status": AlertStatus.RESOLVED, "resolved_at": now, "resolution_reason": reason, "auto_resolved": True,
              "closed_by": None}
    for chunk in _chunks(list(status_before)):
        Alert.objects.filter(pk__in=chunk, status__in=OPEN_ALERT_STATUSES).update(condition_active=False, **values)
    record_bulk((alert, changes_between(alert, values)) for alert in alerts)
    AlertEvent.objects.bulk_create([
        AlertEvent(alert_id=pk, from_status=status, to_status=AlertStatus.RESOLVED, comment=reason)
        for pk, status in status_before.items()
    ], batch_size=1000)


# --- the nightly run -------------------------------------------------------------------------------

@dataclass
class RunReport:
    today: date
    status: str
    outcomes: list[RuleOutcome] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    run: NightlyRun | None = None
    dry_run: bool = False

    @property
    def counts(self) -> dict:
        return {outcome.code: outcome.as_dict() for outcome in self.outcomes}


def rule_context(today: date, *, subject_ids: frozenset[int] | None = None) -> RuleContext:
    """Thresholds as saved by staff, or the defaults — read without writing (dry runs write nothing).
    ``subject_ids`` restricts the scoped rules to those subjects (see ``RuleContext``)."""
    return RuleContext(
        today=today,
        settings=RuleSettings.objects.filter(pk=1).first() or RuleSettings(pk=1),
        contract_settings=ContractSettings.objects.filter(pk=1).first() or ContractSettings(pk=1),
        subject_ids=subject_ids,
    )


# --- re-evaluation after a write -------------------------------------------------------------------

def subjects_reevaluate(*, rule_codes: list[str], subject_model: str, subject_ids: list[int], today: date) -> list[RuleOutcome]:
    """Re-evaluate ``rule_codes`` for the given subjects only, with the nightly reconciliation
    restricted to them (``reconcile_rule(subjects=…)``): an alert whose condition a write removed is
    resolved at once, one whose condition it created is raised at once; the nightly run stays the
    safety net and agrees (same rules, same reconciliation).

    Called after the commit of the writes listed in ``alerts.triggers.WRITE_RULES``. A rule that
    honours ``RuleContext.subject_ids`` (``scoped``) reads only those subjects' rows: a fixed number
    of small queries whatever the size of the CFA. Another rule runs whole and its findings are
    filtered. A rule about another model than ``subject_model``, or an unknown code, is skipped.
    Safe to re-run: a second call finds the alerts already in line and writes nothing.
    """
    ids = sorted({int(pk) for pk in subject_ids})
    if not ids:
        return []
    selected = []
    for code in rule_codes:
        rule = RULES.get(code)
        if rule is None or rule.subject_model != subject_model:
            logger.warning("re-evaluation: rule %s does not apply to %s, skipped", code, subject_model)
            continue
        selected.append(rule)
    if not selected:
        return []
    scoped = rule_context(today, subject_ids=frozenset(ids))
    whole = replace(scoped, subject_ids=None)
    now = timezone.now()
    outcomes = []
    for rule in selected:
        findings = rule(scoped if rule.scoped else whole)
        outcomes.append(reconcile_rule(rule=rule, findings=findings, today=today, now=now, subjects=(subject_model, ids)))
    return outcomes


@contextmanager
def advisory_lock() -> Iterator[bool | None]:
    """``pg_try_advisory_lock`` on PostgreSQL (True/False: acquired or not); None elsewhere.

    A session lock: PostgreSQL releases it if the worker dies, so a crashed run never blocks the
    next one (the ``running`` row it left is then marked failed).
    """
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [NIGHTLY_LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [NIGHTLY_LOCK_KEY])
            except TRANSIENT_ERRORS:  # the connection is gone, and the session lock with it
                logger.warning("nightly lock: connection lost before unlocking")


def _skipped(today: date, trigger: str, reason: str) -> RunReport:
    now = timezone.now()
    run = NightlyRun.objects.create(started_at=now, finished_at=now, today=today, status=RunStatus.SKIPPED, trigger=trigger,
                                    errors=[{"rule": None, "error": reason}])
    logger.warning("nightly checks skipped: %s", reason)
    return RunReport(today=today, status=RunStatus.SKIPPED, run=run, errors=run.errors)


def _start(today: date, trigger: str, *, lock_held: bool | None) -> NightlyRun | None:
    """Insert the ``running`` row (the lock on every database). None if another run holds it."""
    now = timezone.now()
    stale = NightlyRun.objects.filter(status=RunStatus.RUNNING)
    if not lock_held:  # without the advisory lock we only know a row is stale by its age
        stale = stale.filter(started_at__lt=now - STALE_RUN_AFTER)
    stale.update(status=RunStatus.FAILED, finished_at=now, errors=[{"rule": None, "error": "Exécution interrompue (processus arrêté)."}])
    try:
        with transaction.atomic():
            return NightlyRun.objects.create(started_at=now, today=today, status=RunStatus.RUNNING, trigger=trigger)
    except IntegrityError:
        return None


def nightly_run(*, today: date, dry_run: bool = False, rules: list[str] | None = None, trigger: str = "task") -> RunReport:
    """Run every rule (or those named) for ``today`` and reconcile the alerts; record the run.

    Two runs never overlap: a run that cannot take the lock is recorded as skipped and does
    nothing. A rule that fails with a bug is recorded and the others still run (status partial);
    a transient database error stops the run (status failed) and propagates so the task retries.
    ``dry_run`` computes the counts and writes nothing, not even the run record.
    """
    selected = get_rules(rules)
    if dry_run:
        report = RunReport(today=today, status=RunStatus.SUCCEEDED, dry_run=True)
        _run_rules(report, selected, today=today, dry_run=True)
        report.status = RunStatus.PARTIAL if report.errors else RunStatus.SUCCEEDED
        return report
    with system_actor("nightly"), advisory_lock() as acquired:
        if acquired is False:
            return _skipped(today, trigger, "Une autre vérification est en cours (verrou PostgreSQL).")
        run = _start(today, trigger, lock_held=acquired)
        if run is None:
            return _skipped(today, trigger, "Une autre vérification est en cours.")
        report = RunReport(today=today, status=RunStatus.RUNNING, run=run)
        try:
            _run_rules(report, selected, today=today, dry_run=False)
        except TRANSIENT_ERRORS as error:
            report.errors.append({"rule": None, "error": f"{type(error).__name__}: {error}"})
            _finish(run, report, RunStatus.FAILED)
            raise
        _finish(run, report, RunStatus.PARTIAL if report.errors else RunStatus.SUCCEEDED)
        return report


def _run_rules(report: RunReport, selected: list[Rule], *, today: date, dry_run: bool) -> None:
    context = rule_context(today)
    now = timezone.now()
    for rule in selected:
        started = time.perf_counter()
        try:
            findings = rule(context)
            outcome = reconcile_rule(rule=rule, findings=findings, today=today, now=now, dry_run=dry_run)
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:  # a bug in one rule must not stop the others
            logger.exception("rule %s failed", rule.code)
            outcome = RuleOutcome(code=rule.code, error=f"{type(error).__name__}: {error}")
            report.errors.append({"rule": rule.code, "error": outcome.error})
        outcome.seconds = time.perf_counter() - started
        report.outcomes.append(outcome)
        if report.run is not None:  # progress visible while the run goes on
            NightlyRun.objects.filter(pk=report.run.pk).update(counts=report.counts)


def _finish(run: NightlyRun, report: RunReport, status: str) -> None:
    report.status = status
    try:
        NightlyRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), counts=report.counts, errors=report.errors)
        run.refresh_from_db()
    except TRANSIENT_ERRORS:  # the next run marks this row failed (stale)
        logger.exception("could not record the end of nightly run %s", run.pk)


# --- lifecycle (style §6) ----------------------------------------------------------------------------

# Transition table: action → statuses it may start from → status it leads to.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "validate": ((AlertStatus.NEW,), AlertStatus.VALIDATED),
    # Assigning a new alert validates it at the same time (the coordinator triages in one step).
    "assign": ((AlertStatus.NEW, AlertStatus.VALIDATED, AlertStatus.ASSIGNED), AlertStatus.ASSIGNED),
    "resolve": (OPEN_ALERT_STATUSES, AlertStatus.RESOLVED),
    "dismiss": ((AlertStatus.NEW, AlertStatus.VALIDATED, AlertStatus.ASSIGNED), AlertStatus.DISMISSED),
}
ASSIGNABLE_ROLES = (Role.CRE, Role.TUTOR, Role.ADMIN_STAFF)


def _check_transition(alert: Alert, action: str) -> str:
    sources, target = TRANSITIONS[action]
    if alert.status not in sources:
        raise ValidationError(
            _("Impossible : l'alerte est « %(status)s ». Rechargez la page pour voir son état actuel.")
            % {"status": AlertStatus(alert.status).label}
        )
    return target


def _compare_and_set(alert: Alert, old_status: str, *, by: User | None = None, **values) -> None:
    if not Alert.objects.filter(pk=alert.pk, status=old_status).update(**values):
        raise ValidationError(_("L'alerte a été modifiée entre-temps par quelqu'un d'autre : rechargez la page et recommencez."))
    record_update(alert, values, actor=by)  # the compare-and-set sends no signal (history, issue 13 §4)
    for name, value in values.items():
        setattr(alert, name, value)


def _event(alert: Alert, *, by: User | None, old: str, new: str, comment: str = "") -> AlertEvent:
    event = AlertEvent(alert=alert, from_status=old, to_status=new, author=by, comment=comment)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def alert_validate(*, alert: Alert, by: User, comment: str = "") -> Alert:
    """The coordinator confirms an alert raised by the night run (new → validated)."""
    access.require(access.can_validate_alert(by, alert))
    old, new = alert.status, _check_transition(alert, "validate")
    _compare_and_set(alert, old, by=by, status=new, validated_at=timezone.now(), validated_by=by)
    _event(alert, by=by, old=old, new=new, comment=comment)
    return alert


@transaction.atomic
def alert_assign(*, alert: Alert, assignee: User, by: User, comment: str = "") -> Alert:
    """The coordinator gives the alert to a CRE, a tutor or an admin staff member (→ assigned)."""
    access.require(access.can_assign_alert(by, alert))
    if assignee.role not in ASSIGNABLE_ROLES or not assignee.is_active:
        raise ValidationError({"assignee": _("Choisissez un compte actif de CRE, de formateur·rice référent·e ou de l'équipe administrative.")})
    old, new = alert.status, _check_transition(alert, "assign")
    if old == AlertStatus.ASSIGNED and alert.assignee_id == assignee.pk:
        raise ValidationError({"assignee": _("L'alerte est déjà attribuée à cette personne.")})
    values = {"status": new, "assignee": assignee}
    if alert.validated_at is None:
        values.update(validated_at=timezone.now(), validated_by=by)
    _compare_and_set(alert, old, by=by, **values)
    _event(alert, by=by, old=old, new=new, comment=comment or _("Attribuée à %(name)s.") % {"name": assignee})
    return alert


@dataclass
class BulkOutcome:
    """What a bulk action did: the alerts moved, and the others each with the French reason."""

    done: list[Alert] = field(default_factory=list)
    refused: list[tuple[Alert, list[str]]] = field(default_factory=list)


def _bulk_apply(alerts: list[Alert], *, by: User, action: str, assignee_of) -> BulkOutcome:
    """The transition ``action`` on many alerts with a query count that does not grow with their
    number: lock and re-read them (one query), check each against the transition table (as the
    single services do), one UPDATE for all, one history INSERT, one events INSERT."""
    outcome = BulkOutcome()
    target = TRANSITIONS[action][1]
    locked = list(
        Alert.objects.select_for_update(of=("self",)).filter(pk__in=[a.pk for a in alerts])
        .annotate(default_assignee_id=DEFAULT_ASSIGNEE).order_by("pk")
    )
    people = assignee_of(locked)
    now = timezone.now()
    moves: list[tuple[Alert, dict]] = []
    for alert in locked:
        try:
            _check_transition(alert, action)
            values: dict = {"status": target}
            if action == "assign":
                person = people.get(alert.pk)
                if person is None:
                    raise ValidationError(_("aucune personne suggérée pour cette alerte : attribuez-la en choisissant une personne."))
                if person.role not in ASSIGNABLE_ROLES or not person.is_active:
                    raise ValidationError(_("Choisissez un compte actif de CRE, de formateur·rice référent·e ou de l'équipe administrative."))
                if alert.status == AlertStatus.ASSIGNED and alert.assignee_id == person.pk:
                    raise ValidationError(_("L'alerte est déjà attribuée à cette personne."))
                values["assignee"] = person
            if alert.validated_at is None:
                values.update(validated_at=now, validated_by=by)
        except ValidationError as error:
            outcome.refused.append((alert, list(error.messages)))
            continue
        moves.append((alert, values))
    if not moves:
        return outcome
    pks = [alert.pk for alert, _values in moves]
    update: dict = {
        "status": target,
        # In one UPDATE every right-hand side reads the row as it was: validated_at IS NULL is the old value.
        "validated_at": Case(When(validated_at__isnull=True, then=Value(now)), default=F("validated_at")),
        "validated_by": Case(When(validated_at__isnull=True, then=Value(by.pk)), default=F("validated_by"), output_field=IntegerField()),
    }
    if action == "assign":
        update["assignee"] = Case(*(When(pk=alert.pk, then=Value(values["assignee"].pk)) for alert, values in moves), output_field=IntegerField())
    Alert.objects.filter(pk__in=pks).update(**update)
    record_bulk(((alert, changes_between(alert, values)) for alert, values in moves), actor=by)
    events = []
    for alert, values in moves:
        comment = _("Attribuée à %(name)s.") % {"name": values["assignee"]} if action == "assign" else ""
        events.append(AlertEvent(alert=alert, from_status=alert.status, to_status=target, author=by, comment=comment))
        for name, value in values.items():
            setattr(alert, name, value)
        outcome.done.append(alert)
    AlertEvent.objects.bulk_create(events)
    return outcome


@transaction.atomic
def alerts_validate_many(*, alerts, by: User) -> BulkOutcome:
    """Validate many alerts at once (the register's bulk action): each moves as ``alert_validate``
    would move it, the others are reported with the reason."""
    access.require(access.can_validate_alert(by, Alert()))
    return _bulk_apply(list(alerts), by=by, action="validate", assignee_of=lambda locked: {})


@transaction.atomic
def alerts_assign_many(*, alerts, by: User, assignee: User | None = None) -> BulkOutcome:
    """Assign many alerts at once: all to ``assignee``, or with ``assignee=None`` each to its
    suggested person (``models.DEFAULT_ASSIGNEE``); same checks as ``alert_assign``."""
    access.require(access.can_assign_alert(by, Alert()))

    def assignee_of(locked: list[Alert]) -> dict[int, User]:
        if assignee is not None:
            return {alert.pk: assignee for alert in locked}
        users = User.objects.in_bulk({alert.default_assignee_id for alert in locked if alert.default_assignee_id})
        return {alert.pk: users.get(alert.default_assignee_id) for alert in locked}

    return _bulk_apply(list(alerts), by=by, action="assign", assignee_of=assignee_of)


def _close(alert: Alert, *, by: User, action: str, reason: str) -> Alert:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Indiquez en quelques mots ce qui a été fait ou pourquoi l'alerte est écartée.")})
    old, new = alert.status, _check_transition(alert, action)
    _compare_and_set(alert, old, by=by, status=new, resolved_at=timezone.now(), resolution_reason=reason.strip(), closed_by=by,
                     auto_resolved=False, condition_active=True)
    _event(alert, by=by, old=old, new=new, comment=reason.strip())
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, by: User, reason: str) -> Alert:
    """The assignee (or the coordinator) closes the alert with what was done (→ resolved)."""
    access.require(access.can_resolve_alert(by, alert))
    return _close(alert, by=by, action="resolve", reason=reason)


@transaction.atomic
def alert_dismiss(*, alert: Alert, by: User, reason: str) -> Alert:
    """The coordinator sets aside an alert that needs no action, with the reason (→ dismissed)."""
    access.require(access.can_validate_alert(by, alert))
    return _close(alert, by=by, action="dismiss", reason=reason)


@transaction.atomic
def alert_comment(*, alert: Alert, by: User, comment: str) -> AlertEvent:
    """A staff member who sees the alert adds a note to its history (no change of status)."""
    access.require(access.can_comment_alert(by, alert) and access.can_view(by, alert))
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Écrivez un commentaire avant de l'enregistrer.")})
    return _event(alert, by=by, old="", new="", comment=comment.strip())


__all__ = [
    "PermissionDenied", "RuleOutcome", "RunReport", "TRANSITIONS", "alert_assign", "alert_comment", "alert_dismiss",
    "alert_resolve", "alert_validate", "nightly_run", "reconcile_rule", "rule_context", "subjects_reevaluate",
]
