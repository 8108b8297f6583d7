"""A tutor reviews proofs in Chromium (issue 14 §5): the image proof shows as a thumbnail and the
PDF in a frame (served inline, framable from this site only), « Tout sélectionner » then
« Accepter la sélection » accepts both at once; the console stays clean."""

import pytest
from playwright.sync_api import Page, expect

from alternance.attendance.services import justification_submit
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord
from tests.alternance.attendance.test_absences_support import RECENT_DAY, TODAY, pdf_bytes, png_bytes, upload
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.web import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def submit(apprentice, half, content, name, content_type):
    record = AttendanceRecordFactory(apprentice=apprentice, day=RECENT_DAY, half=half, status=AttendanceStatus.ABSENT)
    return justification_submit(record=record, by=apprentice.user, file=upload(content, name, content_type), reason="Rendez-vous médical",
                                today=TODAY)


def test_tutor_previews_proofs_and_accepts_the_selection(page: Page, live_server):
    world = make_world()
    image = submit(world.a.apprentice, HalfDay.MORNING, png_bytes((64, 48)), "photo.png", "image/png")
    pdf = submit(world.a.apprentice, HalfDay.AFTERNOON, pdf_bytes(), "certificat.pdf", "application/pdf")
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(world.a.tutor.email)
    page.get_by_label("Mot de passe").fill("motdepasse-solide-42")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/absences/justificatifs/")

    thumbnail = page.get_by_test_id("apercu-image")
    expect(thumbnail).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=thumbnail.element_handle())
    page.locator(f"#justificatif-{pdf.pk}").get_by_text("Aperçu du PDF").click()
    frame = page.get_by_test_id("apercu-pdf")
    expect(frame).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith(f"/absences/{pdf.pk}/justificatif/")) as framed:
        frame.evaluate("f => { f.src = f.src; }")
    assert framed.value.status == 200 and framed.value.headers["content-type"] == "application/pdf"
    assert framed.value.headers["x-frame-options"] == "SAMEORIGIN"

    page.get_by_label("Tout sélectionner sur cette page").check()
    page.get_by_role("button", name="Accepter la sélection").click()

    expect(page.get_by_text("2 justificatifs acceptés : chaque apprenti·e est prévenu·e par e-mail.")).to_be_visible()
    assert list(AttendanceRecord.objects.filter(pk__in=[image.pk, pdf.pk]).values_list("justification", flat=True)) == [
        JustificationStatus.ACCEPTED, JustificationStatus.ACCEPTED]
    assert console == []
