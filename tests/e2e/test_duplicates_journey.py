"""Duplicates, companies (issue 13, journey 4 — the apprentice half is in its own file): creating a
company with a SIRET already recorded is caught and leads to the existing one; the coordinator
merges two establishments typed twice under different names (different SIRETs, same SIREN)
through the merge screen — the contract, the contacts and the log of the duplicate move to the kept
company, the duplicate is gone."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from companies.models import Company, CompanyContact, Interaction
from contracts.choices import ContractStatus
from contracts.models import Contract
from tests.factories.alternance import AdminStaffFactory, ApprenticeFactory, CoordinatorFactory, UserFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory, InteractionFactory
from tests.factories.contracts import ContractFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"  # tests.factories.alternance.UserFactory
PARIS = ZoneInfo("Europe/Paris")
# Two establishments of one company (SIREN 443061841): the head office and a shop.
HEAD_OFFICE, SHOP = "44306184100047", "44306184100054"


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_creating_a_company_with_a_recorded_siret_leads_to_the_existing_one(page: Page, live_server):
    existing = CompanyFactory(name="Boulangerie Martin", siret=HEAD_OFFICE, city="Marseille")
    admin = AdminStaffFactory(email="administratif@example.test")
    log_in(page, live_server.url, admin.email)

    page.goto(f"{live_server.url}/entreprises/nouvelle/")
    page.locator("#id_siret").fill("443 061 841 00047")
    page.locator("#id_name").fill("Martin boulangerie (saisie en double)")
    page.get_by_role("button", name="Enregistrer l'entreprise").click()

    expect(page.locator("#doublon")).to_contain_text("Boulangerie Martin")
    expect(page.locator("#id_name")).to_have_value("Martin boulangerie (saisie en double)")
    page.get_by_role("link", name="Ouvrir la fiche existante").click()
    expect(page).to_have_url(f"{live_server.url}/entreprises/{existing.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Boulangerie Martin")
    assert Company.objects.count() == 1


def test_the_coordinator_merges_two_establishments_typed_twice(page: Page, live_server):
    coordinator = CoordinatorFactory(email="coordination@example.test")
    kept = CompanyFactory(name="Boulangerie Martin", siret=HEAD_OFFICE, phone="", city="Marseille", postal_code="13001")
    duplicate = CompanyFactory(name="SARL Martin Boulangerie", siret=SHOP, phone="04 91 00 00 00", city="Marseille", postal_code="13001")
    CompanyFactory(name="Garage du Port", city="Marseille")
    master = CompanyContactFactory(company=kept, first_name="Jean", last_name="Martin", email="jean@martin.test")
    twin = CompanyContactFactory(company=duplicate, first_name="Jean", last_name="Martin", email="jean@martin.test")
    contract = ContractFactory(apprentice=ApprenticeFactory(last_name="Moreau", first_name="Inès"), company=duplicate, master=twin,
                               status=ContractStatus.IN_PROGRESS, start_date=date(2026, 9, 1))
    InteractionFactory(company=duplicate, author=UserFactory(), summary="Appel de la boutique",
                       occurred_at=datetime(2026, 11, 2, 10, tzinfo=PARIS))
    log_in(page, live_server.url, coordinator.email)

    page.goto(f"{live_server.url}/entreprises/{kept.pk}/")
    page.get_by_role("link", name="Fusionner avec un doublon…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fusionner avec un doublon")
    probables = page.get_by_test_id("probables")
    expect(probables.locator("li")).to_have_count(1)
    expect(probables).to_contain_text("SARL Martin Boulangerie")
    probables.get_by_role("link", name="Comparer et fusionner").click()

    expect(page.get_by_test_id("fiche-conservee")).to_contain_text("Boulangerie Martin")
    expect(page.get_by_test_id("fiche-doublon")).to_contain_text("SARL Martin Boulangerie")
    moves = page.get_by_test_id("deplacements")
    expect(moves.get_by_role("row", name=re.compile("^Contrats"))).to_contain_text("1")
    expect(moves.get_by_role("row", name=re.compile("^Contacts entreprise"))).to_contain_text("1")
    expect(moves.get_by_role("row", name=re.compile("^Échanges"))).to_contain_text("1")
    expect(page.get_by_test_id("notes")).to_contain_text("1 contact figure dans les deux fiches (Jean Martin)")
    values = page.get_by_test_id("valeurs")
    expect(values.get_by_role("row", name=re.compile("^Téléphone"))).to_contain_text("repris de la fiche en double")
    # The head office's SIRET and name are kept (pre-checked); confirming is required.
    expect(page.get_by_role("radio", name="Boulangerie Martin (fiche conservée)")).to_be_checked()
    page.get_by_role("button", name="Fusionner les deux fiches").click()
    expect(page.get_by_text("Cochez la confirmation pour fusionner les deux fiches.")).to_be_visible()
    page.get_by_role("checkbox", name=re.compile("Je confirme la fusion")).check()
    page.get_by_role("button", name="Fusionner les deux fiches").click()

    expect(page).to_have_url(f"{live_server.url}/entreprises/{kept.pk}/")
    expect(page.get_by_text(re.compile("Fiches fusionnées : 3 éléments"))).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Appel de la boutique")
    expect(page.locator("#timeline")).to_contain_text("Fiche en double « SARL Martin Boulangerie")
    assert not Company.objects.filter(pk=duplicate.pk).exists()
    kept.refresh_from_db()
    contract.refresh_from_db()
    assert (kept.siret, kept.name, kept.phone) == (HEAD_OFFICE, "Boulangerie Martin", "04 91 00 00 00")
    assert (contract.company_id, contract.master_id) == (kept.pk, master.pk)
    assert list(CompanyContact.objects.filter(company=kept).values_list("pk", flat=True)) == [master.pk]
    assert Interaction.objects.filter(company=kept).count() == 2
    assert Contract.objects.count() == 1


def test_a_company_typed_again_under_another_siret_is_caught_by_its_name(page: Page, live_server):
    existing = CompanyFactory(name="Boulangerie Martin", siret=HEAD_OFFICE, postal_code="13001", city="Marseille")
    admin = AdminStaffFactory(email="administratif@example.test")
    log_in(page, live_server.url, admin.email)

    page.goto(f"{live_server.url}/entreprises/nouvelle/")
    page.locator("#id_siret").fill("55208131766522")
    page.locator("#id_name").fill("SARL Martin Boulangerie")
    page.locator("#id_naf_code").fill("10.71C")
    page.locator("#id_idcc").fill("843")
    page.locator("#id_address").fill("12 rue de Rome")
    page.locator("#id_postal_code").fill("13001")
    page.locator("#id_city").fill("Marseille")
    page.get_by_role("button", name="Enregistrer l'entreprise").click()

    similar = page.locator("#doublon-proche")
    expect(similar).to_contain_text("Boulangerie Martin")
    expect(page.locator("#id_name")).to_have_value("SARL Martin Boulangerie")
    assert Company.objects.count() == 1
    similar.get_by_role("link", name="Ouvrir la fiche existante").click()
    expect(page).to_have_url(f"{live_server.url}/entreprises/{existing.pk}/")
