"""Writes of the training sessions (issue 19 §1): generation from the calendar, create, edit and
move, split, cancel, restore.

Every service is keyword-only and atomic, and locks the cohort row (``select_for_update``) before
checking the one rule the database cannot hold on SQLite: a cohort never has two non-cancelled
sessions overlapping. Two sessions touching (one ends at 12:30, the next starts at 12:30) do not
overlap. Cancel and restore are the two transitions of the state machine (``TRANSITIONS``), each a
compare-and-set update with its history row (who, when, from, to, why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.choices import HalfDay, SessionStatus
from alternance.history.services import record_bulk, record_update
from alternance.models import Cohort, CompetenceBlock, TrainingSession, User
from alternance.planning.calendar import SOURCE_CLOSURE, SOURCE_HOLIDAY, cohort_days
from alternance.planning.rhythm import CENTRE, pattern_place

# The planning state machine of §1 (the sign-in of §2 has its own, in alternance.signin): (from, to) pairs allowed.
TRANSITIONS = {
    (SessionStatus.PLANNED, SessionStatus.CANCELLED),
    (SessionStatus.CANCELLED, SessionStatus.PLANNED),
}

# What an edit may change (``session_update``); the rest is the services' own.
EDITABLE_FIELDS = ("day", "start_time", "end_time", "trainer", "subject", "competence_block", "room")


def _lock(cohort: Cohort) -> None:
    """Serialise the writes on one cohort's sessions: the overlap check and the write happen under
    the same lock (a no-op on SQLite, whose writes are serialised anyway)."""
    Cohort.objects.select_for_update().filter(pk=cohort.pk).exists()


def overlapping(*, cohort_id: int, day: date, start: time, end: time, exclude_pk: int | None = None) -> QuerySet:
    """The cohort's non-cancelled sessions sharing at least one minute with [start, end) on ``day``."""
    qs = TrainingSession.objects.filter(
        cohort_id=cohort_id, day=day, start_time__lt=end, end_time__gt=start
    ).exclude(status=SessionStatus.CANCELLED)
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def _check_no_overlap(session: TrainingSession) -> None:
    if session.start_time is None or session.end_time is None or session.end_time <= session.start_time:
        return  # the model's own check says what is wrong
    other = overlapping(
        cohort_id=session.cohort_id, day=session.day, start=session.start_time, end=session.end_time, exclude_pk=session.pk
    ).order_by("start_time").first()
    if other is not None:
        raise ValidationError({"start_time": overlap_message(other)}, code="overlap")


def overlaps(start: time, end: time, other_start: time, other_end: time) -> bool:
    """Whether [start, end) and [other_start, other_end) share a minute: touching is no overlap
    (the rule of ``overlapping``, for sessions not yet in the database, e.g. the rows of an import)."""
    return start < other_end and end > other_start


def overlap_message(other: TrainingSession) -> str:
    """The French refusal of a session overlapping ``other`` (the screens' and the import's)."""
    return _("La séance chevauche celle du %(day)s de %(start)s à %(end)s : changez l'heure ou la date.") % {
        "day": f"{other.day:%d/%m/%Y}", "start": f"{other.start_time:%H:%M}", "end": f"{other.end_time:%H:%M}"}


def _save(session: TrainingSession) -> TrainingSession:
    session.full_clean()
    _check_no_overlap(session)
    session.save()
    return session


@transaction.atomic
def session_create(
    *, cohort: Cohort, day: date, start_time: time, end_time: time, created_by: User, trainer: User | None = None,
    subject: str = "", competence_block: CompetenceBlock | None = None, room: str = "",
) -> TrainingSession:
    """One session typed by staff (not tied to a calendar slot)."""
    _lock(cohort)
    now = timezone.now()
    session = TrainingSession(
        cohort=cohort, day=day, start_time=start_time, end_time=end_time, trainer=trainer, subject=subject.strip(),
        competence_block=competence_block, room=room.strip(), created_by=created_by, created_at=now, updated_at=now,
    )
    return _save(session)


def _refuse_if_cancelled(session: TrainingSession) -> None:
    if session.is_cancelled:
        raise ValidationError(_("Cette séance est annulée : rétablissez-la avant de la modifier ou de la scinder."), code="cancelled")
    _refuse_if_signin_started(session)


def _refuse_if_signin_started(session: TrainingSession) -> None:
    """Once its sign-in was opened, a session's date and times are the evidence of its sheet
    (issue 19 §2): nobody edits, splits, moves or cancels it any more."""
    if session.signin_started:
        raise ValidationError(_(
            "L'émargement de cette séance a été ouvert : sa date, ses horaires et son état font foi et ne se modifient "
            "plus."), code="signin_started")


@transaction.atomic
def session_update(*, session: TrainingSession, by: User, **values) -> TrainingSession:
    """Edit a planned session; moving it is editing its date and times (the overlap is checked again)."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Champs non modifiables : {sorted(unknown)}")
    _lock(session.cohort)
    session = TrainingSession.objects.select_related("cohort", "trainer", "competence_block").get(pk=session.pk)
    _refuse_if_cancelled(session)
    for name in ("subject", "room"):
        if name in values:
            values[name] = (values[name] or "").strip()
    for name, value in values.items():
        setattr(session, name, value)
    session.updated_at = timezone.now()
    return _save(session)


@transaction.atomic
def session_split(*, session: TrainingSession, at: time, by: User) -> tuple[TrainingSession, TrainingSession]:
    """Split a planned session in two at ``at`` (strictly inside it): the first keeps its row and its
    calendar slot and ends at ``at``; the second, a copy of its fields, starts at ``at``."""
    _lock(session.cohort)
    session = TrainingSession.objects.select_related("cohort", "trainer", "competence_block").get(pk=session.pk)
    _refuse_if_cancelled(session)
    if not session.start_time < at < session.end_time:
        raise ValidationError({"at": _(
            "Choisissez une heure strictement entre le début (%(start)s) et la fin (%(end)s) de la séance."
        ) % {"start": f"{session.start_time:%H:%M}", "end": f"{session.end_time:%H:%M}"}}, code="split_outside")
    now = timezone.now()
    second = TrainingSession(
        cohort=session.cohort, day=session.day, start_time=at, end_time=session.end_time, trainer=session.trainer,
        subject=session.subject, competence_block=session.competence_block, room=session.room, created_by=by,
        created_at=now, updated_at=now,
    )
    session.end_time = at
    session.updated_at = now
    session.full_clean()
    session.save()
    second.full_clean()
    second.save()
    return session, second


def _transition(session: TrainingSession, *, to: str, by: User, values: dict, note: str) -> TrainingSession:
    """Move ``session`` to ``to`` if the table allows it, by compare-and-set; log who, from, to, why."""
    if (session.status, to) not in TRANSITIONS:
        raise ValidationError(_("Cette séance ne peut pas passer de l'état « %(from)s » à « %(to)s ».") % {
            "from": session.get_status_display(), "to": SessionStatus(to).label}, code="transition")
    values = {"status": to, "updated_at": timezone.now(), **values}
    updated = TrainingSession.objects.filter(pk=session.pk, status=session.status).update(**values)
    if not updated:
        raise ValidationError(_("La séance a été modifiée entre-temps : rechargez la page et recommencez."), code="stale")
    record_update(session, values, actor=by, kind="session_status", note=note)
    for name, value in values.items():
        setattr(session, name, value)
    return session


@transaction.atomic
def session_cancel(*, session: TrainingSession, reason: str, by: User) -> TrainingSession:
    """Cancel a planned session with a reason (kept on the session and in its history)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de l'annulation, par exemple « formateur absent ».")}, code="required")
    _lock(session.cohort)
    _refuse_if_signin_started(TrainingSession.objects.only("signin_state").get(pk=session.pk))
    return _transition(session, to=SessionStatus.CANCELLED, by=by, values={"cancel_reason": reason[:200]}, note=reason)


@transaction.atomic
def session_restore(*, session: TrainingSession, by: User) -> TrainingSession:
    """Restore a cancelled session, unless another session took its time meanwhile."""
    _lock(session.cohort)
    _check_no_overlap(session)
    return _transition(session, to=SessionStatus.PLANNED, by=by, values={"cancel_reason": ""}, note=_("Séance rétablie"))


# --- generation from the calendar ----------------------------------------------------------------------

@dataclass
class GenerationReport:
    """What ``sessions_generate`` did, counted in sessions (one per centre half-day)."""

    start: date
    end: date
    created: list[TrainingSession] = field(default_factory=list)
    existing: int = 0
    skipped_closure: int = 0
    skipped_holiday: int = 0

    @property
    def created_count(self) -> int:
        return len(self.created)


def cohort_slots(cohort: Cohort) -> list[tuple[str, time, time]]:
    """The two half-days of a centre day with the cohort's default times."""
    return [
        (HalfDay.MORNING, cohort.session_morning_start, cohort.session_morning_end),
        (HalfDay.AFTERNOON, cohort.session_afternoon_start, cohort.session_afternoon_end),
    ]


@transaction.atomic
def sessions_generate(*, cohort: Cohort, start: date, end: date, created_by: User | None) -> GenerationReport:
    """Create the sessions of the cohort's centre half-days in [start, end] (clipped to the cohort's
    dates), at the cohort's default times.

    A day is a centre day exactly when the calendar says so for the cohort (``cohort_days``: its
    rhythm, French public holidays, closures of the OF or of the cohort — the register's rule,
    personal exceptions aside since a session is the cohort's). The calendar has no half-days, so a
    centre day gives a morning and an afternoon session. Idempotent: a slot generated once is never
    generated again (even moved, split or cancelled: ``origin_day``/``origin_half``), and a slot
    another session already covers (typed by hand, any state) is left alone. Reports the sessions
    created, already there, and those a closure or a public holiday took. A fixed number of queries
    (lock, calendar, existing sessions, one insert, the history)."""
    start, end = max(start, cohort.start_date), min(end, cohort.end_date)
    report = GenerationReport(start=start, end=end)
    if end < start:
        return report
    _lock(cohort)
    # The sessions on these days, and those generated from these days then moved elsewhere.
    existing = list(TrainingSession.objects.filter(cohort=cohort).filter(
        Q(day__range=(start, end)) | Q(origin_day__range=(start, end))
    ).only("day", "start_time", "end_time", "origin_day", "origin_half"))
    generated = {(row.origin_day, row.origin_half) for row in existing if row.origin_day}
    slots = cohort_slots(cohort)
    now = timezone.now()
    for day, where in sorted(cohort_days(cohort, start, end).items()):
        if where.source == SOURCE_CLOSURE:
            report.skipped_closure += len(slots)
            continue
        if where.source == SOURCE_HOLIDAY:
            if pattern_place(day, pattern=cohort.rhythm_pattern, cycle_start=cohort.start_date) == CENTRE:
                report.skipped_holiday += len(slots)
            continue
        if where.place != CENTRE:
            continue
        for half, slot_start, slot_end in slots:
            taken = (day, half) in generated or any(
                row.day == day and row.start_time < slot_end and row.end_time > slot_start for row in existing
            )
            if taken:
                report.existing += 1
                continue
            session = TrainingSession(
                cohort=cohort, day=day, start_time=slot_start, end_time=slot_end, origin_day=day, origin_half=half,
                created_by=created_by, created_at=now, updated_at=now,
            )
            # Foreign keys are the caller's (no query per row); the overlap was checked above.
            session.full_clean(exclude=["cohort", "created_by", "trainer", "competence_block"], validate_unique=False,
                               validate_constraints=False)
            report.created.append(session)
    TrainingSession.objects.bulk_create(report.created)
    # Bulk writes send no signal: the history of the creations is written here, in one INSERT.
    record_bulk([(session, None) for session in report.created], action=LogEntry.Action.CREATE, actor=created_by, kind="session_generated")
    return report

