"""The coordinator's team journey in Chromium (issue 13): it creates a staff account from « Outils »
(the new person receives the link to choose its password), then deactivates a CRE who leaves and
hands its portfolio over to another CRE — read back from the database."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from alternance.choices import Role
from alternance.models import User
from companies.models import Company
from tests.e2e.test_login_roles import DEMO_PASSWORD, log_in
from tests.factories.alternance import CoordinatorFactory, CreFactory
from tests.factories.companies import CompanyFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coordinator_creates_a_staff_account_then_hands_a_departing_cres_portfolio_over(page: Page, live_server, celery_eager):
    coordinator = CoordinatorFactory(email="coordination@cfa.test", first_name="Claire", last_name="Coord")
    coordinator.set_password(DEMO_PASSWORD)
    coordinator.save()
    leaving = CreFactory(email="leo.part@cfa.test", first_name="Léo", last_name="Part")
    taking = CreFactory(email="ana.reste@cfa.test", first_name="Ana", last_name="Reste")
    portfolio = [CompanyFactory(owner_cre=leaving, name="Boulangerie Alpha"), CompanyFactory(owner_cre=leaving, name="Garage Bêta")]
    kept = CompanyFactory(owner_cre=taking, name="Menuiserie Gamma")
    mail.outbox = []

    log_in(page, live_server.url, coordinator.email)
    page.get_by_test_id("nav-tools").click()
    page.get_by_role("link", name="Comptes de l'équipe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comptes de l'équipe")
    expect(page.get_by_test_id(f"membre-{leaving.pk}")).to_contain_text("2")

    # A new tutor joins the team.
    page.get_by_role("link", name="Nouveau compte").click()
    page.locator("#id_first_name").fill("Théo")
    page.locator("#id_last_name").fill("Nouveau")
    page.locator("#id_email").fill("Theo.Nouveau@cfa.test")
    page.locator("#id_phone").fill("06 12 34 56 78")
    page.locator("#id_role").select_option(label="Formateur·rice référent·e")
    page.get_by_role("button", name="Créer le compte").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Théo Nouveau")
    expect(page.get_by_text("Un e-mail part à theo.nouveau@cfa.test")).to_be_visible()
    newcomer = User.objects.get(email="theo.nouveau@cfa.test")
    expect(page).to_have_url(f"{live_server.url}/equipe/{newcomer.pk}/")
    assert (newcomer.role, newcomer.is_active, newcomer.has_usable_password(), newcomer.phone) == (Role.TUTOR, True, False, "06 12 34 56 78")
    assert [m.to for m in mail.outbox] == [["theo.nouveau@cfa.test"]]
    assert re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body)

    # Léo leaves: the coordinator deactivates the account and hands its companies to Ana.
    page.get_by_role("link", name="Comptes de l'équipe").first.click()
    page.get_by_role("link", name="Léo Part").click()
    page.get_by_text("Désactiver le compte").click()
    page.get_by_role("button", name="Confirmer la désactivation").click()

    expect(page.get_by_test_id("etat")).to_have_text("Désactivé")
    expect(page.get_by_role("heading", name="À réaffecter")).to_be_visible()
    companies = page.locator("#entreprises")
    expect(companies.get_by_label("Boulangerie Alpha")).to_be_checked()
    expect(companies.get_by_label("Garage Bêta")).to_be_checked()
    assert User.objects.get(pk=leaving.pk).is_active is False

    companies.get_by_label("Nouveau ou nouvelle CRE").select_option(label="Ana Reste — Chargé·e de relations entreprises")
    companies.get_by_role("button", name="Réaffecter les entreprises cochées").click()

    expect(page.get_by_text("2 entreprises réaffectées à Ana Reste.")).to_be_visible()
    expect(page.get_by_test_id("rien-a-reaffecter")).to_be_visible()
    assert dict(Company.objects.values_list("name", "owner_cre_id")) == {
        portfolio[0].name: taking.pk, portfolio[1].name: taking.pk, kept.name: taking.pk,
    }
