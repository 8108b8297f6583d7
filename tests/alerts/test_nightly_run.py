"""The nightly run: record, lock (a concurrent run is skipped and recorded), errors, command, task, beat."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.utils import timezone

from alerts import services
from alerts.choices import RunStatus
from alerts.models import Alert, NightlyRun
from alerts.rules import ORDER, RULES
from alerts.tasks import run_nightly_checks
from alternance.celery import app, beat_schedule
from alternance.choices import ApprenticeStatus
from tests.alerts.conftest import TODAY
from tests.factories.alternance import ApprenticeFactory

pytestmark = pytest.mark.django_db


def test_a_run_is_recorded_with_its_counts_per_rule():
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))

    report = services.nightly_run(today=TODAY)

    run = NightlyRun.objects.get()
    assert (run.status, run.today, run.trigger, run.errors, run.finished_at is not None) == (RunStatus.SUCCEEDED, TODAY, "task", [], True)
    assert set(run.counts) == set(ORDER)  # jsonb does not keep key order
    assert {code: (c["raised"], c["still_open"], c["resolved"]) for code, c in run.counts.items()} == {
        code: ((1, 0, 0) if code == "without_company" else (0, 0, 0)) for code in ORDER
    }
    assert report.run == run


@pytest.mark.skipif(connection.vendor == "postgresql", reason="sans verrou consultatif : la ligne « en cours » fait office de verrou")
def test_a_second_run_while_one_is_running_is_skipped_and_recorded():
    running = NightlyRun.objects.create(started_at=timezone.now(), today=TODAY, status=RunStatus.RUNNING)
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))

    report = services.nightly_run(today=TODAY)

    assert report.status == RunStatus.SKIPPED and not Alert.objects.exists()
    assert list(NightlyRun.objects.order_by("pk").values_list("status", "errors")) == [
        (RunStatus.RUNNING, []), (RunStatus.SKIPPED, [{"rule": None, "error": "Une autre vérification est en cours."}]),
    ]
    running.refresh_from_db()
    assert running.status == RunStatus.RUNNING


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL : le verrou consultatif reconnaît une exécution interrompue")
def test_a_running_row_left_by_a_killed_process_is_marked_failed_after_three_hours():
    stale = NightlyRun.objects.create(started_at=timezone.now() - timedelta(hours=4), today=TODAY, status=RunStatus.RUNNING)

    assert services.nightly_run(today=TODAY).status == RunStatus.SUCCEEDED
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="verrou consultatif PostgreSQL")
def test_postgresql_advisory_lock_held_elsewhere_skips_the_run():
    import psycopg

    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")}, autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [services.NIGHTLY_LOCK_KEY])
        report = services.nightly_run(today=TODAY)
    finally:
        # Released explicitly: closing the connection frees the lock only once the server has ended
        # that session, which may come after the next run's attempt (a race seen under load).
        other.execute("SELECT pg_advisory_unlock(%s)", [services.NIGHTLY_LOCK_KEY])
        other.close()

    assert report.status == RunStatus.SKIPPED
    assert list(NightlyRun.objects.values_list("status", flat=True)) == [RunStatus.SKIPPED]
    # A "running" row without the advisory lock is a crashed run: marked failed, the new run proceeds.
    NightlyRun.objects.create(started_at=timezone.now(), today=TODAY, status=RunStatus.RUNNING)
    assert services.nightly_run(today=TODAY).status == RunStatus.SUCCEEDED
    assert sorted(NightlyRun.objects.values_list("status", flat=True)) == sorted([RunStatus.SKIPPED, RunStatus.FAILED, RunStatus.SUCCEEDED])


def test_a_failing_rule_is_recorded_and_the_others_still_run():
    def broken(context):
        raise ValueError("donnée inattendue")

    object.__setattr__(RULES["absences"], "check", broken)
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))
    try:
        report = services.nightly_run(today=TODAY)
    finally:
        from alerts.rules import absences

        object.__setattr__(RULES["absences"], "check", absences.check)

    run = NightlyRun.objects.get()
    assert (run.status, run.errors) == (RunStatus.PARTIAL, [{"rule": "absences", "error": "ValueError: donnée inattendue"}])
    assert report.counts["without_company"]["raised"] == 1 and Alert.objects.count() == 1


def test_a_transient_database_error_fails_the_run_and_propagates_for_a_retry():
    def lost(context):
        raise OperationalError("server closed the connection unexpectedly")

    from alerts.rules import contract_end

    object.__setattr__(RULES["contract_end"], "check", lost)
    try:
        with pytest.raises(OperationalError):
            services.nightly_run(today=TODAY)
    finally:
        object.__setattr__(RULES["contract_end"], "check", contract_end.check)

    run = NightlyRun.objects.get()
    assert (run.status, run.errors) == (RunStatus.FAILED, [{"rule": None, "error": "OperationalError: server closed the connection unexpectedly"}])
    assert services.nightly_run(today=TODAY).status == RunStatus.SUCCEEDED  # the lock was released


def test_command_prints_one_line_per_rule():
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))
    out = StringIO()

    call_command("run_nightly_checks", "--date", "2026-11-30", stdout=out)
    call_command("run_nightly_checks", "--date", "2026-11-30", stdout=(second := StringIO()))

    assert out.getvalue().splitlines() == [
        "Vérification du 30/11/2026 :",
        "absences — Absences répétées : 0 levées, 0 toujours ouvertes, 0 résolues",
        "rupture_risk — Risque de rupture : 0 levées, 0 toujours ouvertes, 0 résolues",
        "contract_end — Fin de contrat proche : 0 levées, 0 toujours ouvertes, 0 résolues",
        "opco_delay — Retard OPCO : 0 levées, 0 toujours ouvertes, 0 résolues",
        "visits_overdue — Visite en retard : 0 levées, 0 toujours ouvertes, 0 résolues",
        "without_company — Apprenti·e sans entreprise : 1 levées, 0 toujours ouvertes, 0 résolues",
        "cre_overload — CRE en surcharge : 0 levées, 0 toujours ouvertes, 0 résolues",
        "master_capacity — Maître d'apprentissage au-delà de sa capacité : 0 levées, 0 toujours ouvertes, 0 résolues",
        "Total : 1 levées, 0 toujours ouvertes, 0 résolues.",
    ]
    assert "without_company — Apprenti·e sans entreprise : 0 levées, 1 toujours ouvertes, 0 résolues" in second.getvalue()
    assert NightlyRun.objects.filter(trigger="command").count() == 2


def test_command_dry_run_writes_nothing_and_bad_dates_are_refused():
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))
    out = StringIO()

    call_command("run_nightly_checks", "--date", "2026-11-30", "--dry-run", stdout=out)

    assert out.getvalue().splitlines()[0] == "Vérification du 30/11/2026 (simulation, rien n'est enregistré) :"
    assert "Apprenti·e sans entreprise : 1 levées" in out.getvalue()
    assert (Alert.objects.count(), NightlyRun.objects.count()) == (0, 0)
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("run_nightly_checks", "--date", "30/11/2026")


def test_command_refuses_when_another_run_is_going_on(monkeypatch):
    monkeypatch.setattr(services, "_start", lambda *args, **kwargs: None)

    with pytest.raises(CommandError, match="Une autre vérification est en cours"):
        call_command("run_nightly_checks", "--date", "2026-11-30", stdout=StringIO())
    assert list(NightlyRun.objects.values_list("status", flat=True)) == [RunStatus.SKIPPED]


def test_benchmark_command_prints_a_line_per_rule_and_writes_nothing():
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))
    out = StringIO()

    call_command("benchmark_nightly_checks", "--date", "2026-11-30", "--write", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[1:9]] == list(ORDER)
    assert "1 constat(s), 1 à lever" in lines[6] and lines[-1] == "Écritures annulées : la base est inchangée."
    assert Alert.objects.count() == 0


def test_task_is_named_thin_and_retried_on_transient_errors(celery_eager):
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))

    result = run_nightly_checks.delay(today="2026-11-30").get()

    assert run_nightly_checks.name == "alerts.run_nightly_checks"
    assert result["status"] == RunStatus.SUCCEEDED and result["run_id"] == NightlyRun.objects.get().pk
    assert OperationalError in run_nightly_checks.autoretry_for and run_nightly_checks.acks_late


def test_beat_schedule_runs_the_task_every_night_at_the_configured_time(settings):
    schedule = beat_schedule(nightly_hour=3, nightly_minute=5)["alerts-nightly-checks"]

    assert schedule["task"] == "alerts.run_nightly_checks"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({3}, {5})
    configured = app.conf.beat_schedule["alerts-nightly-checks"]["schedule"]
    assert (configured.hour, configured.minute) == ({settings.NIGHTLY_CHECKS_HOUR}, {settings.NIGHTLY_CHECKS_MINUTE}) == ({2}, {30})
    assert app.conf.timezone == "Europe/Paris"
