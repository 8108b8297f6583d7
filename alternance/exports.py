"""CSV / XLSX exports of the back-office lists (CSV for Excel in French, XLSX with real dates).

Every CSV or XLSX the product writes for people to open goes through ``spreadsheet_safe`` (issue 17
§10): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a
formula in Excel or LibreOffice (``=HYPERLINK(…)`` typed as an absence reason). XLSX files are
written in openpyxl's write-only mode: linear in rows and bounded in memory (issue 18 §1).

A list export (issue 18 §1) is linear in rows and bounded in memory: the rows come from a queryset
``.iterator()``, a CSV is streamed to the client as it is written, an XLSX is written row by row to
a temporary file that is then streamed. A list with more rows than ``EXPORT_INLINE_MAX_ROWS`` is
exported by a Celery job instead (``ListExport``: progress, « Relancer », a download for its requester
only, files purged after ``FILE_RETENTION_DAYS["list_exports"]`` days).
"""

from __future__ import annotations

import csv
import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import IO

from django.core.files import File
from django.db import transaction
from django.http import FileResponse, HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from alternance.choices import JobStatus
from alternance.jobs import failure_text, heartbeat
from alternance.models import ListExport, User
from alternance.outbox import enqueue

logger = logging.getLogger(__name__)

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Rows fetched per query by a list export (``QuerySet.iterator``), and the job's progress step.
EXPORT_CHUNK_ROWS = 2000

# Excel refuses these characters in a sheet name and cuts it at 31 characters.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31

# OWASP "CSV injection": the first characters that make a spreadsheet evaluate a cell. A plain
# number written as text ("-12,50", "+33 6 12 34 56 78") cannot run anything and stays as it is.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[\d\s\u00a0\u202f.,]+")


def spreadsheet_safe(value):
    """``value`` as a spreadsheet cell that cannot run: text starting with a formula trigger gets a
    leading apostrophe (shown as typed, never evaluated); lazy translations become text."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through ``spreadsheet_safe``."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([spreadsheet_safe(value) for value in row])


def xlsx_write(target: IO[bytes], *, title: str, header: Sequence, rows: Iterable[Sequence], widths: Sequence[int] = (),
               freeze: str = "A2") -> int:
    """One sheet in write-only mode into ``target``: a bold header, dates as dd/mm/yyyy, amounts
    (Decimal) with two decimals, every text cell through ``spreadsheet_safe``. openpyxl writes each
    row to a temporary file as it comes (never ``sheet.max_row`` nor a list of rows): time linear
    in rows, memory bounded. Returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:SHEET_NAME_MAX])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = freeze
    bold = Font(bold=True)

    def cell(value, *, font=None):
        written = WriteOnlyCell(sheet, value=spreadsheet_safe(value))
        if font is not None:
            written.font = font
        if isinstance(value, date | datetime):
            written.number_format = "DD/MM/YYYY"
        elif isinstance(value, Decimal):
            written.number_format = "#,##0.00"
        return written

    sheet.append([cell(str(title), font=bold) for title in header])
    count = 0
    for row in rows:
        sheet.append([cell(value) for value in row])
        count += 1
    workbook.save(target)
    return count


def xlsx_bytes(*, title: str, header: Sequence, rows: Iterable[Sequence], widths: Sequence[int] = (), freeze: str = "A2") -> bytes:
    """``xlsx_write`` into memory, for the small files (import error reports, boards)."""
    buffer = BytesIO()
    xlsx_write(buffer, title=title, header=header, rows=rows, widths=widths, freeze=freeze)
    return buffer.getvalue()


class _Line:
    """A write-only "file" for ``csv.writer`` that hands back the line just written."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV for Excel in French, one line at a time: UTF-8 BOM first, ``;``, dates dd/mm/yyyy, every
    cell through ``spreadsheet_safe``."""
    writer = csv.writer(_Line(), delimiter=";")
    yield "\ufeff" + writer.writerow([spreadsheet_safe(str(h)) for h in header])
    for row in rows:
        yield writer.writerow([spreadsheet_safe(f"{v:%d/%m/%Y}" if isinstance(v, date) else v) for v in row])


def sheet_name(file_name: str) -> str:
    """The XLSX tab's name from the file's ("justificatifs-2026-12-05" → "Justificatifs"): the list's
    name without the date, readable, never Excel's default "Sheet"."""
    base = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", file_name).replace("-", " ").replace("_", " ").strip()
    base = SHEET_NAME_FORBIDDEN.sub(" ", base)[:SHEET_NAME_MAX].strip()
    return base[:1].upper() + base[1:] if base else "Export"


def export_response(fmt: str, *, name: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """CSV for Excel in French (UTF-8 with BOM, ``;``, dd/mm/yyyy), streamed as it is written, or
    XLSX with real dates, written to a temporary file then streamed: neither holds the rows in memory."""
    if fmt == "xlsx":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 — closed (and deleted) by FileResponse once sent
        xlsx_write(spool, title=sheet_name(name), header=header, rows=rows)
        spool.seek(0)
        response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    else:
        response = StreamingHttpResponse((line.encode() for line in csv_lines(header, rows)), content_type=CSV_CONTENT_TYPE)
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- list exports as background jobs (issue 18 §1) ---------------------------------------------------------


@transaction.atomic
def list_export_start(*, user: User, title: str, view: str, params: str, fmt: str, rows_total: int) -> ListExport:
    """Record the export of a list and start its job once the request commits (the outbox: the task
    intent is written in this transaction, never lost if the broker is down)."""
    export = ListExport(title=title, view=view, params=params, format=fmt, rows_total=rows_total, created_by=user)
    export.full_clean()
    export.save()
    enqueue("alternance.list_export_run", kwargs={"export_id": export.pk})
    return export


def list_export_source(export: ListExport) -> tuple[Sequence[str], Iterable[Sequence]]:
    """The header and rows of the recorded list, rebuilt *as its requester* with the recorded filters:
    the list view's own ``export_header`` / ``export_row`` over its own selector and scope."""
    view_class = import_string(export.view)
    if not isinstance(getattr(view_class, "export_name", None), str) or not hasattr(view_class, "for_export"):
        raise LookupError(f"{export.view} is not an exportable list")
    view = view_class.for_export(user=export.created_by, params=QueryDict(export.params))
    return [str(h) for h in view.export_header], view.export_rows()


def _counted(rows: Iterable[Sequence], on_step: Callable[[int], None]) -> Iterator[Sequence]:
    for count, row in enumerate(rows, start=1):
        yield row
        if count % EXPORT_CHUNK_ROWS == 0:
            on_step(count)


def list_export_run(*, export: ListExport) -> ListExport:
    """Write the file of a recorded list export. Safe to re-run: only a pending (or failed) export is
    taken, with a compare-and-set; the file is written again from the start. Progress
    (``rows_written``) and the heartbeat are saved every ``EXPORT_CHUNK_ROWS`` rows."""
    taken = ListExport.objects.filter(pk=export.pk, status__in=(JobStatus.PENDING, JobStatus.FAILED)).update(
        status=JobStatus.RUNNING, error="", finished_at=None, heartbeat_at=timezone.now(), rows_written=0
    )
    if not taken:
        logger.info("list export %s already taken", export.pk)
        export.refresh_from_db()
        return export
    export.refresh_from_db()

    def progress(count: int) -> None:
        ListExport.objects.filter(pk=export.pk).update(rows_written=count)
        heartbeat(export)

    try:
        header, rows = list_export_source(export)
        with tempfile.TemporaryFile() as spool:
            if export.format == ListExport.Format.XLSX:
                written = xlsx_write(spool, title=sheet_name(export.title), header=header, rows=_counted(rows, progress))
            else:
                written = -1  # the header line is not a row
                for line in csv_lines(header, _counted(rows, progress)):
                    spool.write(line.encode())
                    written += 1
            spool.seek(0)
            name = f"{export.title}-{timezone.localdate():%Y-%m-%d}-{export.pk}.{export.format}"
            export.file.save(name, File(spool), save=False)
    except Exception as exc:
        logger.exception("list export %s failed", export.pk)
        ListExport.objects.filter(pk=export.pk).update(
            status=JobStatus.FAILED, finished_at=timezone.now(),
            error=_("La production du fichier a échoué : %(error)s") % {"error": failure_text(exc)},
        )
        export.refresh_from_db()
        return export
    export.rows_written, export.status, export.finished_at = written, JobStatus.DONE, timezone.now()
    export.save(update_fields=["file", "rows_written", "status", "finished_at"])
    return export
