"""Fixtures of the contracts tests."""

from datetime import date

import pytest

from alternance.choices import DiplomaCode, SituationBeforeContract
from contracts.reference_data import ensure_reference_data
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory


def valid_nir(first_thirteen: str) -> str:
    return first_thirteen + f"{97 - int(first_thirteen) % 97:02d}"


@pytest.fixture(autouse=True)
def reference_data(request):
    """SMIC values and funding rules for every database test: a transactional test elsewhere in
    the run flushes the tables that the data migrations filled."""
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
        ensure_reference_data()


@pytest.fixture
def contract(db):
    """A complete, lawful apprenticeship contract: 21-year-old, 2 years, BTS (level 5)."""
    apprentice = ApprenticeFactory(
        birth_date=date(2005, 3, 14),
        situation_before_contract=SituationBeforeContract.STUDENT,
        last_diploma_prepared=DiplomaCode.BAC_PRO,
        last_class="01",
        highest_diploma=DiplomaCode.BAC_PRO,
    )
    apprentice.set_nir(valid_nir("2050375056123"))
    apprentice.save()
    company = CompanyFactory(phone="0102030405")
    master = CompanyContactFactory(company=company)
    return ContractFactory(apprentice=apprentice, company=company, master=master, pension_fund="AG2R La Mondiale")


