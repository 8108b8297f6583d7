"""Every page of each demo account reads as French (issue 14 §6).

The walk opens the home page and every page of each demo account's menu, then the pages those link
to (one of each kind: one apprentice page, one contract page…), and fails on what a French reader
should never see: an English Django message, a decimal point, a large amount or count without its
thousands separator, « 1 » with a plural noun, « jour(s) », a raw code (``rupture_risk``,
``under_contract``), an ISO date (« 2026-11-25 », « 2026-11 ») or Django's « --------- » empty choice.
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
DEMO_ACCOUNTS = ("coordination", "cre", "tuteur", "administratif", "apprenti", "employeur")

ENGLISH = (
    "This field is required", "Enter a valid", "Select a valid choice", "Ensure this value", "No file was submitted",
    "Currently:", "Change:", "Page not found", "Forbidden", "January", "February", "March", "April", "June", "July",
    "August", "September", "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "Jul ", "Jun ", "Sheet", "Export CSV", "Yes", "None",
)
# Nouns that end in -s in the singular too (« 1 mois », « 1 fois »), and words that are not nouns.
INVARIABLE = {"mois", "fois", "cours", "temps", "pas", "plus", "sous", "dans", "sans", "vers", "après", "près", "jus",
              "avis", "poids", "prix", "choix", "relais", "repas", "accès", "progrès", "succès", "devis", "lors", "puis"}
RULES = [
    # (not a NAF code such as « 62.01Z »)
    ("décimale avec un point", re.compile(r"(?<![\d.:/])\d+\.\d{1,2}(?![\d.A-Z])(?!\s*(?:Mo|Ko)\b)")),
    ("millier sans séparateur", re.compile(r"(?<![\d\w/.,:+-])\d{4,}(?:,\d+)?\s?(?:€|heures\b|jours\b|apprenti|contrats\b|alertes\b|entreprises\b|absences\b)")),
    ("« jour(s) »", re.compile(r"\w\(s\)")),
    ("code interne", re.compile(r"(?<![\w@./-])[a-z]+_[a-z_]+(?![\w@/.-])")),
    ("date ISO", re.compile(r"(?<![\w/-])\d{4}-\d{2}(?:-\d{2})?(?![\w-])")),
    ("élision manquante", re.compile(r"\b(?:de|le|la|que) [AEIOUYÉÈÊÎ][a-zéèêëîïôûü]+")),
    ("parenthèses vides", re.compile(r"\(\w+ \)|\(\s*\)")),
]
ONE_PLURAL = re.compile(r"(?<![\d\s,.])(?<!\d )\b1\s(?:[a-zéèêàç·-]+\s)?([a-zéèêàç·]+s)\b")


class _VisibleText(HTMLParser):
    """The text a reader sees: without scripts, styles, templates or visually hidden parts of links."""

    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href)
        if tag in ("p", "div", "li", "td", "th", "tr", "br", "option", "h1", "h2", "h3", "h4", "h5", "dt", "dd", "label", "button"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def problems_in(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    text = parser.text
    found = []
    for line in (" ".join(raw.split()) for raw in text.split("\n")):
        if not line:
            continue
        for english in ENGLISH:
            if re.search(rf"(?<!\w){re.escape(english)}", line):
                found.append(f"anglais « {english} » : {line[:120]}")
        for label, pattern in RULES:
            for match in pattern.finditer(line):
                found.append(f"{label} « {match.group(0)} » : {line[:120]}")
        for match in ONE_PLURAL.finditer(line):
            if match.group(1) not in INVARIABLE:
                found.append(f"« 1 » au pluriel « {match.group(0)} » : {line[:120]}")
    if "---------" in html:
        found.append("choix vide « --------- »")
    return found


def internal_links(html: str, base: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    links = []
    for href in parser.links:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "http:", "https:", "//")):
            continue
        links.append(urljoin(base, href))
    return links


def _kind(url: str) -> str:
    """One page of each kind is enough: /apprenti-es/12/ and /apprenti-es/13/ are the same page."""
    path = urlsplit(url).path
    return re.sub(r"/\d+(?=/|$)", "/<id>", path) + ("?" if urlsplit(url).query else "")


def pages_of(user) -> list[str]:
    urls = ["/"]
    for item in menu_for(user):
        for entry in (item, *item.children):
            if entry.url and entry.url not in urls:
                urls.append(entry.url)
    return urls


SKIPPED = ("/deconnexion/", "/admin/", "/api/", "/static/", "/media/")


def walk(client, user) -> tuple[int, list[str]]:
    client.force_login(user)
    first = pages_of(user)
    queue, kinds, problems, opened = list(first), set(), [], 0
    while queue:
        url = queue.pop(0)
        kind = _kind(url)
        if kind in kinds or url.startswith(SKIPPED) or "export=" in url or "format=" in url:
            continue
        kinds.add(kind)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        opened += 1
        html = response.content.decode()
        problems += [f"{user.email} {url} : {p}" for p in problems_in(html)]
        if url in first:
            queue += internal_links(html, url)
    return opened, problems


@pytest.mark.django_db
@pytest.mark.parametrize("account", DEMO_ACCOUNTS)
def test_every_page_of_each_account_reads_as_french(client, time_machine, account):
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=PARIS), tick=False)
    call_command("seed_demo", apprentices=60, seed=5, today="2026-11-25", stdout=StringIO())

    opened, problems = walk(client, User.objects.get(email=f"{account}@demo.test"))

    assert sorted(set(problems)) == []
    assert opened >= 5


@pytest.mark.parametrize(("text", "expected"), [
    ("1 jours avant la limite", ["« 1 » au pluriel"]),
    ("1 absences non justifiées", ["« 1 » au pluriel"]),
    ("1 mois", []),
    ("21 jours", []),
    ("1 000 heures", []),
    ("jour(s)", ["« jour(s) »"]),
    ("77.8 %", ["décimale avec un point"]),
    ("77,8 %", []),
    ("1.5 / 4", ["décimale avec un point"]),
    ("3400,00 €", ["millier sans séparateur"]),
    ("3 400,00 €", []),
    ("(rupture_risk)", ["code interne"]),
    ("prenom_nom@example.test", []),
    ("2026-11", ["date ISO"]),
    ("le 2026-11-25", ["date ISO"]),
    ("novembre 2026", []),
    ("SIRET 732 829 320 00074", []),
    ("NAF 62.01Z", []),
    ("le livret de Assia", ["élision manquante"]),
    ("le livret d'Assia", []),
    ("(facture )", ["parenthèses vides"]),
    ("(facture F-12)", []),
    ("Page 1 sur 3", []),
])
def test_the_checks_catch_what_the_issue_saw_and_nothing_else(text, expected):
    found = [p.split(" « ")[0].split(" : ")[0] for p in problems_in(f"<p>{text}</p>")]

    assert [f for f in found if not f.startswith("anglais")] == expected
