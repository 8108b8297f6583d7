"""The apprentice justifies an absence or a lateness: every check of ``justification_submit`` with
its exact French message and nothing written when it fails, the type read from the content, the
deadline, resubmission after a refusal, and the two pages (``my_absences``, ``absence_justify``)
with their access matrix and query counts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alternance.attendance.services import (
    justification_deadline,
    justification_refuse,
    justification_submit,
    proof_format,
)
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord, AttendanceSettings
from contracts.choices import DocumentKind
from contracts.documents import document_read
from contracts.models import Document
from tests.alternance.attendance.test_absences_support import (
    EXE_BYTES,
    NOW,
    RECENT_DAY,
    TODAY,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    upload,
)
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

TYPE_ERROR = (
    "Ce fichier n'est pas un justificatif lisible : seuls les formats PDF, JPEG et PNG sont acceptés. "
    "Déposez un PDF ou une photo (JPEG ou PNG) de votre justificatif."
)
STATE_FIELDS = (
    "status", "minutes_late", "justification", "reason", "proof_id", "justification_submitted_at",
    "justification_reviewed_by_id", "justification_reviewed_at", "review_comment",
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def absence(world):
    return AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT)


def state(record: AttendanceRecord) -> tuple:
    return AttendanceRecord.objects.filter(pk=record.pk).values_list(*STATE_FIELDS).get()


def submit(record, world, content: bytes, name="justificatif.pdf", content_type="application/pdf", reason="Rendez-vous médical"):
    return justification_submit(
        record=record, by=world.a.apprentice_user, file=upload(content, name, content_type), reason=reason, today=TODAY
    )


def refused_with(record, world, content: bytes, **kwargs) -> list[str]:
    before = state(record)
    with pytest.raises(ValidationError) as error:
        submit(record, world, content, **kwargs)
    assert Document.objects.count() == 0
    assert state(record) == before
    return error.value.messages


# --- the type is read from the content --------------------------------------------------------------


def test_png_bytes_named_pdf_are_accepted_and_stored_as_png(world, absence, frozen):
    record = submit(absence, world, png_bytes(), name="certificat.pdf", content_type="application/pdf")

    document = Document.objects.get()
    assert (document.kind, document.content_type, document.apprentice_id, document.contract_id, document.uploaded_by_id) == (
        DocumentKind.ABSENCE_PROOF, "image/png", world.a.apprentice.pk, None, world.a.apprentice_user.pk,
    )
    assert document.file.name.endswith(".png")
    assert document_read(document) == png_bytes()
    assert state(record) == (
        AttendanceStatus.ABSENT, 0, JustificationStatus.PENDING, "Rendez-vous médical", document.pk, NOW, None, None, "",
    )


def test_a_real_pdf_and_a_jpeg_photo_are_accepted(world, absence):
    submit(absence, world, pdf_bytes())
    other = AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)
    submit(other, world, jpeg_bytes(), name="photo.heic", content_type="image/heic")

    assert sorted(Document.objects.values_list("content_type", flat=True)) == ["application/pdf", "image/jpeg"]
    assert set(AttendanceRecord.objects.filter(pk__in=[absence.pk, other.pk]).values_list("justification", flat=True)) == {"pending"}


def test_text_named_pdf_is_refused_and_nothing_is_written(world, absence):
    assert refused_with(absence, world, b"%PDF-1.4 ceci n'est qu'un texte", name="certificat.pdf") == [TYPE_ERROR]
    assert refused_with(absence, world, "Certificat médical du docteur".encode(), name="certificat.pdf") == [TYPE_ERROR]


def test_an_executable_is_refused_whatever_its_name_and_content_type(world, absence):
    assert refused_with(absence, world, EXE_BYTES, name="certificat.png", content_type="image/png") == [TYPE_ERROR]
    assert refused_with(absence, world, EXE_BYTES, name="setup.exe", content_type="application/x-msdownload") == [TYPE_ERROR]


def test_a_truncated_image_is_refused(world, absence):
    assert refused_with(absence, world, jpeg_bytes()[:120], name="photo.jpg", content_type="image/jpeg") == [TYPE_ERROR]


def test_proof_format_reads_only_the_bytes():
    assert proof_format(png_bytes()).content_type == "image/png"
    assert proof_format(jpeg_bytes()).content_type == "image/jpeg"
    assert proof_format(pdf_bytes()).content_type == "application/pdf"
    assert proof_format(b"GIF89a" + b"\x00" * 50) is None
    assert proof_format(EXE_BYTES) is None


# --- size, deadline, state ---------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit(world, absence):
    AttendanceSettings.objects.update_or_create(pk=1, defaults={"proof_max_size_mb": 1})
    content = pdf_bytes() + b"%" * (1024 * 1024 * 3 // 2 - len(pdf_bytes()))  # 1.5 Mo, a valid PDF with trailing bytes

    assert refused_with(absence, world, content) == [
        "Le fichier pèse 1,5 Mo, au-delà de la limite de 1 Mo : réduisez sa taille (photo moins lourde, PDF compressé) "
        "puis déposez-le à nouveau."
    ]


def test_a_file_of_exactly_the_limit_is_accepted(world, absence):
    AttendanceSettings.objects.update_or_create(pk=1, defaults={"proof_max_size_mb": 1})
    content = pdf_bytes() + b"%" * (1024 * 1024 - len(pdf_bytes()))

    submit(absence, world, content)

    assert Document.objects.get().size == 1024 * 1024


def test_past_the_deadline_the_message_names_the_date_and_the_tutor(world):
    old = AttendanceRecord.objects.get(apprentice=world.a.apprentice, day=date(2026, 11, 16))  # 16/11 + 7 days = 23/11

    assert refused_with(old, world, pdf_bytes()) == [
        "Le délai pour justifier en ligne a pris fin le 23/11/2026 : contactez votre formateur·rice référent·e "
        "(Tuteur A) pour régulariser cette demi-journée."
    ]


def test_the_last_day_of_the_deadline_is_still_accepted(world):
    AttendanceSettings.objects.update_or_create(pk=1, defaults={"justification_deadline_days": 12})
    record = AttendanceRecord.objects.get(apprentice=world.a.apprentice, day=date(2026, 11, 16))  # 16/11 + 12 = 28/11 = today

    submit(record, world, pdf_bytes())

    assert state(record)[2] == JustificationStatus.PENDING


def test_a_lateness_can_be_justified_but_not_a_presence_nor_an_accepted_absence(world):
    late = AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, status=AttendanceStatus.LATE, minutes_late=20)
    present = AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.PRESENT)
    accepted = AttendanceRecordFactory(
        apprentice=world.a.apprentice, day=date(2026, 11, 25), status=AttendanceStatus.ABSENT, justification=JustificationStatus.ACCEPTED,
    )

    assert refused_with(present, world, pdf_bytes()) == ["Une présence n'a pas à être justifiée."]
    assert refused_with(accepted, world, pdf_bytes()) == ["Cette absence est déjà justifiée : vous n'avez rien à déposer."]
    submit(late, world, pdf_bytes())
    assert state(late)[:3] == (AttendanceStatus.LATE, 20, JustificationStatus.PENDING)


def test_the_reason_is_required(world, absence):
    assert refused_with(absence, world, pdf_bytes(), reason="   ") == [
        "Indiquez le motif (par exemple : rendez-vous médical, panne de transport)."
    ]


# --- resubmission --------------------------------------------------------------------------------


def test_a_refused_justification_can_be_resubmitted_with_a_new_proof(world, absence, django_capture_on_commit_callbacks):
    first = submit(absence, world, pdf_bytes("Premier envoi"))
    first_proof = Document.objects.get(pk=first.proof_id)
    first_path = Path(first_proof.file.path)
    justification_refuse(record=first, by=world.a.tutor, comment="Document illisible")

    with django_capture_on_commit_callbacks(execute=True):
        second = submit(absence, world, png_bytes(), name="photo.png", content_type="image/png", reason="Rendez-vous médical (photo)")

    # The replaced proof is health data without a purpose: its row and its file are gone (issue 17 §5).
    assert list(Document.objects.values_list("pk", flat=True)) == [second.proof_id]
    assert not first_path.exists() and Path(Document.objects.get().file.path).exists()
    assert second.proof_id != first.proof_id
    assert state(absence) == (
        AttendanceStatus.ABSENT, 0, JustificationStatus.PENDING, "Rendez-vous médical (photo)", second.proof_id,
        second.justification_submitted_at, None, None, "",
    )


def test_a_refused_replacement_keeps_the_proof_it_would_have_replaced(world, absence, django_capture_on_commit_callbacks):
    first = submit(absence, world, pdf_bytes("Premier envoi"))
    first_path = Path(Document.objects.get(pk=first.proof_id).file.path)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        submit(absence, world, EXE_BYTES, name="virus.pdf")

    assert list(Document.objects.values_list("pk", flat=True)) == [first.proof_id] and first_path.exists()


def test_after_a_refusal_the_apprentice_gets_the_deadline_again_from_the_refusal(world, time_machine):
    record = AttendanceRecordFactory(
        apprentice=world.a.apprentice, day=date(2026, 11, 10), status=AttendanceStatus.ABSENT,
        justification=JustificationStatus.REFUSED, review_comment="Illisible",
        justification_reviewed_at=timezone.make_aware(timezone.datetime(2026, 11, 24, 9, 0)),
    )

    assert justification_deadline(record, deadline_days=7) == date(2026, 12, 1)
    submit(record, world, pdf_bytes())
    assert state(record)[2] == JustificationStatus.PENDING


# --- pages ---------------------------------------------------------------------------------------------


def test_the_apprentice_justifies_from_its_phone_and_finds_it_in_its_list(client, world, absence, frozen):
    client.force_login(world.a.apprentice_user)
    url = reverse("absence_justify", args=[absence.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert 'accept="application/pdf,image/jpeg,image/png' in page.content.decode()
    assert "À déposer au plus tard le 03/12/2026." in page.content.decode()

    response = client.post(url, {"reason": "Rendez-vous médical", "proof": upload(pdf_bytes())})

    assert response.status_code == 302 and response.url == reverse("my_absences")
    document = Document.objects.get()
    assert state(absence)[2:5] == (JustificationStatus.PENDING, "Rendez-vous médical", document.pk)
    listing = client.get(reverse("my_absences")).content.decode()
    assert "Justificatif en attente de validation" in listing
    assert reverse("contracts:document_download", args=[document.pk]) in listing
    assert client.get(reverse("contracts:document_download", args=[document.pk])).status_code == 200


def test_a_wrong_file_through_the_page_shows_the_message_and_writes_nothing(client, world, absence, frozen):
    client.force_login(world.a.apprentice_user)

    response = client.post(reverse("absence_justify", args=[absence.pk]), {
        "reason": "Malade", "proof": upload(b"juste du texte", "certificat.pdf"),
    })

    assert response.status_code == 400
    assert "seuls les formats PDF, JPEG et PNG sont acceptés" in response.content.decode()
    assert 'value="Malade"' in response.content.decode()
    assert Document.objects.count() == 0
    assert state(absence)[2] == JustificationStatus.NONE


def test_past_the_deadline_the_page_says_so_instead_of_the_form(client, world, frozen):
    old = AttendanceRecord.objects.get(apprentice=world.a.apprentice, day=date(2026, 11, 16))
    client.force_login(world.a.apprentice_user)

    body = client.get(reverse("absence_justify", args=[old.pk])).content.decode()

    assert "a pris fin le 23/11/2026" in body
    assert 'type="file"' not in body


@pytest.mark.parametrize(
    ("who", "expected"),
    [("a.apprentice_user", 200), ("b.apprentice_user", 404), ("a.tutor", 403), ("b.tutor", 404), ("a.employer_user", 403),
     ("b.employer_user", 404), ("coordinator", 403)],
)
def test_access_matrix_of_the_justify_page(client, world, absence, frozen, who, expected):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)

    assert client.get(reverse("absence_justify", args=[absence.pk])).status_code == expected
    assert client.post(reverse("absence_justify", args=[absence.pk]), {"reason": "x", "proof": upload(pdf_bytes())}).status_code in (
        (302,) if expected == 200 else (expected,)
    )


def test_another_apprentices_record_is_not_found_and_left_untouched(client, world, frozen):
    theirs = AttendanceRecordFactory(apprentice=world.b.apprentice, day=RECENT_DAY, status=AttendanceStatus.ABSENT)
    client.force_login(world.a.apprentice_user)

    response = client.post(reverse("absence_justify", args=[theirs.pk]), {"reason": "x", "proof": upload(pdf_bytes())})

    assert response.status_code == 404
    assert Document.objects.count() == 0
    assert state(theirs)[2] == JustificationStatus.NONE


@pytest.mark.parametrize("who", ["a.tutor", "coordinator", "a.employer_user"])
def test_my_absences_is_for_apprentices_only(client, world, who):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    assert client.get(reverse("my_absences")).status_code == 403


def test_my_absences_lists_only_my_absences_and_lateness_with_deadline_and_button(client, world, absence, frozen):
    AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, status=AttendanceStatus.PRESENT)
    AttendanceRecordFactory(apprentice=world.b.apprentice, day=date(2026, 11, 20), status=AttendanceStatus.ABSENT)
    client.force_login(world.a.apprentice_user)

    response = client.get(reverse("my_absences"))
    body = response.content.decode()

    assert [row.record.pk for row in response.context["rows"]] == [
        absence.pk, AttendanceRecord.objects.get(apprentice=world.a.apprentice, day=date(2026, 11, 16)).pk,
    ]
    assert reverse("absence_justify", args=[absence.pk]) in body
    assert "À justifier au plus tard le 03/12/2026." in body
    assert "a pris fin le 23/11/2026" in body
    assert "vendredi 20 novembre 2026" not in body  # the other apprentice's absence
    assert [(item.label, item.url) for item in response.context["statement_months"]] == [
        ("novembre 2026", reverse("attendance_statement_pdf", args=[world.a.apprentice.pk, 2026, 11])),
    ]


def test_my_absences_query_count_does_not_grow_with_rows(client, world, frozen, django_assert_max_num_queries):
    client.force_login(world.a.apprentice_user)
    client.get(reverse("my_absences"))  # warm the session and the settings row
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("my_absences"))
    for offset in range(1, 6):
        record = AttendanceRecordFactory(apprentice=world.a.apprentice, day=TODAY - timedelta(days=offset), status=AttendanceStatus.ABSENT)
        submit(record, world, pdf_bytes())
    with django_assert_max_num_queries(len(one)):
        client.get(reverse("my_absences"))


def test_my_absences_query_count_does_not_grow_with_absences_past_their_deadline(client, world, frozen, django_assert_max_num_queries):
    """Each absence past its justification deadline says whom to call (the referent tutor): read with
    the absences, not once per row (issue 18)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.a.apprentice_user)
    AttendanceRecordFactory(apprentice=world.a.apprentice, day=TODAY - timedelta(days=40), status=AttendanceStatus.ABSENT)
    client.get(reverse("my_absences"))  # warm the session and the settings row
    with CaptureQueriesContext(connection) as one:
        first = client.get(reverse("my_absences"))
    tutor = world.a.cohort.referent_tutor
    named = first.content.decode().count(f"({tutor.get_full_name()})")
    assert named >= 1
    for offset in range(41, 46):
        AttendanceRecordFactory(apprentice=world.a.apprentice, day=TODAY - timedelta(days=offset), status=AttendanceStatus.ABSENT)
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("my_absences"))
    assert response.content.decode().count(f"({tutor.get_full_name()})") == named + 5
