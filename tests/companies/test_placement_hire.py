"""The "hired" step (issue 13 §3): it opens the learner's existing draft or contract in force instead
of creating a second one; hired by a CRE (who may not edit contracts), the contract to prepare is
handed to the administrative team — one row on their home page, gone once the contract leaves the
draft."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alternance import selectors as core_selectors
from companies import services
from companies.choices import PlacementStatus
from companies.models import Placement
from contracts.choices import ContractStatus
from contracts.models import Contract
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


@pytest.fixture
def world():
    return make_world()


def to_interview(world, *, apprentice=None, company=None) -> Placement:
    placement = services.placement_propose(apprentice=apprentice or world.a.seeking, company=company or world.a.company,
                                           by=world.a.cre, today=TODAY)
    return services.placement_move(placement=placement, to=PlacementStatus.INTERVIEW, by=world.a.cre, today=TODAY)


def hire(client, user, placement):
    client.force_login(user)
    return client.post(reverse("companies:placement_move", args=[placement.pk, PlacementStatus.HIRED]), follow=True)


def tasks(world) -> list[Placement]:
    return list(core_selectors.contracts_handed_over(world.admin_staff))


def test_staff_who_may_edit_contracts_get_a_new_draft_and_no_task(client, world):
    placement = to_interview(world)

    response = hire(client, world.coordinator, placement)

    contract = Contract.objects.get(apprentice=world.a.seeking)
    assert response.redirect_chain[-1][0] == reverse("contracts:contract_detail", args=[contract.pk])
    assert "le contrat est créé en brouillon" in response.content.decode()
    placement.refresh_from_db()
    assert (placement.contract_id, placement.contract_handed_over_at) == (contract.pk, None)
    assert tasks(world) == []


def test_a_cre_hire_hands_the_new_draft_to_admin_staff_once_until_it_leaves_the_draft(client, world):
    placement = to_interview(world)

    response = hire(client, world.a.cre, placement)

    contract = Contract.objects.get(apprentice=world.a.seeking)
    assert (contract.status, contract.created_by) == (ContractStatus.DRAFT, world.a.cre)
    assert response.redirect_chain[-1][0] == reverse("companies:placement_learner", args=[world.a.seeking.pk])
    assert "Embauche enregistrée. Le brouillon de contrat a été confié au service administratif." in response.content.decode()
    assert [(p.pk, p.contract_id, p.contract_handed_over_by) for p in tasks(world)] == [(placement.pk, contract.pk, world.a.cre)]

    client.force_login(world.admin_staff)
    home = client.get(reverse("home"))
    assert [p.pk for p in home.context["handed_over"]] == [placement.pk]
    assert contract.pk not in [c.pk for c in home.context["to_handle"]]  # shown once, as the task
    assert home.content.decode().count(reverse("contracts:contract_detail", args=[contract.pk])) == 1

    # Edited but still a draft: still to do. Passed to signature (checklist complete): done.
    Contract.objects.filter(pk=contract.pk).update(weekly_hours=30, updated_at=timezone.now())
    assert len(tasks(world)) == 1
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.AWAITING_SIGNATURES, updated_at=timezone.now())
    assert tasks(world) == []
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.SIGNED, updated_at=timezone.now())
    assert tasks(world) == []


def test_an_existing_draft_is_reused_not_duplicated(client, world):
    draft = ContractFactory(apprentice=world.a.seeking, company=world.a.company, status=ContractStatus.DRAFT, signature_date=None)
    placement = to_interview(world)

    response = hire(client, world.coordinator, placement)

    assert Contract.objects.filter(apprentice=world.a.seeking).count() == 1
    assert response.redirect_chain[-1][0] == reverse("contracts:contract_detail", args=[draft.pk])
    assert "le brouillon de contrat existant de Chloé Petit est repris, aucun second contrat" in response.content.decode()
    assert Placement.objects.get(pk=placement.pk).contract_id == draft.pk


def test_a_cre_hire_with_an_existing_draft_hands_it_over(client, world):
    draft = ContractFactory(apprentice=world.a.seeking, company=world.a.company, status=ContractStatus.DRAFT, signature_date=None)
    placement = to_interview(world)

    response = hire(client, world.a.cre, placement)

    assert Contract.objects.filter(apprentice=world.a.seeking).count() == 1
    assert "Le brouillon de contrat a été confié au service administratif." in response.content.decode()
    assert [(p.pk, p.contract_id) for p in tasks(world)] == [(placement.pk, draft.pk)]


@pytest.mark.parametrize("who", ["coordinator", "cre"])
def test_a_contract_in_force_is_opened_not_duplicated_and_nothing_is_handed_over(client, world, who):
    learner = ApprenticeFactory(cohort=world.a.cohort, last_name="Rupture")
    current = ContractFactory(apprentice=learner, company=world.a.company, status=ContractStatus.SIGNED)
    placement = to_interview(world, apprentice=learner)

    response = hire(client, world.coordinator if who == "coordinator" else world.a.cre, placement)

    assert list(Contract.objects.filter(apprentice=learner)) == [current]
    assert response.redirect_chain[-1][0] == reverse("contracts:contract_detail", args=[current.pk])
    assert "a déjà un contrat « Signé » avec Boulangerie Alpha, aucun second contrat n&#x27;a été créé" in response.content.decode()
    assert tasks(world) == []


def test_a_draft_with_another_employer_is_not_duplicated_and_the_message_says_so(client, world):
    other = CompanyFactory(name="Autre employeur")
    draft = ContractFactory(apprentice=world.a.seeking, company=other, status=ContractStatus.DRAFT, signature_date=None)
    placement = to_interview(world)

    response = hire(client, world.a.cre, placement)

    assert list(Contract.objects.filter(apprentice=world.a.seeking)) == [draft]
    html = response.content.decode()
    assert "a déjà un contrat « Brouillon » avec Autre employeur : aucun second contrat" in html
    assert "Le brouillon de contrat a été confié au service administratif." in html
    assert [(p.pk, p.contract_id) for p in tasks(world)] == [(placement.pk, None)]
    # Admin staff correct the employer and send the draft to signature: the task goes.
    Contract.objects.filter(pk=draft.pk).update(company=world.a.company, status=ContractStatus.AWAITING_SIGNATURES,
                                                updated_at=timezone.now())
    assert tasks(world) == []


def test_an_older_contract_with_the_same_employer_does_not_close_the_task(client, world):
    learner = ApprenticeFactory(cohort=world.a.cohort, last_name="Retour")
    old = ContractFactory(apprentice=learner, company=world.a.company, status=ContractStatus.BROKEN,
                          rupture_date=date(2026, 10, 1), rupture_kind="mutual_agreement")
    Contract.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    placement = to_interview(world, apprentice=learner)

    hire(client, world.a.cre, placement)

    assert [p.pk for p in tasks(world)] == [placement.pk]


def test_tasks_are_staff_only_and_the_home_page_query_count_does_not_grow(client, world):
    client.force_login(world.admin_staff)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries)

    none = measure()
    to_interview(world)
    services.placement_move(placement=Placement.objects.get(apprentice=world.a.seeking), to=PlacementStatus.HIRED, by=world.a.cre,
                            today=TODAY, hand_over_contract=True)
    one = measure()
    # The hires' learner (with its cohort), company, draft and CRE come apart, only when there are hires.
    assert one == none + 5
    for name in ("Un", "Deux"):
        learner = ApprenticeFactory(cohort=world.a.cohort, last_name=name)
        services.placement_move(placement=to_interview(world, apprentice=learner), to=PlacementStatus.HIRED, by=world.a.cre,
                                today=TODAY, hand_over_contract=True)
    assert len(tasks(world)) == 3
    assert measure() == one
    assert list(core_selectors.contracts_handed_over(world.a.apprentice_user)) == []
    assert list(core_selectors.contracts_handed_over(world.a.employer_user)) == []
