"""Background tasks of the contracts app. Thin and safe to re-run (style §9)."""

import logging

from celery import shared_task

from alternance.jobs import long_job_options
from contracts import batches
from contracts.models import DocumentBatch

logger = logging.getLogger(__name__)


@shared_task(name="contracts.generate_cohort_documents", **long_job_options())
def generate_cohort_documents(*, batch_id: int) -> None:
    """Render the documents of one cohort batch (``contracts.batches.batch_run``)."""
    batch = DocumentBatch.objects.select_related("cohort", "requested_by").filter(pk=batch_id).first()
    if batch is None:
        logger.warning("document batch %s is gone", batch_id)
        return
    batches.batch_run(batch=batch)
