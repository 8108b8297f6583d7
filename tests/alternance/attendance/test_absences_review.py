"""Staff review the justifications: accept / refuse (a comment is required to refuse) with a
compare-and-set on "pending", the apprentice's email on each decision, the whole workflow, the
queue (scope per role, cohort filter, query count) and the inline review (htmx and plain form)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.attendance.services import (
    justification_accept,
    justification_queue,
    justification_refuse,
    justification_submit,
    pending_count,
)
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord
from tests.alternance.attendance.test_absences_support import NOW, RECENT_DAY, TODAY, pdf_bytes, upload
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

REVIEW_FIELDS = ("justification", "justification_reviewed_by_id", "justification_reviewed_at", "review_comment")
REFUSE_WITHOUT_COMMENT = (
    "Indiquez pourquoi le justificatif est refusé : l'apprenti·e reçoit ce commentaire et peut en déposer un nouveau."
)


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


def pending_for(apprentice, *, day=RECENT_DAY, half=HalfDay.AFTERNOON, by=None) -> AttendanceRecord:
    record = AttendanceRecordFactory(apprentice=apprentice, day=day, half=half, status=AttendanceStatus.ABSENT)
    return justification_submit(
        record=record, by=by or apprentice.user, file=upload(pdf_bytes()), reason="Rendez-vous médical", today=TODAY
    )


@pytest.fixture
def pending(world):
    return pending_for(world.a.apprentice)


def review_state(record) -> tuple:
    return AttendanceRecord.objects.filter(pk=record.pk).values_list(*REVIEW_FIELDS).get()


# --- services ----------------------------------------------------------------------------------


def test_accepting_justifies_the_half_day_and_emails_the_apprentice(world, pending, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        justification_accept(record=pending, by=world.a.tutor)

    assert review_state(pending) == (JustificationStatus.ACCEPTED, world.a.tutor.pk, NOW, "")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["apprenti-a@example.test"]
    assert email.subject == "Justificatif accepté — 26/11/2026"
    assert "Votre justificatif pour le jeudi 26 novembre 2026 (après-midi) a été accepté : cette demi-journée est justifiée." in email.body
    assert "https://alternance.example.test/mes-absences/" in email.body


def test_refusing_requires_a_comment_and_changes_nothing_without_it(world, pending, celery_eager, django_capture_on_commit_callbacks):
    before = review_state(pending)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        justification_refuse(record=pending, by=world.a.tutor, comment="  ")

    assert error.value.message_dict == {"comment": [REFUSE_WITHOUT_COMMENT]}
    assert review_state(pending) == before == (JustificationStatus.PENDING, None, None, "")
    assert mail.outbox == []


def test_refusing_emails_the_comment_and_the_link_to_send_a_new_proof(world, pending, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        justification_refuse(record=pending, by=world.a.tutor, comment="Le document n'est pas daté.")

    assert review_state(pending) == (JustificationStatus.REFUSED, world.a.tutor.pk, NOW, "Le document n'est pas daté.")
    email = mail.outbox[0]
    assert email.subject == "Justificatif refusé — 26/11/2026"
    assert "Motif du refus : Le document n'est pas daté." in email.body
    # The new deadline counts from the refusal (28/11 + 7 days).
    assert "Vous pouvez déposer un nouveau justificatif jusqu'au 05/12/2026 inclus :" in email.body
    assert f"https://alternance.example.test/mes-absences/{pending.pk}/justifier/" in email.body
    assert "Passé ce délai, contactez votre formateur·rice référent·e (Tuteur A)." in email.body


def test_a_second_reviewer_is_told_who_decided_and_changes_nothing(world, pending, celery_eager, django_capture_on_commit_callbacks):
    stale = AttendanceRecord.objects.get(pk=pending.pk)  # the coordinator opened the queue at the same time
    with django_capture_on_commit_callbacks(execute=True):
        justification_accept(record=pending, by=world.a.tutor)
        with pytest.raises(ValidationError) as error:
            justification_refuse(record=stale, by=world.coordinator, comment="Trop tard")

    assert error.value.messages == [
        "Ce justificatif a déjà été examiné par Tuteur A le 28/11/2026 à 10:30 (justifiée) : la liste est à jour après rechargement."
    ]
    assert review_state(pending) == (JustificationStatus.ACCEPTED, world.a.tutor.pk, NOW, "")
    assert len(mail.outbox) == 1


def test_the_whole_workflow_submit_refuse_resubmit_accept(world, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = pending_for(world.a.apprentice)
        justification_refuse(record=record, by=world.a.tutor, comment="Illisible")
        record = justification_submit(
            record=record, by=world.a.apprentice_user, file=upload(pdf_bytes("Second envoi")), reason="Médecin", today=TODAY
        )
        assert review_state(record) == (JustificationStatus.PENDING, None, None, "")
        justification_accept(record=record, by=world.coordinator, comment="Merci")

    assert review_state(record) == (JustificationStatus.ACCEPTED, world.coordinator.pk, NOW, "Merci")
    assert [email.subject for email in mail.outbox] == ["Justificatif refusé — 26/11/2026", "Justificatif accepté — 26/11/2026"]
    assert "Commentaire : Merci" in mail.outbox[1].body


def test_the_queue_holds_what_each_reviewer_may_review(world):
    mine = pending_for(world.a.apprentice)
    theirs = pending_for(world.b.apprentice)
    AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, status=AttendanceStatus.ABSENT)  # nothing submitted

    assert list(justification_queue(world.a.tutor)) == [mine]
    assert list(justification_queue(world.b.tutor)) == [theirs]
    assert set(justification_queue(world.coordinator)) == {mine, theirs}
    assert set(justification_queue(world.admin_staff)) == {mine, theirs}
    assert list(justification_queue(world.coordinator, cohort_id=world.b.cohort.pk)) == [theirs]
    assert list(justification_queue(world.a.cre)) == []
    assert list(justification_queue(world.a.employer_user)) == []
    assert list(justification_queue(world.a.apprentice_user)) == []
    assert (pending_count(world.a.tutor), pending_count(world.coordinator), pending_count(world.a.cre)) == (1, 2, 0)


# --- pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("coordinator", 200), ("admin_staff", 200), ("a.tutor", 200), ("a.cre", 403), ("a.apprentice_user", 403), ("a.employer_user", 403)],
)
def test_access_matrix_of_the_queue(client, world, who, expected):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    assert client.get(reverse("justification_queue")).status_code == expected


def test_the_tutors_queue_shows_its_cohort_only_with_the_proof_link(client, world):
    mine = pending_for(world.a.apprentice)
    pending_for(world.b.apprentice)
    client.force_login(world.a.tutor)

    response = client.get(reverse("justification_queue"))
    body = response.content.decode()

    assert list(response.context["records"]) == [mine]
    assert "Alice Martin" in body and "Bruno Durand" not in body
    assert reverse("contracts:document_download", args=[mine.proof_id]) in body
    # The cohort filter offers (and accepts) its own cohorts only.
    cohort_field = response.context["list_filters"].fields["promotion"]
    assert [cohort.name for cohort in cohort_field.queryset] == ["Promotion A 2026"]
    other = client.get(reverse("justification_queue"), {"promotion": world.b.cohort.pk})
    assert list(other.context["records"]) == [mine]
    assert "Ce choix ne fait pas partie de ceux qui vous sont ouverts" in other.content.decode()
    assert client.get(reverse("contracts:document_download", args=[mine.proof_id])).status_code == 200


def test_the_coordinator_filters_the_queue_by_cohort(client, world):
    pending_for(world.a.apprentice)
    theirs = pending_for(world.b.apprentice)
    client.force_login(world.coordinator)

    response = client.get(reverse("justification_queue"), {"promotion": world.b.cohort.pk})

    assert list(response.context["records"]) == [theirs]


def test_the_queue_exports_the_filtered_rows_the_reviewer_may_see(client, world):
    import csv
    import io

    pending_for(world.a.apprentice)
    pending_for(world.b.apprentice)
    client.force_login(world.a.tutor)

    tutor_rows = list(csv.reader(io.StringIO(client.get(reverse("justification_queue"), {"export": "csv"}).getvalue().decode("utf-8-sig")), delimiter=";"))
    client.force_login(world.coordinator)
    filtered = client.get(reverse("justification_queue"), {"export": "csv", "promotion": world.b.cohort.pk})
    coordinator_rows = list(csv.reader(io.StringIO(filtered.getvalue().decode("utf-8-sig")), delimiter=";"))

    assert tutor_rows[0][:4] == ["Nom", "Prénom", "Promotion", "Date"]
    assert [row[2] for row in tutor_rows[1:]] == ["Promotion A 2026"]
    assert [row[2] for row in coordinator_rows[1:]] == ["Promotion B 2026"]
    assert coordinator_rows[1][3] == "26/11/2026"


def test_the_queue_query_count_does_not_grow_with_rows(client, world):
    pending_for(world.a.apprentice)
    client.force_login(world.coordinator)
    client.get(reverse("justification_queue"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("justification_queue"))
    for index in range(4):
        apprentice = ApprenticeFactory(cohort=world.b.cohort if index % 2 else world.a.cohort, last_name=f"Extra{index}")
        pending_for(apprentice, by=world.coordinator)
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("justification_queue"))
    assert len(response.context["records"]) == 5
    assert len(five) == len(one)


def test_inline_review_with_htmx_replaces_the_row(client, world, pending, celery_eager, django_capture_on_commit_callbacks):
    client.force_login(world.a.tutor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("justification_review", args=[pending.pk]), {"decision": "accept", "comment": ""}, headers={"HX-Request": "true"}
        )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="justificatif-{pending.pk}"')
    assert "Justificatif accepté : Alice Martin, 26/11/2026 (après-midi)." in body
    assert "<html" not in body
    assert review_state(pending)[0] == JustificationStatus.ACCEPTED
    assert len(mail.outbox) == 1


def test_inline_refusal_without_comment_shows_the_error_in_the_row(client, world, pending):
    client.force_login(world.a.tutor)

    response = client.post(
        reverse("justification_review", args=[pending.pk]), {"decision": "refuse", "comment": ""}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert REFUSE_WITHOUT_COMMENT.replace("'", "&#x27;") in body
    assert 'value="refuse"' in body  # the buttons stay
    assert review_state(pending)[0] == JustificationStatus.PENDING


def test_review_without_javascript_redirects_back_with_a_message(client, world, pending):
    client.force_login(world.a.tutor)
    back = reverse("justification_queue") + f"?promotion={world.a.cohort.pk}"

    response = client.post(
        reverse("justification_review", args=[pending.pk]), {"decision": "refuse", "comment": "Pas de date", "next": back}, follow=True,
    )

    assert response.redirect_chain == [(back, 302)]
    assert "Justificatif refusé : Alice Martin, 26/11/2026 (après-midi)." in response.content.decode()
    assert review_state(pending) == (JustificationStatus.REFUSED, world.a.tutor.pk, NOW, "Pas de date")


def test_a_second_review_through_the_page_says_it_was_already_reviewed(client, world, pending):
    justification_accept(record=pending, by=world.coordinator)
    client.force_login(world.a.tutor)

    response = client.post(reverse("justification_review", args=[pending.pk]), {"decision": "refuse", "comment": "Non"}, follow=True)

    assert "Ce justificatif a déjà été examiné par Claire Coord le 28/11/2026 à 10:30 (justifiée)" in response.content.decode()
    assert review_state(pending)[0] == JustificationStatus.ACCEPTED


def test_an_outside_next_url_is_ignored(client, world, pending):
    client.force_login(world.a.tutor)
    response = client.post(
        reverse("justification_review", args=[pending.pk]), {"decision": "accept", "next": "https://evil.example/"},
    )
    assert response.url == reverse("justification_queue")


@pytest.mark.parametrize(
    ("who", "expected"),
    [("a.tutor", 302), ("coordinator", 302), ("admin_staff", 302), ("b.tutor", 404), ("a.employer_user", 403),
     ("b.employer_user", 404), ("a.cre", 403), ("a.apprentice_user", 403), ("b.apprentice_user", 404)],
)
def test_access_matrix_of_the_review(client, world, pending, who, expected):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)

    response = client.post(reverse("justification_review", args=[pending.pk]), {"decision": "accept"})

    assert response.status_code == expected
    assert review_state(pending)[0] == (JustificationStatus.ACCEPTED if expected == 302 else JustificationStatus.PENDING)


def test_the_review_is_post_only(client, world, pending):
    client.force_login(world.a.tutor)
    assert client.get(reverse("justification_review", args=[pending.pk])).status_code == 405


def test_an_old_pending_proof_still_shows_its_submission_date(client, world):
    record = pending_for(world.a.apprentice, day=TODAY - timedelta(days=2))
    client.force_login(world.a.tutor)
    assert "déposé le 28/11/2026 10:30" in client.get(reverse("justification_queue")).content.decode()
    assert record.justification_submitted_at == NOW
