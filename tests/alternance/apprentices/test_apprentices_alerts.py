"""Leaving the OF and coming back keep the alerts right: the learner who left is no longer « sans
entreprise » (its open alert resolves right after the commit), the dashboard counts it out of the
enrolled learners, and when the coordinator brings it back the nightly run agrees."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts import services as alert_services
from alerts.choices import AlertStatus
from alerts.models import Alert
from alternance.apprentices import services
from alternance.choices import ApprenticeStatus, ExitReason
from alternance.steering.indicators import breakdown
from tests.alerts.conftest import TODAY
from tests.factories.alternance import AdminStaffFactory, ApprenticeFactory, CohortFactory, CoordinatorFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture(autouse=True)
def eager(celery_eager):
    return celery_eager


def without_company_alerts() -> list[tuple]:
    return list(Alert.objects.filter(rule_code="without_company").order_by("pk").values_list("subject_id", "status", "auto_resolved"))


def test_leaving_the_of_resolves_the_without_company_alert_and_only_that_one(django_capture_on_commit_callbacks):
    seeker, other = (ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95)) for _ in range(2))
    alert_services.nightly_run(today=TODAY, rules=["without_company"], trigger="test")
    assert without_company_alerts() == [(seeker.pk, AlertStatus.NEW, False), (other.pk, AlertStatus.NEW, False)]

    with django_capture_on_commit_callbacks(execute=True):
        services.apprentice_leave(apprentice=seeker, day=TODAY - timedelta(days=1), reason=ExitReason.NO_EMPLOYER,
                                  by=AdminStaffFactory(), today=TODAY)

    assert without_company_alerts() == [(seeker.pk, AlertStatus.RESOLVED, True), (other.pk, AlertStatus.NEW, False)]
    counts = alert_services.nightly_run(today=TODAY, rules=["without_company"], trigger="test").counts["without_company"]
    assert (counts["raised"], counts["resolved"], counts["still_open"]) == (0, 0, 1)


def test_a_learner_brought_back_counts_its_months_from_today_and_raises_nothing_yet(django_capture_on_commit_callbacks):
    seeker = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))
    services.apprentice_leave(apprentice=seeker, day=TODAY - timedelta(days=1), reason=ExitReason.HEALTH, by=AdminStaffFactory(), today=TODAY)

    with django_capture_on_commit_callbacks(execute=True):
        services.apprentice_reopen(apprentice=seeker, by=CoordinatorFactory(), today=TODAY)

    counts = alert_services.nightly_run(today=TODAY, rules=["without_company"], trigger="test").counts["without_company"]
    assert (counts["raised"], counts["still_open"]) == (0, 0)


def test_the_cohort_breakdown_counts_a_learner_who_left_out_of_the_enrolled_like_the_list(client):
    cohort = CohortFactory(start_date=TODAY - timedelta(days=60), end_date=TODAY + timedelta(days=600))
    stays, leaves = ApprenticeFactory(cohort=cohort), ApprenticeFactory(cohort=cohort)
    coordinator = CoordinatorFactory()
    services.apprentice_leave(apprentice=leaves, day=TODAY, reason=ExitReason.MOVE, by=coordinator, today=TODAY)

    row = next(row for row in breakdown(coordinator, today=TODAY)["cohorts"] if row.name == cohort.name)
    client.force_login(coordinator)
    listed = list(client.get(row.url).context["apprentices"])

    assert (row.apprentices, row.seeking) == (1, 1)
    assert listed == [stays]
