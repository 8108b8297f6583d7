"""The day each file's employer participation may be invoiced (contracts.opco.participation_dates)
at its limits: R6332-25-2, "à l'issue de la période des 45 premiers jours [...] de formation
pratique en entreprise" (ContractSettings.free_period_company_days) — the day after the 45th
company day on the apprentice's real calendar, or the day after a rupture within those days; only
the files whose participation is computed and not invoiced yet are dated.

The contract of the ``contract`` fixture: from 1 Sept 2026, practical start Thursday 3 Sept,
cohort CCEEE — its 45th company day is Thursday 17 December 2026."""

from datetime import date
from decimal import Decimal

import pytest

from contracts import opco
from contracts.choices import ContractStatus, RuptureKind
from contracts.models import Contract, ContractSettings, OpcoFile
from tests.factories.contracts import OpcoFileFactory

pytestmark = pytest.mark.django_db
FORTY_FIFTH_COMPANY_DAY = date(2026, 12, 17)


def file_of(contract, *, amount, invoiced=None, rupture=None):
    if rupture:
        Contract.objects.filter(pk=contract.pk).update(
            status=ContractStatus.BROKEN, rupture_date=rupture, rupture_kind=RuptureKind.FREE_PERIOD
        )
    OpcoFileFactory(contract=contract, employer_participation_amount=amount, employer_participation_invoiced_date=invoiced)
    # Re-read, as the board and the demo pass them: with the contract, its apprentice and cohort.
    return list(OpcoFile.objects.select_related("contract__apprentice__cohort").filter(contract=contract))


@pytest.mark.parametrize(("amount", "invoiced", "rupture", "expected"), [
    pytest.param(Decimal("750.00"), None, None, date(2026, 12, 18), id="R6332-25-2-day-after-the-45th-company-day"),
    pytest.param(Decimal("0.00"), None, None, date(2026, 12, 18), id="a-zero-participation-is-still-pending"),
    pytest.param(None, None, None, "absent", id="no-participation-computed"),
    pytest.param(Decimal("750.00"), date(2026, 12, 18), None, "absent", id="already-invoiced"),
    pytest.param(Decimal("350.68"), None, date(2026, 10, 2), date(2026, 10, 3), id="rupture-within-the-45-days"),
    pytest.param(Decimal("750.00"), None, date(2026, 12, 16), date(2026, 12, 17), id="rupture-the-day-before-the-45th-company-day"),
    pytest.param(Decimal("750.00"), None, FORTY_FIFTH_COMPANY_DAY, date(2026, 12, 18), id="rupture-on-the-45th-company-day"),
    pytest.param(Decimal("750.00"), None, date(2026, 12, 18), date(2026, 12, 18), id="rupture-the-day-after-the-period"),
])
def test_participation_dates_at_the_45th_company_day(contract, amount, invoiced, rupture, expected):
    files = file_of(contract, amount=amount, invoiced=invoiced, rupture=rupture)

    dates = opco.participation_dates(files, settings=ContractSettings.load())

    assert dates == ({} if expected == "absent" else {files[0].pk: expected})


def test_participation_dates_follow_the_settings_given(contract):
    # ContractSettings.free_period_company_days passed in, not re-read: 1 company day → the day
    # after the practical start (Thursday 3 Sept 2026, a company day of the CCEEE rhythm).
    files = file_of(contract, amount=Decimal("750.00"))
    settings = ContractSettings.load()
    settings.free_period_company_days = 1

    assert opco.participation_dates(files, settings=settings) == {files[0].pk: date(2026, 9, 4)}


def test_participation_dates_of_no_file_is_empty():
    assert opco.participation_dates([], settings=ContractSettings.load()) == {}
