"""Reports stored before issue 17 §7 printed the rupture-risk note: ``redact_visit_reports`` replaces
each of them in place by the shared version (same document and link), leaves the shared ones alone,
and can run again."""

import io
from datetime import date

import pypdf
import pytest
from django.core.management import call_command

from alternance.tutoring.pdf import visit_report_generate, visit_report_pdf
from alternance.tutoring.services import GridAnswer, visit_criteria_install_standard, visit_record
from contracts.choices import DocumentKind
from contracts.documents import document_is_intact, document_read, document_store
from tests.factories.alternance import VisitFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


def text(document) -> str:
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(document_read(document))).pages).split())


def test_old_reports_lose_the_internal_assessment_and_keep_their_link(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    visit_criteria_install_standard()
    world = make_world()
    visit = VisitFactory(apprentice=world.a.apprentice, contract=world.a.contract, planned_date=date(2026, 11, 20))
    visit = visit_record(visit=visit, answers={"rupture_risk": GridAnswer(score=1)}, done_date=date(2026, 11, 20), today=TODAY,
                         by=world.a.tutor, at_risk=True, risk_comment="Conflit ouvert avec le patron.")
    # A report stored the old way: the full version, kept as the contract's document.
    old = document_store(
        content=visit_report_pdf(visit, today=TODAY, confidential=True), filename="cr.pdf", kind=DocumentKind.VISIT_REPORT,
        title="Compte rendu", contract=visit.contract, by=world.a.tutor, generated=True, period_start=visit.done_date, period_end=visit.done_date,
    )
    shared = visit_report_generate(visit=visit, by=world.a.tutor, today=TODAY)
    shared_sha, old_sha = shared.sha256, old.sha256
    assert "Conflit ouvert avec le patron." in text(old)
    out = io.StringIO()

    call_command("redact_visit_reports", stdout=out)

    old.refresh_from_db()
    shared.refresh_from_db()
    assert "Conflit ouvert" not in text(old) and "Risque" not in text(old)
    assert old.sha256 != old_sha and document_is_intact(old) and old.version == 1
    assert shared.sha256 == shared_sha
    assert out.getvalue().strip() == "Comptes rendus remplacés par leur version partagée : 1 ; déjà sans appréciation interne : 1."
    again = io.StringIO()
    call_command("redact_visit_reports", stdout=again)
    assert again.getvalue().strip() == "Comptes rendus remplacés par leur version partagée : 0 ; déjà sans appréciation interne : 2."
