"""Keep the OPCO board's lines (``contracts.opco_board``) on every save of the rows they read.

Why signals here when the services call their follow-ups explicitly elsewhere: the board's lines
are an index of five tables written by dozens of paths (the contract and OPCO services, the imports,
the merges, the Django admin used as a repair tool, the tests' factories). A save-level hook keeps
them all in step, in the writer's own transaction; the writers that bypass ``save()`` (queryset
``update``, ``bulk_update``) call ``opco_board.changed`` themselves, and the nightly task corrects
what remains. A line goes with its contract or instalment (CASCADE); what a deletion changes for
the others is refreshed once it commits.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from alternance.models import Apprentice
from companies.models import Company
from contracts import opco_board
from contracts.models import Contract, OpcoFile, OpcoInstalment

NAME_FIELDS = {"last_name", "first_name"}


def _touches(update_fields, fields: set[str]) -> bool:
    return update_fields is None or bool(fields & set(update_fields))


@receiver(post_save, sender=Contract, dispatch_uid="opco_board_contract")
def contract_saved(sender, instance: Contract, raw=False, **kwargs):
    if not raw:
        opco_board.changed(contract_ids=[instance.pk])


@receiver(post_save, sender=OpcoFile, dispatch_uid="opco_board_file")
def opco_file_saved(sender, instance: OpcoFile, raw=False, **kwargs):
    if not raw:
        opco_board.changed(contract_ids=[instance.contract_id])


@receiver(post_save, sender=OpcoInstalment, dispatch_uid="opco_board_instalment")
def instalment_saved(sender, instance: OpcoInstalment, raw=False, **kwargs):
    # Another instalment of the file may become (or stop being) the last year's balance.
    if not raw:
        opco_board.changed(contract_ids=_contract_of(instance))


@receiver(post_delete, sender=OpcoFile, dispatch_uid="opco_board_file_deleted")
@receiver(post_delete, sender=OpcoInstalment, dispatch_uid="opco_board_instalment_deleted")
def file_or_instalment_deleted(sender, instance, **kwargs):
    # A file deleted alone puts its contract back among the contracts to send; an instalment deleted
    # may leave another one the last year's balance. Refreshed once the deletion commits: inside a
    # cascade (a contract deleted) the contract still exists when these signals fire, and a line
    # written for it then would point at a deleted row.
    contract_ids = [instance.contract_id] if sender is OpcoFile else _contract_of(instance)
    transaction.on_commit(lambda: opco_board.changed(contract_ids=contract_ids))


def _contract_of(instalment: OpcoInstalment) -> list[int]:
    # The file is usually loaded already (the OPCO services save an instalment of the file they hold):
    # no query then.
    if OpcoInstalment.opco_file.is_cached(instalment):
        return [instalment.opco_file.contract_id]
    return list(OpcoFile.objects.filter(pk=instalment.opco_file_id).values_list("contract_id", flat=True))


@receiver(post_save, sender=Apprentice, dispatch_uid="opco_board_apprentice")
def apprentice_saved(sender, instance: Apprentice, raw=False, update_fields=None, created=False, **kwargs):
    if not raw and not created and _touches(update_fields, NAME_FIELDS):
        opco_board.changed(apprentice_ids=[instance.pk])


@receiver(post_save, sender=Company, dispatch_uid="opco_board_company")
def company_saved(sender, instance: Company, raw=False, update_fields=None, created=False, **kwargs):
    if not raw and not created and _touches(update_fields, {"is_public"}):
        opco_board.changed(company_ids=[instance.pk])
