"""Invariants of the CRM models: database constraints, clean(), __str__, OPCO derived from the IDCC."""

from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from companies.choices import InteractionKind, Opco
from companies.models import Company, CompanyContact, Interaction
from tests.factories.alternance import CreFactory, EmployerUserFactory, TutorFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory, InteractionFactory, valid_siret

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


@contextmanager
def violates(*needles: str):
    """The block must be refused by the database; the error names the constraint (or its columns)."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    assert any(needle in message for needle in needles), message


def clean_errors(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


def clean_codes(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return {field: [error.code for error in errors] for field, errors in excinfo.value.error_dict.items()}


# --- Company: database constraints -----------------------------------------------------------

@pytest.mark.parametrize("siret", ["7328293200007", "7328293200007A", "732 829 320 00", "73282932000.74"])
def test_database_refuses_a_siret_that_is_not_14_digits(siret):
    with violates("company_siret_14_digits"):
        CompanyFactory(siret=siret)


def test_database_refuses_a_siret_changed_to_a_bad_format_by_an_update():
    company = CompanyFactory()

    with violates("company_siret_14_digits"):
        Company.objects.filter(pk=company.pk).update(siret="SIRET-INCONNU")


@pytest.mark.parametrize("naf", ["62.0Z", "6201z", "6201", "62011"])
def test_database_refuses_a_naf_code_not_of_the_stored_form(naf):
    with violates("company_naf_format"):
        CompanyFactory(naf_code=naf)


@pytest.mark.parametrize("idcc", ["16", "148", "ABCD", "1 48"])
def test_database_refuses_an_idcc_not_on_four_digits(idcc):
    with violates("company_idcc_format"):
        CompanyFactory(idcc=idcc)


def test_database_refuses_a_sensitive_company_without_reason():
    with violates("company_sensitive_has_reason"):
        CompanyFactory(sensitive=True, sensitive_reason="")


def test_database_refuses_an_unknown_opco():
    with violates("company_opco_valid"):
        CompanyFactory(opco_overridden=True, opco="OPCO inconnu")


def test_database_refuses_two_companies_with_the_same_siret():
    CompanyFactory(siret="73282932000074")

    with violates("Key (siret)=", "UNIQUE constraint failed: companies_company.siret"):
        CompanyFactory(siret="73282932000074")


# --- Company: OPCO derived from the IDCC -----------------------------------------------------

@pytest.mark.parametrize(
    ("idcc", "opco"), [("1486", Opco.ATLAS), ("0016", Opco.MOBILITES), ("2098", Opco.OPCO_EP), ("9999", ""), ("9998", ""), ("0001", "")]
)
def test_company_opco_is_derived_from_its_idcc_on_save(idcc, opco):
    company = CompanyFactory(idcc=idcc)

    assert Company.objects.get(pk=company.pk).opco == opco


def test_company_opco_follows_a_change_of_idcc():
    company = CompanyFactory(idcc="1486")

    company.idcc = "2098"
    company.save()

    assert Company.objects.get(pk=company.pk).opco == Opco.OPCO_EP


def test_an_overridden_opco_is_kept_whatever_the_idcc():
    company = CompanyFactory(idcc="1486", opco=Opco.AKTO, opco_overridden=True)

    company.idcc = "2098"
    company.save()

    assert Company.objects.get(pk=company.pk).opco == Opco.AKTO


def test_removing_the_override_derives_the_opco_again():
    company = CompanyFactory(idcc="1486", opco=Opco.AKTO, opco_overridden=True)

    company.opco_overridden = False
    company.save()

    assert Company.objects.get(pk=company.pk).opco == Opco.ATLAS


def test_company_shows_naf_with_a_dot_and_the_idcc_label():
    company = CompanyFactory(naf_code="6201Z", idcc="1486")

    assert (company.naf_display, company.idcc_label) == (
        "62.01Z",
        "Bureaux d'études techniques, cabinets d'ingénieurs-conseils et sociétés de conseils",
    )


# --- Company: clean() ------------------------------------------------------------------------

def _company(**overrides) -> Company:
    return CompanyFactory.build(**{"owner_cre": CreFactory(), "siret": valid_siret(1), **overrides})


def test_company_clean_normalises_what_people_type_and_derives_the_opco():
    company = _company(siret="732 829 320 00074", naf_code="62.01z", idcc="16")

    company.full_clean()

    assert (company.siret, company.naf_code, company.idcc, company.opco) == ("73282932000074", "6201Z", "0016", Opco.MOBILITES)


def test_company_clean_refuses_a_siret_with_a_wrong_check_digit():
    company = _company(siret="73282932000075")

    assert clean_codes(company) == {"siret": ["siret_checksum"]}


def test_company_clean_refuses_malformed_naf_and_idcc():
    company = _company(naf_code="620Z", idcc="ABCD")

    assert clean_codes(company) == {"naf_code": ["naf_format"], "idcc": ["idcc_format"]}


def test_company_clean_refuses_a_siret_already_in_the_crm():
    CompanyFactory(siret="73282932000074")
    company = _company(siret="73282932000074")

    assert clean_codes(company) == {"siret": ["unique"]}


def test_company_clean_asks_why_a_company_is_sensitive():
    company = _company(sensitive=True, sensitive_reason="  ")

    assert clean_errors(company) == {
        "sensitive_reason": ["Indiquez pourquoi l'entreprise est signalée sensible (turnover, tensions, relances…)."]
    }


def test_company_clean_asks_the_opco_to_impose():
    company = _company(idcc="9999", opco_overridden=True, opco="")

    assert clean_errors(company) == {"opco": ["Choisissez l'OPCO à imposer, ou décochez « OPCO saisi manuellement »."]}


def test_company_clean_refuses_an_owner_who_is_not_a_cre():
    tutor = TutorFactory()
    company = _company(owner_cre=tutor)

    assert clean_errors(company) == {
        "owner_cre": [
            f"L’instance utilisateur avec {tutor.pk} dans id n'est pas un choix valide.",
            "Le ou la référent·e d'une entreprise doit avoir le rôle CRE.",
        ]
    }


def test_company_str_shows_name_and_siret():
    assert str(CompanyFactory(name="Octo Conseil", siret="73282932000074")) == "Octo Conseil (73282932000074)"


# --- CompanyContact --------------------------------------------------------------------------

def test_database_refuses_a_contact_without_any_role():
    with violates("contact_has_a_role"):
        CompanyContactFactory(is_master=False, is_employer_representative=False, is_hr=False)


def test_database_refuses_a_master_without_birth_date():
    with violates("contact_master_has_birth_date_and_job"):
        CompanyContactFactory(is_master=True, birth_date=None)


def test_database_refuses_a_master_without_job_title():
    with violates("contact_master_has_birth_date_and_job"):
        CompanyContactFactory(is_master=True, job_title="")


def test_database_accepts_an_hr_contact_without_birth_date_nor_job_title():
    contact = CompanyContactFactory(is_master=False, is_hr=True, birth_date=None, job_title="")

    assert CompanyContact.objects.filter(pk=contact.pk, is_hr=True, is_master=False).count() == 1


def test_database_refuses_the_same_account_twice_at_one_company():
    first = CompanyContactFactory(user=EmployerUserFactory())

    with violates(
        "contact_one_per_user_per_company",
        "UNIQUE constraint failed: index 'contact_one_per_user_per_company'",
        "UNIQUE constraint failed: companies_companycontact.company_id, companies_companycontact.user_id",
    ):
        CompanyContactFactory(company=first.company, user=first.user)


def test_database_accepts_one_account_at_several_companies_and_contacts_without_account():
    account = EmployerUserFactory()
    at_first = CompanyContactFactory(user=account)
    at_second = CompanyContactFactory(user=account)
    without = [CompanyContactFactory(company=at_first.company, user=None) for _ in range(2)]

    assert sorted(CompanyContact.objects.values_list("pk", flat=True)) == sorted([at_first.pk, at_second.pk] + [c.pk for c in without])


def _contact(**overrides) -> CompanyContact:
    return CompanyContactFactory.build(company=CompanyFactory(), **overrides)


def test_a_factory_master_passes_full_clean():
    contact = _contact()

    contact.full_clean()

    assert contact.is_master is True


def test_contact_clean_asks_at_least_one_role():
    contact = _contact(is_master=False)

    assert clean_errors(contact) == {
        "is_master": ["Cochez au moins un rôle : représentant de l'employeur, maître d'apprentissage ou RH."]
    }


def test_contact_clean_asks_birth_date_and_job_of_a_master():
    contact = _contact(birth_date=None, job_title=" ")

    assert clean_errors(contact) == {
        "birth_date": ["La date de naissance du maître d'apprentissage est demandée par le Cerfa."],
        "job_title": ["Indiquez l'emploi occupé par le maître d'apprentissage."],
    }


def test_contact_clean_refuses_an_account_that_is_not_an_employer_account():
    tutor = TutorFactory()
    contact = _contact(user=tutor)

    assert clean_errors(contact) == {
        "user": [
            f"L’instance utilisateur avec {tutor.pk} dans id n'est pas un choix valide.",
            "Le compte lié doit avoir le rôle « Entreprise ».",
        ]
    }


def test_contact_str_shows_name_and_company():
    contact = CompanyContactFactory(first_name="Claire", last_name="Durand", company=CompanyFactory(name="Octo Conseil"))

    assert (str(contact), contact.full_name) == ("Claire Durand (Octo Conseil)", "Claire Durand")


# --- Interaction -----------------------------------------------------------------------------

def test_database_refuses_an_unknown_interaction_kind():
    with violates("interaction_kind_valid"):
        InteractionFactory(kind="pigeon")


def test_database_refuses_an_interaction_without_summary():
    with violates("interaction_summary_required"):
        InteractionFactory(summary="")


def test_interaction_clean_refuses_a_contact_of_another_company():
    company, other = CompanyFactory(), CompanyFactory()
    interaction = InteractionFactory.build(company=company, contact=CompanyContactFactory(company=other), author=CreFactory())

    assert clean_errors(interaction) == {"contact": ["Ce contact appartient à une autre entreprise."]}


def test_interaction_clean_refuses_a_follow_up_before_the_interaction():
    interaction = InteractionFactory.build(
        company=CompanyFactory(), author=CreFactory(),
        occurred_at=datetime(2026, 10, 1, 10, 0, tzinfo=PARIS), next_follow_up=date(2026, 9, 30),
    )

    assert clean_errors(interaction) == {"next_follow_up": ["La prochaine relance doit être postérieure à l'échange."]}


def test_interaction_clean_compares_the_follow_up_with_the_local_day_of_the_interaction():
    # 00:30 in Paris on 1 October is still 30 September in UTC.
    interaction = InteractionFactory(occurred_at=datetime(2026, 10, 1, 0, 30, tzinfo=PARIS), next_follow_up=date(2026, 9, 30))
    stored = Interaction.objects.get(pk=interaction.pk)

    assert clean_errors(stored) == {"next_follow_up": ["La prochaine relance doit être postérieure à l'échange."]}


def test_interaction_clean_accepts_a_follow_up_the_same_day():
    interaction = InteractionFactory.build(
        company=CompanyFactory(), author=CreFactory(),
        occurred_at=datetime(2026, 10, 1, 10, 0, tzinfo=PARIS), next_follow_up=date(2026, 10, 1),
    )

    interaction.full_clean()

    assert interaction.next_follow_up == date(2026, 10, 1)


def test_interaction_str_shows_kind_company_and_local_date():
    interaction = InteractionFactory(
        kind=InteractionKind.MEETING, company=CompanyFactory(name="Octo Conseil"), occurred_at=datetime(2026, 10, 1, 0, 30, tzinfo=PARIS)
    )

    assert str(Interaction.objects.get(pk=interaction.pk)) == "Rendez-vous — Octo Conseil (01/10/2026)"
