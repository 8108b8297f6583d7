"""School years of the Tableau de bord: « AAAA-AAAA », from 1 September to 31 August."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class SchoolYear:
    first_year: int

    @property
    def label(self) -> str:
        return f"{self.first_year}-{self.first_year + 1}"

    @property
    def start(self) -> date:
        return date(self.first_year, 9, 1)

    @property
    def end(self) -> date:
        return date(self.first_year + 1, 8, 31)

    def __str__(self) -> str:
        return self.label


def parse_school_year(value: str) -> SchoolYear:
    """``"2026-2027"`` → SchoolYear(2026). Two consecutive years are required (template: AAAA-AAAA)."""
    match = SCHOOL_YEAR_RE.match(str(value or "").strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(_("L'année scolaire s'écrit AAAA-AAAA avec deux années consécutives, par exemple 2026-2027."))
    return SchoolYear(int(match.group(1)))


def school_year_of(day: date) -> SchoolYear:
    """The school year that contains ``day`` (1 September → 31 August)."""
    return SchoolYear(day.year if day.month >= 9 else day.year - 1)
