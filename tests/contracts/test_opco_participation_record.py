"""Recording the employer participation's invoice and payment (contracts.opco.
employer_participation_record, R6332-25-2): neither date in the future (today is the limit), the
payment never before the invoice, each error under its field, the file re-read from the database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts import opco
from contracts.models import OpcoFile
from tests.factories.contracts import OpcoFileFactory

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 10)
FUTURE_INVOICE = "La date de facture ne peut pas être dans le futur."
FUTURE_PAYMENT = "La date de paiement ne peut pas être dans le futur."


@pytest.fixture
def opco_file(contract):
    return OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), npec_amount=Decimal("8000.00"),
                           employer_participation_amount=Decimal("750.00"))


def recorded(opco_file):
    return OpcoFile.objects.values_list("employer_participation_invoiced_date", "employer_participation_paid_date").get(pk=opco_file.pk)


@pytest.mark.parametrize(("invoiced", "paid", "errors"), [
    (TODAY - timedelta(days=1), TODAY - timedelta(days=1), None),
    (TODAY, TODAY, None),
    (TODAY + timedelta(days=1), None, {"invoiced_date": [FUTURE_INVOICE]}),
    (TODAY, TODAY + timedelta(days=1), {"paid_date": [FUTURE_PAYMENT]}),
    (TODAY + timedelta(days=1), TODAY + timedelta(days=1), {"invoiced_date": [FUTURE_INVOICE], "paid_date": [FUTURE_PAYMENT]}),
    (TODAY, TODAY - timedelta(days=1), {"paid_date": ["Le paiement ne peut pas précéder la facture."]}),
    (None, None, {"invoiced_date": ["Indiquez une date de facture ou de paiement."]}),
])
def test_participation_dates_are_past_and_the_payment_follows_the_invoice(opco_file, invoiced, paid, errors):
    if errors:
        with pytest.raises(ValidationError) as error:
            opco.employer_participation_record(opco_file=opco_file, invoiced_date=invoiced, paid_date=paid, today=TODAY)
        assert error.value.message_dict == errors
        assert recorded(opco_file) == (None, None)
    else:
        opco.employer_participation_record(opco_file=opco_file, invoiced_date=invoiced, paid_date=paid, today=TODAY)
        assert recorded(opco_file) == (invoiced, paid)


@pytest.mark.parametrize(("paid", "accepted"), [(date(2026, 10, 19), False), (date(2026, 10, 20), True)])
def test_a_later_payment_is_checked_against_the_recorded_invoice(opco_file, paid, accepted):
    opco.employer_participation_record(opco_file=opco_file, invoiced_date=date(2026, 10, 20), today=TODAY)

    if accepted:
        opco.employer_participation_record(opco_file=opco_file, paid_date=paid, today=TODAY)
    else:
        with pytest.raises(ValidationError) as error:
            opco.employer_participation_record(opco_file=opco_file, paid_date=paid, today=TODAY)
        assert error.value.message_dict == {"paid_date": ["Le paiement ne peut pas précéder la facture."]}
    assert recorded(opco_file) == (date(2026, 10, 20), paid if accepted else None)
