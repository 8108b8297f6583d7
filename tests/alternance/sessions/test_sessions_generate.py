"""Generation of a cohort's sessions from its alternance calendar (issue 19 §1): centre half-days
only, a closure of the cohort and a public holiday skipped and counted, another cohort's closure
ignored, the cohort's default times, idempotence (even after a move, a split or a cancellation),
and a slot already covered by a session typed by hand left alone."""

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.choices import HalfDay, SessionStatus
from alternance.models import ClosurePeriod, TrainingSession
from alternance.sessions import services
from tests.factories.alternance import CohortFactory, CoordinatorFactory, TrainingSessionFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

AM = (time(9, 0), time(12, 30))
PM = (time(13, 30), time(17, 0))


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(datetime(2026, 10, 20, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def cohort():
    """CCCEE (Monday to Wednesday at the centre) from Monday 7 September 2026."""
    return CohortFactory(rhythm_pattern="CCCEE", start_date=date(2026, 9, 7), end_date=date(2027, 6, 30))


@pytest.fixture
def coordinator():
    return CoordinatorFactory()


def slots(cohort) -> list[tuple[date, time, time, str, str]]:
    return list(
        TrainingSession.objects.filter(cohort=cohort).order_by("day", "start_time")
        .values_list("day", "start_time", "end_time", "origin_half", "status")
    )


def generate(cohort, coordinator, start=date(2026, 11, 2), end=date(2026, 11, 13)):
    return services.sessions_generate(cohort=cohort, start=start, end=end, created_by=coordinator)


def test_generation_creates_a_morning_and_an_afternoon_on_each_centre_day_skipping_closure_and_holiday(cohort, coordinator):
    # Tuesday 3 November closed for this cohort; Wednesday 11 November is Armistice (a holiday);
    # another cohort's closure on Monday 9 November changes nothing here.
    ClosurePeriod.objects.create(label="Jury", start_date=date(2026, 11, 3), end_date=date(2026, 11, 3), cohort=cohort)
    ClosurePeriod.objects.create(label="Autre", start_date=date(2026, 11, 9), end_date=date(2026, 11, 9), cohort=CohortFactory())

    report = generate(cohort, coordinator)

    planned = SessionStatus.PLANNED
    assert slots(cohort) == [
        (date(2026, 11, 2), *AM, HalfDay.MORNING, planned), (date(2026, 11, 2), *PM, HalfDay.AFTERNOON, planned),
        (date(2026, 11, 4), *AM, HalfDay.MORNING, planned), (date(2026, 11, 4), *PM, HalfDay.AFTERNOON, planned),
        (date(2026, 11, 9), *AM, HalfDay.MORNING, planned), (date(2026, 11, 9), *PM, HalfDay.AFTERNOON, planned),
        (date(2026, 11, 10), *AM, HalfDay.MORNING, planned), (date(2026, 11, 10), *PM, HalfDay.AFTERNOON, planned),
    ]
    assert (report.created_count, report.existing, report.skipped_closure, report.skipped_holiday) == (8, 0, 2, 2)
    assert set(TrainingSession.objects.values_list("created_by", flat=True)) == {coordinator.pk}


def test_a_global_closure_is_skipped_too(cohort, coordinator):
    ClosurePeriod.objects.create(label="Pont", start_date=date(2026, 11, 2), end_date=date(2026, 11, 4))

    report = generate(cohort, coordinator, end=date(2026, 11, 6))

    assert slots(cohort) == []
    assert (report.created_count, report.skipped_closure, report.skipped_holiday) == (0, 6, 0)


def test_generation_uses_the_cohorts_default_times(cohort, coordinator):
    cohort.session_morning_start, cohort.session_morning_end = time(8, 30), time(12, 0)
    cohort.session_afternoon_start, cohort.session_afternoon_end = time(13, 0), time(16, 30)
    cohort.save()

    generate(cohort, coordinator, start=date(2026, 11, 2), end=date(2026, 11, 2))

    assert [(s[1], s[2]) for s in slots(cohort)] == [(time(8, 30), time(12, 0)), (time(13, 0), time(16, 30))]


def test_generation_is_clipped_to_the_cohorts_dates(coordinator):
    cohort = CohortFactory(rhythm_pattern="CCCCC", start_date=date(2026, 11, 5), end_date=date(2026, 11, 6))

    report = generate(cohort, coordinator, start=date(2026, 11, 1), end=date(2026, 11, 30))

    assert sorted({s[0] for s in slots(cohort)}) == [date(2026, 11, 5), date(2026, 11, 6)]
    assert (report.start, report.end, report.created_count) == (date(2026, 11, 5), date(2026, 11, 6), 4)


def test_generating_twice_creates_nothing_more(cohort, coordinator):
    first = generate(cohort, coordinator)
    before = slots(cohort)

    second = generate(cohort, coordinator)

    assert slots(cohort) == before
    assert (first.created_count, second.created_count, second.existing) == (10, 0, 10)


def test_a_moved_split_or_cancelled_session_is_never_generated_again(cohort, coordinator):
    generate(cohort, coordinator, end=date(2026, 11, 4))
    monday_am, monday_pm, tuesday_am = TrainingSession.objects.filter(cohort=cohort).order_by("day", "start_time")[:3]
    services.session_update(session=monday_am, by=coordinator, day=date(2026, 11, 5))
    services.session_split(session=monday_pm, at=time(15, 0), by=coordinator)
    services.session_cancel(session=tuesday_am, reason="Formateur absent", by=coordinator)
    before = slots(cohort)

    report = generate(cohort, coordinator, end=date(2026, 11, 4))

    assert slots(cohort) == before
    assert (report.created_count, report.existing) == (0, 6)


def test_a_slot_covered_by_a_typed_session_is_left_alone(cohort, coordinator):
    typed = TrainingSessionFactory(cohort=cohort, day=date(2026, 11, 2), start_time=time(10, 0), end_time=time(11, 0))

    report = generate(cohort, coordinator, start=date(2026, 11, 2), end=date(2026, 11, 2))

    assert [(s[1], s[2]) for s in slots(cohort)] == [(time(10, 0), time(11, 0)), PM]
    assert (report.created_count, report.existing) == (1, 1)
    assert TrainingSession.objects.filter(cohort=cohort, origin_half=HalfDay.MORNING).count() == 0
    assert TrainingSession.objects.get(pk=typed.pk).origin_day is None


def test_generation_runs_in_a_fixed_number_of_queries(cohort, coordinator):
    with CaptureQueriesContext(connection) as one_week:
        small = generate(cohort, coordinator, start=date(2026, 11, 2), end=date(2026, 11, 6))
    with CaptureQueriesContext(connection) as five_weeks:
        # Five weeks (SQLite splits an INSERT beyond 999 parameters: ~40 sessions of 24 columns; stay below).
        large = generate(cohort, coordinator, start=date(2026, 11, 9), end=date(2026, 12, 11))

    assert (small.created_count, large.created_count) == (6, 28)
    assert len(five_weeks) == len(one_week)
