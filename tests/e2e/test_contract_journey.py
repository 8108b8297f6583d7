"""Admin staff's main journey in Chromium: a seeded draft taken to "accepted by the OPCO", its Cerfa
sheet generated and downloaded, then a signature round trip through the apprentice and employer
accounts on the demo apprentice's convention."""

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from contracts.choices import ContractStatus, DocumentKind, SignatureRequestStatus
from contracts.models import Contract, ContractStatusChange, Document, SignatureRequest
from contracts.selectors import contract_preflight
from tests.e2e.test_login_roles import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def seed_demo_today() -> None:
    # The journey signs and sends "today": the demo's dates must be placed around the real today.
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())


def log_out(page: Page) -> None:
    page.get_by_test_id("current-user").click()  # the account menu
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def run_action(page: Page, label: str, fields: dict[str, str] | None = None) -> None:
    """Open the action's panel on the contract page, fill its fields and submit it."""
    panel = page.locator("details", has=page.locator("summary", has_text=label))
    panel.locator("summary").click()
    for field_label, value in (fields or {}).items():
        panel.get_by_label(field_label).fill(value)
    panel.get_by_role("button", name=label).click()


def pdf_text(path) -> tuple[int, str]:
    with open(path, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def test_admin_staff_takes_a_draft_to_accepted_and_downloads_its_cerfa(page: Page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    seed_demo_today()
    today = timezone.localdate()
    draft = next(
        c for c in Contract.objects.filter(status=ContractStatus.DRAFT, start_date__gte=today).select_related(
            "apprentice__cohort", "company", "programme", "master", "second_master"
        ).order_by("pk")
        if contract_preflight(c, stage="signature", today=today).ok
    )
    day = today.isoformat()

    log_in(page, live_server.url, "administratif@demo.test")
    page.goto(f"{live_server.url}/contrats/{draft.pk}/")
    expect(page.get_by_text("Liste de contrôle avant signature")).to_be_visible()
    # The Cerfa sheet generated on the draft shows no date of conclusion…
    page.locator("#documents").get_by_role("button", name="Fiche Cerfa", exact=True).click()
    expect(page.locator("#documents .badge", has_text="périmé")).to_have_count(0)
    run_action(page, "Passer en signature")
    expect(page.get_by_text("En attente de signatures").first).to_be_visible()
    run_action(page, "Enregistrer la signature", {"Date de signature": day})
    expect(page.get_by_text("Liste de contrôle avant l'envoi à l'OPCO")).to_be_visible()
    # …so once signed it is outdated: the panel says so and the checklist before the OPCO blocks.
    expect(page.locator("#documents .badge", has_text="périmé — régénérez-le")).to_be_visible()
    expect(page.get_by_text("La fiche Cerfa (version 1) est périmée").first).to_be_visible()
    expect(page.get_by_text("La convention de formation n'a pas été générée").first).to_be_visible()
    page.locator("#documents").get_by_role("button", name="Régénérer").click()
    page.locator("#documents").get_by_role("button", name="Convention de formation", exact=True).click()
    expect(page.get_by_text("La fiche Cerfa (version 1) est périmée")).to_have_count(0)
    expect(page.locator("#documents .badge", has_text="périmé — régénérez-le")).to_have_count(1)  # version 1 stays marked
    run_action(page, "Transmettre à l'OPCO", {"Date d'envoi à l'OPCO": day})
    run_action(page, "Enregistrer la décision de l'OPCO", {
        "Date de la décision": day, "Dossier complet reçu le": day, "Numéro de dépôt": "075202611000123",
    })
    expect(page.locator(".badge", has_text="Pris en charge par l'OPCO")).to_be_visible()

    draft.refresh_from_db()
    assert draft.status == ContractStatus.ACCEPTED
    assert list(ContractStatusChange.objects.filter(contract=draft).order_by("pk").values_list("to_status", flat=True))[-4:] == [
        ContractStatus.AWAITING_SIGNATURES, ContractStatus.SIGNED, ContractStatus.SENT_TO_OPCO, ContractStatus.ACCEPTED,
    ]
    assert draft.opco_file.deposit_number == "075202611000123"

    page.get_by_role("button", name="Fiche Cerfa", exact=True).click()
    with page.expect_download() as download_info:
        page.locator("#documents").get_by_role("link", name="Cerfa").first.click()
    path = tmp_path / "cerfa.pdf"
    download_info.value.save_as(path)
    _pages, text = pdf_text(path)
    assert draft.apprentice.last_name.upper() in text.upper()
    assert draft.company.siret[:9] in text.replace(" ", "")


def test_signature_round_trip_through_the_apprentice_and_employer_accounts(page: Page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    seed_demo_today()
    contract = Contract.objects.get(apprentice__user__email="apprenti@demo.test", status=ContractStatus.IN_PROGRESS)
    # The demo already has signature requests on this contract in every state: this journey follows one of its own.
    SignatureRequest.objects.filter(document__contract=contract).delete()

    # Admin staff generates the convention and asks the three parties to sign it.
    log_in(page, live_server.url, "administratif@demo.test")
    page.goto(f"{live_server.url}/contrats/{contract.pk}/")
    page.get_by_role("button", name="Convention de formation").click()
    expect(page.locator("#documents").get_by_role("link", name="Convention").first).to_be_visible()
    convention = Document.objects.filter(contract=contract, kind=DocumentKind.CONVENTION).latest("pk")
    page.get_by_label("Document à faire signer").select_option(value=str(convention.pk))
    page.get_by_role("button", name="Demander les signatures").click()
    expect(page.get_by_role("button", name="Annuler la demande")).to_be_visible()
    log_out(page)

    # Each party finds the document in "À signer", reads it and signs.
    # The apprentice and the employer sign on a 390 px phone (issue 14 §7): every step on screen.
    for email in ("apprenti@demo.test", "employeur@demo.test", "administratif@demo.test"):
        width = 1280 if email == "administratif@demo.test" else 390
        page.set_viewport_size({"width": width, "height": 844})
        log_in(page, live_server.url, email)
        if width < 1200:
            page.locator(".navbar-toggler").click()  # the menu is folded on a phone
        page.get_by_role("link", name="À signer", exact=True).click()
        expect(page.get_by_role("heading", name="Documents à signer")).to_be_visible()
        read_and_sign = page.get_by_role("link", name="Lire et signer").first
        box = read_and_sign.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (email, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        read_and_sign.click()
        sign = page.get_by_role("button", name="Signer")
        sign.scroll_into_view_if_needed()
        box = sign.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, (email, box)
        page.get_by_label("J'ai lu le document et je le signe électroniquement").check()
        page.get_by_role("button", name="Signer").click()
        expect(page.get_by_text("Aucun document n'attend votre signature.")).to_be_visible()
        if email != "administratif@demo.test":
            page.context.clear_cookies()  # next party (the phone's menu is folded: no need to open it to log out)

    request = SignatureRequest.objects.get(document__contract=contract)
    assert request.status == SignatureRequestStatus.COMPLETED
    assert all(signer.signed_at and signer.ip_address == "127.0.0.1" for signer in request.signers.all())

    # The signed PDF (original + certificate page) is downloadable from the contract page.
    page.goto(f"{live_server.url}/contrats/{contract.pk}/")
    with page.expect_download() as download_info:
        page.locator("#documents").get_by_role("link", name="(signé)").first.click()
    path = tmp_path / "signed.pdf"
    download_info.value.save_as(path)
    pages, text = pdf_text(path)
    assert pages == len(PdfReader(request.document.file.path).pages) + 1
    assert request.document.sha256 in text.replace("\n", "").replace(" ", "")
    # Each signature is stamped in its box of the convention's signature page, not only on the certificate.
    box_page = request.document.signature_boxes[0]["page"]
    stamped = " ".join(PdfReader(path).pages[box_page].extract_text().split())
    for signer in request.signers.select_related("user"):
        assert f"Signé électroniquement par {signer.user.get_full_name()}" in stamped
