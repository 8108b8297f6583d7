"""Issue 18 §3: ``benchmark_pages`` times every page of each demo role against the trivial page.

Performance is never asserted here (house style): these tests check what the command measures —
every role, every page of its menu, the OPCO board's tabs, the API lists, the last page of the
paginated lists —, that ``--json`` writes exactly the printed rows, that the ratio is the page's
median over the trivial page's, and that a page that fails is an error row and a failed command.
"""

import json
import re
from io import StringIO
from math import ceil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from alternance.api.services import api_token_create
from alternance.choices import Role
from alternance.management.commands.benchmark_pages import percentile_90, with_page
from alternance.models import ApiToken, Apprentice, User
from alternance.navigation import menu_for
from contracts import opco
from contracts.models import Contract
from contracts.views.contracts import ContractListView
from tests.factories.alternance import UserFactory

DEMO_ACCOUNTS = {
    "coordination@demo.test": Role.COORDINATOR,
    "cre@demo.test": Role.CRE,
    "tuteur@demo.test": Role.TUTOR,
    "administratif@demo.test": Role.ADMIN_STAFF,
    "apprenti@demo.test": Role.APPRENTICE,
    "employeur@demo.test": Role.EMPLOYER,
}
STAFF = {Role.COORDINATOR, Role.CRE, Role.TUTOR, Role.ADMIN_STAFF}
TRIVIAL = "Page triviale (changement de mot de passe)"
API_LISTS = [
    "API /api/apprenti-es/",
    "API /api/entreprises/",
    "API /api/contrats/",
    "API /api/absences/",
    "API /api/alertes/",
]


def printed_rows(output: str) -> list[list[str]]:
    """The table's lines (after the header), split on the runs of two spaces or more."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Rôle"))
    return [re.split(r"\s{2,}", line.strip()) for line in lines[header + 1 :] if "rôle ignoré" not in line]


def french(value: float, places: int) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def as_printed(row: dict) -> list[str]:
    if row["error"]:
        return [row["role"], row["page"], "—", "—", "—", f"erreur : {row['error']}"]
    return [
        row["role"],
        row["page"],
        str(row["queries"]),
        french(row["median_ms"], 1),
        french(row["p90_ms"], 1),
        f"{french(row['ratio'], 2)}×",
    ]


def menu_labels(user: User) -> list[str]:
    return [str(entry.label) for item in menu_for(user) for entry in (item.children or (item,))]


@pytest.fixture
def demo(db):
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())


@pytest.mark.slow  # about 40 s: the demo seeded, then some 700 requests
def test_every_page_of_every_demo_role_is_measured_and_the_json_holds_the_printed_rows(demo, tmp_path, client):
    out, path = StringIO(), tmp_path / "pages.json"

    call_command("benchmark_pages", runs=1, json_path=str(path), stdout=out, stderr=StringIO())

    report = json.loads(path.read_text(encoding="utf-8"))
    rows = report["rows"]
    assert {key: report[key] for key in ("db_vendor", "apprentices", "contracts", "date", "runs")} == {
        "db_vendor": connection.vendor,
        "apprentices": Apprentice.objects.count(),
        "contracts": Contract.objects.count(),
        "date": timezone.localdate().isoformat(),
        "runs": 1,
    }
    assert printed_rows(out.getvalue()) == [as_printed(row) for row in rows]
    assert [row for row in rows if row["status"] != 200 or row["error"]] == []
    assert all(row["queries"] > 0 and row["median_ms"] > 0 for row in rows)
    # The ratio is the page's median over the median of the trivial requests interleaved with it
    # (both printed to 0.1 ms, the ratio computed before rounding).
    for row in rows:
        assert row["ratio"] == pytest.approx(row["median_ms"] / row["trivial_median_ms"], rel=0.03, abs=0.01), row

    for email, role in DEMO_ACCOUNTS.items():
        user = User.objects.get(email=email)
        pages = [row["page"] for row in rows if row["role"] == Role(role).label]
        assert set(menu_labels(user)) - {"Outils"} <= set(pages), role
        assert pages[-1] == TRIVIAL
        assert [page for page in pages if page.startswith("API ") and "dernière" not in page] == (
            API_LISTS if role in STAFF else []
        )
        tabs = [
            f"Suivi OPCO — {label}" for key, label in opco.BOARD_FILTERS.items() if key != opco.DEFAULT_BOARD_FILTER
        ]
        assert [page for page in pages if page.startswith("Suivi OPCO — ")] == (tabs if role in STAFF else [])
        assert ("Réunion hebdomadaire" in pages) == (role in {Role.COORDINATOR, Role.ADMIN_STAFF})
    # The last page of a paginated list: the number its paginator gives.
    coordinator = User.objects.get(email="coordination@demo.test")
    last = {row["page"]: row["url"] for row in rows if row["role"] == Role.COORDINATOR.label}
    client.force_login(coordinator)
    num_pages = client.get("/apprenti-es/").context["paginator"].num_pages
    assert num_pages > 1
    assert last["Apprenti·es — dernière page"] == f"/apprenti-es/?page={num_pages}"
    # … and for the API, its count over the page size (read here with a key of our own).
    _token, key = api_token_create(user=coordinator, label="test")
    count = client.get("/api/absences/", headers={"Authorization": f"Bearer {key}"}).json()["count"]
    api_pages = ceil(count / 50)
    assert last.get("API /api/absences/ — dernière page") == (
        f"/api/absences/?page={api_pages}" if api_pages > 1 else None
    )
    # The API keys the command created are revoked.
    tokens = ApiToken.objects.filter(label="benchmark_pages")
    assert sorted(tokens.values_list("user__email", flat=True)) == sorted(
        e for e, r in DEMO_ACCOUNTS.items() if r in STAFF
    )
    assert not tokens.filter(revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_page_that_fails_is_an_error_row_and_the_command_fails(tmp_path, monkeypatch):
    UserFactory(email="coordination@demo.test", role=Role.COORDINATOR)

    def broken(self):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(ContractListView, "get_queryset", broken)
    out, path = StringIO(), tmp_path / "pages.json"

    with pytest.raises(
        CommandError, match="1 page\\(s\\) en erreur : Responsable alternance — Contrats \\(HTTP 500\\)"
    ):
        call_command("benchmark_pages", runs=1, only=["contrat"], json_path=str(path), stdout=out, stderr=StringIO())

    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    assert [(row["page"], row["status"], row["error"]) for row in rows if row["error"]] == [
        ("Contrats", 500, "HTTP 500")
    ]
    measured = [row["page"] for row in rows if not row["error"]]
    assert "Suivi OPCO" in measured and "API /api/contrats/" in measured and measured[-1] == TRIVIAL
    assert printed_rows(out.getvalue()) == [as_printed(row) for row in rows]
    assert [line for line in out.getvalue().splitlines() if "rôle ignoré" in line] == [
        f"{Role(role).label} : compte {email} absent ou inactif, rôle ignoré."
        for email, role in DEMO_ACCOUNTS.items()
        if role != Role.COORDINATOR
    ]


def test_the_ninetieth_percentile_interpolates_between_the_slowest_runs():
    assert percentile_90([0.010]) == 0.010
    assert percentile_90(
        [0.010, 0.020, 0.030, 0.040, 0.050, 0.060, 0.070, 0.080, 0.090, 0.100, 0.110]
    ) == pytest.approx(0.100)


def test_the_last_page_keeps_the_other_parameters_and_drops_the_section():
    assert with_page("/admissions/?etape=received#liste", 4) == "/admissions/?etape=received&page=4"
    assert with_page("/contrats/?page=1&statut=draft", 3) == "/contrats/?statut=draft&page=3"
