"""The transactional outbox (issue 17 §1): intents written with the data, handed over once it
commits, left queued (never raised) when the broker is down, e-mails sent exactly once, retries
with backoff, e-mails given up after the maximum number of attempts."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction

from alternance import outbox
from alternance.choices import OutboxStatus
from alternance.models import OutgoingEmail, TaskIntent
from tests.alternance.faults.support import celery_on, free_port

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def row(model, pk):
    return model.objects.values("status", "attempts", "last_error", "next_try_at", "sent_at").get(pk=pk)


def test_an_email_of_a_rolled_back_write_is_never_written_nor_sent(celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox.email_queue(subject="Invitation", body="Bonjour", to=["a@example.test"])
        raise RuntimeError("the write failed")

    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


def test_an_email_is_sent_once_the_write_commits_and_marked_sent(celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = outbox.email_queue(subject="Invitation", body="Bonjour", to=["a@example.test"], html_body="<p>Bonjour</p>")
    assert mail.outbox == [] and row(OutgoingEmail, email.pk)["status"] == OutboxStatus.QUEUED  # not before the commit

    for callback in callbacks:
        callback()

    assert [(m.subject, m.to, m.body, m.alternatives[0][0]) for m in mail.outbox] == [("Invitation", ["a@example.test"], "Bonjour", "<p>Bonjour</p>")]
    assert row(OutgoingEmail, email.pk) == {"status": OutboxStatus.SENT, "attempts": 0, "last_error": "", "next_try_at": NOW + timedelta(seconds=30), "sent_at": NOW}


def test_delivering_the_same_email_twice_sends_it_once():
    email = outbox.email_queue(subject="Réinitialisation", body="Lien", to=["a@example.test"])

    assert outbox.email_deliver(email_id=email.pk) is True
    assert outbox.email_deliver(email_id=email.pk) is False

    assert len(mail.outbox) == 1


def test_a_refused_send_keeps_the_email_queued_with_its_error_then_the_dispatcher_sends_it(monkeypatch, celery_eager, time_machine):
    email = outbox.email_queue(subject="Absence", body="Texte", to=["maitre@example.test"])

    def refused(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connexion perdue")

    monkeypatch.setattr(outbox, "send_mail", refused)
    assert outbox.email_deliver(email_id=email.pk) is False
    assert row(OutgoingEmail, email.pk) == {
        "status": OutboxStatus.QUEUED, "attempts": 1, "last_error": "SMTPServerDisconnected: connexion perdue",
        "next_try_at": NOW + timedelta(seconds=30), "sent_at": None,
    }
    monkeypatch.undo()

    # Not yet due one second before the backoff ends; sent by the round after it.
    assert outbox.dispatch_outbox(now=NOW + timedelta(seconds=29)).emails == 0
    assert mail.outbox == []
    time_machine.move_to(NOW + timedelta(seconds=30), tick=False)
    assert outbox.dispatch_outbox().emails == 1
    assert [m.subject for m in mail.outbox] == ["Absence"]
    assert row(OutgoingEmail, email.pk)["status"] == OutboxStatus.SENT


@pytest.mark.parametrize(("attempts_before", "status"), [(28, OutboxStatus.QUEUED), (29, OutboxStatus.FAILED)])
def test_an_email_is_given_up_at_the_maximum_number_of_attempts(settings, attempts_before, status):
    settings.OUTBOX_MAX_ATTEMPTS = 30
    email = outbox.email_queue(subject="Absence", body="Texte", to=["maitre@example.test"])
    OutgoingEmail.objects.filter(pk=email.pk).update(attempts=attempts_before)

    outbox.record_failure(OutgoingEmail, email.pk, smtplib.SMTPException("refusé"), now=NOW)

    assert row(OutgoingEmail, email.pk)["status"] == status


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (20, 3600)])
def test_the_backoff_doubles_up_to_one_hour(attempts, seconds):
    assert outbox.backoff(attempts) == timedelta(seconds=seconds)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_task_and_an_email_stay_queued_and_nothing_is_raised(time_machine):
    time_machine.move_to(NOW, tick=True)
    with celery_on(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        with transaction.atomic():
            intent = outbox.enqueue("alternance.export_tdb", kwargs={"export_id": 12345})
            email = outbox.email_queue(subject="Invitation", body="Bonjour", to=["a@example.test"])
        # The commit handed over the first row, met the refused connection and left both queued.
        intent_row, email_row = row(TaskIntent, intent.pk), row(OutgoingEmail, email.pk)
        assert (intent_row["status"], email_row["status"]) == (OutboxStatus.QUEUED, OutboxStatus.QUEUED)
        assert intent_row["attempts"] == 1 and "Connection refused" in intent_row["last_error"]
        assert outbox.task_waiting("alternance.export_tdb", {"export_id": 12345}) is True

        report = outbox.dispatch_outbox(now=NOW + timedelta(hours=1))

        assert (report.tasks, report.emails, report.broker_down) == (0, 0, True)
    assert mail.outbox == []
    assert TaskIntent.objects.get(pk=intent.pk).status == OutboxStatus.QUEUED
