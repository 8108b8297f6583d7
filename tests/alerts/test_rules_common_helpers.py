"""The helpers every alert rule shares (issue 16): French formats of the alert texts, the learner's
name, cohort and tutor, and the contract an alert is attached to."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils.translation import override

from alerts.rules.common import apprentices_info, current_contracts, fr, fr_euros, fr_number, full_name
from contracts.choices import ContractStatus
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyFactory
from tests.factories.contracts import ContractFactory

TODAY = date(2026, 11, 30)


def test_dates_read_the_french_way_and_a_missing_date_is_a_dash():
    assert (fr(date(2026, 1, 5)), fr(None)) == ("05/01/2026", "—")


def test_numbers_and_euros_are_french_whatever_the_active_language():
    with override("en"):
        assert (fr_number(Decimal("3720"), 2), fr_number(1234.5, 1), fr_number(62)) == ("3\xa0720,00", "1\xa0234,5", "62")
        assert fr_euros(Decimal("3720")) == "3\xa0720,00\xa0€"


@pytest.mark.parametrize(("usage", "expected"), [("", "Inès Martin"), ("Durand", "Inès Durand")])
def test_a_learner_is_named_by_first_name_and_usage_name_else_birth_name(usage, expected):
    assert full_name("Inès", "Martin", usage) == expected


def test_a_contact_without_usage_name_is_named_by_first_and_last_name():
    assert full_name("Paul", "Lefèvre") == "Paul Lefèvre"


@pytest.mark.django_db
@pytest.mark.parametrize(("usage", "label"), [("Durand", "Inès Durand"), ("", "Inès Martin")])
def test_apprentices_info_gives_the_name_cohort_and_referent_tutor_of_the_asked_learners_only(usage, label):
    asked = ApprenticeFactory(first_name="Inès", last_name="Martin", usage_name=usage)
    ApprenticeFactory()  # not asked

    assert apprentices_info([asked.pk]) == {asked.pk: {
        "label": label, "cohort": asked.cohort.name, "cohort_id": asked.cohort_id,
        "tutor_id": asked.cohort.referent_tutor_id,
    }}


@pytest.mark.django_db
def test_the_current_contract_is_the_active_one_started_last():
    apprentice = ApprenticeFactory()
    company = CompanyFactory()

    def contract(start, status=ContractStatus.IN_PROGRESS, who=apprentice):
        return ContractFactory(apprentice=who, company=company, status=status, start_date=start,
                               signature_date=start, practical_training_start_date=start, end_date=date(2028, 8, 31))

    contract(date(2026, 9, 1))
    latest_same_day_first = contract(date(2026, 10, 1))
    latest = contract(date(2026, 10, 1))  # same start: the later record wins
    contract(date(2026, 8, 1))  # recorded after, started before: the start date decides, not the record
    contract(date(2026, 11, 1), status=ContractStatus.DRAFT)  # not active yet
    contract(date(2026, 12, 1))  # not started on TODAY
    other = ApprenticeFactory()
    contract(date(2026, 11, 15), who=other)  # not asked

    assert latest.pk > latest_same_day_first.pk
    assert current_contracts([apprentice.pk], TODAY) == {apprentice.pk: {
        "pk": latest.pk, "apprentice_id": apprentice.pk, "company_id": company.pk, "company__name": company.name,
        "company__owner_cre_id": company.owner_cre_id,
    }}
    assert contract(TODAY).start_date == TODAY  # started on the day itself: current
    assert current_contracts([apprentice.pk], TODAY)[apprentice.pk]["pk"] != latest.pk
