"""Resignation through the mediator (issue 15 §2; L6222-18 al. 3, D6222-21-1): the employer is
informed at least 5 days after the referral, the rupture takes effect at least 7 days after that —
at least 12 days after the referral. Cases on both sides of each delay."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from contracts.choices import ContractStatus as S
from contracts.choices import RuptureInitiative, RuptureKind
from contracts.models import Contract, ContractSettings
from contracts.services import ContractTransitionError, RuptureInput, contract_record_rupture
from tests.factories.alternance import AdminStaffFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

REFERRAL = date(2027, 3, 1)
TODAY = date(2027, 5, 1)


@pytest.fixture
def staff():
    return AdminStaffFactory()


def resignation(*, rupture_date, referral=REFERRAL, informed=None, kind=RuptureKind.RESIGNATION):
    return RuptureInput(
        rupture_date=rupture_date, kind=kind, initiative=RuptureInitiative.APPRENTICE, cause="Projet de réorientation.",
        mediator_referral_date=referral, employer_informed_date=informed,
    )


def record(contract, staff, rupture):
    return contract_record_rupture(contract=contract, by=staff, rupture=rupture, today=TODAY)


@pytest.mark.parametrize(
    ("inform_after", "refused"),
    [(4, True), (5, False), (6, False)],
)
def test_employer_informed_at_least_5_days_after_the_referral(contract, staff, inform_after, refused):
    informed = REFERRAL + timedelta(days=inform_after)
    rupture = resignation(rupture_date=date(2027, 3, 31), informed=informed)

    if refused:
        with pytest.raises(ContractTransitionError) as error:
            record(contract, staff, rupture)
        assert error.value.problems == [
            "L'employeur a été informé le 05/03/2027, 4 jours après la saisine du médiateur (le 01/03/2027) : "
            "il doit l'être au moins 5 jours après, soit le 06/03/2027 au plus tôt."
        ]
        assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS
    else:
        record(contract, staff, rupture)
        stored = Contract.objects.get(pk=contract.pk)
        assert (stored.status, stored.mediator_referral_date, stored.employer_informed_date) == (S.BROKEN, REFERRAL, informed)


@pytest.mark.parametrize(
    ("rupture_after_referral", "refused"),
    [(11, True), (12, False), (13, False)],
)
def test_rupture_at_least_12_days_after_the_referral(contract, staff, rupture_after_referral, refused):
    informed = REFERRAL + timedelta(days=5)
    rupture = resignation(rupture_date=REFERRAL + timedelta(days=rupture_after_referral), informed=informed)

    if refused:
        with pytest.raises(ContractTransitionError) as error:
            record(contract, staff, rupture)
        assert error.value.problems == [
            "Une démission ne prend effet qu'au moins 12 jours après la saisine du médiateur (le 01/03/2027) et "
            "7 jours après l'information de l'employeur (le 06/03/2027) : une rupture au 12/03/2027 est trop tôt ; "
            "indiquez une date de rupture au 13/03/2027 au plus tôt."
        ]
        assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS
    else:
        record(contract, staff, rupture)
        stored = Contract.objects.get(pk=contract.pk)
        assert (stored.status, stored.rupture_date, stored.rupture_kind) == (S.BROKEN, rupture.rupture_date, RuptureKind.RESIGNATION)


@pytest.mark.parametrize(
    ("rupture_after_informed", "refused"),
    [(6, True), (7, False), (8, False)],
)
def test_rupture_at_least_7_days_after_the_employer_was_informed(contract, staff, rupture_after_informed, refused):
    informed = REFERRAL + timedelta(days=10)  # 11/03/2027: the 12 days after the referral are not the limit here
    rupture = resignation(rupture_date=informed + timedelta(days=rupture_after_informed), informed=informed)

    if refused:
        with pytest.raises(ContractTransitionError) as error:
            record(contract, staff, rupture)
        assert len(error.value.problems) == 1
        assert "7 jours après l'information de l'employeur (le 11/03/2027)" in error.value.problems[0]
        assert "une rupture au 17/03/2027 est trop tôt ; indiquez une date de rupture au 18/03/2027 au plus tôt" in error.value.problems[0]
        assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS
    else:
        record(contract, staff, rupture)
        assert Contract.objects.get(pk=contract.pk).status == S.BROKEN


@pytest.mark.parametrize("kind", [RuptureKind.RESIGNATION, RuptureKind.MUTUAL_AGREEMENT])
def test_a_referral_after_the_rupture_is_refused_with_both_dates(contract, staff, kind):
    rupture = resignation(rupture_date=date(2027, 3, 20), referral=date(2027, 3, 21), informed=date(2027, 3, 21), kind=kind)

    with pytest.raises(ContractTransitionError) as error:
        record(contract, staff, rupture)

    assert error.value.problems == [
        "La saisine du médiateur (le 21/03/2027) est postérieure à la date de rupture (le 20/03/2027) : "
        "le médiateur est saisi avant la démission. Corrigez l'une des deux dates."
    ]
    assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS


def test_a_resignation_needs_both_the_referral_and_the_day_the_employer_was_informed(contract, staff):
    with pytest.raises(ContractTransitionError) as error:
        record(contract, staff, resignation(rupture_date=date(2027, 3, 31), referral=None, informed=None))

    assert error.value.problems == [
        "Une démission passe par le médiateur : indiquez la date de sa saisine.",
        "Une démission après saisine du médiateur : indiquez la date à laquelle l'apprenti·e a informé l'employeur.",
    ]


def test_the_delays_are_settings(contract, staff):
    ContractSettings.objects.update_or_create(pk=1, defaults={"mediator_inform_days": 6, "mediator_effective_days": 7})

    with pytest.raises(ContractTransitionError, match="au moins 6 jours après, soit le 07/03/2027"):
        record(contract, staff, resignation(rupture_date=date(2027, 3, 31), informed=REFERRAL + timedelta(days=5)))


def test_other_kinds_do_not_keep_an_employer_informed_date(contract, staff):
    record(contract, staff, resignation(rupture_date=date(2027, 3, 31), informed=date(2027, 3, 10), kind=RuptureKind.MUTUAL_AGREEMENT))

    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.status, stored.mediator_referral_date, stored.employer_informed_date) == (S.BROKEN, REFERRAL, None)


def test_the_rupture_form_records_both_dates_and_the_page_shows_them(client, contract, time_machine):
    time_machine.move_to(datetime(2027, 5, 1, 10, 0, tzinfo=PARIS), tick=False)
    client.force_login(AdminStaffFactory())
    url = reverse("contracts:contract_action", args=[contract.pk, "rupture"])
    data = {
        "rupture-rupture_date": "2027-03-13", "rupture-kind": RuptureKind.RESIGNATION, "rupture-initiative": RuptureInitiative.APPRENTICE,
        "rupture-dismissal_ground": "", "rupture-mediator_referral_date": "2027-03-01", "rupture-employer_informed_date": "2027-03-06",
        "rupture-opco_notified_date": "", "rupture-cause": "Réorientation.",
    }

    refused = client.post(url, {**data, "rupture-rupture_date": "2027-03-12"})
    assert refused.status_code == 400  # the page comes back with the form as typed
    assert "indiquez une date de rupture au 13/03/2027 au plus tôt" in refused.content.decode()
    assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS

    response = client.post(url, data)

    assert response.status_code == 302
    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.status, stored.rupture_date, stored.mediator_referral_date, stored.employer_informed_date) == (
        S.BROKEN, date(2027, 3, 13), date(2027, 3, 1), date(2027, 3, 6)
    )
    page = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert "Employeur informé par écrit par l'apprenti·e" in page and "06/03/2027" in page
