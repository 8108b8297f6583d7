"""Reading a spreadsheet as people and other ERPs produce it: CSV or XLSX → a ``Table``.

CSV: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "texte Unicode"), then Windows-1252
and Latin-1 as fallbacks; the delimiter among ``;`` ``,`` and tab is chosen from the first lines
(an Excel ``sep=;`` first line is honoured). XLSX: openpyxl in read-only mode, the sheet that was
open when the file was saved, values as Excel stored them (real dates stay dates, numbers stay
numbers — ``values.py`` interprets them).

Row numbers are those the person sees in its spreadsheet: the header is row 1 (the first
non-empty row in XLSX), empty lines are skipped but still counted.

Limits (issue 17 §3: a 1 MB workbook of 2 million rows without ``<dimension>`` killed a worker):
a workbook is a ZIP, so the uncompressed size of its members — as declared, then as actually
decompressed — is checked against ``IMPORT_MAX_UNCOMPRESSED_BYTES`` before openpyxl opens it;
reading stops as soon as the file has more data rows than ``IMPORT_MAX_ROWS`` (or more sheet rows,
empty ones included, than twice that: openpyxl makes up the rows a sheet skips). Each limit has a
French message saying how to split the file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

CSV_DELIMITERS = (";", "\t", ",")
DELIMITER_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(Exception):
    """The file cannot be read as a table; ``str()`` is a French message that says what to do."""


PROGRESS_EVERY = 1000  # data rows between two progress reports


@dataclass(frozen=True)
class ReadLimits:
    """How much of a file is read at most (settings ``IMPORT_MAX_ROWS`` and
    ``IMPORT_MAX_UNCOMPRESSED_BYTES``, defaults 50 000 rows and 50 MB)."""

    rows: int
    uncompressed_bytes: int

    @classmethod
    def from_settings(cls) -> ReadLimits:
        return cls(rows=settings.IMPORT_MAX_ROWS, uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES)

    @property
    def sheet_rows(self) -> int:
        """Rows of a sheet read at most, empty ones included (headers and blank lines left some slack)."""
        return 2 * self.rows + 100

    def too_many_rows(self) -> ImportFileError:
        return ImportFileError(_(
            "Le fichier compte plus de %(limit)s lignes de données, la limite d'un import : découpez-le en fichiers "
            "de %(limit)s lignes au plus (l'en-tête répété en première ligne de chacun) et importez-les l'un après l'autre."
        ) % {"limit": number_format(self.rows, force_grouping=True)})

    def too_many_sheet_rows(self) -> ImportFileError:
        return ImportFileError(_(
            "La feuille s'étend au-delà de la ligne %(limit)s (lignes vides comprises) : supprimez les lignes vides "
            "ou les cellules isolées en fin de feuille, ou découpez le fichier en fichiers de %(rows)s lignes au plus."
        ) % {"limit": number_format(self.sheet_rows, force_grouping=True),
             "rows": number_format(self.rows, force_grouping=True)})

    def too_large(self, size: int) -> ImportFileError:
        return ImportFileError(_(
            "Une fois décompressé, le classeur dépasse %(limit)s (%(size)s au moins) : découpez-le en plusieurs "
            "fichiers (l'en-tête répété en première ligne de chacun), ou enregistrez en CSV la seule feuille à importer."
        ) % {"limit": filesizeformat(self.uncompressed_bytes), "size": filesizeformat(size)})


@dataclass
class Row:
    number: int  # the row number in the person's spreadsheet (header = 1)
    values: list  # one value per header, "" / None for empty cells


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    header_row: int = 1
    truncated: bool = False  # read with ``max_rows``: more rows follow
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.format == "xlsx":
            return _("classeur XLSX, feuille « %(sheet)s »") % {"sheet": self.sheet}
        return _("CSV %(encoding)s, séparateur %(delimiter)s") % {
            "encoding": self.encoding, "delimiter": DELIMITER_NAMES.get(self.delimiter, self.delimiter),
        }


def file_format(name: str, head: bytes) -> str:
    """"csv" or "xlsx" from the file name and its first bytes; French error for anything else."""
    lowered = (name or "").lower()
    if lowered.endswith((".xls", ".ods", ".numbers")) and not head.startswith(XLSX_MAGIC):
        raise ImportFileError(_(
            "Ce format n'est pas lu (ancien Excel .xls, LibreOffice .ods…) : dans votre tableur, faites "
            "« Enregistrer sous » et choisissez « Classeur Excel (.xlsx) » ou « CSV »."
        ))
    if lowered.endswith(".xlsx") or lowered.endswith(".xlsm"):
        if not head.startswith(XLSX_MAGIC):
            raise ImportFileError(_(
                "Le fichier porte l'extension .xlsx mais n'est pas un classeur Excel : ré-enregistrez-le depuis "
                "votre tableur au format « Classeur Excel (.xlsx) »."
            ))
        return "xlsx"
    if lowered.endswith((".csv", ".txt", ".tsv")):
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ImportFileError(_(
                "Le fichier porte l'extension .csv mais contient des données binaires : exportez-le à nouveau "
                "en « CSV (séparateur : point-virgule) »."
            ))
        return "csv"
    raise ImportFileError(_("Déposez un fichier .csv ou .xlsx (l'extension du fichier « %(name)s » n'est pas reconnue).") % {"name": name})


def read_table(content: bytes, *, name: str, max_rows: int | None = None, limits: ReadLimits | None = None,
               progress: Callable[[int], None] | None = None) -> Table:
    """The table in ``content`` (the bytes of a file named ``name``). ``max_rows`` stops after that
    many data rows (previews); ``limits`` (default: the settings) refuse a file too large to read;
    ``progress`` is told the number of data rows read every ``PROGRESS_EVERY`` rows."""
    fmt = file_format(name, content[:4096])
    limits = limits or ReadLimits.from_settings()
    reader = read_xlsx if fmt == "xlsx" else read_csv
    table = reader(content, max_rows=max_rows, limits=limits, progress=progress)
    if not table.headers:
        raise ImportFileError(_("Le fichier est vide : la première ligne doit porter les intitulés des colonnes."))
    if not table.rows and not table.truncated:
        raise ImportFileError(_(
            "Le fichier ne contient que la ligne d'intitulés : ajoutez une ligne par enregistrement sous les intitulés."
        ))
    return table


# --- CSV -----------------------------------------------------------------------------------------

def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding name): BOMs first, then UTF-8, then Windows-1252, then Latin-1 (never fails)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace"), "UTF-8"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16"), "UTF-16"
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "Latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most columns and keeps the next lines
    consistent with it (a comma inside a French address must not win over the semicolons)."""
    sample_lines = [line for line in text.splitlines()[:30] if line.strip()][:20]
    if not sample_lines:
        return ";"
    best, best_score = ";", (-1, -1)
    for delimiter in CSV_DELIMITERS:
        rows = list(csv.reader(sample_lines, delimiter=delimiter))
        width = len(rows[0]) if rows else 0
        if width < 2:
            continue
        consistent = sum(1 for row in rows[1:] if len(row) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _clean(value: str) -> str:
    return value.replace("\xa0", " ").replace("\u202f", " ").strip()


def read_csv(content: bytes, *, max_rows: int | None = None, limits: ReadLimits | None = None,
             progress: Callable[[int], None] | None = None) -> Table:
    limits = limits or ReadLimits.from_settings()
    text, encoding = decode_text(content)
    delimiter = ""
    first_line, _sep, rest = text.partition("\n")
    hint = first_line.strip().strip('"').lower()
    if hint.startswith("sep=") and len(hint) == 5:
        # Excel's hint line: it is not shown as a row when Excel opens the file.
        delimiter, text = hint[4], rest
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] = []
    rows: list[Row] = []
    truncated = False
    header_row = 1
    try:
        for number, record in enumerate(reader, start=1):
            values = [_clean(v) for v in record]
            if not headers:
                if not any(values):
                    header_row += 1
                    continue
                headers = values
                continue
            if not any(values):
                continue
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            if len(rows) >= limits.rows:
                raise limits.too_many_rows()
            rows.append(Row(number=number, values=values))
            if progress and len(rows) % PROGRESS_EVERY == 0:
                progress(len(rows))
    except csv.Error as error:
        raise ImportFileError(_("Le fichier CSV est mal formé (%(error)s) : vérifiez les guillemets, puis exportez-le à nouveau.")
                              % {"error": error}) from None
    table = Table(headers=[], rows=rows, format="csv", encoding=encoding, delimiter=delimiter, header_row=header_row,
                  truncated=truncated)
    _finish(table, headers)
    return table


# --- XLSX ----------------------------------------------------------------------------------------

def _xlsx_value(value):
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, datetime) and (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return value.date()
    return value


def check_uncompressed_size(content: bytes, limits: ReadLimits) -> None:
    """Refuse a workbook whose members would decompress beyond the limit — first as their headers
    declare, then as they actually decompress (headers can lie), never holding more than a chunk."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return  # openpyxl says it cannot open it, in the same words as for any unreadable workbook
    with archive:
        members = archive.infolist()
        declared = sum(info.file_size for info in members)
        if declared > limits.uncompressed_bytes:
            raise limits.too_large(declared)
        actual = 0
        for info in members:
            try:
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        actual += len(chunk)
                        if actual > limits.uncompressed_bytes:
                            raise limits.too_large(actual)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as error:
                raise ImportFileError(_(
                    "Le classeur est illisible (%(error)s) : enregistrez-le à nouveau au format « Classeur Excel (.xlsx) »."
                ) % {"error": error.__class__.__name__}) from None


def read_xlsx(content: bytes, *, max_rows: int | None = None, limits: ReadLimits | None = None,
              progress: Callable[[int], None] | None = None) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    limits = limits or ReadLimits.from_settings()
    check_uncompressed_size(content, limits)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise ImportFileError(_(
            "Le classeur ne peut pas être ouvert (%(error)s) : ouvrez-le dans votre tableur et enregistrez-le à "
            "nouveau au format « Classeur Excel (.xlsx) »."
        ) % {"error": error.__class__.__name__}) from None
    try:
        sheet = workbook.active or workbook.worksheets[0]
        # A missing or wrong <dimension> must neither cut the data short nor make openpyxl pad up to
        # it: read the rows the sheet has, the limits below bound them.
        sheet.reset_dimensions()
        headers: list[str] = []
        rows: list[Row] = []
        truncated = False
        header_row = 1
        for number, record in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if number > limits.sheet_rows:
                raise limits.too_many_sheet_rows()
            values = ["" if v is None else _xlsx_value(v) for v in record]
            if not headers:
                if not any(v not in ("", None) for v in values):
                    header_row += 1
                    continue
                headers = [str(v) if not isinstance(v, date | datetime) else f"{v:%d/%m/%Y}" for v in values]
                header_row = number
                continue
            if not any(v not in ("", None) for v in values):
                continue
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            if len(rows) >= limits.rows:
                raise limits.too_many_rows()
            rows.append(Row(number=number, values=values))
            if progress and len(rows) % PROGRESS_EVERY == 0:
                progress(len(rows))
        table = Table(headers=[], rows=rows, format="xlsx", sheet=sheet.title, header_row=header_row, truncated=truncated)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        raise ImportFileError(_(
            "Le classeur est illisible (%(error)s) : enregistrez-le à nouveau au format « Classeur Excel (.xlsx) »."
        ) % {"error": error.__class__.__name__}) from None
    finally:
        workbook.close()
    _finish(table, headers)
    return table


# --- headers ---------------------------------------------------------------------------------------

def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (what the person sees above its columns)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _finish(table: Table, raw_headers: list[str]) -> None:
    """Name every column (empty header → « Colonne F », duplicates numbered), drop the empty
    trailing columns Excel leaves behind, and give every row one value per column."""
    width = max([len(raw_headers), *(len(row.values) for row in table.rows)]) if raw_headers else 0
    used: dict[str, int] = {}
    headers: list[str] = []
    for index in range(width):
        header = str(raw_headers[index]).strip() if index < len(raw_headers) else ""
        if not header:
            header = _("Colonne %(letter)s") % {"letter": column_letter(index)}
        if header in used:
            used[header] += 1
            table.notes.append(_("Deux colonnes s'intitulent « %(header)s » : la seconde est appelée « %(header)s (%(n)s) ».")
                               % {"header": header, "n": used[header]})
            header = f"{header} ({used[header]})"
        used.setdefault(header, 1)
        headers.append(header)
    for row in table.rows:
        row.values = list(row.values) + [""] * (width - len(row.values))
    # Trailing columns with neither a header nor a value (formatting leftovers) are dropped.
    keep = width
    while keep and (keep > len(raw_headers) or not str(raw_headers[keep - 1]).strip()) and all(
        row.values[keep - 1] in ("", None) for row in table.rows
    ):
        keep -= 1
    table.headers = headers[:keep]
    for row in table.rows:
        row.values = row.values[:keep]
