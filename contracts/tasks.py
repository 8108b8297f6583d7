"""Background tasks of the contracts app. Thin and safe to re-run (style §9)."""

import logging

from celery import shared_task

from alternance.jobs import long_job_options
from contracts import batches, opco_board
from contracts.models import DocumentBatch

logger = logging.getLogger(__name__)


@shared_task(name="contracts.refresh_opco_board")
def refresh_opco_board() -> int:
    """Recompute every line of the OPCO board (``contracts.opco_board``), whatever changed meanwhile
    (the OPCO deadlines or the funding rules in the administration, a writer that does not keep
    them). Idempotent; returns the number of lines corrected, logged when any."""
    changed = opco_board.refresh_all()
    if changed:
        logger.info("OPCO board lines corrected", extra={"lines": changed})
    return changed


@shared_task(name="contracts.generate_cohort_documents", **long_job_options())
def generate_cohort_documents(*, batch_id: int) -> None:
    """Render the documents of one cohort batch (``contracts.batches.batch_run``)."""
    batch = DocumentBatch.objects.select_related("cohort", "requested_by").filter(pk=batch_id).first()
    if batch is None:
        logger.warning("document batch %s is gone", batch_id)
        return
    batches.batch_run(batch=batch)
