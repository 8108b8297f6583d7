"""Recording the OPCO file's facts (contracts.opco.opco_file_update) at their limits: an NPEC of
zero is a valid amount, a negative one is refused; the complete-file date may be today; the
deposit organisation stays empty unless given."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts import opco
from contracts.models import OpcoFile
from tests.factories.alternance import AdminStaffFactory
from tests.factories.contracts import OpcoFileFactory

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 10)


@pytest.fixture
def opco_file(contract):
    return OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), npec_amount=Decimal("8000.00"),
                           deposit_organisation_name="Ancien", deposit_organisation_siret="")


def update(opco_file, **values):
    return opco.opco_file_update(opco_file=opco_file, by=AdminStaffFactory(), deposit_number=" 075 ", amendment_number="", today=TODAY, **values)


@pytest.mark.parametrize(("npec", "accepted"), [(Decimal("-0.01"), False), (Decimal("0"), True), (Decimal("0.50"), True), (Decimal("1"), True)])
def test_the_npec_is_zero_or_more(opco_file, npec, accepted):
    if accepted:
        update(opco_file, complete_file_date=TODAY, npec_amount=npec)
    else:
        with pytest.raises(ValidationError) as error:
            update(opco_file, complete_file_date=TODAY, npec_amount=npec)
        assert error.value.message_dict == {"npec_amount": ["Le montant NPEC doit être positif."]}
    assert OpcoFile.objects.values_list("npec_amount", "complete_file_date").get(pk=opco_file.pk) == (
        (npec, TODAY) if accepted else (Decimal("8000.00"), None)
    )


def test_the_deposit_organisation_is_emptied_unless_given(opco_file):
    update(opco_file, complete_file_date=None, npec_amount=None)

    assert OpcoFile.objects.values_list("deposit_number", "deposit_organisation_name", "deposit_organisation_siret", "npec_amount").get(
        pk=opco_file.pk
    ) == ("075", "", "", None)
