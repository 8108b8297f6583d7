"""Every write on the OPCO file tells the alert rules which contract changed (alerts.triggers.
facts_changed "opco_file_changed", re-evaluated after the commit): the file, its schedule, an
invoice, a payment and the employer participation."""

from datetime import date
from decimal import Decimal

import pytest

from contracts import opco
from tests.factories.contracts import OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 10)


@pytest.fixture
def calls(monkeypatch):
    recorded = []
    monkeypatch.setattr(opco, "facts_changed", lambda write, **ids: recorded.append((write, ids)))
    return recorded


@pytest.fixture
def opco_file(contract):
    return OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), npec_amount=Decimal("8000.00"),
                           employer_participation_amount=Decimal("750.00"))


WRITES = {
    "file": lambda f, i: opco.opco_file_update(opco_file=f, by=None, complete_file_date=None, npec_amount=Decimal("8000"),
                                               deposit_number="", amendment_number="", today=TODAY),
    "schedule": lambda f, i: opco.opco_schedule_generate(opco_file=f, by=None),
    "invoice": lambda f, i: opco.instalment_record_invoice(instalment=i, invoice_number="F-1", invoiced_date=date(2026, 9, 2), by=None, today=TODAY),
    "payment": lambda f, i: (
        opco.instalment_record_invoice(instalment=i, invoice_number="F-1", invoiced_date=date(2026, 9, 2), by=None, today=TODAY),
        opco.instalment_record_payment(instalment=i, paid_date=date(2026, 9, 30), paid_amount=None, by=None, today=TODAY),
    ),
    "participation": lambda f, i: opco.employer_participation_record(opco_file=f, invoiced_date=date(2026, 12, 20), today=TODAY),
    "refresh": lambda f, i: opco.employer_participation_refresh(opco_file=f),
}
COUNTS = {"payment": 2}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_each_write_names_its_contract_to_the_alert_rules(opco_file, calls, write):
    instalment = OpcoInstalmentFactory(opco_file=opco_file, due_date=date(2026, 9, 1))

    WRITES[write](opco_file, instalment)

    assert calls == [("opco_file_changed", {"contract_ids": [opco_file.contract_id]})] * COUNTS.get(write, 1)
