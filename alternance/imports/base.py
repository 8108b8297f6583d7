"""What every kind of import shares: the field specifications, the outcome of a row, the French
row/column error messages, and the base class a kind extends (``validate`` then ``write``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, router
from django.utils.translation import gettext as _

from alternance.history.services import record_bulk
from alternance.imports.readers import Row
from alternance.imports.values import CellError, is_empty, shown
from alternance.validators import mask_nir

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(frozen=True)
class FieldSpec:
    """One importable field: its French label (the column name of the template), how a cell is
    read, and the header spellings that suggest it (ERP exports, the State dashboard's file…)."""

    name: str
    label: str
    parser: Callable[[Any], Any]
    required: bool = False  # the column must be mapped and its cell filled
    aliases: tuple[str, ...] = ()
    help: str = ""  # how to write it, shown on the mapping screen
    example: Any = ""  # value of the template's example row
    # A regulated identifier (the NIR): masked in every message and in the error report (issue 17 §5).
    sensitive: bool = False


@dataclass(frozen=True)
class RowError:
    """A problem of one row; ``column`` is the header of the column in the person's file ("" when
    the problem concerns the whole row or a field the file does not have)."""

    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        return format_error(self.as_dict())


def format_error(error: dict) -> str:
    """« Ligne 7, colonne « SIRET » : … » — the row as numbered in the spreadsheet (header = 1)."""
    if error.get("row") is None:
        return error["message"]
    if error.get("column"):
        return _("Ligne %(row)s, colonne « %(column)s » : %(message)s") % error
    return _("Ligne %(row)s : %(message)s") % error


@dataclass
class RowOutcome:
    row: Row
    errors: list[RowError] = field(default_factory=list)
    action: str = ""  # CREATE / UPDATE / UNCHANGED once valid
    payload: Any = None  # what ``write`` needs (the instance to save, the service arguments…)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportKindBase:
    """A kind of import. Subclasses declare ``kind``, ``label``, ``fields`` and implement
    ``validate`` (every row checked, nothing written, a fixed number of queries) and ``write``
    (the valid rows written; the runner holds the transaction)."""

    kind: str = ""
    label: str = ""
    fields: tuple[FieldSpec, ...] = ()
    # Groups of fields of which at least one must be mapped (e.g. the apprentice's INE or e-mail).
    one_of: tuple[tuple[str, ...], ...] = ()
    # Model attribute → field name, where they differ (to name the column of a model error).
    model_fields: dict[str, str] = {}
    layout_help: str = ""
    batch_size = 500

    def __init__(self, *, mapping: dict[str, str], headers: list[str], by=None, today=None):
        self.by = by
        self.today = today
        self.headers = headers
        self.mapping = {name: header for name, header in mapping.items() if header and header in headers}
        self.specs = {spec.name: spec for spec in self.fields}
        self.index = {name: headers.index(header) for name, header in self.mapping.items() if name in self.specs}

    # --- reading a row -----------------------------------------------------------------------

    @classmethod
    def spec(cls, name: str) -> FieldSpec:
        return next(spec for spec in cls.fields if spec.name == name)

    def raw(self, row: Row, name: str):
        index = self.index.get(name)
        if index is None:
            return None
        value = row.values[index]
        return None if is_empty(value) else value

    def column(self, name: str) -> str:
        return self.mapping.get(name, "")

    def error(self, row: Row, name: str | None, message: str) -> RowError:
        """An error on the column of field ``name``; when the file has no such column, the
        message names the field so that the person knows which column to add."""
        column = self.column(name) if name else ""
        if name and not column and name in self.specs:
            message = _("%(message)s (champ « %(label)s », absent du fichier : ajoutez cette colonne ou associez-la.)") % {
                "message": message.rstrip("."), "label": self.specs[name].label,
            }
        return RowError(row=row.number, column=column, message=message)

    # Required fields whose cell may be empty on a row (checked elsewhere, e.g. once per company).
    empty_allowed: frozenset[str] = frozenset()

    def parse(self, row: Row) -> tuple[dict, list[RowError]]:
        """The mapped, non-empty cells of ``row`` read by their parser; empty required cells and
        unreadable cells become errors (all of them, not just the first)."""
        values: dict = {}
        errors: list[RowError] = []
        for name, spec in self.specs.items():
            raw = self.raw(row, name)
            if raw is None:
                if spec.required and name not in self.empty_allowed:
                    errors.append(self.error(row, name, _("la cellule est vide : renseignez « %(label)s »%(help)s.") % {
                        "label": spec.label, "help": f" ({spec.help})" if spec.help else "",
                    }))
                continue
            try:
                values[name] = spec.parser(raw)
            except CellError as problem:
                errors.append(self.error(row, name, str(problem)))
        return values, errors

    def bad_fields(self, row: Row, values: dict) -> set[str]:
        """Fields whose cell was unreadable, or required and empty (already reported by ``parse``)."""
        return {spec.name for spec in self.fields if spec.name not in values and (
            (spec.required and spec.name not in self.empty_allowed) or self.raw(row, spec.name) is not None)}

    def model_errors(self, row: Row, error: ValidationError, *, fields: dict[str, str] | None = None,
                     skip: Iterable[str] = ()) -> list[RowError]:
        """The model's French validation messages, each on the column of its field, quoting the cell."""
        names = {**self.model_fields, **(fields or {})}
        found: list[RowError] = []
        items = error.message_dict.items() if hasattr(error, "error_dict") else [(NON_FIELD_ERRORS, error.messages)]
        for model_field, messages in items:
            if model_field in skip:
                continue
            name = names.get(model_field, model_field)
            spec_name = name if name in self.specs else None
            raw = self.raw(row, spec_name) if spec_name else None
            # One message per cell: the first says what is expected (« 4 chiffres et une lettre »),
            # the next ones (maximum length…) would only repeat it less clearly.
            message = messages[0] if spec_name else " ".join(messages)
            if raw is not None:
                quoted = mask_nir(shown(raw)) if self.specs[spec_name].sensitive else shown(raw)
                message = _("« %(value)s » : %(message)s") % {"value": quoted, "message": message}
            found.append(self.error(row, spec_name, message))
        return found

    # --- to implement ------------------------------------------------------------------------

    def validate(self, rows: list[Row], *, for_write: bool) -> list[RowOutcome]:
        raise NotImplementedError

    def write(self, outcomes: list[RowOutcome]) -> None:
        raise NotImplementedError

    # --- progress ------------------------------------------------------------------------------

    progress: Callable[[int, int], None] | None = None

    def tick(self, done: int, total: int) -> None:
        """Report progress every 500 rows (the Celery task shows it on the status page)."""
        if self.progress and done % 500 == 0:
            self.progress(done, total)


def snapshot(instance) -> dict[str, Any]:
    """The stored values of a model instance, to tell afterwards what an import changed."""
    return {f.name: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}


def changed_since(instance, before: dict[str, Any]) -> list[str]:
    """Field names whose value differs from ``before`` (normalisation by ``full_clean`` included:
    « 62.01Z » in the file and 6201Z stored is no change)."""
    ignored = {"updated_at", "created_at"}
    return [name for name, value in before.items()
            if name not in ignored and getattr(instance, instance._meta.get_field(name).attname) != value]


def bulk_update_rows(model, objects: list, fields: Iterable[str], *, batch_size: int = 500) -> None:
    """Save ``fields`` of ``objects`` with one parameterised ``UPDATE … WHERE pk = %s`` that the
    driver executes for a whole batch (``executemany``: one call per batch, pipelined by psycopg).

    Why not ``QuerySet.bulk_update``: it builds one ``CASE WHEN pk = … THEN …`` per field and per
    object; for 10 000 learners its expressions took 11 s to compile in Python and PostgreSQL
    evaluates each CASE for every row of the batch (18 s in all), where this takes about a second.
    Values are converted by each field exactly as ``save()`` does (``get_db_prep_save``); like
    ``bulk_update``, no signal is sent.
    """
    if not objects:
        return
    fields = list(fields)
    # The search keys follow the names, e-mails and phones they are computed from (issue 13 §3).
    if set(fields) & set(getattr(model, "SEARCH_SOURCE_FIELDS", ())):
        for obj in objects:
            obj.refresh_search_keys()
        fields = [*fields, *(name for name in model.SEARCH_KEY_FIELDS if name not in fields)]
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    # Only identifiers from the model's metadata, quoted by the backend; every value is a parameter.
    sql = "UPDATE {table} SET {assignments} WHERE {pk} = %s".format(  # noqa: S608
        table=quote(meta.db_table),
        assignments=", ".join(f"{quote(column.column)} = %s" for column in columns),
        pk=quote(meta.pk.column),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            cursor.executemany(sql, [
                [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns] + [obj.pk]
                for obj in objects[start:start + batch_size]
            ])


def record_import(by, *, created: list, updated: list[tuple[Any, Iterable[str]]]) -> None:
    """The history of what an import wrote in bulk: creations, and each update's changed fields
    against the values it had before (``history_before``, set when the row was planned)."""
    record_bulk(((obj, None) for obj in created), action=LogEntry.Action.CREATE, actor=by, system="import", kind="import")
    record_bulk(
        ((obj, {name: (obj.history_before.get(name), getattr(obj, obj._meta.get_field(name).attname)) for name in fields})
         for obj, fields in updated),
        actor=by, system="import", kind="import",
    )

