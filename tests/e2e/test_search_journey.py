"""Journey 5 of issue 13 in Chromium: the search box finds an apprentice by its INE and a company
by its SIRET from the keyboard (type, arrow down, Enter opens the record); an employer account
finds nothing outside its scope; the contract form's apprentice field is used by typing part of a
name and picking the right homonym by its cohort and birth date; text typed before htmx has loaded
still gets its list once htmx is ready."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance import access
from alternance.models import Apprentice, Cohort, User
from companies.models import Company
from tests.e2e.test_login_roles import log_in
from tests.factories.alternance import ApprenticeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def seed() -> None:
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())


def nav_search(page: Page, text: str, kind: str) -> None:
    box = page.get_by_role("combobox", name="Rechercher un·e apprenti·e, une entreprise, un contrat…")
    box.fill(text)
    expect(page.locator("#nav-search-listbox")).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", f"nav-search-{kind}-1")
    box.press("Enter")


def test_staff_finds_an_apprentice_by_ine_and_a_company_by_siret_from_the_keyboard(page: Page, live_server):
    seed()
    apprentice = Apprentice.objects.exclude(ine="").select_related("cohort").order_by("pk").first()
    company = Company.objects.order_by("pk").first()
    log_in(page, live_server.url, "coordination@demo.test")

    spaced_ine = f"{apprentice.ine[:4]} {apprentice.ine[4:8]} {apprentice.ine[8:].lower()}"
    nav_search(page, spaced_ine, "apprentis")
    expect(page).to_have_url(f"{live_server.url}/apprenti-es/{apprentice.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(apprentice.first_name)

    siret = company.siret
    nav_search(page, f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}", "entreprises")
    expect(page).to_have_url(f"{live_server.url}/entreprises/{company.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(company.name)

    # Escape closes the list; Enter without a highlighted result opens the full results page.
    box = page.get_by_role("combobox", name="Rechercher un·e apprenti·e, une entreprise, un contrat…")
    box.fill(apprentice.last_name[:4])
    expect(page.locator("#nav-search-listbox")).to_be_visible()
    box.press("Escape")
    expect(page.locator("#nav-search-listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recherche")
    expect(page.get_by_test_id("search-group-apprentis")).to_contain_text(apprentice.cohort.name)


def test_an_employer_finds_its_apprentices_and_nothing_outside_its_scope(page: Page, live_server):
    seed()
    employer = User.objects.get(email="employeur@demo.test")
    own = access.visible(employer, Apprentice).order_by("pk").first()
    foreign = Apprentice.objects.exclude(pk__in=access.visible(employer, Apprentice)).exclude(ine="").exclude(
        last_name=own.last_name).order_by("pk").first()
    foreign_company = Company.objects.exclude(pk__in=access.visible(employer, Company)).order_by("pk").first()
    log_in(page, live_server.url, "employeur@demo.test")

    for text in (foreign.ine, foreign.last_name, foreign_company.siret):
        page.goto(f"{live_server.url}/recherche/?q={text}")
        expect(page.get_by_test_id("search-none")).to_be_visible()
    box = page.get_by_role("combobox", name="Rechercher un·e apprenti·e, une entreprise, un contrat…")
    box.fill(foreign.last_name)
    expect(page.locator("#nav-search-listbox")).to_contain_text("Aucun résultat")

    box.fill(f"{own.last_name} {own.first_name}")
    expect(page.locator("#nav-search-listbox")).to_contain_text(own.last_name.upper())
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/espace-employeur/apprenti-es/{own.pk}/")


def test_contract_form_picks_the_right_homonym_by_cohort_and_birth_date(page: Page, live_server):
    seed()
    first, second = Cohort.objects.order_by("pk")[:2]
    ApprenticeFactory(first_name="Inès", last_name="Homonyme", cohort=first, birth_date=date(2006, 3, 12))
    wanted = ApprenticeFactory(first_name="Inès", last_name="Homonyme", cohort=second, birth_date=date(2007, 1, 5))
    log_in(page, live_server.url, "administratif@demo.test")
    page.goto(f"{live_server.url}/contrats/nouveau/")

    field = page.get_by_role("combobox", name="Apprenti·e", exact=False).and_(page.locator("#id_apprentice"))
    field.fill("homon")
    options = page.locator("#id_apprentice_listbox [role=option]")
    expect(options).to_have_count(2)
    label = f"HOMONYME Inès — {second.name} — né·e le 05/01/2007"
    expect(page.get_by_role("option", name=label)).to_be_visible()
    # Keyboard: down to the right line (the list is in name order, then by id), Enter picks it.
    index = [options.nth(i).inner_text() for i in range(2)].index(label)
    for _ in range(index + 1):
        field.press("ArrowDown")
    field.press("Enter")
    expect(field).to_have_value(label)
    expect(page.locator("input[type=hidden][name=apprentice]")).to_have_value(str(wanted.pk))


def test_text_typed_before_htmx_is_ready_still_gets_its_list(page: Page, live_server):
    """A slow connection: the page is shown and the user types in the apprentice field before htmx
    has loaded. Those input events came before htmx listened, and htmx then takes the typed text as
    the field's starting value; once htmx is ready the list is still asked for and shown."""
    seed()
    wanted = ApprenticeFactory(first_name="Inès", last_name="Lentement", cohort=Cohort.objects.order_by("pk").first())
    log_in(page, live_server.url, "administratif@demo.test")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    held = []
    page.route("**/django_htmx/htmx-2.min*.js", lambda route: held.append(route))  # the script's request waits until released below
    page.goto(f"{live_server.url}/contrats/nouveau/", wait_until="commit")
    field = page.locator("#id_apprentice")
    field.fill("lente")
    assert page.evaluate("typeof window.htmx") == "undefined"
    options = page.locator("#id_apprentice_listbox [role=option]")
    expect(options).to_have_count(0)

    assert len(held) == 1
    held[0].continue_()
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("LENTEMENT Inès")
    options.first.click()
    expect(page.locator("input[type=hidden][name=apprentice]")).to_have_value(str(wanted.pk))


def test_the_apprentices_list_is_filtered_by_a_cohort_picked_from_the_keyboard(page: Page, live_server):
    """The lists' « Promotion » filter is a searchable field (hundreds of cohorts): typing part of a
    name lists the matching cohorts, arrow down and Enter pick one, « Filtrer » shows its learners
    and the field keeps the cohort's label."""
    seed()
    cohort = Cohort.objects.select_related("programme").order_by("pk").first()
    cohort.name = "Promotion Quokka 2026"
    cohort.save()
    log_in(page, live_server.url, "coordination@demo.test")
    page.goto(f"{live_server.url}/apprenti-es/")

    field = page.get_by_role("combobox", name="Promotion")
    field.fill("quokka")
    expect(page.locator("#id_cohort_listbox [role=option]")).to_have_count(1)
    field.press("ArrowDown")
    field.press("Enter")
    page.get_by_role("button", name="Filtrer").click()

    expect(page).to_have_url(re.compile(rf"/apprenti-es/\?.*\bcohort={cohort.pk}&"))
    expect(page.get_by_role("combobox", name="Promotion")).to_have_value(re.compile(r"^Promotion Quokka 2026 — "))
    learners = Apprentice.objects.filter(cohort=cohort).exclude(status="dropped_out").count()
    expect(page.locator("#resultats tbody tr")).to_have_count(min(learners, 25))
    expect(page.locator("#resultats tbody")).to_contain_text("Promotion Quokka 2026")
