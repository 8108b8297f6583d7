"""The justification queue's order and its cohort choices (issue 6): oldest submission first, then
the oldest half-day, then the first recorded; only pending proofs, of the chosen cohort; the cohort
filter lists a tutor's own cohorts, by name, and every cohort for the coordinator."""

from datetime import UTC, date, datetime

import pytest

from alternance.attendance.services import justification_queue, pending_count, queue_cohorts
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

    assert list(queue_cohorts(tutor)) == [alpha, zeta]
    assert list(queue_cohorts(CoordinatorFactory())) == [alpha, other, zeta]


def test_the_queue_pages_list_every_pending_proof_once_in_the_queues_order(client, monkeypatch):
    """Read keys first (issue 18 §2): the pages, put end to end, are the queue in its order, and the
    last page costs the queries of the first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from alternance.attendance import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    cohort = CohortFactory()
    coordinator = CoordinatorFactory()
    apprentices = [ApprenticeFactory(cohort=cohort) for _ in range(3)]
    for index in range(8):  # same submission instants and days on purpose: the id breaks the ties
        half = HalfDay.MORNING if index < 6 else HalfDay.AFTERNOON
        pending(apprentices[index % 3], date(2026, 11, 16 + (index // 3) % 2), EARLY if index % 4 else LATE, half=half)
    expected = [record.pk for record in justification_queue(coordinator)]
    client.force_login(coordinator)

    listed, queries = [], []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("justification_queue"), {"page": number})
        queries.append(len(captured))
        listed += [record.pk for record in response.context["records"]]

    assert listed == expected
    assert len(expected) == 8
    assert queries[2] == queries[0]
