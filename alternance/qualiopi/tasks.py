"""Background task of the Qualiopi evidence pack. Thin and safe to re-run (style §9)."""

import logging

from celery import shared_task
from django.utils import timezone

from alternance.jobs import long_job_options
from alternance.models import EvidencePack
from alternance.qualiopi.packs import evidence_pack_build

logger = logging.getLogger(__name__)


@shared_task(name="alternance.build_evidence_pack", **long_job_options())
def build_evidence_pack(*, pack_id: int) -> None:
    """Build one evidence pack (``alternance.qualiopi.packs.evidence_pack_build``): its ZIP can be large."""
    pack = EvidencePack.objects.filter(pk=pack_id).first()
    if pack is None:
        logger.warning("evidence pack %s is gone", pack_id)
        return
    evidence_pack_build(pack=pack, today=timezone.localdate())
