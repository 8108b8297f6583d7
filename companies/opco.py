"""IDCC → OPCO mapping (reference/idcc_opco.csv, 2024 snapshot, domain §4).

The Cerfa has no OPCO field: the OPCO is derived from the employer's collective agreement.
The mapping is data shipped with the app (``companies/data/idcc_opco.csv``); a newer snapshot can
replace the file via the IDCC_OPCO_CSV setting, and staff override the OPCO per company.
"""

import csv
from functools import cache
from pathlib import Path

from django.conf import settings

from companies.choices import Opco

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def _idcc_to_opco(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["idcc"].zfill(4): row["opco_short"] for row in csv.DictReader(handle) if row["opco_short"] in Opco.values}


@cache
def _idcc_labels(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["idcc"].zfill(4): row["label"] for row in csv.DictReader(handle)}


def opco_for_idcc(idcc: str | None) -> str:
    """Short OPCO name for an IDCC, or "" when the IDCC is unknown (9999, 9998, not in the snapshot)."""
    if not idcc:
        return ""
    path = getattr(settings, "IDCC_OPCO_CSV", None) or str(DATA_DIR / "idcc_opco.csv")
    return _idcc_to_opco(path).get(str(idcc).zfill(4), "")


def idcc_label(idcc: str | None) -> str:
    if not idcc:
        return ""
    return _idcc_labels(str(DATA_DIR / "idcc_labels.csv")).get(str(idcc).zfill(4), "")


def known_idccs() -> list[str]:
    """IDCCs that the mapping knows (used by the demo data to pick realistic ones)."""
    path = getattr(settings, "IDCC_OPCO_CSV", None) or str(DATA_DIR / "idcc_opco.csv")
    return sorted(_idcc_to_opco(path))
