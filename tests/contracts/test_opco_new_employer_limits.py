"""A new contract after a rupture with another employer (contracts.opco.after_rupture_with_another_employer,
R6332-25-1: the new employer's participation is reduced) at its limits: only the apprentice's own
contracts count, only those started strictly before this one (start date − 1 day counts, the same
day does not), and of those the latest by start date — the latest recorded on a tie."""

from datetime import date, timedelta

import pytest

from contracts import opco
from contracts.choices import ContractStatus, RuptureKind
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db
START = date(2026, 9, 1)  # the ``contract`` fixture's start


def other_contract(contract, *, start, broken=True, apprentice=None, company=None):
    """A one-year contract of ``contract``'s apprentice (or ``apprentice``) with another employer
    (or ``company``), broken after six months or ended."""
    company = company or CompanyFactory()
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    state = (
        {"status": ContractStatus.BROKEN, "rupture_date": start + timedelta(days=180), "rupture_kind": RuptureKind.MUTUAL_AGREEMENT}
        if broken else {"status": ContractStatus.ENDED}
    )
    return ContractFactory(
        apprentice=apprentice or contract.apprentice, company=company, master=CompanyContactFactory(company=company),
        signature_date=start - timedelta(days=7), start_date=start, practical_training_start_date=start,
        training_start_date=start, end_date=end, **state,
    )


@pytest.mark.parametrize(("previous_start", "expected"), [
    pytest.param(START - timedelta(days=1), True, id="started-the-day-before"),
    pytest.param(START, False, id="started-the-same-day"),
    pytest.param(START + timedelta(days=365), False, id="a-later-contract"),
])
def test_only_a_contract_started_before_this_one_counts(contract, previous_start, expected):
    other_contract(contract, start=previous_start)

    assert opco.after_rupture_with_another_employer(contract) is expected


def test_another_apprentices_broken_contract_does_not_count(contract):
    other_contract(contract, start=date(2025, 9, 1), apprentice=ApprenticeFactory())

    assert opco.after_rupture_with_another_employer(contract) is False


@pytest.mark.parametrize(("latest_broken", "expected"), [(True, True), (False, False)])
def test_the_latest_started_contract_decides_whatever_the_order_recorded(contract, latest_broken, expected):
    # The latest by start date is recorded first (the lower id), an older one after it.
    other_contract(contract, start=date(2025, 9, 1), broken=latest_broken)
    other_contract(contract, start=date(2024, 9, 1), broken=not latest_broken)

    assert opco.after_rupture_with_another_employer(contract) is expected


@pytest.mark.parametrize(("last_recorded_broken", "expected"), [(True, True), (False, False)])
def test_on_the_same_start_date_the_latest_recorded_contract_decides(contract, last_recorded_broken, expected):
    other_contract(contract, start=date(2025, 9, 1), broken=not last_recorded_broken)
    other_contract(contract, start=date(2025, 9, 1), broken=last_recorded_broken)

    assert opco.after_rupture_with_another_employer(contract) is expected
