"""Celery task of the imports: run a started check or import of a large file (style §9: thin,
primitive arguments, safe to re-run — a data import that is no longer running is left alone)."""

from __future__ import annotations

import logging

from celery import shared_task

from alternance.imports.services import data_import_process, task_id
from alternance.jobs import long_job_options
from alternance.models import DataImport

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="alternance.data_import_process", **long_job_options())
def data_import_process_task(self, *, data_import_id: int, phase: str) -> None:
    data_import = DataImport.objects.select_related("created_by").filter(pk=data_import_id).first()
    if data_import is None:
        logger.warning("data import %s is gone", data_import_id)
        return

    def progress(done: int, total: int) -> None:
        if not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"done": done, "total": total})

    data_import_process(data_import=data_import, phase=phase, progress=progress)


def task_progress(data_import_id: int, phase: str) -> dict | None:
    """{"done": n, "total": m} reported by a running task, or None (no result backend, not started)."""
    from alternance.celery import app

    if not app.conf.result_backend or app.conf.task_always_eager:
        return None
    try:
        result = app.AsyncResult(task_id(data_import_id, phase))
        info = result.info if result.state == "PROGRESS" else None
    except Exception:  # the status page must not fail because Redis is unreachable
        logger.warning("progress of data import %s unavailable", data_import_id, exc_info=True)
        return None
    return info if isinstance(info, dict) and {"done", "total"} <= set(info) else None
