"""A public employer deposits its contracts with the DDETS, not with an OPCO (issue 15 §6, D6224-1):
the pre-flight does not ask for its OPCO."""

from datetime import date
from decimal import Decimal as D

import pytest

from contracts.preflight import check_contract

ORGANISATION = {"name": "CFA Démo", "uai": "0751234J", "siret": "73282932000074"}


@pytest.mark.django_db
@pytest.mark.parametrize(("is_public", "expected"), [(False, ["opco.unknown"]), (True, [])])
def test_an_unknown_opco_is_a_warning_for_private_employers_only(contract, is_public, expected):
    contract.company.opco, contract.company.idcc, contract.company.is_public = "", "1486", is_public

    report = check_contract(contract, stage="opco", today=date(2026, 8, 20), organisation=ORGANISATION, smic_monthly=D("1823.03"))

    assert [f.code for f in report.findings if f.code.startswith("opco.")] == expected
