"""Task of the steering dashboard: its figures recomputed for the whole organisation (issue 18 §2).
Thin and safe to re-run (style §9); Celery beat starts it every STEERING_REFRESH_SECONDS."""

from celery import shared_task
from django.utils import timezone

from alternance.steering import snapshot

REFRESH_TASK = "alternance.steering_refresh"


@shared_task(name=REFRESH_TASK)
def steering_refresh() -> str:
    figures, _summary = snapshot.snapshot_refresh(today=timezone.localdate(), now=timezone.now())
    return figures.computed_at.isoformat()
