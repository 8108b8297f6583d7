"""Lifecycle of an alert: transition table, compare-and-set, history rows, French errors."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from alerts import services
from alerts.choices import AlertStatus
from alerts.models import Alert
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    AdminStaffFactory,
    CoordinatorFactory,
    CreFactory,
    EmployerUserFactory,
    TutorFactory,
)

pytestmark = pytest.mark.django_db


def history(alert: Alert) -> list[tuple]:
    return list(alert.events.values_list("from_status", "to_status", "author", "comment"))


def test_coordinator_validates_assigns_and_the_assignee_resolves():
    coordinator, cre = CoordinatorFactory(), CreFactory()
    alert = AlertFactory()

    services.alert_validate(alert=alert, by=coordinator, comment="Vu en réunion.")
    services.alert_assign(alert=alert, assignee=cre, by=coordinator)
    services.alert_comment(alert=alert, by=cre, comment="Appel prévu jeudi.")
    services.alert_resolve(alert=alert, by=cre, reason="Apprentie rappelée, absences justifiées.")

    alert.refresh_from_db()
    assert (alert.status, alert.assignee, alert.validated_by, alert.closed_by, alert.auto_resolved) == (
        AlertStatus.RESOLVED, cre, coordinator, cre, False,
    )
    assert history(alert) == [
        (AlertStatus.NEW, AlertStatus.VALIDATED, coordinator.pk, "Vu en réunion."),
        (AlertStatus.VALIDATED, AlertStatus.ASSIGNED, coordinator.pk, f"Attribuée à {cre}."),
        ("", "", cre.pk, "Appel prévu jeudi."),
        (AlertStatus.ASSIGNED, AlertStatus.RESOLVED, cre.pk, "Apprentie rappelée, absences justifiées."),
    ]


def test_assigning_a_new_alert_validates_it_too_and_reassignment_is_allowed():
    coordinator, tutor, admin = CoordinatorFactory(), TutorFactory(), AdminStaffFactory()
    alert = AlertFactory()

    services.alert_assign(alert=alert, assignee=tutor, by=coordinator)
    services.alert_assign(alert=alert, assignee=admin, by=coordinator)

    alert.refresh_from_db()
    assert (alert.status, alert.assignee, alert.validated_by) == (AlertStatus.ASSIGNED, admin, coordinator)
    assert [(f, t) for f, t, *_ in history(alert)] == [(AlertStatus.NEW, AlertStatus.ASSIGNED), (AlertStatus.ASSIGNED, AlertStatus.ASSIGNED)]


@pytest.mark.parametrize(("status", "action"), [
    (AlertStatus.VALIDATED, "validate"), (AlertStatus.RESOLVED, "validate"), (AlertStatus.RESOLVED, "assign"),
    (AlertStatus.DISMISSED, "resolve"), (AlertStatus.RESOLVED, "dismiss"),
])
def test_refused_transitions_say_why_in_french(status, action):
    coordinator, cre = CoordinatorFactory(), CreFactory()
    closed = {"resolved_at": "2026-11-01T10:00:00+01:00"} if status in (AlertStatus.RESOLVED, AlertStatus.DISMISSED) else {}
    alert = AlertFactory(status=status, **closed)
    calls = {
        "validate": lambda: services.alert_validate(alert=alert, by=coordinator),
        "assign": lambda: services.alert_assign(alert=alert, assignee=cre, by=coordinator),
        "resolve": lambda: services.alert_resolve(alert=alert, by=coordinator, reason="Fait."),
        "dismiss": lambda: services.alert_dismiss(alert=alert, by=coordinator, reason="Sans objet."),
    }

    with pytest.raises(ValidationError, match="Impossible : l'alerte est"):
        calls[action]()
    assert Alert.objects.get().status == status and not alert.events.exists()


def test_compare_and_set_refuses_a_change_made_meanwhile():
    coordinator = CoordinatorFactory()
    alert = AlertFactory()
    stale = Alert.objects.get(pk=alert.pk)
    services.alert_validate(alert=alert, by=coordinator)

    with pytest.raises(ValidationError, match="modifiée entre-temps"):
        services.alert_dismiss(alert=stale, by=coordinator, reason="Doublon.")
    assert Alert.objects.get().status == AlertStatus.VALIDATED


def test_permissions_and_input_checks():
    coordinator, cre, other_cre = CoordinatorFactory(), CreFactory(), CreFactory()
    alert = AlertFactory()

    with pytest.raises(PermissionDenied):
        services.alert_validate(alert=alert, by=cre)
    with pytest.raises(ValidationError, match="CRE, de formateur·rice référent·e ou de l'équipe administrative"):
        services.alert_assign(alert=alert, assignee=EmployerUserFactory(), by=coordinator)
    services.alert_assign(alert=alert, assignee=cre, by=coordinator)
    with pytest.raises(PermissionDenied):
        services.alert_resolve(alert=alert, by=other_cre, reason="Pas moi.")
    with pytest.raises(ValidationError, match="Indiquez en quelques mots"):
        services.alert_resolve(alert=alert, by=cre, reason="  ")
    with pytest.raises(PermissionDenied):
        services.alert_dismiss(alert=alert, by=cre, reason="Pas pour moi.")
    with pytest.raises(ValidationError, match="déjà attribuée"):
        services.alert_assign(alert=alert, assignee=cre, by=coordinator)
    assert Alert.objects.get().status == AlertStatus.ASSIGNED
