"""The sign-in pages (issue 19 §2): the permission matrix of a session's sign-in (its cohort's managers
and its trainer run it; another cohort's tutor gets 404; a CRE who does not train it, the extranet 403;
reopening is the office's), the QR code and the code of the moment on the trainer's page, the
apprentice's one-tap page (a GET never signs, the login keeps the target), the typed code, closing
only with the attestation, and pages whose query count does not grow with the cohort."""

import html
import re
from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import AttendanceStatus, SignatureMethod, SigninState
from alternance.models import AttendanceRecord, SessionSignature, TrainingSession
from alternance.signin import codes, services
from tests.factories.alternance import ApprenticeFactory, ApprenticeUserFactory, TrainingSessionFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 9, 2, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    cache.clear()
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    w = make_world()
    w.session_a = TrainingSessionFactory(cohort=w.a.cohort, day=MONDAY, subject="Réseaux", room="B12", trainer=w.a.tutor)
    w.session_b = TrainingSessionFactory(cohort=w.b.cohort, day=MONDAY, subject="Algorithmique", room="C3", trainer=w.b.tutor)
    return w


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def opened(session):
    return services.signin_open(session=session, by=session.trainer, now=NOW - timedelta(minutes=2))


@pytest.mark.parametrize(("who", "expected"), [
    ("coordinator", 200), ("admin_staff", 200), ("a.tutor", 200), ("b.tutor", 404), ("a.cre", 403),
    ("a.apprentice_user", 403), ("a.employer_user", 403),
])
def test_who_opens_a_sessions_sign_in_page(client, world, who, expected):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    assert client.get(reverse("signin:session", args=[world.session_a.pk])).status_code == expected
    response = client.post(reverse("signin:open", args=[world.session_a.pk]))
    assert response.status_code == (302 if expected == 200 else expected)
    state = TrainingSession.objects.get(pk=world.session_a.pk).signin_state
    assert state == (SigninState.OPEN if expected == 200 else SigninState.NOT_OPEN)


def test_a_cre_who_trains_the_session_runs_its_sign_in(client, world):
    TrainingSession.objects.filter(pk=world.session_a.pk).update(trainer=world.a.cre)
    client.force_login(world.a.cre)
    assert client.get(reverse("signin:session", args=[world.session_a.pk])).status_code == 200


def test_only_the_office_reopens_a_closed_sheet(client, world):
    session = opened(world.session_a)
    services.signin_close(session=session, by=world.a.tutor, ip=None, user_agent="", now=NOW)
    url = reverse("signin:reopen", args=[session.pk])
    client.force_login(world.a.tutor)
    assert client.post(url, {"reason": "Oubli"}).status_code == 403
    assert TrainingSession.objects.get(pk=session.pk).signin_state == SigninState.CLOSED
    client.force_login(world.admin_staff)
    assert client.post(url, {"reason": ""}).status_code == 302
    assert TrainingSession.objects.get(pk=session.pk).signin_state == SigninState.CLOSED  # no reason, nothing done
    client.post(url, {"reason": "Apprentie oubliée"})
    assert TrainingSession.objects.get(pk=session.pk).signin_state == SigninState.OPEN


def test_the_trainers_page_shows_the_qr_code_and_the_code_of_the_moment(client, world):
    session = opened(world.session_a)
    client.force_login(world.a.tutor)
    page = text(client.get(reverse("signin:session", args=[session.pk])))
    current = codes.current_code(session, NOW)
    assert current.display in page
    assert "<svg" in page and "QR code d'émargement" in page
    assert "Signatures : 0 sur 2" in page  # Alice Martin (under contract) and Chloé Petit (seeking)
    partial = client.get(reverse("signin:code", args=[session.pk]))
    assert partial.status_code == 200 and current.display in text(partial)
    assert "Nouveau code dans 30 s" in text(partial)  # 09:02:00 is a step's start: the code changes at 09:02:30


def test_the_apprentice_signs_with_one_tap_and_a_get_never_signs(client, world):
    session = opened(world.session_a)
    code = codes.current_code(session, NOW).code
    url = reverse("signin:scan", args=[session.pk, code])
    client.force_login(world.a.apprentice_user)
    page = client.get(url)
    assert page.status_code == 200 and "Je signe ma présence" in text(page) and "Réseaux" in text(page)
    assert not SessionSignature.objects.exists()

    response = client.post(url, HTTP_USER_AGENT="Mozilla/5.0 (iPhone)", REMOTE_ADDR="198.51.100.7", follow=True)

    assert response.redirect_chain == [(reverse("signin:sign"), 302)]
    assert "Présence enregistrée à 09:02. Bonne séance !" in text(response)
    line = SessionSignature.objects.get()
    assert (line.apprentice_id, line.method, line.ip_address, line.user_agent, line.code_used) == (
        world.a.apprentice.pk, SignatureMethod.QR, "198.51.100.7", "Mozilla/5.0 (iPhone)", code)
    again = client.post(url)
    assert "Vous avez déjà émargé pour cette séance, à 09:02 : c'est enregistré." in text(again)


def test_the_other_cohorts_apprentice_is_refused_and_learns_nothing_of_the_session(client, world):
    session = opened(world.session_a)
    url = reverse("signin:scan", args=[session.pk, codes.current_code(session, NOW).code])
    client.force_login(world.b.apprentice_user)
    page = text(client.get(url))
    assert "Réseaux" not in page and world.a.cohort.name not in page
    refused = text(client.post(url))
    assert "Ce code est celui d'une séance d'une autre promotion" in refused
    assert not SessionSignature.objects.exists()


def test_the_login_keeps_the_qr_codes_target(client, world):
    url = reverse("signin:scan", args=[world.session_a.pk, "123456"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login")) and "next=/emargement/" in response["Location"]


def test_the_typed_code_signs_and_a_wrong_one_keeps_what_was_typed(client, world):
    session = opened(world.session_a)
    client.force_login(world.a.apprentice_user)
    wrong = client.post(reverse("signin:sign"), {"code": "12 34"})
    assert "Le code compte 6 chiffres" in text(wrong) and 'value="12 34"' in wrong.content.decode()
    code = codes.current_code(session, NOW).display
    done = client.post(reverse("signin:sign"), {"code": code}, follow=True)
    assert "Présence enregistrée à 09:02." in text(done)
    assert SessionSignature.objects.get().method == SignatureMethod.CODE


def test_closing_needs_the_attestation_then_the_unsigned_are_absent(client, world):
    session = opened(world.session_a)
    client.force_login(world.a.tutor)
    client.post(reverse("signin:close", args=[session.pk]), {})
    assert TrainingSession.objects.get(pk=session.pk).signin_state == SigninState.OPEN
    client.post(reverse("signin:close", args=[session.pk]), {"attest": "on"}, REMOTE_ADDR="203.0.113.5")
    row = TrainingSession.objects.get(pk=session.pk)
    assert (row.signin_state, row.closed_by_id, row.closed_ip) == (SigninState.CLOSED, world.a.tutor.pk, "203.0.113.5")
    assert set(AttendanceRecord.objects.filter(day=MONDAY).values_list("apprentice__last_name", "status")) == {
        ("Martin", AttendanceStatus.ABSENT), ("Petit", AttendanceStatus.ABSENT)}


def test_the_trainer_notes_who_cannot_sign(client, world):
    session = opened(world.session_a)
    client.force_login(world.a.tutor)
    client.post(reverse("signin:mark", args=[session.pk]), {"apprentice": world.a.seeking.pk, "reason": "Pas de téléphone", "minutes": "5"})
    line = SessionSignature.objects.get()
    assert (line.apprentice_id, line.method, line.minutes_late, line.manual_reason) == (
        world.a.seeking.pk, SignatureMethod.MANUAL, 5, "Pas de téléphone")
    # Another cohort's apprentice cannot be marked on this sheet (its id in the form): 404.
    assert client.post(reverse("signin:mark", args=[session.pk]), {"apprentice": world.b.seeking.pk, "reason": "x"}).status_code == 404


def test_todays_sessions_of_a_tutor(client, world):
    client.force_login(world.a.tutor)
    page = text(client.get(reverse("signin:today")))
    assert "Réseaux" in page and "Algorithmique" not in page


def test_the_lines_query_count_does_not_grow_with_the_cohort(client, world):
    session = opened(world.session_a)
    client.force_login(world.a.tutor)
    url = reverse("signin:lines", args=[session.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(15):
        apprentice = ApprenticeFactory(cohort=world.a.cohort, user=ApprenticeUserFactory())
        services.signin_sign(session_pk=session.pk, user=apprentice.user, code=codes.current_code(session, NOW).code,
                             method=SignatureMethod.QR, ip=None, user_agent="", now=NOW)
    with CaptureQueriesContext(connection) as big:
        response = client.get(url)
    assert "Signatures : 15 sur 17" in text(response)
    assert len(big) == len(small)


def test_the_register_shows_the_days_sessions_and_says_when_a_sheet_wrote_it(client, world):
    session = opened(world.session_a)
    client.force_login(world.a.tutor)
    url = f"{reverse('attendance_register', args=[world.a.cohort.pk])}?day=2026-12-07&half=am"
    page = text(client.get(url))
    assert "Séances de ce jour" in page and "Réseaux" in page and "Ouvert" in page
    assert "écrite à la clôture de l'émargement" not in page
    services.signin_close(session=session, by=world.a.tutor, ip=None, user_agent="", now=NOW)
    page = text(client.get(url))
    assert "Clos et signé" in page and "écrite à la clôture de l'émargement" in page
    assert "écrite à la clôture de l'émargement" not in text(client.get(url.replace("half=am", "half=pm")))
