"""Long jobs whose worker may die (issue 17 §2): data imports, Tableau de bord exports, Qualiopi
evidence packs, cohort document batches and list exports (issue 18 §1).

Their tasks are acknowledged late and time-limited (settings ``JOB_SOFT_TIME_LIMIT`` /
``JOB_TIME_LIMIT``). A worker that takes a job sets its ``heartbeat_at``; the document batch
refreshes it after each document. A job still « en cours » whose heartbeat is older than its
timeout has lost its worker — killed, out of memory, machine restarted: no live task can be that
old since the worker itself stops a task at the hard time limit. ``jobs_reap`` (Celery beat, every
minute) marks such a job failed with a French reason, and its owner gets a « Relancer » button
(``job_retry``). A retried job never writes twice: an import applies in one transaction, a pack and
an export rebuild their single file, a batch reuses the documents it had already stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.choices import JobStatus
from alternance.models import DataImport, EvidencePack, ListExport, TdbExport, User
from alternance.outbox import enqueue, task_waiting
from contracts.choices import BatchStatus
from contracts.models import DocumentBatch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobKind:
    model: type[Model]
    task: str  # registered name of the task that runs it
    id_kwarg: str  # the task's keyword argument holding the row's id
    waiting: str  # the status of a job no worker has taken yet
    owner_field: str
    created_field: str
    # True when the job refreshes its heartbeat after each item (a short timeout then suffices).
    beats_per_item: bool = False

    def timeout(self) -> timedelta:
        if self.beats_per_item:
            return timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
        # Beyond the hard time limit the worker has killed the task: a minute's margin for the kill.
        return timedelta(seconds=settings.JOB_TIME_LIMIT + 60)


KINDS: dict[type[Model], JobKind] = {
    kind.model: kind
    for kind in (
        JobKind(DataImport, "alternance.data_import_process", "data_import_id", JobStatus.PENDING, "created_by", "created_at"),
        JobKind(TdbExport, "alternance.export_tdb", "export_id", JobStatus.PENDING, "created_by", "created_at"),
        JobKind(EvidencePack, "alternance.build_evidence_pack", "pack_id", JobStatus.PENDING, "created_by", "created_at"),
        # Beats with its progress, every EXPORT_CHUNK_ROWS rows (alternance.exports.list_export_run).
        JobKind(ListExport, "alternance.list_export_run", "export_id", JobStatus.PENDING, "created_by", "created_at",
                beats_per_item=True),
        JobKind(DocumentBatch, "contracts.generate_cohort_documents", "batch_id", BatchStatus.QUEUED, "requested_by", "requested_at",
                beats_per_item=True),
    )
}
RUNNING, FAILED = "running", "failed"  # the same codes in JobStatus and BatchStatus


class JobStateError(Exception):
    """The job is not in a state that allows this action; ``str()`` is the French message."""


def job_owner_id(job: Model) -> int | None:
    return getattr(job, f"{KINDS[type(job)].owner_field}_id")


def heartbeat(job: Model, *, now: datetime | None = None) -> None:
    """The worker running ``job`` is alive (called when it takes the job and after each item)."""
    type(job).objects.filter(pk=job.pk).update(heartbeat_at=now or timezone.now())


def task_is_waiting(job: Model) -> bool:
    """The job's task is written in the outbox but the broker has not taken it yet (the page says
    so). A pending data import waits for its owner's next step, not for a task."""
    kind = KINDS[type(job)]
    if kind.model is DataImport or job.status != kind.waiting:
        return False
    return task_waiting(kind.task, {kind.id_kwarg: job.pk})


def long_job_options() -> dict:
    """Celery options of the long jobs' tasks: acknowledged once done (a message whose worker died
    is delivered again — the run is idempotent), and stopped at the time limits of the settings."""
    return {
        "acks_late": True,
        "reject_on_worker_lost": True,
        "soft_time_limit": settings.JOB_SOFT_TIME_LIMIT,
        "time_limit": settings.JOB_TIME_LIMIT,
    }


def failure_text(error: BaseException) -> str:
    """What a failed job's page says about ``error``: the soft time limit in French words."""
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(error, SoftTimeLimitExceeded):
        return _("le traitement a dépassé sa durée maximale (%(minutes)s min)") % {"minutes": settings.JOB_SOFT_TIME_LIMIT // 60}
    return str(error)


def _dead(kind: JobKind, now: datetime) -> Q:
    cutoff = now - kind.timeout()
    return Q(status=RUNNING) & (Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, **{f"{kind.created_field}__lt": cutoff}))


def _failure_fields(kind: JobKind, reason: str, now: datetime) -> dict:
    if kind.model is DataImport:
        # "interrupted": the import's page tells a dead worker from a file the analysis refused.
        return {"status": FAILED, "errors": [{"row": None, "column": "", "message": reason, "interrupted": True}], "finished_at": now}
    return {"status": FAILED, "error": reason, "finished_at": now}


def dead_reason(job: Model) -> str:
    """The French reason written on a job whose worker died."""
    since = job.heartbeat_at or getattr(job, KINDS[type(job)].created_field)
    return _(
        "Le traitement s'est interrompu : le processus qui l'exécutait s'est arrêté (dernier signe de vie le %(day)s à "
        "%(time)s). Cliquez sur « Relancer » pour le reprendre : ce qui avait déjà été fait ne sera pas fait en double."
    ) % {"day": f"{timezone.localtime(since):%d/%m/%Y}", "time": f"{timezone.localtime(since):%H:%M}"}


def jobs_reap(*, now: datetime | None = None) -> list[Model]:
    """Mark failed every running job whose worker died; return them. A job whose heartbeat moves
    between the read and the write is left alone (the update re-checks the same condition)."""
    now = now or timezone.now()
    reaped = []
    for kind in KINDS.values():
        for job in kind.model.objects.filter(_dead(kind, now)):
            updated = kind.model.objects.filter(_dead(kind, now), pk=job.pk).update(**_failure_fields(kind, dead_reason(job), now))
            if updated:
                logger.warning("%s %s: worker lost, marked failed", kind.model.__name__, job.pk)
                job.refresh_from_db()
                reaped.append(job)
    return reaped


def job_reap_if_dead(job: Model, *, now: datetime | None = None) -> bool:
    """Reap this one job if its worker died: « déjà en cours » must not block a dead job."""
    now = now or timezone.now()
    kind = KINDS[type(job)]
    updated = kind.model.objects.filter(_dead(kind, now), pk=job.pk).update(**_failure_fields(kind, dead_reason(job), now))
    if updated:
        job.refresh_from_db()
    return bool(updated)


@transaction.atomic
def job_retry(*, job: Model, by: User) -> Model:
    """Start a failed job again (« Relancer », its owner only — the view checks it): back to its
    waiting status, then its task through the outbox. Not for data imports, which restart through
    their own check / import steps (``alternance.imports.services.data_import_start``)."""
    kind = KINDS[type(job)]
    if kind.model is DataImport:
        raise ValueError("data imports restart through data_import_start")
    job_reap_if_dead(job)
    fields = {"status": kind.waiting, "error": "", "finished_at": None, "heartbeat_at": None}
    if not kind.model.objects.filter(pk=job.pk, status=FAILED).update(**fields):
        raise JobStateError(_("Ce traitement n'est pas en échec (il est en attente, en cours ou terminé) : il n'y a rien à relancer."))
    enqueue(kind.task, kwargs={kind.id_kwarg: job.pk})
    job.refresh_from_db()
    logger.info("%s %s retried by user %s", kind.model.__name__, job.pk, by.pk)
    return job
