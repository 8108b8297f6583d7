"""The navigation bar per role: the expected entries, and every link opens for that role (the
menu never offers a page that answers 403 or 404)."""

from datetime import datetime

import pytest
from django.urls import reverse

from alternance.choices import Role
from alternance.navigation import menu_for
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def labels(items) -> list:
    return [(str(item.label), [str(child.label) for child in item.children]) if item.children else str(item.label) for item in items]


CATALOGUE = ["Formations", "Promotions", "Sites de formation"]
TOOLS_OFFICE = [
    "Calendriers", *CATALOGUE, "Fermetures du centre", "Importer des données", "Tableau de bord de l'apprentissage", "Preuves Qualiopi", "Dossiers à anonymiser",
    "Paramètres des absences", "Comptes de l'équipe", "Clés d'API",
]
EXPECTED = {
    Role.COORDINATOR: [
        "Accueil", "Pilotage", "Apprenti·es", "Entreprises", "Contrats", "Suivi OPCO", "Admissions", "Placement", "Émargement", "Justificatifs",
        "Alertes", "À signer",
        # The second factor rule is the coordinator's (issue 17 §9).
        ("Outils", [*TOOLS_OFFICE[:-1], "Sécurité des connexions", "Clés d'API"]),
    ],
    Role.ADMIN_STAFF: [
        "Accueil", "Pilotage", "Apprenti·es", "Entreprises", "Contrats", "Suivi OPCO", "Admissions", "Émargement", "Justificatifs", "Alertes",
        "Mes alertes", "À signer", ("Outils", TOOLS_OFFICE),
    ],
    Role.CRE: [
        "Accueil", "Apprenti·es", "Entreprises", "Contrats", "Suivi OPCO", "Admissions", "Placement", "Émargement", "Alertes", "Mes alertes",
        ("Outils", ["Calendriers", *CATALOGUE, "Clés d'API"]),
    ],
    Role.TUTOR: [
        "Accueil", "Apprenti·es", "Entreprises", "Contrats", "Suivi OPCO", "Admissions", "Mon suivi", "Émargement", "Justificatifs", "Alertes",
        "Mes alertes", ("Outils", ["Calendriers", *CATALOGUE, "Clés d'API"]),
    ],
    Role.APPRENTICE: ["Accueil", "Émarger", "Mon calendrier", "Mes absences", "À signer", "Mes coordonnées"],
    Role.EMPLOYER: ["Accueil", "Calendrier", "Évaluations", "À signer", "Mes coordonnées"],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_its_menu(world, role):
    assert labels(menu_for(world.user(role))) == EXPECTED[role]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_menu_link_opens_for_its_role(client, world, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = world.user(role)
    client.force_login(user)
    urls = [child.url for item in menu_for(user) for child in (item.children or (item,))]

    statuses = {url: client.get(url).status_code for url in urls}

    assert statuses == dict.fromkeys(urls, 200)


def test_the_tools_menu_is_a_drop_down_in_the_bar(client, world):
    client.force_login(world.coordinator)

    html = client.get(reverse("home")).content.decode()

    assert 'data-testid="nav-tools"' in html and 'class="dropdown-menu dropdown-menu-end"' in html
    assert f'href="{reverse("qualiopi_packs")}"' in html


@pytest.mark.parametrize(("count", "expected"), [(0, "0 alertes ouvertes pour moi"), (1, "1 alerte ouverte pour moi"),
                                                 (2, "2 alertes ouvertes pour moi")])
def test_a_badge_reads_in_french_in_the_singular_and_the_plural(count, expected):
    from alternance.navigation import NavItem

    item = NavItem("Mes alertes", "/alertes/mes-alertes/", badge=count,
                   badge_label=("alerte ouverte pour moi", "alertes ouvertes pour moi"))

    assert f"{count} {item.badge_text}" == expected


def test_an_entry_opening_a_filtered_list_is_marked_current_on_its_page(client, world):
    client.force_login(world.admin_staff if hasattr(world, "admin_staff") else world.coordinator)

    response = client.get(reverse("candidate_list"), {"etape": "received"})

    assert '<a class="nav-link text-nowrap active" href="/admissions/?etape=received" aria-current="page">' in response.text
