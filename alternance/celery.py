"""Celery application. Broker = REDIS_URL; without it tasks run in-process (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alternance.settings.local")

app = Celery("alternance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic schedules are declared in code (style §9); the nightly rule run is added by the alerts app.
app.conf.beat_schedule = {}
