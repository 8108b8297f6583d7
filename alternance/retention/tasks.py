"""The nightly retention purge (Celery beat, declared in ``alternance.celery``): thin, safe to re-run
(a purged row is skipped)."""

from __future__ import annotations

from celery import shared_task

from alternance.retention.services import files_purge


@shared_task(name="alternance.files_retention_purge")
def files_retention_purge() -> dict[str, int]:
    return files_purge()
