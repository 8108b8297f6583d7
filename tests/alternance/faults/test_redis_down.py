"""Redis down (issue 17 §1): every action that starts a task or sends an e-mail answers normally,
its intent waits in the outbox, and once Redis is back the dispatcher and a real worker deliver
everything — each e-mail exactly once.

The test starts a Redis server of its own on its own port, stops it, acts through the Django test
client, starts it again, runs the dispatcher and a real Celery worker on it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alternance import outbox
from alternance.celery import app
from alternance.choices import JobStatus, OutboxStatus
from alternance.models import EvidencePack, OutgoingEmail, TaskIntent
from tests.alternance.faults.support import RedisServer, celery_on, wait_for
from tests.factories.web import make_world

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 28, 10, 30, tzinfo=timezone.get_default_timezone())
CENTRE_DAY = date(2026, 11, 24)  # a Tuesday: a centre day of the world's cohort (rhythm CCEEE)


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


def dispatch_later() -> None:
    """What beat does every minute, an hour later (past every backoff)."""
    call_command("dispatch_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_actions_with_redis_down_answer_and_everything_is_delivered_once_when_it_is_back(client, redis_server, time_machine, settings):
    time_machine.move_to(NOW, tick=True)
    settings.SITE_URL = "https://alternance.example.test/"
    world = make_world()
    master = world.a.employer_contact
    master.email = "maitre@alpha.test"
    master.save()

    with celery_on(redis_server.url) as queue:
        redis_server.stop()

        client.force_login(world.coordinator)
        invited = client.post(reverse("apprentice_invite", args=[world.a.seeking.pk]))
        packed = client.post(reverse("qualiopi_packs"), {"period_start": "2025-12-01", "period_end": "2026-11-27"})
        client.force_login(world.a.tutor)
        registered = client.post(reverse("attendance_register", args=[world.a.cohort.pk]), {
            "day": CENTRE_DAY.isoformat(), "half": "am", f"status_{world.a.apprentice.pk}": "absent", "others_present": "1",
        })
        client.logout()
        reset = client.post(reverse("password_reset"), {"email": world.a.tutor.email})

        # Every action answered as usual; nothing was sent, everything waits in the outbox.
        assert [invited.status_code, packed.status_code, registered.status_code, reset.status_code] == [302, 302, 302, 302]
        assert reset.url == reverse("password_reset_done")
        assert mail.outbox == []
        pack = EvidencePack.objects.get()
        assert pack.status == JobStatus.PENDING
        assert sorted(OutgoingEmail.objects.values_list("subject", "status")) == [
            ("Réinitialisation de votre mot de passe", OutboxStatus.QUEUED),
            ("Votre accès à l'extranet alternance", OutboxStatus.QUEUED),
        ]
        waiting = dict(TaskIntent.objects.values_list("name", "status"))
        assert waiting["alternance.build_evidence_pack"] == OutboxStatus.QUEUED
        assert waiting["alternance.notify_employer_of_absences"] == OutboxStatus.QUEUED
        # The first hand-over met the refused connection; the next requests did not even wait for it.
        assert OutgoingEmail.objects.filter(attempts=1, last_error__contains="Connection refused").count() == 1
        # The pack's page says honestly that it waits for the background service.
        client.force_login(world.coordinator)
        page = client.get(reverse("qualiopi_pack_detail", args=[pack.pk]))
        assert page.status_code == 200
        assert "En attente : le service des tâches en arrière-plan ne répond pas pour le moment." in page.content.decode()

        # Redis is back: the dispatcher hands everything over and a real worker runs it.
        redis_server.start()
        time_machine.move_to(NOW + timedelta(hours=1), tick=True)
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10):
            def all_done():
                dispatch_later()  # as beat would, every round
                pack.refresh_from_db()
                return pack.status == JobStatus.DONE and len(mail.outbox) == 3

            wait_for(all_done, timeout=120, every=1, what="le dossier produit et les trois e-mails envoyés")

            # Each e-mail once, to the right people.
            assert sorted((message.subject, tuple(message.to)) for message in mail.outbox) == [
                ("Absence de Alice Martin le 24/11/2026 (matin)", ("maitre@alpha.test",)),
                ("Réinitialisation de votre mot de passe", (world.a.tutor.email,)),
                ("Votre accès à l'extranet alternance", (world.a.seeking.email,)),
            ]
            assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
            assert set(TaskIntent.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}

            # A delivery handed over again (a message redelivered by Redis) sends nothing twice.
            for email in OutgoingEmail.objects.all():
                app.tasks[outbox.DELIVER_EMAIL_TASK].apply_async(kwargs={"email_id": email.pk}, ignore_result=True)
            marker = outbox.email_queue(subject="Marqueur", body="fin", to=["marqueur@example.test"])
            wait_for(lambda: OutgoingEmail.objects.get(pk=marker.pk).status == OutboxStatus.SENT, timeout=30,
                     what="le marqueur envoyé après les doublons")
            assert [message.subject for message in mail.outbox].count("Marqueur") == 1
            assert len(mail.outbox) == 4

    pack.refresh_from_db()
    assert pack.pdf and pack.archive and pack.error == ""
