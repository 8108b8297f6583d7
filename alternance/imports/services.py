"""Writes on a ``DataImport`` (one upload followed through its steps), keyword-only (style §1).

upload → mapping (suggested from the headers) → check (every row, nothing written) → import.
A check or an import of a small file runs inline, in the request; a larger one in a Celery task
(``alternance.data_import_process``) while the page polls its status. ``status``: pending
(waiting for the person: mapping, or checked and waiting for « Importer »), running, done
(imported), failed (the file could not be read, or the database refused a write: nothing saved).
While pending, ``rows_total`` > 0 says the file was checked and the counters are what the import
would do; once done, they are what it did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.choices import JobStatus
from alternance.history.services import system_actor
from alternance.imports.base import format_error
from alternance.imports.mapping import clean_mapping, suggest_mapping
from alternance.imports.readers import ImportFileError, Table, read_table
from alternance.imports.runner import ImportReport, error_report, import_table, kind_class
from alternance.jobs import heartbeat, job_reap_if_dead
from alternance.models import DataImport, User
from alternance.tasks import enqueue

logger = logging.getLogger(__name__)

CHECK, IMPORT = "check", "import"
PHASES = (CHECK, IMPORT)
# Above this many rows the check and the import run in a Celery task (the page polls its status);
# at or below, inline. Contracts go through the contract services row by row: a lower threshold.
INLINE_MAX_ROWS = {"apprentices": 2000, "companies": 2000, "contracts": 200}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def inline_max_rows(kind: str) -> int:
    overrides = getattr(settings, "IMPORT_INLINE_MAX_ROWS", None)
    if isinstance(overrides, int):
        return overrides
    return INLINE_MAX_ROWS.get(kind, 200)


def data_import_table(data_import: DataImport, *, max_rows: int | None = None) -> Table:
    """The stored file read again (``max_rows`` for a preview)."""
    with data_import.file.open("rb") as handle:
        content = handle.read()
    return read_table(content, name=data_import.original_name, max_rows=max_rows)


@transaction.atomic
def data_import_create(*, kind: str, content: bytes, name: str, by: User) -> DataImport:
    """Record an upload: the file is kept (outside the web root) and the mapping suggested from
    its headers. Raises ``ImportFileError`` when the file is not a readable table."""
    kind_class(kind)
    table = read_table(content, name=name, max_rows=10)
    data_import = DataImport(kind=kind, original_name=name[:255], created_by=by,
                             mapping=suggest_mapping(table.headers, kind_class(kind).fields))
    data_import.file.save(name, ContentFile(content), save=False)
    data_import.full_clean()
    data_import.save()
    return data_import


def _reset_results(data_import: DataImport) -> None:
    if data_import.error_report:
        data_import.error_report.delete(save=False)
    data_import.rows_total = data_import.rows_created = data_import.rows_updated = data_import.rows_in_error = 0
    data_import.errors = []
    data_import.finished_at = None


@transaction.atomic
def data_import_save_mapping(*, data_import: DataImport, mapping: dict[str, str], headers: list[str]) -> DataImport:
    """Keep the person's mapping (checked: known fields and columns, required fields present);
    a former check no longer holds."""
    cleaned = clean_mapping(mapping, headers=headers, kind=kind_class(data_import.kind))
    locked = DataImport.objects.select_for_update().get(pk=data_import.pk)
    if locked.status not in (JobStatus.PENDING, JobStatus.FAILED):
        raise ImportStateError(_("Cet import est en cours ou terminé : sa correspondance ne se modifie plus."))
    locked.mapping = cleaned
    locked.status = JobStatus.PENDING
    _reset_results(locked)
    locked.save()
    return locked


class ImportStateError(Exception):
    """The import is not in a state that allows this step; ``str()`` is the French message."""



def task_id(data_import_id: int, phase: str) -> str:
    """A predictable task id: the status page reads the progress the task reports under it."""
    return f"data-import-{data_import_id}-{phase}"


@dataclass(frozen=True)
class StartResult:
    inline: bool  # True: done in the request; False: sent to the Celery task


def data_import_start(*, data_import: DataImport, phase: str, only_valid_rows: bool = False) -> StartResult:
    """Start the check or the import: compare-and-set pending → running (a second click does not
    start it twice), then run it inline for a small file or send the task for a large one."""
    if phase not in PHASES:
        raise ValueError(phase)
    if phase == IMPORT and not data_import.rows_total:
        raise ImportStateError(_("Vérifiez d'abord le fichier : l'import se lance après la vérification."))
    job_reap_if_dead(data_import)  # « déjà en cours » must not block an import whose worker died
    fields = {"status": JobStatus.RUNNING, "heartbeat_at": timezone.now()}
    if phase == IMPORT:
        fields["only_valid_rows"] = only_valid_rows
    else:
        fields.update(rows_total=0, rows_created=0, rows_updated=0, rows_in_error=0, errors=[], finished_at=None)
    taken = DataImport.objects.filter(pk=data_import.pk, status__in=(JobStatus.PENDING, JobStatus.FAILED)).update(**fields)
    if not taken:
        raise ImportStateError(_("Cet import est déjà en cours ou terminé : rechargez la page."))
    data_import.refresh_from_db()
    try:
        table = data_import_table(data_import)
    except (ImportFileError, OSError) as error:
        _fail(data_import, str(error))
        return StartResult(inline=True)
    if len(table.rows) <= inline_max_rows(data_import.kind):
        data_import_process(data_import=data_import, phase=phase, table=table)
        return StartResult(inline=True)
    enqueue(  # the outbox: written now, handed to the broker once committed (never lost if Redis is down)
        "alternance.data_import_process",
        kwargs={"data_import_id": data_import.pk, "phase": phase}, task_id=task_id(data_import.pk, phase),
    )
    return StartResult(inline=False)


def _fail(data_import: DataImport, message: str) -> None:
    DataImport.objects.filter(pk=data_import.pk).update(
        status=JobStatus.FAILED, errors=[{"row": None, "column": "", "message": message}], finished_at=timezone.now(),
    )
    data_import.refresh_from_db()


def data_import_process(*, data_import: DataImport, phase: str, table: Table | None = None,
                        progress: Callable[[int, int], None] | None = None) -> DataImport:
    """Run a started (running) check or import to its end and record the outcome on the row."""
    if data_import.status != JobStatus.RUNNING:
        logger.info("data import %s is %s, not running: nothing to do", data_import.pk, data_import.status)
        return data_import
    heartbeat(data_import)
    try:
        table = table or data_import_table(data_import)
        with system_actor("import"):  # changes saved one by one (contracts) are labelled « Import »
            report = import_table(
                table=table, kind=data_import.kind, mapping=data_import.mapping, by=data_import.created_by,
                only_valid_rows=data_import.only_valid_rows, dry_run=(phase == CHECK), progress=progress,
            )
    except (ImportFileError, OSError) as error:
        _fail(data_import, str(error))
        return data_import
    except DatabaseError as error:
        logger.exception("data import %s refused by the database", data_import.pk)
        _fail(data_import, _(
            "La base de données a refusé l'enregistrement (%(error)s) : rien n'a été importé. Vérifiez que personne ne "
            "modifie les mêmes fiches en même temps, puis relancez l'import."
        ) % {"error": error.__class__.__name__})
        return data_import
    except Exception:
        # Never leave an import « running » forever: the person sees it failed and may start again.
        logger.exception("data import %s failed", data_import.pk)
        _fail(data_import, _(
            "L'import a échoué sur une erreur inattendue : rien n'a été enregistré. Signalez-le à l'équipe technique en "
            "indiquant l'import n° %(pk)s."
        ) % {"pk": data_import.pk})
        return data_import
    _record(data_import, table, report)
    return data_import


def _record(data_import: DataImport, table: Table, report: ImportReport) -> None:
    if data_import.error_report:
        data_import.error_report.delete(save=False)
    if report.errors:
        content, extension = error_report(table, report)
        data_import.error_report.save(f"erreurs-import-{data_import.pk}.{extension}", ContentFile(content), save=False)
    data_import.rows_total = report.total
    data_import.rows_created, data_import.rows_updated = report.created, report.updated
    data_import.rows_in_error = report.in_error
    data_import.errors = [error.as_dict() for error in report.errors]
    if report.written:
        data_import.status, data_import.finished_at = JobStatus.DONE, timezone.now()
    else:
        data_import.status, data_import.finished_at = JobStatus.PENDING, None
    data_import.save(update_fields=["error_report", "rows_total", "rows_created", "rows_updated", "rows_in_error",
                                    "errors", "status", "finished_at"])


def rows_unchanged(data_import: DataImport) -> int:
    return max(0, data_import.rows_total - data_import.rows_created - data_import.rows_updated - data_import.rows_in_error)


def error_lines(data_import: DataImport) -> list[str]:
    return [format_error(error) for error in data_import.errors]
