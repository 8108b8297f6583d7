"""``queue_record_get`` (the review of one justification, issue 6) reads the record with what the
review page and its access check use — the apprentice and its cohort (``access.can_review_justification``:
the cohort's referent tutor), the proof, the reviewer — in one query, and answers 404 / 403 as
the access policy says; ``absence_get`` (the absence's page and its proof) reads the cohort's
tutor, the proof's apprentice and cohort (``access.can_read_absence_proof``), the reviewer and
who entered the half-day with it, in one query too. The record's state is re-read from the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from alternance.attendance.services import absence_get, justification_refuse, justification_submit, queue_record_get
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord
from tests.alternance.attendance.test_absences_support import NOW, RECENT_DAY, TODAY, pdf_bytes, upload
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


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
def refused(world):
    """A justification refused by the cohort's tutor: it has a proof and a reviewer."""
    record = AttendanceRecordFactory(
        apprentice=world.a.apprentice,
        day=RECENT_DAY,
        half=HalfDay.AFTERNOON,
        status=AttendanceStatus.ABSENT,
        recorded_by=world.a.tutor,
    )
    justification_submit(
        record=record, by=world.a.apprentice_user, file=upload(pdf_bytes()), reason="Rendez-vous médical", today=TODAY
    )
    return justification_refuse(record=record, by=world.a.tutor, comment="Illisible")


def test_the_tutor_reads_the_record_its_cohort_proof_and_reviewer_in_one_query(world, refused):
    with CaptureQueriesContext(connection) as captured:
        record = queue_record_get(world.a.tutor, refused.pk)
        read = (record.apprentice.cohort.referent_tutor_id, record.proof.kind, record.justification_reviewed_by.email)

    assert read == (world.a.tutor.pk, "absence_proof", world.a.tutor.email)
    assert len(captured) == 1
    assert AttendanceRecord.objects.filter(pk=refused.pk).values_list("justification", "review_comment").get() == (
        JustificationStatus.REFUSED,
        "Illisible",
    )


def test_queue_record_get_404_outside_the_scope_403_in_scope_without_the_right(world, refused):
    """``access.can_review_justification``: the other cohort's tutor does not see the record (404);
    the company's CRE sees it but may not review it (403)."""
    with pytest.raises(Http404):
        queue_record_get(world.b.tutor, refused.pk)
    with pytest.raises(PermissionDenied):
        queue_record_get(world.a.cre, refused.pk)
    assert queue_record_get(world.coordinator, refused.pk).pk == refused.pk


@pytest.mark.parametrize("who", ["tutor", "coordinator", "apprentice"])
def test_absence_get_reads_the_tutor_proof_reviewer_and_author_in_one_query(world, refused, who):
    user = {"tutor": world.a.tutor, "coordinator": world.coordinator, "apprentice": world.a.apprentice_user}[who]

    with CaptureQueriesContext(connection) as captured:
        record = absence_get(user, refused.pk)
        read = (
            record.apprentice.cohort.referent_tutor.email,
            record.proof.apprentice.cohort.pk,
            record.justification_reviewed_by.email,
            record.recorded_by.email,
        )

    assert read == (world.a.tutor.email, world.a.cohort.pk, world.a.tutor.email, world.a.tutor.email)
    assert len(captured) == 1
