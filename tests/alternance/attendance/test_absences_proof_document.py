"""The proof stored for a justification: its file name (the apprentice's usage name, else its last
name, then its first name, slugified; "apprenti" when nothing is left), its title and its period
(the half-day), the justification's state after the submission."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from alternance.attendance.services import JPEG, PDF, PNG, _proof_filename, justification_submit
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import Apprentice, AttendanceRecord
from contracts.models import Document
from tests.alternance.attendance.test_absences_support import png_bytes, upload
from tests.factories.alternance import ApprenticeFactory, ApprenticeUserFactory, AttendanceRecordFactory

DAY = date(2026, 11, 24)


@pytest.mark.parametrize(("usage_name", "last_name", "first_name", "half", "found", "expected"), [
    ("Épouse Martin", "Durand", "Léa", HalfDay.AFTERNOON, PNG, "justificatif-epouse-martin-lea-20261124-pm.png"),
    ("", "Durand", "Léa", HalfDay.MORNING, PDF, "justificatif-durand-lea-20261124-am.pdf"),
    ("", "—", "", HalfDay.MORNING, JPEG, "justificatif-apprenti-20261124-am.jpg"),
])
def test_the_proofs_file_name(usage_name, last_name, first_name, half, found, expected):
    apprentice = Apprentice(usage_name=usage_name, last_name=last_name, first_name=first_name)
    record = AttendanceRecord(apprentice=apprentice, day=DAY, half=half)

    assert _proof_filename(record, found) == expected


@pytest.mark.django_db
def test_the_stored_proof_its_title_its_period_and_the_pending_state(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
    user = ApprenticeUserFactory()
    apprentice = ApprenticeFactory(user=user, usage_name="", last_name="Durand", first_name="Léa")
    record = AttendanceRecordFactory(apprentice=apprentice, day=DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.LATE,
                                     minutes_late=20, justification=JustificationStatus.REFUSED, review_comment="Illisible")

    justification_submit(record=record, by=user, file=upload(png_bytes(), "photo.png", "image/png"),
                         reason="  Grève des trains  ", today=date(2026, 11, 25))

    document = Document.objects.get()
    assert document.title == "Justificatif — en retard du 24/11/2026 (après-midi) — Léa Durand"
    assert document.file.name.endswith("justificatif-durand-lea-20261124-pm.png")
    assert (document.period_start, document.period_end, document.content_type) == (DAY, DAY, "image/png")
    saved = AttendanceRecord.objects.get(pk=record.pk)
    assert (saved.justification, saved.reason, saved.proof_id, saved.review_comment, saved.justification_reviewed_at) == (
        JustificationStatus.PENDING, "Grève des trains", document.pk, "", None,
    )
    assert saved.justification_submitted_at == datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
