"""The two outputs: the XLSX of the official template and the JSON of the State's API.

XLSX: one sheet named « Modèle », the template's header row byte for byte (its bold Calibri 10,
coloured groups, left/top alignment and thin borders), its column widths and cell formats; dates
are real date cells with the template's short-date format (``mm-dd-yy``, Excel's built-in format
14: a French Excel shows JJ/MM/AAAA), identifiers and postal codes are text cells (``@``: leading
zeros kept), booleans are TRUE/FALSE cells (VRAI/FAUX in French), numbers are numbers. Written in
openpyxl's write-only mode: 20 000 rows take seconds, not minutes.

JSON: the body of ``POST /api/v3/dossiers-apprenants`` is a list of records whose keys are the
column names without their marks, plus ``id_erp_apprenant`` (our stable learner id, the
apprentice's primary key); dates as AAAA-MM-JJ, booleans and numbers as JSON values, empty
columns left out. The API takes at most 2 000 records per call, so the file holds a list of
batches — one call's body each.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from copy import copy
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from alternance.tdb.columns import API_BATCH_SIZE, COLUMNS, SHEET_NAME, TEXT_FORMAT
from alternance.tdb.rules import TdbRow

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_CONTENT_TYPE = "application/json"

_THIN = Side(style="thin")
HEADER_FONT = Font(name="Calibri", size=10, bold=True, color="FF000000")
HEADER_ALIGNMENT = Alignment(horizontal="left", vertical="top")
HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CELL_FONT = Font(name="Calibri", size=10)
CELL_ALIGNMENT = Alignment(horizontal="left")


def xlsx_bytes(rows: Iterable[TdbRow]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    for index, column in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
    sheet.freeze_panes = "A2"

    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.alignment, cell.border = HEADER_FONT, HEADER_ALIGNMENT, HEADER_BORDER
        cell.fill = PatternFill(fill_type="solid", fgColor=column.section.value)
        cell.number_format = column.number_format
        header.append(cell)
    sheet.append(header)

    # The style of each column is registered once on a prototype cell; every value cell then gets
    # a copy of its style ids (openpyxl's StyleArray) instead of hashing the same font, alignment
    # and number format again for each of the million cells of a large file.
    styles = []
    for column in COLUMNS:
        prototype = WriteOnlyCell(sheet)
        prototype.font, prototype.alignment, prototype.number_format = CELL_FONT, CELL_ALIGNMENT, column.number_format
        styles.append((column.name, prototype._style, column.number_format == TEXT_FORMAT))
    for row in rows:
        values, cells = row.values, []
        for name, style, as_text in styles:
            value = values.get(name)
            if value is None or value == "":
                cells.append(None)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            cell._style = copy(style)
            if as_text:
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def api_record(row: TdbRow) -> dict:
    """One learner as the API takes it: ``id_erp_apprenant`` first, then the template's columns
    in their order, empty ones left out."""
    record = {"id_erp_apprenant": str(row.apprentice_id)}
    for column in COLUMNS:
        value = row.values.get(column.name)
        if value is None or value == "":
            continue
        record[column.name] = _json_value(value)
    return record


def api_batches(rows: Iterable[TdbRow], size: int = API_BATCH_SIZE) -> list[list[dict]]:
    records = [api_record(row) for row in rows]
    return [records[index:index + size] for index in range(0, len(records), size)]


def json_bytes(rows: Iterable[TdbRow], size: int = API_BATCH_SIZE) -> bytes:
    """A JSON list of batches; each batch is the body of one API call (≤ 2 000 records)."""
    # Compact: a batch of 2 000 records is posted as is (``jq -c '.[]'`` splits the file into bodies).
    return json.dumps(api_batches(rows, size), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
