"""Two reads of the justification workflow (issue 6, issue 17 §6) at their limits:

- the apprentice's email after a decision goes to its account's address, else to its own address,
  else nowhere (never to an empty address), and is signed with the OF's name (``settings.ORGANISATION``);
- who consulted a proof (« Consulté par … le … ») is listed latest first, by the time of the
  access and, between two accesses of the same second, the last one written first.

The outbox and the log are re-read from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alternance.attendance.services import justification_accept, justification_refuse, proof_accesses
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import OutgoingEmail
from contracts.choices import DocumentAccessChannel, DocumentKind
from contracts.models import DocumentAccess
from tests.alternance.attendance.test_absences_support import NOW, RECENT_DAY
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory
from tests.factories.contracts import DocumentFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine, settings, tmp_path):
    time_machine.move_to(NOW, tick=False)
    settings.SITE_URL = "https://alternance.example.test"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return make_world()


def pending_of(apprentice):
    return AttendanceRecordFactory(
        apprentice=apprentice,
        day=RECENT_DAY,
        half=HalfDay.AFTERNOON,
        status=AttendanceStatus.ABSENT,
        justification=JustificationStatus.PENDING,
        reason="Rendez-vous médical",
    )


def outbox() -> list[tuple]:
    return list(OutgoingEmail.objects.order_by("pk").values_list("subject", "to"))


@pytest.mark.parametrize(
    ("account", "own_email", "to"),
    [
        (True, "personnel@example.test", ["apprenti-a@example.test"]),  # the account's address first
        (False, "personnel@example.test", ["personnel@example.test"]),  # no account: its own address
        (False, "", None),  # no address at all: no email
    ],
    ids=["account", "own-address", "none"],
)
def test_the_decision_email_goes_to_the_account_else_the_apprentice_else_nowhere(world, account, own_email, to):
    apprentice = world.a.apprentice if account else ApprenticeFactory(cohort=world.a.cohort, user=None, email=own_email)
    if account:
        type(apprentice).objects.filter(pk=apprentice.pk).update(email=own_email)
    record = pending_of(apprentice)

    justification_accept(record=record, by=world.a.tutor)

    assert outbox() == ([] if to is None else [("Justificatif accepté — 26/11/2026", to)])


@pytest.mark.parametrize(
    "decide",
    [
        lambda record, by: justification_accept(record=record, by=by),
        lambda record, by: justification_refuse(record=record, by=by, comment="Illisible"),
    ],
    ids=["accepted", "refused"],
)
def test_the_decision_email_is_signed_with_the_organisation_name(world, decide):
    """``settings.ORGANISATION["name"]``: the last line of the apprentice's email."""
    decide(pending_of(world.a.apprentice), world.a.tutor)

    body = OutgoingEmail.objects.get().body
    assert body.rstrip("\n").splitlines()[-1] == "CFA Démo Alternance"


def test_proof_accesses_latest_first_then_last_written_first(world):
    record = pending_of(world.a.apprentice)
    proof = DocumentFactory(apprentice=world.a.apprentice, contract=None, kind=DocumentKind.ABSENCE_PROOF)
    type(record).objects.filter(pk=record.pk).update(proof=proof)
    record.refresh_from_db()

    def access(when, name):
        return DocumentAccess.objects.create(
            document=proof,
            user=world.coordinator,
            user_name=name,
            accessed_at=when,
            channel=DocumentAccessChannel.DOWNLOAD,
        )

    later = access(NOW - timedelta(seconds=1), "A")  # written first, one second before NOW
    first = access(NOW - timedelta(seconds=2), "B")  # limit − 1: written second but earlier
    same_1 = access(NOW, "C")  # limit: two accesses of the same second
    same_2 = access(NOW, "D")

    assert [row.user_name for row in proof_accesses(world.coordinator, record)] == ["D", "C", "A", "B"]
    assert [row.pk for row in proof_accesses(world.coordinator, record)] == [same_2.pk, same_1.pk, later.pk, first.pk]
