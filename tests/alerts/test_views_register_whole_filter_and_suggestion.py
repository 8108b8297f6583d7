"""The alert register acts on every alert of the current filter across pages (re-evaluated on the
server from the submitted filter, in the user's scope), bulk actions keep a constant query count,
and the assign forms preselect the suggested person — else the rule's natural owner (issue 14 §5)."""

from datetime import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.choices import AlertStatus
from alerts.models import Alert, AlertEvent
from alternance.choices import Role
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import CreFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

PAGE_SIZE = 25


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def many(world, count: int, *, rule: str = "contract_end", side: str = "a", **fields) -> list[Alert]:
    apprentice = getattr(world, side).apprentice
    start = Alert.objects.count() + 1000
    return [
        AlertFactory(apprentice=apprentice, subject_id=start + n, rule_code=rule, title=f"{rule} {n}", **fields)
        for n in range(count)
    ]


def statuses(alerts) -> list[str]:
    return list(Alert.objects.filter(pk__in=[a.pk for a in alerts]).order_by("pk").values_list("status", flat=True))


def bulk(client, data: dict):
    return client.post(reverse("alerts:alert_bulk"), data, follow=True)


# --- « Sélectionner les N alertes du filtre » ----------------------------------------------------------


@pytest.mark.parametrize(("count", "offered"), [(PAGE_SIZE - 1, False), (PAGE_SIZE, False), (PAGE_SIZE + 1, True)])
def test_the_whole_filter_is_offered_only_when_it_spans_several_pages(client, world, count, offered):
    many(world, count)
    client.force_login(world.coordinator)

    html = client.get(reverse("alerts:alert_list"), {"rule": "contract_end"}).content.decode()

    assert (f"Sélectionner les {count} alertes du filtre" in html) is offered
    assert 'name="filter_query" value="rule=contract_end"' in html


def test_validating_the_whole_filter_moves_every_alert_of_the_filter_on_every_page_and_nothing_else(client, world):
    in_filter = many(world, PAGE_SIZE + 3)
    other_rule = many(world, 2, rule="visits_overdue")
    client.force_login(world.coordinator)

    response = bulk(client, {
        "action": "validate", "whole_filter": "1", "filter_query": "rule=contract_end",
        # A box checked on the page outside the filter is not what « the whole filter » means.
        "alerts": [other_rule[0].pk], "next": "/alertes/?rule=contract_end&page=2",
    })

    assert statuses(in_filter) == [AlertStatus.VALIDATED] * (PAGE_SIZE + 3)
    assert statuses(other_rule) == [AlertStatus.NEW, AlertStatus.NEW]
    assert [str(m) for m in response.context["messages"]] == [f"{PAGE_SIZE + 3} alertes validées."]
    assert AlertEvent.objects.filter(alert__in=in_filter, from_status="new", to_status="validated", author=world.coordinator).count() == PAGE_SIZE + 3
    assert response.redirect_chain[-1][0] == "/alertes/?rule=contract_end&page=2"


def test_the_filter_is_re_evaluated_on_the_server_with_every_register_filter(client, world):
    assigned_b = many(world, 2, side="b", status=AlertStatus.ASSIGNED, assignee=world.b.cre)
    other_cohort = many(world, 2, side="a")
    client.force_login(world.coordinator)

    bulk(client, {"action": "assign", "assignee": world.b.tutor.pk, "whole_filter": "1",
                  "filter_query": urlencode({"rule": "contract_end", "cohort": world.b.cohort.pk, "status": "assigned"})})

    assert list(Alert.objects.filter(pk__in=[a.pk for a in assigned_b]).values_list("assignee_id", flat=True)) == [world.b.tutor.pk] * 2
    assert statuses(other_cohort) == [AlertStatus.NEW, AlertStatus.NEW]


@pytest.mark.parametrize(("role", "expected"), [
    (Role.COORDINATOR, 302), (Role.ADMIN_STAFF, 403), (Role.CRE, 403), (Role.TUTOR, 403), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403),
])
def test_permission_matrix_of_the_whole_filter_action(client, world, role, expected):
    alerts = many(world, 3)
    client.force_login(world.user(role))

    response = client.post(reverse("alerts:alert_bulk"), {"action": "validate", "whole_filter": "1", "filter_query": "rule=contract_end"})

    assert response.status_code == expected
    assert statuses(alerts) == [AlertStatus.VALIDATED if expected == 302 else AlertStatus.NEW] * 3


def test_an_empty_selection_without_the_whole_filter_says_what_to_do(client, world):
    client.force_login(world.coordinator)

    response = bulk(client, {"action": "validate", "filter_query": "rule=contract_end"})

    assert [str(m) for m in response.context["messages"]] == ["Cochez au moins une alerte dans la liste."]


@pytest.mark.parametrize("action", ["validate", "assign", "assign_suggested"])
def test_the_query_count_of_a_bulk_action_does_not_grow_with_the_selection(client, world, action):
    client.force_login(world.coordinator)

    def run(rule: str, count: int) -> int:
        alerts = many(world, count, rule=rule, suggested_assignee=world.a.cre)
        data = {"action": action, "whole_filter": "1", "filter_query": f"rule={rule}"}
        if action == "assign":
            data["assignee"] = world.a.tutor.pk
        with CaptureQueriesContext(connection) as queries:
            client.post(reverse("alerts:alert_bulk"), data)
        assert statuses(alerts) == [AlertStatus.VALIDATED if action == "validate" else AlertStatus.ASSIGNED] * count
        return len(queries)

    assert run("contract_end", 1) == run("visits_overdue", 6)


# --- the suggested person --------------------------------------------------------------------------------


def company_alert(world, **fields) -> Alert:
    company = world.a.company
    return AlertFactory(apprentice=None, company=company, subject_type=ContentType.objects.get_for_model(company), subject_id=company.pk,
                        subject_label=company.name, rule_code="master_capacity", title="Capacité des maîtres", **fields)


@pytest.mark.parametrize(("case", "expected"), [
    ("suggested", "suggested"),
    ("learner_without_suggestion", "cohort_tutor"),
    ("contract_without_suggestion", "cohort_tutor"),
    ("company_without_suggestion", "company_cre"),
])
def test_the_assign_form_preselects_the_suggested_person_or_the_rules_natural_owner(client, world, case, expected):
    someone = CreFactory(first_name="Sophie", last_name="Suggérée")
    alert = {
        "suggested": lambda: AlertFactory(apprentice=world.a.apprentice, subject_id=900098, suggested_assignee=someone),
        "learner_without_suggestion": lambda: AlertFactory(apprentice=world.a.apprentice, subject_id=900099),
        "contract_without_suggestion": lambda: AlertFactory(apprentice=None, contract=world.a.contract, rule_code="contract_end",
                                                            subject_type=ContentType.objects.get_for_model(world.a.contract),
                                                            subject_id=world.a.contract.pk),
        "company_without_suggestion": lambda: company_alert(world),
    }[case]()
    client.force_login(world.coordinator)

    form = client.get(reverse("alerts:alert_detail", args=[alert.pk])).context["assign_form"]

    assert form.initial["assignee"] == {"suggested": someone, "cohort_tutor": world.a.tutor, "company_cre": world.a.cre}[expected]


def test_a_suggested_person_who_cannot_receive_alerts_is_not_preselected(client, world):
    alert = AlertFactory(apprentice=world.a.apprentice, subject_id=900077, suggested_assignee=world.a.employer_user)
    client.force_login(world.coordinator)

    assert client.get(reverse("alerts:alert_detail", args=[alert.pk])).context["assign_form"].initial["assignee"] is None


def test_the_bulk_form_preselects_the_person_the_whole_filter_shares(client, world):
    many(world, 3, suggested_assignee=world.a.cre)
    many(world, 2, rule="visits_overdue", suggested_assignee=world.b.cre)
    client.force_login(world.coordinator)

    shared = client.get(reverse("alerts:alert_list"), {"rule": "contract_end"}).context["bulk_form"]
    mixed = client.get(reverse("alerts:alert_list"), {"status": "new", "q": "_"}).context["bulk_form"]

    assert shared.initial["assignee"] == world.a.cre
    assert mixed.initial["assignee"] is None


def test_one_alert_without_anybody_among_a_shared_filter_preselects_nobody(client, world):
    """The first alert's person is shared by the others, but one alert has nobody to suggest (its
    company has no CRE): nobody is preselected, whatever the order the rows come in."""
    many(world, 2, suggested_assignee=world.a.cre)
    company_alert(world, suggested_assignee=None)
    world.a.company.owner_cre = None
    world.a.company.save()
    client.force_login(world.coordinator)

    form = client.get(reverse("alerts:alert_list"), {"status": "new"}).context["bulk_form"]
    alone = client.get(reverse("alerts:alert_list"), {"rule": "contract_end"}).context["bulk_form"]

    assert form.initial["assignee"] is None
    assert alone.initial["assignee"] == world.a.cre


def test_assigning_each_to_its_suggested_person_and_refusing_those_without_one(client, world):
    to_cre = many(world, 2, suggested_assignee=world.b.cre)
    to_tutor = many(world, 1, side="b")  # no suggestion: the cohort's referent tutor
    company = company_alert(world, suggested_assignee=None)
    world.a.company.owner_cre = None
    world.a.company.save()
    client.force_login(world.coordinator)

    response = bulk(client, {"action": "assign_suggested", "alerts": [a.pk for a in to_cre + to_tutor] + [company.pk]})

    rows = dict(Alert.objects.filter(pk__in=[a.pk for a in to_cre + to_tutor + [company]]).values_list("pk", "assignee_id"))
    assert rows == {to_cre[0].pk: world.b.cre.pk, to_cre[1].pk: world.b.cre.pk, to_tutor[0].pk: world.b.tutor.pk, company.pk: None}
    assert statuses([company]) == [AlertStatus.NEW]
    assert [str(m) for m in response.context["messages"]] == [
        "3 alertes attribuées chacune à la personne suggérée.",
        f"1 alerte refusée — n° {company.pk} (Capacité des maîtres) : aucune personne suggérée pour cette alerte : "
        "attribuez-la en choisissant une personne.",
    ]
