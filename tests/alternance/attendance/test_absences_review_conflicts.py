"""The message a reviewer reads when another reviewer decided first (``_already_reviewed``): who
and when (Paris time) when the row says so, a generic sentence otherwise — the row deleted, a
review without its reviewer (account deleted: SET_NULL), a row never reviewed."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from alternance.attendance.services import _already_reviewed, justification_accept_many, justification_refuse
from alternance.choices import AttendanceStatus, JustificationStatus
from alternance.models import AttendanceRecord
from tests.factories.alternance import AttendanceRecordFactory, UserFactory

pytestmark = pytest.mark.django_db

GENERIC = "Ce justificatif n'est plus en attente d'examen : rechargez la liste pour voir son état."
REVIEWED_AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # 10:30 in Paris


def absence(**fields):
    return AttendanceRecordFactory(status=AttendanceStatus.ABSENT, **fields)


def test_the_message_names_the_reviewer_and_the_paris_time():
    reviewer = UserFactory(first_name="Rita", last_name="Revue", email="rita@example.test")
    record = absence(justification=JustificationStatus.REFUSED, justification_reviewed_by=reviewer,
                     justification_reviewed_at=REVIEWED_AT)

    assert _already_reviewed(record.pk).messages == [
        "Ce justificatif a déjà été examiné par Rita Revue le 25/11/2026 à 10:30 (justificatif refusé) : la liste est à jour après rechargement."
    ]


def test_a_reviewer_without_a_name_is_named_by_its_email():
    reviewer = UserFactory(first_name="", last_name="", email="anonyme@example.test")
    record = absence(justification=JustificationStatus.ACCEPTED, justification_reviewed_by=reviewer,
                     justification_reviewed_at=REVIEWED_AT)

    assert _already_reviewed(record.pk).messages == [
        "Ce justificatif a déjà été examiné par anonyme@example.test le 25/11/2026 à 10:30 (justifiée) : "
        "la liste est à jour après rechargement."
    ]


@pytest.mark.parametrize("case", ["deleted", "reviewer-gone", "never-reviewed"])
def test_otherwise_the_message_is_generic(case):
    if case == "deleted":
        record = absence()
        pk = record.pk
        record.delete()
    elif case == "reviewer-gone":
        pk = absence(justification=JustificationStatus.ACCEPTED, justification_reviewed_at=REVIEWED_AT).pk
    else:
        pk = absence(justification=JustificationStatus.NONE, justification_reviewed_by=UserFactory()).pk

    assert _already_reviewed(pk).messages == [GENERIC]


# --- the refusal's comment: AttendanceRecord.review_comment holds 255 characters -------------------


@pytest.mark.parametrize(("length", "accepted"), [(254, True), (255, True), (256, False)],
                         ids=["max_length-1", "max_length", "max_length+1"])
def test_a_refusal_comment_review_comment_max_length(length, accepted):
    record = absence(justification=JustificationStatus.PENDING)
    comment = "x" * length

    if accepted:
        justification_refuse(record=record, by=UserFactory(), comment=f"  {comment}  ")  # trimmed first
        assert AttendanceRecord.objects.get(pk=record.pk).review_comment == comment
    else:
        with pytest.raises(ValidationError) as error:
            justification_refuse(record=record, by=UserFactory(), comment=comment)
        assert error.value.message_dict == {"comment": ["Le commentaire est trop long : 255 caractères au plus."]}
        assert AttendanceRecord.objects.get(pk=record.pk).justification == JustificationStatus.PENDING


# --- accepting without a comment; the decision's email to an apprentice without an account ----------


def test_accepting_several_without_a_comment_leaves_the_comment_empty(django_capture_on_commit_callbacks):
    records = [absence(justification=JustificationStatus.PENDING) for _ in range(2)]

    with django_capture_on_commit_callbacks(execute=False):
        justification_accept_many(records=records, by=UserFactory())

    assert list(AttendanceRecord.objects.values_list("justification", "review_comment")) == [
        (JustificationStatus.ACCEPTED, ""), (JustificationStatus.ACCEPTED, ""),
    ]


@pytest.mark.parametrize(("email", "sent_to"), [("lea@example.test", ["lea@example.test"]), ("", None)],
                         ids=["own-email", "no-email"])
def test_the_decision_email_goes_to_the_apprentices_own_email_without_an_account(
    celery_eager, django_capture_on_commit_callbacks, email, sent_to,
):
    record = absence(justification=JustificationStatus.PENDING, apprentice__user=None, apprentice__email=email,
                     apprentice__first_name="Léa")

    with django_capture_on_commit_callbacks(execute=True):
        justification_refuse(record=record, by=UserFactory(), comment="Illisible")

    assert [message.to for message in mail.outbox] == ([sent_to] if sent_to else [])
    if sent_to:
        assert mail.outbox[0].body.startswith("Bonjour Léa,")
        assert "Motif du refus : Illisible" in mail.outbox[0].body
