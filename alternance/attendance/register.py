"""Writes of the attendance register: the register of a cohort session, one apprentice's half-day.
Each save keeps the tallies in step and reports new unjustified absences to the employer (a task
started after the commit, by its name: the task module imports the services, not the reverse).

Services are keyword-only, atomic, and validate with the models' rules before writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alerts.triggers import facts_changed
from alternance.attendance import tallies
from alternance.choices import AttendanceStatus, JustificationStatus
from alternance.history.services import record_bulk
from alternance.models import Apprentice, AttendanceRecord, AttendanceSettings, Cohort, User
from alternance.planning import calendar as planning
from alternance.planning.rhythm import CENTRE
from alternance.tasks import enqueue

# What a register writes on a half-day (and what its history compares).
REGISTER_FIELDS = ("status", "minutes_late", "justification", "recorded_by")

@dataclass(frozen=True)
class RegisterEntry:
    apprentice_id: int
    status: str
    minutes_late: int = 0


def _apply(record: AttendanceRecord, status: str, minutes_late: int, by: User) -> None:
    """Set a record's status. A justification already given stays (a justified absence re-entered
    in the register keeps its proof); only a half-day turned "present" drops it, since a presence
    has nothing to justify (database constraint)."""
    record.status = status
    record.minutes_late = minutes_late if status == AttendanceStatus.LATE else 0
    if status == AttendanceStatus.PRESENT:
        record.justification = JustificationStatus.NONE
    record.recorded_by = by


def _notify_employer_of_new_absences(saved: list[tuple[AttendanceRecord, str | None]]) -> None:
    """Issue 6 §3: report new unjustified absences to the employer's contacts, once, by a Celery
    task started after the commit (``services.absence_employer_notify`` does the sending).

    ``saved`` holds each record just saved with its status before the save (None when created).
    A half-day qualifies when it became an absence (created absent, or changed to absent), is not
    justified and was never notified: a record saved again unchanged, a lateness or a presence
    never does. The OF turns the email off with ``AttendanceSettings.notify_employer_on_unjustified``.
    """
    record_ids = [
        record.pk for record, previous_status in saved
        if record.status == AttendanceStatus.ABSENT
        and previous_status != AttendanceStatus.ABSENT
        and record.justification != JustificationStatus.ACCEPTED
        and record.employer_notified_at is None
    ]
    if not record_ids or not AttendanceSettings.load().notify_employer_on_unjustified:
        return
    enqueue("alternance.notify_employer_of_absences", kwargs={"record_ids": record_ids})  # the outbox: started once committed


def _require_centre_day(apprentices: list[Apprentice], day: date) -> None:
    """The register records what happened at the centre: a half-day of an apprentice who was not
    there that day (weekend, public holiday, company day by the rhythm, OF closure, its own
    exception, outside its cohort's dates) is refused, whoever the caller (register page, single
    record, import, API), since an absence written there would feed the alerts, the statistics
    and the e-mail to the employer."""
    places = planning.places_on(apprentices, day)
    refused = [(a, places[a.pk]) for a in apprentices if places[a.pk].place != CENTRE]
    if refused:
        raise ValidationError([
            ValidationError(
                _("%(name)s n'est pas au centre de formation le %(day)s (%(place)s) : on ne peut y enregistrer "
                  "ni présence ni absence. Choisissez un jour de formation au centre.") % {
                    "name": apprentice.full_name, "day": date_format(day, "l j F Y"),
                    "place": f"{where.label} — {where.note}" if where.note else where.label},
                code="not_a_centre_day",
            )
            for apprentice, where in refused
        ])


def _validate(record: AttendanceRecord) -> None:
    # Foreign keys were checked by the caller (apprentices of the cohort) and the uniqueness is the
    # upsert's own; skipping their checks avoids one query per row.
    record.full_clean(exclude=["apprentice", "recorded_by", "proof"], validate_unique=False, validate_constraints=False)


@transaction.atomic
def attendance_register_save(
    *, cohort: Cohort, day: date, half: str, entries: list[RegisterEntry], by: User
) -> list[AttendanceRecord]:
    """Save the register of one cohort session (a half-day): create or update one record per
    apprentice in one transaction, with bulk operations (a fixed number of queries whatever the
    size of the cohort). Every apprentice must belong to the cohort."""
    ids = [entry.apprentice_id for entry in entries]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("Un·e apprenti·e apparaît deux fois dans le registre."))
    members = list(Apprentice.objects.filter(cohort=cohort, pk__in=ids).select_related("cohort"))
    if {a.pk for a in members} != set(ids):
        raise ValidationError(_("Le registre contient un·e apprenti·e qui n'est pas de cette promotion."))
    _require_centre_day(members, day)
    existing = {
        record.apprentice_id: record
        for record in AttendanceRecord.objects.select_for_update().filter(apprentice_id__in=ids, day=day, half=half)
    }
    to_create, to_update, errors, saved = [], [], [], []
    before: dict[int, dict] = {}  # the updated records' values before the register, for the history
    for entry in entries:
        record = existing.get(entry.apprentice_id) or AttendanceRecord(apprentice_id=entry.apprentice_id, day=day, half=half)
        previous_status = record.status if record.pk else None
        if record.pk:
            before[record.pk] = {name: getattr(record, name) for name in REGISTER_FIELDS}
        _apply(record, entry.status, entry.minutes_late, by)
        saved.append((record, previous_status))
        try:
            _validate(record)
        except ValidationError as error:
            errors.append(error)
            continue
        (to_update if record.pk else to_create).append(record)
    if errors:
        raise ValidationError(errors)
    AttendanceRecord.objects.bulk_create(to_create)
    if to_update:
        AttendanceRecord.objects.bulk_update(to_update, ["status", "minutes_late", "justification", "recorded_by"])
    # Bulk writes send no signal: the history of changes is written here, in one INSERT (issue 13 §4).
    by_id = {apprentice.pk: apprentice for apprentice in members}
    for record in (*to_create, *to_update):
        record.apprentice = by_id[record.apprentice_id]  # its name, in the entry, without a query per row
    record_bulk(
        [(record, None) for record in to_create]
        + [(record, {name: (before[record.pk][name], getattr(record, name)) for name in REGISTER_FIELDS}) for record in to_update],
        action_of=lambda record: LogEntry.Action.UPDATE if record.pk in before else LogEntry.Action.CREATE, actor=by,
    )
    tallies.tally_refresh_pairs([(cohort.pk, day)])
    _notify_employer_of_new_absences(saved)  # after bulk_create: the new records have their ids
    # The alerts follow the half-days whose status changed (a register saved again unchanged starts nothing).
    facts_changed("attendance_changed", apprentice_ids=[record.apprentice_id for record, previous in saved if record.status != previous])
    return [*to_update, *to_create]


@transaction.atomic
def attendance_record(
    *, apprentice: Apprentice, day: date, half: str, status: str, by: User, minutes_late: int = 0, reason: str = ""
) -> AttendanceRecord:
    """Record one apprentice's half-day (created, or updated keeping its justification)."""
    _require_centre_day([apprentice], day)
    record = (
        AttendanceRecord.objects.select_for_update().filter(apprentice=apprentice, day=day, half=half).first()
        or AttendanceRecord(apprentice=apprentice, day=day, half=half)
    )
    previous_status = record.status if record.pk else None
    _apply(record, status, minutes_late, by)
    if reason:
        record.reason = reason.strip()
    record.full_clean()
    record.save()
    tallies.tally_refresh_pairs([(apprentice.cohort_id, day)])
    _notify_employer_of_new_absences([(record, previous_status)])
    if record.status != previous_status:
        facts_changed("attendance_changed", apprentice_ids=[apprentice.pk])
    return record

