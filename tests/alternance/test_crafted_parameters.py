"""No crafted query parameter gives a 500 (issue 17 §16).

Every page without path parameters (lists, calendars, boards, exports) and the calendar pages of an
apprentice and of a cohort are opened as each role that may open them. Their query parameters are
discovered on the page itself — the names of the fields of its GET forms (the filter forms) and of
the query strings of its own links (sorting, pagination, months, exports) — plus the parameters the
views read without a form (``mois``, ``annee``, ``jour``, ``page``, ``export``, ``next``). Each
parameter then receives hostile values (huge, negative, non-numeric, unicode, empty, SQL-ish, dates
out of range, a NUL byte), first all parameters of a page at once, then each one alone; any 500 fails,
and the list of failures says which role, which URL.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from alternance.choices import Role
from tests.alternance.test_portal_leaks import all_routes
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]
READ_WITHOUT_FORM = ("mois", "annee", "jour", "page", "export", "next")
HOSTILE = (
    "99999999999999999999",
    "99999999999-01",
    "-1",
    "0",
    "abc",
    "éà€😀",
    "",
    "' OR 1=1 --",
    "0000-00-00",
    "9999-12-31",
    "1899-13-45",
    "2026-99",
    "10000-01-01",
    "a\x00b",
    "1e309",
)
# Routes never fuzzed: they log out, or are the API (JSON, key-authenticated, own tests), or the admin.
SKIPPED_PREFIXES = ("admin/", "api/")
SKIPPED_KEYS = {"logout", "healthz", "password_reset", "login"}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


class _ParamNames(HTMLParser):
    """Names of the fields of the page's GET forms and of its links' query strings."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self._in_get_form and attributes.get("name"):
            if attributes.get("type") not in ("submit", "button"):
                self.names.add(attributes["name"])
        elif tag == "a" and attributes.get("href"):
            href = attributes["href"]
            if href.startswith(("?", "/")):
                self.names.update(name for name, _value in parse_qsl(urlsplit(href).query, keep_blank_values=True))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def discovered_params(html: str) -> set[str]:
    parser = _ParamNames()
    parser.feed(html)
    return {name for name in parser.names if name != "csrfmiddlewaretoken" and re.fullmatch(r"[\w\-\[\]]{1,40}", name)}


def pages(world) -> list[str]:
    plain = [
        "/" + route.route
        for route in all_routes()
        if not route.params and not route.route.startswith(SKIPPED_PREFIXES) and route.key not in SKIPPED_KEYS
        and not re.search(r"[\^$\\(]", route.route)
    ]
    calendars = [
        reverse("apprentice_calendar", args=[world.a.apprentice.pk]),
        reverse("cohort_calendar", args=[world.a.cohort.pk]),
    ]
    return sorted(set(plain)) + calendars


def test_pages_are_discovered_with_their_filters():
    """The discovery itself: the pages named in the issue are found with the parameters that broke them."""
    world = make_world()
    urls = pages(world)
    assert {"/contrats/", "/contrats/opco/", "/mon-calendrier/", "/apprenti-es/"} <= set(urls)
    client = Client()
    client.force_login(world.coordinator)
    assert "cohort" in discovered_params(client.get("/contrats/").content.decode())
    assert "format" in discovered_params(client.get("/contrats/opco/").content.decode())
    assert "mois" in discovered_params(client.get(reverse("apprentice_calendar", args=[world.a.apprentice.pk])).content.decode())


@pytest.mark.parametrize("role", ROLES)
def test_no_query_parameter_gives_a_500(role):
    world = make_world()
    client = Client(raise_request_exception=False)
    client.force_login(world.user(role))
    failures: list[str] = []
    opened = 0

    for url in pages(world):
        first = client.get(url)
        if first.status_code != 200 or "text/html" not in first.get("Content-Type", ""):
            continue  # not a page of this role (or a file): its parameters are never read for it
        opened += 1
        names = sorted(discovered_params(first.content.decode()) | set(READ_WITHOUT_FORM))
        for value in HOSTILE:
            # Every parameter at once; on a 500, each alone to name the culprit(s).
            if client.get(f"{url}?{urlencode({name: value for name in names})}").status_code < 500:
                continue
            culprits = [name for name in names if client.get(f"{url}?{urlencode({name: value})}").status_code >= 500]
            failures.append(f"{url} {value!r}: {culprits or 'together'}")

    assert opened >= (10 if role not in (Role.APPRENTICE, Role.EMPLOYER) else 2)
    assert failures == []
