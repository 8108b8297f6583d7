"""The first rows of a file as the mapping reads them: each mapped cell shown as it will be stored
(dates as JJ/MM/AAAA, Oui/Non, codes), or flagged with the reason it cannot be read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from alternance.imports.base import FieldSpec
from alternance.imports.readers import Table
from alternance.imports.values import CellError, is_empty, shown

PREVIEW_ROWS = 10


@dataclass(frozen=True)
class PreviewCell:
    text: str
    error: str = ""
    empty: bool = False
    label: str = ""  # the field, to list the problems under the table


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: list[PreviewCell]


def _display(value) -> str:
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Decimal):
        return f"{value}".replace(".", ",")
    if isinstance(value, set):
        return ", ".join(sorted(value))
    return str(value)


def preview(table: Table, fields: tuple[FieldSpec, ...], mapping: dict[str, str]) -> tuple[list[FieldSpec], list[PreviewRow]]:
    """(mapped fields in order, their first rows read)."""
    mapped = [spec for spec in fields if mapping.get(spec.name) in table.headers]
    rows = []
    for row in table.rows[:PREVIEW_ROWS]:
        cells = []
        for spec in mapped:
            raw = row.values[table.headers.index(mapping[spec.name])]
            if is_empty(raw):
                cells.append(PreviewCell(text="", empty=True, label=str(spec.label),
                                         error=_("la cellule est vide : ce champ est obligatoire.") if spec.required else ""))
                continue
            try:
                cells.append(PreviewCell(text=_display(spec.parser(raw))))
            except CellError as problem:
                cells.append(PreviewCell(text=shown(raw), error=str(problem), label=str(spec.label)))
        rows.append(PreviewRow(number=row.number, cells=cells))
    return mapped, rows
