"""CRM and placement services: logging, follow-ups, sensitivity, reassignment, offers, pipeline."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from alternance.choices import ApprenticeStatus
from companies import services
from companies.choices import InteractionKind, InteractionOutcome, OfferStatus, PlacementStatus
from companies.models import Company, Interaction, Offer, Placement, PlacementEvent
from companies.services import PlacementError
from contracts.choices import ContractStatus
from contracts.models import Contract, ContractStatusChange
from tests.factories.alternance import ApprenticeFactory, CohortFactory, CoordinatorFactory, CreFactory, TutorFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory, InteractionFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


def test_interaction_log_records_the_exchange_with_its_follow_up():
    cre = CreFactory()
    company = CompanyFactory(owner_cre=cre)

    logged = services.interaction_log(company=company, author=cre, kind=InteractionKind.CALL, outcome=InteractionOutcome.POSITIVE,
                                      summary="  Appel au gérant : besoin d'un apprenti en mars.  ", next_follow_up=date(2026, 12, 5))

    row = Interaction.objects.get(pk=logged.pk)
    assert (row.company, row.author, row.kind, row.outcome, row.summary, row.next_follow_up, row.follow_up_done) == (
        company, cre, "call", "positive", "Appel au gérant : besoin d'un apprenti en mars.", date(2026, 12, 5), False
    )


def test_interaction_log_refuses_an_empty_summary_and_a_past_follow_up():
    cre = CreFactory()
    company = CompanyFactory(owner_cre=cre)

    with pytest.raises(ValidationError) as error:
        services.interaction_log(company=company, author=cre, kind="call", summary="  ", next_follow_up=date(2026, 11, 1))

    assert set(error.value.error_dict) == {"summary", "next_follow_up"}
    assert Interaction.objects.count() == 0


def test_follow_up_done_once_then_refused():
    interaction = InteractionFactory(next_follow_up=date(2026, 11, 20))

    services.interaction_follow_up_done(interaction=interaction, by=interaction.author)

    assert Interaction.objects.get(pk=interaction.pk).follow_up_done is True
    with pytest.raises(ValidationError, match="déjà marquée"):
        services.interaction_follow_up_done(interaction=interaction, by=interaction.author)


def test_company_set_sensitive_requires_a_reason_and_unflag_clears_it():
    company = CompanyFactory()
    with pytest.raises(ValidationError):
        services.company_set_sensitive(company=company, by=company.owner_cre, sensitive=True, reason=" ")

    services.company_set_sensitive(company=company, by=company.owner_cre, sensitive=True, reason="Turnover des MA")
    assert Company.objects.values_list("sensitive", "sensitive_reason").get(pk=company.pk) == (True, "Turnover des MA")
    services.company_set_sensitive(company=company, by=company.owner_cre, sensitive=False, reason="ignored")
    assert Company.objects.values_list("sensitive", "sensitive_reason").get(pk=company.pk) == (False, "")


def test_portfolio_reassign_moves_companies_and_notes_it_in_the_timeline():
    coordinator = CoordinatorFactory()
    old, new = CreFactory(first_name="Ana", last_name="Ancien"), CreFactory(first_name="Noé", last_name="Nouveau")
    first, second, untouched = CompanyFactory(owner_cre=old), CompanyFactory(owner_cre=new), CompanyFactory(owner_cre=old)

    moved = services.portfolio_reassign(companies=[first, second], to_cre=new, by=coordinator)

    assert moved == 1  # the second one already belonged to the new CRE
    assert dict(Company.objects.values_list("pk", "owner_cre")) == {first.pk: new.pk, second.pk: new.pk, untouched.pk: old.pk}
    assert list(Interaction.objects.values_list("company", "author", "summary")) == [
        (first.pk, coordinator.pk, "Portefeuille réaffecté : Ana Ancien → Noé Nouveau.")
    ]


def test_portfolio_reassign_refuses_a_non_cre_target():
    company = CompanyFactory()
    with pytest.raises(ValidationError):
        services.portfolio_reassign(companies=[company], to_cre=TutorFactory(), by=CoordinatorFactory())
    assert Company.objects.get(pk=company.pk).owner_cre_id == company.owner_cre_id


def test_offer_create_update_and_close():
    company = CompanyFactory()
    cohort = CohortFactory()
    offer = services.offer_create(company=company, by=company.owner_cre, programme=cohort.programme, places=2,
                                  start_date=date(2027, 1, 4), end_date=date(2028, 6, 30), description="Développeur")
    services.offer_update(offer=offer, by=company.owner_cre, places=3)
    assert Offer.objects.values_list("places", "status").get(pk=offer.pk) == (3, "open")

    services.offer_close(offer=offer, by=company.owner_cre)

    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.CLOSED
    with pytest.raises(ValidationError):
        services.offer_close(offer=offer, by=company.owner_cre)


@pytest.mark.parametrize(("places", "start", "end", "field"), [
    (0, date(2027, 1, 4), date(2028, 1, 4), "places"),
    (1, date(2027, 1, 4), date(2026, 1, 4), "end_date"),
])
def test_offer_create_refuses_invalid_data(places, start, end, field):
    company = CompanyFactory()
    with pytest.raises(ValidationError) as error:
        services.offer_create(company=company, by=company.owner_cre, programme=CohortFactory().programme, places=places,
                              start_date=start, end_date=end)
    assert field in error.value.error_dict


# --- placement pipeline -------------------------------------------------------------------------

@pytest.fixture
def seeking():
    return ApprenticeFactory(status=ApprenticeStatus.SEEKING, first_name="Inès", last_name="Lemoine")


def history(placement) -> list[tuple[str, str]]:
    return list(PlacementEvent.objects.filter(placement=placement).order_by("pk").values_list("from_status", "to_status"))


def test_pipeline_proposed_interview_hired_opens_a_draft_contract(seeking):
    company = CompanyFactory()
    master = CompanyContactFactory(company=company, last_name="Zed", first_name="Ma")
    CompanyContactFactory(company=company, last_name="Abel", first_name="Inactif", active=False)
    offer = services.offer_create(company=company, by=company.owner_cre, programme=seeking.cohort.programme, places=1,
                                  start_date=date(2027, 1, 4), end_date=date(2028, 6, 30))
    cre = company.owner_cre
    placement = services.placement_propose(apprentice=seeking, company=company, offer=offer, by=cre, today=TODAY)

    services.placement_move(placement=placement, to=PlacementStatus.INTERVIEW, by=cre, today=date(2026, 12, 2))
    services.placement_move(placement=placement, to=PlacementStatus.HIRED, by=cre, today=date(2026, 12, 9))

    placement.refresh_from_db()
    contract = Contract.objects.get()
    assert (placement.status, placement.proposed_on, placement.interview_on, placement.decided_on, placement.contract) == (
        "hired", TODAY, date(2026, 12, 2), date(2026, 12, 9), contract
    )
    assert (contract.status, contract.apprentice, contract.company, contract.programme, contract.start_date, contract.end_date,
            contract.master, contract.created_by) == (
        ContractStatus.DRAFT, seeking, company, seeking.cohort.programme, date(2027, 1, 4), date(2028, 6, 30), master, cre
    )
    assert list(ContractStatusChange.objects.values_list("to_status", flat=True)) == ["draft"]
    assert history(placement) == [("", "proposed"), ("proposed", "interview"), ("interview", "hired")]
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.FILLED  # its only place is taken


def test_hired_without_offer_uses_the_cohort_and_withdraws_other_proposals(seeking):
    cre = CreFactory()
    first, second = CompanyFactory(owner_cre=cre), CompanyFactory(owner_cre=cre)
    hired = services.placement_propose(apprentice=seeking, company=first, by=cre, today=TODAY)
    other = services.placement_propose(apprentice=seeking, company=second, by=cre, today=TODAY)
    services.placement_move(placement=hired, to=PlacementStatus.INTERVIEW, by=cre, today=TODAY)

    services.placement_move(placement=hired, to=PlacementStatus.HIRED, by=cre, today=TODAY)

    contract = Contract.objects.get()
    assert (contract.programme, contract.start_date, contract.end_date, contract.master) == (
        seeking.cohort.programme, TODAY, seeking.cohort.end_date, None
    )
    assert Placement.objects.get(pk=other.pk).status == PlacementStatus.WITHDRAWN
    assert history(other) == [("", "proposed"), ("proposed", "withdrawn")]


def test_hired_with_incomplete_data_keeps_the_hiring_and_explains(seeking):
    company = CompanyFactory()
    offer = Offer.objects.create(company=company, programme=seeking.cohort.programme, places=1,
                                 start_date=date(2027, 1, 4), end_date=date(2027, 1, 4))  # end = start: no valid contract
    placement = services.placement_propose(apprentice=seeking, company=company, offer=offer, by=company.owner_cre, today=TODAY)
    services.placement_move(placement=placement, to=PlacementStatus.INTERVIEW, by=company.owner_cre, today=TODAY)

    moved = services.placement_move(placement=placement, to=PlacementStatus.HIRED, by=company.owner_cre, today=TODAY)

    assert "postérieure" in moved.contract_error
    assert Contract.objects.count() == 0
    assert Placement.objects.values_list("status", "contract").get(pk=placement.pk) == ("hired", None)


@pytest.mark.parametrize(("path", "to"), [
    ((), PlacementStatus.HIRED),  # proposed → hired skips the interview
    ((PlacementStatus.REFUSED,), PlacementStatus.INTERVIEW),  # refused is final
    ((PlacementStatus.INTERVIEW,), PlacementStatus.PROPOSED),  # no way back
    ((), "nonsense"),
])
def test_refused_transitions_leave_the_placement_unchanged(seeking, path, to):
    company = CompanyFactory()
    placement = services.placement_propose(apprentice=seeking, company=company, by=company.owner_cre, today=TODAY)
    for step in path:
        services.placement_move(placement=placement, to=step, by=company.owner_cre, today=TODAY)
    before = history(placement)

    with pytest.raises(PlacementError, match="Impossible"):
        services.placement_move(placement=placement, to=to, by=company.owner_cre, today=TODAY)

    assert history(placement) == before
    assert Contract.objects.count() == 0


def test_a_placement_modified_meanwhile_is_refused(seeking):
    company = CompanyFactory()
    placement = services.placement_propose(apprentice=seeking, company=company, by=company.owner_cre, today=TODAY)
    stale = Placement.objects.get(pk=placement.pk)
    services.placement_move(placement=placement, to=PlacementStatus.REFUSED, by=company.owner_cre, today=TODAY)

    with pytest.raises(PlacementError, match="entre-temps"):
        services.placement_move(placement=stale, to=PlacementStatus.INTERVIEW, by=company.owner_cre, today=TODAY)


def test_one_open_placement_per_apprentice_and_company(seeking):
    company = CompanyFactory()
    first = services.placement_propose(apprentice=seeking, company=company, by=company.owner_cre, today=TODAY)
    with pytest.raises(ValidationError, match="déjà proposé"):
        services.placement_propose(apprentice=seeking, company=company, by=company.owner_cre, today=TODAY)

    services.placement_move(placement=first, to=PlacementStatus.REFUSED, by=company.owner_cre, today=TODAY)
    again = services.placement_propose(apprentice=seeking, company=company, by=company.owner_cre, today=TODAY)

    assert again.status == PlacementStatus.PROPOSED


def test_cannot_propose_on_a_closed_offer_or_another_companys_offer(seeking):
    company, other = CompanyFactory(), CompanyFactory()
    offer = services.offer_create(company=other, by=other.owner_cre, programme=seeking.cohort.programme, places=1,
                                  start_date=date(2027, 1, 4), end_date=date(2028, 1, 4))
    with pytest.raises(ValidationError, match="autre entreprise"):
        services.placement_propose(apprentice=seeking, company=company, offer=offer, by=company.owner_cre, today=TODAY)
    services.offer_close(offer=offer, by=other.owner_cre)
    with pytest.raises(ValidationError, match="plus ouverte"):
        services.placement_propose(apprentice=seeking, company=other, offer=offer, by=other.owner_cre, today=TODAY)
    assert Placement.objects.count() == 0

