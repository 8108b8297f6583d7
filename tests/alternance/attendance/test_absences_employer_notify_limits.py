"""The employer's email on an unjustified absence (issue 6, domain §3: no legal deadline, the OF's
setting ``AttendanceSettings.notify_employer_on_unjustified``) at its limits, service by service:
which half-days are reported (an absence not justified — none, pending or refused proof — never a
lateness, a presence nor an accepted proof), only the record named is marked, the history of the
change, the recipients' order and blank addresses, and the query count of one report.

Each case re-reads the record and the outbox (``OutgoingEmail``) from the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.attendance import services
from alternance.attendance.services import absence_employer_notify, contract_covering, employer_recipients
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord, OutgoingEmail
from tests.alternance.attendance.test_absences_support import NOW
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.companies import CompanyContactFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

# A Tuesday: a centre day of the world's cohort, covered by side A's contract.
CENTRE_DAY = date(2026, 11, 24)
SUBJECT = "Absence de Alice Martin le 24/11/2026 (matin)"


@pytest.fixture(autouse=True)
def frozen(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.SITE_URL = "https://alternance.example.test/"


@pytest.fixture
def world():
    world = make_world()
    master = world.a.employer_contact
    master.email = "maitre@alpha.test"
    master.save()
    return world


def half_day(world, status, justification=JustificationStatus.NONE, **extra) -> AttendanceRecord:
    return AttendanceRecordFactory(
        apprentice=world.a.apprentice,
        day=CENTRE_DAY,
        half=HalfDay.MORNING,
        status=status,
        justification=justification,
        **extra,
    )


def notified_at(record) -> object:
    return AttendanceRecord.objects.filter(pk=record.pk).values_list("employer_notified_at", flat=True).get()


def outbox() -> list[tuple]:
    return list(OutgoingEmail.objects.order_by("pk").values_list("subject", "to"))


@pytest.mark.parametrize(
    ("status", "justification", "minutes_late", "reported"),
    [
        (AttendanceStatus.ABSENT, JustificationStatus.NONE, 0, True),
        (AttendanceStatus.ABSENT, JustificationStatus.REFUSED, 0, True),
        (AttendanceStatus.ABSENT, JustificationStatus.PENDING, 0, True),  # not justified yet: reported
        (AttendanceStatus.ABSENT, JustificationStatus.ACCEPTED, 0, False),  # justified: never reported
        (AttendanceStatus.LATE, JustificationStatus.NONE, 15, False),  # a lateness is not an absence
        (AttendanceStatus.PRESENT, JustificationStatus.NONE, 0, False),
    ],
    ids=["absent-none", "absent-refused", "absent-pending", "absent-accepted", "late", "present"],
)
def test_notify_employer_on_unjustified_reports_unjustified_absences_only(
    world, status, justification, minutes_late, reported
):
    """``AttendanceSettings.notify_employer_on_unjustified`` (on by default): an absence not
    justified is reported once; an accepted proof, a lateness or a presence is never reported."""
    record = half_day(world, status, justification, minutes_late=minutes_late)

    recipients = absence_employer_notify(record_id=record.pk)

    if reported:
        assert recipients == ["maitre@alpha.test"]
        assert notified_at(record) == NOW
        assert outbox() == [(SUBJECT, ["maitre@alpha.test"])]
    else:
        assert recipients == []
        assert notified_at(record) is None
        assert outbox() == []


def test_notify_employer_marks_the_record_named_only(world):
    """The compare-and-set of ``employer_notified_at`` touches the record reported, never another
    unreported absence (the same apprentice's afternoon, another apprentice's morning)."""
    record = half_day(world, AttendanceStatus.ABSENT)
    afternoon = AttendanceRecordFactory(
        apprentice=world.a.apprentice, day=CENTRE_DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT
    )
    other = AttendanceRecordFactory(
        apprentice=world.b.apprentice, day=CENTRE_DAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT
    )

    assert absence_employer_notify(record_id=record.pk) == ["maitre@alpha.test"]

    assert (notified_at(record), notified_at(afternoon), notified_at(other)) == (NOW, None, None)


def test_notify_employer_writes_the_history_of_employer_notified_at(world):
    """Compare-and-set without a signal: the service logs the change itself (issue 13 §4)."""
    record = half_day(world, AttendanceStatus.ABSENT)
    LogEntry.objects.all().delete()  # the factory's own creation

    absence_employer_notify(record_id=record.pk)

    entries = LogEntry.objects.filter(content_type__model="attendancerecord", object_id=record.pk)
    assert [(entry.action, entry.changes) for entry in entries] == [
        (
            LogEntry.Action.UPDATE,
            {"employer_notified_at": [None, "2026-11-28 09:30:00"]},
        ),  # 10:30 in Paris, stored in UTC
    ]


def test_notify_employer_reads_the_record_with_its_apprentice_cohort_and_programme_in_one_query(world):
    """One report costs a fixed number of queries: the email's apprentice, cohort and programme
    come with the record (``select_related``), not by three more queries."""
    record = half_day(world, AttendanceStatus.ABSENT)

    with CaptureQueriesContext(connection) as captured:
        assert absence_employer_notify(record_id=record.pk) == ["maitre@alpha.test"]

    tables = [
        query["sql"].split(" FROM ")[1].split()[0].strip('"')
        for query in captured
        if query["sql"].startswith("SELECT") and " FROM " in query["sql"]
    ]
    assert "alternance_apprentice" not in tables
    assert "alternance_cohort" not in tables
    assert "alternance_programme" not in tables


def test_employer_recipients_hr_contacts_ordered_by_last_name_then_first_name(world):
    """The HR contacts follow the masters, by last name, then first name (not creation order)."""
    company = world.a.company
    CompanyContactFactory(
        company=company, is_master=False, is_hr=True, last_name="Colin", first_name="Yves", email="yves@alpha.test"
    )
    CompanyContactFactory(
        company=company, is_master=False, is_hr=True, last_name="Bernard", first_name="Anne", email="anne@alpha.test"
    )
    CompanyContactFactory(
        company=company, is_master=False, is_hr=True, last_name="Colin", first_name="Anne", email="acolin@alpha.test"
    )
    CompanyContactFactory(
        company=company, is_master=False, is_hr=True, last_name="Aubert", first_name="Zoé", email="zoe@alpha.test"
    )

    assert employer_recipients(world.a.contract) == [
        "maitre@alpha.test",
        "zoe@alpha.test",
        "anne@alpha.test",
        "acolin@alpha.test",
        "yves@alpha.test",
    ]


def test_employer_recipients_skip_a_master_without_email(world):
    """A maître d'apprentissage without an email is skipped (nothing to send to), the second
    master and the HR contact still hear of it."""
    contract = world.a.contract
    contract.master.email = ""
    contract.master.save()
    contract.second_master = CompanyContactFactory(
        company=world.a.company, email="second@alpha.test", last_name="Second"
    )
    CompanyContactFactory(
        company=world.a.company, is_master=False, is_hr=True, email="rh@alpha.test", last_name="Aubert"
    )

    assert employer_recipients(contract) == ["second@alpha.test", "rh@alpha.test"]


def test_contract_covering_the_latest_start_wins_whatever_the_creation_order(world):
    """Of two contracts in force on the day, the one started last covers it (by start date first,
    the creation order only between contracts started the same day)."""
    apprentice = world.b.seeking
    later_start = ContractFactory(
        apprentice=apprentice,
        start_date=date(2026, 11, 2),
        end_date=date(2028, 8, 31),
        practical_training_start_date=None,
    )
    earlier_start = ContractFactory(
        apprentice=apprentice,
        start_date=date(2026, 9, 1),
        end_date=date(2028, 8, 31),
        practical_training_start_date=None,
    )
    assert earlier_start.pk > later_start.pk

    assert contract_covering(apprentice.pk, date(2026, 11, 1)) == earlier_start  # later_start's day − 1
    assert contract_covering(apprentice.pk, date(2026, 11, 2)) == later_start  # its first day
    assert contract_covering(apprentice.pk, date(2026, 11, 3)) == later_start  # its first day + 1


def test_contract_covering_reads_the_company_and_both_masters_with_the_contract(world):
    """The email's company and recipients come with the contract: one query in all."""
    contract = world.a.contract
    contract.second_master = CompanyContactFactory(
        company=world.a.company, email="second@alpha.test", last_name="Second"
    )
    contract.save()

    with CaptureQueriesContext(connection) as captured:
        covering = contract_covering(world.a.apprentice.pk, CENTRE_DAY)
        read = (covering.company.name, covering.master.email, covering.second_master.email)

    assert read == (world.a.company.name, "maitre@alpha.test", "second@alpha.test")
    assert len(captured) == 1


def test_a_report_sent_by_another_run_meanwhile_is_not_sent_twice(world, monkeypatch):
    """Two runs read the absence not yet reported; the other one marks it first (between this run's
    read and its compare-and-set): this run sends nothing and keeps the other run's time."""
    record = half_day(world, AttendanceStatus.ABSENT)
    other_run = NOW - timedelta(minutes=1)
    real_recipients = services.employer_recipients

    def recipients_read_while_the_other_run_marks_it(contract):
        AttendanceRecord.objects.filter(pk=record.pk).update(employer_notified_at=other_run)
        return real_recipients(contract)

    monkeypatch.setattr(services, "employer_recipients", recipients_read_while_the_other_run_marks_it)

    assert absence_employer_notify(record_id=record.pk) == []
    assert notified_at(record) == other_run
    assert outbox() == []
    assert not LogEntry.objects.filter(
        content_type__model="attendancerecord", object_id=record.pk, action=LogEntry.Action.UPDATE,
    ).exists()
