"""The steering dashboard, the weekly meeting page and the indicators' exports (issue 5, part 1)."""

import csv
import io
import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import ApprenticeStatus, Role
from contracts.choices import ContractStatus, RuptureKind
from tests.factories.alternance import ApprenticeFactory, CohortFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
WEEKLY = reverse("weekly_meeting")


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


# --- who may open it ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [DASHBOARD, WEEKLY, DASHBOARD + "?format=csv"])
def test_anonymous_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 200),
        (Role.ADMIN_STAFF, 200),
        (Role.CRE, 403),
        (Role.TUTOR, 403),
        (Role.APPRENTICE, 403),
        (Role.EMPLOYER, 403),
    ],
)
@pytest.mark.parametrize("url", [DASHBOARD, WEEKLY, DASHBOARD + "?format=xlsx"])
def test_permission_matrix(client, world, role, status, url):
    client.force_login(world.user(role))

    assert client.get(url).status_code == status


# --- the page ------------------------------------------------------------------------------------

def test_dashboard_shows_each_indicator_with_its_link_and_two_charts_of_twelve_bars(client, world):
    client.force_login(world.coordinator)

    response = client.get(DASHBOARD)

    html = response.content.decode()
    keys = [item.key for item in response.context["indicators"]]
    assert keys == [
        "active_contracts", "without_company", "placement_rate", "rupture_rate", "attendance_rate", "visits_on_time",
        "opco_late", "alerts_to_validate",
    ]
    assert 'href="/apprenti-es/?status=seeking"' in html
    assert 'href="/contrats/?status=active"' in html
    assert 'href="/alertes/?status=new&amp;rule=absences.unjustified"' in html
    assert 'href="/contrats/opco/?filter=late"' in html
    assert html.count("<svg") == 2 + 2  # two trend charts, one stacked bar per cohort
    assert html.count('class="bar"') == 24  # 12 months × 2 charts
    assert [(r.name, r.value) for r in response.context["cre_loads"]] == [("Cre A", 1), ("Cre B", 1)]
    assert [(r.name, r.apprentices, r.under_contract, r.seeking) for r in response.context["cohorts"]] == [
        ("Promotion A 2026", 2, 1, 1), ("Promotion B 2026", 2, 1, 1),
    ]


def test_coordinator_home_links_to_the_dashboard_and_the_weekly_meeting(client, world):
    client.force_login(world.coordinator)

    html = client.get(reverse("home")).content.decode()

    assert f'href="{DASHBOARD}" data-testid="dashboard-link"' in html
    assert f'href="{WEEKLY}"' in html


def dashboard_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_cohorts_and_contracts(client, world):
    created = []

    def grow(n: int) -> None:
        for i in range(len(created), len(created) + n):
            created.append(i)
            cohort = CohortFactory(name=f"Promotion extra {i}", programme=world.a.cohort.programme, referent_tutor=world.a.tutor)
            contract = add_contracted_apprentice(cohort, world.a.company, last_name=f"Extra{i}")
            ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.RUPTURANT)
            if i % 2:
                contract.status, contract.rupture_date, contract.rupture_kind = ContractStatus.BROKEN, date(2026, 11, 2), RuptureKind.FREE_PERIOD
                contract.save()

    dashboard_queries(client, world.coordinator)  # creates the settings rows on first read
    grow(1)
    with_one = dashboard_queries(client, world.coordinator)
    grow(5)
    with_six = dashboard_queries(client, world.coordinator)

    assert with_one == with_six


# --- exports ----------------------------------------------------------------------------------------

EXPECTED_ROWS = [
    ["Indicateur", "Valeur", "Unité", "Cible", "Valeur 4 semaines plus tôt"],
    ["Contrats actifs", "2", "", "", "2"],
    ["Apprenti·es sans entreprise", "2", "", "0", ""],
    ["Apprenti·es sans entreprise — moins de 30 jours", "0", "", "", ""],
    ["Apprenti·es sans entreprise — 30 à 59 jours", "0", "", "", ""],
    ["Apprenti·es sans entreprise — 60 à 89 jours", "2", "", "", ""],
    ["Apprenti·es sans entreprise — 90 jours et plus", "0", "", "", ""],
    ["Taux de placement (promotions en cours)", "50,0", "%", "≥ 90 %", ""],
]


def test_csv_export_has_a_bom_semicolons_and_the_figures(client, world):
    client.force_login(world.coordinator)

    response = client.get(DASHBOARD + "?format=csv")

    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    assert response["Content-Disposition"] == 'attachment; filename="indicateurs-2026-11-28.csv"'
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows[: len(EXPECTED_ROWS)] == EXPECTED_ROWS
    assert ["Alertes à valider", "2", "", "0", ""] in rows
    assert ["Alertes à valider — absences.unjustified", "2", "", "", ""] in rows


def test_xlsx_export_reads_back_with_numbers(client, world):
    from openpyxl import load_workbook

    client.force_login(world.coordinator)

    response = client.get(DASHBOARD + "?format=xlsx")

    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Indicateur", "Valeur", "Unité", "Cible", "Valeur 4 semaines plus tôt"]
    assert rows[1] == ["Contrats actifs", 2, None, None, 2]
    assert rows[7] == ["Taux de placement (promotions en cours)", 50, "%", "≥ 90 %", None]
    assert sheet["A1"].font.bold


def test_pdf_export_contains_the_indicators(client, world):
    from pypdf import PdfReader

    client.force_login(world.coordinator)

    response = client.get(DASHBOARD + "?format=pdf")

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1
    assert "Indicateurs de pilotage" in text
    assert "Taux de placement (promotions en cours) 50,0\xa0% ≥ 90 % —" in text
    assert "Contrats actifs 2 — 2" in text
    assert "Alertes à valider 2" in text


# --- the weekly meeting --------------------------------------------------------------------------------

def test_weekly_meeting_shows_the_weeks_changes(client, world):
    world.b.contract.status = ContractStatus.BROKEN
    world.b.contract.rupture_date, world.b.contract.rupture_kind = date(2026, 11, 24), RuptureKind.FREE_PERIOD
    world.b.contract.save()
    client.force_login(world.coordinator)

    response = client.get(WEEKLY + "?semaine=2026-11-21")

    html = response.content.decode()
    counts = {block.key: block.count for block in response.context["blocks"]}
    # The world's two alerts were raised "now" (28/11), after the week; its visits are planned in December.
    assert counts == {"signed": 0, "ruptures": 1, "raised": 0, "closed": 0, "overdue_visits": 0, "opco_late": 0}
    assert "Réunion hebdomadaire — semaine du 21 novembre au 27 novembre 2026" in html
    assert "Bruno Durand" in html
    # Printed on one A4 sheet by the print rules of app.css (no inline <style>: Content-Security-Policy).
    assert '<body class="d-flex flex-column min-vh-100 print-one-page"' in html
    assert "<style" not in html


def test_weekly_meeting_defaults_to_the_seven_days_before_today(client, world):
    client.force_login(world.coordinator)

    response = client.get(WEEKLY + "?semaine=n-importe-quoi")

    assert (response.context["start"], response.context["end"]) == (date(2026, 11, 21), date(2026, 11, 27))
    assert response.context["next_week"] is None


# --- every cohort, behind the dashboard's "cohorts needing attention" ------------------------------

COHORTS = reverse("dashboard_cohorts")


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.COORDINATOR, 200), (Role.ADMIN_STAFF, 200), (Role.CRE, 403), (Role.TUTOR, 403), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403)],
)
def test_cohort_breakdown_permission_matrix(client, world, role, status):
    client.force_login(world.user(role))

    assert client.get(COHORTS).status_code == status


def test_dashboard_links_to_every_cohort_and_the_page_sorts_paginates_and_exports(client, world):
    for i in range(55):
        CohortFactory(name=f"Promotion extra {i:02d}", programme=world.a.cohort.programme, referent_tutor=world.a.tutor)
    client.force_login(world.coordinator)

    dashboard = client.get(DASHBOARD)
    by_name = client.get(COHORTS, {"tri": "nom"})
    second_page = client.get(COHORTS, {"tri": "nom", "page": 2})
    export = client.get(COHORTS, {"tri": "nom", "export": "csv"})

    assert len(dashboard.context["cohorts"]) == 12
    assert dashboard.context["cohorts_total"] == 57
    assert f'href="{COHORTS}" data-testid="all-cohorts"' in dashboard.content.decode()
    names = [r.name for r in by_name.context["cohorts"]]
    assert len(names) == 50 and names[:3] == ["Promotion A 2026", "Promotion B 2026", "Promotion extra 00"]
    assert [r.name for r in second_page.context["cohorts"]] == [f"Promotion extra {i:02d}" for i in range(48, 55)]
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Promotion" and len(rows) == 58
    assert rows[1][:5] == ["Promotion A 2026", "2", "1", "1", "0"]
    # Default order: the largest share without a company first (A and B: 1 of 2 seeking).
    default = client.get(COHORTS)
    assert [r.name for r in default.context["cohorts"]][:2] == ["Promotion A 2026", "Promotion B 2026"]


def test_cohort_breakdown_query_count_does_not_grow_with_cohorts(client, world):
    client.force_login(world.coordinator)
    client.get(COHORTS)
    with CaptureQueriesContext(connection) as few:
        client.get(COHORTS)
    for i in range(20):
        cohort = CohortFactory(name=f"Promotion extra {i}", programme=world.a.cohort.programme, referent_tutor=world.a.tutor)
        ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.SEEKING)
    with CaptureQueriesContext(connection) as many:
        client.get(COHORTS)

    assert len(few) == len(many)


def test_dashboard_shows_which_qualiopi_indicators_lack_recent_evidence(client, world):
    client.force_login(world.coordinator)

    response = client.get(DASHBOARD)

    lacking = {item.number for item in response.context["qualiopi_freshness"] if item.lacking}
    html = response.content.decode()
    assert 'data-testid="qualiopi-freshness"' in html
    assert html.count('data-testid="qualiopi-lacking"') == len(lacking) > 0
    assert f'href="{reverse("qualiopi_packs")}"' in html


# --- every CRE's and tutor's load, behind the dashboard's most loaded ----------------------------

LOADS = reverse("dashboard_loads")


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.COORDINATOR, 200), (Role.ADMIN_STAFF, 200), (Role.CRE, 403), (Role.TUTOR, 403), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403)],
)
def test_loads_page_permission_matrix(client, world, role, status):
    client.force_login(world.user(role))

    assert client.get(LOADS).status_code == status


def test_dashboard_shows_the_ten_most_loaded_and_the_loads_page_every_one(client, world):
    from tests.factories.alternance import CreFactory, TutorFactory

    for i in range(12):
        CreFactory(last_name=f"Cre{i:02d}")
        TutorFactory(last_name=f"Tuteur{i:02d}")
    client.force_login(world.coordinator)

    dashboard = client.get(DASHBOARD)
    cres = client.get(LOADS)
    tutors = client.get(LOADS, {"liste": "formateurs"})
    export = client.get(LOADS, {"liste": "formateurs", "export": "csv"})

    # The two CREs with one contract each come first; 14 CREs in all, none within the 80–100 target.
    assert [r.value for r in dashboard.context["cre_loads"]][:2] == [1, 1] and len(dashboard.context["cre_loads"]) == 10
    assert dashboard.context["cre_total"] == 14
    assert dashboard.context["cre_states"] == {"over": 0, "within": 0, "under": 14}
    assert len(dashboard.context["tutor_loads"]) == 10 and dashboard.context["tutor_total"] == 14
    assert len(cres.context["rows"]) == 14 and len(tutors.context["rows"]) == 14
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Formateur·rice", "Promotions", "Inscrit·es", "Sous contrat"] and len(rows) == 15
    html = dashboard.content.decode()
    assert f'href="{LOADS}" data-testid="all-cre-loads"' in html and f'href="{LOADS}?liste=formateurs"' in html


def test_contracts_without_a_cre_stay_on_the_dashboard_after_the_ten_most_loaded():
    from alternance.steering.indicators import LoadRow, top_loads

    rows = [LoadRow(i, f"Cre {i}", 100 - i) for i in range(1, 13)] + [LoadRow(None, "Sans CRE référent·e", 5)]

    assert [r.name for r in top_loads(rows)][-2:] == ["Cre 10", "Sans CRE référent·e"] and len(top_loads(rows)) == 11


def test_the_qualiopi_panel_is_computed_once_an_hour(client, world):
    from django.core.cache import cache

    client.force_login(world.coordinator)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as cached:
        client.get(DASHBOARD)
    cache.delete("qualiopi:freshness:2026-11-28")  # the panel only (the login rule stays cached)
    with CaptureQueriesContext(connection) as computed:
        client.get(DASHBOARD)

    assert len(computed) - len(cached) == 9  # one aggregate query per evidence model


def test_the_benchmark_command_times_the_dashboard_against_a_trivial_page(world):
    """``benchmark_dashboard`` is ``benchmark_pages`` on the dashboard and the weekly meeting (issue 18 §3)."""
    from django.core.management import call_command

    world.coordinator.email = "coordination@demo.test"
    world.coordinator.save(update_fields=["email"])
    out = io.StringIO()
    call_command("benchmark_dashboard", runs=2, stdout=out, stderr=io.StringIO())

    lines = out.getvalue().splitlines()
    assert re.split(r"\s{2,}", lines[1]) == ["Rôle", "Page", "Requêtes", "Médiane (ms)", "p90 (ms)", "Ratio"]
    assert [re.split(r"\s{2,}", line)[:2] for line in lines[2:]] == [
        ["Responsable alternance", "Pilotage"],
        ["Responsable alternance", "Réunion hebdomadaire"],
        ["Responsable alternance", "Page triviale (changement de mot de passe)"],
    ]
    assert all(re.split(r"\s{2,}", line)[2].isdigit() and line.endswith("×") for line in lines[2:])
