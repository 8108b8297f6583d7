"""Reconciliation: idempotent, self-healing, history when a situation comes back, routing and scoping."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from alerts import services
from alerts.choices import AlertStatus, ConcernedRole, Severity
from alerts.models import Alert, AlertEvent
from alternance import access
from alternance.choices import ApprenticeStatus
from tests.alerts.conftest import TODAY, absent, under_contract
from tests.factories.alternance import ApprenticeFactory, CoordinatorFactory, TutorFactory
from tests.factories.companies import CompanyFactory

pytestmark = pytest.mark.django_db


def run(today=TODAY, rules=("without_company",)) -> dict:
    return services.nightly_run(today=today, rules=list(rules), trigger="test").counts


def rows() -> list[tuple]:
    return list(Alert.objects.order_by("subject_id").values_list("rule_code", "subject_id", "status", "severity"))


def seeker(days: int = 95):
    return ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=days))


def test_two_runs_the_same_night_raise_nothing_new():
    apprentices = [seeker(), seeker(80)]

    first = run()
    snapshot, events = rows(), AlertEvent.objects.count()
    second = run()

    assert first["without_company"] | {"seconds": 0} == {"raised": 2, "still_open": 0, "updated": 0, "resolved": 0, "suppressed": 0, "seconds": 0}
    assert second["without_company"] | {"seconds": 0} == {"raised": 0, "still_open": 2, "updated": 0, "resolved": 0, "suppressed": 0, "seconds": 0}
    assert rows() == snapshot == [
        ("without_company", apprentices[0].pk, AlertStatus.NEW, Severity.CRITICAL),
        ("without_company", apprentices[1].pk, AlertStatus.NEW, Severity.WARNING),
    ]
    assert AlertEvent.objects.count() == events == 2
    alert = Alert.objects.get(subject_id=apprentices[0].pk)
    assert (alert.subject, alert.apprentice, alert.subject_type) == (apprentices[0], apprentices[0], ContentType.objects.get_for_model(apprentices[0]))
    assert alert.facts["stage"] == "seeking_passed" and alert.facts["days"] == 95


def test_an_open_alert_is_refreshed_when_the_situation_worsens_without_a_duplicate():
    apprentice = seeker(89)
    run()
    alert = Alert.objects.get()

    run(TODAY + timedelta(days=1))

    alert.refresh_from_db()
    assert (Alert.objects.count(), alert.severity, alert.facts["days"], alert.facts["stage"]) == (1, Severity.CRITICAL, 90, "seeking_passed")
    assert list(alert.events.values_list("to_status", "comment")) == [
        (AlertStatus.NEW, "Levée par la vérification du 30/11/2026."),
        ("", "Gravité réévaluée par la vérification du 01/12/2026 : warning → critical."),
    ]
    assert alert.subject_id == apprentice.pk


def test_an_alert_whose_condition_disappeared_is_resolved_and_a_return_raises_a_new_one_with_history():
    apprentice = seeker()
    run()
    first = Alert.objects.get()
    ApprenticeFactory._meta.model.objects.filter(pk=apprentice.pk).update(status=ApprenticeStatus.UNDER_CONTRACT, status_since=TODAY)

    counts = run(TODAY + timedelta(days=1))

    first.refresh_from_db()
    assert counts["without_company"]["resolved"] == 1
    assert (first.status, first.auto_resolved, first.closed_by, first.resolution_reason) == (
        AlertStatus.RESOLVED, True, None,
        "Condition levée le 01/12/2026 : la règle « Apprenti·e sans entreprise » ne constate plus la situation.",
    )
    assert list(first.events.values_list("from_status", "to_status")) == [("", AlertStatus.NEW), (AlertStatus.NEW, AlertStatus.RESOLVED)]

    ApprenticeFactory._meta.model.objects.filter(pk=apprentice.pk).update(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=100))
    run(TODAY + timedelta(days=2))

    second = Alert.objects.exclude(pk=first.pk).get()
    assert (second.status, second.previous_id) == (AlertStatus.NEW, first.pk)
    assert [(h["id"], h["status"], h["auto_resolved"]) for h in second.facts["history"]] == [(first.pk, AlertStatus.RESOLVED, True)]
    assert second.events.get().comment == f"Levée par la vérification du 02/12/2026. La situation revient : voir l'alerte n° {first.pk}."


def test_an_alert_closed_by_a_person_is_not_raised_again_until_the_situation_changes():
    coordinator = CoordinatorFactory()
    apprentice = seeker(80)
    run()
    services.alert_dismiss(alert=Alert.objects.get(), by=coordinator, reason="Entretien prévu demain avec une entreprise.")

    assert run(TODAY + timedelta(days=1))["without_company"]["suppressed"] == 1  # same stage: not raised again
    assert Alert.objects.filter(status__in=(AlertStatus.NEW,)).count() == 0

    counts = run(TODAY + timedelta(days=12))  # day 92: the limit has passed — a new stage
    assert counts["without_company"]["raised"] == 1
    reraised = Alert.objects.get(status=AlertStatus.NEW)
    assert (reraised.subject_id, reraised.facts["stage"], reraised.facts["history"][0]["status"]) == (
        apprentice.pk, "seeking_passed", AlertStatus.DISMISSED,
    )


def test_a_closed_situation_that_clears_and_comes_back_is_raised_again():
    coordinator = CoordinatorFactory()
    apprentice = seeker(80)
    run()
    services.alert_resolve(alert=Alert.objects.get(), by=coordinator, reason="Appelé·e.")
    Model = ApprenticeFactory._meta.model
    Model.objects.filter(pk=apprentice.pk).update(status=ApprenticeStatus.UNDER_CONTRACT)
    run(TODAY + timedelta(days=1))  # cleared
    Model.objects.filter(pk=apprentice.pk).update(status=ApprenticeStatus.SEEKING)

    assert run(TODAY + timedelta(days=2))["without_company"]["raised"] == 1


def test_routing_sets_the_concerned_role_and_the_suggested_assignee_but_assigns_nobody():
    contract = under_contract(end_date=TODAY + timedelta(days=10))
    for offset in (1, 2, 3):
        absent(contract.apprentice, TODAY - timedelta(days=offset))

    run(rules=("contract_end", "absences"))

    tutor = contract.apprentice.cohort.referent_tutor
    assert sorted(Alert.objects.values_list("rule_code", "concerned_role", "suggested_assignee", "assignee", "company", "contract")) == [
        ("absences", ConcernedRole.TUTOR, tutor.pk, None, contract.company_id, contract.pk),
        ("contract_end", ConcernedRole.TUTOR, tutor.pk, None, contract.company_id, contract.pk),
    ]


def test_raised_alerts_are_scoped_to_the_cohorts_tutor_and_the_portfolios_cre():
    mine = under_contract(end_date=TODAY + timedelta(days=10))
    theirs = under_contract(end_date=TODAY + timedelta(days=10), company=CompanyFactory())
    run(rules=("contract_end",))

    tutor, cre = mine.apprentice.cohort.referent_tutor, mine.company.owner_cre

    assert list(access.visible(tutor, Alert).values_list("contract", flat=True)) == [mine.pk]
    assert list(access.visible(cre, Alert).values_list("contract", flat=True)) == [mine.pk]
    assert list(access.visible(TutorFactory(), Alert)) == []
    assert Alert.objects.count() == 2 and theirs.pk != mine.pk


def test_dry_run_counts_without_writing_anything():
    seeker()

    report = services.nightly_run(today=TODAY, dry_run=True)

    assert report.counts["without_company"]["raised"] == 1 and report.run is None
    assert (Alert.objects.count(), AlertEvent.objects.count(), services.NightlyRun.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(("factory", "sees"), [
    ("CoordinatorFactory", True), ("AdminStaffFactory", True), ("CreFactory", False), ("TutorFactory", False),
])
def test_nightly_runs_and_rule_settings_are_visible_to_coordinator_and_admin_staff_only(factory, sees):
    from alerts.models import NightlyRun, RuleSettings
    from tests.factories import alternance as people

    services.nightly_run(today=TODAY)
    RuleSettings.load()
    user = getattr(people, factory)()

    assert (access.visible(user, NightlyRun).count(), access.visible(user, RuleSettings).count()) == ((1, 1) if sees else (0, 0))
