"""Fixture files of the import tests (CSV written by hand, as people and ERPs produce them) and the
helpers that build the others (XLSX with real dates and serial numbers, large files)."""

import csv
import io
from datetime import date
from pathlib import Path

from alternance.validators import nir_key
from tests.factories.companies import valid_siret

HERE = Path(__file__).resolve().parent

APPRENTICE_HEADER = [
    "NOM DE NAISSANCE", "Prénom", "Sexe", "Date de naissance", "Département de naissance", "Commune de naissance",
    "Adresse", "Code postal", "Ville", "E-mail", "INE", "Promotion",
]


def read_fixture(name: str) -> bytes:
    return (HERE / name).read_bytes()


def nir(first_thirteen: str) -> str:
    return f"{first_thirteen}{nir_key(first_thirteen):02d}"


def ine(n: int) -> str:
    return f"{700_000_000 + n:09d}AB"


def apprentice_row(n: int, cohort: str, **overrides) -> dict:
    row = {
        "NOM DE NAISSANCE": f"Nom{n}", "Prénom": f"Prénom{n}", "Sexe": "F" if n % 2 else "M",
        "Date de naissance": "14/03/2005", "Département de naissance": "75", "Commune de naissance": "Paris",
        "Adresse": f"{n} rue des Lilas", "Code postal": "75011", "Ville": "Paris", "E-mail": f"personne{n}@example.fr",
        "INE": ine(n), "Promotion": cohort,
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], *, header: list[str] | None = None, delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    header = header or list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header: list[str], *, number_formats: dict[int, str] | None = None) -> bytes:
    """A workbook whose cells keep their Python types (date → real Excel date, int → number)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Apprentis"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        for index, cell in enumerate(sheet[sheet.max_row]):
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
            if number_formats and index in number_formats:
                cell.number_format = number_formats[index]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = ["APPRENTICE_HEADER", "apprentice_row", "csv_bytes", "ine", "nir", "read_fixture", "valid_siret", "xlsx_bytes"]
