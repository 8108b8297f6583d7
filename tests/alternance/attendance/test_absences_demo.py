"""``seed_absences``: on top of the demo organisation, the demo apprentice's latest half-days show
every state of the justification workflow with real PDF proofs, a few pending proofs wait in the
demo tutor's queue, no email leaves, and a second run changes nothing."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core import mail
from pypdf import PdfReader

from alternance.attendance.services import justification_queue, proof_format
from alternance.choices import AttendanceStatus, JustificationStatus
from alternance.demo import seed_demo
from alternance.demo.absences import proof_pdf, seed_absences
from alternance.models import Apprentice, AttendanceRecord, User
from contracts.choices import DocumentKind
from contracts.documents import document_is_intact, document_read
from contracts.models import Document

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seed_demo(apprentices=40, seed=7, today=TODAY, with_extranet=False)


def test_the_proof_pdf_is_a_real_pdf_with_its_text():
    content = proof_pdf(["Certificat médical", "Consultation (urgence) du 26/11/2026"])
    assert proof_format(content).content_type == "application/pdf"
    assert PdfReader(BytesIO(content)).pages[0].extract_text().splitlines() == [
        "Certificat médical", "Consultation (urgence) du 26/11/2026",
    ]


def test_seed_absences_shows_every_state_with_real_proofs(demo, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        changed = seed_absences(today=TODAY)

    apprentice = Apprentice.objects.get(email="apprenti@demo.test")
    demo_records = list(
        AttendanceRecord.objects.filter(apprentice=apprentice, day__lte=TODAY).order_by("-day", "half").select_related("proof")
    )
    latest_per_day = []
    for record in demo_records:
        if record.day not in {r.day for r in latest_per_day}:
            latest_per_day.append(record)
    assert [(r.status, r.justification, r.proof is not None) for r in latest_per_day[:4]] == [
        (AttendanceStatus.ABSENT, JustificationStatus.NONE, False),
        (AttendanceStatus.ABSENT, JustificationStatus.PENDING, True),
        (AttendanceStatus.ABSENT, JustificationStatus.REFUSED, True),
        (AttendanceStatus.ABSENT, JustificationStatus.ACCEPTED, True),
    ]
    refused = latest_per_day[2]
    assert refused.review_comment.startswith("Attestation illisible")
    assert refused.justification_reviewed_by == apprentice.cohort.referent_tutor

    proofs = list(Document.objects.filter(kind=DocumentKind.ABSENCE_PROOF))
    assert changed == 4 + 3 == len(proofs) + 1
    assert all(p.contract_id is None and p.apprentice_id and p.content_type == "application/pdf" for p in proofs)
    assert all(document_is_intact(p) and proof_format(document_read(p)) is not None for p in proofs)

    tutor = User.objects.get(email="tuteur@demo.test")
    assert tutor == apprentice.cohort.referent_tutor
    assert justification_queue(tutor).filter(proof__isnull=False).count() == 4  # the demo apprentice's + 3 others
    assert mail.outbox == []

    assert seed_absences(today=TODAY) == 0
    assert Document.objects.filter(kind=DocumentKind.ABSENCE_PROOF).count() == len(proofs)
