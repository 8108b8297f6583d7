"""Every figure that is a link equals the number of rows of the list it opens (issue 14 §2).

The walk logs in as each demo account, opens its home page, every page of its menu (the dashboard,
the weekly page, the OPCO board…) and the tabs those pages link to, and on each page follows every
link whose text is a figure: a bare number, a number that begins the text (« 3 visites en retard »)
or a menu badge. The list it opens states its count (``data-list-count``, from its paginator): the
two must be equal. Percentages are rates, not counts: they are not compared.

It runs on demo data made with several seeds, so a figure and its list that disagree only on some
data (a late visit on the boundary day, a rupture 12 months ago to the day…) are caught.
"""

import re
from datetime import datetime
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from alternance.models import User
from alternance.navigation import menu_for

PARIS = ZoneInfo("Europe/Paris")
DEMO_TODAY = "2026-11-25"
DEMO_ACCOUNTS = ("coordination", "cre", "tuteur", "administratif", "apprenti", "employeur")
# A figure: digits (with French thousands separators) at the start of the link's text, not a rate.
FIGURE = re.compile(r"^\s*(\d{1,3}(?:[\s\u202f\u00a0]\d{3})*|\d+)(?!\s*(?:%|,\d|/\d|\d))")
LIST_COUNT = re.compile(r'data-list-count="(\d+)"')


def stated_counts(html: str, fragment: str) -> list[str]:
    """The list count the page states; for a link to a section (``#alertes``), that section's."""
    if fragment:
        return re.findall(rf'id="{re.escape(fragment)}"[^>]*data-list-count="(\d+)"', html)
    return LIST_COUNT.findall(html)


class _Links(HTMLParser):
    """Links of a page with their text and, apart, the text of their badge (menu counts)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []
        self._stack: list[dict] = []
        self._in_badge = 0
        self._in_hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "a":
            self._stack.append({"href": attrs.get("href") or "", "text": "", "badge": ""})
        elif self._stack:
            if "badge" in classes:
                self._in_badge += 1
            if "visually-hidden" in classes:
                self._in_hidden += 1

    def handle_endtag(self, tag):
        if tag == "a" and self._stack:
            self.links.append(self._stack.pop())
            self._in_badge = self._in_hidden = 0
        elif tag == "span" and self._stack:
            if self._in_hidden:
                self._in_hidden -= 1
            elif self._in_badge:
                self._in_badge -= 1

    def handle_data(self, data):
        if not self._stack:
            return
        link = self._stack[-1]
        if self._in_hidden:
            return
        if self._in_badge:
            link["badge"] += data
        else:
            link["text"] += data


def figure_links(html: str) -> list[tuple[int, str, str]]:
    """(figure, href, text) of every internal link of ``html`` that shows a count."""
    parser = _Links()
    parser.feed(html)
    found = []
    for link in parser.links:
        href = link["href"]
        if not href or href.startswith(("//", "http:", "https:", "mailto:", "tel:", "#", "javascript:")):
            continue
        text = " ".join(link["text"].split())
        source = link["badge"].strip() or text
        match = FIGURE.match(source)
        if match:
            found.append((int(re.sub(r"\D", "", match.group(1))), href, " ".join((text + " " + link["badge"]).split())))
    return found


def pages_of(user) -> list[str]:
    urls = ["/"]
    for item in menu_for(user):
        for entry in (item, *item.children):
            if entry.url and entry.url not in urls:
                urls.append(entry.url)
    return urls


def walk(client, user) -> tuple[int, list[str]]:
    """Follow every figure link of the user's pages (and of the tabs they link to, one level down)."""
    client.force_login(user)
    compared, problems = 0, []
    seen_pages: set[str] = set()
    checked: set[str] = set()
    queue = pages_of(user)
    depth = {url: 0 for url in queue}
    while queue:
        url = queue.pop(0)
        if url in seen_pages:
            continue
        seen_pages.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for figure, href, text in figure_links(response.content.decode()):
            href = urljoin(url, href)
            target = client.get(href)
            if target.status_code != 200:
                problems.append(f"{user.email} {url}: « {text} » → {href} answers {target.status_code}")
                continue
            counts = stated_counts(target.content.decode(), urlsplit(href).fragment)
            if len(counts) != 1:
                problems.append(f"{user.email} {url}: « {text} » → {href} states no single list count ({counts})")
                continue
            compared += 1
            if int(counts[0]) != figure:
                problems.append(f"{user.email} {url}: « {text} » says {figure}, {href} lists {counts[0]}")
            # The list pages reached from a page are pages too (the OPCO board's tabs, filtered lists…).
            path = urlsplit(href).path
            if depth[url] == 0 and href not in checked and path != urlsplit(url).path:
                checked.add(href)
                if href not in depth:
                    depth[href] = 1
                    queue.append(href)
    return compared, problems


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_equals_the_list_it_opens(client, time_machine, seed):
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=PARIS), tick=False)
    call_command("seed_demo", apprentices=60, seed=seed, today=DEMO_TODAY, stdout=StringIO())

    compared, problems = 0, []
    for account in DEMO_ACCOUNTS:
        count, found = walk(client, User.objects.get(email=f"{account}@demo.test"))
        compared += count
        problems += found

    assert problems == []
    assert compared > 60  # the walk did reach the figures (dashboard, homes, badges, tabs)
