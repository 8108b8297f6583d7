"""Suggested matches between a learner and open offers: a pure ranking by distance.

Distance is approximated from postal codes (no geocoding service): same postal code, then same
département, then same region, then anywhere else. The département of a postal code is its first
two characters, except Corsica (20xxx: 200–201 → 2A, 202–206 → 2B) and the overseas départements
(97x / 98x: three characters). Regions: the 2016 map (loi n° 2015-29), one region per overseas
département.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from django.utils.translation import gettext_lazy as _


class Distance(IntEnum):
    SAME_POSTAL_CODE = 0
    SAME_DEPARTMENT = 1
    SAME_REGION = 2
    ELSEWHERE = 3


DISTANCE_LABELS = {
    Distance.SAME_POSTAL_CODE: _("Même code postal"),
    Distance.SAME_DEPARTMENT: _("Même département"),
    Distance.SAME_REGION: _("Même région"),
    Distance.ELSEWHERE: _("Hors région"),
}

_REGIONS = {
    "ARA": "01 03 07 15 26 38 42 43 63 69 73 74",
    "BFC": "21 25 39 58 70 71 89 90",
    "BRE": "22 29 35 56",
    "CVL": "18 28 36 37 41 45",
    "COR": "2A 2B",
    "GES": "08 10 51 52 54 55 57 67 68 88",
    "HDF": "02 59 60 62 80",
    "IDF": "75 77 78 91 92 93 94 95",
    "NOR": "14 27 50 61 76",
    "NAQ": "16 17 19 23 24 33 40 47 64 79 86 87",
    "OCC": "09 11 12 30 31 32 34 46 48 65 66 81 82",
    "PDL": "44 49 53 72 85",
    "PAC": "04 05 06 13 83 84",
}
REGION_OF_DEPARTMENT = {dept: region for region, depts in _REGIONS.items() for dept in depts.split()}


def department_of(postal_code: str) -> str:
    """The département of a French postal code: "75011" → "75", "20000" → "2A", "97400" → "974"."""
    code = (postal_code or "").strip()
    if len(code) < 2:
        return ""
    if code.startswith("20"):
        # Corse-du-Sud 200xx–201xx, Haute-Corse 202xx–206xx.
        return "2A" if code[:3] in ("200", "201") else "2B"
    if code[:2] in ("97", "98"):
        return code[:3]
    return code[:2]


def region_of(postal_code: str) -> str:
    dept = department_of(postal_code)
    # An overseas département is its own region; an unknown one matches nothing.
    return REGION_OF_DEPARTMENT.get(dept, dept if len(dept) == 3 else "")


def distance(a: str, b: str) -> Distance:
    if a and a == b:
        return Distance.SAME_POSTAL_CODE
    dept_a, dept_b = department_of(a), department_of(b)
    if dept_a and dept_a == dept_b:
        return Distance.SAME_DEPARTMENT
    region_a = region_of(a)
    if region_a and region_a == region_of(b):
        return Distance.SAME_REGION
    return Distance.ELSEWHERE


@dataclass(frozen=True)
class Candidate:
    """What the ranking needs to know about an offer."""

    key: int
    postal_code: str
    start_date: date


def rank(postal_code: str, candidates: Iterable[Candidate]) -> list[tuple[Candidate, Distance]]:
    """Candidates nearest first; at equal distance the earliest start, then the oldest (key)."""
    scored = [(c, distance(postal_code, c.postal_code)) for c in candidates]
    return sorted(scored, key=lambda item: (item[1], item[0].start_date, item[0].key))
