"""Producing the learners file: the pre-check (rows OK / rejected, without writing anything), the
file itself, and the recorded exports (``TdbExport``) run by a Celery task.

Every row is validated against the template's rules *before* the file is written; a rejected
row is listed with its reasons and left out; the organisation's own columns (UAI, SIRET, …) are
checked once and, when wrong, block the export (every row would carry the error).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.choices import JobStatus
from alternance.jobs import failure_text
from alternance.models import TdbExport, User
from alternance.tasks import enqueue
from alternance.tdb import writers
from alternance.tdb.config import organisation_values
from alternance.tdb.rows import CountedDropout, build_rows
from alternance.tdb.rules import Problem, TdbRow, organisation_problems, validate_row
from alternance.tdb.school_year import SchoolYear, parse_school_year

logger = logging.getLogger(__name__)

FORMATS = {
    TdbExport.Format.XLSX: (writers.xlsx_bytes, "xlsx", writers.XLSX_CONTENT_TYPE),
    TdbExport.Format.JSON: (writers.json_bytes, "json", writers.JSON_CONTENT_TYPE),
}


@dataclass
class TdbCheck:
    """The result of checking every row of a school year."""

    school_year: SchoolYear
    ok_rows: list[TdbRow] = field(default_factory=list)
    rejected_rows: list[TdbRow] = field(default_factory=list)
    organisation_problems: list[Problem] = field(default_factory=list)
    professionalisation_only: list[tuple[int, str]] = field(default_factory=list)
    # Learners without a contract the dashboard counts as dropouts (more than 90 days after entry).
    counted_dropouts: list[CountedDropout] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.organisation_problems)

    @property
    def rejections(self) -> list[dict]:
        return [row.rejection() for row in self.rejected_rows]


def tdb_check(*, school_year: SchoolYear | str, today: date | None = None) -> TdbCheck:
    """Build and validate every row of the school year (two queries, whatever the number of rows);
    ``today`` (default: the day) dates the learners the dashboard counts as dropouts."""
    today = today or timezone.localdate()
    year = school_year if isinstance(school_year, SchoolYear) else parse_school_year(school_year)
    organisation = organisation_values()
    result = TdbCheck(school_year=year, organisation_problems=organisation_problems(organisation.values, organisation.variables))
    if result.blocked:
        return result
    built = build_rows(year, organisation, today)
    result.professionalisation_only = built.professionalisation_only
    result.counted_dropouts = built.counted_dropouts
    for row in built.rows:
        row.problems = validate_row(row)
        (result.ok_rows if row.ok else result.rejected_rows).append(row)
    return result


@dataclass
class TdbFile:
    check: TdbCheck
    content: bytes
    extension: str
    content_type: str

    def filename(self, suffix: str = "") -> str:
        return f"tableau-de-bord-{self.check.school_year.label}{suffix}.{self.extension}"


class TdbExportBlocked(Exception):
    """The organisation's columns are wrong: no file can be produced (``str()`` is the French message)."""


def tdb_file(*, school_year: SchoolYear | str, fmt: str, today: date | None = None) -> TdbFile:
    """The file of the rows that pass every rule (XLSX of the template, or JSON batches)."""
    if fmt not in FORMATS:
        raise ValueError(_("Format inconnu : choisissez xlsx ou json."))
    check = tdb_check(school_year=school_year, today=today)
    if check.blocked:
        raise TdbExportBlocked(" ".join(problem.message for problem in check.organisation_problems))
    write, extension, content_type = FORMATS[fmt]
    return TdbFile(check=check, content=write(check.ok_rows), extension=extension, content_type=content_type)


@transaction.atomic
def tdb_export_start(*, school_year: str, fmt: str, by: User) -> TdbExport:
    """Record an export and send the task that produces it once the request commits."""
    export = TdbExport(school_year=parse_school_year(school_year).label, format=fmt, created_by=by)
    export.full_clean()
    export.save()
    # Written with the export, started once it commits (the outbox: never lost if Redis is down).
    enqueue("alternance.export_tdb", kwargs={"export_id": export.pk})
    return export


def tdb_export_run(*, export: TdbExport) -> TdbExport:
    """Produce a recorded export. Safe to re-run: only a pending (or failed) export is taken, with
    a compare-and-set, so two workers never produce the same one. A blocked or failed run is
    recorded with its French message (logged, not raised: the same input would fail again)."""
    taken = TdbExport.objects.filter(pk=export.pk, status__in=(JobStatus.PENDING, JobStatus.FAILED)).update(
        status=JobStatus.RUNNING, error="", finished_at=None, heartbeat_at=timezone.now()
    )
    if not taken:
        logger.info("TDB export %s already taken", export.pk)
        export.refresh_from_db()
        return export
    try:
        produced = tdb_file(school_year=export.school_year, fmt=export.format)
    except TdbExportBlocked as blocked:
        TdbExport.objects.filter(pk=export.pk).update(status=JobStatus.FAILED, error=str(blocked), finished_at=timezone.now())
        export.refresh_from_db()
        return export
    except Exception as exc:
        logger.exception("TDB export %s failed", export.pk)
        TdbExport.objects.filter(pk=export.pk).update(
            status=JobStatus.FAILED, error=_("La production du fichier a échoué : %(error)s") % {"error": failure_text(exc)}, finished_at=timezone.now()
        )
        export.refresh_from_db()
        return export
    export.refresh_from_db()
    export.file.save(produced.filename(f"-{export.pk}"), ContentFile(produced.content), save=False)
    export.rows_exported = len(produced.check.ok_rows)
    export.rows_rejected = len(produced.check.rejected_rows)
    export.rejections = produced.check.rejections
    export.status, export.finished_at = JobStatus.DONE, timezone.now()
    export.save(update_fields=["file", "rows_exported", "rows_rejected", "rejections", "status", "finished_at"])
    return export
