"""The apprentice's justification (issue 6, ``justification_submit``): the reason and the proof are
both required, each refused with its own field and exact French message (a reason left empty,
missing or only spaces; no file), nothing written then (state re-read from the database); the
half-day is read with its apprentice, cohort and tutor in the same query (and the fields left out of
its validation are not read again); and a new proof after a refusal clears the previous review, in
the database and on the record returned."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.attendance.services import justification_refuse, justification_submit
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord
from contracts.models import Document
from tests.alternance.attendance.test_absences_support import NOW, RECENT_DAY, TODAY, pdf_bytes, upload
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

REASON_REQUIRED = "Indiquez le motif (par exemple : rendez-vous médical, panne de transport)."
PROOF_REQUIRED = "Joignez votre justificatif : un PDF ou une photo (JPEG ou PNG)."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def absence(world):
    return AttendanceRecordFactory(
        apprentice=world.a.apprentice, day=RECENT_DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT
    )


def state(record) -> tuple:
    return AttendanceRecord.objects.filter(pk=record.pk).values_list("justification", "reason", "proof_id").get()


@pytest.mark.parametrize(
    ("reason", "with_file", "errors"),
    [
        (None, True, {"reason": [REASON_REQUIRED]}),
        ("", True, {"reason": [REASON_REQUIRED]}),
        ("   ", True, {"reason": [REASON_REQUIRED]}),
        ("Rendez-vous médical", False, {"proof": [PROOF_REQUIRED]}),
        ("", False, {"reason": [REASON_REQUIRED], "proof": [PROOF_REQUIRED]}),
    ],
    ids=["reason-none", "reason-empty", "reason-spaces", "no-file", "neither"],
)
def test_the_reason_and_the_proof_are_required(world, absence, reason, with_file, errors):
    with pytest.raises(ValidationError) as error:
        justification_submit(
            record=absence,
            by=world.a.apprentice_user,
            file=upload(pdf_bytes()) if with_file else None,
            reason=reason,
            today=TODAY,
        )

    assert error.value.message_dict == errors
    assert state(absence) == (JustificationStatus.NONE, "", None)
    assert Document.objects.filter(apprentice=world.a.apprentice, kind="absence_proof").count() == 0


def test_a_reason_of_one_character_is_enough(world, absence):
    """Limit: one character after the spaces are stripped."""
    justification_submit(
        record=absence, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="  x ", today=TODAY
    )

    assert state(absence)[:2] == (JustificationStatus.PENDING, "x")


def test_the_submission_reads_the_half_day_with_its_apprentice_cohort_and_tutor(world):
    """A proof replacing a refused one, on a half-day entered by the tutor: the apprentice, cohort and
    tutor come with the locked row (``select_related``), the fields left out of the validation
    (apprentice, author, proof, reviewer) are not read again, and the replaced proof is read once."""
    absence = AttendanceRecordFactory(
        apprentice=world.a.apprentice,
        day=RECENT_DAY,
        half=HalfDay.AFTERNOON,
        status=AttendanceStatus.ABSENT,
        recorded_by=world.a.tutor,
    )
    justification_submit(
        record=absence, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="Bus", today=TODAY
    )
    justification_refuse(record=absence, by=world.a.tutor, comment="Illisible")

    with CaptureQueriesContext(connection) as captured:
        justification_submit(
            record=AttendanceRecord(pk=absence.pk),
            by=world.a.apprentice_user,
            file=upload(pdf_bytes()),
            reason="Rendez-vous médical",
            today=TODAY,
        )

    tables = Counter(
        query["sql"].split(" FROM ")[1].split()[0].strip('"')
        for query in captured
        if query["sql"].startswith("SELECT") and " FROM " in query["sql"]
    )
    # One read each, by the proof's storing (its document's apprentice and author): none for the
    # half-day's apprentice, cohort and tutor, none for the validation of the fields left out.
    assert (tables["alternance_apprentice"], tables["alternance_cohort"], tables["alternance_user"]) == (1, 0, 1)
    assert tables["contracts_document"] == 1  # the replaced proof, deleted with its file
    assert state(absence)[:2] == (JustificationStatus.PENDING, "Rendez-vous médical")


REVIEW_FIELDS = (
    "justification",
    "reason",
    "justification_reviewed_by_id",
    "justification_reviewed_at",
    "review_comment",
)


def test_a_new_proof_after_a_refusal_clears_the_review_in_the_database_and_on_the_record_returned(world, absence):
    """``AttendanceSettings.justification_deadline_days``: a refused proof may be replaced within the
    deadline; the refusal's reviewer, date and comment are cleared."""
    justification_submit(
        record=absence, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="Bus", today=TODAY
    )
    justification_refuse(record=absence, by=world.a.tutor, comment="Illisible")

    returned = justification_submit(
        record=absence, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="Certificat lisible", today=TODAY
    )

    cleared = (JustificationStatus.PENDING, "Certificat lisible", None, None, "")
    assert tuple(getattr(returned, name) for name in REVIEW_FIELDS) == cleared
    assert AttendanceRecord.objects.filter(pk=absence.pk).values_list(*REVIEW_FIELDS).get() == cleared


CHANGED_MEANWHILE = "Cette demi-journée vient d'être modifiée par l'équipe : rechargez la page pour voir son état."


@pytest.mark.parametrize(
    "change",
    [
        {"justification": JustificationStatus.ACCEPTED},  # justified meanwhile
        {"status": AttendanceStatus.PRESENT},  # corrected to present meanwhile
    ],
    ids=["accepted-meanwhile", "present-meanwhile"],
)
def test_a_half_day_changed_during_the_submission_refuses_it_and_writes_nothing(
    world, absence, monkeypatch, tmp_path, change
):
    """Compare-and-set on the state checked (justification and status): a write of the half-day
    between the check and the compare-and-set (simulated while the proof is stored, inside the
    submission's transaction, so rolled back with it) refuses the submission with the exact French
    message; the proof's file is deleted and nothing of the submission is written."""
    from alternance.attendance import services

    store = services.document_store

    def store_while_staff_writes(**kwargs):
        AttendanceRecord.objects.filter(pk=absence.pk).update(**change)
        return store(**kwargs)

    monkeypatch.setattr(services, "document_store", store_while_staff_writes)

    with pytest.raises(ValidationError) as error:
        justification_submit(
            record=absence, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="Bus", today=TODAY
        )

    assert error.value.messages == [CHANGED_MEANWHILE]
    assert AttendanceRecord.objects.filter(pk=absence.pk).values_list(
        "status", "justification", "reason", "proof_id"
    ).get() == (AttendanceStatus.ABSENT, JustificationStatus.NONE, "", None)
    assert Document.objects.filter(apprentice=world.a.apprentice, kind="absence_proof").count() == 0
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []  # the stored file deleted


def test_the_submission_history_names_the_apprentice_and_the_exact_changes(world, absence):
    """Compare-and-set without a signal: the service logs its change itself (issue 13 §4)."""
    from auditlog.models import LogEntry

    LogEntry.objects.all().delete()  # the factory's own creation

    justification_submit(
        record=absence, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="Bus", today=TODAY
    )

    proof_id = state(absence)[2]
    entries = LogEntry.objects.filter(content_type__model="attendancerecord", object_id=absence.pk).order_by("pk")
    assert [(entry.action, entry.actor_id, entry.changes) for entry in entries] == [
        (
            LogEntry.Action.UPDATE,
            world.a.apprentice_user.pk,
            {"justification": ["none", "pending"], "proof": [None, proof_id]},
        ),
    ]


def test_a_first_submission_reads_no_previous_proof(world, absence):
    """No proof to replace: the replaced-proof lookup is not even queried."""
    with CaptureQueriesContext(connection) as captured:
        justification_submit(
            record=absence, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="Bus", today=TODAY
        )

    documents_read = [
        query["sql"]
        for query in captured
        if query["sql"].startswith("SELECT")
        and " FROM " in query["sql"]
        and query["sql"].split(" FROM ")[1].split()[0].strip('"') == "contracts_document"
    ]
    assert documents_read == []


def test_the_submission_re_evaluates_the_apprentices_alerts(world, absence):
    """``facts_changed("attendance_changed")``: a pending proof counts as justified for the absence
    alerts, so the apprentice's alerts are re-evaluated (one task queued in the outbox)."""
    from alternance.models import TaskIntent

    TaskIntent.objects.all().delete()

    justification_submit(
        record=absence, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="Bus", today=TODAY
    )

    assert [(intent.name, intent.kwargs["subject_ids"]) for intent in TaskIntent.objects.order_by("pk")] == [
        ("alerts.reevaluate_subject", [world.a.apprentice.pk]),
    ]
