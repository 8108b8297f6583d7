"""Browser journey 3 of issue 13, in Chromium: the coordinator creates a training site, adds a
competence block to an existing programme, opens a cohort of that programme on the new site, then
creates a staff account, deactivates a departing CRE and hands its portfolio over — the staff
screens are the existing ones (alternance/staff/). Everything is read back from the database."""

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from alternance.choices import Role
from alternance.models import Cohort, CompetenceBlock, Site, User
from companies.models import Company
from tests.e2e.test_login_roles import DEMO_PASSWORD, log_in
from tests.factories.alternance import CoordinatorFactory, CreFactory, ProgrammeFactory, TutorFactory
from tests.factories.companies import CompanyFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coordinator_opens_a_cohort_on_a_new_site_then_manages_the_team(page: Page, live_server, celery_eager):
    coordinator = CoordinatorFactory(email="coordination@cfa.test", first_name="Claire", last_name="Coord")
    coordinator.set_password(DEMO_PASSWORD)
    coordinator.save()
    programme = ProgrammeFactory(title="BTS Services informatiques aux organisations", short_title="BTS SIO", rncp_code="RNCP35340")
    tutor = TutorFactory(first_name="Tina", last_name="Tuteur")
    leaving = CreFactory(email="leo.part@cfa.test", first_name="Léo", last_name="Part")
    taking = CreFactory(email="ana.reste@cfa.test", first_name="Ana", last_name="Reste")
    CompanyFactory(owner_cre=leaving, name="Boulangerie Alpha")
    mail.outbox = []
    page.set_viewport_size({"width": 1280, "height": 900})

    # A new site, from « Outils ».
    log_in(page, live_server.url, coordinator.email)
    page.get_by_test_id("nav-tools").click()
    page.get_by_role("link", name="Sites de formation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sites de formation")
    page.get_by_role("link", name="Nouveau site").click()
    page.locator("#id_name").fill("Campus Villeurbanne Doua")
    page.locator("#id_uai").fill("0694123A")  # wrong check letter first
    page.locator("#id_siret").fill("732 829 320 00090")
    page.locator("#id_address").fill("21 avenue Gaston Berger")
    page.locator("#id_postal_code").fill("69100")
    page.locator("#id_city").fill("Villeurbanne")
    page.get_by_role("button", name="Créer le site").click()
    expect(page.get_by_text("lettre de contrôle incorrecte (attendue : G)")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Campus Villeurbanne Doua")
    page.locator("#id_uai").fill("0694123G")
    page.get_by_role("button", name="Créer le site").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Campus Villeurbanne Doua")
    site = Site.objects.get(name="Campus Villeurbanne Doua")
    assert (site.uai, site.siret, site.archived_at) == ("0694123G", "73282932000090", None)

    # On the way, the programme gets a competence block (htmx, on its page).
    page.get_by_test_id("nav-tools").click()
    page.get_by_role("link", name="Formations").click()
    page.get_by_role("link", name=programme.title).click()
    blocks = page.locator("#blocs")
    blocks.locator("#id_code").fill("RNCP35340BC03")
    blocks.locator("#id_title").fill("Cybersécurité des services informatiques")
    blocks.get_by_role("button", name="Ajouter le bloc").click()
    expect(page.get_by_test_id("bloc-RNCP35340BC03")).to_contain_text("Cybersécurité des services informatiques")
    assert list(CompetenceBlock.objects.values_list("programme_id", "code", "order")) == [(programme.pk, "RNCP35340BC03", 1)]

    # A cohort of that programme on the new site.
    page.goto(f"{live_server.url}/sites/{site.pk}/")
    page.get_by_role("link", name="Nouvelle promotion sur ce site").click()
    page.locator("#id_programme").select_option(label=str(programme))
    expect(page.locator("#id_site")).to_have_value(str(site.pk))
    page.locator("#id_name").fill("BTS SIO 2027–2029 Villeurbanne")
    page.locator("#id_start_date").fill("2027-09-06")
    page.locator("#id_end_date").fill("2029-06-30")
    page.locator("#id_exams_end_date").fill("2029-06-15")
    page.locator("#id_rhythm_label").fill("2 jours CFA / 3 jours entreprise")
    page.locator("#id_rhythm_pattern").fill("CCEEE")
    page.locator("#id_referent_tutor").select_option(label="Tina Tuteur")
    page.locator("#id_capacity").fill("20")
    page.get_by_role("button", name="Créer la promotion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("BTS SIO 2027–2029 Villeurbanne")
    expect(page.get_by_test_id("places")).to_have_text("0 inscrit·e sur 20 places")
    cohort = Cohort.objects.get(name="BTS SIO 2027–2029 Villeurbanne")
    assert (cohort.programme_id, cohort.site_id, cohort.referent_tutor_id, cohort.capacity) == (programme.pk, site.pk, tutor.pk, 20)

    # A staff account (the existing team screens).
    page.get_by_test_id("nav-tools").click()
    page.get_by_role("link", name="Comptes de l'équipe").click()
    page.get_by_role("link", name="Nouveau compte").click()
    page.locator("#id_first_name").fill("Théo")
    page.locator("#id_last_name").fill("Nouveau")
    page.locator("#id_email").fill("theo.nouveau@cfa.test")
    page.locator("#id_role").select_option(label="Formateur·rice référent·e")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Théo Nouveau")
    newcomer = User.objects.get(email="theo.nouveau@cfa.test")
    assert (newcomer.role, newcomer.is_active) == (Role.TUTOR, True)
    assert [m.to for m in mail.outbox] == [["theo.nouveau@cfa.test"]]

    # Léo leaves: deactivated, its portfolio handed to Ana.
    page.get_by_role("link", name="Comptes de l'équipe").first.click()
    page.get_by_role("link", name="Léo Part").click()
    page.get_by_text("Désactiver le compte").click()
    page.get_by_role("button", name="Confirmer la désactivation").click()
    expect(page.get_by_test_id("etat")).to_have_text("Désactivé")
    companies = page.locator("#entreprises")
    companies.get_by_label("Nouveau ou nouvelle CRE").select_option(label="Ana Reste — Chargé·e de relations entreprises")
    companies.get_by_role("button", name="Réaffecter les entreprises cochées").click()
    expect(page.get_by_text("1 entreprise réaffectée à Ana Reste.")).to_be_visible()
    assert User.objects.get(pk=leaving.pk).is_active is False
    assert list(Company.objects.values_list("name", "owner_cre_id")) == [("Boulangerie Alpha", taking.pk)]
