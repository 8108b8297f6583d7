"""The pages of the signed sheets (issue 19 §3): a closed session's page offers its sheet once rendered
(« en préparation » before, with a button that renders it again), the cohort's sheets page of a month
lists each session's sheet and produces the monthly sheets in the background; who may see them."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import SignatureMethod
from alternance.models import TaskIntent, TrainingSession
from alternance.signin import codes, services, sheets
from contracts.choices import DocumentKind
from contracts.models import Document
from tests.factories.alternance import TrainingSessionFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 12, 40, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen_now(time_machine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def close(session, signers=()):
    session = services.signin_open(session=session, by=session.trainer, now=datetime(2026, 12, 7, 9, 0, tzinfo=PARIS))
    for apprentice in signers:
        at = datetime(2026, 12, 7, 9, 3, tzinfo=PARIS)
        services.signin_sign(session_pk=session.pk, user=apprentice.user, code=codes.current_code(session, at).code,
                             method=SignatureMethod.CODE, ip=None, user_agent="", now=at)
    services.signin_close(session=session, by=session.trainer, ip=None, user_agent="", now=datetime(2026, 12, 7, 12, 31, tzinfo=PARIS))
    return TrainingSession.objects.get(pk=session.pk)


@pytest.fixture
def world():
    w = make_world()
    w.session_a = close(TrainingSessionFactory(cohort=w.a.cohort, day=MONDAY, trainer=w.a.tutor), signers=[w.a.apprentice])
    return w


def test_the_session_page_says_the_sheet_is_being_prepared_then_offers_it(client, world):
    client.force_login(world.a.tutor)
    url = reverse("signin:session", args=[world.session_a.pk])
    assert "La feuille est en préparation" in text(client.get(url))

    document = sheets.session_sheet_store(session_id=world.session_a.pk)
    page = text(client.get(url))
    assert "La feuille est en préparation" not in page
    assert reverse("contracts:document_download", args=[document.pk]) in page
    assert document.sha256 in page


def test_asking_again_for_the_sheet_records_a_new_intent(client, world):
    client.force_login(world.a.tutor)
    TaskIntent.objects.all().delete()
    response = client.post(reverse("signin:sheet", args=[world.session_a.pk]))
    assert response.status_code == 302
    assert list(TaskIntent.objects.values_list("name", "kwargs")) == [(services.SHEET_TASK, {"session_id": world.session_a.pk})]


def test_the_sheet_block_polls_only_while_the_sheet_is_missing(client, world):
    client.force_login(world.a.tutor)
    url = reverse("signin:sheet", args=[world.session_a.pk])
    assert "hx-trigger" in client.get(url).content.decode()
    sheets.session_sheet_store(session_id=world.session_a.pk)
    assert "hx-trigger" not in client.get(url).content.decode()


@pytest.mark.parametrize(("who", "expected"), [
    ("coordinator", 200), ("admin_staff", 200), ("a.tutor", 200), ("b.tutor", 404), ("a.cre", 403),
    ("a.apprentice_user", 403), ("a.employer_user", 403),
])
def test_who_opens_a_cohorts_sheets_page(client, world, who, expected):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    assert client.get(reverse("signin:cohort_sheets", args=[world.a.cohort.pk]) + "?mois=2026-12").status_code == expected


def test_the_cohort_sheets_page_lists_the_sessions_and_produces_the_monthly_sheets(client, world):
    TrainingSessionFactory(cohort=world.a.cohort, day=date(2026, 12, 8), subject="Pas encore faite")
    sheets.session_sheet_store(session_id=world.session_a.pk)
    client.force_login(world.a.tutor)
    url = reverse("signin:cohort_sheets", args=[world.a.cohort.pk])
    page = text(client.get(url + "?mois=2026-12"))
    assert "Aucune feuille mensuelle n'a encore été produite pour ce mois." in page
    assert page.count(">PDF</a>") == 1
    assert "Pas encore faite" in page

    TaskIntent.objects.all().delete()
    response = client.post(url, {"mois": "2026-12"})
    assert response["Location"] == url + "?mois=2026-12"
    assert list(TaskIntent.objects.values_list("name", "kwargs")) == [
        (services.MONTHLY_TASK, {"cohort_id": world.a.cohort.pk, "year": 2026, "month": 12, "by_id": world.a.tutor.pk})]
    sheets.monthly_sheets_store(cohort_id=world.a.cohort.pk, year=2026, month=12, by=world.a.tutor)
    page = text(client.get(url + "?mois=2026-12"))
    cohort_sheet = Document.objects.get(kind=DocumentKind.MONTHLY_SIGNIN_SHEET, cohort=world.a.cohort)
    assert reverse("contracts:document_download", args=[cohort_sheet.pk]) in page
    # every apprentice expected that day has its sheet, the one who signed and the one absent
    expected = sorted(r.apprentice.full_name for r in sheets.closed_session_rows([world.session_a])[0].rows)
    assert len(expected) == 2 and world.a.apprentice.full_name in expected
    assert "2 feuilles d'apprenti·es" in page
    assert all(name in page for name in expected)


def test_the_cohort_sheets_page_costs_the_same_queries_with_more_sessions(client, world):
    client.force_login(world.coordinator)
    url = reverse("signin:cohort_sheets", args=[world.a.cohort.pk]) + "?mois=2026-12"
    sheets.session_sheet_store(session_id=world.session_a.pk)
    client.get(url)  # the first request of a session warms what later ones keep
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in (date(2026, 12, 14), date(2026, 12, 15)):
        extra = TrainingSessionFactory(cohort=world.a.cohort, day=day, trainer=world.a.tutor)
        TrainingSession.objects.filter(pk=extra.pk).update(day=MONDAY)
        close(TrainingSession.objects.get(pk=extra.pk))
        TrainingSession.objects.filter(pk=extra.pk).update(day=day)
        sheets.session_sheet_store(session_id=extra.pk)
    with CaptureQueriesContext(connection) as more:
        page = text(client.get(url))
    assert page.count(">PDF</a>") == 3
    assert len(more) == len(few)


@pytest.mark.parametrize(("sent_minutes_ago", "preparing"), [(9, True), (10, True), (11, False)])
def test_a_sheet_handed_to_the_broker_is_in_preparation_for_ten_minutes(client, world, sent_minutes_ago, preparing):
    """Past ``PREPARATION_MINUTES`` (10) the task was lost: the page offers « Produire la feuille »."""
    TaskIntent.objects.filter(name=services.SHEET_TASK).update(status="sent", sent_at=NOW - timedelta(minutes=sent_minutes_ago))
    client.force_login(world.a.tutor)
    page = text(client.get(reverse("signin:session", args=[world.session_a.pk])))
    assert ("La feuille est en préparation" in page) is preparing
    assert ("Produire la feuille" in page) is not preparing


def test_a_queued_sheet_waits_for_the_broker_however_long(client, world):
    TaskIntent.objects.filter(name=services.SHEET_TASK).update(created_at=NOW - timedelta(days=2))
    assert sheets.sheets_in_preparation([world.session_a.pk], now=NOW) == {world.session_a.pk}


def test_the_cohort_page_produces_the_missing_sheets(client, world):
    TaskIntent.objects.all().delete()  # the closing's task was lost
    other = close(TrainingSessionFactory(cohort=world.a.cohort, day=MONDAY, start_time=time(13, 30), end_time=time(17, 0),
                                         trainer=world.a.tutor))
    sheets.session_sheet_store(session_id=other.pk)
    TaskIntent.objects.all().delete()
    client.force_login(world.a.tutor)
    url = reverse("signin:cohort_sheets", args=[world.a.cohort.pk])
    page = text(client.get(url + "?mois=2026-12"))
    assert "Produire la feuille manquante (1)" in page and "non produite" in page
    client.post(url, {"mois": "2026-12", "action": "missing"})
    assert list(TaskIntent.objects.values_list("kwargs", flat=True)) == [{"session_id": world.session_a.pk}]
    page = text(client.get(url + "?mois=2026-12"))
    assert "en préparation" in page and "Produire la feuille manquante" not in page


def test_the_session_page_shows_its_history_with_the_reopening_reason(client, world):
    services.signin_reopen(session=world.session_a, reason="Alice oubliée, présente sans téléphone", by=world.admin_staff,
                           now=NOW)
    client.force_login(world.a.tutor)
    page = text(client.get(reverse("signin:session", args=[world.session_a.pk])))
    assert "Historique des modifications" in page
    assert "Alice oubliée, présente sans téléphone" in page
    full = reverse("history:page", args=["seance", world.session_a.pk])
    assert "Alice oubliée, présente sans téléphone" in text(client.get(full))
    client.force_login(world.b.tutor)
    assert client.get(full).status_code == 404
    client.force_login(world.a.apprentice_user)
    assert client.get(full).status_code == 403  # its cohort's session (on its calendar), but history is staff only
