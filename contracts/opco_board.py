"""The OPCO board's lines, kept (``contracts.models.OpcoBoardItem``; issue 18 §2).

At 20 000 learners, computing the board on each view — the deadlines counted in jours ouvrables,
the balance claim limits of the funding rules, the UNION of five stages sorted by deadline and name —
took 75 to 135 ms for 25 rows. A line depends only on its contract, file and instalment, its
apprentice's name, whether its employer is public, the OPCO deadlines of ``ContractSettings`` and
the funding rules: never on today. So each line is computed once, with the days it enters the board
(``shown_from``) and is late (``late_from`` … ``late_until``), and the board of any day reads an
index range of them (``contracts.opco.Board``).

The lines are kept:

- on every save of a contract, OPCO file, instalment, apprentice (its name orders the board) or
  company (public or not), in the same transaction (``contracts.signals``): the services, the
  Django admin and the factories of the tests all save through them;
- by the writers that bypass ``save()``: a contract's status change (compare-and-set), the kept 45th
  company day (``alternance.planning.free_period``), the bulk imports, the anonymisation, the demo;
- for every contract by the nightly task ``contracts.refresh_opco_board`` (a change of the OPCO
  deadlines or the funding rules in the administration, what a writer missed), which logs how many
  lines it corrected. A test compares the kept lines with a recomputation after each writer.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import NamedTuple

from contracts import funding
from contracts.choices import ACTIVE_CONTRACT_STATUSES, OpcoDecision

logger = logging.getLogger(__name__)

BATCH = 500

# The stages (``contracts.opco.BoardFilter``'s values) and the numbers of the board's rules,
# repeated here because ``contracts.opco`` reads this module's lines.
TO_SEND = "to_send"
AWAITING_DECISION = "awaiting_decision"
INSTALMENT_DUE = "instalment_due"
UNPAID = "unpaid"
BALANCE_AT_RISK = "balance_at_risk"
EMPLOYER_PARTICIPATION = "employer_participation"
# Days the OPCO has to pay an invoice before it is late; days before a balance's claim limit from
# which it is at risk.
PAYMENT_DAYS = 30
BALANCE_WARNING_DAYS = 30

# (group_rank, row_rank): within one contract, the file's order — sending, decision, instalments by
# year, due date and id (due, unpaid, balance), then the employer participation.
STAGE_RANKS = {
    TO_SEND: (0, 0), AWAITING_DECISION: (1, 0), INSTALMENT_DUE: (2, 0), UNPAID: (2, 1), BALANCE_AT_RISK: (2, 2),
    EMPLOYER_PARTICIPATION: (3, 0),
}

NO_DEADLINE = date.max
ALWAYS = date.min


class Line(NamedTuple):
    """The stored columns of one ``OpcoBoardItem`` (what the refresh compares)."""

    stage: str
    contract_id: int
    instalment_id: int | None
    deadline: date | None
    sort_date: date
    last_name_key: str
    first_name_key: str
    group_rank: int
    instalment_year: int
    instalment_due: date
    row_rank: int
    shown_from: date
    late_from: date | None
    late_until: date | None


FIELDS = Line._fields


class BoardRules(NamedTuple):
    """What the lines read besides the rows: the OPCO deadlines and the funding rules."""

    sending_days: int
    sending_count: str
    decision_days: int
    decision_count: str
    funding_rules: list

    @classmethod
    def load(cls) -> BoardRules:
        from contracts.models import ContractSettings, FundingRule

        settings = ContractSettings.load()
        return cls(settings.opco_sending_days, settings.opco_sending_count, settings.opco_decision_days,
                   settings.opco_decision_count, list(FundingRule.objects.all()))


def _line(stage: str, contract: dict, *, deadline: date | None, shown_from: date = ALWAYS, late_from: date | None = None,
          late_until: date | None = None, instalment: dict | None = None) -> Line:
    group_rank, row_rank = STAGE_RANKS[stage]
    return Line(
        stage=stage, contract_id=contract["pk"], instalment_id=instalment["pk"] if instalment else None,
        deadline=deadline, sort_date=NO_DEADLINE if deadline is None else deadline,
        last_name_key=contract["apprentice__last_name"], first_name_key=contract["apprentice__first_name"],
        group_rank=group_rank, instalment_year=instalment["contract_year"] if instalment else 0,
        instalment_due=instalment["due_date"] if instalment else ALWAYS, row_rank=row_rank,
        shown_from=shown_from, late_from=late_from, late_until=late_until,
    )


_CONTRACT_FIELDS = (
    "pk", "status", "signature_date", "start_date", "end_date", "rupture_date", "free_period_end",
    "apprentice__last_name", "apprentice__first_name", "company__is_public",
    "opco_file__pk", "opco_file__sent_date", "opco_file__decision", "opco_file__complete_file_date",
    "opco_file__employer_participation_amount", "opco_file__employer_participation_invoiced_date",
)
_INSTALMENT_FIELDS = ("pk", "opco_file__contract_id", "contract_year", "kind", "due_date", "invoiced_date", "paid_date")


def contract_lines(contract: dict, instalments: list[dict], rules: BoardRules) -> list[Line]:
    """The board's lines of one contract (``_CONTRACT_FIELDS``) and its file's instalments
    (``_INSTALMENT_FIELDS``, paid ones included: the last contract year counts them)."""
    day = timedelta(days=1)
    lines = []
    has_file = contract["opco_file__pk"] is not None
    if contract["status"] in ACTIVE_CONTRACT_STATUSES and not (has_file and contract["opco_file__sent_date"]):
        deadline = funding.sending_deadline(contract["start_date"], rules.sending_days, rules.sending_count)
        lines.append(_line(TO_SEND, contract, deadline=deadline, late_from=deadline + day))
    # A public employer's file is a DDETS deposit: no OPCO decision, instalments or participation.
    if not has_file or contract["company__is_public"]:
        return lines
    if contract["opco_file__sent_date"] and contract["opco_file__decision"] == OpcoDecision.PENDING:
        complete = contract["opco_file__complete_file_date"]
        deadline = funding.decision_deadline(complete, rules.decision_days, rules.decision_count) if complete else None
        lines.append(_line(AWAITING_DECISION, contract, deadline=deadline, late_from=deadline + day if deadline else None))
    last_year = max((i["contract_year"] for i in instalments), default=0)
    reference = funding.funding_reference_date(signature_date=contract["signature_date"], start_date=contract["start_date"])
    rule = funding.rule_in_force(rules.funding_rules, reference)
    for instalment in instalments:
        if instalment["paid_date"] is not None:
            continue
        if instalment["invoiced_date"] is not None:
            deadline = instalment["invoiced_date"] + timedelta(days=PAYMENT_DAYS)
            lines.append(_line(UNPAID, contract, deadline=deadline, late_from=deadline + day, instalment=instalment))
            continue
        due = instalment["due_date"]
        at_risk_from = None
        if rule is not None and funding.is_last_year_balance(instalment["kind"], instalment["contract_year"], last_year):
            limit = funding.balance_claim_limit(rule, contract["rupture_date"] or contract["end_date"])
            if limit is not None:
                # At risk (and late) from BALANCE_WARNING_DAYS before its claim limit, and never
                # before as many days before its due date.
                warning = timedelta(days=BALANCE_WARNING_DAYS)
                at_risk_from = max(limit, due) - warning
                lines.append(_line(BALANCE_AT_RISK, contract, deadline=limit, shown_from=at_risk_from, late_from=at_risk_from,
                                   instalment=instalment))
        # A balance both overdue and at risk is late once, as at risk.
        lines.append(_line(INSTALMENT_DUE, contract, deadline=due, shown_from=due, late_from=due + day, late_until=at_risk_from,
                           instalment=instalment))
    if contract["opco_file__employer_participation_amount"] is not None and contract["opco_file__employer_participation_invoiced_date"] is None:
        first_day = funding.participation_invoiceable_from(free_period_end=contract["free_period_end"], rupture_date=contract["rupture_date"])
        if first_day is not None:  # its 45th company day is beyond the calendar: not yet on the board
            lines.append(_line(EMPLOYER_PARTICIPATION, contract, deadline=first_day, shown_from=first_day))
    return lines


def computed_lines(contract_ids: list[int], rules: BoardRules, *, models=None) -> set[Line]:
    """The lines of these contracts, computed from their rows (two queries). ``models``: the
    historical models of a migration (``contract``, ``instalment``), else the current ones."""
    Contract, OpcoInstalment = _models(models)[:2]
    contracts = list(Contract.objects.filter(pk__in=contract_ids).values(*_CONTRACT_FIELDS))
    instalments: dict[int, list[dict]] = defaultdict(list)
    with_file = [c["pk"] for c in contracts if c["opco_file__pk"] is not None]
    if with_file:
        for row in OpcoInstalment.objects.filter(opco_file__contract_id__in=with_file).order_by().values(*_INSTALMENT_FIELDS):
            instalments[row["opco_file__contract_id"]].append(row)
    return {line for contract in contracts for line in contract_lines(contract, instalments[contract["pk"]], rules)}


def lines_refresh(contract_ids: Iterable[int], *, rules: BoardRules | None = None, models=None) -> int:
    """Recompute and store the lines of these contracts (inside the transaction that changed them);
    returns how many lines were written or removed."""
    ids = sorted({pk for pk in contract_ids if pk})
    if not ids:
        return 0
    rules = rules or BoardRules.load()
    OpcoBoardItem = _models(models)[2]
    changed = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        wanted = computed_lines(batch, rules, models=models)
        stored = {Line(*row[1:]): row[0] for row in OpcoBoardItem.objects.filter(contract_id__in=batch).values_list("pk", *FIELDS)}
        stale = [pk for line, pk in stored.items() if line not in wanted]
        missing = [OpcoBoardItem(**line._asdict()) for line in wanted if line not in stored]
        if stale:
            OpcoBoardItem.objects.filter(pk__in=stale).delete()
        if missing:
            OpcoBoardItem.objects.bulk_create(missing, batch_size=BATCH)
        changed += len(stale) + len(missing)
    return changed


def refresh_all(*, models=None, rules: BoardRules | None = None) -> int:
    """Every contract, by batches in id order (the nightly task, the demo, the migration); returns
    how many lines were corrected."""
    Contract = _models(models)[0]
    rules = rules or BoardRules.load()
    changed, last = 0, 0
    while True:
        ids = list(Contract.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        changed += lines_refresh(ids, rules=rules, models=models)
        last = ids[-1]
    return changed


def refresh_apprentices(apprentice_ids: Iterable[int]) -> int:
    """After a change of these apprentices' names (they order the board): one UPDATE of their lines."""
    from django.db.models import OuterRef, Q, Subquery

    from alternance.models import Apprentice
    from contracts.models import OpcoBoardItem

    ids = sorted({pk for pk in apprentice_ids if pk})
    if not ids:
        return 0
    names = Apprentice.objects.filter(contracts=OuterRef("contract_id"))
    last_name, first_name = Subquery(names.values("last_name")[:1]), Subquery(names.values("first_name")[:1])
    return (
        OpcoBoardItem.objects.filter(contract__apprentice_id__in=ids)
        .exclude(Q(last_name_key=last_name) & Q(first_name_key=first_name))
        .update(last_name_key=last_name, first_name_key=first_name)
    )


def refresh_companies(company_ids: Iterable[int]) -> int:
    """After a change of these employers (public or not)."""
    from contracts.models import Contract

    ids = sorted({pk for pk in company_ids if pk})
    return lines_refresh(Contract.objects.filter(company_id__in=ids).values_list("pk", flat=True)) if ids else 0


# --- writes in bulk: one refresh at the end instead of one per save ----------------------------------

_deferred: contextvars.ContextVar[set | None] = contextvars.ContextVar("opco_board_deferred", default=None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Inside, the saves only note their contracts; they are refreshed once on leaving (a batch of
    writes: the demo, an import)."""
    if _deferred.get() is not None:  # nested: the outer block refreshes
        yield
        return
    pending: set = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    contracts = {pk for kind, pk in pending if kind == "contract"}
    lines_refresh(contracts)
    refresh_apprentices(pk for kind, pk in pending if kind == "apprentice")
    refresh_companies(pk for kind, pk in pending if kind == "company")


def changed(*, contract_ids: Iterable[int] = (), apprentice_ids: Iterable[int] = (), company_ids: Iterable[int] = ()) -> None:
    """These rows changed: refresh their lines now, or at the end of the ``deferred`` block."""
    pending = _deferred.get()
    if pending is not None:
        pending.update(("contract", pk) for pk in contract_ids)
        pending.update(("apprentice", pk) for pk in apprentice_ids)
        pending.update(("company", pk) for pk in company_ids)
        return
    lines_refresh(contract_ids)
    refresh_apprentices(apprentice_ids)
    refresh_companies(company_ids)


def _models(models):
    if models is not None:
        return models.get_model("contracts", "Contract"), models.get_model("contracts", "OpcoInstalment"), \
            models.get_model("contracts", "OpcoBoardItem")
    from contracts.models import Contract, OpcoBoardItem, OpcoInstalment

    return Contract, OpcoInstalment, OpcoBoardItem

