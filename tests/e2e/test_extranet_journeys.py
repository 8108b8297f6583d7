"""The extranet in Chromium (issue 6): an invited employer follows its apprentice and signs a
document; an apprentice justifies an absence from its phone and its tutor accepts it inline.

Dates are placed around the real today (the live server is not frozen): a contract in progress, a
cohort key date today, an absence two days ago (the employer's page), one yesterday still within the
justification deadline (the apprentice's journey).
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance.choices import ApprenticeStatus, AttendanceStatus, JustificationStatus, KeyDateKind, Role
from alternance.extranet.invitations import invite_company_contact
from alternance.models import KeyDate, User
from contracts.choices import DocumentKind, SignatureRequestStatus, SignerRole
from contracts.documents import document_store
from contracts.models import SignatureRequest, Signer
from contracts.signatures import signature_request_create
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CohortFactory,
    CoordinatorFactory,
    TutorFactory,
    UserFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"  # tests.factories.alternance.UserFactory
NEW_PASSWORD = "Atelier-du-lundi-2026"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def real_pdf(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<html><body><p>{text}</p></body></html>").write_pdf()


def log_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def a_contract(today, *, with_apprentice_account: bool = True):
    """A cohort (rhythm "CCEEE": Monday and Tuesday at the centre), an apprentice under contract in
    progress around today, its company and maître d'apprentissage (no account yet)."""
    tutor = TutorFactory(email="tutrice@example.test", first_name="Tina", last_name="Tutrice")
    cohort = CohortFactory(name="BTS MCO 2026", referent_tutor=tutor, start_date=today - timedelta(days=90),
                           end_date=today + timedelta(days=600), exams_end_date=today + timedelta(days=580),
                           rhythm_pattern="CCEEE")
    user = UserFactory(email="lea@example.test", role=Role.APPRENTICE, first_name="Léa", last_name="Garnier") \
        if with_apprentice_account else None
    apprentice = ApprenticeFactory(first_name="Léa", last_name="Garnier", cohort=cohort, user=user,
                                   status=ApprenticeStatus.UNDER_CONTRACT)
    company = CompanyFactory(name="Atelier Rivière")
    master = CompanyContactFactory(company=company, first_name="Paul", last_name="Rivière", email="paul@atelier.test")
    contract = ContractFactory(
        apprentice=apprentice, company=company, master=master, signature_date=today - timedelta(days=70),
        start_date=today - timedelta(days=60), practical_training_start_date=today - timedelta(days=58),
        end_date=today + timedelta(days=600), training_start_date=cohort.start_date,
    )
    return tutor, cohort, apprentice, company, master, contract


def first_centre_day_of_month(today):
    """The first Monday or Tuesday of the month that is not a public holiday: a centre day of "CCEEE"."""
    from contracts.deadlines import is_public_holiday

    day = today.replace(day=1)
    while day.weekday() > 1 or is_public_holiday(day):
        day += timedelta(days=1)
    return day


def test_invited_employer_sets_its_password_follows_its_apprentice_and_signs_a_document(page: Page, live_server, celery_eager):
    today = timezone.localdate()
    coordinator = CoordinatorFactory(email="coordination@example.test", first_name="Claire", last_name="Coord")
    _tutor, cohort, apprentice, _company, master, contract = a_contract(today)
    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.EXAM, label="Examen blanc de gestion", day=today)
    absence_day = today - timedelta(days=2)
    AttendanceRecordFactory(apprentice=apprentice, day=absence_day, status=AttendanceStatus.ABSENT)
    centre_day = first_centre_day_of_month(today)
    mail.outbox = []

    # The OF invites the maître d'apprentissage (the service behind the company page's button).
    invite_company_contact(contact=master, by=coordinator)
    assert [message.to for message in mail.outbox] == [["paul@atelier.test"]]
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body).group(0)

    # It opens the link, chooses its password and lands on its space.
    page.goto(live_server.url + urlsplit(link).path)
    expect(page.get_by_role("heading", name="Créer mon mot de passe")).to_be_visible()
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer et me connecter").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Mes apprenti·es")).to_be_visible()
    employer = User.objects.get(email="paul@atelier.test")
    assert (employer.role, employer.is_active, employer.check_password(NEW_PASSWORD)) == (Role.EMPLOYER, True, True)

    # Now that it has an account, the OF asks the three parties to sign the convention.
    convention = document_store(content=real_pdf("Convention de formation — Léa Garnier — Atelier Rivière"),
                                filename="convention.pdf", kind=DocumentKind.CONVENTION, title="Convention de formation",
                                contract=contract, generated=True)
    signature_request = signature_request_create(document=convention, by=coordinator)

    # Its apprentice's page: the month calendar, the absences, what to sign.
    page.reload()
    page.get_by_role("link", name="Léa Garnier").click()
    expect(page.get_by_role("heading", name="Léa Garnier", level=1)).to_be_visible()
    calendar = page.get_by_test_id("calendar")
    expect(calendar.locator(f'td[data-day="{centre_day.isoformat()}"]')).to_have_attribute("data-place", "C")
    expect(calendar.locator(f'td[data-day="{today.isoformat()}"]')).to_contain_text("Examen blanc de gestion")
    expect(calendar.get_by_test_id("dates-du-mois")).to_contain_text("Examen blanc de gestion")
    absence_row = page.get_by_test_id("absences").get_by_role("row").filter(has_text=f"{absence_day:%d/%m/%Y}")
    expect(absence_row).to_contain_text("Absent")
    expect(absence_row).to_contain_text("Non justifiée")

    page.get_by_test_id("to-do").get_by_role("link", name=re.compile("Convention de formation")).click()
    expect(page.get_by_role("heading", name="Signer : Convention de formation")).to_be_visible()
    expect(page.get_by_text("Léa Garnier — Atelier Rivière")).to_be_visible()
    page.get_by_label("J'ai lu le document et je le signe électroniquement").check()
    page.get_by_role("button", name="Signer").click()
    expect(page.get_by_text("Votre signature est enregistrée. Merci !")).to_be_visible()
    expect(page.get_by_text("Aucun document n'attend votre signature.")).to_be_visible()

    signer = Signer.objects.get(request=signature_request, role=SignerRole.EMPLOYER)
    assert signer.user == employer
    assert signer.signed_at is not None and signer.ip_address == "127.0.0.1" and "Chrome" in signer.user_agent
    assert signer.signed_sha256 == convention.sha256
    others = Signer.objects.filter(request=signature_request).exclude(pk=signer.pk).values_list("signed_at", flat=True)
    assert list(others) == [None, None]
    assert SignatureRequest.objects.get(pk=signature_request.pk).status == SignatureRequestStatus.PENDING


def test_apprentice_uploads_a_justification_that_its_tutor_accepts(page: Page, live_server, celery_eager):
    today = timezone.localdate()
    tutor, _cohort, apprentice, *_rest = a_contract(today)
    record = AttendanceRecordFactory(apprentice=apprentice, day=today - timedelta(days=1), status=AttendanceStatus.ABSENT)

    # The apprentice, on its phone, opens « Mes absences ».
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "lea@example.test")
    page.get_by_role("button", name="Afficher le menu").click()  # the collapsed menu of a phone
    page.get_by_role("link", name="Mes absences", exact=True).click()
    expect(page.get_by_role("heading", name="Mes absences et retards")).to_be_visible()
    card = page.locator(f"#absence-{record.pk}")
    expect(card).to_contain_text("Non justifiée")
    card.get_by_role("link", name=re.compile("^Justifier")).click()
    expect(page.get_by_role("heading", name="Justifier une absence")).to_be_visible()

    # A ".pdf" that is really text: refused, with the reason kept.
    page.get_by_label("Motif").fill("Rendez-vous médical")
    page.get_by_label("Justificatif").set_input_files(
        {"name": "ordonnance.pdf", "mimeType": "application/pdf", "buffer": b"Ceci n'est pas un PDF, juste du texte."}
    )
    page.get_by_role("button", name="Envoyer le justificatif").click()
    expect(page.get_by_text("Ce fichier n'est pas un justificatif lisible")).to_be_visible()
    expect(page.get_by_label("Motif")).to_have_value("Rendez-vous médical")
    record.refresh_from_db()
    assert (record.justification, record.proof_id) == (JustificationStatus.NONE, None)

    # A real PDF: accepted for review.
    proof = real_pdf("Certificat médical — Léa Garnier")
    page.get_by_label("Justificatif").set_input_files({"name": "certificat.pdf", "mimeType": "application/pdf", "buffer": proof})
    page.get_by_role("button", name="Envoyer le justificatif").click()
    expect(page.get_by_text("Justificatif déposé : votre formateur·rice référent·e va l'examiner.")).to_be_visible()
    expect(page.locator(f"#absence-{record.pk}")).to_contain_text("Justificatif en attente de validation")
    expect(page.locator(f"#absence-{record.pk}")).to_contain_text("Rendez-vous médical")
    record.refresh_from_db()
    assert (record.justification, record.reason) == (JustificationStatus.PENDING, "Rendez-vous médical")
    with record.proof.file.open("rb") as handle:
        assert handle.read() == proof
    assert record.proof.kind == DocumentKind.ABSENCE_PROOF and record.proof.contract_id is None

    # The tutor accepts it inline from its queue (htmx: the row changes, the page stays).
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, tutor.email)
    page.get_by_role("link", name=re.compile("^Justificatifs")).click()
    queue_url = page.url
    row = page.locator(f"#justificatif-{record.pk}")
    expect(row).to_contain_text("Léa Garnier")
    expect(row).to_contain_text("Rendez-vous médical")
    row.get_by_role("button", name="Accepter").click()
    expect(page.locator(f"#justificatif-{record.pk}")).to_contain_text("Justificatif accepté : Léa Garnier")
    expect(page.locator(f"#justificatif-{record.pk}")).to_contain_text("Justifiée")
    assert page.url == queue_url
    record.refresh_from_db()
    assert (record.justification, record.justification_reviewed_by) == (JustificationStatus.ACCEPTED, tutor)

    # The apprentice sees it justified.
    log_in(page, live_server.url, "lea@example.test")
    page.goto(f"{live_server.url}/mes-absences/")
    card = page.locator(f"#absence-{record.pk}")
    expect(card).to_contain_text("Justifiée")
    expect(card.get_by_role("link", name=re.compile("^Justifier"))).to_have_count(0)
