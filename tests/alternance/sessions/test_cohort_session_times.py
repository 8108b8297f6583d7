"""The cohort's default session times (issue 19 §1) on the cohort's form: set, kept when left
empty, refused out of order with a French message that says how to fix it."""

from datetime import datetime, time

import pytest
from django.urls import reverse

from alternance.models import Cohort
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


def cohort_data(cohort: Cohort, **times) -> dict:
    return {"programme": cohort.programme_id, "name": cohort.name, "start_date": f"{cohort.start_date:%Y-%m-%d}",
            "end_date": f"{cohort.end_date:%Y-%m-%d}", "rhythm_label": cohort.rhythm_label, "rhythm_pattern": cohort.rhythm_pattern,
            "referent_tutor": cohort.referent_tutor_id, **times}


def times(cohort: Cohort) -> tuple[time, time, time, time]:
    cohort.refresh_from_db()
    return cohort.session_morning_start, cohort.session_morning_end, cohort.session_afternoon_start, cohort.session_afternoon_end


def test_the_cohort_form_sets_the_session_times(client):
    world = make_world()
    cohort = world.a.cohort
    client.force_login(world.coordinator)

    response = client.post(reverse("catalogue:cohort_edit", args=[cohort.pk]), cohort_data(
        cohort, session_morning_start="08:30", session_morning_end="12:00", session_afternoon_start="13:00",
        session_afternoon_end="16:30"))

    assert response.status_code == 302
    assert times(cohort) == (time(8, 30), time(12, 0), time(13, 0), time(16, 30))


def test_empty_session_times_keep_the_defaults(client):
    world = make_world()
    client.force_login(world.coordinator)

    client.post(reverse("catalogue:cohort_edit", args=[world.a.cohort.pk]), cohort_data(world.a.cohort))

    assert times(world.a.cohort) == (time(9, 0), time(12, 30), time(13, 30), time(17, 0))


def test_session_times_out_of_order_are_explained(client):
    world = make_world()
    client.force_login(world.coordinator)

    response = client.post(reverse("catalogue:cohort_edit", args=[world.a.cohort.pk]), cohort_data(
        world.a.cohort, session_morning_end="14:00"))

    assert response.status_code == 400
    assert "Les horaires des séances doivent se suivre" in response.content.decode()
    assert times(world.a.cohort) == (time(9, 0), time(12, 30), time(13, 30), time(17, 0))
