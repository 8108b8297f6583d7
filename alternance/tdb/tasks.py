"""Background task of the TDB export. Thin and safe to re-run (style §9)."""

import logging

from celery import shared_task

from alternance.jobs import long_job_options
from alternance.models import TdbExport
from alternance.tdb.services import tdb_export_run

logger = logging.getLogger(__name__)


@shared_task(name="alternance.export_tdb", **long_job_options())
def export_tdb(*, export_id: int) -> None:
    """Produce one recorded learners file (``alternance.tdb.services.tdb_export_run``)."""
    export = TdbExport.objects.filter(pk=export_id).first()
    if export is None:
        logger.warning("TDB export %s is gone", export_id)
        return
    tdb_export_run(export=export)
