"""No crafted query parameter gives a 500 (issue 17 §16).

Every page without path parameters (lists, calendars, boards, exports) and the calendar pages of an
apprentice and of a cohort are opened as each role that may open them. Their query parameters are
discovered on the page itself — the names of the fields of its GET forms (the filter forms) and of
the query strings of its own links (sorting, pagination, months, exports) — plus the parameters the
views read without a form (``mois``, ``annee``, ``jour``, ``page``, ``export``, ``format``, ``next``).
Each value of ``HOSTILE`` (huge, negative, non-numeric, unicode, empty, SQL-ish, dates out of range,
a NUL byte, the download formats) is given to all of a page's parameters at once; an answer that is
not the page (a download, a 404, a 400) could hide another parameter's 500, so its parameters are
halved and tried again until each 500 is pinned on its parameter. A page offering a download (an
``export``/``format`` link) is fuzzed a second time in that download. The failures say which role,
which URL, which value and which parameter.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from alternance.choices import Role
from alternance.views.mixins import PAGE_SIZE
from tests.alternance.test_portal_leaks import all_routes
from tests.factories.alternance import ApprenticeFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]
READ_WITHOUT_FORM = ("mois", "annee", "jour", "page", "export", "format", "next")
# The parameters that turn a page into a file (CSV, XLSX) when their value is a format.
DOWNLOAD_NAMES = ("export", "format")
HOSTILE = (
    "99999999999999999999",  # beyond a 64-bit integer
    "9223372036854775807",  # the largest 64-bit integer: a valid id, but no day count
    "99999999999-01",
    "-1",
    "0",
    "abc",
    "éà€😀",
    "",
    "' OR 1=1 --",
    "0000-00-00",
    "0001-01-01",  # date.min: a day before it overflows
    "9999-12-31",  # date.max: a day after it overflows
    "1899-13-45",
    "2026-99",
    "10000-01-01",
    "a\x00b",
    "1e309",
    "csv",
    "xlsx",
)
# Routes never fuzzed: they log out, or are the API (JSON, key-authenticated, own tests), or the admin.
SKIPPED_PREFIXES = ("admin/", "api/")
SKIPPED_KEYS = {"logout", "healthz", "password_reset", "login"}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


class _ParamNames(HTMLParser):
    """Names of the fields of the page's GET forms and of its links' query strings, and the
    downloads its links offer (``export=csv``…)."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.downloads: set[tuple[str, str]] = set()
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
                query = parse_qsl(urlsplit(href).query, keep_blank_values=True)
                self.names.update(name for name, _value in query)
                self.downloads.update((name, value) for name, value in query if name in DOWNLOAD_NAMES and value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def _parse(html: str) -> _ParamNames:
    parser = _ParamNames()
    parser.feed(html)
    return parser


def discovered_params(html: str) -> set[str]:
    return {name for name in _parse(html).names if name != "csrfmiddlewaretoken" and re.fullmatch(r"[\w\-\[\]]{1,40}", name)}


def discovered_downloads(html: str) -> set[tuple[str, str]]:
    return _parse(html).downloads


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


def _content_type(response) -> str:
    return response.get("Content-Type", "").split(";")[0]


def culprits(client: Client, url: str, names: list[str], value: str, *, base: dict, expected: str) -> list[str]:
    """The names among ``names`` whose ``value`` gives a 500 (``base`` set too). All at once first;
    an answer other than the expected one (a 404, a 400, a download instead of the page) may hide
    another parameter's 500, so the names are halved until each answer is the expected one or a
    single name is left. A 500 only the names together give is reported as them all."""
    response = client.get(url, {**base, **dict.fromkeys(names, value)})
    if response.status_code == 200 and _content_type(response) == expected:
        return []
    if len(names) == 1:
        return names if response.status_code >= 500 else []
    half = len(names) // 2
    found = culprits(client, url, names[:half], value, base=base, expected=expected) + culprits(
        client, url, names[half:], value, base=base, expected=expected)
    if response.status_code >= 500 and not found:
        return ["+".join(names)]
    return found


def test_pages_are_discovered_with_their_filters():
    """The discovery itself: the pages named in the issue are found with the parameters that broke them."""
    world = make_world()
    urls = pages(world)
    assert {"/contrats/", "/contrats/opco/", "/mon-calendrier/", "/apprenti-es/"} <= set(urls)
    client = Client()
    client.force_login(world.coordinator)
    contracts = client.get("/contrats/").content.decode()
    assert "cohort" in discovered_params(contracts)
    assert {("export", "csv"), ("export", "xlsx")} <= discovered_downloads(contracts)
    opco_board = client.get("/contrats/opco/").content.decode()
    assert "format" in discovered_params(opco_board)
    assert ("format", "csv") in discovered_downloads(opco_board)
    assert "mois" in discovered_params(client.get(reverse("apprentice_calendar", args=[world.a.apprentice.pk])).content.decode())


def test_a_hidden_500_is_found_behind_a_parameter_that_answers_otherwise():
    """The halving: ``page=abc`` alone is harmless, but sent with another parameter it must not hide
    that parameter's 500 (here, a page that fails on ``boom``)."""

    class FakeClient:
        def get(self, url, params):
            return HttpResponse(status=500 if "boom" in params else 404 if "page" in params else 200)

    client = FakeClient()
    assert culprits(client, "/x/", ["a", "boom", "page", "z"], "abc", base={}, expected="text/html") == ["boom"]
    assert culprits(client, "/x/", ["a", "z"], "abc", base={}, expected="text/html") == []


@pytest.mark.parametrize("role", ROLES)
def test_no_query_parameter_gives_a_500(role):
    world = make_world()
    client = Client(raise_request_exception=False)
    client.force_login(world.user(role))
    failures: list[str] = []
    opened = downloads = 0

    for url in pages(world):
        first = client.get(url)
        if first.status_code != 200 or _content_type(first) != "text/html":
            continue  # not a page of this role (or a file): its parameters are never read for it
        opened += 1
        html = first.content.decode()
        names = sorted(discovered_params(html) | set(READ_WITHOUT_FORM))
        # The page, then its first download (CSV and XLSX share the rows and the filters).
        modes = [({}, "text/html")]
        for name, fmt in sorted(discovered_downloads(html))[:1]:
            file = client.get(url, {name: fmt})
            assert file.status_code == 200, f"{url}?{name}={fmt}: {file.status_code}"
            modes.append(({name: fmt}, _content_type(file)))
            downloads += 1
        for base, expected in modes:
            fuzzed = [name for name in names if name not in base]
            for value in HOSTILE:
                if "\x00" in value:
                    # Refused before any view reads it (``RejectNulCharacterMiddleware``): PostgreSQL
                    # would fail on it in any filter.
                    refused = client.get(url, {**base, **dict.fromkeys(fuzzed, value)})
                    if refused.status_code != 400:
                        failures.append(f"{url}?{urlencode(base)} NUL: {refused.status_code}")
                    continue
                for culprit in culprits(client, url, fuzzed, value, base=base, expected=expected):
                    failures.append(f"{url}?{urlencode(base)} {culprit}={value!r}")

    assert opened >= (10 if role not in (Role.APPRENTICE, Role.EMPLOYER) else 2)
    assert downloads >= (3 if role not in (Role.APPRENTICE, Role.EMPLOYER) else 0)
    assert not failures, "\n".join(failures)


# --- the pages named in the issue, value by value ---------------------------------------------------------

def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def ignored(label: str) -> str:
    return f"Le filtre « {label} » de l'adresse n'est pas valide : il a été ignoré."


@pytest.mark.parametrize("value", ["abc", "-1", "0", "99999999999999999999"])
def test_contracts_with_a_malformed_cohort_list_every_contract_and_say_the_filter_was_ignored(value):
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:contract_list"), {"cohort": value})

    assert response.status_code == 200
    assert {c.pk for c in response.context["contracts"]} == {world.a.contract.pk, world.b.contract.pk}
    assert response.context["filters"]["cohort"] == ""
    assert shown_messages(response) == [ignored("Promotion")]
    assert "Documents de la promotion" not in response.content.decode()


def test_contracts_with_a_valid_cohort_are_filtered_without_a_message():
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:contract_list"), {"cohort": world.b.cohort.pk})

    assert [c.pk for c in response.context["contracts"]] == [world.b.contract.pk]
    assert shown_messages(response) == []


def test_contracts_ending_within_more_days_than_a_date_holds_are_not_filtered():
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:contract_list"), {"ending": "9223372036854775807", "rupture_du": "0001-01-01"})

    assert response.status_code == 200
    assert {c.pk for c in response.context["contracts"]} == {world.a.contract.pk, world.b.contract.pk}
    assert shown_messages(response) == [
        "Les filtres « Contrats finissant bientôt », « Période de ruptures (début) » de l'adresse ne sont pas valides : "
        "ils ont été ignorés."
    ]
    assert "prochains jours" not in response.content.decode()


def test_an_export_with_a_malformed_filter_is_the_whole_list_and_leaves_no_message_for_later():
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    export = client.get(reverse("contracts:contract_list"), {"cohort": "abc", "export": "csv"})
    next_page = client.get(reverse("contracts:contract_list"))

    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert len(export.getvalue().decode("utf-8-sig").strip().splitlines()) == 1 + 2  # header + both contracts
    assert shown_messages(next_page) == []


def test_a_page_number_that_is_not_one_shows_the_nearest_page():
    world = make_world()
    ApprenticeFactory.create_batch(PAGE_SIZE, cohort=world.a.cohort)
    client = Client()
    client.force_login(world.coordinator)
    url = reverse("apprentice_list")

    assert client.get(url, {"page": "2"}).context["page_obj"].number == 2
    assert client.get(url, {"page": "3"}).context["page_obj"].number == 2  # one past the end: the last
    assert client.get(url, {"page": "abc"}).context["page_obj"].number == 1
    assert client.get(url, {"page": "99999999999999999999"}).context["page_obj"].number == 2


@pytest.mark.parametrize("param", ["export", "format"])
@pytest.mark.parametrize(("fmt", "content_type"), [
    ("csv", "text/csv; charset=utf-8"), ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_the_opco_board_downloads_with_format_or_export(param, fmt, content_type):
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:opco_board"), {param: fmt})

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="suivi-opco-late-2026-11-30.{fmt}"'


@pytest.mark.parametrize("query", [{"format": "pdf"}, {"export": "abc"}, {"format": "", "export": ""}, {"format": "CSV"}])
def test_the_opco_board_with_an_unknown_format_is_the_page(query):
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:opco_board"), query)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.context["current_label"] == "En retard"


MONTH_IGNORED = "Le mois demandé dans l'adresse n'est pas valide : voici le mois en cours."


@pytest.mark.parametrize(("role", "page"), [
    (Role.COORDINATOR, "apprentice_calendar"), (Role.COORDINATOR, "cohort_calendar"),
    (Role.TUTOR, "apprentice_calendar"), (Role.TUTOR, "cohort_calendar"),
    (Role.APPRENTICE, "calendar_mine"), (Role.APPRENTICE, "apprentice_calendar"), (Role.APPRENTICE, "cohort_calendar"),
    (Role.EMPLOYER, "calendar_mine"), (Role.EMPLOYER, "employer_apprentice"), (Role.EMPLOYER, "apprentice_calendar"),
])
def test_a_month_out_of_range_shows_the_current_month_and_says_so(role, page):
    """Staff calendars, the extranet's own calendar and the employer's page of its apprentice."""
    world = make_world()
    client = Client()
    client.force_login(world.user(role))
    args = {"apprentice_calendar": [world.a.apprentice.pk], "cohort_calendar": [world.a.cohort.pk],
            "employer_apprentice": [world.a.apprentice.pk]}.get(page, [])

    chosen = client.get(reverse(page, args=args), {"mois": "2026-09"})
    response = client.get(reverse(page, args=args), {"mois": "99999999999-01"})

    assert (chosen.context["month"].year, chosen.context["month"].month) == (2026, 9)
    assert shown_messages(chosen) == []
    assert response.status_code == 200
    assert (response.context["month"].year, response.context["month"].month) == (2026, 11)
    assert shown_messages(response) == [MONTH_IGNORED]


def test_companies_with_an_owner_beyond_any_id_are_all_listed():
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse("companies:company_list"), {"owner": "99999999999999999999"})
    unowned = client.get(reverse("companies:company_list"), {"owner": "none"})
    reassign = client.get(reverse("companies:portfolio_reassign"), {"from": "-1"})

    assert {c.pk for c in response.context["companies"]} == {world.a.company.pk, world.b.company.pk}
    assert shown_messages(response) == [ignored("CRE référent·e")]
    assert list(unowned.context["companies"]) == []
    assert shown_messages(unowned) == []
    assert {c.pk for c in reassign.context["companies"]} == {world.a.company.pk, world.b.company.pk}
    assert shown_messages(reassign) == [ignored("Portefeuille de")]


def test_the_weekly_meeting_of_a_week_before_any_date_is_last_week():
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse("weekly_meeting"), {"semaine": "0001-01-01"})

    assert response.status_code == 200
    assert response.context["previous_week"] == "2026-11-16"  # the default week starts on 23 November
    assert shown_messages(response) == [ignored("Semaine")]


def test_a_nul_character_anywhere_in_the_query_gets_the_french_400_page():
    world = make_world()
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:contract_list"), {"q": "a\x00b"})

    assert response.status_code == 400
    assert "Adresse incorrecte" in response.content.decode()
