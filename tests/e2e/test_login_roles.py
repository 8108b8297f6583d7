"""Each demo account logs in through the real form in Chromium and lands on its own home page,
which shows its role's heading and a real item of its scope (read back from the demo data)."""

from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from alternance import access
from alternance.models import Apprentice, User
from companies.models import Company
from contracts.choices import ACTIVE_CONTRACT_STATUSES
from contracts.models import Contract

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class Expectation:
    heading: str
    texts: tuple[str, ...] = ()
    figure: tuple[str, int] | None = None  # (label, value) of a key-figure card


def seed_demo() -> None:
    """The documented demo organisation (the six accounts, password ``demo``), small and deterministic."""
    call_command("seed_demo", apprentices=40, seed=7, today="2026-11-28", stdout=StringIO())


def expected_for(email: str) -> Expectation:
    """What the home page of this demo account must show, computed from the seeded database."""
    user = User.objects.get(email=email)
    demo_apprentice = Apprentice.objects.select_related("cohort").get(user__email="apprenti@demo.test")
    if email == "coordination@demo.test":
        active = Contract.objects.filter(status__in=ACTIVE_CONTRACT_STATUSES).count()
        return Expectation("Tableau de bord", ("Alertes à valider",), figure=("Contrats actifs", active))
    if email == "cre@demo.test":
        company = Company.objects.filter(owner_cre=user).order_by("-sensitive", "name").first()
        return Expectation("Mon portefeuille", (company.name,))
    if email == "tuteur@demo.test":
        return Expectation("Mes apprenti·es", (demo_apprentice.full_name, demo_apprentice.cohort.name))
    if email == "administratif@demo.test":
        to_handle = Contract.objects.filter(status__in=("draft", "awaiting_signatures", "signed", "sent_to_opco"))
        first = to_handle.select_related("apprentice").order_by("start_date", "pk").first()
        return Expectation("Contrats", ("Contrats à traiter", first.apprentice.full_name) if first else ("En cours",))
    if email == "apprenti@demo.test":
        contract = access.visible(user, Contract).filter(status__in=ACTIVE_CONTRACT_STATUSES).select_related("company").first()
        return Expectation("Mon espace", (demo_apprentice.full_name, contract.company.name))
    if email == "employeur@demo.test":
        return Expectation("Mes apprenti·es", (demo_apprentice.full_name,))
    raise AssertionError(email)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.parametrize(
    "email",
    [
        "coordination@demo.test",
        "cre@demo.test",
        "tuteur@demo.test",
        "administratif@demo.test",
        "apprenti@demo.test",
        "employeur@demo.test",
    ],
)
def test_demo_account_logs_in_and_sees_its_home_page(page: Page, live_server, email):
    seed_demo()
    expected = expected_for(email)

    log_in(page, live_server.url, email)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(expected.heading)
    main = page.locator("main")
    for text in expected.texts:
        expect(main).to_contain_text(text)
    if expected.figure:
        label, value = expected.figure
        expect(main.locator(".key-figure", has_text=label).get_by_test_id("figure-value")).to_have_text(str(value))
    user = User.objects.get(email=email)
    expect(page.get_by_test_id("current-user")).to_contain_text(user.get_role_display())

    page.get_by_test_id("current-user").click()  # the account menu
    page.get_by_role("button", name="Se déconnecter").click()

    expect(page).to_have_url(f"{live_server.url}/connexion/")


def test_wrong_password_keeps_the_user_on_the_login_page_with_a_french_error(page: Page, live_server):
    seed_demo()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill("Tuteur@Demo.test")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.locator("main")).to_contain_text("Adresse e-mail ou mot de passe incorrect")
    expect(page.get_by_label("Adresse e-mail")).to_have_value("Tuteur@Demo.test")
