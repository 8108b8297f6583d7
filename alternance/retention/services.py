"""The retention purge (issue 17 §5). Uploaded spreadsheets may hold NIRs, generated exports and
packs hold personal data: each is kept ``FILE_RETENTION_DAYS[kind]`` days from its upload or request,
then deleted. The row stays (history, counts) with ``files_purged_at`` set, and its page says
« fichier supprimé (durée de conservation dépassée) » instead of offering a download.

A job still running is never purged (its task is writing or reading the file). The row is marked
first, in a compare-and-set update, and the files are deleted once that is committed: a failure
half-way leaves at worst a file without a row, never a row pointing at a missing file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from alternance.models import DataImport, EvidencePack, ListExport, TdbExport
from contracts.models import DocumentBatch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kept:
    """One kind of file kept by a job: its model, file fields, the date its retention counts from,
    and the statuses under which its task may still use the file."""

    key: str  # the key of ``FILE_RETENTION_DAYS``
    model: type[models.Model]
    file_fields: tuple[str, ...]
    since: str
    busy: tuple[str, ...]


# « queued »: the state the broker outbox gives a job not handed to Celery yet (issue 17 §1).
KEPT = (
    Kept("imports", DataImport, ("file", "error_report"), "created_at", ("queued", "running")),
    Kept("tdb_exports", TdbExport, ("file",), "created_at", ("queued", "pending", "running")),
    Kept("evidence_packs", EvidencePack, ("pdf", "archive"), "created_at", ("queued", "pending", "running")),
    Kept("document_batches", DocumentBatch, ("archive",), "requested_at", ("queued", "running")),
    Kept("list_exports", ListExport, ("file",), "created_at", ("queued", "pending", "running")),
)


def retention_days(key: str) -> int:
    return int(settings.FILE_RETENTION_DAYS[key])


def expired(kept: Kept, *, now: datetime) -> models.QuerySet:
    """Rows of ``kept`` whose retention is over (``since`` at least ``days`` ago), not yet purged,
    not busy, with a file to delete."""
    has_file = models.Q()
    for name in kept.file_fields:
        has_file |= ~models.Q(**{name: ""})
    cutoff = now - timedelta(days=retention_days(kept.key))
    return (kept.model.objects.filter(has_file, files_purged_at__isnull=True, **{f"{kept.since}__lte": cutoff})
            .exclude(status__in=kept.busy).order_by("pk"))


def _delete_files(storage_names: list[tuple[object, str]]) -> None:
    for storage, name in storage_names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("retention purge: could not delete %s", name)


def files_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete the files whose retention is over and mark their rows; returns {kind: rows purged}."""
    now = now or timezone.now()
    purged: dict[str, int] = {}
    for kept in KEPT:
        count = 0
        for row in expired(kept, now=now).iterator(chunk_size=200):
            names = [(getattr(row, name).storage, getattr(row, name).name) for name in kept.file_fields if getattr(row, name)]
            with transaction.atomic():
                taken = (kept.model.objects.filter(pk=row.pk, files_purged_at__isnull=True).exclude(status__in=kept.busy)
                         .update(files_purged_at=now, **{name: "" for name in kept.file_fields}))
                if taken:
                    transaction.on_commit(lambda names=names: _delete_files(names))
            count += taken
        purged[kept.key] = count
        if count:
            logger.info("retention purge: %s rows of %s purged", count, kept.key)
    return purged
