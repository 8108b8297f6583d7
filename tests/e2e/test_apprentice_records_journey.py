"""Apprentice records in Chromium (issue 13 §2, §3, journey 4's apprentice half): admin staff
creates an apprentice, then tries to create the same person again — the existing record is shown
and its link opens it; an apprentice edits its phone on the extranet, on a 390 px phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance.choices import ApprenticeStatus, Role
from alternance.models import Apprentice
from tests.factories.alternance import ApprenticeFactory, CohortFactory, ProgrammeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"  # the factories' password


def log_in(page: Page, base_url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def fill_identity(page: Page, *, today, cohort_label: str, ine: str) -> None:
    page.get_by_label("Nom de naissance").fill("Mercier")
    page.get_by_label("Premier prénom").fill("Yanis")
    page.get_by_label("Sexe").select_option("M")
    page.get_by_label("Date de naissance", exact=False).first.fill((today - timedelta(days=19 * 365 + 40)).isoformat())
    page.get_by_label("Département de naissance").fill("69")
    page.get_by_label("Commune de naissance").fill("Lyon")
    page.get_by_label("INE", exact=True).fill(ine)
    page.get_by_label("NIR (numéro de sécurité sociale)").fill("1 04 05 75 056 123 80")
    page.get_by_label("Adresse", exact=True).fill("8 rue de la République")
    page.get_by_label("Code postal").fill("69001")
    page.get_by_label("Commune", exact=True).fill("Lyon")
    page.get_by_label("Téléphone", exact=True).fill("06 20 30 40 50")
    page.get_by_label("E-mail", exact=True).fill("yanis.mercier@example.test")
    page.get_by_label("Promotion").select_option(label=cohort_label)
    page.get_by_label("Date d'inscription").fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("Date d'entrée en formation").fill((today - timedelta(days=10)).isoformat())


def test_admin_staff_creates_an_apprentice_and_a_second_entry_leads_to_the_existing_record(page: Page, live_server):
    today = timezone.localdate()
    UserFactory(email="admin@example.test", role=Role.ADMIN_STAFF, first_name="Adèle", last_name="Admin")
    cohort = CohortFactory(name="BTS NDRC 2026", programme=ProgrammeFactory(title="BTS NDRC"),
                           start_date=today - timedelta(days=30), end_date=today + timedelta(days=700),
                           exams_end_date=today + timedelta(days=680))
    ApprenticeFactory(cohort=cohort, last_name="Autre", first_name="Personne")

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "admin@example.test")
    page.get_by_role("link", name="Apprenti·es", exact=True).click()
    page.get_by_role("link", name="Nouvel·le apprenti·e").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvel·le apprenti·e")
    fill_identity(page, today=today, cohort_label="BTS NDRC 2026", ine="1234567890a")
    page.get_by_role("button", name="Créer la fiche").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Yanis Mercier")
    created = Apprentice.objects.get(last_name="Mercier")
    expect(page).to_have_url(f"{live_server.url}/apprenti-es/{created.pk}/")
    expect(page.get_by_text("en recherche d'entreprise » depuis le")).to_be_visible()
    expect(page.get_by_test_id("nir-status")).to_have_text("renseigné")
    assert "104057505612380" not in re.sub(r"\s", "", page.content())
    assert (created.ine, created.status, created.status_since, created.has_nir) == (
        "1234567890A", ApprenticeStatus.SEEKING, today - timedelta(days=10), True)

    # The same person keyed in again (same INE): refused, the existing record is named with its link.
    page.get_by_role("link", name="Apprenti·es", exact=True).click()
    page.get_by_role("link", name="Nouvel·le apprenti·e").click()
    fill_identity(page, today=today, cohort_label="BTS NDRC 2026", ine="1234567890A")
    page.get_by_role("button", name="Créer la fiche").click()

    expect(page.get_by_text("L'INE 1234567890A est déjà celui de Yanis Mercier")).to_be_visible()
    expect(page.get_by_label("Nom de naissance")).to_have_value("Mercier")
    expect(page.get_by_label("NIR (numéro de sécurité sociale)")).to_have_value("")
    expect(page.get_by_label(re.compile("Créer quand même"))).to_have_count(0)

    # Same name and birth date, another INE: a possible homonym — shown, with the choice to create anyway.
    page.get_by_label("INE", exact=True).fill("")
    page.get_by_role("button", name="Créer la fiche").click()
    duplicates = page.get_by_test_id("duplicates")
    expect(duplicates).to_contain_text("Ouvrir la fiche apprenti·e de Yanis Mercier")
    expect(page.get_by_label(re.compile("Créer quand même"))).to_be_visible()
    duplicates.get_by_role("link", name=re.compile("Yanis Mercier")).click()

    expect(page).to_have_url(f"{live_server.url}/apprenti-es/{created.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Yanis Mercier")
    assert Apprentice.objects.filter(last_name="Mercier").count() == 1


def test_an_apprentice_edits_its_phone_on_the_extranet_on_a_phone(page: Page, live_server):
    today = timezone.localdate()
    user = UserFactory(email="lea@example.test", role=Role.APPRENTICE, first_name="Léa", last_name="Garnier")
    cohort = CohortFactory(start_date=today - timedelta(days=30), end_date=today + timedelta(days=700),
                           exams_end_date=today + timedelta(days=680))
    apprentice = ApprenticeFactory(cohort=cohort, user=user, first_name="Léa", last_name="Garnier", phone="0600000000")

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "lea@example.test")
    page.get_by_role("button", name="Afficher le menu").click()  # the collapsed menu of a phone
    page.get_by_role("link", name="Mes coordonnées").click()
    expect(page.get_by_role("heading", name="Mes coordonnées")).to_be_visible()
    expect(page.get_by_label("Téléphone")).to_have_value("0600000000")
    expect(page.get_by_label("E-mail")).to_have_count(0)

    # A typo: explained, the typed value kept.
    page.get_by_label("Téléphone").fill("06 12 34")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("n'a pas le bon nombre de chiffres : saisissez 10 chiffres")).to_be_visible()
    expect(page.get_by_label("Téléphone")).to_have_value("06 12 34")

    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos coordonnées sont enregistrées.")).to_be_visible()
    expect(page.get_by_label("Téléphone")).to_have_value("06 12 34 56 78")
    # Nothing runs off the side of a 390 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/wtA-my-details-390.png", full_page=True)
    apprentice.refresh_from_db()
    assert apprentice.phone == "06 12 34 56 78"
