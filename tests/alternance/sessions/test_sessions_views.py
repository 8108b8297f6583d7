"""The sessions' staff screens (issue 19 §1): the permission matrix over the roles (another
cohort's session → 404 for a tutor who is not its referent, CRE and extranet → 403, anonymous →
login), the list by month with cancelled sessions greyed, « Générer les séances » and its
figures, create / move refused on an overlap with the typed input kept, split, cancel, restore,
and a list whose query count does not grow with its rows."""

import html
import re
from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role, SessionStatus
from alternance.models import TrainingSession
from alternance.sessions import services
from tests.factories.alternance import TrainingSessionFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    w = make_world()
    w.session_a = TrainingSessionFactory(cohort=w.a.cohort, subject="Réseaux", room="B12")
    w.session_b = TrainingSessionFactory(cohort=w.b.cohort, subject="Algorithmique", room="C3")
    return w


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def words(response) -> str:
    """The page's text without its tags (cells read one after the other)."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def urls(cohort, session) -> dict[str, str]:
    return {
        "list": reverse("sessions:session_list", args=[cohort.pk]),
        "generate": reverse("sessions:session_generate", args=[cohort.pk]),
        "create": reverse("sessions:session_create", args=[cohort.pk]),
        "edit": reverse("sessions:session_edit", args=[cohort.pk, session.pk]),
        "split": reverse("sessions:session_split", args=[cohort.pk, session.pk]),
        "cancel": reverse("sessions:session_cancel", args=[cohort.pk, session.pk]),
    }


ALLOWED = {Role.COORDINATOR: 200, Role.ADMIN_STAFF: 200, Role.TUTOR: 200, Role.CRE: 403, Role.APPRENTICE: 403, Role.EMPLOYER: 403}


@pytest.mark.parametrize("page", ["list", "generate", "create", "edit", "split", "cancel"])
@pytest.mark.parametrize("role", list(ALLOWED))
def test_permission_matrix_on_the_own_cohort(client, world, role, page):
    client.force_login(world.user(role))

    response = client.get(urls(world.a.cohort, world.session_a)[page])

    assert response.status_code == ALLOWED[role]


@pytest.mark.parametrize("page", ["list", "generate", "create", "edit", "split", "cancel"])
def test_a_tutor_gets_404_on_another_cohorts_sessions(client, world, page):
    client.force_login(world.a.tutor)

    assert client.get(urls(world.b.cohort, world.session_b)[page]).status_code == 404


@pytest.mark.parametrize("page", ["edit", "split", "cancel"])
def test_another_cohorts_session_under_the_own_cohorts_address_is_404(client, world, page):
    client.force_login(world.a.tutor)

    assert client.get(urls(world.a.cohort, world.session_b)[page]).status_code == 404


def test_a_tutor_cannot_restore_another_cohorts_session(client, world):
    services.session_cancel(session=world.session_b, reason="Grève", by=world.coordinator)
    client.force_login(world.a.tutor)

    response = client.post(reverse("sessions:session_restore", args=[world.b.cohort.pk, world.session_b.pk]))

    assert response.status_code == 404
    assert TrainingSession.objects.get(pk=world.session_b.pk).status == SessionStatus.CANCELLED


def test_anonymous_is_sent_to_the_login_page(client, world):
    response = client.get(urls(world.a.cohort, world.session_a)["list"])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_shows_the_months_sessions_with_the_cancelled_ones_greyed(client, world):
    services.session_cancel(session=world.session_a, reason="Formateur malade", by=world.coordinator)
    TrainingSessionFactory(cohort=world.a.cohort, day=date(2026, 12, 8), subject="Bases de données", room="")
    TrainingSessionFactory(cohort=world.a.cohort, day=date(2027, 1, 4), subject="Janvier")
    client.force_login(world.a.tutor)

    response = client.get(urls(world.a.cohort, world.session_a)["list"] + "?mois=2026-12")

    page = text(response)
    table = words(response)
    assert [s.subject for s in response.context["sessions"]] == ["Réseaux", "Bases de données"]
    assert "Janvier" not in page and "Algorithmique" not in page
    assert 'class="text-body-secondary session-cancelled"' in response.content.decode()
    assert "lun 07/12/2026 09:00–12:30 Tuteur A Réseaux B12 Annulée Formateur malade Rétablir" in table
    assert "mar 08/12/2026 09:00–12:30 Tuteur A Bases de données — Prévue Modifier / déplacer" in table


def test_generate_shows_its_figures_and_creates_the_sessions(client, world):
    client.force_login(world.admin_staff)
    TrainingSession.objects.all().delete()

    response = client.post(urls(world.a.cohort, world.session_a)["generate"], {"start": "2026-12-07", "end": "2026-12-18"})

    # CCEEE: Mondays and Tuesdays 7, 8, 14 and 15 December.
    assert sorted(TrainingSession.objects.filter(cohort=world.a.cohort).values_list("day", "start_time")) == [
        (date(2026, 12, day), start) for day in (7, 8, 14, 15) for start in (time(9, 0), time(13, 30))
    ]
    assert ("Séances créées : 8 Déjà présentes (même déplacées ou annulées) : 0 Sautées pour fermeture du centre : 0 "
            "Sautées pour jour férié : 0") in words(response)


def test_the_generation_period_defaults_to_today_until_the_cohorts_end(client, world):
    client.force_login(world.coordinator)

    response = client.get(urls(world.a.cohort, world.session_a)["generate"])

    assert response.context["form"].initial == {"start": date(2026, 11, 28), "end": world.a.cohort.end_date}


def test_an_overlapping_session_is_refused_with_the_typed_input_kept(client, world):
    client.force_login(world.a.tutor)
    data = {"day": "2026-12-07", "start_time": "12:29", "end_time": "14:00", "subject": "SQL avancé", "room": "B2"}

    response = client.post(urls(world.a.cohort, world.session_a)["create"], data)

    assert response.status_code == 400
    page = text(response)
    assert "La séance chevauche celle du 07/12/2026 de 09:00 à 12:30 : changez l'heure ou la date." in page
    assert 'value="12:29"' in page and 'value="SQL avancé"' in page
    assert TrainingSession.objects.filter(cohort=world.a.cohort).count() == 1


def test_create_then_move_a_session(client, world):
    client.force_login(world.a.tutor)
    client.post(urls(world.a.cohort, world.session_a)["create"], {
        "day": "2026-12-07", "start_time": "12:30", "end_time": "14:00", "subject": "SQL", "room": "B2",
        "trainer": world.a.tutor.pk,
    })
    created = TrainingSession.objects.get(subject="SQL")

    response = client.post(urls(world.a.cohort, created)["edit"], {
        "day": "2026-12-08", "start_time": "10:00", "end_time": "11:00", "subject": "SQL", "room": "B3",
        "trainer": world.a.tutor.pk,
    })

    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.day, created.start_time, created.end_time, created.room, created.trainer_id, created.created_by_id) == (
        date(2026, 12, 8), time(10, 0), time(11, 0), "B3", world.a.tutor.pk, world.a.tutor.pk)


def test_split_cancel_and_restore_through_the_screens(client, world):
    client.force_login(world.coordinator)
    u = urls(world.a.cohort, world.session_a)

    refused = client.post(u["split"], {"at": "09:00"})
    client.post(u["split"], {"at": "11:00"})
    client.post(u["cancel"], {"reason": "Salle indisponible"})
    cancelled = list(TrainingSession.objects.filter(cohort=world.a.cohort).values_list("start_time", "end_time", "status", "cancel_reason"))
    client.post(reverse("sessions:session_restore", args=[world.a.cohort.pk, world.session_a.pk]))

    assert refused.status_code == 400
    assert "strictement entre le début (09:00) et la fin (12:30)" in text(refused)
    assert cancelled == [
        (time(9, 0), time(11, 0), SessionStatus.CANCELLED, "Salle indisponible"),
        (time(11, 0), time(12, 30), SessionStatus.PLANNED, ""),
    ]
    assert TrainingSession.objects.get(pk=world.session_a.pk).status == SessionStatus.PLANNED


def test_the_cohort_page_and_the_calendars_menu_link_to_the_sessions(client, world):
    client.force_login(world.a.tutor)
    target = reverse("sessions:session_list", args=[world.a.cohort.pk])

    assert target in client.get(reverse("catalogue:cohort_detail", args=[world.a.cohort.pk])).content.decode()
    assert target in client.get(reverse("calendar_mine")).content.decode()


def test_the_list_keeps_its_query_count_whatever_the_number_of_sessions(client, world):
    client.force_login(world.coordinator)
    url = urls(world.a.cohort, world.session_a)["list"] + "?mois=2026-12"
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for day in (8, 14, 15):
        TrainingSessionFactory(cohort=world.a.cohort, day=date(2026, 12, day), trainer=world.a.tutor)

    with CaptureQueriesContext(connection) as four:
        response = client.get(url)

    assert len(response.context["sessions"]) == 4
    assert len(four) == len(one)


def test_the_month_filter_answers_htmx_with_the_list_alone(client, world):
    TrainingSessionFactory(cohort=world.a.cohort, day=date(2027, 1, 4), subject="Janvier")
    client.force_login(world.a.tutor)

    response = client.get(urls(world.a.cohort, world.session_a)["list"] + "?mois=2027-01", HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="liste-seances">')
    assert "<html" not in content
    assert [s.subject for s in response.context["sessions"]] == ["Janvier"]
