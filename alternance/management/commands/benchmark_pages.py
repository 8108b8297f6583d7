"""Time every page of every demo role against a trivial page (issue 18 §3): ``manage.py benchmark_pages``.

    python manage.py benchmark_pages [--runs 7] [--json PATH] [--only TEXTE …] [--role coordinator …]

On the current database (``DATABASE_URL``), for each of the six demo accounts (README « Demo
accounts »; a missing account is skipped with a line saying so), the command logs in (Django's
test client, ``force_login``: no network, no password), then measures:

- every page of the role's menu (``alternance.navigation.menu_for``, the « Outils » drop-down
  included; the first entry is the home page), and the weekly meeting page for the roles that
  have the dashboard;
- every tab of the OPCO board (``/contrats/opco/?filter=…``);
- the read API's lists (``/api/…``) for the roles that may use it: the API takes an API key only
  (no session), so the command creates a key for the account with the API's own service and
  revokes it at the end (the revoked key stays in the account's « Clés d'API », labelled
  « benchmark_pages »);
- the last page of each paginated list above (the paginator's ``num_pages`` read from the first
  response's context; for the API, ``count`` divided by the page size).

Each page is requested ``runs`` times, each time right after the trivial page
(``/mot-de-passe/modifier/``): trivial, page, trivial, page… so that a load on the machine weighs
on both alike. One line per page: role, page, SQL queries of one request (counted with an execute
wrapper), median and 90th percentile in ms, and the ratio of the page's median to the median of
the trivial requests interleaved with it. ``--json PATH`` writes the same rows with the database
vendor, the number of apprentices and contracts and the date. A page that does not answer 200 is
an error row, and the command fails at the end (after writing the JSON). Performance is measured
here, never asserted in tests (house style).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.template import Template
from django.test import Client
from django.test.utils import instrumented_test_render, override_settings
from django.urls import reverse
from django.utils import timezone

from alternance import access
from alternance.api.pagination import DEFAULT_PAGE_SIZE
from alternance.api.services import api_token_create, api_token_revoke
from alternance.choices import Role
from alternance.models import Apprentice, User
from alternance.navigation import menu_for
from contracts import opco
from contracts.models import Contract

# The demo accounts (README « Demo accounts »), in the README's order.
DEMO_ACCOUNTS: tuple[tuple[str, str], ...] = (
    (Role.COORDINATOR, "coordination@demo.test"),
    (Role.CRE, "cre@demo.test"),
    (Role.TUTOR, "tuteur@demo.test"),
    (Role.ADMIN_STAFF, "administratif@demo.test"),
    (Role.APPRENTICE, "apprenti@demo.test"),
    (Role.EMPLOYER, "employeur@demo.test"),
)
# The read API's lists (alternance/api/urls.py: the router's « <basename>-list » routes).
API_LISTS: tuple[str, ...] = ("apprentice", "company", "contract", "absence", "alert")
API_TOKEN_LABEL = "benchmark_pages"
TRIVIAL_LABEL = "Page triviale (changement de mot de passe)"
LAST_PAGE_SUFFIX = " — dernière page"
NOT_MEASURED = "—"
HEADER = ("Rôle", "Page", "Requêtes", "Médiane (ms)", "p90 (ms)", "Ratio")
WIDTHS = (40, 52, 8, 12, 10, 8)


@dataclass(frozen=True)
class Page:
    label: str
    url: str
    api: bool = False


@dataclass
class Row:
    """One printed line; ``--json`` writes the same fields."""

    role: str
    page: str
    url: str
    status: int
    queries: int | None = None
    median_ms: float | None = None
    p90_ms: float | None = None
    trivial_median_ms: float | None = None
    ratio: float | None = None
    error: str = ""

    def cells(self) -> tuple[str, ...]:
        if self.error:
            return (self.role, self.page, NOT_MEASURED, NOT_MEASURED, NOT_MEASURED, f"erreur : {self.error}")
        return (
            self.role,
            self.page,
            str(self.queries),
            _decimal(self.median_ms, 1),
            _decimal(self.p90_ms, 1),
            f"{_decimal(self.ratio, 2)}×",
        )


def _decimal(value: float | None, places: int) -> str:
    # French decimal comma, as everywhere else in the product.
    return f"{value:.{places}f}".replace(".", ",")


def format_line(cells: tuple[str, ...]) -> str:
    """Columns separated by at least two spaces (a label never holds two spaces in a row)."""
    parts = [
        cell.ljust(width) if index < 2 else cell.rjust(width)
        for index, (cell, width) in enumerate(zip(cells, WIDTHS, strict=True))
    ]
    return "  ".join(parts).rstrip()


def percentile_90(values: list[float]) -> float:
    """90th percentile, interpolated between the closest samples (the sample itself for one run)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def with_page(url: str, page: int) -> str:
    """``url`` with ``page=<page>`` (its other parameters kept, its fragment dropped)."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "page"]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode([*query, ("page", str(page))]), ""))


def menu_pages(user: User) -> list[Page]:
    """The role's menu, drop-downs flattened, in the menu's order; each address once, without its fragment."""
    pages, seen = [], set()
    for item in menu_for(user):
        for entry in item.children or (item,):
            url = entry.url.split("#")[0]
            if url and url not in seen:
                seen.add(url)
                pages.append(Page(str(entry.label), url))
    return pages


def extra_pages(user: User) -> list[Page]:
    """What the menu reaches in one click and the issue names: the weekly meeting, the OPCO board's tabs."""
    pages = []
    if access.can_view_dashboard(user):
        pages.append(Page("Réunion hebdomadaire", reverse("weekly_meeting")))
    board = reverse("contracts:opco_board")
    if board in {page.url for page in menu_pages(user)}:
        pages += [
            Page(f"Suivi OPCO — {label}", f"{board}?{urlencode({'filter': key})}")
            for key, label in opco.BOARD_FILTERS.items()
            if key != opco.DEFAULT_BOARD_FILTER
        ]
    return pages


def api_pages(user: User) -> list[Page]:
    if not access.can_use_api(user):
        return []
    return [Page(f"API {reverse(f'api:{name}-list')}", reverse(f"api:{name}-list"), api=True) for name in API_LISTS]


class Command(BaseCommand):
    help = "Mesure chaque page de chaque rôle de la démo face à une page triviale (requêtes SQL, médiane, p90, ratio)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7, help="Requêtes mesurées par page (7 par défaut).")
        parser.add_argument(
            "--json",
            dest="json_path",
            default="",
            metavar="CHEMIN",
            help="Écrit aussi les lignes dans ce fichier JSON.",
        )
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="TEXTE",
            help="Ne mesure que les pages dont le libellé ou l'adresse contient ce texte (répétable).",
        )
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            choices=[role for role, _email in DEMO_ACCOUNTS],
            help="Ne mesure que ce rôle (répétable ; par défaut les six comptes de démonstration).",
        )

    def handle(self, *args, runs: int, json_path: str, only: list[str], role: list[str], **options):
        if runs < 1:
            raise CommandError("--runs doit valoir au moins 1.")
        self.runs, self.only = runs, [text.lower() for text in only]
        apprentices, contracts = Apprentice.objects.count(), Contract.objects.count()
        self.stdout.write(
            f"Base : {connection.vendor} — {apprentices} apprenti·es, {contracts} contrats ; "
            f"{runs} mesure(s) par page, chacune précédée de la page triviale"
        )
        rows: list[Row] = []
        # DEBUG off: timings without the debug cursor (queries are counted below); HTTPS requests
        # so that the production settings (SECURE_SSL_REDIRECT) answer the page, not a redirect.
        with override_settings(ALLOWED_HOSTS=["testserver", "localhost"], DEBUG=False):
            self.stdout.write(format_line(HEADER))
            for account_role, email in DEMO_ACCOUNTS:
                if role and account_role not in role:
                    continue
                user = User.objects.filter(email=email, role=account_role, is_active=True).first()
                if user is None:
                    self.stdout.write(f"{Role(account_role).label} : compte {email} absent ou inactif, rôle ignoré.")
                    continue
                rows += self.measure_role(user)
        if json_path:
            Path(json_path).write_text(
                _json_dump(
                    {
                        "db_vendor": connection.vendor,
                        "apprentices": apprentices,
                        "contracts": contracts,
                        "date": timezone.localdate().isoformat(),
                        "runs": runs,
                        "rows": [asdict(row) for row in rows],
                    }
                ),
                encoding="utf-8",
            )
        errors = [row for row in rows if row.error]
        if errors:
            raise CommandError(
                f"{len(errors)} page(s) en erreur : "
                + " ; ".join(f"{row.role} — {row.page} ({row.error})" for row in errors)
            )

    # --- one role ---------------------------------------------------------------------------------

    def wanted(self, page: Page) -> bool:
        return not self.only or any(text in page.label.lower() or text in page.url.lower() for text in self.only)

    def wanted_with_last_page(self, page: Page) -> bool:
        return self.wanted(page) or self.wanted(Page(page.label + LAST_PAGE_SUFFIX, page.url))

    def measure_role(self, user: User) -> list[Row]:
        role = str(Role(user.role).label)
        client = Client(raise_request_exception=False)  # a view that fails is an error row, not a crash
        client.force_login(user)
        self.trivial_url = reverse("password_change")
        self.trivial_samples: list[float] = []
        self.headers: dict[str, str] = {}
        token = None
        rows: list[Row] = []
        try:
            pages = [*menu_pages(user), *extra_pages(user), *api_pages(user)]
            if any(page.api and self.wanted_with_last_page(page) for page in pages):
                token, clear = api_token_create(user=user, label=API_TOKEN_LABEL)
                self.headers = {"Authorization": f"Bearer {clear}"}
            trivial = self.measure(client, Page(TRIVIAL_LABEL, self.trivial_url), role, interleave=False)
            for page in pages:
                last_page = self.last_page(client, page)
                for candidate in (page, last_page):
                    if candidate is not None and self.wanted(candidate):
                        rows.append(self.measure(client, candidate, role))
                        self.stdout.write(format_line(rows[-1].cells()))
        finally:
            if token is not None:
                api_token_revoke(token=token)
        if self.trivial_samples and not trivial.error:
            # The trivial page over every interleaved request of the role (its own line, ratio 1).
            median = statistics.median(self.trivial_samples) * 1000
            trivial.median_ms, trivial.p90_ms = round(median, 1), round(percentile_90(self.trivial_samples) * 1000, 1)
            trivial.trivial_median_ms, trivial.ratio = trivial.median_ms, 1.0
        self.stdout.write(format_line(trivial.cells()))
        return [*rows, trivial]

    def get(self, client: Client, page: Page):
        return client.get(page.url, secure=True, headers=self.headers if page.api else None)

    def last_page(self, client: Client, page: Page) -> Page | None:
        """The list's last page when it has more than one, read from a first (untimed) request."""
        if not self.wanted_with_last_page(page):
            return None
        if page.api:
            response = self.get(client, page)
            count = response.json().get("count", 0) if response.status_code == 200 else 0
            num_pages = math.ceil(count / DEFAULT_PAGE_SIZE)
        else:
            # Django's test instrumentation of template rendering, for this request only: the
            # response then carries the template context, where the list's paginator is.
            with mock.patch.object(Template, "_render", instrumented_test_render):
                response = self.get(client, page)
            context = response.context if response.status_code == 200 else None
            paginator = context.get("paginator") if context is not None else None
            num_pages = getattr(paginator, "num_pages", 1) or 1
        if num_pages <= 1:
            return None
        return Page(page.label + LAST_PAGE_SUFFIX, with_page(page.url, num_pages), api=page.api)

    def measure(self, client: Client, page: Page, role: str, interleave: bool = True) -> Row:
        first = self.get(client, page)  # warms the caches (settings rows, templates, the dashboard's panels)
        if first.status_code != 200:
            return Row(role, page.label, page.url, first.status_code, error=f"HTTP {first.status_code}")
        # Counted with an execute wrapper: it survives the connection being closed at the end of
        # the request (outside tests), unlike the debug cursor's query log.
        queries: list[str] = []
        with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
            self.get(client, page)
        samples, trivial_samples = [], []
        for _run in range(self.runs):
            if interleave:
                start = time.perf_counter()
                client.get(self.trivial_url, secure=True)
                trivial_samples.append(time.perf_counter() - start)
            start = time.perf_counter()
            response = self.get(client, page)
            samples.append(time.perf_counter() - start)
            if response.status_code != 200:
                return Row(role, page.label, page.url, response.status_code, error=f"HTTP {response.status_code}")
        self.trivial_samples += trivial_samples
        median = round(statistics.median(samples) * 1000, 1)
        trivial_median = round(statistics.median(trivial_samples or samples) * 1000, 1)
        ratio = statistics.median(samples) / statistics.median(trivial_samples or samples)
        return Row(
            role,
            page.label,
            page.url,
            200,
            queries=len(queries),
            median_ms=median,
            p90_ms=round(percentile_90(samples) * 1000, 1),
            trivial_median_ms=trivial_median,
            ratio=round(ratio, 2),
        )


def _json_dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
