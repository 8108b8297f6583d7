"""Companies list (scope, filters, query count) and company page (contacts, contracts, timeline)."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role
from tests.factories.companies import CompanyContactFactory, CompanyFactory, InteractionFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def listed(client, user, query: str = "") -> list[tuple[str, int]]:
    client.force_login(user)
    response = client.get(reverse("companies:company_list") + query)
    assert response.status_code == 200
    return [(c.name, c.active_contracts) for c in response.context["companies"]]


def test_coordinator_lists_every_company_with_its_active_contracts(client, world):
    add_contracted_apprentice(world.a.cohort, world.a.company, last_name="Second")

    assert listed(client, world.coordinator) == [("Boulangerie Alpha", 2), ("Garage Bêta", 1)]


def test_tutor_lists_only_its_apprentices_employers(client, world):
    assert listed(client, world.a.tutor) == [("Boulangerie Alpha", 1)]


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER])
def test_extranet_users_may_not_open_the_crm(client, world, role):
    client.force_login(world.user(role))

    assert client.get(reverse("companies:company_list")).status_code == 403
    assert client.get(reverse("companies:company_detail", args=[world.a.company.pk])).status_code == 403


def test_filters_search_mine_and_sensitive(client, world):
    CompanyFactory(name="Alpha Sensible", owner_cre=world.b.cre, sensitive=True, sensitive_reason="Tensions")

    assert [n for n, _ in listed(client, world.a.cre, "?q=alpha")] == ["Alpha Sensible", "Boulangerie Alpha"]
    assert [n for n, _ in listed(client, world.a.cre, "?mine=1")] == ["Boulangerie Alpha"]
    assert [n for n, _ in listed(client, world.a.cre, "?sensitive=1")] == ["Alpha Sensible"]
    assert [n for n, _ in listed(client, world.a.cre, f"?q={world.b.company.siret}")] == ["Garage Bêta"]


def test_sort_by_active_contracts_descending(client, world):
    add_contracted_apprentice(world.b.cohort, world.b.company, last_name="Second")
    CompanyFactory(name="Aucun Contrat")

    assert listed(client, world.coordinator, "?sort=-contracts") == [("Garage Bêta", 2), ("Boulangerie Alpha", 1), ("Aucun Contrat", 0)]


def count_queries(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TUTOR])
def test_list_query_count_does_not_grow_with_rows(client, world, role):
    user = world.user(role)
    url = reverse("companies:company_list") + "?q=Boulangerie"
    with_one = count_queries(client, user, url)
    for n in range(3):
        company = CompanyFactory(name=f"Boulangerie {n}")
        add_contracted_apprentice(world.a.cohort, company, last_name=f"Ajout{n}")

    with_four = count_queries(client, user, url)

    assert len(client.get(url).context["companies"]) == 4
    assert with_four == with_one, (with_one, with_four)


def test_company_page_shows_contacts_contracts_and_interactions_timeline(client, world):
    CompanyContactFactory(company=world.a.company, first_name="Rita", last_name="Hérault", is_master=False, is_hr=True)
    InteractionFactory(company=world.a.company, author=world.a.cre, summary="Premier rendez-vous",
                       occurred_at=datetime(2026, 10, 1, 10, 0, tzinfo=PARIS), next_follow_up=date(2026, 10, 15), follow_up_done=True)
    InteractionFactory(company=world.b.company, author=world.b.cre, summary="Échange chez Bêta")
    client.force_login(world.a.cre)

    response = client.get(reverse("companies:company_detail", args=[world.a.company.pk]))

    assert [c.full_name for c in response.context["contacts"]] == ["Rita Hérault", "Maître TuteurA"]
    assert response.context["contracts"] == [world.a.contract]
    assert [i.summary for i in response.context["interactions"]] == ["Relance Boulangerie Alpha", "Premier rendez-vous"]
    html = response.content.decode()
    for expected in ("Boulangerie Alpha", "Rita Hérault", "Alice Martin", "Premier rendez-vous", "Atlas"):
        assert expected in html, expected
    assert "Échange chez Bêta" not in html and "Bruno Durand" not in html


def test_company_page_query_count_does_not_grow_with_rows(client, world):
    url = reverse("companies:company_detail", args=[world.a.company.pk])
    with_one = count_queries(client, world.coordinator, url)
    for n in range(3):
        add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Ajout{n}")
        InteractionFactory(company=world.a.company, author=world.a.cre, summary=f"Échange {n}")

    assert count_queries(client, world.coordinator, url) == with_one


def test_only_active_contracts_count_and_the_page_count_is_not_an_aggregate(client, world):
    """A draft, an ended and a refused contract count for nothing (one active each: the world's); the
    paginator counts the companies without aggregating their contracts (issue 18 §2: the counts are computed for the page's rows)."""
    from contracts.choices import ContractStatus

    for status in (ContractStatus.DRAFT, ContractStatus.ENDED, ContractStatus.REFUSED):
        contract = add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Statut {status}")
        contract.status = status
        contract.save(update_fields=["status"])
    client.force_login(world.coordinator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("companies:company_list"))
    assert [(c.name, c.active_contracts) for c in response.context["companies"]] == [("Boulangerie Alpha", 1), ("Garage Bêta", 1)]
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)") and "companies_company" in q["sql"]]
    assert counts and all("GROUP BY" not in sql and "contracts_contract" not in sql for sql in counts)
