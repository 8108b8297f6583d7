"""Writes on a ``DataImport`` (one upload followed through its steps), keyword-only (style §1).

upload → analysis → mapping (suggested from the headers) → check (every row, nothing written) →
import. The web request only stores the file: the analysis (the whole file read, with the row and
size limits), the check and the import run in the Celery task ``alternance.data_import_process``
while the page polls its progress (issue 17 §3: a 100 000-row workbook took 20 s to check in the
request, and a 1 MB workbook of 2 million rows killed the worker). Without a broker (tests, local
runs) the task runs in-process.

``phase`` says which step ``status`` is about: running (under way), pending (waiting for the
person: the mapping after the analysis, « Importer » after the check), done (imported), failed (the
file was refused or could not be read, or the database refused a write: nothing saved). While
pending after a check, ``rows_total`` > 0 and the counters are what the import would do; once
done, they are what it did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.choices import ImportPhase, JobStatus
from alternance.history.services import system_actor
from alternance.imports.base import format_error
from alternance.imports.mapping import clean_mapping, suggest_mapping
from alternance.imports.readers import ImportFileError, Table, file_format, read_table
from alternance.imports.runner import ImportReport, error_report, import_table, kind_class
from alternance.jobs import heartbeat, job_reap_if_dead
from alternance.models import DataImport, User
from alternance.tasks import enqueue

logger = logging.getLogger(__name__)

ANALYSIS, CHECK, IMPORT = ImportPhase.ANALYSIS.value, ImportPhase.CHECK.value, ImportPhase.IMPORT.value
PHASES = (ANALYSIS, CHECK, IMPORT)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
TASK_NAME = "alternance.data_import_process"


def data_import_table(data_import: DataImport, *, max_rows: int | None = None,
                      progress: Callable[[int], None] | None = None) -> Table:
    """The stored file read again, within the limits (``max_rows`` for a preview)."""
    with data_import.file.open("rb") as handle:
        content = handle.read()
    return read_table(content, name=data_import.original_name, max_rows=max_rows, progress=progress)


def task_id(data_import_id: int, phase: str) -> str:
    """A predictable task id: the status page reads the progress the task reports under it."""
    return f"data-import-{data_import_id}-{phase}"


def _send(data_import: DataImport, phase: str) -> None:
    # The outbox: the intent is written in the caller's transaction and handed to the broker once
    # committed (kept, never lost, if Redis is down).
    enqueue(TASK_NAME, kwargs={"data_import_id": data_import.pk, "phase": phase}, task_id=task_id(data_import.pk, phase))


@transaction.atomic
def data_import_create(*, kind: str, content: bytes, name: str, by: User) -> DataImport:
    """Record an upload and start its analysis: the file is kept (outside the web root) and read
    in the task, never in the request. Only its type is checked here, from its name and first
    bytes (``ImportFileError`` for a file that is neither CSV nor XLSX)."""
    kind_class(kind)
    file_format(name, content[:4096])
    data_import = DataImport(kind=kind, original_name=name[:255], created_by=by,
                             status=JobStatus.RUNNING, phase=ImportPhase.ANALYSIS)
    data_import.file.save(name, ContentFile(content), save=False)
    data_import.full_clean()
    data_import.save()
    _send(data_import, ANALYSIS)
    return data_import


def data_import_analyse(*, data_import: DataImport, progress: Callable[[int], None] | None = None) -> DataImport:
    """Read the whole uploaded file within the limits (``IMPORT_MAX_ROWS``, and for a workbook
    ``IMPORT_MAX_UNCOMPRESSED_BYTES`` checked before it is opened), counting the rows read on the
    row as it goes; then suggest the mapping from its headers and wait for the person (pending).
    A file refused by a limit or unreadable fails with the French message saying what to do."""
    if (data_import.status, data_import.phase) != (JobStatus.RUNNING, ImportPhase.ANALYSIS):
        logger.info("data import %s is %s (%s), not analysing: nothing to do", data_import.pk, data_import.status,
                    data_import.phase)
        return data_import

    def rows_read(count: int) -> None:
        DataImport.objects.filter(pk=data_import.pk, status=JobStatus.RUNNING).update(rows_read=count)
        if progress:
            progress(count)

    try:
        table = data_import_table(data_import, progress=rows_read)
    except (ImportFileError, OSError) as error:
        _fail(data_import, str(error))
        return data_import
    except Exception:
        # Never leave an import « running » forever: the person sees it failed and may upload again.
        logger.exception("data import %s: analysis failed", data_import.pk)
        _fail(data_import, _(
            "Le fichier n'a pas pu être lu sur une erreur inattendue. Enregistrez-le à nouveau depuis votre tableur puis "
            "déposez-le ; si l'erreur persiste, signalez-la à l'équipe technique en indiquant l'import n° %(pk)s."
        ) % {"pk": data_import.pk})
        return data_import
    DataImport.objects.filter(pk=data_import.pk, status=JobStatus.RUNNING, phase=ImportPhase.ANALYSIS).update(
        status=JobStatus.PENDING, rows_read=len(table.rows), mapping=suggest_mapping(table.headers, kind_class(data_import.kind).fields),
    )
    data_import.refresh_from_db()
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
    if locked.phase == ImportPhase.ANALYSIS and locked.status == JobStatus.FAILED:
        raise ImportStateError(FILE_REFUSED)
    locked.mapping = cleaned
    locked.status = JobStatus.PENDING
    _reset_results(locked)
    locked.save()
    return locked


class ImportStateError(Exception):
    """The import is not in a state that allows this step; ``str()`` is the French message."""


FILE_REFUSED = _("Le fichier de cet import a été refusé : déposez un fichier corrigé.")


@transaction.atomic
def data_import_retry(*, data_import: DataImport) -> DataImport:
    """« Relancer » the step a failed import was at: its analysis again (its worker died), else the
    check or the import (``data_import_start``). A file the analysis refused is not retried."""
    if data_import.phase != ImportPhase.ANALYSIS:
        return data_import_start(data_import=data_import, phase=data_import.phase, only_valid_rows=data_import.only_valid_rows)
    if data_import.files_purged_at:
        raise ImportStateError(_("Le fichier de cet import a été supprimé (durée de conservation dépassée) : déposez-le à nouveau."))
    if not any(error.get("interrupted") for error in data_import.errors):
        raise ImportStateError(FILE_REFUSED)
    taken = DataImport.objects.filter(pk=data_import.pk, status=JobStatus.FAILED, phase=ImportPhase.ANALYSIS).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now(), errors=[], finished_at=None, rows_read=0,
    )
    if not taken:
        raise ImportStateError(_("Cet import est déjà en cours ou terminé : rechargez la page."))
    data_import.refresh_from_db()
    _send(data_import, ANALYSIS)
    return data_import


@transaction.atomic
def data_import_start(*, data_import: DataImport, phase: str, only_valid_rows: bool = False) -> DataImport:
    """Start the check or the import in the task: compare-and-set pending (or failed) → running
    (a second click does not start it twice). Nothing is read here: the task reads the file."""
    if phase not in (CHECK, IMPORT):
        raise ValueError(phase)
    if phase == IMPORT and not data_import.rows_total:
        raise ImportStateError(_("Vérifiez d'abord le fichier : l'import se lance après la vérification."))
    job_reap_if_dead(data_import)  # « déjà en cours » must not block an import whose worker died
    if data_import.phase == ImportPhase.ANALYSIS and data_import.status == JobStatus.FAILED:
        raise ImportStateError(FILE_REFUSED)
    if data_import.files_purged_at:
        raise ImportStateError(_("Le fichier de cet import a été supprimé (durée de conservation dépassée) : déposez-le à nouveau."))
    fields = {"status": JobStatus.RUNNING, "phase": phase, "heartbeat_at": timezone.now()}
    if phase == IMPORT:
        fields["only_valid_rows"] = only_valid_rows
    else:
        fields.update(rows_total=0, rows_created=0, rows_updated=0, rows_in_error=0, errors=[], finished_at=None)
    taken = DataImport.objects.filter(pk=data_import.pk, status__in=(JobStatus.PENDING, JobStatus.FAILED)).update(**fields)
    if not taken:
        raise ImportStateError(_("Cet import est déjà en cours ou terminé : rechargez la page."))
    data_import.refresh_from_db()
    _send(data_import, phase)
    return data_import


def _fail(data_import: DataImport, message: str) -> None:
    DataImport.objects.filter(pk=data_import.pk).update(
        status=JobStatus.FAILED, errors=[{"row": None, "column": "", "message": message}], finished_at=timezone.now(),
    )
    data_import.refresh_from_db()


def data_import_process(*, data_import: DataImport, phase: str, table: Table | None = None,
                        progress: Callable[[int, int], None] | None = None) -> DataImport:
    """Run a started (running) analysis, check or import to its end and record the outcome on the row."""
    if phase == ANALYSIS:
        return data_import_analyse(data_import=data_import)  # its progress is kept on the row (``rows_read``)
    if (data_import.status, data_import.phase) != (JobStatus.RUNNING, phase):
        logger.info("data import %s is %s (%s), not running its %s: nothing to do", data_import.pk, data_import.status,
                    data_import.phase, phase)
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
