"""The trial period of a CDI follows the employee's category (Code du travail L1221-19): 2 months
for workers and employees, 3 for supervisors and technicians, 4 for executives; a contract without
a category keeps the outer bound (4 months). Tested at the last day − 1, the last day and + 1."""

from datetime import date

import pytest

from contracts.choices import ContractKind, EmployeeCategory, EmploymentTerm, RuptureInitiative, RuptureKind
from contracts.models import Contract
from contracts.services import ContractTransitionError, RuptureInput, contract_record_rupture
from contracts.trial_period import trial_period
from tests.factories.alternance import AdminStaffFactory

START = date(2026, 9, 1)
CATEGORIES = [
    (EmployeeCategory.WORKER_EMPLOYEE, 2, date(2026, 10, 31)),
    (EmployeeCategory.SUPERVISOR_TECHNICIAN, 3, date(2026, 11, 30)),
    (EmployeeCategory.EXECUTIVE, 4, date(2026, 12, 31)),
    ("", 4, date(2026, 12, 31)),
]


@pytest.mark.parametrize(("category", "months", "last_day"), CATEGORIES)
def test_l1221_19_cdi_trial_period_by_category(category, months, last_day):
    period = trial_period(start=START, end=date(2027, 8, 31), term=EmploymentTerm.OPEN_ENDED, category=category)

    assert (period.months, period.days, period.last_day) == (months, None, last_day)


def test_a_cdd_ignores_the_category():
    assert trial_period(start=START, end=date(2027, 8, 31), term=EmploymentTerm.FIXED_TERM,
                        category=EmployeeCategory.WORKER_EMPLOYEE).last_day == date(2026, 9, 30)


@pytest.mark.parametrize(("category", "last_day"), [(c, d) for c, _m, d in CATEGORIES])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_l1221_19_rupture_in_the_cdi_trial_period_up_to_its_last_day(contract, category, last_day, offset):
    Contract.objects.filter(pk=contract.pk).update(
        kind=ContractKind.PROFESSIONALISATION, employment_term=EmploymentTerm.OPEN_ENDED, employee_category=category,
        start_date=START, end_date=date(2027, 8, 31), exams_end_date=date(2027, 6, 30), training_hours=300,
    )
    contract.refresh_from_db()
    day = date.fromordinal(last_day.toordinal() + offset)
    rupture = RuptureInput(rupture_date=day, kind=RuptureKind.TRIAL_PERIOD, initiative=RuptureInitiative.EMPLOYER, cause="Inadéquation au poste")

    if offset <= 0:
        contract_record_rupture(contract=contract, by=AdminStaffFactory(), rupture=rupture, today=day)
        contract.refresh_from_db()
        assert (contract.rupture_date, contract.rupture_kind) == (day, RuptureKind.TRIAL_PERIOD)
    else:
        with pytest.raises(ContractTransitionError) as error:
            contract_record_rupture(contract=contract, by=AdminStaffFactory(), rupture=rupture, today=day)
        message = error.value.problems[0] if getattr(error.value, "problems", None) else str(error.value)
        assert f"(le {last_day:%d/%m/%Y})" in message
        assert ("renseignez la catégorie" in message) == (category == "")
        contract.refresh_from_db()
        assert contract.rupture_date is None
