"""The absence settings page (coordinator and admin staff): bounds with French messages, nothing
saved on an error, and the access matrix; the ``attendance_settings_update`` service's own checks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alternance.attendance.services import attendance_settings_update
from alternance.models import AttendanceSettings
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

URL = "/parametres/absences/"


@pytest.fixture
def world():
    return make_world()


def current() -> tuple:
    row = AttendanceSettings.load()
    return row.justification_deadline_days, row.proof_max_size_mb, row.notify_employer_on_unjustified


def test_the_url_name():
    assert reverse("attendance_settings") == URL


def test_the_coordinator_changes_the_settings(client, world):
    client.force_login(world.coordinator)
    page = client.get(URL)
    assert page.status_code == 200
    assert page.context["form"].initial == {
        "justification_deadline_days": 7, "proof_max_size_mb": 5, "notify_employer_on_unjustified": True,
        "signin_late_tolerance_minutes": 10,
    }

    response = client.post(URL, {"justification_deadline_days": "14", "proof_max_size_mb": "10",
                                 "signin_late_tolerance_minutes": "15"}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "Paramètres des absences enregistrés." in response.content.decode()
    assert current() == (14, 10, False)
    assert AttendanceSettings.load().signin_late_tolerance_minutes == 15


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"justification_deadline_days": "61", "proof_max_size_mb": "5"}, {"justification_deadline_days": ["Choisissez un délai de 0 à 60 jours."]}),
        ({"justification_deadline_days": "-1", "proof_max_size_mb": "5"}, {"justification_deadline_days": ["Choisissez un délai de 0 à 60 jours."]}),
        ({"justification_deadline_days": "7", "proof_max_size_mb": "21"}, {"proof_max_size_mb": ["Choisissez une taille de 1 à 20 Mo."]}),
        ({"justification_deadline_days": "7", "proof_max_size_mb": "0"}, {"proof_max_size_mb": ["Choisissez une taille de 1 à 20 Mo."]}),
        ({"justification_deadline_days": "7", "proof_max_size_mb": "5", "signin_late_tolerance_minutes": "61"},
         {"signin_late_tolerance_minutes": ["Choisissez une tolérance de 0 à 60 minutes."]}),
        ({"justification_deadline_days": "7", "proof_max_size_mb": "5", "signin_late_tolerance_minutes": "-1"},
         {"signin_late_tolerance_minutes": ["Choisissez une tolérance de 0 à 60 minutes."]}),
        ({"justification_deadline_days": "sept", "proof_max_size_mb": ""},
         {"justification_deadline_days": ["Saisissez un nombre entier."], "proof_max_size_mb": ["Choisissez une taille de 1 à 20 Mo."]}),
    ],
)
def test_out_of_bounds_values_are_refused_and_nothing_is_saved(client, world, data, errors):
    client.force_login(world.admin_staff)
    before = current()

    response = client.post(URL, {"signin_late_tolerance_minutes": "10", **data, "notify_employer_on_unjustified": "on"})

    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert current() == before


def test_the_bounds_themselves_are_accepted(client, world):
    client.force_login(world.coordinator)
    client.post(URL, {"justification_deadline_days": "0", "proof_max_size_mb": "20", "notify_employer_on_unjustified": "on",
                      "signin_late_tolerance_minutes": "0"})
    assert current() == (0, 20, True)
    assert AttendanceSettings.load().signin_late_tolerance_minutes == 0
    client.post(URL, {"justification_deadline_days": "60", "proof_max_size_mb": "1", "notify_employer_on_unjustified": "on",
                      "signin_late_tolerance_minutes": "60"})
    assert current() == (60, 1, True)
    assert AttendanceSettings.load().signin_late_tolerance_minutes == 60


@pytest.mark.parametrize(
    ("who", "expected"),
    [("coordinator", 200), ("admin_staff", 200), ("a.tutor", 403), ("a.cre", 403), ("a.apprentice_user", 403), ("a.employer_user", 403)],
)
def test_access_matrix_of_the_settings(client, world, who, expected):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    before = current()

    assert client.get(URL).status_code == expected
    client.post(URL, {"justification_deadline_days": "30", "proof_max_size_mb": "2", "signin_late_tolerance_minutes": "5"})
    assert current() == ((30, 2, False) if expected == 200 else before)


def test_the_service_checks_the_bounds_too(world):
    with pytest.raises(ValidationError) as error:
        attendance_settings_update(
            by=world.coordinator, justification_deadline_days=90, notify_employer_on_unjustified=True, proof_max_size_mb=50
        )
    assert error.value.message_dict == {
        "justification_deadline_days": ["Choisissez un délai de 0 à 60 jours."],
        "proof_max_size_mb": ["Choisissez une taille de 1 à 20 Mo."],
    }
    assert current() == (7, 5, True)
