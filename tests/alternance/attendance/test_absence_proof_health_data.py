"""Absence proofs are health data (issue 17 §6): a proof is read only by the apprentice it belongs
to, the tutor of its cohort, the coordinator and admin staff — never a CRE (which used to download
any proof by its sequential id), another cohort's tutor, another apprentice or an employer. Every
download is logged (who, when, how) and listed on the absence's page « Consulté par … le … »."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from alternance import access
from alternance.attendance.services import justification_submit
from alternance.choices import AttendanceStatus, HalfDay, Role
from alternance.models import Apprentice, Cohort, User
from contracts.choices import DocumentKind
from contracts.models import Document, DocumentAccess
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


def submit_proof(apprentice: Apprentice, text: str):
    record = AttendanceRecordFactory(apprentice=apprentice, day=RECENT_DAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)
    return justification_submit(record=record, by=apprentice.user, file=upload(pdf_bytes(text)), reason="Rendez-vous médical", today=TODAY)


@pytest.fixture
def world():
    world = make_world()
    # The data that could leak: A's proof (the one asked for) and B's proof in the other cohort.
    world.record_a = submit_proof(world.a.apprentice, "Certificat médical Alice")
    world.record_b = submit_proof(world.b.apprentice, "Certificat médical Bruno")
    return world


# Who asks, as (world attribute path): every role, the other side's tutor and apprentice.
WHO = {
    "coordinator": "coordinator",
    "admin_staff": "admin_staff",
    "cre_a": "a.cre",
    "cre_b": "b.cre",
    "tutor_a": "a.tutor",
    "tutor_b": "b.tutor",
    "apprentice_a": "a.apprentice_user",
    "apprentice_b": "b.apprentice_user",
    "employer_a": "a.employer_user",
}


def account(world, who: str) -> User:
    user = world
    for part in WHO[who].split("."):
        user = getattr(user, part)
    return user


# The three ways to A's proof: the document download (by the document's id), the inline view of the
# queue and of the absence's page (by the absence's id), and the absence's page itself.
MATRIX = {
    #                 download  inline  page
    "coordinator": (200, 200, 200),
    "admin_staff": (200, 200, 200),
    "cre_a": (404, 403, 200),  # the absence in its scope, the proof not: the page says it exists, no more
    "cre_b": (404, 403, 200),
    "tutor_a": (200, 200, 200),
    "tutor_b": (404, 404, 404),  # another cohort: nothing of it
    "apprentice_a": (200, 403, 403),  # its own proof, through its own pages (not the staff ones)
    "apprentice_b": (404, 404, 404),
    "employer_a": (404, 403, 403),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_who_reads_an_absence_proof(client, world, who):
    user = account(world, who)
    client.force_login(user)
    proof = world.record_a.proof

    statuses = (
        client.get(reverse("contracts:document_download", args=[proof.pk])).status_code,
        client.get(reverse("justification_proof", args=[world.record_a.pk])).status_code,
        client.get(reverse("absence_detail", args=[world.record_a.pk])).status_code,
    )

    assert statuses == MATRIX[who]
    # Each proof served is one line of the log, by this account, now; a refusal logs nothing.
    expected = [(proof.pk, user.pk, NOW, channel) for status, channel in zip(statuses[:2], ("download", "preview"), strict=True) if status == 200]
    assert list(DocumentAccess.objects.order_by("pk").values_list("document_id", "user_id", "accessed_at", "channel")) == expected


@pytest.mark.parametrize("who", ["coordinator", "admin_staff", "tutor_a", "apprentice_a", "cre_a", "tutor_b", "employer_a"])
def test_the_proof_bytes_reach_only_its_readers(client, world, who):
    client.force_login(account(world, who))

    response = client.get(reverse("contracts:document_download", args=[world.record_a.proof.pk]))

    readers = {"coordinator", "admin_staff", "tutor_a", "apprentice_a"}
    assert (response.status_code == 200) is (who in readers)
    if who in readers:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_cre_no_longer_sees_proofs_in_any_list(world):
    """The scope itself leaves proofs out for a CRE and an employer (lists, the API, the search)."""
    proofs = Document.objects.filter(kind=DocumentKind.ABSENCE_PROOF)
    assert proofs.count() == 2

    assert list(access.visible(world.a.cre, proofs)) == []
    assert list(access.visible(world.a.employer_user, proofs)) == []
    assert list(access.visible(world.a.tutor, proofs)) == [world.record_a.proof]
    assert list(access.visible(world.a.apprentice_user, proofs)) == [world.record_a.proof]
    assert set(access.visible(world.coordinator, proofs)) == {world.record_a.proof, world.record_b.proof}


def test_the_absence_page_lists_who_consulted_the_proof_and_when(client, world, time_machine):
    client.force_login(world.a.tutor)
    client.get(reverse("justification_proof", args=[world.record_a.pk]))
    time_machine.move_to(datetime(2026, 11, 28, 14, 5, tzinfo=NOW.tzinfo), tick=False)
    client.force_login(world.coordinator)
    client.get(reverse("contracts:document_download", args=[world.record_a.proof.pk]))

    page = client.get(reverse("absence_detail", args=[world.record_a.pk])).content.decode()

    assert page.index("Consulté par Claire Coord le 28/11/2026 à 14:05 (téléchargement)") < page.index(
        "Consulté par Tuteur A le 28/11/2026 à 10:30 (aperçu dans la liste des justificatifs)"
    )
    # B's proof was never opened: its page says so.
    client.force_login(world.coordinator)
    other = client.get(reverse("absence_detail", args=[world.record_b.pk])).content.decode()
    assert "Personne n'a encore consulté ce justificatif." in other
    assert "Consulté par" not in other


def test_a_cre_opens_the_absence_but_neither_the_proof_nor_its_log(client, world):
    client.force_login(world.a.tutor)
    client.get(reverse("justification_proof", args=[world.record_a.pk]))
    client.force_login(world.a.cre)

    page = client.get(reverse("absence_detail", args=[world.record_a.pk])).content.decode()

    assert "Rendez-vous médical" in page  # the absence itself
    assert 'data-testid="justificatif-reserve"' in page
    assert reverse("justification_proof", args=[world.record_a.pk]) not in page
    assert reverse("contracts:document_download", args=[world.record_a.proof.pk]) not in page
    assert "Consulté par" not in page


def test_the_apprentice_page_links_each_absence_to_its_page_for_staff_only(client, world):
    client.force_login(world.coordinator)
    staff_page = client.get(reverse("apprentice_detail", args=[world.a.apprentice.pk])).content.decode()
    client.force_login(world.a.apprentice_user)
    own_page = client.get(reverse("apprentice_detail", args=[world.a.apprentice.pk])).content.decode()

    assert reverse("absence_detail", args=[world.record_a.pk]) in staff_page
    assert reverse("absence_detail", args=[world.record_a.pk]) not in own_page


# --- the predicate, over every role (pure: unsaved objects) -------------------------------------------

TUTOR, OTHER_TUTOR, APPRENTICE, OTHER_APPRENTICE = 4, 40, 5, 50


def proof(*, kind=DocumentKind.ABSENCE_PROOF) -> Document:
    apprentice = Apprentice(pk=77, user_id=APPRENTICE, cohort=Cohort(referent_tutor_id=TUTOR))
    return Document(kind=kind, apprentice=apprentice)


USERS = {
    "coordinator": User(pk=1, role=Role.COORDINATOR, is_active=True),
    "admin": User(pk=2, role=Role.ADMIN_STAFF, is_active=True),
    "cre": User(pk=3, role=Role.CRE, is_active=True),
    "tutor": User(pk=TUTOR, role=Role.TUTOR, is_active=True),
    "other_tutor": User(pk=OTHER_TUTOR, role=Role.TUTOR, is_active=True),
    "apprentice": User(pk=APPRENTICE, role=Role.APPRENTICE, is_active=True),
    "other_apprentice": User(pk=OTHER_APPRENTICE, role=Role.APPRENTICE, is_active=True),
    "employer": User(pk=6, role=Role.EMPLOYER, is_active=True),
    "inactive_coordinator": User(pk=7, role=Role.COORDINATOR, is_active=False),
    "unknown_role": User(pk=8, role="director", is_active=True),
    "anonymous": AnonymousUser(),
}


@pytest.mark.parametrize("who", list(USERS))
def test_can_read_absence_proof_matrix(who):
    readers = {"coordinator", "admin", "tutor", "apprentice"}

    assert access.can_read_absence_proof(USERS[who], proof()) is (who in readers)
    # The predicate answers for proofs only: any other document is not its business.
    assert access.can_read_absence_proof(USERS[who], proof(kind=DocumentKind.CERFA)) is False

