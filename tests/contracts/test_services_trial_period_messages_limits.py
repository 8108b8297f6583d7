"""The rupture of a contrat de professionnalisation in its trial period (contracts.services): the
exact French refusal the day after the period's last day, for a CDI by the employee's category
(Code du travail L1221-19: 2, 3 or 4 months), a CDI without a category (the three limits named)
and a CDD of one week (L1242-10: one day per week, « 1 jour » in the singular). Each case at the
last day − 1, the last day and + 1; the contract re-read from the database."""

from datetime import date, datetime, timedelta

import pytest

from contracts.choices import ContractKind, EmployeeCategory, EmploymentTerm, RuptureInitiative, RuptureKind
from contracts.choices import ContractStatus as S
from contracts.models import Contract
from contracts.services import ContractTransitionError, RuptureInput, contract_record_rupture
from tests.factories.alternance import AdminStaffFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

START = date(2026, 9, 1)


@pytest.fixture(autouse=True)
def pinned_clock(time_machine):
    time_machine.move_to(datetime(2027, 1, 15, 10, 0, tzinfo=PARIS), tick=False)


def contrat_pro(contract, *, term, category="", end=date(2027, 8, 31)):
    Contract.objects.filter(pk=contract.pk).update(
        kind=ContractKind.PROFESSIONALISATION,
        employment_term=term,
        employee_category=category,
        start_date=START,
        end_date=end,
        exams_end_date=min(end, date(2027, 6, 30)),
        training_hours=300,
    )
    contract.refresh_from_db()
    return contract


def record(contract, day):
    rupture = RuptureInput(
        rupture_date=day,
        kind=RuptureKind.TRIAL_PERIOD,
        initiative=RuptureInitiative.EMPLOYER,
        cause="Inadéquation au poste",
    )
    contract_record_rupture(contract=contract, by=AdminStaffFactory(), rupture=rupture, today=day)


def refusal(contract, day):
    with pytest.raises(ContractTransitionError) as error:
        record(contract, day)
    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.status, stored.rupture_date, stored.rupture_kind) == (S.IN_PROGRESS, None, "")
    return error.value.problems


def accepted(contract, day):
    record(contract, day)
    stored = Contract.objects.get(pk=contract.pk)
    return (stored.status, stored.rupture_date, stored.rupture_kind) == (S.BROKEN, day, RuptureKind.TRIAL_PERIOD)


CDI_BY_CATEGORY = [
    (EmployeeCategory.WORKER_EMPLOYEE, date(2026, 10, 31), "2 mois pour la catégorie « ouvrier ou employé »"),
    (
        EmployeeCategory.SUPERVISOR_TECHNICIAN,
        date(2026, 11, 30),
        "3 mois pour la catégorie « agent de maîtrise ou technicien »",
    ),
    (EmployeeCategory.EXECUTIVE, date(2026, 12, 31), "4 mois pour la catégorie « cadre »"),
]


@pytest.mark.parametrize(("category", "last_day", "rule"), CDI_BY_CATEGORY)
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_l1221_19_cdi_trial_period_refusal_names_the_category_and_its_months(
    contract, category, last_day, rule, offset
):
    contract = contrat_pro(contract, term=EmploymentTerm.OPEN_ENDED, category=category)
    day = last_day + timedelta(days=offset)

    if offset <= 0:
        assert accepted(contract, day)
        return
    assert refusal(contract, day) == [
        f"La rupture du {day:%d/%m/%Y} tombe après la fin de la période d'essai (le {last_day:%d/%m/%Y}) : la période "
        f"d'essai d'un CDI dure au plus {rule} (L1221-19). Choisissez un autre type de rupture."
    ]


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_l1221_19_cdi_without_category_refusal_names_the_three_limits(contract, offset):
    """No category recorded: the outer legal bound (4 months, to 31/12/2026) and the message asks
    for the category."""
    contract = contrat_pro(contract, term=EmploymentTerm.OPEN_ENDED)
    day = date(2026, 12, 31) + timedelta(days=offset)

    if offset <= 0:
        assert accepted(contract, day)
        return
    assert refusal(contract, day) == [
        "La rupture du 01/01/2027 tombe après la fin de la période d'essai (le 31/12/2026) : la période d'essai d'un CDI "
        "dure au plus 2 mois pour un employé, 3 pour un agent de maîtrise ou un technicien, 4 pour un cadre (L1221-19) ; "
        "renseignez la catégorie du salarié sur le contrat. Choisissez un autre type de rupture."
    ]


@pytest.mark.parametrize(
    ("end", "day", "problems"),
    [
        # One week, 01/09 to 07/09/2026: a trial period of one day, the start day itself.
        (
            date(2026, 9, 7),
            date(2026, 8, 31),
            ["La date de rupture doit se situer entre le début et la fin du contrat."],
        ),
        (date(2026, 9, 7), date(2026, 9, 1), None),
        (
            date(2026, 9, 7),
            date(2026, 9, 2),
            [
                "La rupture du 02/09/2026 tombe après la fin de la période d'essai (le 01/09/2026) : la période d'essai de ce CDD "
                "dure 1 jour au plus (un jour par semaine, L1242-10). Choisissez un autre type de rupture."
            ],
        ),
        # Two weeks: two days, to 02/09/2026.
        (date(2026, 9, 14), date(2026, 9, 2), None),
        (
            date(2026, 9, 14),
            date(2026, 9, 3),
            [
                "La rupture du 03/09/2026 tombe après la fin de la période d'essai (le 02/09/2026) : la période d'essai de ce CDD "
                "dure 2 jours au plus (un jour par semaine, L1242-10). Choisissez un autre type de rupture."
            ],
        ),
    ],
)
def test_l1242_10_cdd_of_one_week_has_a_trial_period_of_1_jour(contract, end, day, problems):
    contract = contrat_pro(contract, term=EmploymentTerm.FIXED_TERM, end=end)

    if problems is None:
        assert accepted(contract, day)
    else:
        assert refusal(contract, day) == problems
