"""Services of the apprentice records: create (« without company », age limits, duplicates, NIR
encrypted), edit (whole record, contact details, own details), leave the OF and come back.
State is re-read from the database."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from alternance.apprentices import services
from alternance.choices import ApprenticeStatus, DiplomaCode, ExitReason, Sex
from alternance.models import Apprentice
from companies.models import CompanyContact
from contracts.choices import ContractStatus, RuptureKind
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    ApprenticeUserFactory,
    CandidateFactory,
    CohortFactory,
    CoordinatorFactory,
    EmployerUserFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)
VALID_NIR = "1 04 05 75 056 123 80"


def identity(**overrides) -> dict:
    data = {
        "last_name": "Lefèvre", "first_name": "Inès", "sex": Sex.FEMALE, "birth_date": date(2006, 4, 12),
        "birth_department": "69", "birth_commune": "Lyon", "ine": "", "address": "4 rue Mercière", "postal_code": "69002",
        "city": "Lyon", "phone": "06 11 22 33 44", "email": "ines.lefevre@example.test",
        "highest_diploma": DiplomaCode.BAC_PRO,
    }
    return {**data, **overrides}


def create(cohort, *, today=TODAY, **kwargs):
    params = {
        "data": identity(), "cohort": cohort, "enrolment_date": date(2026, 9, 1), "training_start_date": date(2026, 9, 15),
        "by": AdminStaffFactory(), "today": today,
    }
    params.update(kwargs)
    return services.apprentice_create(**params)


# --- create ------------------------------------------------------------------------------------------


def test_a_created_apprentice_starts_without_company_from_its_entry_into_training():
    cohort = CohortFactory()

    apprentice = create(cohort, nir=VALID_NIR)

    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.last_name, row.first_name, row.birth_date, row.cohort_id, row.enrolment_date, row.training_start_date) == (
        "Lefèvre", "Inès", date(2006, 4, 12), cohort.pk, date(2026, 9, 1), date(2026, 9, 15))
    assert (row.status, row.status_since, row.exclusion_date, row.exit_reason) == (ApprenticeStatus.SEEKING, date(2026, 9, 15), None, "")
    # The NIR is stored encrypted only.
    assert row.has_nir is True
    assert "104057505612380" not in row.nir_encrypted
    assert row.get_nir() == "104057505612380"


def test_an_invalid_nir_is_refused_on_the_nir_field_and_nothing_is_written():
    with pytest.raises(ValidationError) as error:
        create(CohortFactory(), nir="1 04 05 75 056 123 81")

    assert error.value.message_dict == {"nir": ["La clé du NIR est incorrecte : vérifiez le numéro sur la carte Vitale."]}
    assert Apprentice.objects.count() == 0


def test_a_non_emancipated_minor_needs_a_legal_representative():
    with pytest.raises(ValidationError) as error:
        create(CohortFactory(), data=identity(birth_date=date(2010, 1, 10)))

    assert error.value.message_dict["legal_representative_name"] == [
        "L'apprenti·e est mineur·e non émancipé·e à l'entrée en formation : indiquez son représentant légal."]
    apprentice = create(CohortFactory(), data=identity(birth_date=date(2010, 1, 10), legal_representative_name="Paul Lefèvre"))
    assert Apprentice.objects.get(pk=apprentice.pk).legal_representative_name == "Paul Lefèvre"


@pytest.mark.parametrize(("birth_date", "refused"), [
    (date(2011, 12, 31), False),  # 15 on 31 December 2026: the limit
    (date(2012, 1, 1), True),     # 14 on 31 December 2026
])
def test_the_minimum_age_is_15_on_31_december(birth_date, refused):
    data = identity(birth_date=birth_date, legal_representative_name="Paul Lefèvre")
    if refused:
        with pytest.raises(ValidationError) as error:
            create(CohortFactory(), data=data)
        assert error.value.message_dict["birth_date"] == [
            "Avec cette date de naissance, la personne aura 14 ans au 31 décembre 2026 : l'apprentissage commence à 15 ans. "
            "Vérifiez l'année de naissance (par exemple 2008 et non 2018)."]
    else:
        assert create(CohortFactory(), data=data).pk


@pytest.mark.parametrize(("birth_date", "age"), [
    (date(1996, 9, 16), 29),  # 29 at the entry into training (15/09/2026): accepted
    (date(1996, 9, 15), 30),  # 30 that very day: refused
])
def test_the_maximum_age_is_29_at_the_entry_into_training(birth_date, age):
    if age == 29:
        assert create(CohortFactory(), data=identity(birth_date=birth_date)).pk
        return
    with pytest.raises(ValidationError) as error:
        create(CohortFactory(), data=identity(birth_date=birth_date))
    assert error.value.message_dict["birth_date"] == [
        "Avec cette date de naissance, la personne aura 30 ans à l'entrée en formation le 15/09/2026 : l'apprentissage est "
        "ouvert jusqu'à 29 ans, au-delà seulement avec une RQTH, un projet de création ou de reprise d'entreprise ou le "
        "statut de sportif de haut niveau. Vérifiez l'année de naissance, ou cochez la situation qui s'applique plus bas."]


@pytest.mark.parametrize("exemption", ["rqth", "top_athlete", "business_project"])
def test_an_exemption_lifts_the_maximum_age(exemption):
    apprentice = create(CohortFactory(), data=identity(birth_date=date(1990, 1, 1), **{exemption: True}))

    assert getattr(Apprentice.objects.get(pk=apprentice.pk), exemption) is True


@override_settings(APPRENTICE_MAX_AGE=34)
def test_the_maximum_age_is_a_setting():
    assert create(CohortFactory(), data=identity(birth_date=date(1992, 1, 1))).pk


def test_a_birth_date_in_the_future_is_refused():
    with pytest.raises(ValidationError) as error:
        create(CohortFactory(), data=identity(birth_date=date(2026, 11, 26)))

    assert error.value.message_dict["birth_date"] == ["La date de naissance est dans le futur : vérifiez le jour, le mois et l'année."]


def test_the_same_ine_as_an_existing_apprentice_is_refused_even_when_confirmed():
    existing = ApprenticeFactory(ine="1234567890A", last_name="Autre", first_name="Personne")

    with pytest.raises(services.DuplicateApprentice) as error:
        create(CohortFactory(), data=identity(ine="1234567890a"), confirm_homonym=True)

    assert error.value.homonym_only is False
    assert list(error.value.duplicates.same_ine) == [existing]
    assert error.value.messages == [
        f"L'INE 1234567890A est déjà celui de Personne Autre (promotion {existing.cohort.name}) : un INE n'appartient qu'à "
        "une personne. Ouvrez la fiche existante, ou corrigez l'INE saisi."]
    assert list(Apprentice.objects.values_list("pk", flat=True)) == [existing.pk]


def test_same_name_and_birth_date_is_shown_then_created_once_confirmed_as_a_homonym():
    existing = ApprenticeFactory(last_name="LEFÈVRE", first_name="inès", birth_date=date(2006, 4, 12))
    candidate = CandidateFactory(last_name="Lefèvre", first_name="Inès", birth_date=date(2006, 4, 12))
    ApprenticeFactory(last_name="Lefèvre", first_name="Inès", birth_date=date(2006, 4, 13))  # not the same birth date

    with pytest.raises(services.DuplicateApprentice) as error:
        create(CohortFactory())
    assert error.value.homonym_only is True
    assert (error.value.duplicates.apprentices, error.value.duplicates.candidates) == ([existing], [candidate])
    assert Apprentice.objects.filter(first_name="Inès", birth_date=date(2006, 4, 12)).count() == 0

    created = create(CohortFactory(), confirm_homonym=True)

    assert Apprentice.objects.filter(birth_date=date(2006, 4, 12)).count() == 2
    assert Apprentice.objects.get(pk=created.pk).first_name == "Inès"


# --- edit --------------------------------------------------------------------------------------------------


def test_editing_keeps_the_nir_unless_replaced_or_cleared():
    apprentice = create(CohortFactory(), nir=VALID_NIR)
    admin = AdminStaffFactory()

    services.apprentice_update(apprentice=apprentice, data={"phone": "07 00 00 00 01"}, by=admin, today=TODAY)
    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.phone, row.has_nir, row.get_nir()) == ("07 00 00 00 01", True, "104057505612380")

    services.apprentice_update(apprentice=apprentice, data={}, nir="2 05 08 69 123 456 79", by=admin, today=TODAY)
    assert Apprentice.objects.get(pk=apprentice.pk).get_nir() == "205086912345679"

    services.apprentice_update(apprentice=apprentice, data={}, clear_nir=True, by=admin, today=TODAY)
    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.has_nir, row.nir_encrypted, row.get_nir()) == (False, "", None)


def test_editing_to_another_apprentices_ine_is_refused_with_its_name():
    other = ApprenticeFactory(ine="1234567890A", first_name="Jean", last_name="Dupont")
    apprentice = ApprenticeFactory(ine="")

    with pytest.raises(services.DuplicateApprentice) as error:
        services.apprentice_update(apprentice=apprentice, data={"ine": "1234567890A"}, by=AdminStaffFactory(), today=TODAY)

    assert "Jean Dupont" in error.value.messages[0]
    assert Apprentice.objects.get(pk=apprentice.pk).ine == ""
    assert Apprentice.objects.get(pk=other.pk).ine == "1234567890A"


def test_editing_its_own_ine_and_other_fields_is_fine():
    apprentice = ApprenticeFactory(ine="1234567890A")

    services.apprentice_update(apprentice=apprentice, data={"ine": "1234567890A", "city": "Lille"}, by=AdminStaffFactory(), today=TODAY)

    assert Apprentice.objects.get(pk=apprentice.pk).city == "Lille"


def test_a_seeking_learner_counts_its_months_from_the_new_entry_into_training():
    apprentice = ApprenticeFactory(training_start_date=date(2026, 9, 1), status_since=date(2026, 9, 1))

    services.apprentice_update(apprentice=apprentice, data={"training_start_date": date(2026, 9, 20)}, by=AdminStaffFactory(), today=TODAY)

    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.training_start_date, row.status, row.status_since) == (date(2026, 9, 20), ApprenticeStatus.SEEKING, date(2026, 9, 20))


def test_the_contact_update_writes_only_the_contact_fields():
    apprentice = ApprenticeFactory(last_name="Garnier")

    services.apprentice_contact_update(
        apprentice=apprentice, data={"address": "1 quai Nord", "postal_code": "59000", "city": "Lille", "phone": "0600000000",
                                     "email": "nouveau@example.test"}, by=AdminStaffFactory())

    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.address, row.postal_code, row.city, row.phone, row.email, row.last_name) == (
        "1 quai Nord", "59000", "Lille", "0600000000", "nouveau@example.test", "Garnier")
    with pytest.raises(ValueError):
        services.apprentice_contact_update(apprentice=apprentice, data={"last_name": "X"}, by=AdminStaffFactory())


def test_an_apprentice_updates_its_own_phone_and_address_only():
    user = ApprenticeUserFactory()
    apprentice = ApprenticeFactory(user=user, email="moi@example.test")

    services.apprentice_own_details_update(apprentice=apprentice, data={"phone": "0799999999", "address": "2 rue Neuve",
                                                                        "postal_code": "75012", "city": "Paris"}, by=user)

    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.phone, row.address, row.postal_code, row.email) == ("0799999999", "2 rue Neuve", "75012", "moi@example.test")
    with pytest.raises(ValueError):
        services.apprentice_own_details_update(apprentice=apprentice, data={"email": "x@example.test"}, by=user)
    with pytest.raises(ValidationError):
        services.apprentice_own_details_update(apprentice=ApprenticeFactory(), data={"phone": "0700000000"}, by=user)


def test_an_employer_updates_its_phone_on_every_active_contact_row_only():
    user = EmployerUserFactory()
    first = CompanyContactFactory(user=user, company=CompanyFactory(), phone="0100000000")
    second = CompanyContactFactory(user=user, company=CompanyFactory(), phone="0100000000")
    inactive = CompanyContactFactory(user=user, company=CompanyFactory(), phone="0100000000", active=False)
    someone_else = CompanyContactFactory(company=first.company, phone="0100000000")

    services.contact_own_phone_update(user=user, phone="0612345678")

    phones = dict(CompanyContact.objects.values_list("pk", "phone"))
    assert phones == {first.pk: "0612345678", second.pk: "0612345678", inactive.pk: "0100000000", someone_else.pk: "0100000000"}


# --- leave the OF, reopen ---------------------------------------------------------------------------------


def test_leaving_the_of_sets_the_exit_date_reason_and_status():
    apprentice = ApprenticeFactory(training_start_date=date(2026, 9, 1), status=ApprenticeStatus.SEEKING)

    services.apprentice_leave(apprentice=apprentice, day=date(2026, 11, 20), reason=ExitReason.REORIENTATION,
                              by=AdminStaffFactory(), today=TODAY)

    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.status, row.status_since, row.exclusion_date, row.exit_reason) == (
        ApprenticeStatus.DROPPED_OUT, date(2026, 11, 20), date(2026, 11, 20), ExitReason.REORIENTATION)


@pytest.mark.parametrize(("day", "reason", "field", "message"), [
    (date(2026, 8, 31), ExitReason.DROPOUT, "day",
     "La date de sortie ne peut pas précéder l'entrée en formation (01/09/2026) : saisissez une date à partir de celle-ci."),
    (date(2026, 11, 26), ExitReason.DROPOUT, "day",
     "La date de sortie est dans le futur : enregistrez la sortie le jour venu (au plus tard le 25/11/2026)."),
    (None, ExitReason.DROPOUT, "day", "Indiquez la date de sortie (jj/mm/aaaa)."),
    (date(2026, 11, 20), "", "reason", "Choisissez le motif de la sortie dans la liste."),
])
def test_leaving_refuses_bad_input_and_writes_nothing(day, reason, field, message):
    apprentice = ApprenticeFactory(training_start_date=date(2026, 9, 1))

    with pytest.raises(ValidationError) as error:
        services.apprentice_leave(apprentice=apprentice, day=day, reason=reason, by=AdminStaffFactory(), today=TODAY)

    assert error.value.message_dict == {field: [message]}
    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.status, row.exclusion_date, row.exit_reason) == (ApprenticeStatus.SEEKING, None, "")


def test_leaving_on_the_day_of_the_entry_into_training_is_accepted():
    apprentice = ApprenticeFactory(training_start_date=date(2026, 9, 1))

    services.apprentice_leave(apprentice=apprentice, day=date(2026, 9, 1), reason=ExitReason.DROPOUT, by=AdminStaffFactory(), today=TODAY)

    assert Apprentice.objects.get(pk=apprentice.pk).exclusion_date == date(2026, 9, 1)


def test_leaving_is_refused_while_a_contract_is_in_force():
    contract = ContractFactory(status=ContractStatus.IN_PROGRESS)
    apprentice = contract.apprentice

    with pytest.raises(ValidationError) as error:
        services.apprentice_leave(apprentice=apprentice, day=TODAY, reason=ExitReason.DROPOUT, by=AdminStaffFactory(), today=TODAY)

    assert error.value.messages == [
        f"Le contrat avec {contract.company.name} est en cours : enregistrez d'abord sa rupture sur la page du contrat, "
        "puis la sortie de l'OF."]
    assert Apprentice.objects.get(pk=apprentice.pk).exclusion_date is None


def test_leaving_twice_is_refused():
    apprentice = ApprenticeFactory(training_start_date=date(2026, 9, 1))
    services.apprentice_leave(apprentice=apprentice, day=date(2026, 10, 1), reason=ExitReason.DROPOUT, by=AdminStaffFactory(), today=TODAY)

    with pytest.raises(ValidationError):
        services.apprentice_leave(apprentice=apprentice, day=date(2026, 11, 1), reason=ExitReason.HEALTH, by=AdminStaffFactory(), today=TODAY)

    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.exclusion_date, row.exit_reason) == (date(2026, 10, 1), ExitReason.DROPOUT)


def test_reopening_without_contract_makes_the_learner_seek_a_company_from_today():
    apprentice = ApprenticeFactory(training_start_date=date(2026, 9, 1))
    services.apprentice_leave(apprentice=apprentice, day=date(2026, 10, 1), reason=ExitReason.HEALTH, by=AdminStaffFactory(), today=TODAY)

    services.apprentice_reopen(apprentice=apprentice, by=CoordinatorFactory(), today=TODAY)

    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.status, row.status_since, row.exclusion_date, row.exit_reason) == (ApprenticeStatus.SEEKING, TODAY, None, "")


def test_reopening_a_learner_whose_contract_broke_makes_it_rupturant_again():
    contract = ContractFactory(status=ContractStatus.BROKEN, rupture_date=date(2026, 10, 15), rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    apprentice = contract.apprentice
    Apprentice.objects.filter(pk=apprentice.pk).update(
        status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 11, 1), status_since=date(2026, 11, 1), exit_reason=ExitReason.DROPOUT)
    apprentice.refresh_from_db()

    services.apprentice_reopen(apprentice=apprentice, by=CoordinatorFactory(), today=TODAY)

    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.status, row.status_since, row.exclusion_date) == (ApprenticeStatus.RUPTURANT, date(2026, 10, 15), None)


def test_reopening_a_learner_who_did_not_leave_is_refused():
    apprentice = ApprenticeFactory()

    with pytest.raises(ValidationError):
        services.apprentice_reopen(apprentice=apprentice, by=CoordinatorFactory(), today=TODAY)
