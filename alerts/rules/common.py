"""Small helpers shared by the rules (pure, or one fixed query each — never one query per row)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dateutil.relativedelta import relativedelta

from alternance.choices import ApprenticeStatus
from contracts.choices import ACTIVE_CONTRACT_STATUSES

# Learners still followed by the OF (not completed, not dropped out).
FOLLOWED_STATUSES = (ApprenticeStatus.UNDER_CONTRACT, ApprenticeStatus.SEEKING, ApprenticeStatus.RUPTURANT)

APPRENTICE = "alternance.apprentice"
CONTRACT = "contracts.contract"
USER = "alternance.user"
CONTACT = "companies.companycontact"


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the end of a shorter month."""
    return day + relativedelta(months=months)


def fr(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
          "décembre")


def fr_month(day: date) -> str:
    """« novembre 2026 » (never « 2026-11 »)."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def fr_number(value, decimals: int = 0) -> str:
    """French grouping and decimal comma (« 3 720,00 », « 62,5 »), whatever the active language."""
    from django.utils.formats import number_format
    from django.utils.translation import override

    with override("fr"):
        # Localised by default since Django 5.0 (use_l10n=None means localised).
        return number_format(value, decimals, force_grouping=True)


def fr_euros(value) -> str:
    return f"{fr_number(value, 2)}\u00a0€"


def full_name(first: str, last: str, usage: str = "") -> str:
    return f"{first} {usage or last}"


def apprentices_info(ids: Iterable[int]) -> dict[int, dict]:
    """Name, cohort and referent tutor of the given apprentices: one query."""
    from alternance.models import Apprentice

    rows = Apprentice.objects.filter(pk__in=list(ids)).values(
        "pk", "first_name", "last_name", "usage_name", "cohort_id", "cohort__name", "cohort__referent_tutor_id"
    )
    return {
        row["pk"]: {
            "label": full_name(row["first_name"], row["last_name"], row["usage_name"]),
            "cohort": row["cohort__name"], "cohort_id": row["cohort_id"], "tutor_id": row["cohort__referent_tutor_id"],
        }
        for row in rows
    }


def current_contracts(apprentice_ids: Iterable[int], today: date) -> dict[int, dict]:
    """The active contract (started, latest first) of each given apprentice: one query."""
    from contracts.models import Contract

    rows = (
        Contract.objects.filter(apprentice_id__in=list(apprentice_ids), status__in=ACTIVE_CONTRACT_STATUSES, start_date__lte=today)
        .order_by("apprentice_id", "-start_date", "-pk")
        .values("pk", "apprentice_id", "company_id", "company__name", "company__owner_cre_id")
    )
    found: dict[int, dict] = {}
    for row in rows:
        found.setdefault(row["apprentice_id"], row)
    return found
