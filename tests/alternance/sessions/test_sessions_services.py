"""The sessions' writes (issue 19 §1): the database invariants, the overlap refused at its limits
(12:30 after a session ending 12:30 is fine, 12:29 is not), moving, splitting at the limits,
cancelling with a reason and restoring."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alternance.choices import SessionStatus
from alternance.models import TrainingSession
from alternance.sessions import services
from tests.factories.alternance import (
    ApprenticeUserFactory,
    CohortFactory,
    CompetenceBlockFactory,
    CoordinatorFactory,
    TrainingSessionFactory,
)
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 1, 11)
OVERLAP_MESSAGE = "La séance chevauche celle du 11/01/2027 de 09:00 à 12:30 : changez l'heure ou la date."


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(datetime(2027, 1, 4, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def coordinator():
    return CoordinatorFactory()


@pytest.fixture
def morning():
    return TrainingSessionFactory(day=MONDAY, start_time=time(9, 0), end_time=time(12, 30))


def create(cohort, coordinator, start, end, day=MONDAY, **fields):
    return services.session_create(cohort=cohort, day=day, start_time=start, end_time=end, created_by=coordinator, **fields)


def test_the_database_refuses_a_session_ending_before_it_starts(morning):
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSession.objects.filter(pk=morning.pk).update(end_time=time(9, 0))


def test_the_database_refuses_a_cancelled_session_without_reason(morning):
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSession.objects.filter(pk=morning.pk).update(status=SessionStatus.CANCELLED)


def test_a_session_starting_when_the_other_ends_does_not_overlap(morning, coordinator):
    after = create(morning.cohort, coordinator, time(12, 30), time(14, 0))

    assert TrainingSession.objects.get(pk=after.pk).start_time == time(12, 30)


def test_a_session_starting_one_minute_before_the_other_ends_is_refused(morning, coordinator):
    with pytest.raises(ValidationError) as refused:
        create(morning.cohort, coordinator, time(12, 29), time(14, 0))

    assert refused.value.message_dict == {"start_time": [OVERLAP_MESSAGE]}
    assert TrainingSession.objects.count() == 1


def test_a_session_ending_when_the_other_starts_does_not_overlap_but_one_minute_later_does(morning, coordinator):
    create(morning.cohort, coordinator, time(8, 0), time(9, 0))

    with pytest.raises(ValidationError):
        create(morning.cohort, coordinator, time(7, 0), time(9, 1))


def test_a_cancelled_session_or_another_cohorts_does_not_block(morning, coordinator):
    other = TrainingSessionFactory(day=MONDAY, start_time=time(13, 0), end_time=time(15, 0))
    services.session_cancel(session=morning, reason="Salle inondée", by=coordinator)

    created = create(morning.cohort, coordinator, time(10, 0), time(14, 0))

    assert created.cohort_id != other.cohort_id
    assert list(TrainingSession.objects.filter(cohort=morning.cohort).values_list("start_time", "status")) == [
        (time(9, 0), SessionStatus.CANCELLED), (time(10, 0), SessionStatus.PLANNED),
    ]


def test_moving_a_session_onto_another_is_refused_and_moving_it_elsewhere_works(morning, coordinator):
    afternoon = create(morning.cohort, coordinator, time(13, 30), time(17, 0))

    with pytest.raises(ValidationError) as refused:
        services.session_update(session=afternoon, by=coordinator, start_time=time(12, 0), end_time=time(15, 0))
    services.session_update(session=afternoon, by=coordinator, day=date(2027, 1, 12), start_time=time(9, 0), end_time=time(12, 0))

    assert refused.value.message_dict == {"start_time": [OVERLAP_MESSAGE]}
    afternoon.refresh_from_db()
    assert (afternoon.day, afternoon.start_time, afternoon.end_time) == (date(2027, 1, 12), time(9, 0), time(12, 0))


def test_editing_a_session_within_its_own_time_is_not_an_overlap(morning, coordinator):
    block = CompetenceBlockFactory(programme=morning.cohort.programme)

    services.session_update(session=morning, by=coordinator, end_time=time(12, 0), subject=" SQL ", room="B12", competence_block=block)

    morning.refresh_from_db()
    assert (morning.end_time, morning.subject, morning.room, morning.competence_block_id) == (time(12, 0), "SQL", "B12", block.pk)


def test_a_competence_block_of_another_programme_or_a_non_staff_trainer_is_refused(morning, coordinator):
    with pytest.raises(ValidationError) as refused:
        services.session_update(session=morning, by=coordinator, competence_block=CompetenceBlockFactory(),
                                trainer=ApprenticeUserFactory())

    assert set(refused.value.message_dict) == {"competence_block", "trainer"}


@pytest.mark.parametrize("at", [time(9, 0), time(12, 30), time(8, 0), time(13, 0)])
def test_splitting_at_or_outside_the_limits_is_refused(morning, coordinator, at):
    with pytest.raises(ValidationError) as refused:
        services.session_split(session=morning, at=at, by=coordinator)

    assert refused.value.message_dict == {"at": [
        "Choisissez une heure strictement entre le début (09:00) et la fin (12:30) de la séance."]}
    assert TrainingSession.objects.count() == 1


@pytest.mark.parametrize("at", [time(9, 1), time(10, 45), time(12, 29)])
def test_splitting_inside_gives_two_sessions_with_the_same_fields(morning, coordinator, at):
    first, second = services.session_split(session=morning, at=at, by=coordinator)

    rows = list(TrainingSession.objects.order_by("start_time").values_list(
        "day", "start_time", "end_time", "trainer", "subject", "room", "status"))
    assert rows == [
        (MONDAY, time(9, 0), at, morning.trainer_id, morning.subject, "Salle 1", SessionStatus.PLANNED),
        (MONDAY, at, time(12, 30), morning.trainer_id, morning.subject, "Salle 1", SessionStatus.PLANNED),
    ]
    assert first.pk == morning.pk


def test_a_cancelled_session_cannot_be_split_nor_edited(morning, coordinator):
    services.session_cancel(session=morning, reason="Grève", by=coordinator)

    with pytest.raises(ValidationError):
        services.session_split(session=morning, at=time(10, 0), by=coordinator)
    with pytest.raises(ValidationError):
        services.session_update(session=morning, by=coordinator, room="B2")


def test_cancel_needs_a_reason_and_keeps_it(morning, coordinator):
    with pytest.raises(ValidationError):
        services.session_cancel(session=morning, reason="  ", by=coordinator)

    services.session_cancel(session=morning, reason="Formateur malade", by=coordinator)

    morning.refresh_from_db()
    assert (morning.status, morning.cancel_reason) == (SessionStatus.CANCELLED, "Formateur malade")


def test_cancelling_twice_is_refused(morning, coordinator):
    services.session_cancel(session=morning, reason="Grève", by=coordinator)

    with pytest.raises(ValidationError):
        services.session_cancel(session=morning, reason="Encore", by=coordinator)


def test_a_stale_cancel_says_the_session_was_modified_meanwhile(morning, coordinator):
    stale = TrainingSession.objects.get(pk=morning.pk)
    services.session_cancel(session=morning, reason="Grève", by=coordinator)

    with pytest.raises(ValidationError) as refused:
        services.session_cancel(session=stale, reason="Doublon", by=coordinator)

    assert refused.value.messages == ["La séance a été modifiée entre-temps : rechargez la page et recommencez."]


def test_restore_brings_the_session_back(morning, coordinator):
    services.session_cancel(session=morning, reason="Grève", by=coordinator)

    services.session_restore(session=morning, by=coordinator)

    morning.refresh_from_db()
    assert (morning.status, morning.cancel_reason) == (SessionStatus.PLANNED, "")


def test_restore_is_refused_when_another_session_took_the_time(morning, coordinator):
    services.session_cancel(session=morning, reason="Grève", by=coordinator)
    create(morning.cohort, coordinator, time(11, 0), time(12, 0))

    with pytest.raises(ValidationError) as refused:
        services.session_restore(session=morning, by=coordinator)

    assert refused.value.message_dict == {"start_time": [
        "La séance chevauche celle du 11/01/2027 de 11:00 à 12:00 : changez l'heure ou la date."]}
    assert TrainingSession.objects.get(pk=morning.pk).status == SessionStatus.CANCELLED


def test_a_new_cohorts_session_times_must_follow_each_other():
    cohort = CohortFactory.build(session_morning_end=time(14, 0))
    cohort.programme.save()
    cohort.referent_tutor.save()
    cohort.programme_id, cohort.referent_tutor_id = cohort.programme.pk, cohort.referent_tutor.pk

    with pytest.raises(ValidationError) as refused:
        cohort.full_clean()

    assert "session_afternoon_start" in refused.value.message_dict
