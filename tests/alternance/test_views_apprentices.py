"""Apprentice list (filters, sorting, pagination, scope, query count) and record page."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import ApprenticeStatus
from tests.factories.alternance import ApprenticeFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def listed(client, user, query: str = "") -> list[str]:
    client.force_login(user)
    response = client.get(reverse("apprentice_list") + query)
    assert response.status_code == 200
    return [a.full_name for a in response.context["apprentices"]]


def test_coordinator_lists_every_apprentice_sorted_by_name(client, world):
    assert listed(client, world.coordinator) == ["Bruno Durand", "Alice Martin", "Chloé Petit", "Damien Roux"]


def test_tutor_lists_only_the_apprentices_of_its_cohorts(client, world):
    assert listed(client, world.a.tutor) == ["Alice Martin", "Chloé Petit"]


def test_search_by_name_is_case_insensitive_and_matches_every_word(client, world):
    assert listed(client, world.coordinator, "?q=alice+MARTIN") == ["Alice Martin"]
    assert listed(client, world.coordinator, "?q=mar") == ["Alice Martin"]


def test_filter_by_status_and_cohort(client, world):
    assert listed(client, world.coordinator, "?status=seeking") == ["Chloé Petit", "Damien Roux"]
    assert listed(client, world.coordinator, f"?cohort={world.b.cohort.pk}") == ["Bruno Durand", "Damien Roux"]
    # An unknown status or a malformed cohort is ignored rather than failing.
    assert len(listed(client, world.coordinator, "?status=nope&cohort=abc")) == 4


def test_sort_by_name_descending(client, world):
    assert listed(client, world.coordinator, "?sort=-name") == ["Damien Roux", "Chloé Petit", "Alice Martin", "Bruno Durand"]


def test_list_shows_the_current_company(client, world):
    client.force_login(world.coordinator)

    html = client.get(reverse("apprentice_list") + "?q=Martin").content.decode()

    assert "Boulangerie Alpha" in html and "Garage Bêta" not in html


def test_list_is_paginated_by_25_and_keeps_filters_in_page_links(client, world):
    for n in range(30):
        ApprenticeFactory(cohort=world.a.cohort, last_name=f"Zed{n:02d}", status=ApprenticeStatus.SEEKING)
    client.force_login(world.coordinator)

    first = client.get(reverse("apprentice_list") + "?status=seeking")
    second = client.get(reverse("apprentice_list") + "?status=seeking&page=2")

    assert len(first.context["apprentices"]) == 25
    assert len(second.context["apprentices"]) == 7
    assert "?status=seeking&amp;page=2" in first.content.decode()


def count_queries(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role_user", ["coordinator", "tutor"])
def test_list_query_count_does_not_grow_with_rows(client, world, role_user):
    user = world.coordinator if role_user == "coordinator" else world.a.tutor
    url = reverse("apprentice_list") + "?q=Martin"
    with_one = count_queries(client, user, url)
    for n in range(3):
        add_contracted_apprentice(world.a.cohort, world.a.company, last_name="Martin", first_name=f"Ajout{n}")

    with_four = count_queries(client, user, url)

    assert with_four == with_one, (with_one, with_four)


def test_record_page_shows_identity_contract_visit_absence_and_alert_for_staff(client, world):
    client.force_login(world.a.tutor)

    response = client.get(reverse("apprentice_detail", args=[world.a.apprentice.pk]))

    html = response.content.decode()
    for expected in ("Alice Martin", "Promotion A 2026", "Boulangerie Alpha", "Première visite", "16/11/2026", "Absences répétées A"):
        assert expected in html, expected


def test_record_page_for_the_employer_hides_alerts(client, world):
    client.force_login(world.a.employer_user)

    response = client.get(reverse("apprentice_detail", args=[world.a.apprentice.pk]))

    assert response.context["alerts"] == []
    assert "Absences répétées A" not in response.content.decode()


def test_apprentice_page_links_to_its_calendar_and_monthly_statements(client):
    world = make_world()
    client.force_login(world.a.tutor)

    response = client.get(reverse("apprentice_detail", args=[world.a.apprentice.pk]))

    html = response.content.decode()
    assert f'href="{reverse("apprentice_calendar", args=[world.a.apprentice.pk])}"' in html
    months = [item.month for item in response.context["statement_months"]]
    assert months and all(
        f'href="{reverse("attendance_statement_pdf", args=[world.a.apprentice.pk, m.year, m.month])}"' in html for m in months
    )
    assert f'{reverse("justification_queue")}?promotion={world.a.cohort.pk}' in html
