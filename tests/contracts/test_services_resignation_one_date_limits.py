"""Resignation through the mediator (Code du travail L6222-18 al. 3, D6222-21-1; the delays are the
settings ContractSettings.mediator_inform_days = 5 and mediator_effective_days = 7) when only one of
its two dates is given, when the referral falls on the rupture day itself, and when a gap is of a
single day: each case at limit − 1, limit and limit + 1, the exact French problems, the contract
re-read from the database (never broken by a refused resignation)."""

from datetime import date, datetime, timedelta

import pytest

from contracts.choices import ContractStatus as S
from contracts.choices import RuptureInitiative, RuptureKind
from contracts.models import Contract, ContractSettings
from contracts.services import ContractTransitionError, RuptureInput, contract_record_rupture
from tests.factories.alternance import AdminStaffFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

REFERRAL = date(2027, 3, 1)
TODAY = date(2027, 5, 1)
MISSING_REFERRAL = "Une démission passe par le médiateur : indiquez la date de sa saisine."
MISSING_INFORMED = (
    "Une démission après saisine du médiateur : indiquez la date à laquelle l'apprenti·e a informé l'employeur."
)


@pytest.fixture(autouse=True)
def pinned_clock(time_machine):
    time_machine.move_to(datetime(2027, 5, 1, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def staff():
    return AdminStaffFactory()


def resignation(*, rupture_date, referral=None, informed=None):
    return RuptureInput(
        rupture_date=rupture_date,
        kind=RuptureKind.RESIGNATION,
        initiative=RuptureInitiative.APPRENTICE,
        cause="Projet de réorientation.",
        mediator_referral_date=referral,
        employer_informed_date=informed,
    )


def problems_of(contract, staff, rupture):
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(contract=contract, by=staff, rupture=rupture, today=TODAY)
    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.status, stored.rupture_date, stored.rupture_kind) == (S.IN_PROGRESS, None, "")
    return error.value.problems


@pytest.mark.parametrize(
    ("after_referral", "too_early"),
    [
        (
            11,
            "Une démission ne prend effet qu'au moins 12 jours après la saisine du médiateur (le 01/03/2027) : une rupture "
            "au 12/03/2027 est trop tôt ; indiquez une date de rupture au 13/03/2027 au plus tôt.",
        ),
        (12, None),
        (13, None),
    ],
)
def test_d6222_21_1_referral_alone_rupture_12_days_after_it(contract, staff, after_referral, too_early):
    """The employer's information missing, the referral alone still sets the earliest rupture:
    mediator_inform_days + mediator_effective_days (5 + 7 = 12) days after it."""
    rupture = resignation(rupture_date=REFERRAL + timedelta(days=after_referral), referral=REFERRAL)

    assert problems_of(contract, staff, rupture) == [MISSING_INFORMED, *([too_early] if too_early else [])]


INFORMED = date(2027, 3, 10)


@pytest.mark.parametrize(
    ("after_informed", "too_early"),
    [
        (
            6,
            "Une démission ne prend effet qu'au moins 7 jours après l'information de l'employeur (le 10/03/2027) : une rupture "
            "au 16/03/2027 est trop tôt ; indiquez une date de rupture au 17/03/2027 au plus tôt.",
        ),
        (7, None),
        (8, None),
    ],
)
def test_d6222_21_1_employer_informed_alone_rupture_7_days_after_it(contract, staff, after_informed, too_early):
    """The referral missing, the day the employer was informed alone sets the earliest rupture:
    mediator_effective_days (7) days after it."""
    rupture = resignation(rupture_date=INFORMED + timedelta(days=after_informed), informed=INFORMED)

    assert problems_of(contract, staff, rupture) == [MISSING_REFERRAL, *([too_early] if too_early else [])]


RUPTURE = date(2027, 3, 20)


@pytest.mark.parametrize(
    ("referral", "problem"),
    [
        (
            RUPTURE - timedelta(days=1),
            "Une démission ne prend effet qu'au moins 12 jours après la saisine du médiateur (le 19/03/2027) : une rupture "
            "au 20/03/2027 est trop tôt ; indiquez une date de rupture au 31/03/2027 au plus tôt.",
        ),
        (
            RUPTURE,
            "Une démission ne prend effet qu'au moins 12 jours après la saisine du médiateur (le 20/03/2027) : une rupture "
            "au 20/03/2027 est trop tôt ; indiquez une date de rupture au 01/04/2027 au plus tôt.",
        ),
        (
            RUPTURE + timedelta(days=1),
            "La saisine du médiateur (le 21/03/2027) est postérieure à la date de rupture (le 20/03/2027) : "
            "le médiateur est saisi avant la démission. Corrigez l'une des deux dates.",
        ),
    ],
)
def test_l6222_18_referral_on_the_rupture_day_is_not_after_it(contract, staff, referral, problem):
    """L6222-18 al. 3: the mediator is referred to before the resignation; a referral on the rupture
    day itself is not « postérieure », it is only too close (the 12 days of D6222-21-1)."""
    assert problems_of(contract, staff, resignation(rupture_date=RUPTURE, referral=referral)) == [
        MISSING_INFORMED,
        problem,
    ]


@pytest.mark.parametrize(
    ("inform_days", "effective_days", "problems"),
    [
        (
            2,
            1,
            [
                "L'employeur a été informé le 02/03/2027, 1 jour après la saisine du médiateur (le 01/03/2027) : "
                "il doit l'être au moins 2 jours après, soit le 03/03/2027 au plus tôt.",
                "Une démission ne prend effet qu'au moins 3 jours après la saisine du médiateur (le 01/03/2027) et 1 jour après "
                "l'information de l'employeur (le 02/03/2027) : une rupture au 02/03/2027 est trop tôt ; indiquez une date de "
                "rupture au 04/03/2027 au plus tôt.",
            ],
        ),
        (
            1,
            1,
            [
                "Une démission ne prend effet qu'au moins 2 jours après la saisine du médiateur (le 01/03/2027) et 1 jour après "
                "l'information de l'employeur (le 02/03/2027) : une rupture au 02/03/2027 est trop tôt ; indiquez une date de "
                "rupture au 03/03/2027 au plus tôt.",
            ],
        ),
        (
            0,
            1,
            [
                "Une démission ne prend effet qu'au moins 1 jour après la saisine du médiateur (le 01/03/2027) et 1 jour après "
                "l'information de l'employeur (le 02/03/2027) : une rupture au 02/03/2027 est trop tôt ; indiquez une date de "
                "rupture au 03/03/2027 au plus tôt.",
            ],
        ),
    ],
)
def test_d6222_21_1_delays_of_one_day_are_written_in_the_singular(
    contract, staff, inform_days, effective_days, problems
):
    """ContractSettings.mediator_inform_days at 2, 1 and 0 around the gap of one day between the
    referral and the employer's information: « 1 jour », never « 1 jours »."""
    ContractSettings.objects.update_or_create(
        pk=1, defaults={"mediator_inform_days": inform_days, "mediator_effective_days": effective_days}
    )
    rupture = resignation(
        rupture_date=REFERRAL + timedelta(days=1), referral=REFERRAL, informed=REFERRAL + timedelta(days=1)
    )

    assert problems_of(contract, staff, rupture) == problems
