"""CSV extracts of the evidence pack and the small formatting helpers they share with the PDF.

CSV for Excel in French, like the list exports (alternance/exports.py): UTF-8 with a BOM, ``;``
separator, dates as dd/mm/yyyy, date-times in local time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.exports import SafeCsvWriter


@dataclass
class Extract:
    """One CSV file of an indicator's folder: a fixed name, a header and its rows."""

    name: str
    description: str
    header: Sequence[str]
    rows: list[Sequence] = field(default_factory=list)

    def content(self) -> bytes:
        return csv_bytes(self.header, self.rows)


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = SafeCsvWriter(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(title) for title in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def short(text: str, length: int = 160) -> str:
    """One line of at most ``length`` characters (examples of the summary)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email
