"""Status history of the demo contracts (issue 14 §9): for each contract, the path of the lifecycle
(``contracts.services.TRANSITIONS``) from the draft to its current status, dated from the contract's
own dates (signature, OPCO file, start, end, rupture) on working days up to ``today``, authored by
the demo's administrative staff (the rupture by the coordinator).

Written with ``bulk_create`` (five rows per contract or so: 100 000 rows for the 20 000-learner
demo). ``changed_at`` is ``auto_now_add``: it is switched off while the rows are written, so that
each row keeps its past moment. No random number is drawn: variations come from the contract's index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.db import models
from django.utils import timezone

from alternance.choices import Role
from alternance.demo.dates import working_day_on_or_after, working_day_on_or_before
from alternance.models import User
from contracts.choices import ContractStatus, OpcoDecision
from contracts.models import Contract, ContractStatusChange, OpcoFile

S = ContractStatus
BATCH_SIZE = 2000
COMMENTS = {
    S.DRAFT: "Création",
    S.AWAITING_SIGNATURES: "Cerfa envoyé aux parties pour signature.",
    S.SIGNED: "Contrat signé par les parties.",
    S.SENT_TO_OPCO: "Dossier déposé auprès de l'OPCO.",
    S.ACCEPTED: "Prise en charge accordée par l'OPCO.",
    S.REFUSED: "Refus de prise en charge de l'OPCO : pièces à compléter.",
    S.IN_PROGRESS: "Début d'exécution du contrat.",
    S.ENDED: "Contrat arrivé à son terme.",
}


@contextmanager
def keeping_timestamps(model: type[models.Model], *names: str) -> Iterator[None]:
    """Let ``bulk_create`` write the given ``auto_now_add`` fields as set on the objects (past moments
    of the demo) instead of the current time; restored on exit."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value


@lru_cache(maxsize=8192)  # 100 000 rows at 20 000 learners share a few thousand moments
def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour``:``minute``, Paris time."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def status_path(contract: Contract, opco: OpcoFile | None) -> list[str]:
    """The statuses the contract went through, from the draft to its current status."""
    status = contract.status
    head = [S.DRAFT, S.AWAITING_SIGNATURES, S.SIGNED, S.SENT_TO_OPCO]
    paths = {
        S.DRAFT: [S.DRAFT],
        S.AWAITING_SIGNATURES: head[:2],
        S.SIGNED: head[:3],
        S.SENT_TO_OPCO: head,
        S.ACCEPTED: [*head, S.ACCEPTED],
        S.REFUSED: [*head, S.REFUSED],
        S.IN_PROGRESS: [*head, S.ACCEPTED, S.IN_PROGRESS],
        S.ENDED: [*head, S.ACCEPTED, S.IN_PROGRESS, S.ENDED],
    }
    if status != S.BROKEN:
        return paths[status]
    # A rupture ends the path where the contract stood: signed, sent, accepted or in progress.
    if opco is None or opco.sent_date is None:
        return [*head[:3], S.BROKEN]
    if opco.decision != OpcoDecision.ACCEPTED:
        return [*head, S.BROKEN]
    if contract.rupture_date and contract.rupture_date >= contract.start_date:
        return [*head, S.ACCEPTED, S.IN_PROGRESS, S.BROKEN]
    return [*head, S.ACCEPTED, S.BROKEN]


def _day_of(step: str, contract: Contract, opco: OpcoFile | None, today: date, index: int) -> date:
    signature = contract.signature_date
    if step == S.DRAFT:
        return (signature or today) - timedelta(days=20 + index % 15)
    if step == S.AWAITING_SIGNATURES:
        return (signature or today) - timedelta(days=3 + index % 5)
    if step == S.SIGNED:
        return signature or today
    if step == S.SENT_TO_OPCO:
        return opco.sent_date if opco and opco.sent_date else (signature or today)
    if step in (S.ACCEPTED, S.REFUSED):
        return opco.decision_date if opco and opco.decision_date else today
    if step == S.IN_PROGRESS:
        return contract.start_date
    if step == S.ENDED:
        return contract.end_date + timedelta(days=1)
    return contract.rupture_date or today  # broken


def contract_changes(contract: Contract, opco: OpcoFile | None, *, today: date, index: int,
                     admins: list[User], coordinator: User) -> list[ContractStatusChange]:
    """The history rows of one contract, in order, each on a working day no later than ``today``
    and never before the previous one."""
    rows, previous_day, previous_status = [], None, ""
    admin = admins[index % len(admins)]
    last_working_day = working_day_on_or_before(today)
    for step in status_path(contract, opco):
        day = min(working_day_on_or_after(_day_of(step, contract, opco, today, index)), last_working_day)
        if previous_day is not None and day < previous_day:
            day = previous_day
        author = coordinator if step == S.BROKEN else admin
        comment = contract.rupture_cause if step == S.BROKEN else COMMENTS[step]
        rows.append(ContractStatusChange(
            contract_id=contract.pk, from_status=previous_status, to_status=step, changed_by_id=author.pk,
            changed_at=at(day, 9 + len(rows), 5 * (index % 12)), comment=comment,
        ))
        previous_day, previous_status = day, step
    return rows


def seed_contract_history(*, today: date) -> int:
    """History rows for every demo contract that has none yet; returns how many were written."""
    admins = list(User.objects.filter(role=Role.ADMIN_STAFF).order_by("pk"))
    coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    if not admins or coordinator is None:
        return 0
    opco_files = {f.contract_id: f for f in OpcoFile.objects.only("contract_id", "sent_date", "decision", "decision_date")}
    contracts = Contract.objects.exclude(status_changes__isnull=False).only(
        "pk", "status", "signature_date", "start_date", "end_date", "rupture_date", "rupture_cause",
    ).order_by("pk")
    rows = []
    for index, contract in enumerate(contracts.iterator(chunk_size=BATCH_SIZE)):
        rows.extend(contract_changes(contract, opco_files.get(contract.pk), today=today, index=index,
                                     admins=admins, coordinator=coordinator))
    with keeping_timestamps(ContractStatusChange, "changed_at"):
        ContractStatusChange.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)
