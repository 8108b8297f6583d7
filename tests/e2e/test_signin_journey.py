"""The sign-in in Chromium (issue 19 §2): the tutor opens a session at 1280 px and reads the code on
its page; two of three apprentices sign from 390 px phones by typing that code (one through the QR
code's address, logging in first: the login keeps the target); the list fills in by itself (htmx
polling); the tutor closes and signs the sheet; the third apprentice finds the half-day « à
justifier » in its absences; the session's signed sheet (PDF) lists both signatures and the
trainer's, and a copy altered on the server is refused. No page is wider than its screen, axe finds no serious violation, the
Content-Security-Policy is never broken."""

import io
import re
from datetime import date, datetime, time

import pypdf
import pytest
from playwright.sync_api import Browser, Page, expect

from alternance.choices import AttendanceStatus, SigninState
from alternance.models import AttendanceRecord, SessionSignature, TrainingSession
from contracts.choices import DocumentKind
from contracts.models import Document
from tests.e2e.test_csp import CspWatch
from tests.e2e.test_pages_fit_and_accessible import audit
from tests.factories.alternance import ApprenticeFactory, ApprenticeUserFactory, TrainingSessionFactory
from tests.factories.web import PARIS, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MONDAY = date(2026, 12, 7)
PASSWORD = "motdepasse-solide-42"


def log_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def phone(browser: Browser) -> Page:
    return browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()


def fits(page: Page, width: int) -> None:
    page.wait_for_load_state("load")  # measured with the page's stylesheets (see ``audit``)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_two_sign_by_phone_the_third_is_absent_to_justify(page: Page, browser: Browser, live_server, time_machine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(datetime(2026, 12, 7, 9, 4, tzinfo=PARIS), tick=True)
    world = make_world()
    cohort = world.a.cohort
    # Three apprentices at the centre that day: Alice Martin (under contract), Chloé Petit (seeking), and Zoé.
    zoe = ApprenticeFactory(cohort=cohort, first_name="Zoé", last_name="Zeller", user=ApprenticeUserFactory(email="zoe@example.test"))
    session = TrainingSessionFactory(cohort=cohort, day=MONDAY, start_time=time(9, 0), end_time=time(12, 30),
                                     subject="Réseaux", room="B12", trainer=world.a.tutor)
    chloe_user = ApprenticeUserFactory(email="chloe@example.test")
    world.a.seeking.user = chloe_user
    world.a.seeking.save(update_fields=["user"])
    watch = CspWatch(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, world.a.tutor.email)
    page.get_by_role("link", name="Émargement", exact=True).first.click()
    page.get_by_role("link", name=f"Émargement — {cohort.name} 09:00–12:30").click()
    page.get_by_role("button", name="Ouvrir l'émargement").click()
    expect(page.get_by_text("Émargement ouvert : affichez le QR code à la salle.")).to_be_visible()
    expect(page.get_by_test_id("signin-qr").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("signed-count")).to_have_text("Signatures : 0 sur 3")
    fits(page, 1280)
    assert audit(page) == []

    def code_on_screen() -> str:
        return page.get_by_test_id("signin-code").inner_text().strip()

    # Alice types the code from the menu's « Émarger ».
    alice = phone(browser)
    log_in(alice, live_server.url, world.a.apprentice_user.email)
    alice.goto(f"{live_server.url}/emargement/")
    expect(alice.get_by_test_id("open-sessions")).to_contain_text("Réseaux")
    alice.get_by_label("Code affiché dans la salle").fill(code_on_screen())
    alice.get_by_role("button", name="Je signe ma présence").click()
    expect(alice.get_by_text("Présence enregistrée à 09:0")).to_be_visible()
    fits(alice, 390)
    assert audit(alice) == []

    # Chloé scans the QR code (its address) while logged out: the login brings her back to it.
    chloe = phone(browser)
    qr_target = f"{live_server.url}/emargement/{session.pk}/{code_on_screen().replace(' ', '')}/"
    chloe.goto(qr_target)
    chloe.get_by_label("Adresse e-mail").fill("chloe@example.test")
    chloe.get_by_label("Mot de passe").fill(PASSWORD)
    chloe.get_by_role("button", name="Se connecter").click()
    expect(chloe.get_by_text("Réseaux")).to_be_visible()
    fits(chloe, 390)
    chloe.get_by_role("button", name="Je signe ma présence").click()
    expect(chloe.get_by_text("Présence enregistrée à 09:0")).to_be_visible()

    # The tutor's list fills in by itself (polling), then the sheet is closed and signed.
    expect(page.get_by_test_id("signed-count")).to_have_text("Signatures : 2 sur 3", timeout=15_000)
    page.get_by_label("J'atteste que cette feuille d'émargement est exacte et je la signe.").check()
    page.get_by_role("button", name="Clore et signer").click()
    expect(page.get_by_test_id("signin-closed")).to_contain_text("Feuille signée par Tuteur A")
    expect(page.locator(f'[data-apprentice="{zoe.pk}"]')).to_contain_text("Absent·e — à justifier")

    # The signed sheet (rendered by its task once the closing committed) lists both signatures and the
    # trainer's; a copy altered on the server is refused.
    download = page.get_by_test_id("sheet-download")
    expect(download).to_be_visible(timeout=15_000)
    sheet_url = live_server.url + download.get_attribute("href")
    response = page.request.get(sheet_url)
    assert (response.status, response.headers["content-type"]) == (200, "application/pdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages).split())
    assert re.search(r"MARTIN Alice Signé à 09:0\d:\d\d \(code saisi\)", text), text
    assert re.search(r"PETIT Chloé Signé à 09:0\d:\d\d \(QR code\)", text), text
    assert "ZELLER Zoé Absent·e — non justifiée" in text
    assert "Feuille close et signée électroniquement par Tuteur A" in text
    sheet = Document.objects.get(training_session=session, kind=DocumentKind.SIGNIN_SHEET)
    with open(sheet.file.path, "r+b") as handle:  # one byte flipped
        handle.seek(300)
        byte = handle.read(1)
        handle.seek(300)
        handle.write(bytes([byte[0] ^ 0xFF]))
    altered = page.request.get(sheet_url)
    assert altered.status == 409
    assert "ne correspond plus à l'empreinte SHA-256" in altered.text()

    # The cohort's sheets page: the session's sheet is listed; the monthly sheets are produced.
    page.get_by_role("link", name="Feuilles d'émargement de la promotion").click()
    expect(page.get_by_role("link", name="PDF")).to_have_count(1)
    page.get_by_role("button", name="Produire les feuilles du mois").click()
    expect(page.get_by_role("link", name="Feuille mensuelle de la promotion (PDF)")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("3 feuilles d'apprenti·es")).to_be_visible()
    fits(page, 1280)
    assert audit(page) == []

    session.refresh_from_db()
    assert session.signin_state == SigninState.CLOSED
    assert SessionSignature.objects.filter(session=session).count() == 2
    assert AttendanceRecord.objects.get(apprentice=zoe, day=MONDAY).status == AttendanceStatus.ABSENT

    # Zoé finds the half-day to justify in her absences.
    zoe_phone = phone(browser)
    log_in(zoe_phone, live_server.url, "zoe@example.test")
    zoe_phone.goto(f"{live_server.url}/mes-absences/")
    expect(zoe_phone.get_by_test_id("my-absences")).to_contain_text("lundi 7 décembre 2026")
    expect(zoe_phone.get_by_role("link", name="Justifier").first).to_be_visible()
    fits(zoe_phone, 390)
    assert watch.violations() == []
    assert TrainingSession.objects.get(pk=session.pk).closed_by_id == world.a.tutor.pk
