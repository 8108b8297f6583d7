"""Private ICS feed: creating the URL (shown once, stored hashed), the public feed answering with
text/calendar, revocation (the old URL answers 404), last use recorded at most once an hour."""

import hashlib
import html
import re
from datetime import datetime, timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role
from alternance.models import CalendarFeedToken
from alternance.planning.services import calendar_feed_create
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)
FEED_PATH = re.compile(r"https?://testserver(/calendrier/ics/([A-Za-z0-9_-]+)\.ics)")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def world():
    return make_world()


def create_feed(client) -> tuple[str, str]:
    """POST the creation button; (feed path, clear token) read from the page."""
    response = client.post(reverse("calendar_feed_manage"), {"action": "create"})
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    match = FEED_PATH.search(body)
    assert match, "the page shows the full feed URL"
    assert f"webcal://testserver{match.group(1)}" in body  # one tap on a phone
    assert "no-store" in response["Cache-Control"]
    return match.group(1), match.group(2)


def test_creating_a_feed_shows_its_url_once_and_stores_only_its_hash(client, world):
    client.force_login(world.a.apprentice_user)

    path, token = create_feed(client)
    again = client.get(reverse("calendar_feed_manage"))

    feed = CalendarFeedToken.objects.get()
    assert (feed.user, feed.revoked_at, feed.last_used_at) == (world.a.apprentice_user, None, None)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) == 43  # secrets.token_urlsafe(32)
    assert token not in again.content.decode()
    assert "Un abonnement est actif depuis le 28/11/2026" in html.unescape(again.content.decode())


def test_feed_is_public_and_answers_text_calendar(client, world):
    client.force_login(world.a.apprentice_user)
    path, _token = create_feed(client)
    client.logout()

    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Alternance — Alice Martin"
    uids = {str(e["uid"]) for e in calendar.walk("VEVENT")}
    assert f"centre-{world.a.apprentice.pk}-20261130@alternance" in uids
    assert not [uid for uid in uids if uid.startswith(f"centre-{world.b.apprentice.pk}-")]


def test_new_feed_revokes_the_previous_url(client, world):
    client.force_login(world.a.employer_user)
    old_path, _ = create_feed(client)
    new_path, _ = create_feed(client)
    client.logout()

    assert client.get(old_path).status_code == 404
    assert client.get(new_path).status_code == 200
    assert CalendarFeedToken.objects.filter(user=world.a.employer_user, revoked_at__isnull=True).count() == 1
    assert CalendarFeedToken.objects.filter(user=world.a.employer_user).count() == 2


def test_revoking_cuts_the_url(client, world):
    client.force_login(world.a.tutor)
    path, _ = create_feed(client)

    response = client.post(reverse("calendar_feed_manage"), {"action": "revoke"})

    assert response.status_code == 302
    assert CalendarFeedToken.objects.get().revoked_at == NOW
    client.logout()
    assert client.get(path).status_code == 404


def test_unknown_token_and_deactivated_account_answer_404(client, world):
    created = calendar_feed_create(user=world.a.apprentice_user)
    world.a.apprentice_user.is_active = False
    world.a.apprentice_user.save()

    assert client.get(reverse("calendar_feed", args=[created.token])).status_code == 404
    assert client.get(reverse("calendar_feed", args=["pas-un-jeton"])).status_code == 404


def test_last_use_is_recorded_at_most_once_an_hour(client, world, frozen):
    created = calendar_feed_create(user=world.a.apprentice_user)
    url = reverse("calendar_feed", args=[created.token])

    client.get(url)
    first = CalendarFeedToken.objects.get().last_used_at
    frozen.move_to(NOW + timedelta(minutes=40), tick=False)
    client.get(url)
    second = CalendarFeedToken.objects.get().last_used_at
    frozen.move_to(NOW + timedelta(minutes=61), tick=False)
    client.get(url)
    third = CalendarFeedToken.objects.get().last_used_at

    assert first == NOW
    assert second == NOW
    assert third == NOW + timedelta(minutes=61)


def test_revoke_without_feed_says_so(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("calendar_feed_manage"), {"action": "revoke"}, follow=True)

    assert "Vous n'aviez pas d'abonnement actif." in html.unescape(response.content.decode())


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER])
def test_every_role_may_subscribe(client, world, role):
    client.force_login(world.user(role))

    path, _ = create_feed(client)
    client.logout()

    assert client.get(path).status_code == 200


def test_feed_queries_do_not_grow_with_the_employers_apprentices(client, world):
    created = calendar_feed_create(user=world.a.employer_user)
    url = reverse("calendar_feed", args=[created.token])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for index in range(3):
        add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Nom{index}")

    assert count() == one


def test_the_live_feed_is_the_accounts_own_and_not_a_revoked_one(world):
    from alternance.planning import calendar as planning
    from alternance.planning.services import calendar_feed_revoke

    mine, theirs = world.a.apprentice_user, world.a.employer_user
    assert planning.calendar_feed_live(mine) is None
    calendar_feed_create(user=theirs)
    assert planning.calendar_feed_live(mine) is None  # another account's live feed
    created = calendar_feed_create(user=mine)
    assert planning.calendar_feed_live(mine) == created.feed
    calendar_feed_revoke(user=mine)
    assert planning.calendar_feed_live(mine) is None


def test_looking_up_a_token_reads_its_account_in_the_same_query(world, django_assert_num_queries):
    from alternance.planning import calendar as planning

    created = calendar_feed_create(user=world.a.apprentice_user)
    with django_assert_num_queries(1):
        feed = planning.calendar_feed_lookup(created.token)
        assert feed.user.email == world.a.apprentice_user.email
    assert planning.calendar_feed_lookup("") is None
