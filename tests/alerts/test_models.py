"""Invariants of alerts: one open alert per rule and subject (partial unique), lifecycle constraints."""

from contextlib import contextmanager

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.choices import AlertStatus
from alerts.models import Alert, AlertEvent
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import ApprenticeFactory, CoordinatorFactory, TutorFactory
from tests.factories.companies import CompanyFactory

pytestmark = pytest.mark.django_db

ONE_OPEN = (
    "alert_one_open_per_rule_and_subject",  # PostgreSQL names the partial unique index
    "UNIQUE constraint failed: alerts_alert.rule_code, alerts_alert.subject_type_id, alerts_alert.subject_id",  # SQLite
)


@contextmanager
def violates(*needles: str):
    """The block must be refused by the database; the error names the constraint (or its columns)."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    assert any(needle in message for needle in needles), message


def _closed(status: AlertStatus) -> dict:
    return {"status": status, "resolved_at": timezone.now(), "resolution_reason": "Absences justifiées entre-temps."}


# --- one open alert per rule and subject -----------------------------------------------------

@pytest.mark.parametrize(
    ("first", "second"),
    [(AlertStatus.NEW, AlertStatus.NEW), (AlertStatus.VALIDATED, AlertStatus.NEW), (AlertStatus.NEW, AlertStatus.ASSIGNED)],
)
def test_database_refuses_a_second_open_alert_for_the_same_rule_and_subject(first, second):
    apprentice = ApprenticeFactory()
    assignee = TutorFactory()
    AlertFactory(apprentice=apprentice, status=first, assignee=assignee)

    with violates(*ONE_OPEN):
        AlertFactory(apprentice=apprentice, status=second, assignee=assignee)


def test_database_refuses_reopening_an_alert_while_another_is_open():
    apprentice = ApprenticeFactory()
    AlertFactory(apprentice=apprentice)
    resolved = AlertFactory(apprentice=apprentice, **_closed(AlertStatus.RESOLVED))

    with violates(*ONE_OPEN):
        Alert.objects.filter(pk=resolved.pk).update(status=AlertStatus.NEW, resolved_at=None)


@pytest.mark.parametrize("closed_status", [AlertStatus.RESOLVED, AlertStatus.DISMISSED])
def test_a_new_open_alert_is_allowed_once_the_previous_one_is_closed(closed_status):
    apprentice = ApprenticeFactory()
    closed = AlertFactory(apprentice=apprentice, **_closed(closed_status))

    reopened = AlertFactory(apprentice=apprentice)

    assert sorted(Alert.objects.filter(rule_code="absences.unjustified").values_list("pk", "status")) == [
        (closed.pk, closed_status), (reopened.pk, AlertStatus.NEW),
    ]


def test_several_closed_alerts_for_the_same_rule_and_subject_are_allowed():
    apprentice = ApprenticeFactory()

    closed = [AlertFactory(apprentice=apprentice, **_closed(AlertStatus.RESOLVED)) for _ in range(2)]

    assert sorted(Alert.objects.values_list("pk", flat=True)) == sorted(alert.pk for alert in closed)


def test_the_same_rule_on_another_subject_and_another_rule_on_the_same_subject_are_allowed():
    apprentice, other = ApprenticeFactory(), ApprenticeFactory()
    first = AlertFactory(apprentice=apprentice)

    on_other = AlertFactory(apprentice=other)
    other_rule = AlertFactory(apprentice=apprentice, rule_code="visits.first_visit_missing")

    assert sorted(Alert.objects.values_list("pk", flat=True)) == sorted([first.pk, on_other.pk, other_rule.pk])


def test_the_same_id_of_another_subject_type_is_another_subject():
    apprentice = ApprenticeFactory()
    company = CompanyFactory()
    about_apprentice_type = AlertFactory(apprentice=apprentice, subject_id=company.pk)

    about_company = AlertFactory(
        apprentice=None, company=company, subject_type=ContentType.objects.get_for_model(company), subject_id=company.pk,
        subject_label=str(company),
    )

    assert sorted(Alert.objects.filter(subject_id=company.pk).values_list("pk", flat=True)) == sorted(
        [about_apprentice_type.pk, about_company.pk]
    )
    assert about_company.subject == company


# --- lifecycle constraints -------------------------------------------------------------------

def test_database_refuses_an_unknown_status():
    with violates("alert_status_valid"):
        # resolved_at set so that only the status check can fail (a non-open status needs a date).
        AlertFactory(status="oubliee", resolved_at=timezone.now())


def test_database_refuses_an_unknown_severity():
    with violates("alert_severity_valid"):
        AlertFactory(severity="extreme")


def test_database_refuses_an_assigned_alert_without_assignee():
    with violates("alert_assigned_has_assignee"):
        AlertFactory(status=AlertStatus.ASSIGNED, assignee=None)


@pytest.mark.parametrize("closed_status", [AlertStatus.RESOLVED, AlertStatus.DISMISSED])
def test_database_refuses_a_closed_alert_without_closing_date(closed_status):
    with violates("alert_closed_has_date"):
        AlertFactory(status=closed_status, resolved_at=None)


# --- behaviour and __str__ -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("status", "is_open"),
    [
        (AlertStatus.NEW, True),
        (AlertStatus.VALIDATED, True),
        (AlertStatus.ASSIGNED, True),
        (AlertStatus.RESOLVED, False),
        (AlertStatus.DISMISSED, False),
    ],
)
def test_alert_is_open_until_resolved_or_dismissed(status, is_open):
    assert Alert(status=status).is_open is is_open


def test_alert_subject_key_and_generic_subject_point_to_the_apprentice():
    apprentice = ApprenticeFactory()
    alert = AlertFactory(apprentice=apprentice)

    stored = Alert.objects.get(pk=alert.pk)
    assert Alert.subject_key(apprentice) == (ContentType.objects.get_for_model(apprentice), apprentice.pk)
    assert (stored.subject_type, stored.subject_id, stored.subject) == (*Alert.subject_key(apprentice), apprentice)


def test_alert_str_shows_rule_and_title():
    alert = AlertFactory(rule_code="absences.unjustified", title="3 demi-journées d'absence non justifiées en 30 jours")

    assert str(alert) == "[absences.unjustified] 3 demi-journées d'absence non justifiées en 30 jours"


def test_alert_event_str_shows_the_transition_or_a_comment():
    alert = AlertFactory()
    author = CoordinatorFactory()
    validated = AlertEvent.objects.create(alert=alert, from_status=AlertStatus.NEW, to_status=AlertStatus.VALIDATED, author=author)
    comment = AlertEvent.objects.create(alert=alert, author=author, comment="Appel passé à l'employeur.")

    assert [str(validated), str(comment)] == [f"{alert.pk}: new → validated", f"{alert.pk}: — → commentaire"]
