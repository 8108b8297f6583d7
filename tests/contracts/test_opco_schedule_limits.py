"""Generating the OPCO schedule (contracts.opco.opco_schedule_generate) at its limits: an
apprenticeship lasts at most 4 years (Code du travail L6222-7-1), and a contract concluded before
the first funding rule (FundingRule.valid_from, 1 January 2019) has no schedule."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts import opco
from contracts.models import Contract, OpcoInstalment
from tests.factories.contracts import OpcoFileFactory

pytestmark = pytest.mark.django_db


def file_of(contract, **changes):
    Contract.objects.filter(pk=contract.pk).update(**changes)
    contract.refresh_from_db()
    return OpcoFileFactory(contract=contract, npec_amount=Decimal("8000.00"))


@pytest.mark.parametrize(("end", "years"), [(date(2030, 8, 30), 4), (date(2030, 8, 31), 4), (date(2030, 9, 1), None)])
def test_a_schedule_covers_at_most_4_contract_years(contract, end, years):
    opco_file = file_of(contract, end_date=end)

    if years:
        instalments = opco.opco_schedule_generate(opco_file=opco_file, by=None)
        assert max(i.contract_year for i in instalments) == years
        assert OpcoInstalment.objects.filter(opco_file=opco_file).count() == 16
    else:
        with pytest.raises(ValidationError) as error:
            opco.opco_schedule_generate(opco_file=opco_file, by=None)
        assert error.value.messages == ["Un contrat d'apprentissage dure au plus 4 ans : vérifiez ses dates de début et de fin."]
        assert not OpcoInstalment.objects.filter(opco_file=opco_file).exists()


@pytest.mark.parametrize(("signature", "has_rule"), [(date(2018, 12, 31), False), (date(2019, 1, 1), True)])
def test_no_schedule_before_the_first_funding_rule(contract, signature, has_rule):
    opco_file = file_of(contract, signature_date=signature)

    if has_rule:
        assert len(opco.opco_schedule_generate(opco_file=opco_file, by=None)) == 6  # the old rule: 3 instalments a year
    else:
        with pytest.raises(ValidationError) as error:
            opco.opco_schedule_generate(opco_file=opco_file, by=None)
        assert error.value.messages == [
            "Aucune règle de financement OPCO ne s'applique aux contrats conclus le 31/12/2018 : ajoutez-la dans l'administration."
        ]
