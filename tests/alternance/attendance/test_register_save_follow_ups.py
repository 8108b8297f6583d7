"""What saving a cohort's register writes besides the rows (issue 16): the history of changes
(issue 13 §4: a creation per new half-day, an update with the fields changed, by the register's
author), the employer's email for new unjustified absences only (issue 6 §3, setting
``AttendanceSettings.notify_employer_on_unjustified``) and the alerts for the changed half-days."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alternance.attendance.register import RegisterEntry, attendance_register_save
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord, AttendanceSettings
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory, CohortFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 23)  # a centre day of the rhythm CCEEE


@pytest.fixture
def cohort():
    return CohortFactory()


@pytest.fixture
def started(monkeypatch):
    calls = {"enqueue": [], "facts": []}
    monkeypatch.setattr("alternance.attendance.register.enqueue", lambda name, **kwargs: calls["enqueue"].append((name, kwargs)))
    monkeypatch.setattr("alternance.attendance.register.facts_changed",
                        lambda fact, **kwargs: calls["facts"].append((fact, kwargs)))
    return calls


def save(cohort, entries, by=None, half=HalfDay.MORNING):
    return attendance_register_save(cohort=cohort, day=MONDAY, half=half, by=by or cohort.referent_tutor, entries=entries)


def history(record) -> list[tuple]:
    return [
        (entry.action, entry.actor_id, entry.changes_dict.get("status"), entry.changes_dict.get("minutes_late"))
        for entry in LogEntry.objects.filter(content_type__model="attendancerecord", object_id=record.pk).order_by("pk")
    ]


def test_the_history_logs_creations_and_updates_by_the_registers_author(cohort, django_capture_on_commit_callbacks):
    ana, bob = ApprenticeFactory(cohort=cohort, last_name="Ana"), ApprenticeFactory(cohort=cohort, last_name="Bob")
    old = AttendanceRecordFactory(apprentice=bob, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT)
    LogEntry.objects.all().delete()  # the factory's own creation
    author = UserFactory(email="secretariat@example.test")

    with django_capture_on_commit_callbacks(execute=False):
        saved = save(cohort, [RegisterEntry(ana.pk, AttendanceStatus.PRESENT),
                              RegisterEntry(bob.pk, AttendanceStatus.LATE, minutes_late=12)], by=author)

    assert [record.apprentice_id for record in saved] == [bob.pk, ana.pk]  # the updated ones, then the created ones
    new = AttendanceRecord.objects.get(apprentice=ana)
    assert history(new) == [(LogEntry.Action.CREATE, author.pk, [None, "present"], [None, 0])]
    assert history(old) == [(LogEntry.Action.UPDATE, author.pk, ["present", "late"], [0, 12])]
    assert AttendanceRecord.objects.get(pk=old.pk).recorded_by == author
    assert new.recorded_by == author


def test_new_unjustified_absences_only_are_reported_to_the_employer(cohort, started, django_capture_on_commit_callbacks):
    names = ("Ana", "Bob", "Cyd", "Dan", "Eve", "Fay")
    ana, bob, cyd, dan, eve, fay = (ApprenticeFactory(cohort=cohort, last_name=name) for name in names)
    AttendanceRecordFactory(apprentice=bob, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)  # already absent
    AttendanceRecordFactory(apprentice=cyd, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT)  # turns absent
    AttendanceRecordFactory(apprentice=dan, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.LATE, minutes_late=5,
                            justification=JustificationStatus.ACCEPTED)  # turns absent, justified
    AttendanceRecordFactory(apprentice=eve, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.LATE, minutes_late=5,
                            employer_notified_at=timezone.now())  # turns absent, already notified once

    with django_capture_on_commit_callbacks(execute=True):
        save(cohort, [RegisterEntry(apprentice.pk, AttendanceStatus.ABSENT) for apprentice in (ana, bob, cyd, dan, eve)]
             + [RegisterEntry(fay.pk, AttendanceStatus.LATE, minutes_late=3)])

    reported = AttendanceRecord.objects.filter(apprentice__in=[ana, cyd]).order_by("apprentice__last_name")
    assert started["enqueue"] == [
        ("alternance.notify_employer_of_absences", {"kwargs": {"record_ids": [record.pk for record in reported]}}),
    ]
    # The alerts follow the half-days whose status changed: not Bob's, absent again.
    assert started["facts"] == [("attendance_changed", {"apprentice_ids": [ana.pk, cyd.pk, dan.pk, eve.pk, fay.pk]})]


@pytest.mark.parametrize(("notify", "expected"), [(True, 1), (False, 0)], ids=["setting-on", "setting-off"])
def test_notify_employer_on_unjustified_setting(cohort, started, django_capture_on_commit_callbacks, notify, expected):
    AttendanceSettings.objects.update_or_create(pk=AttendanceSettings.load().pk, defaults={"notify_employer_on_unjustified": notify})
    ana = ApprenticeFactory(cohort=cohort)

    with django_capture_on_commit_callbacks(execute=True):
        save(cohort, [RegisterEntry(ana.pk, AttendanceStatus.ABSENT)])

    assert len(started["enqueue"]) == expected


def test_a_register_saved_again_unchanged_starts_nothing(cohort, started, django_capture_on_commit_callbacks):
    ana = ApprenticeFactory(cohort=cohort)
    with django_capture_on_commit_callbacks(execute=True):
        save(cohort, [RegisterEntry(ana.pk, AttendanceStatus.ABSENT)])
    started["enqueue"].clear()
    started["facts"].clear()

    with django_capture_on_commit_callbacks(execute=True):
        save(cohort, [RegisterEntry(ana.pk, AttendanceStatus.ABSENT)])

    assert started == {"enqueue": [], "facts": [("attendance_changed", {"apprentice_ids": []})]}


def test_an_invalid_row_is_reported_with_the_others_errors_and_nothing_saved(cohort):
    ana, bob = ApprenticeFactory(cohort=cohort), ApprenticeFactory(cohort=cohort)

    with pytest.raises(ValidationError) as error:
        save(cohort, [RegisterEntry(ana.pk, AttendanceStatus.LATE, minutes_late=0), RegisterEntry(bob.pk, "asleep")])

    assert len(error.value.error_list) == 2  # both rows' errors, not only the first
    assert 'None' not in error.value.messages
    assert all(message for message in error.value.messages)
    assert AttendanceRecord.objects.count() == 0


def test_updating_a_register_costs_the_same_queries_whatever_the_cohorts_size(cohort, started, django_capture_on_commit_callbacks):
    """A fixed number of queries (the service's docstring) also when every row is an update."""

    big = CohortFactory()
    small_members = [ApprenticeFactory(cohort=cohort) for _ in range(2)]
    big_members = [ApprenticeFactory(cohort=big) for _ in range(6)]

    def queries(group_cohort, members):
        for member in members:
            AttendanceRecordFactory(apprentice=member, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT)
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=False):
            save(group_cohort, [RegisterEntry(member.pk, AttendanceStatus.LATE, minutes_late=4) for member in members])
        return len(captured)

    assert queries(cohort, small_members) == queries(big, big_members)


@pytest.mark.parametrize(("status", "stored"), [
    (AttendanceStatus.LATE, 15), (AttendanceStatus.ABSENT, 0), (AttendanceStatus.PRESENT, 0),
])
def test_minutes_late_are_kept_for_a_lateness_only(cohort, django_capture_on_commit_callbacks, status, stored):
    ana = ApprenticeFactory(cohort=cohort)

    with django_capture_on_commit_callbacks(execute=False):
        save(cohort, [RegisterEntry(ana.pk, status, minutes_late=15)])

    assert AttendanceRecord.objects.get(apprentice=ana).minutes_late == stored
