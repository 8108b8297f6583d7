"""The justification queue's order and its cohort choices (issue 6): oldest submission first, then
the oldest half-day, then the first recorded; only pending proofs, of the chosen cohort; the cohort
filter lists a tutor's own cohorts, by name, and every cohort for the coordinator."""

from datetime import UTC, date, datetime

import pytest

from alternance.attendance.services import justification_queue, pending_count, queue_cohort_choices
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CohortFactory,
    CoordinatorFactory,
    TutorFactory,
)

pytestmark = pytest.mark.django_db

EARLY, LATE = datetime(2026, 11, 25, 8, 0, tzinfo=UTC), datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def pending(apprentice, day, submitted_at, half=HalfDay.MORNING, justification=JustificationStatus.PENDING):
    return AttendanceRecordFactory(apprentice=apprentice, day=day, half=half, status=AttendanceStatus.ABSENT,
                                   justification=justification, justification_submitted_at=submitted_at)


def test_the_queue_oldest_submission_then_oldest_day_then_first_recorded():
    cohort = CohortFactory()
    ana, bob = ApprenticeFactory(cohort=cohort), ApprenticeFactory(cohort=cohort)
    late_submitted = pending(ana, date(2026, 11, 16), LATE)
    later_day = pending(ana, date(2026, 11, 24), EARLY)
    bob_first = pending(bob, date(2026, 11, 23), EARLY)
    ana_same = pending(ana, date(2026, 11, 23), EARLY)  # same submission and day as Bob's: recorded after
    pending(ana, date(2026, 11, 17), EARLY, justification=JustificationStatus.ACCEPTED)  # no longer pending
    other_cohort = pending(ApprenticeFactory(), date(2026, 11, 2), EARLY)
    coordinator = CoordinatorFactory()

    assert list(justification_queue(coordinator, cohort_id=cohort.pk)) == [bob_first, ana_same, later_day, late_submitted]
    assert list(justification_queue(coordinator)) == [other_cohort, bob_first, ana_same, later_day, late_submitted]
    assert pending_count(coordinator) == 5
    assert pending_count(cohort.referent_tutor) == 4


def test_the_cohort_choices_a_tutors_own_by_name_all_for_the_coordinator():
    tutor = TutorFactory()
    zeta, alpha = CohortFactory(name="Zêta", referent_tutor=tutor), CohortFactory(name="Alpha", referent_tutor=tutor)
    other = CohortFactory(name="Bêta")

    assert queue_cohort_choices(tutor) == [alpha, zeta]
    assert queue_cohort_choices(CoordinatorFactory()) == [alpha, other, zeta]
