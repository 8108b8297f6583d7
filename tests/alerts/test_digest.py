"""The daily digest: what is new for each person since the last digest, by real email."""

from datetime import datetime, timedelta

import pytest
from django.core import mail

from alerts import digest, services
from alerts.choices import AlertStatus
from alerts.models import Alert, AlertEvent, DigestRun
from alerts.tasks import send_daily_digests
from alternance import access
from alternance.celery import beat_schedule
from alternance.choices import Role
from alternance.models import OutgoingEmail
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import ApprenticeFactory, CohortFactory, UserFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 28, 7, 0, tzinfo=PARIS)


@pytest.fixture
def world(time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 9, 0, tzinfo=PARIS), tick=False)  # the world's alerts are old news
    built = make_world()
    time_machine.move_to(MORNING - timedelta(hours=3), tick=False)
    return built


def run_digest(django_capture_on_commit_callbacks, time_machine, at=MORNING):
    time_machine.move_to(at, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = send_daily_digests.delay().get()
    return result


def by_recipient() -> dict[str, mail.EmailMessage]:
    return {message.to[0]: message for message in mail.outbox}


def test_each_person_gets_what_is_new_for_them_and_nobody_gets_an_empty_digest(
    world, celery_eager, django_capture_on_commit_callbacks, time_machine, settings
):
    settings.SITE_URL = "https://alternance.example.test"
    tutor_alert = AlertFactory(apprentice=world.a.apprentice, rule_code="contract_end", title="Fin proche A",
                               suggested_assignee=world.a.tutor)
    cre_alert = AlertFactory(apprentice=world.b.apprentice, rule_code="visits_overdue", title="Visite B")
    services.alert_assign(alert=cre_alert, assignee=world.b.cre, by=world.coordinator)

    result = run_digest(django_capture_on_commit_callbacks, time_machine)

    messages = by_recipient()
    assert sorted(messages) == sorted([world.coordinator.email, world.admin_staff.email, world.a.tutor.email, world.b.tutor.email,
                                       world.b.cre.email])
    assert result["sent"] == 5
    tutor_mail = messages[world.a.tutor.email]
    assert tutor_mail.subject == "Alertes : 1 nouveauté pour vous (28/11/2026)"
    assert "Suggérées pour vous (en attente d'attribution par la coordination) (1)" in tutor_mail.body
    assert f"https://alternance.example.test/alertes/{tutor_alert.pk}/" in tutor_mail.body
    assert "Visite B" not in tutor_mail.body  # another cohort's alert
    cre_mail = messages[world.b.cre.email]
    assert "Attribuées à vous (1)" in cre_mail.body and f"/alertes/{cre_alert.pk}/" in cre_mail.body
    assert "Fin proche A" not in cre_mail.body
    b_tutor_mail = messages[world.b.tutor.email]
    assert "Nouvelles alertes dans votre périmètre (1)" in b_tutor_mail.body and "Visite B" in b_tutor_mail.body
    coordinator_mail = messages[world.coordinator.email]
    assert coordinator_mail.subject == "Alertes : 2 nouveautés pour vous (28/11/2026)"
    assert "Absences répétées" not in coordinator_mail.body  # raised three days ago: not new
    assert world.a.cre.email not in messages  # nothing new in its portfolio
    assert world.a.employer_user.email not in messages and world.a.apprentice_user.email not in messages


def test_a_second_digest_the_same_day_sends_nothing_new(world, celery_eager, django_capture_on_commit_callbacks, time_machine):
    AlertFactory(apprentice=world.a.apprentice, rule_code="contract_end", title="Fin proche A")
    run_digest(django_capture_on_commit_callbacks, time_machine)
    # The alert is about apprentice A only (no company): the CREs do not see it.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.coordinator.email, world.admin_staff.email, world.a.tutor.email])
    mail.outbox.clear()

    run_digest(django_capture_on_commit_callbacks, time_machine, at=MORNING + timedelta(hours=5))

    assert mail.outbox == []
    assert list(DigestRun.objects.order_by("window_end").values_list("emails_sent", flat=True)) == [3, 0]


def test_next_digest_covers_only_what_happened_since_the_previous_one(world, celery_eager, django_capture_on_commit_callbacks, time_machine):
    AlertFactory(apprentice=world.a.apprentice, rule_code="contract_end", title="Ancienne")
    run_digest(django_capture_on_commit_callbacks, time_machine)
    mail.outbox.clear()
    time_machine.move_to(MORNING + timedelta(hours=2), tick=False)
    alert = world.a.apprentice.alerts.get(title="Ancienne")
    services.alert_assign(alert=alert, assignee=world.a.tutor, by=world.coordinator)

    run_digest(django_capture_on_commit_callbacks, time_machine, at=MORNING + timedelta(days=1))

    assert [m.to for m in mail.outbox] == [[world.a.tutor.email]]
    assert "Attribuées à vous (1)" in mail.outbox[0].body and "Ancienne" in mail.outbox[0].body


def test_closed_alerts_are_not_news(world, celery_eager, django_capture_on_commit_callbacks, time_machine):
    AlertFactory(apprentice=world.a.apprentice, rule_code="contract_end", status=AlertStatus.RESOLVED, resolved_at=MORNING - timedelta(hours=1))

    run_digest(django_capture_on_commit_callbacks, time_machine)

    assert mail.outbox == []


def test_digest_window_reaches_back_at_most_24_hours(world):
    since, until = digest.digest_window(now=MORNING)

    assert (since, until) == (MORNING - timedelta(hours=24), MORNING)


def test_digest_is_scheduled_every_morning():
    entry = beat_schedule(nightly_hour=2, nightly_minute=30)["alerts-daily-digest"]

    assert entry["task"] == "alerts.send_daily_digests"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})


# --- a fixed number of queries whatever the number of recipients (issue 18 §5) -------------------------------


def tutors_with_news(count: int) -> list:
    """``count`` tutors, each referent of a cohort with one alert raised this morning and suggested for
    them, and one older alert assigned to them this morning: each gets a digest with two sections."""
    tutors = []
    for index in range(count):
        tutor = UserFactory(email=f"tuteur-{index:02d}@example.test", role=Role.TUTOR, first_name=f"Tuteur{index:02d}")
        apprentice = ApprenticeFactory(cohort=CohortFactory(referent_tutor=tutor))
        AlertFactory(apprentice=apprentice, title=f"Suggérée {index:02d}", suggested_assignee=tutor)
        old = AlertFactory(apprentice=apprentice, rule_code="contract_end", title=f"Attribuée {index:02d}",
                           raised_at=MORNING - timedelta(days=3))
        AlertEvent.objects.create(alert=old, from_status=AlertStatus.NEW, to_status=AlertStatus.ASSIGNED)  # now: in the window
        Alert.objects.filter(pk=old.pk).update(status=AlertStatus.ASSIGNED, assignee=tutor)
        tutors.append(tutor)
    return tutors


@pytest.mark.parametrize("recipients", [1, 20])
def test_digest_query_count_does_not_grow_with_recipients(recipients, time_machine, django_assert_num_queries, settings):
    settings.SITE_URL = "https://alternance.example.test"
    time_machine.move_to(MORNING - timedelta(hours=2), tick=False)
    tutors = tutors_with_news(recipients)
    time_machine.move_to(MORNING, tick=False)

    # savepoint, window, news, recipients, one INSERT of the e-mails, the run, release.
    with django_assert_num_queries(7):
        report = digest.send_daily_digests()

    emails = list(OutgoingEmail.objects.order_by("pk"))
    assert [email.to for email in emails] == [[tutor.email] for tutor in tutors]
    assert report.sent_to == [tutor.email for tutor in tutors]
    last = emails[-1]
    index = f"{recipients - 1:02d}"
    assert last.subject == "Alertes : 2 nouveautés pour vous (28/11/2026)"
    assert last.body.splitlines()[:8] == [
        f"Bonjour Tuteur{index},",
        "",
        "Voici ce qui est nouveau pour vous dans les alertes depuis le 27/11/2026 à 07:00.",
        "",
        "Attribuées à vous (1)",
        f"- [Vigilance] Attribuée {index} — {last_alert_label(f'Attribuée {index}')}",
        f"  https://alternance.example.test/alertes/{Alert.objects.get(title=f'Attribuée {index}').pk}/",
        "",
    ]
    assert "Suggérées pour vous (en attente d'attribution par la coordination) (1)" in last.body
    assert f"Suggérée {index}" in last.body
    assert DigestRun.objects.get().emails_sent == recipients


def last_alert_label(title: str) -> str:
    return Alert.objects.get(title=title).subject_label


def test_alert_in_scope_agrees_with_the_access_policy_for_every_role(world):
    """The digest decides visibility in Python: it must say exactly what ``visible()`` says."""
    AlertFactory(apprentice=world.b.apprentice, company=world.b.company, rule_code="rupture_risk", title="Entreprise B")
    assigned = AlertFactory(apprentice=world.a.apprentice, rule_code="contract_end", title="Attribuée au CRE B")
    Alert.objects.filter(pk=assigned.pk).update(status=AlertStatus.ASSIGNED, assignee=world.b.cre)
    AlertFactory(apprentice=world.b.seeking, rule_code="without_company", title="Sans entreprise B", suggested_assignee=world.b.tutor)
    users = [world.coordinator, world.admin_staff]
    for side in (world.a, world.b):
        users += [side.tutor, side.cre, side.apprentice_user, side.employer_user]
    alerts = list(access.with_alert_scope_keys(Alert.objects.all()))

    for user in users:
        expected = set(access.visible(user, Alert).values_list("pk", flat=True))
        assert {alert.pk for alert in alerts if access.alert_in_scope(user, alert)} == expected, user.email
    assert len(alerts) == 5  # the world's two, and three more
