"""Contracts list (scope, filters, query count) and contract page (dates, history, OPCO file)."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role
from contracts.choices import ContractStatus, RuptureKind
from contracts.models import ContractStatusChange
from tests.factories.contracts import ContractFactory, OpcoInstalmentFactory
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
    response = client.get(reverse("contracts:contract_list") + query)
    assert response.status_code == 200
    return [c.apprentice.full_name for c in response.context["contracts"]]


def test_staff_list_is_scoped(client, world):
    assert sorted(listed(client, world.coordinator)) == ["Alice Martin", "Bruno Durand"]
    assert listed(client, world.a.tutor) == ["Alice Martin"]


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER])
def test_extranet_users_get_403_on_the_list(client, world, role):
    client.force_login(world.user(role))

    assert client.get(reverse("contracts:contract_list")).status_code == 403


def test_filters_status_groups_search_ending_and_opco(client, world):
    draft = ContractFactory(apprentice=world.a.seeking, company=world.b.company, status=ContractStatus.DRAFT, signature_date=None)
    world.b.contract.end_date = date(2027, 1, 10)
    world.b.contract.save(update_fields=["end_date"])

    assert listed(client, world.coordinator, "?status=draft") == ["Chloé Petit"]
    assert sorted(listed(client, world.coordinator, "?status=active")) == ["Alice Martin", "Bruno Durand"]
    assert listed(client, world.coordinator, "?status=to_handle") == ["Chloé Petit"]
    assert sorted(listed(client, world.coordinator, "?q=bêta")) == ["Bruno Durand", "Chloé Petit"]
    assert listed(client, world.coordinator, "?status=active&ending=60") == ["Bruno Durand"]
    assert sorted(listed(client, world.coordinator, "?opco=pending")) == ["Alice Martin", "Bruno Durand"]
    assert draft.pk  # the draft has no OPCO file, so it is not "awaiting the OPCO"


def test_sort_by_apprentice(client, world):
    assert listed(client, world.coordinator, "?sort=apprentice") == ["Bruno Durand", "Alice Martin"]


def count_queries(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TUTOR])
def test_list_query_count_does_not_grow_with_rows(client, world, role):
    user = world.user(role)
    url = reverse("contracts:contract_list") + "?q=Alpha"
    with_one = count_queries(client, user, url)
    for n in range(3):
        add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Ajout{n}")

    with_four = count_queries(client, user, url)

    assert len(client.get(url).context["contracts"]) == 4
    assert with_four == with_one, (with_one, with_four)


def test_contract_page_shows_dates_history_and_opco_file_to_staff(client, world):
    ContractStatusChange.objects.create(contract=world.a.contract, from_status="accepted", to_status="in_progress",
                                        changed_by=world.admin_staff, comment="Démarrage")
    OpcoInstalmentFactory(opco_file=world.a.contract.opco_file)
    client.force_login(world.admin_staff)

    response = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk]))

    assert response.context["opco_file"] == world.a.contract.opco_file
    assert [c.comment for c in response.context["status_changes"]] == ["Démarrage"]
    html = response.content.decode()
    for expected in ("Alice Martin", "Boulangerie Alpha", "25/08/2026", "01/09/2026", "31/08/2028", "Dossier OPCO",
                     "04/09/2026", "Avance", "3200,00 €", "Démarrage", "Pris en charge par l&#x27;OPCO"):
        assert expected in html, expected


def test_contract_page_for_the_employer_has_no_opco_file_nor_crm_link(client, world):
    client.force_login(world.a.employer_user)

    response = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk]))

    assert response.status_code == 200
    assert response.context["opco_file"] is None
    html = response.content.decode()
    assert "Dossier OPCO" not in html
    assert reverse("companies:company_detail", args=[world.a.company.pk]) not in html


@pytest.mark.parametrize(("offset", "listed_"), [
    (9, False),   # the day before the period
    (10, True),   # its first day
    (20, True),   # its last day
    (21, False),  # the day after
])
def test_the_ruptures_of_a_period_are_listed_by_rupture_date_inclusive(client, world, offset, listed_):
    from datetime import timedelta

    contract = world.a.contract
    contract.status, contract.rupture_kind = ContractStatus.BROKEN, RuptureKind.MUTUAL_AGREEMENT
    contract.rupture_date = contract.start_date + timedelta(days=offset)
    contract.save(update_fields=["status", "rupture_date", "rupture_kind"])
    period = f"?rupture_du={contract.start_date + timedelta(days=10)}&rupture_au={contract.start_date + timedelta(days=20)}"

    assert listed(client, world.coordinator, period) == (["Alice Martin"] if listed_ else [])


def test_a_malformed_rupture_date_is_ignored_not_an_error(client, world):
    assert sorted(listed(client, world.coordinator, "?rupture_du=29/11/2025")) == ["Alice Martin", "Bruno Durand"]
