"""Each contract's free rupture period's last day, kept on the contract (``Contract.free_period_end``).

The 45th company day (L6222-18 al. 1, ``alternance.planning.practical``) dates the employer
participation (R6332-25-2), which the OPCO board lists for every pending file: at 20 000 learners,
computing it on the real calendars of hundreds of files on each view of the board took about 55 ms
(issue 18 §2). It depends only on the contract's start dates, its apprentice's cohort (rhythm and
training dates), the OF closures, the apprentice's exceptions and the number of days
(``ContractSettings.free_period_company_days``) — never on today — so it is computed when one of
those changes and kept, like the attendance tallies:

- by the services that change them, in their transaction: a contract created or whose dates or
  apprentice change (``contracts.services``, the imports, the merges), a cohort's rhythm or training
  dates (``alternance.catalogue.services``), an apprentice moved to another cohort, a closure, an
  exception (``alternance.planning.services``);
- for every contract by the nightly task ``alternance.refresh_free_period_ends`` (what a service
  missed, a change of the number of days in the administration), which logs how many it corrected;
- by the migration that added the column.

The pages that show one contract (its OPCO timeline, its schedule) still compute it live.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from alternance.planning import practical
from contracts import opco_board
from contracts.models import Contract, ContractSettings

logger = logging.getLogger(__name__)

# Contracts read and written by batches of this size: the calendars' exceptions are then read by
# apprentice ids (``practical.MAX_IDS_IN_QUERY``), never by a date range over the whole table.
BATCH = practical.MAX_IDS_IN_QUERY

_FIELDS = ("pk", "free_period_end", *practical.CALENDAR_FIELDS)


def computed_free_period_ends(contracts: QuerySet, *, days: int | None = None) -> dict[int, date | None]:
    """The free period's last day of each contract of ``contracts``, by id, computed on the real
    calendars (three queries a batch)."""
    days = ContractSettings.load().free_period_company_days if days is None else days
    result: dict[int, date | None] = {}
    for rows in _batches(contracts):
        result.update(_compute(rows, days))
    return result


def free_period_ends_refresh(contracts: QuerySet, *, days: int | None = None, keep_board: bool = True) -> int:
    """Recompute and store the free period's last day of ``contracts``; returns how many changed.
    Call it inside the transaction that changed their calendar. The OPCO board's lines of the
    contracts that changed follow (the employer participation's first day; ``keep_board=False``: the
    migration that adds the column, before the board's lines exist)."""
    days = ContractSettings.load().free_period_company_days if days is None else days
    changed = 0
    for rows in _batches(contracts):
        ends = _compute(rows, days)
        stale = [Contract(pk=row["pk"], free_period_end=ends[row["pk"]]) for row in rows if row["free_period_end"] != ends[row["pk"]]]
        if stale:
            Contract.objects.bulk_update(stale, ["free_period_end"])
            changed += len(stale)
            if keep_board:
                opco_board.changed(contract_ids=[c.pk for c in stale])
    return changed


def refresh_contracts(contract_ids: Iterable[int]) -> int:
    ids = sorted({pk for pk in contract_ids if pk})
    return free_period_ends_refresh(Contract.objects.filter(pk__in=ids)) if ids else 0


def refresh_apprentices(apprentice_ids: Iterable[int]) -> int:
    """After a change of these apprentices' calendars (cohort, exceptions)."""
    ids = sorted({pk for pk in apprentice_ids if pk})
    return free_period_ends_refresh(Contract.objects.filter(apprentice_id__in=ids)) if ids else 0


def refresh_cohorts(cohort_ids: Iterable[int | None]) -> int:
    """After a change of these cohorts' rhythm or training dates (``None`` among them: the whole OF,
    e.g. a closure of every cohort)."""
    ids = set(cohort_ids)
    if None in ids:
        return free_period_ends_refresh(Contract.objects.all())
    return free_period_ends_refresh(Contract.objects.filter(apprentice__cohort_id__in=sorted(ids))) if ids else 0


def refresh_for_period(*, cohort_ids: Iterable[int | None], first_day: date, last_day: date) -> int:
    """After a closure of [``first_day``, ``last_day``] was added, changed or removed (``cohort_ids``:
    the cohorts it applies to, ``None`` for the whole OF): only the contracts whose period may hold
    one of those days — practical start on or before the last day, period not over before the first."""
    ids = set(cohort_ids)
    contracts = Contract.objects.alias(
        practical_start=Coalesce(F("practical_training_start_date"), F("start_date")),
    ).filter(practical_start__lte=last_day).filter(Q(free_period_end__isnull=True) | Q(free_period_end__gte=first_day))
    if None not in ids:
        contracts = contracts.filter(apprentice__cohort_id__in=sorted(ids))
    return free_period_ends_refresh(contracts)


def refresh_all() -> int:
    """Every contract (the nightly task, the migration); returns how many were corrected."""
    changed = free_period_ends_refresh(Contract.objects.all())
    if changed:
        logger.info("free period ends corrected", extra={"contracts": changed})
    return changed


def _batches(contracts: QuerySet):
    """``contracts``' calendar rows by batches of ``BATCH``, in id order (keyset: no OFFSET)."""
    last = 0
    while True:
        rows = list(contracts.filter(pk__gt=last).order_by("pk").values(*_FIELDS)[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1]["pk"]


def _compute(rows: list[dict], days: int) -> dict[int, date | None]:
    calendars = practical.calendars_for_rows(rows)
    return {
        row["pk"]: practical.free_period_end(
            practical.practical_start(practical_training_start_date=row["practical_training_start_date"], start_date=row["start_date"]),
            days, calendar=calendars[row["apprentice_id"]],
        )
        for row in rows
    }
