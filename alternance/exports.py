"""CSV / XLSX exports of the back-office lists (CSV for Excel in French, XLSX with real dates).

Every CSV or XLSX the product writes for people to open goes through ``spreadsheet_safe`` (issue 17
§10): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a
formula in Excel or LibreOffice (``=HYPERLINK(…)`` typed as an absence reason). XLSX files are
written in openpyxl's write-only mode: linear in rows and bounded in memory (issue 18 §1).
"""

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.utils.functional import Promise

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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


def xlsx_bytes(*, title: str, header: Sequence, rows: Iterable[Sequence], widths: Sequence[int] = (), freeze: str = "A2") -> bytes:
    """One sheet in write-only mode: a bold header, dates as dd/mm/yyyy, amounts (Decimal) with two
    decimals, every text cell through ``spreadsheet_safe``."""
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
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_name(file_name: str) -> str:
    """The XLSX tab's name from the file's ("justificatifs-2026-12-05" → "Justificatifs"): the list's
    name without the date, readable, never Excel's default "Sheet"."""
    base = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", file_name).replace("-", " ").replace("_", " ").strip()
    base = SHEET_NAME_FORBIDDEN.sub(" ", base)[:SHEET_NAME_MAX].strip()
    return base[:1].upper() + base[1:] if base else "Export"


def export_response(fmt: str, *, name: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """CSV for Excel in French (UTF-8 with BOM, ``;``, dd/mm/yyyy) or XLSX with real dates."""
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(title=sheet_name(name), header=header, rows=rows), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        writer = SafeCsvWriter(response, delimiter=";")
        writer.writerow([str(h) for h in header])
        for row in rows:
            writer.writerow([f"{v:%d/%m/%Y}" if isinstance(v, date) else v for v in row])
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
