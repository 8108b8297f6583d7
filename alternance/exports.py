"""CSV / XLSX exports of the back-office lists (CSV for Excel in French, XLSX with real dates)."""

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import date
from io import BytesIO

from django.http import HttpResponse
from django.utils.functional import Promise

EXPORT_FORMATS = ("csv", "xlsx")

# Excel refuses these characters in a sheet name and cuts it at 31 characters.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def sheet_name(file_name: str) -> str:
    """The XLSX tab's name from the file's ("justificatifs-2026-12-05" → "Justificatifs"): the list's
    name without the date, readable, never Excel's default "Sheet"."""
    base = re.sub(r"-\d{4}-\d{2}-\d{2}$", "", file_name).replace("-", " ").replace("_", " ").strip()
    base = SHEET_NAME_FORBIDDEN.sub(" ", base)[:SHEET_NAME_MAX].strip()
    return base[:1].upper() + base[1:] if base else "Export"


def export_response(fmt: str, *, name: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """CSV for Excel in French (UTF-8 with BOM, ``;``, dd/mm/yyyy) or XLSX with real dates."""
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = sheet_name(name)
        sheet.append([str(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            # Lazy translations (choice labels…) become text: openpyxl writes plain values only.
            sheet.append([str(value) if isinstance(value, Promise) else value for value in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, date):
                    cell.number_format = "DD/MM/YYYY"
        sheet.freeze_panes = "A2"
        buffer = BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        writer = csv.writer(response, delimiter=";")
        writer.writerow([str(h) for h in header])
        for row in rows:
            writer.writerow([f"{v:%d/%m/%Y}" if isinstance(v, date) else v for v in row])
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
