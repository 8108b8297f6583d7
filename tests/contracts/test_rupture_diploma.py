"""End of the contract after obtaining the diploma (issue 15 §6; L6222-19): at the apprentice's
initiative, the employer informed in writing at least two months before; the learner is then done,
not a rupturant; the Tableau de bord file says why the contract ended."""

from datetime import date

import pytest

from alternance.choices import ApprenticeStatus
from alternance.tdb.rows import cause_of_rupture
from contracts.choices import ContractStatus as S
from contracts.choices import RuptureInitiative, RuptureKind
from contracts.models import Contract
from contracts.services import ContractTransitionError, RuptureInput, contract_record_rupture
from tests.factories.alternance import AdminStaffFactory

pytestmark = pytest.mark.django_db

INFORMED = date(2027, 1, 15)  # two months later: 15 March 2027


@pytest.fixture
def staff():
    return AdminStaffFactory()


def diploma_rupture(rupture_date, *, informed=INFORMED, initiative=RuptureInitiative.APPRENTICE):
    return RuptureInput(
        rupture_date=rupture_date, kind=RuptureKind.DIPLOMA_OBTAINED, initiative=initiative,
        cause="BTS obtenu en candidat libre.", employer_informed_date=informed,
    )


@pytest.mark.parametrize(
    ("rupture_date", "refused"),
    [(date(2027, 3, 14), True), (date(2027, 3, 15), False), (date(2027, 3, 16), False)],
)
def test_the_employer_is_informed_in_writing_two_months_before(contract, staff, rupture_date, refused):
    if refused:
        with pytest.raises(ContractTransitionError) as error:
            contract_record_rupture(contract=contract, by=staff, rupture=diploma_rupture(rupture_date), today=date(2027, 4, 1))
        assert error.value.problems == [
            "L'employeur a été informé le 15/01/2027 : après l'obtention du diplôme, le contrat prend fin au moins "
            "2 mois plus tard, soit le 15/03/2027 au plus tôt (rupture indiquée : le 14/03/2027)."
        ]
        assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS
        return

    contract_record_rupture(contract=contract, by=staff, rupture=diploma_rupture(rupture_date), today=date(2027, 4, 1))

    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.status, stored.rupture_kind, stored.rupture_date, stored.employer_informed_date) == (
        S.BROKEN, RuptureKind.DIPLOMA_OBTAINED, rupture_date, INFORMED
    )
    stored.apprentice.refresh_from_db()
    assert (stored.apprentice.status, stored.apprentice.status_since) == (ApprenticeStatus.COMPLETED, rupture_date)


@pytest.mark.parametrize("initiative", [RuptureInitiative.EMPLOYER, RuptureInitiative.BOTH, RuptureInitiative.OTHER])
def test_only_the_apprentice_ends_the_contract_after_the_diploma(contract, staff, initiative):
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(
            contract=contract, by=staff, rupture=diploma_rupture(date(2027, 3, 20), initiative=initiative), today=date(2027, 4, 1)
        )

    assert error.value.problems == [
        "Après l'obtention du diplôme, le contrat ne prend fin avant son terme qu'à l'initiative de l'apprenti·e : "
        "choisissez « Apprenti·e » comme initiative, ou un autre type de rupture."
    ]
    assert Contract.objects.get(pk=contract.pk).status == S.IN_PROGRESS


def test_the_written_notice_date_is_required(contract, staff):
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(contract=contract, by=staff, rupture=diploma_rupture(date(2027, 3, 20), informed=None), today=date(2027, 4, 1))

    assert error.value.problems == [
        "Indiquez la date à laquelle l'apprenti·e a informé l'employeur par écrit de la fin anticipée du contrat."
    ]


def test_the_tableau_de_bord_cause_of_an_early_end_after_the_diploma():
    contract = Contract(rupture_date=date(2027, 3, 15), rupture_kind=RuptureKind.DIPLOMA_OBTAINED)

    assert cause_of_rupture(contract) == "obtention du diplôme"
