"""Background task of the list exports. Thin and safe to re-run (style §9)."""

import logging

from celery import shared_task

from alternance.exports import list_export_run
from alternance.jobs import long_job_options
from alternance.models import ListExport

logger = logging.getLogger(__name__)


@shared_task(name="alternance.list_export_run", **long_job_options())
def run_list_export(*, export_id: int) -> None:
    """Write one recorded list export (``alternance.exports.list_export_run``)."""
    export = ListExport.objects.filter(pk=export_id).select_related("created_by").first()
    if export is None:
        logger.warning("list export %s is gone", export_id)
        return
    list_export_run(export=export)
