"""SMIC values and rates are dated reference data: a new row changes the computed minimum."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from contracts.models import RemunerationGrid, SmicRate
from contracts.selectors import contract_preflight, contract_remuneration

pytestmark = pytest.mark.django_db


def test_the_grid_and_smic_in_force_at_the_start_give_the_minimum(contract):
    periods = contract_remuneration(contract)

    assert [(p.label, p.rate, p.monthly_amount) for p in periods] == [("1.1", D(53), D("966.21")), ("2.1", D(61), D("1112.05"))]


def test_a_new_smic_and_a_new_grid_entered_by_an_administrator_apply_to_later_contracts(contract):
    SmicRate.objects.create(valid_from=date(2026, 8, 1), hourly=D("12.50"), monthly=D("1895.84"), mayotte_monthly=D("1450.00"))
    RemunerationGrid.objects.create(
        valid_from=date(2026, 8, 1),
        apprenticeship={"1": [30, 45, 55, 100], "2": [40, 52, 62, 100], "3": [56, 68, 79, 100]},
        professionalisation={"under_21": [55, 65], "from_21_to_25": [70, 80], "from_26_smc_percent": 85},
    )

    periods = contract_remuneration(contract)

    assert [(p.label, p.rate, p.monthly_amount) for p in periods] == [("1.1", D(55), D("1042.72")), ("2.1", D(62), D("1175.43"))]
    # The checklist uses the same minimum: the salary of the fixture (966.32) is now too low.
    assert "salary.below_minimum" in contract_preflight(contract, stage="opco", today=date(2026, 8, 20)).codes()


def test_an_incomplete_grid_is_refused_with_a_french_message():
    grid = RemunerationGrid(valid_from=date(2027, 1, 1), apprenticeship={"1": [27, 43]}, professionalisation={})

    with pytest.raises(ValidationError, match="Grille invalide"):
        grid.full_clean()
