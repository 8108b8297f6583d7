"""Company and contact services (issue 13): validated, atomic, nothing half-written."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from companies import services
from companies.choices import OfferStatus, Opco
from companies.models import Company, CompanyContact, Interaction, Offer
from contracts.choices import ContractStatus
from tests.factories.alternance import ApprenticeFactory, CoordinatorFactory, CreFactory, ProgrammeFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

FIELDS = {
    "siret": "73282932000074", "name": "Menuiserie Gamma", "naf_code": "1623Z", "idcc": "1486", "headcount": 12,
    "address": "4 rue du Bois", "postal_code": "69003", "city": "Lyon",
}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 10, tzinfo=PARIS), tick=False)


def test_company_create_by_a_coordinator_without_owner_stays_unowned():
    company = services.company_create(by=CoordinatorFactory(), **FIELDS)

    assert Company.objects.values_list("siret", "owner_cre", "opco").get(pk=company.pk) == ("73282932000074", None, Opco.ATLAS)


def test_company_create_refuses_a_duplicate_siret_typed_with_spaces():
    existing = services.company_create(by=CreFactory(), **FIELDS)

    with pytest.raises(ValidationError) as error:
        services.company_create(by=CreFactory(), **{**FIELDS, "siret": "732 829 320 00074", "name": "Autre"})

    assert error.value.message_dict == {"siret": [
        "Ce SIRET est déjà enregistré pour « Menuiserie Gamma » (Lyon) : ouvrez sa fiche plutôt que d'en créer une seconde."
    ]}
    assert list(Company.objects.values_list("pk", flat=True)) == [existing.pk]


def test_company_create_refuses_an_unknown_field():
    with pytest.raises(TypeError):
        services.company_create(by=CreFactory(), sensitive=True, **FIELDS)


def test_company_update_derives_the_opco_again_unless_imposed():
    company = CompanyFactory(idcc="1486")

    services.company_update(company=company, by=CoordinatorFactory(), idcc="0843")
    assert Company.objects.get(pk=company.pk).opco == Opco.OPCO_EP
    services.company_update(company=company, by=CoordinatorFactory(), opco_overridden=True, opco=Opco.AKTO)
    assert Company.objects.values_list("idcc", "opco").get(pk=company.pk) == ("0843", Opco.AKTO)


@pytest.mark.parametrize(("status", "refused"), [
    (ContractStatus.DRAFT, True), (ContractStatus.IN_PROGRESS, True), (ContractStatus.ENDED, False), (ContractStatus.BROKEN, False),
])
def test_archive_is_refused_while_a_contract_is_in_force_or_in_preparation(status, refused):
    company = CompanyFactory()
    extra = {"rupture_date": date(2026, 11, 15), "rupture_kind": "mutual_agreement"} if status == ContractStatus.BROKEN else {}
    ContractFactory(company=company, apprentice=ApprenticeFactory(), status=status, **extra)
    by = CoordinatorFactory()

    if refused:
        with pytest.raises(ValidationError):
            services.company_archive(company=company, by=by, reason="Fermée")
    else:
        services.company_archive(company=company, by=by, reason="Fermée")

    assert Company.objects.get(pk=company.pk).archived_at == (None if refused else datetime(2026, 11, 25, 10, tzinfo=PARIS))


def test_archive_is_refused_with_an_open_offer_and_twice():
    company = CompanyFactory()
    offer = Offer.objects.create(company=company, programme=ProgrammeFactory(), start_date=date(2027, 1, 4), end_date=date(2028, 8, 31))
    by = CoordinatorFactory()

    with pytest.raises(ValidationError, match="fermez-les"):
        services.company_archive(company=company, by=by, reason="Fermée")
    Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.CLOSED)
    services.company_archive(company=company, by=by, reason="Fermée")
    with pytest.raises(ValidationError, match="déjà archivée"):
        services.company_archive(company=company, by=by, reason="Encore")
    assert Company.objects.get(pk=company.pk).archived_reason == "Fermée"


def test_restore_twice_is_refused():
    company = CompanyFactory()
    by = CoordinatorFactory()
    services.company_archive(company=company, by=by, reason="Doublon")
    services.company_restore(company=company, by=by)

    with pytest.raises(ValidationError, match="n'est pas archivée"):
        services.company_restore(company=company, by=by)


def test_contact_create_and_update_refuse_a_second_person_with_the_same_email_in_the_company():
    company = CompanyFactory()
    first = CompanyContactFactory(company=company, email="rh@gamma.test", is_master=False, is_hr=True)
    elsewhere = services.contact_create(company=CompanyFactory(), by=CoordinatorFactory(), last_name="Autre", first_name="Ailleurs",
                                        email="rh@gamma.test", is_hr=True)
    second = services.contact_create(company=company, by=CoordinatorFactory(), last_name="Durand", first_name="Léa",
                                     email="lea@gamma.test", is_hr=True)

    with pytest.raises(ValidationError):
        services.contact_create(company=company, by=CoordinatorFactory(), last_name="X", first_name="Y", email="RH@gamma.test", is_hr=True)
    with pytest.raises(ValidationError):
        services.contact_update(contact=second, by=CoordinatorFactory(), email="rh@gamma.test")

    assert sorted(CompanyContact.objects.filter(company=company).values_list("email", flat=True)) == ["lea@gamma.test", "rh@gamma.test"]
    assert elsewhere.company_id != first.company_id


def test_a_change_of_cre_on_edit_is_noted_in_the_timeline():
    old, new = CreFactory(first_name="Anne", last_name="Avant"), CreFactory(first_name="Paul", last_name="Après")
    company = CompanyFactory(owner_cre=old)
    coordinator = CoordinatorFactory()

    services.company_update(company=company, by=coordinator, owner_cre=new)
    services.company_update(company=company, by=coordinator, name="Même CRE")

    assert list(Interaction.objects.filter(company=company).values_list("author", "summary")) == [
        (coordinator.pk, "Portefeuille réaffecté : Anne Avant → Paul Après."),
    ]
    assert Company.objects.get(pk=company.pk).owner_cre_id == new.pk
