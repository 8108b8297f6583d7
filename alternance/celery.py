"""Celery application. Broker = REDIS_URL; without it tasks run in-process (see settings)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alternance.settings.local")

app = Celery("alternance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The core app keeps the tasks of its bigger features next to them (``<package>/tasks.py``).
app.autodiscover_tasks(["alternance.attendance", "alternance.imports", "alternance.planning", "alternance.privacy", "alternance.qualiopi", "alternance.signin",
                        "alternance.steering", "alternance.tdb", "alternance.retention", "alternance.list_exports"])


def beat_schedule(*, nightly_hour: int, nightly_minute: int, digest_hour: int = 7, digest_minute: int = 0,
                  purge_hour: int = 3, purge_minute: int = 15, steering_seconds: int = 120) -> dict:
    """Periodic schedules, declared in code (style §9). Hours are Europe/Paris (CELERY_TIMEZONE)."""
    return {
        "alerts-nightly-checks": {
            "task": "alerts.run_nightly_checks",
            "schedule": crontab(hour=nightly_hour, minute=nightly_minute),
            # A run that could not start within 6 hours is pointless: the next night runs anyway.
            "options": {"expires": 6 * 3600},
        },
        # The attendance tallies the dashboard reads, recomputed over its window before the rules run.
        "attendance-tallies": {
            "task": "alternance.refresh_attendance_tallies",
            "schedule": crontab(hour=nightly_hour, minute=max(nightly_minute - 15, 0)),
            "options": {"expires": 6 * 3600},
        },
        # Each contract's 45th company day (the OPCO board's employer participation), whatever changed the calendars.
        "free-period-ends": {
            "task": "alternance.refresh_free_period_ends",
            "schedule": crontab(hour=nightly_hour, minute=max(nightly_minute - 20, 0)),
            "options": {"expires": 6 * 3600},
        },
        # The OPCO board's lines (issue 18 §2), after the 45th company days they read.
        "opco-board": {
            "task": "contracts.refresh_opco_board",
            "schedule": crontab(hour=nightly_hour, minute=max(nightly_minute - 10, 0)),
            "options": {"expires": 6 * 3600},
        },
        # The dashboard's figures (issue 18 §2), computed once for the whole organisation.
        "steering-refresh": {
            "task": "alternance.steering_refresh",
            "schedule": float(steering_seconds),
            "options": {"expires": max(steering_seconds - 10, 10)},  # a late tick is replaced by the next one
        },
        # The outbox (issue 17 §1): tasks and e-mails the broker could not take when they were written.
        "outbox-dispatch": {
            "task": "alternance.dispatch_outbox",
            "schedule": 60.0,
            "options": {"expires": 50},  # a tick that could not run in time is replaced by the next one
        },
        # Jobs whose worker died (issue 17 §2): marked failed, with « Relancer » for their owner.
        "jobs-reaper": {
            "task": "alternance.reap_dead_jobs",
            "schedule": 60.0,
            "options": {"expires": 50},
        },
        # GDPR (issue 17 §8): records whose retention period ended are anonymised every night.
        "privacy-anonymise-expired-records": {
            "task": "alternance.anonymise_expired_records",
            "schedule": crontab(hour=nightly_hour, minute=min(nightly_minute + 15, 59)),
            "options": {"expires": 6 * 3600},
        },
        # The morning email of what is new for each person since the previous digest.
        "alerts-daily-digest": {
            "task": "alerts.send_daily_digests",
            "schedule": crontab(hour=digest_hour, minute=digest_minute),
            "options": {"expires": 4 * 3600},
        },
        # The files kept past their retention period are deleted (issue 17 §5, FILE_RETENTION_DAYS).
        "files-retention-purge": {
            "task": "alternance.files_retention_purge",
            "schedule": crontab(hour=purge_hour, minute=purge_minute),
            "options": {"expires": 6 * 3600},
        },
    }


@app.on_after_configure.connect
def declare_beat_schedule(sender: Celery, **kwargs) -> None:
    # The Django settings are read once Celery is configured (beat/worker start-up), not when this
    # module is imported — it is imported while the settings themselves are being loaded.
    from django.conf import settings

    sender.conf.beat_schedule = beat_schedule(
        nightly_hour=settings.NIGHTLY_CHECKS_HOUR,
        nightly_minute=settings.NIGHTLY_CHECKS_MINUTE,
        # Optional settings (default 07:00 Europe/Paris): after the nightly run, before the working day.
        digest_hour=settings.ALERTS_DIGEST_HOUR,
        digest_minute=settings.ALERTS_DIGEST_MINUTE,
        purge_hour=settings.RETENTION_PURGE_HOUR,
        purge_minute=settings.RETENTION_PURGE_MINUTE,
        steering_seconds=settings.STEERING_REFRESH_SECONDS,
    )
