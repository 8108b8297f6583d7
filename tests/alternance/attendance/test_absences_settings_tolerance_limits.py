"""The sign-in's lateness tolerance (issue 19 §2) checked by the ``attendance_settings_update``
service itself, at its bounds (``SIGNIN_TOLERANCE_BOUNDS`` = 0 to 60 minutes, the setting
``AttendanceSettings.signin_late_tolerance_minutes``): limit − 1, limit, limit + 1 at each end,
the exact French message, and nothing saved on a refusal (re-read from the database)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from alternance.attendance.services import SIGNIN_TOLERANCE_BOUNDS, attendance_settings_update
from alternance.models import AttendanceSettings
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

TOLERANCE_ERROR = {"signin_late_tolerance_minutes": ["Choisissez une tolérance de 0 à 60 minutes."]}


@pytest.fixture
def world():
    return make_world()


def saved() -> tuple:
    row = AttendanceSettings.objects.get(pk=AttendanceSettings.load().pk)
    return (
        row.justification_deadline_days,
        row.proof_max_size_mb,
        row.notify_employer_on_unjustified,
        row.signin_late_tolerance_minutes,
    )


def update(world, minutes):
    return attendance_settings_update(
        by=world.coordinator,
        justification_deadline_days=10,
        notify_employer_on_unjustified=False,
        proof_max_size_mb=3,
        signin_late_tolerance_minutes=minutes,
    )


def test_signin_tolerance_bounds_are_0_to_60_minutes():
    assert SIGNIN_TOLERANCE_BOUNDS == (0, 60)


@pytest.mark.parametrize(
    ("minutes", "accepted"),
    [
        (-1, False),  # low limit − 1
        (0, True),  # low limit
        (1, True),  # low limit + 1
        (59, True),  # high limit − 1
        (60, True),  # high limit
        (61, False),  # high limit + 1
    ],
)
def test_signin_late_tolerance_minutes_limits(world, minutes, accepted):
    """``AttendanceSettings.signin_late_tolerance_minutes``: from 0 to 60 minutes after a session's start."""
    before = saved()

    if accepted:
        row = update(world, minutes)
        assert row.signin_late_tolerance_minutes == minutes
        assert saved() == (10, 3, False, minutes)
    else:
        with pytest.raises(ValidationError) as error:
            update(world, minutes)
        assert error.value.message_dict == TOLERANCE_ERROR
        assert saved() == before


def test_signin_tolerance_refused_with_the_other_settings_names_every_field(world):
    """Each setting out of its bounds is named with its own message, the tolerance among them."""
    before = saved()

    with pytest.raises(ValidationError) as error:
        attendance_settings_update(
            by=world.coordinator,
            justification_deadline_days=61,
            notify_employer_on_unjustified=True,
            proof_max_size_mb=21,
            signin_late_tolerance_minutes=61,
        )

    assert error.value.message_dict == {
        "justification_deadline_days": ["Choisissez un délai de 0 à 60 jours."],
        "proof_max_size_mb": ["Choisissez une taille de 1 à 20 Mo."],
        **TOLERANCE_ERROR,
    }
    assert saved() == before


def test_signin_tolerance_left_to_none_keeps_its_value(world):
    update(world, 25)

    attendance_settings_update(
        by=world.coordinator, justification_deadline_days=7, notify_employer_on_unjustified=True, proof_max_size_mb=5
    )

    assert saved() == (7, 5, True, 25)
