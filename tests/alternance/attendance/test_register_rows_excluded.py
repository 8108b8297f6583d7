"""The register's writes touch only their own half-day (issue 16): one apprentice's record never
updates another apprentice's row, nor the same apprentice's row of another day or half-day; the
defaults of ``attendance_record`` (no lateness minutes, no reason) are those of an empty form."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from alternance.attendance.register import RegisterEntry, attendance_record, attendance_register_save
from alternance.choices import AttendanceStatus, HalfDay
from alternance.models import AttendanceRecord
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory, CohortFactory

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)  # centre days of the rhythm CCEEE


@pytest.fixture
def cohort():
    return CohortFactory()


def table() -> list[tuple]:
    return sorted(AttendanceRecord.objects.values_list("apprentice__last_name", "day", "half", "status", "reason"))


def test_recording_one_apprentice_leaves_another_apprentices_same_half_day(cohort):
    ana, bob = ApprenticeFactory(cohort=cohort, last_name="Ana"), ApprenticeFactory(cohort=cohort, last_name="Bob")
    AttendanceRecordFactory(apprentice=bob, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT, reason="Bus")

    attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT, by=cohort.referent_tutor)

    assert table() == [
        ("Ana", MONDAY, "am", "present", ""),
        ("Bob", MONDAY, "am", "absent", "Bus"),
    ]


def test_recording_a_day_leaves_the_same_half_day_of_another_day(cohort):
    ana = ApprenticeFactory(cohort=cohort, last_name="Ana")
    AttendanceRecordFactory(apprentice=ana, day=TUESDAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)

    attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT, by=cohort.referent_tutor)

    assert table() == [
        ("Ana", MONDAY, "am", "present", ""),
        ("Ana", TUESDAY, "am", "absent", ""),
    ]


def test_recording_a_morning_leaves_the_afternoon(cohort):
    ana = ApprenticeFactory(cohort=cohort, last_name="Ana")
    AttendanceRecordFactory(apprentice=ana, day=MONDAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT)

    attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT, by=cohort.referent_tutor)

    assert table() == [
        ("Ana", MONDAY, "am", "present", ""),
        ("Ana", MONDAY, "pm", "absent", ""),
    ]


def test_recording_again_the_same_half_day_updates_its_row(cohort):
    ana = ApprenticeFactory(cohort=cohort, last_name="Ana")
    first = AttendanceRecordFactory(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)

    record = attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.LATE,
                               minutes_late=10, reason="  Train en retard  ", by=cohort.referent_tutor)

    assert record.pk == first.pk
    assert list(AttendanceRecord.objects.values_list("status", "minutes_late", "reason")) == [("late", 10, "Train en retard")]


def test_a_lateness_without_its_minutes_is_refused(cohort):
    """``minutes_late`` defaults to 0: a lateness must say how late (model rule)."""
    ana = ApprenticeFactory(cohort=cohort)

    with pytest.raises(ValidationError):
        attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.LATE, by=cohort.referent_tutor)

    assert AttendanceRecord.objects.count() == 0


def test_an_absence_without_reason_keeps_an_empty_reason(cohort):
    ana = ApprenticeFactory(cohort=cohort)

    record = attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT, by=cohort.referent_tutor)

    assert AttendanceRecord.objects.get(pk=record.pk).reason == ""
    assert AttendanceRecord.objects.get(pk=record.pk).minutes_late == 0


@pytest.mark.parametrize(("day", "half"), [(TUESDAY, HalfDay.MORNING), (MONDAY, HalfDay.AFTERNOON)])
def test_the_register_of_a_session_leaves_the_other_sessions_rows(cohort, day, half):
    ana, bob = ApprenticeFactory(cohort=cohort, last_name="Ana"), ApprenticeFactory(cohort=cohort, last_name="Bob")
    other = AttendanceRecordFactory(apprentice=ana, day=day, half=half, status=AttendanceStatus.ABSENT)

    attendance_register_save(cohort=cohort, day=MONDAY, half=HalfDay.MORNING, by=cohort.referent_tutor, entries=[
        RegisterEntry(ana.pk, AttendanceStatus.PRESENT), RegisterEntry(bob.pk, AttendanceStatus.PRESENT),
    ])

    assert table() == sorted([
        ("Ana", MONDAY, "am", "present", ""),
        ("Bob", MONDAY, "am", "present", ""),
        ("Ana", other.day, other.half, "absent", ""),
    ])


def test_the_register_refuses_an_apprentice_of_another_cohort(cohort):
    ana, stranger = ApprenticeFactory(cohort=cohort), ApprenticeFactory(cohort=CohortFactory())

    with pytest.raises(ValidationError) as error:
        attendance_register_save(cohort=cohort, day=MONDAY, half=HalfDay.MORNING, by=cohort.referent_tutor, entries=[
            RegisterEntry(ana.pk, AttendanceStatus.PRESENT), RegisterEntry(stranger.pk, AttendanceStatus.ABSENT),
        ])

    assert error.value.messages == ["Le registre contient un·e apprenti·e qui n'est pas de cette promotion."]
    assert AttendanceRecord.objects.count() == 0


def test_the_register_refuses_an_apprentice_entered_twice(cohort):
    ana = ApprenticeFactory(cohort=cohort)

    with pytest.raises(ValidationError) as error:
        attendance_register_save(cohort=cohort, day=MONDAY, half=HalfDay.MORNING, by=cohort.referent_tutor, entries=[
            RegisterEntry(ana.pk, AttendanceStatus.PRESENT), RegisterEntry(ana.pk, AttendanceStatus.ABSENT),
        ])

    assert error.value.messages == ["Un·e apprenti·e apparaît deux fois dans le registre."]
    assert AttendanceRecord.objects.count() == 0


# --- what a save starts: the employer's email (issue 6 §3) and the alerts, only on a change ----------


@pytest.fixture
def started(monkeypatch):
    """The tasks enqueued and the alert facts announced by the register (the callables it imports)."""
    calls = {"enqueue": [], "facts": []}
    monkeypatch.setattr("alternance.attendance.register.enqueue", lambda name, **kwargs: calls["enqueue"].append((name, kwargs)))
    monkeypatch.setattr("alternance.attendance.register.facts_changed",
                        lambda fact, **kwargs: calls["facts"].append((fact, kwargs)))
    return calls


def test_recording_an_absence_again_unchanged_starts_nothing(cohort, started, django_capture_on_commit_callbacks):
    ana = ApprenticeFactory(cohort=cohort)
    AttendanceRecordFactory(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)

    with django_capture_on_commit_callbacks(execute=True):
        record = attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT,
                                   by=cohort.referent_tutor)

    assert started == {"enqueue": [], "facts": []}
    assert AttendanceRecord.objects.get(pk=record.pk).recorded_by == cohort.referent_tutor


def test_recording_a_new_absence_reports_it_and_its_fact(cohort, started, django_capture_on_commit_callbacks):
    ana = ApprenticeFactory(cohort=cohort)

    with django_capture_on_commit_callbacks(execute=True):
        record = attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT,
                                   by=cohort.referent_tutor)

    assert started == {
        "enqueue": [("alternance.notify_employer_of_absences", {"kwargs": {"record_ids": [record.pk]}})],
        "facts": [("attendance_changed", {"apprentice_ids": [ana.pk]})],
    }


def test_recording_a_new_presence_announces_its_fact_only(cohort, started, django_capture_on_commit_callbacks):
    ana = ApprenticeFactory(cohort=cohort)

    with django_capture_on_commit_callbacks(execute=True):
        attendance_record(apprentice=ana, day=MONDAY, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT,
                          by=cohort.referent_tutor)

    assert started == {"enqueue": [], "facts": [("attendance_changed", {"apprentice_ids": [ana.pk]})]}
