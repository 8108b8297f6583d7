"""Admissions, end to end (issue 13, journey 1): a candidate applies on the public page from a 390 px
phone (a first try with a file that is not a PDF keeps what was typed); admin staff sees it in the
queue with the menu badge, positions it, admits it and enrols it in a cohort — the new apprentice
is "seeking a company" since the enrolment day. Then admin staff creates the employer by its SIRET
and its maître d'apprentissage, none of which existed, and drafts the contract from the
apprentice's page — without the import or the Django admin.

Dates are placed around the real today (the live server is not frozen)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance.choices import ApprenticeStatus, CandidateStatus
from alternance.demo.absences import proof_pdf
from alternance.models import Apprentice, Candidate
from companies.models import Company, CompanyContact
from contracts.choices import ContractStatus
from contracts.models import Contract
from tests.factories.alternance import AdminStaffFactory, CohortFactory, ProgrammeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "motdepasse-solide-42"  # tests.factories.alternance.UserFactory
EMPLOYER_SIRET = "44306184100047"


def test_a_candidate_applies_on_a_phone_and_admin_staff_enrols_it(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    programme = ProgrammeFactory(title="BTS Gestion de la PME", admissions_open=True)
    cohort = CohortFactory(programme=programme, name="BTS GPME — rentrée", start_date=today - timedelta(days=30),
                           end_date=today + timedelta(days=700), exams_end_date=today + timedelta(days=680))
    admin = AdminStaffFactory(email="admissions@example.test")
    birth = today.replace(year=today.year - 19, day=1)

    # The candidate, on its phone, opens the list of open programmes and applies.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/candidater/")
    page.get_by_role("link", name=re.compile("BTS Gestion de la PME")).click()
    expect(page.get_by_role("heading", name="Candidater")).to_be_visible()
    page.get_by_label("Nom de naissance").fill("Moreau")
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label("Sexe").select_option(label="Féminin")
    page.get_by_label("Date de naissance").fill(birth.isoformat())
    page.get_by_label("Département de naissance").fill("13")
    page.get_by_label("Commune de naissance").fill("Marseille")
    page.get_by_label("E-mail").fill("ines.moreau@example.test")
    page.get_by_label("Téléphone").fill("0611223344")
    page.get_by_label("Adresse", exact=True).fill("8 rue Paradis")
    page.get_by_label("Code postal").fill("13001")
    page.get_by_label("Commune", exact=True).fill("Marseille")
    page.get_by_label("Dernier diplôme obtenu").select_option(label="Baccalauréat professionnel")
    page.get_by_label("J'ai lu la notice ci-dessus").check()
    # The form fits the phone's width: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A text file named .pdf: refused, what was typed is kept.
    page.get_by_label("CV (PDF)").set_input_files({"name": "cv.pdf", "mimeType": "application/pdf", "buffer": b"Mon CV en texte"})
    page.get_by_role("button", name="Envoyer ma candidature").click()
    expect(page.get_by_text("Ce fichier n'est pas un PDF lisible.")).to_be_visible()
    expect(page.get_by_label("Nom de naissance")).to_have_value("Moreau")
    expect(page.get_by_label("E-mail")).to_have_value("ines.moreau@example.test")
    assert Candidate.objects.count() == 0

    cv = proof_pdf(["Inès Moreau", "Curriculum vitae"])
    page.get_by_label("J'ai lu la notice ci-dessus").check()
    page.get_by_label("CV (PDF)").set_input_files({"name": "cv.pdf", "mimeType": "application/pdf", "buffer": cv})
    page.get_by_role("button", name="Envoyer ma candidature").click()
    expect(page.get_by_test_id("application-sent")).to_contain_text("« BTS Gestion de la PME » est bien reçue")
    candidate = Candidate.objects.get()
    assert (candidate.last_name, candidate.status, candidate.birth_date) == ("Moreau", CandidateStatus.RECEIVED, birth)

    # Admin staff, on a laptop: the badge counts the new application; the queue lists it.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(admin.email)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    admissions = page.get_by_role("link", name=re.compile("^Admissions"))
    expect(admissions).to_contain_text("1")
    admissions.click()
    page.get_by_role("link", name="Reçue", exact=True).click()
    expect(page.get_by_test_id("candidate-count")).to_have_text("1 candidature")
    page.get_by_role("link", name="MOREAU Inès").click()

    # Positioning: an interview tomorrow.
    positioning = page.get_by_test_id("positioning-form")
    positioning.get_by_label("Type").select_option(label="Entretien")
    positioning.get_by_label("Date").fill((today + timedelta(days=1)).isoformat())
    positioning.get_by_role("button", name="Enregistrer le positionnement").click()
    expect(page.get_by_text("Positionnement enregistré.")).to_be_visible()
    expect(page.get_by_test_id("candidate-status")).to_have_text("En positionnement")

    # Admission, with the positioning's result (forgotten first: explained, the comment kept).
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("Décision").select_option(label="Admettre")
    decision.get_by_label("Commentaire").fill("Projet professionnel clair")
    decision.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Indiquez le résultat du positionnement")).to_be_visible()
    expect(page.get_by_test_id("decision-form").get_by_label("Commentaire")).to_have_value("Projet professionnel clair")
    page.get_by_test_id("decision-form").get_by_label("Résultat du positionnement").fill("Avis favorable")
    page.get_by_test_id("decision-form").get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Décision enregistrée : Admis·e.")).to_be_visible()

    # Enrolment in the cohort: the apprentice record is created.
    page.get_by_role("link", name="Inscrire en promotion").click()
    page.get_by_label("Promotion").select_option(label=str(cohort))
    page.get_by_role("button", name="Inscrire").click()
    expect(page.get_by_text("Inès Moreau est inscrit·e en promotion BTS GPME — rentrée, en recherche d'entreprise.")).to_be_visible()
    expect(page.get_by_test_id("candidate-status")).to_have_text("Inscrit·e en promotion")
    expect(page.get_by_test_id("enrolled")).to_contain_text(f"en recherche d'entreprise depuis le {today:%d/%m/%Y}")

    apprentice = Apprentice.objects.get()
    assert (apprentice.last_name, apprentice.first_name, apprentice.cohort_id) == ("Moreau", "Inès", cohort.pk)
    assert (apprentice.status, apprentice.status_since, apprentice.enrolment_date) == (ApprenticeStatus.SEEKING, today, today)
    candidate.refresh_from_db()
    assert (candidate.status, candidate.apprentice_id, candidate.cohort_id) == (CandidateStatus.ENROLLED, apprentice.pk, cohort.pk)
    document = apprentice.documents.get()
    with document.file.open("rb") as handle:
        assert handle.read() == cv
    page.get_by_role("link", name="Ouvrir la fiche apprenti·e").click()
    expect(page.get_by_role("heading", name=re.compile("Moreau"))).to_be_visible()

    # --- the employer, none of which existed: created by its SIRET, then its maître d'apprentissage.
    assert not Company.objects.filter(siret=EMPLOYER_SIRET).exists()
    page.get_by_role("link", name="Entreprises", exact=True).first.click()
    page.get_by_role("link", name="Nouvelle entreprise").click()
    page.locator("#id_siret").fill("443 061 841 00047")
    page.locator("#id_name").fill("Cabinet Provence Gestion")
    page.locator("#id_naf_code").fill("69.20Z")
    page.locator("#id_idcc").fill("787")
    page.locator("#id_headcount").fill("14")
    page.locator("#id_address").fill("20 boulevard Longchamp")
    page.locator("#id_postal_code").fill("13001")
    page.locator("#id_city").fill("Marseille")
    page.get_by_role("button", name="Enregistrer l'entreprise").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cabinet Provence Gestion")
    company = Company.objects.get(siret=EMPLOYER_SIRET)
    assert (company.name, company.naf_code, company.idcc, company.owner_cre_id) == ("Cabinet Provence Gestion", "6920Z", "0787", None)

    page.get_by_role("link", name="Ajouter un contact").click()
    page.locator("#id_last_name").fill("Garnier")
    page.locator("#id_first_name").fill("Hélène")
    page.locator("#id_email").fill("h.garnier@provence-gestion.test")
    page.locator("#id_job_title").fill("Expert-comptable associée")
    page.locator("#id_is_master").check()
    page.locator("#id_birth_date").fill("1978-09-21")
    page.locator("#id_highest_diploma").fill("Diplôme d'expertise comptable")
    page.locator("#id_diploma_level").select_option("7")
    page.locator("#id_experience_years").fill("15")
    page.locator("#id_eligibility_statement").check()
    page.get_by_role("button", name="Enregistrer le contact").click()
    master = CompanyContact.objects.get(company=company)
    expect(page.locator(f"#contact-{master.pk}")).to_contain_text("Hélène Garnier")

    # --- the contract, drafted from the apprentice's page: « Préparer le contrat » fills the learner,
    # the programme and the training dates; the maître d'apprentissage follows the employer chosen.
    page.goto(f"{live_server.url}/apprenti-es/{apprentice.pk}/")
    page.get_by_role("link", name="Préparer le contrat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau contrat")
    expect(page.locator("input[type=hidden][name=apprentice]")).to_have_value(str(apprentice.pk))
    expect(page.locator("#id_programme")).to_have_value(str(programme.pk))
    expect(page.locator("#id_training_start_date")).to_have_value(cohort.start_date.isoformat())
    # The employer and the maître d'apprentissage are searchable fields: type, pick the line.
    page.locator("#id_company").fill(company.name[:6])
    page.locator("#id_company_listbox [role=option]", has_text=company.name).first.click()
    expect(page.locator("input[type=hidden][name=company]")).to_have_value(str(company.pk))
    # The maîtres d'apprentissage offered are the chosen employer's.
    page.locator("#id_master").press_sequentially("Garn", delay=50)
    page.locator("#id_master_listbox [role=option]", has_text="GARNIER Hélène").first.click()
    expect(page.locator("input[type=hidden][name=master]")).to_have_value(str(master.pk))
    start = today + timedelta(days=7)
    page.locator("#id_start_date").fill(start.isoformat())
    page.locator("#id_practical_training_start_date").fill(start.isoformat())
    page.locator("#id_end_date").fill((today + timedelta(days=690)).isoformat())
    page.locator("#id_gross_monthly_salary").fill("987.50")
    page.get_by_role("button", name=re.compile("^Enregistrer")).click()

    expect(page.get_by_text("Contrat créé en brouillon")).to_be_visible()
    contract = Contract.objects.get(apprentice=apprentice)
    assert (contract.status, contract.company_id, contract.master_id, contract.programme_id) == (
        ContractStatus.DRAFT, company.pk, master.pk, programme.pk)
    assert (contract.start_date, contract.training_start_date, str(contract.gross_monthly_salary)) == (
        start, cohort.start_date, "987.50")
    expect(page).to_have_url(f"{live_server.url}/contrats/{contract.pk}/")
    # Back on the apprentice's page, the draft is opened rather than a second one prepared.
    page.goto(f"{live_server.url}/apprenti-es/{apprentice.pk}/")
    expect(page.get_by_role("link", name="Ouvrir le contrat en préparation (brouillon)")).to_be_visible()
    expect(page.get_by_role("link", name="Préparer le contrat")).to_have_count(0)
