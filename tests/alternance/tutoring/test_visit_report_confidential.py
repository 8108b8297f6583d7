"""The tutor's confidential rupture-risk note never reaches the company nor the apprentice (issue 17
§7): the visit report stored as the contract's document — the one both extranet accounts
download — is the shared version; staff download the full version, rendered on demand and
never stored. Checked through the real pages: the tutor generates the report on the visit's page,
the employer contact and the apprentice download it from their spaces, the PDF text is read back."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pypdf
import pytest
from django.urls import reverse

from alternance.tutoring.services import GridAnswer, visit_criteria_install_standard, visit_record
from contracts.choices import DocumentKind
from contracts.models import Document
from tests.factories.alternance import VisitFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)
RISK_NOTE = "Envisage de rompre après le conflit avec le chef d'atelier"
RISK_CRITERION_NOTE = "Parle de quitter l'entreprise"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    visit_criteria_install_standard()
    world = make_world()
    visit = VisitFactory(apprentice=world.a.apprentice, contract=world.a.contract, tutor=world.a.tutor, planned_date=date(2026, 11, 20))
    answers = {code: GridAnswer(score=3) for code in ("integration", "skills_progress", "master_relationship", "attendance")}
    answers["rupture_risk"] = GridAnswer(score=1, comment=RISK_CRITERION_NOTE)
    world.visit = visit_record(
        visit=visit, answers=answers, done_date=date(2026, 11, 20), today=TODAY, by=world.a.tutor,
        master_feedback="Bonne intégration à l'atelier.", actions_agreed="Point dans un mois.",
        at_risk=True, risk_comment=RISK_NOTE, report="Visite sur site.",
    )
    return world


def pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def generate_report(client, world) -> Document:
    client.force_login(world.a.tutor)
    response = client.post(reverse("visit_report", args=[world.visit.pk]))
    assert response.status_code == 302
    return Document.objects.get(kind=DocumentKind.VISIT_REPORT)


def download_link_on(page: str, document: Document) -> bool:
    return reverse("contracts:document_download", args=[document.pk]) in page


@pytest.mark.parametrize(("who", "space"), [
    ("a.employer_user", "employer_apprentice"),
    ("a.apprentice_user", "home"),
])
def test_the_extranet_downloads_the_report_without_the_internal_assessment(client, world, who, space):
    document = generate_report(client, world)
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    page = client.get(reverse(space, args=[world.a.apprentice.pk]) if space == "employer_apprentice" else reverse(space)).content.decode()
    assert download_link_on(page, document)  # the report is offered in its space

    response = client.get(reverse("contracts:document_download", args=[document.pk]))

    assert response.status_code == 200
    text = pdf_text(body(response))
    assert "Compte rendu de visite" in text and "Bonne intégration à l'atelier." in text and "Point dans un mois." in text
    assert not re.search("risque", text, re.IGNORECASE)
    assert RISK_NOTE not in text and RISK_CRITERION_NOTE not in text and "confidentiel" not in text.lower()
    # Nor the full version: it is a staff page.
    assert client.get(reverse("visit_report_internal", args=[world.visit.pk])).status_code == 403


@pytest.mark.parametrize("who", ["a.tutor", "coordinator", "admin_staff", "a.cre"])
def test_staff_keep_the_full_version(client, world, who):
    document = generate_report(client, world)
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    page = client.get(reverse("visit_detail", args=[world.visit.pk])).content.decode()
    assert reverse("visit_report_internal", args=[world.visit.pk]) in page

    response = client.get(reverse("visit_report_internal", args=[world.visit.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="compte-rendu-visite-interne-martin-alice-20261120.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    assert "Document interne — confidentiel" in text
    assert f"Risque signalé — {RISK_NOTE}" in text
    assert f"Risque de rupture 1 / 4 {RISK_CRITERION_NOTE}" in text
    # Rendered on demand: the only stored report is still the shared one.
    assert list(Document.objects.values_list("pk", flat=True)) == [document.pk]
    # Staff downloading the stored report get the shared version too.
    assert RISK_NOTE not in pdf_text(body(client.get(reverse("contracts:document_download", args=[document.pk]))))


@pytest.mark.parametrize(("who", "status"), [
    ("a.tutor", 200), ("coordinator", 200), ("admin_staff", 200), ("a.cre", 200),
    ("b.tutor", 404),  # another cohort's visit: outside its scope
    ("a.employer_user", 403), ("a.apprentice_user", 403),
    ("b.employer_user", 404), ("b.apprentice_user", 404),
])
def test_who_gets_the_full_version(client, world, who, status):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)

    response = client.get(reverse("visit_report_internal", args=[world.visit.pk]))

    assert response.status_code == status
    assert (response.get("Content-Type") == "application/pdf") is (status == 200)


def test_a_visit_not_done_has_no_full_report(client, world):
    planned = VisitFactory(apprentice=world.a.apprentice, contract=world.a.contract, tutor=world.a.tutor, planned_date=date(2026, 12, 15))
    client.force_login(world.a.tutor)

    assert client.get(reverse("visit_report_internal", args=[planned.pk])).status_code == 404
