"""Attendance tallies per cohort and day: always equal to the register they sum, after the
register's services, after any drift repaired by the nightly refresh; and the dashboard's figures
read from them equal those computed from the register itself."""

from datetime import date, datetime, timedelta

import pytest
from django.db.models import Count, Q

from alternance.attendance.register import RegisterEntry, attendance_record, attendance_register_save
from alternance.attendance.tallies import NIGHTLY_DAYS, tally_refresh_days, tally_refresh_pairs
from alternance.attendance.tasks import refresh_attendance_tallies
from alternance.celery import beat_schedule
from alternance.choices import AttendanceStatus, HalfDay, Role
from alternance.models import AttendanceRecord, AttendanceTally
from alternance.steering import indicators
from tests.factories.alternance import ApprenticeFactory, CohortFactory, CoordinatorFactory, UserFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
DAY = date(2026, 11, 23)


def tallies() -> set[tuple]:
    return set(AttendanceTally.objects.values_list("cohort_id", "day", "recorded", "attended"))


def register_sums() -> set[tuple]:
    """What the tallies must hold: the register grouped by cohort and day, computed here apart."""
    rows = (
        AttendanceRecord.objects.order_by().values("apprentice__cohort_id", "day")
        .annotate(recorded=Count("pk"), attended=Count("pk", filter=Q(status__in=("present", "late"))))
    )
    return {(r["apprentice__cohort_id"], r["day"], r["recorded"], r["attended"]) for r in rows}


@pytest.fixture
def cohort():
    return CohortFactory(name="CAP Cuisine 2026", referent_tutor=UserFactory(email="tuteur-cumuls@example.test", role=Role.TUTOR))


def test_the_register_and_a_single_entry_keep_the_tally_of_their_cohort_and_day(cohort):
    ana, bob, cyd = (ApprenticeFactory(cohort=cohort, last_name=name) for name in ("Ana", "Bob", "Cyd"))
    tutor = cohort.referent_tutor

    attendance_register_save(cohort=cohort, day=DAY, half=HalfDay.MORNING, by=tutor, entries=[
        RegisterEntry(ana.pk, AttendanceStatus.PRESENT), RegisterEntry(bob.pk, AttendanceStatus.ABSENT),
        RegisterEntry(cyd.pk, AttendanceStatus.LATE, minutes_late=10),
    ])
    assert tallies() == {(cohort.pk, DAY, 3, 2)}

    attendance_register_save(cohort=cohort, day=DAY, half=HalfDay.MORNING, by=tutor, entries=[
        RegisterEntry(ana.pk, AttendanceStatus.ABSENT), RegisterEntry(bob.pk, AttendanceStatus.PRESENT),
        RegisterEntry(cyd.pk, AttendanceStatus.ABSENT),
    ])
    attendance_record(apprentice=ana, day=DAY, half=HalfDay.AFTERNOON, status=AttendanceStatus.PRESENT, by=tutor)

    assert tallies() == {(cohort.pk, DAY, 4, 2)} == register_sums()


def test_refreshing_a_pair_twice_keeps_one_tally_and_a_pair_without_records_loses_it(cohort):
    apprentice = ApprenticeFactory(cohort=cohort)
    record = attendance_record(apprentice=apprentice, day=DAY, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT,
                               by=cohort.referent_tutor)

    tally_refresh_pairs([(cohort.pk, DAY)])
    tally_refresh_pairs([(cohort.pk, DAY), (cohort.pk, DAY)])
    assert tallies() == {(cohort.pk, DAY, 1, 1)}

    record.delete()
    tally_refresh_pairs([(cohort.pk, DAY)])
    assert tallies() == set()


def test_the_nightly_refresh_repairs_what_bypassed_the_services(cohort, celery_eager, time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 2, 15, tzinfo=PARIS), tick=False)
    other = CohortFactory(name="BTS 2026")
    ana, bob = ApprenticeFactory(cohort=cohort), ApprenticeFactory(cohort=cohort)
    for apprentice, day in ((ana, DAY), (bob, DAY), (ana, DAY - timedelta(days=7))):
        attendance_record(apprentice=apprentice, day=day, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT, by=cohort.referent_tutor)
    old = AttendanceRecord.objects.create(  # older than the nightly window: left as it is
        apprentice=bob, day=TODAY - timedelta(days=NIGHTLY_DAYS + 5), half=HalfDay.MORNING, status=AttendanceStatus.PRESENT,
    )
    # Bulk edits and a move to another cohort: nothing told the tallies.
    AttendanceRecord.objects.filter(apprentice=ana).update(status=AttendanceStatus.ABSENT)
    bob.cohort = other
    bob.save(update_fields=["cohort"])

    written = refresh_attendance_tallies.delay().get()

    recent = {t for t in register_sums() if t[1] != old.day}
    assert written == 3
    assert tallies() == recent == {(cohort.pk, DAY, 1, 0), (other.pk, DAY, 1, 1), (cohort.pk, DAY - timedelta(days=7), 1, 0)}


def test_refreshing_days_rebuilds_exactly_the_register_sums(cohort):
    apprentices = [ApprenticeFactory(cohort=cohort) for _i in range(3)]
    for offset, apprentice in enumerate(apprentices):
        for half in (HalfDay.MORNING, HalfDay.AFTERNOON):
            status = AttendanceStatus.ABSENT if (offset + (half == HalfDay.AFTERNOON)) % 2 else AttendanceStatus.PRESENT
            AttendanceRecord.objects.create(apprentice=apprentice, day=DAY - timedelta(days=offset), half=half, status=status)
    AttendanceTally.objects.create(cohort=cohort, day=DAY - timedelta(days=1), recorded=99, attended=1)  # drifted

    tally_refresh_days(start=DAY - timedelta(days=10), end=DAY)

    assert tallies() == register_sums()


def test_the_dashboard_figures_from_the_tallies_equal_those_from_the_register(cohort):
    """The office reads tallies; a tutor reads the register it may see. Same cohort, same figures."""
    coordinator = CoordinatorFactory()
    tutor = cohort.referent_tutor
    apprentices = [ApprenticeFactory(cohort=cohort) for _i in range(4)]
    # The register is taken on centre days only (rhythm CCEEE): the eight Mondays from 23 November back.
    for week in range(8):
        day = DAY - timedelta(weeks=week)
        attendance_register_save(cohort=cohort, day=day, half=HalfDay.MORNING, by=tutor, entries=[
            RegisterEntry(a.pk, AttendanceStatus.ABSENT if (week + i) % 5 == 0 else AttendanceStatus.PRESENT)
            for i, a in enumerate(apprentices)
        ])

    from_tallies = indicators.attendance_by_cohort(coordinator, today=TODAY)
    from_register = indicators.attendance_by_cohort(tutor, today=TODAY)

    assert from_tallies == from_register
    counts = from_tallies[cohort.pk]
    # Mondays 2–23 November in (today − 30, today], 5–26 October in (today − 58, today − 28]; 4 learners;
    # absent when week + learner index is 0 or 5: (0, 0), (2, 3), (3, 2) in the recent four weeks.
    assert (counts.now_all, counts.before_all) == (4 * 4, 4 * 4)
    assert counts.now_present == 16 - 3


def test_the_tallies_are_refreshed_every_night_before_the_rules_run():
    schedule = beat_schedule(nightly_hour=2, nightly_minute=30)

    tallies_entry = schedule["attendance-tallies"]
    assert tallies_entry["task"] == "alternance.refresh_attendance_tallies"
    assert (tallies_entry["schedule"].hour, tallies_entry["schedule"].minute) == ({2}, {15})
