"""CRE journeys in Chromium (issue 13): after a phone call, create the company and its maître
d'apprentissage, then log the call; creating a company that already exists leads to it."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance.models import User
from companies.models import Company, CompanyContact, Interaction
from tests.e2e.test_login_roles import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_SIRET = "73282932000074"


def seed() -> None:
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())


def test_cre_creates_a_company_and_a_contact_after_a_phone_call_and_logs_the_call(page: Page, live_server):
    seed()
    assert not Company.objects.filter(siret=NEW_SIRET).exists()
    cre = User.objects.get(email="cre@demo.test")
    log_in(page, live_server.url, "cre@demo.test")

    page.get_by_role("link", name="Nouvelle entreprise").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle entreprise")
    page.locator("#id_siret").fill("732 829 320 00074")
    page.locator("#id_name").fill("Menuiserie Gamma")
    page.locator("#id_naf_code").fill("16.23Z")
    page.locator("#id_idcc").fill("1486")
    page.locator("#id_headcount").fill("12")
    page.locator("#id_address").fill("4 rue du Bois")
    page.locator("#id_postal_code").fill("69003")
    page.locator("#id_city").fill("Lyon")
    page.locator("#id_phone").fill("04 72 00 00 00")
    page.get_by_role("button", name="Enregistrer l'entreprise").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Menuiserie Gamma")
    company = Company.objects.get(siret=NEW_SIRET)
    expect(page).to_have_url(f"{live_server.url}/entreprises/{company.pk}/")
    assert (company.owner_cre_id, company.opco, company.naf_code) == (cre.pk, "Atlas", "1623Z")

    page.get_by_role("link", name="Ajouter un contact").click()
    page.locator("#id_last_name").fill("Lemoine")
    page.locator("#id_first_name").fill("Sophie")
    page.locator("#id_email").fill("s.lemoine@gamma.test")
    page.locator("#id_job_title").fill("Cheffe d'atelier")
    page.locator("#id_is_master").check()
    page.locator("#id_birth_date").fill("1980-03-14")
    page.locator("#id_highest_diploma").fill("BTS Systèmes constructifs bois et habitat")
    page.locator("#id_diploma_level").select_option("5")
    page.locator("#id_experience_years").fill("12")
    page.locator("#id_eligibility_statement").check()
    page.get_by_role("button", name="Enregistrer le contact").click()

    contact = CompanyContact.objects.get(company=company)
    row = page.locator(f"#contact-{contact.pk}")
    expect(row).to_contain_text("Sophie Lemoine")
    expect(row.get_by_test_id("encadrement")).to_contain_text(re.compile(r"Encadre 0 apprenti·e(s)? sur 2 autorisé·es"))
    assert (contact.is_master, contact.experience_years, contact.diploma_level) == (True, 12, 5)

    form = page.locator("#journal-form")
    form.get_by_label("Type").select_option("call")
    form.get_by_label("Issue").select_option("positive")
    form.get_by_label("Résumé").fill("Premier appel avec Sophie Lemoine : un poste d'apprenti menuisier en janvier.")
    form.get_by_role("button", name="Enregistrer l'échange").click()

    expect(page.locator("#timeline li").first).to_contain_text("Premier appel avec Sophie Lemoine")
    logged = Interaction.objects.get(company=company)
    assert (logged.author_id, logged.kind, logged.outcome) == (cre.pk, "call", "positive")


def test_creating_a_company_that_exists_leads_to_the_existing_one(page: Page, live_server):
    seed()
    existing = Company.objects.order_by("name").first()
    count = Company.objects.count()
    log_in(page, live_server.url, "cre@demo.test")

    page.goto(f"{live_server.url}/entreprises/")
    page.get_by_role("link", name="Nouvelle entreprise").click()
    page.locator("#id_siret").fill(existing.siret)
    page.locator("#id_name").fill("Saisie en double")
    page.get_by_role("button", name="Enregistrer l'entreprise").click()

    expect(page.locator("#doublon")).to_contain_text(existing.name)
    expect(page.locator("#id_name")).to_have_value("Saisie en double")
    page.get_by_role("link", name="Ouvrir la fiche existante").click()
    expect(page).to_have_url(f"{live_server.url}/entreprises/{existing.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(existing.name)
    assert Company.objects.count() == count
