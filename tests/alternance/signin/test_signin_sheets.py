"""The signed attendance sheets (issue 19 §3): the closing of a session starts the rendering of its
sheet (the intent commits with the closing), the PDF lists each signature with its time and the
trainer's, is stored with its SHA-256 and refused once altered, a reopened then closed session gets a
new version; the monthly sheets of a cohort and of an apprentice; who may download them."""

import hashlib
import io
from datetime import date, datetime, time, timedelta

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import SignatureMethod
from alternance.models import AttendanceRecord, TaskIntent, TrainingSession
from alternance.signin import codes, services, sheets
from contracts.choices import DocumentKind
from contracts.models import Document
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    ApprenticeUserFactory,
    CreFactory,
    EmployerUserFactory,
    TrainingSessionFactory,
    TutorFactory,
)
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)
OPENED = datetime(2026, 12, 7, 9, 0, 5, tzinfo=PARIS)
CLOSED = datetime(2026, 12, 7, 12, 31, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def learner(cohort, last_name, first_name="Léa"):
    return ApprenticeFactory(cohort=cohort, user=ApprenticeUserFactory(), last_name=last_name, first_name=first_name)


def sign(session, apprentice, at, method=SignatureMethod.CODE):
    return services.signin_sign(
        session_pk=session.pk, user=apprentice.user, code=codes.current_code(session, at).code,
        method=method, ip="192.0.2.10", user_agent="Mobile Safari", now=at)


@pytest.fixture
def closed():
    """A morning session: Alpha signed by the code at 9:01, Bravo by the QR code 25 minutes late,
    Charlie noted by the trainer, Delta did not sign; closed and signed by the trainer at 12:31."""
    session = TrainingSessionFactory(day=MONDAY, start_time=time(9, 0), end_time=time(12, 30), subject="Droit du travail")
    session.trainer.first_name, session.trainer.last_name = "Paul", "Formateur"
    session.trainer.save()
    alpha, bravo, charlie, delta = (learner(session.cohort, name) for name in ("Alpha", "Bravo", "Charlie", "Delta"))
    session = services.signin_open(session=session, by=session.trainer, now=OPENED)
    sign(session, alpha, datetime(2026, 12, 7, 9, 1, tzinfo=PARIS))
    sign(session, bravo, datetime(2026, 12, 7, 9, 25, 30, tzinfo=PARIS), method=SignatureMethod.QR)
    services.signin_mark(session=session, apprentice=charlie, reason="Pas de téléphone", minutes=0, by=session.trainer,
                         now=datetime(2026, 12, 7, 9, 40, tzinfo=PARIS))
    services.signin_close(session=session, by=session.trainer, ip="192.0.2.1", user_agent="Firefox", now=CLOSED)
    session = TrainingSession.objects.get(pk=session.pk)
    session.people = {"alpha": alpha, "bravo": bravo, "charlie": charlie, "delta": delta}
    return session


def test_closing_records_the_intent_to_render_the_sheet_with_the_closing(closed):
    intents = list(TaskIntent.objects.filter(name=services.SHEET_TASK).values_list("kwargs", flat=True))
    assert intents == [{"session_id": closed.pk}]


def test_the_sheet_lists_each_signature_the_absent_and_the_trainers_signature(closed):
    document = sheets.session_sheet_store(session_id=closed.pk, now=CLOSED + timedelta(minutes=1))

    stored = Document.objects.get(pk=document.pk)
    assert (stored.kind, stored.training_session_id, stored.version, stored.is_generated) == (
        DocumentKind.SIGNIN_SHEET, closed.pk, 1, True)
    assert (stored.period_start, stored.period_end, stored.apprentice_id, stored.contract_id) == (MONDAY, MONDAY, None, None)
    content = stored.file.read()
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    text = pdf_text(content)
    assert "Feuille d'émargement" in text
    assert "lundi 7 décembre 2026, 09:00–12:30 (3 h 30)" in text
    assert "Droit du travail" in text
    assert "ALPHA Léa Signé à 09:01:00 (code saisi)" in text
    assert "BRAVO Léa Signé à 09:25:30 (QR code) — retard de 25 minutes" in text
    assert "CHARLIE Léa Noté·e présent·e par Paul Formateur à 09:40:00 — Pas de téléphone" in text
    assert "DELTA Léa Absent·e — non justifiée" in text
    assert "Feuille close et signée électroniquement par Paul Formateur le 07/12/2026 à 12:31:00." in text
    # the evidence reference of each signature is printed, not its IP address
    alpha_signature = closed.signatures.get(apprentice=closed.people["alpha"])
    assert sheets.signature_reference(alpha_signature) in text
    assert "192.0.2.10" not in text


def test_the_figures_of_the_sheet(closed):
    sheet = sheets.closed_session_rows([closed])[0]
    assert (len(sheet.rows), sheet.signed_count, sheet.late_count, sheet.absent_count) == (4, 3, 1, 1)
    assert [row.apprentice.last_name for row in sheet.rows] == ["Alpha", "Bravo", "Charlie", "Delta"]


def test_rendering_twice_keeps_one_sheet_and_a_reopened_session_gets_a_new_version(closed):
    first = sheets.session_sheet_store(session_id=closed.pk)
    assert sheets.session_sheet_store(session_id=closed.pk).pk == first.pk
    office = AdminStaffFactory()
    reopened = services.signin_reopen(session=closed, reason="Delta était là sans téléphone", by=office, now=CLOSED + timedelta(hours=1))
    assert sheets.session_sheet_store(session_id=closed.pk) is None  # open again: nothing to render
    assert sheets.current_session_sheet(TrainingSession.objects.get(pk=closed.pk)) is None
    services.signin_mark(session=reopened, apprentice=closed.people["delta"], reason="Sans téléphone", minutes=0, by=office,
                         now=CLOSED + timedelta(hours=1))
    services.signin_close(session=reopened, by=office, ip=None, user_agent="", now=CLOSED + timedelta(hours=1, minutes=1))
    second = sheets.session_sheet_store(session_id=closed.pk)

    assert (second.pk != first.pk, second.version) == (True, 2)
    assert sheets.current_session_sheet(TrainingSession.objects.get(pk=closed.pk)).pk == second.pk
    assert Document.objects.filter(training_session=closed, kind=DocumentKind.SIGNIN_SHEET).count() == 2
    assert "DELTA Léa Noté·e présent·e" in pdf_text(second.file.read())


def test_an_altered_sheet_is_refused_on_download(client, closed):
    document = sheets.session_sheet_store(session_id=closed.pk)
    client.force_login(closed.trainer)
    url = reverse("contracts:document_download", args=[document.pk])
    assert client.get(url).status_code == 200
    with open(document.file.path, "r+b") as handle:  # one byte flipped
        handle.seek(200)
        byte = handle.read(1)
        handle.seek(200)
        handle.write(bytes([byte[0] ^ 0xFF]))
    response = client.get(url)
    assert response.status_code == 409
    assert "ne correspond plus à l'empreinte SHA-256" in response.content.decode()


def test_who_may_download_a_session_sheet(client, closed):
    """The office, CREs, the cohort's referent tutor and the session's trainer; never an apprentice
    (the sheet names the whole cohort), an employer, nor another cohort's tutor."""
    other_trainer = TutorFactory()
    TrainingSession.objects.filter(pk=closed.pk).update(trainer=other_trainer)
    document = sheets.session_sheet_store(session_id=closed.pk)
    url = reverse("contracts:document_download", args=[document.pk])
    expected = {
        "admin staff": (AdminStaffFactory(), 200),
        "CRE": (CreFactory(), 200),
        "referent tutor": (closed.cohort.referent_tutor, 200),
        "trainer of the session": (other_trainer, 200),
        "another tutor": (TutorFactory(), 404),
        "apprentice of the cohort": (closed.people["alpha"].user, 404),
        "employer": (EmployerUserFactory(), 404),
    }
    answers = {}
    for label, (user, _status) in expected.items():
        client.force_login(user)
        answers[label] = client.get(url).status_code
    assert answers == {label: status for label, (_user, status) in expected.items()}


def test_the_sheets_of_many_sessions_cost_the_same_queries_as_one(closed):
    def queries(sessions):
        with CaptureQueriesContext(connection) as captured:
            built = sheets.closed_session_rows(sessions)
            for sheet in built:
                for row in sheet.rows:
                    _ = row.status_label
        return len(captured), built

    one, _built = queries(list(sheets._closed_sessions(closed.cohort, MONDAY, MONDAY)))
    afternoon = TrainingSessionFactory(cohort=closed.cohort, day=MONDAY, start_time=time(13, 30), end_time=time(17, 0))
    afternoon = services.signin_open(session=afternoon, by=afternoon.trainer, now=datetime(2026, 12, 7, 13, 30, tzinfo=PARIS))
    sign(afternoon, closed.people["delta"], datetime(2026, 12, 7, 13, 31, tzinfo=PARIS))
    services.signin_close(session=afternoon, by=afternoon.trainer, ip=None, user_agent="", now=datetime(2026, 12, 7, 17, 0, tzinfo=PARIS))
    two, built = queries(list(sheets._closed_sessions(closed.cohort, MONDAY, MONDAY)))
    assert one == two == 2
    assert [sheet.signed_count for sheet in built] == [3, 1]


# --- the monthly sheets ----------------------------------------------------------------------------

def test_the_monthly_sheets_of_a_cohort_and_of_each_apprentice(closed):
    TrainingSessionFactory(cohort=closed.cohort, day=date(2026, 12, 8))  # not closed: on no sheet
    documents = sheets.monthly_sheets_store(cohort_id=closed.cohort_id, year=2026, month=12, by=AdminStaffFactory())

    assert [(d.kind, d.cohort_id, d.apprentice_id) for d in documents] == [
        (DocumentKind.MONTHLY_SIGNIN_SHEET, closed.cohort_id, None)] + [
        (DocumentKind.MONTHLY_SIGNIN_SHEET, None, closed.people[name].pk) for name in ("alpha", "bravo", "charlie", "delta")]
    assert {(d.period_start, d.period_end, d.version) for d in documents} == {(date(2026, 12, 1), date(2026, 12, 31), 1)}
    cohort_text = pdf_text(documents[0].file.read())
    assert "Séances closes et signées 1" in cohort_text
    assert "ALPHA Léa Signé à 09:01:00 (code saisi)" in cohort_text
    delta_text = pdf_text(documents[4].file.read())
    assert "Feuille d'émargement mensuelle — décembre 2026" in delta_text
    assert "1 séances attendues 0 séances émargées 0 retards 1 absences 0 h émargées sur 3 h 30" in delta_text
    assert "Absent·e — non justifiée" in delta_text
    bravo_text = pdf_text(documents[2].file.read())
    assert "1 séances attendues 1 séances émargées 1 retards 0 absences 3 h 30 émargées sur 3 h 30" in bravo_text

    again = sheets.monthly_sheets_store(cohort_id=closed.cohort_id, year=2026, month=12)
    assert [d.version for d in again] == [2, 2, 2, 2, 2]


def test_a_justified_absence_shows_on_the_next_monthly_sheet(closed):
    AttendanceRecord.objects.filter(apprentice=closed.people["delta"]).update(justification="accepted")
    documents = sheets.monthly_sheets_store(cohort_id=closed.cohort_id, year=2026, month=12)
    assert "Absent·e — absence justifiée" in pdf_text(documents[4].file.read())


def test_an_apprentice_downloads_its_own_monthly_sheet_never_another(client, closed):
    documents = sheets.monthly_sheets_store(cohort_id=closed.cohort_id, year=2026, month=12)
    cohort_sheet, alpha_sheet, bravo_sheet = documents[0], documents[1], documents[2]
    client.force_login(closed.people["alpha"].user)
    statuses = [client.get(reverse("contracts:document_download", args=[d.pk])).status_code
                for d in (alpha_sheet, bravo_sheet, cohort_sheet)]
    assert statuses == [200, 404, 404]
    client.force_login(closed.cohort.referent_tutor)
    assert client.get(reverse("contracts:document_download", args=[cohort_sheet.pk])).status_code == 200
    client.force_login(TutorFactory())
    assert client.get(reverse("contracts:document_download", args=[cohort_sheet.pk])).status_code == 404
