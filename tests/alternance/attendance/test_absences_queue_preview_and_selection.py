"""The justification queue previews each proof in the page (an access-checked view serving it
inline with its content type, framable from this site only) and accepts several at once
(« Accepter la sélection »: same service as a single accept, one transaction, only proofs the
reviewer may review, a query count that does not grow with the selection) — issue 14 §5."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.attendance.services import justification_accept_many, justification_submit
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord
from contracts.documents import document_read
from tests.alternance.attendance.test_absences_support import (
    NOW,
    RECENT_DAY,
    TODAY,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    upload,
)
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://alternance.example.test"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    return make_world()


def pending_for(apprentice, *, half=HalfDay.AFTERNOON, day=RECENT_DAY, content=None, name="justificatif.pdf", content_type="application/pdf",
                by=None):
    record = AttendanceRecordFactory(apprentice=apprentice, day=day, half=half, status=AttendanceStatus.ABSENT)
    return justification_submit(
        record=record, by=by or apprentice.user, file=upload(content or pdf_bytes(), name, content_type),
        reason="Rendez-vous médical", today=TODAY,
    )


def states(*records) -> list[str]:
    return [AttendanceRecord.objects.get(pk=r.pk).justification for r in records]


def login(client, world, who: str):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    return user


# --- the preview ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "name", "content_type"), [
    (pdf_bytes(), "certificat.pdf", "application/pdf"),
    (png_bytes(), "photo.png", "image/png"),
    (jpeg_bytes(), "photo.jpg", "image/jpeg"),
])
def test_the_proof_is_served_inline_with_its_type_and_framable_from_this_site_only(client, world, content, name, content_type):
    record = pending_for(world.a.apprentice, content=content, name=name, content_type=content_type)
    client.force_login(world.a.tutor)

    response = client.get(reverse("justification_proof", args=[record.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert (response["X-Frame-Options"], response["X-Content-Type-Options"], response["Cache-Control"]) == ("SAMEORIGIN", "nosniff", "private, no-store")
    # The stored proof (an image is stored re-encoded, issue 17 §14: not the uploaded bytes).
    assert b"".join(response.streaming_content) == document_read(record.proof)
    # The Content-Security-Policy says the same (browsers obey it before X-Frame-Options); a PDF may
    # be embedded by Chrome's own viewer (object-src), an image keeps the site's policy.
    directives = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert directives["frame-ancestors"] == "'self'"
    assert directives["object-src"] == ("'self'" if content_type == "application/pdf" else "'none'")
    # Every other page keeps the site's default: no framing at all.
    queue = client.get(reverse("justification_queue"))
    assert queue["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in queue["Content-Security-Policy"]


def test_the_queue_shows_an_image_as_a_thumbnail_and_a_pdf_in_a_frame(client, world):
    image = pending_for(world.a.apprentice, content=png_bytes(), name="photo.png", content_type="image/png", half=HalfDay.MORNING)
    pdf = pending_for(world.a.apprentice)
    client.force_login(world.a.tutor)

    html = client.get(reverse("justification_queue")).content.decode()

    assert f'<img src="{reverse("justification_proof", args=[image.pk])}" loading="lazy"' in html
    assert f'<iframe src="{reverse("justification_proof", args=[pdf.pk])}" loading="lazy"' in html
    assert html.count('data-testid="apercu-image"') == 1 and html.count('data-testid="apercu-pdf"') == 1


@pytest.mark.parametrize(("who", "expected"), [
    ("a.tutor", 200), ("coordinator", 200), ("admin_staff", 200), ("b.tutor", 404), ("a.cre", 403),
    ("a.employer_user", 403), ("b.employer_user", 404), ("a.apprentice_user", 403), ("b.apprentice_user", 404),
])
def test_access_matrix_of_the_proof_preview(client, world, who, expected):
    record = pending_for(world.a.apprentice)
    login(client, world, who)

    response = client.get(reverse("justification_proof", args=[record.pk]))

    assert response.status_code == expected
    assert ("Content-Disposition" in response) == (expected == 200)


def test_the_preview_logs_in_first_and_is_404_without_a_proof(client, world):
    record = AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, status=AttendanceStatus.ABSENT)
    url = reverse("justification_proof", args=[record.pk])
    assert client.get(url).status_code == 302
    client.force_login(world.a.tutor)
    assert client.get(url).status_code == 404


def test_an_altered_proof_is_not_shown(client, world):
    record = pending_for(world.a.apprentice)
    with open(record.proof.file.path, "ab") as stored:
        stored.write(b"altered")
    client.force_login(world.a.tutor)

    assert client.get(reverse("justification_proof", args=[record.pk])).status_code == 409


# --- accepting a selection -----------------------------------------------------------------------


def test_accepting_the_selection_accepts_each_checked_proof_and_emails_each_apprentice(
    client, world, celery_eager, django_capture_on_commit_callbacks,
):
    first = pending_for(world.a.apprentice, half=HalfDay.MORNING)
    second = pending_for(world.a.apprentice)
    unchecked = pending_for(world.a.apprentice, day=TODAY)
    client.force_login(world.a.tutor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("justification_accept_selection"), {"records": [first.pk, second.pk]}, follow=True)

    assert states(first, second, unchecked) == [JustificationStatus.ACCEPTED, JustificationStatus.ACCEPTED, JustificationStatus.PENDING]
    assert list(AttendanceRecord.objects.filter(pk__in=[first.pk, second.pk]).values_list("justification_reviewed_by", "justification_reviewed_at")) == [
        (world.a.tutor.pk, NOW), (world.a.tutor.pk, NOW)]
    assert [m.message for m in response.context["messages"]] == ["2 justificatifs acceptés : chaque apprenti·e est prévenu·e par e-mail."]
    assert [email.subject for email in mail.outbox] == ["Justificatif accepté — 26/11/2026", "Justificatif accepté — 26/11/2026"]
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(AttendanceRecord), actor=world.a.tutor).order_by("object_id")
    assert [(e.object_id, e.changes["justification"]) for e in entries] == [
        (first.pk, ["pending", "accepted"]), (second.pk, ["pending", "accepted"])]


def test_a_proof_of_another_cohort_in_the_post_is_left_out(client, world):
    mine = pending_for(world.a.apprentice)
    theirs = pending_for(world.b.apprentice)
    client.force_login(world.a.tutor)

    response = client.post(reverse("justification_accept_selection"), {"records": [mine.pk, theirs.pk, 999999]}, follow=True)

    assert states(mine, theirs) == [JustificationStatus.ACCEPTED, JustificationStatus.PENDING]
    assert [m.message for m in response.context["messages"]] == [
        "1 justificatif accepté : l'apprenti·e est prévenu·e par e-mail.",
        "2 justificatifs cochés n'ont pas été traités : ils ne sont plus en attente ou ne relèvent pas de vos promotions.",
    ]


def test_nothing_checked_says_what_to_do(client, world):
    pending = pending_for(world.a.apprentice)
    client.force_login(world.a.tutor)

    response = client.post(reverse("justification_accept_selection"), {"next": "/absences/justificatifs/?promotion=1"})

    assert response.status_code == 302 and response.url == "/absences/justificatifs/?promotion=1"
    assert states(pending) == [JustificationStatus.PENDING]


def test_the_selection_is_all_or_nothing_when_one_was_decided_meanwhile(world):
    first = pending_for(world.a.apprentice, half=HalfDay.MORNING)
    second = pending_for(world.a.apprentice)
    stale = AttendanceRecord.objects.select_related("apprentice__cohort").get(pk=second.pk)
    AttendanceRecord.objects.filter(pk=second.pk).update(
        justification=JustificationStatus.REFUSED, justification_reviewed_by=world.coordinator, justification_reviewed_at=NOW,
        review_comment="Illisible",
    )

    with pytest.raises(Exception) as error:
        justification_accept_many(records=[AttendanceRecord.objects.select_related("apprentice__cohort").get(pk=first.pk), stale], by=world.a.tutor)

    assert "déjà été examiné par Claire Coord" in str(error.value)
    assert states(first, second) == [JustificationStatus.PENDING, JustificationStatus.REFUSED]


@pytest.mark.parametrize(("who", "expected_status", "accepted"), [
    ("a.tutor", 302, True), ("coordinator", 302, True), ("admin_staff", 302, True), ("b.tutor", 302, False),
    ("a.cre", 403, False), ("a.apprentice_user", 403, False), ("a.employer_user", 403, False),
])
def test_access_matrix_of_accepting_a_selection(client, world, who, expected_status, accepted):
    record = pending_for(world.a.apprentice)
    login(client, world, who)

    response = client.post(reverse("justification_accept_selection"), {"records": [record.pk]})

    assert response.status_code == expected_status
    assert states(record) == [JustificationStatus.ACCEPTED if accepted else JustificationStatus.PENDING]


def test_accepting_a_selection_is_post_only(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("justification_accept_selection")).status_code == 405


def test_the_query_count_of_accepting_a_selection_does_not_grow_with_it(client, world):
    client.force_login(world.coordinator)

    def accept(count: int) -> int:
        records = [pending_for(ApprenticeFactory(cohort=world.a.cohort, last_name=f"Sel{count}-{n}"), by=world.coordinator) for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            client.post(reverse("justification_accept_selection"), {"records": [r.pk for r in records]})
        assert states(*records) == [JustificationStatus.ACCEPTED] * count
        return len(queries)

    assert accept(1) == accept(4)
