"""Documents generated for a whole cohort: a ``DocumentBatch`` rendered in a Celery task.

``batch_start`` records the request and sends the task once the transaction commits;
``batch_run`` (called by the task) generates the document of every eligible contract through
``contracts.pdf.generate_document``, counts progress on the row after each one (the batch page
polls it) and packs the PDFs into a ZIP stored on the batch. State: queued → running → done | failed.
"""

from __future__ import annotations

import logging
import tempfile
import time
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alternance.jobs import failure_text
from alternance.models import Cohort, User
from alternance.tasks import enqueue
from contracts.choices import ACTIVE_CONTRACT_STATUSES, BatchStatus, ContractStatus, DocumentKind
from contracts.documents import document_read
from contracts.models import Contract, Document, DocumentBatch
from contracts.pdf import SIMPLE_KINDS, document_filename, generate_document

logger = logging.getLogger(__name__)

# A cohort batch covers the contracts that are signed or later (still running or ended); drafts,
# contracts awaiting signatures, refused and broken ones are left out.
BATCH_CONTRACT_STATUSES = (*ACTIVE_CONTRACT_STATUSES, ContractStatus.ENDED)
# Only the documents that need nothing but the contract can be produced in bulk.
BATCH_KINDS = SIMPLE_KINDS


def batch_contracts(cohort: Cohort) -> QuerySet:
    """The contracts of the cohort's apprentices a batch generates a document for, in name order."""
    return (
        Contract.objects.filter(apprentice__cohort=cohort, status__in=BATCH_CONTRACT_STATUSES)
        .select_related("apprentice__cohort", "company", "programme", "master", "second_master")
        .order_by("apprentice__last_name", "apprentice__first_name", "pk")
    )


@transaction.atomic
def batch_start(*, cohort: Cohort, kind: str, by: User) -> DocumentBatch:
    """Record a batch for ``cohort`` and send the task that renders it once the request commits."""
    if kind not in BATCH_KINDS:
        raise ValidationError({"kind": _("Ce type de document ne peut pas être produit pour toute une promotion.")})
    batch = DocumentBatch(cohort=cohort, kind=kind, requested_by=by, total=batch_contracts(cohort).count())
    batch.full_clean()
    batch.save()
    # Written with the batch, started once it commits (the outbox: never lost if Redis is down).
    enqueue("contracts.generate_cohort_documents", kwargs={"batch_id": batch.pk})
    return batch


def archive_name(batch: DocumentBatch) -> str:
    return f"{slugify(DocumentKind(batch.kind).label)}-{slugify(batch.cohort.name)}-lot-{batch.pk}.zip"


def batch_run(*, batch: DocumentBatch) -> DocumentBatch:
    """Generate the batch's documents. Safe to re-run: only a queued (or failed) batch is taken,
    with a compare-and-set, so two workers never render the same batch.

    Each document is stored and recorded on the batch (``generated``, ``done``, the heartbeat) in
    one transaction: a batch started again after its worker died reuses the documents it had
    already stored instead of storing a second version (issue 17 §2).

    A failure stops the batch and marks it failed with a French message (the documents already
    generated stay on their contracts); it is logged, not raised: re-running the same input would
    fail the same way.
    """
    contracts = list(batch_contracts(batch.cohort))
    taken = DocumentBatch.objects.filter(pk=batch.pk, status__in=(BatchStatus.QUEUED, BatchStatus.FAILED)).update(
        status=BatchStatus.RUNNING, total=len(contracts), done=0, error="", finished_at=None, heartbeat_at=timezone.now()
    )
    if not taken:
        logger.info("document batch %s already taken", batch.pk)
        batch.refresh_from_db()
        return batch
    batch.refresh_from_db()
    generated: dict[str, int] = dict(batch.generated or {})
    reused = {
        document.contract_id: document
        for document in Document.objects.filter(pk__in=generated.values(), contract__in=contracts, kind=batch.kind)
    }
    current: Contract | None = None
    try:
        with tempfile.TemporaryFile() as buffer:
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for done, current in enumerate(contracts, start=1):
                    document = reused.get(current.pk)
                    if document is None:
                        with transaction.atomic():
                            document = generate_document(kind=batch.kind, contract=current, by=batch.requested_by)
                            generated[str(current.pk)] = document.pk
                            DocumentBatch.objects.filter(pk=batch.pk).update(
                                done=done, generated=generated, heartbeat_at=timezone.now()
                            )
                    else:
                        DocumentBatch.objects.filter(pk=batch.pk).update(done=done, heartbeat_at=timezone.now())
                    archive.writestr(document_filename(batch.kind, current), document_read(document))
                    batch_item_pause()
            current = None
            buffer.seek(0)
            batch.refresh_from_db()
            name = archive_name(batch)
            batch.archive.save(name, File(buffer, name=name), save=False)
        batch.status, batch.finished_at = BatchStatus.DONE, timezone.now()
        batch.save(update_fields=["archive", "status", "finished_at"])
    except Exception as exc:
        logger.exception("document batch %s failed", batch.pk)
        if current is not None:
            error = _("Échec de la génération pour %(name)s (contrat n° %(pk)s) : %(error)s") % {
                "name": current.apprentice.full_name, "pk": current.pk, "error": failure_text(exc),
            }
        else:
            error = _("Échec de la génération de l'archive : %(error)s") % {"error": failure_text(exc)}
        DocumentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error=error, finished_at=timezone.now())
        batch.refresh_from_db()
    return batch


def batch_item_pause() -> None:
    """Wait ``BATCH_ITEM_DELAY_SECONDS`` between two documents: 0 in production; the test that
    kills a worker in the middle of a batch sets it so that "the middle" lasts long enough."""
    delay = getattr(settings, "BATCH_ITEM_DELAY_SECONDS", 0)
    if delay:
        time.sleep(delay)
