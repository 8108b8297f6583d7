"""The one import service that the pages, the Celery task and ``manage.py import_data`` call.

``import_table`` checks every row of a table against a kind's rules, then — unless it is a dry
run — writes the rows in **one transaction**: all of them when none is in error, or only the
valid ones when the person explicitly chose so; otherwise nothing at all. It returns the counts
(created / updated / unchanged / in error) and every error with its row and column.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alternance.choices import ImportKind
from alternance.exports import SafeCsvWriter, xlsx_bytes
from alternance.imports.apprentices import ApprenticeImport
from alternance.imports.base import CREATE, UNCHANGED, UPDATE, ImportKindBase, RowError, format_error
from alternance.imports.companies import CompanyImport
from alternance.imports.contracts import ContractImport
from alternance.imports.readers import Row, Table
from alternance.imports.sessions import SessionImport
from alternance.imports.values import shown
from alternance.validators import mask_identifiers, mask_nir

KINDS: dict[str, type[ImportKindBase]] = {
    ImportKind.APPRENTICES: ApprenticeImport,
    ImportKind.COMPANIES: CompanyImport,
    ImportKind.CONTRACTS: ContractImport,
    ImportKind.SESSIONS: SessionImport,
}


def kind_class(kind: str) -> type[ImportKindBase]:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(_("Type d'import inconnu « %(kind)s » : choisissez %(kinds)s.") % {
            "kind": kind, "kinds": ", ".join(KINDS)}) from None


@dataclass
class ImportReport:
    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_rows: list[Row] = field(default_factory=list)
    # Headers of the file's columns that hold a regulated identifier (the NIR): masked in the report.
    sensitive_columns: frozenset[str] = frozenset()
    written: bool = False  # the valid rows were saved (False: a check, a dry run, or a refused import)

    @property
    def in_error(self) -> int:
        return len(self.error_rows)

    def summary(self) -> str:
        """« 3 lignes créées, 1 mise à jour, 0 inchangée, 2 en erreur. » (each count agrees with its word)."""
        errors = _("%(n)s en erreur") % {"n": self.in_error}
        if self.written:
            parts = (
                ngettext("%(n)s ligne créée", "%(n)s lignes créées", self.created) % {"n": self.created},
                ngettext("%(n)s mise à jour", "%(n)s mises à jour", self.updated) % {"n": self.updated},
                ngettext("%(n)s inchangée", "%(n)s inchangées", self.unchanged) % {"n": self.unchanged},
            )
        else:
            parts = (
                ngettext("%(n)s ligne à créer", "%(n)s lignes à créer", self.created) % {"n": self.created},
                _("%(n)s à mettre à jour") % {"n": self.updated},
                ngettext("%(n)s inchangée", "%(n)s inchangées", self.unchanged) % {"n": self.unchanged},
            )
        return ", ".join((*parts, errors)) + "."


def import_table(
    *, table: Table, kind: str, mapping: dict[str, str], by=None, only_valid_rows: bool = False, dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check every row, then write all of them, only the valid ones (``only_valid_rows``), or none.

    The writes of one import happen in one transaction: a failure half-way leaves nothing behind.
    Re-importing the same file finds every row by its natural key: no duplicate, the changes are
    applied, the rest is counted unchanged.
    """
    handler = kind_class(kind)(mapping=mapping, headers=table.headers, by=by)
    handler.progress = progress
    report = ImportReport(kind=kind, total=len(table.rows), sensitive_columns=frozenset(
        header for name, header in handler.mapping.items() if name in handler.specs and handler.specs[name].sensitive))
    with transaction.atomic():
        outcomes = handler.validate(table.rows, for_write=not dry_run)
        valid = [o for o in outcomes if o.ok]
        # In the order of the file (a kind may find a row's problem while looking at a later one);
        # any NIR a message quotes is masked (issue 17 §5), whichever column it was found in.
        report.errors = sorted((RowError(row=e.row, column=e.column, message=mask_identifiers(e.message))
                                for o in outcomes for e in o.errors), key=lambda error: error.row or 0)
        report.error_rows = [o.row for o in outcomes if not o.ok]
        write = not dry_run and bool(valid) and (not report.errors or only_valid_rows)
        if write:
            handler.write(valid)
        else:
            transaction.set_rollback(True)
    report.written = write
    report.created = sum(1 for o in valid if o.action == CREATE)
    report.updated = sum(1 for o in valid if o.action == UPDATE)
    report.unchanged = sum(1 for o in valid if o.action == UNCHANGED)
    return report


# --- error report ------------------------------------------------------------------------------------

def _masked_cell(value, *, sensitive: bool):
    """A cell of the error report: the NIR column masked whole, a NIR found elsewhere masked too."""
    if value in ("", None):
        return value
    if sensitive:
        return mask_nir(shown(value))
    if isinstance(value, str):
        return mask_identifiers(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = shown(value)
        masked = mask_identifiers(text)
        return value if masked == text else masked
    return value


def error_report(table: Table, report: ImportReport) -> tuple[bytes, str]:
    """(content, extension): the rows in error as they were in the file, preceded by their row
    number and their errors — CSV for a CSV file (UTF-8 with BOM, « ; »), XLSX for a workbook.
    Corrected, the report itself can be imported again (its extra columns are simply not mapped).
    The NIR is masked in it (issue 17 §5): the person copies it again from the original file."""
    by_row: dict[int, list[str]] = {}
    for error in report.errors:
        text = f"« {error.column} » : {error.message}" if error.column else error.message
        by_row.setdefault(error.row, []).append(text)
    header = [_("Ligne d'origine"), _("Erreurs"), *table.headers]
    sensitive = [header in report.sensitive_columns for header in table.headers]
    lines = [[row.number, " | ".join(by_row.get(row.number, [])),
              *(_masked_cell(value, sensitive=flag) for value, flag in zip(row.values, sensitive, strict=True))]
             for row in report.error_rows]
    file_errors = [format_error(e.as_dict()) for e in report.errors if e.row is None]
    if file_errors:
        lines.insert(0, ["", " | ".join(file_errors), *[""] * len(table.headers)])
    if table.format == "xlsx":
        return xlsx_bytes(title=str(_("Erreurs")), header=header, rows=lines, freeze="C2"), "xlsx"
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for line in lines:
        writer.writerow([shown(value) if not isinstance(value, str) else value for value in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "csv"
