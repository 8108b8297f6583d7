"""Background tasks of the GDPR feature. Thin and safe to re-run (style §9)."""

import logging

from celery import shared_task
from django.utils import timezone

from alternance.models import PersonalDataExport
from alternance.privacy.services import anonymise_due_records, personal_data_export_build

logger = logging.getLogger(__name__)


@shared_task(name="alternance.build_personal_data_export")
def build_personal_data_export(*, export_id: int) -> None:
    """Build one subject access export (``services.personal_data_export_build``)."""
    export = PersonalDataExport.objects.filter(pk=export_id).select_related("apprentice", "contact", "created_by").first()
    if export is None:
        logger.warning("personal data export %s is gone", export_id)
        return
    personal_data_export_build(export=export, now=timezone.now())


@shared_task(name="alternance.anonymise_expired_records")
def anonymise_expired_records() -> dict[str, int]:
    """Nightly: anonymise the apprentices and contacts whose retention period ended (beat schedule)."""
    return anonymise_due_records(today=timezone.localdate(), now=timezone.now())
