"""A scoped rule run (re-evaluation after a write, RuleContext.subject_ids) reads only its subjects'
rows: each query of the rule keeps the subject's findings and leaves the other subject's out."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from alerts.rules import RULES
from alternance.choices import ApprenticeStatus
from contracts.choices import ContractStatus, InstalmentKind, OpcoDecision
from tests.alerts.conftest import TODAY, context, under_contract
from tests.factories.alternance import ApprenticeFactory
from tests.factories.contracts import OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db


def scoped(subject_ids, today=TODAY, **overrides):
    return dataclasses.replace(context(today, **overrides), subject_ids=frozenset(subject_ids))


def every_opco_delay():
    """Contracts with every OPCO delay: not sent (no file), no decision on a complete file, an
    instalment not invoiced and one unpaid, the balance lost, the participation not invoiced."""
    pending = under_contract(status=ContractStatus.SIGNED, start_date=date(2026, 11, 2), signature_date=date(2026, 10, 20),
                             practical_training_start_date=date(2026, 11, 2))
    undecided = under_contract(status=ContractStatus.SENT_TO_OPCO)
    OpcoFileFactory(contract=undecided, sent_date=date(2026, 9, 8), complete_file_date=date(2026, 9, 10))
    ended = under_contract(status=ContractStatus.ENDED, end_date=date(2026, 6, 30), start_date=date(2025, 9, 1),
                           signature_date=date(2025, 8, 25), practical_training_start_date=date(2025, 9, 1))
    file = OpcoFileFactory(contract=ended, sent_date=date(2025, 9, 3), decision=OpcoDecision.ACCEPTED, decision_date=date(2025, 9, 20),
                           employer_participation_amount=Decimal("750.00"))
    OpcoInstalmentFactory(opco_file=file, due_date=TODAY - timedelta(days=10))
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.MONTH_7, due_date=TODAY - timedelta(days=60),
                          invoiced_date=TODAY - timedelta(days=50))
    OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.BALANCE, due_date=date(2026, 6, 30))
    return pending, undecided, ended


def test_opco_delay_scoped_to_contracts():
    # The other subject first, then one more contract: the kept contracts' ids then differ from the
    # ids of their files and instalments (a query scoped on the wrong column would keep other rows).
    other = every_opco_delay()
    under_contract(status=ContractStatus.ENDED)
    kept = every_opco_delay()

    def codes(context_):
        return sorted((f.subject_id, d["code"]) for f in RULES["opco_delay"](context_) for d in f.facts["delays"])

    def expected(pending, undecided, ended):
        return [(pending.pk, "not_sent"), (undecided.pk, "no_decision"), (ended.pk, "instalment_not_invoiced"),
                (ended.pk, "instalment_unpaid"), (ended.pk, "balance_lost"), (ended.pk, "participation_not_invoiced")]

    assert codes(scoped([c.pk for c in kept])) == sorted(expected(*kept))
    assert codes(context()) == sorted(expected(*kept) + expected(*other))


def test_contract_end_scoped_to_contracts():
    kept = under_contract(end_date=TODAY + timedelta(days=5))
    under_contract(end_date=TODAY + timedelta(days=5))

    assert [f.subject_id for f in RULES["contract_end"](scoped([kept.pk]))] == [kept.pk]


def test_without_company_scoped_to_apprentices():
    kept = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=100))
    ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=100))

    assert [f.subject_id for f in RULES["without_company"](scoped([kept.pk]))] == [kept.pk]


def test_visits_overdue_scoped_to_contracts():
    kept = under_contract()
    under_contract()

    assert [f.subject_id for f in RULES["visits_overdue"](scoped([kept.pk], today=date(2026, 12, 20)))] == [kept.pk]
