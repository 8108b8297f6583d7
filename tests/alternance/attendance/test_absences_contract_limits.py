"""Limits of the absence services (issue 16): the contract covering an absence on its first and last
day (issue 6 §3: the employer hears of an absence on any day of the contract, its last day included),
the justification deadline (``AttendanceSettings.justification_deadline_days``) at deadline − 1,
deadline and deadline + 1, and the rows the queries must leave out (another apprentice, a contract
ended, broken or still a draft)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alternance.attendance.services import (
    contract_covering,
    justification_blocker,
    justification_deadline,
)
from alternance.choices import AttendanceStatus, JustificationStatus
from alternance.models import AttendanceRecord
from contracts.choices import ContractStatus, RuptureKind
from tests.factories.contracts import ContractFactory

START, END = date(2026, 9, 1), date(2027, 8, 31)
PARIS = ZoneInfo("Europe/Paris")
RUPTURE = RuptureKind.MUTUAL_AGREEMENT


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "covered"), [
    (START - timedelta(days=1), False),
    (START, True),
    (START + timedelta(days=1), True),
    (END - timedelta(days=1), True),
    (END, True),  # the contract's last day: the absence is reported
    (END + timedelta(days=1), False),
], ids=["start-1", "start", "start+1", "end-1", "end", "end+1"])
def test_issue6_contract_covering_from_its_first_to_its_last_day(day, covered):
    contract = ContractFactory(start_date=START, end_date=END)
    ContractFactory(start_date=START, end_date=END)  # another apprentice's contract, never returned

    assert contract_covering(contract.apprentice_id, day) == (contract if covered else None)


def broken(status, start=START) -> dict:
    """A broken contract has its rupture (database constraint contract_broken_has_rupture)."""
    return {"rupture_date": start, "rupture_kind": RUPTURE} if status == ContractStatus.BROKEN else {}


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ContractStatus.ENDED, ContractStatus.BROKEN, ContractStatus.DRAFT,
                                    ContractStatus.AWAITING_SIGNATURES])
def test_issue6_a_contract_not_in_force_covers_nothing(status):
    contract = ContractFactory(start_date=START, end_date=END, status=status, **broken(status))

    assert contract_covering(contract.apprentice_id, START) is None


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ContractStatus.ACCEPTED, ContractStatus.IN_PROGRESS, ContractStatus.SENT_TO_OPCO,
                                    ContractStatus.SIGNED])
def test_issue6_each_active_status_covers_the_day(status):
    contract = ContractFactory(start_date=START, end_date=END, status=status)

    assert contract_covering(contract.apprentice_id, END) == contract


@pytest.mark.django_db
def test_issue6_of_two_contracts_in_force_the_latest_started_covers_the_day():
    first = ContractFactory(start_date=START, end_date=END)
    later = ContractFactory(apprentice=first.apprentice, start_date=START + timedelta(days=10), end_date=END,
                            practical_training_start_date=None)
    ContractFactory(apprentice=first.apprentice, start_date=START + timedelta(days=20), end_date=END,
                    practical_training_start_date=None, status=ContractStatus.BROKEN, **broken(ContractStatus.BROKEN, END))

    assert contract_covering(first.apprentice_id, START + timedelta(days=30)) == later
    assert contract_covering(first.apprentice_id, START + timedelta(days=5)) == first


@pytest.mark.django_db
def test_issue6_of_two_contracts_started_the_same_day_the_last_created_covers_it():
    first = ContractFactory(start_date=START, end_date=END)
    second = ContractFactory(apprentice=first.apprentice, start_date=START, end_date=END)

    assert contract_covering(first.apprentice_id, START) == second


# --- the justification deadline (AttendanceSettings.justification_deadline_days) ---------------------

DAY = date(2026, 11, 23)


def record(status=AttendanceStatus.ABSENT, justification=JustificationStatus.NONE, reviewed_at=None) -> AttendanceRecord:
    """An unsaved record (no database): the deadline and the blocker read only its fields."""
    return AttendanceRecord(day=DAY, status=status, justification=justification, justification_reviewed_at=reviewed_at)


@pytest.mark.parametrize("deadline_days", [0, 1, 7, 60])
def test_justification_deadline_days_after_the_half_day(deadline_days):
    assert justification_deadline(record(), deadline_days=deadline_days) == DAY + timedelta(days=deadline_days)


@pytest.mark.parametrize(("reviewed_on", "expected"), [
    (DAY, DAY + timedelta(days=7)),  # refused the same day: the deadline of the half-day
    (DAY + timedelta(days=1), DAY + timedelta(days=8)),
    (DAY + timedelta(days=10), DAY + timedelta(days=17)),
])
def test_justification_deadline_after_a_refusal_restarts_from_the_refusal(reviewed_on, expected):
    reviewed_at = datetime(reviewed_on.year, reviewed_on.month, reviewed_on.day, 0, 30, tzinfo=PARIS)  # UTC: the day before

    refused = record(justification=JustificationStatus.REFUSED, reviewed_at=reviewed_at)

    assert justification_deadline(refused, deadline_days=7) == expected


def test_justification_deadline_a_review_date_without_refusal_changes_nothing():
    reviewed = record(justification=JustificationStatus.PENDING, reviewed_at=datetime(2026, 12, 20, 12, tzinfo=PARIS))

    assert justification_deadline(reviewed, deadline_days=7) == DAY + timedelta(days=7)


@pytest.mark.parametrize(("today", "blocked"), [
    (DAY + timedelta(days=6), False),  # deadline − 1
    (DAY + timedelta(days=7), False),  # deadline: still allowed
    (DAY + timedelta(days=8), True),  # deadline + 1
], ids=["deadline-1", "deadline", "deadline+1"])
def test_justification_blocker_at_the_deadline_justification_deadline_days(today, blocked, monkeypatch):
    monkeypatch.setattr("alternance.attendance.services._tutor_name", lambda record: "Tina Tuteur")

    blocker = justification_blocker(record(), today=today, deadline_days=7)

    if blocked:
        assert blocker == (
            "Le délai pour justifier en ligne a pris fin le 30/11/2026 : contactez votre formateur·rice "
            "référent·e (Tina Tuteur) pour régulariser cette demi-journée."
        )
    else:
        assert blocker is None


@pytest.mark.parametrize(("status", "justification", "expected"), [
    (AttendanceStatus.PRESENT, JustificationStatus.NONE, "Une présence n'a pas à être justifiée."),
    (AttendanceStatus.ABSENT, JustificationStatus.ACCEPTED, "Cette absence est déjà justifiée : vous n'avez rien à déposer."),
    (AttendanceStatus.LATE, JustificationStatus.ACCEPTED, "Ce retard est déjà justifié : vous n'avez rien à déposer."),
    (AttendanceStatus.LATE, JustificationStatus.NONE, None),
    (AttendanceStatus.ABSENT, JustificationStatus.REFUSED, None),
    (AttendanceStatus.ABSENT, JustificationStatus.PENDING, None),
])
def test_justification_blocker_by_status(status, justification, expected):
    assert justification_blocker(record(status, justification), today=DAY, deadline_days=7) == expected
