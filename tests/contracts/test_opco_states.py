"""The OPCO file's small reads without database (contracts.opco): an instalment's state around its
due date and its 30-day payment limit (opco.PAYMENT_DAYS), the contract panel's days left and the
balance at risk 30 days before the claim limit (opco.BALANCE_WARNING_DAYS), a board row's days,
and the cut-off day of the dashboard's counts."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from contracts.opco import (
    BALANCE_WARNING_DAYS,
    PAYMENT_DAYS,
    BoardRow,
    FileTimeline,
    instalment_state,
    late_rows_of_stage,
)

TODAY = date(2027, 3, 10)


def instalment(*, due=TODAY, invoiced=None, paid=None):
    return SimpleNamespace(due_date=due, invoiced_date=invoiced, paid_date=paid)


@pytest.mark.parametrize(("item", "expected"), [
    (instalment(due=TODAY + timedelta(days=1)), "planned"),
    (instalment(due=TODAY), "due"),
    (instalment(due=TODAY - timedelta(days=1)), "due_late"),
    # Invoiced: paid within PAYMENT_DAYS (30) of the invoice, late the day after.
    (instalment(due=date(2026, 9, 1), invoiced=TODAY - timedelta(days=PAYMENT_DAYS - 1)), "invoiced"),
    (instalment(due=date(2026, 9, 1), invoiced=TODAY - timedelta(days=PAYMENT_DAYS)), "invoiced"),
    (instalment(due=date(2026, 9, 1), invoiced=TODAY - timedelta(days=PAYMENT_DAYS + 1)), "unpaid_late"),
    (instalment(due=date(2026, 9, 1), invoiced=date(2026, 9, 2), paid=date(2026, 9, 20)), "paid"),
    (instalment(due=TODAY + timedelta(days=9), invoiced=TODAY, paid=TODAY), "paid"),
])
def test_instalment_state_at_its_due_date_and_payment_limit(item, expected):
    assert instalment_state(item, today=TODAY) == expected


def timeline(*, sending=TODAY, decision=None, claim=None):
    return FileTimeline(sending_deadline=sending, sending_late=False, decision_deadline=decision, decision_late=False,
                        balance_claim_limit=claim, employer_participation_from=None, today=TODAY)


@pytest.mark.parametrize(("offset", "days", "left"), [(-1, 1, 0), (0, 0, 0), (1, -1, 1), (12, -12, 12)])
def test_timeline_days_past_and_left_before_each_deadline(offset, days, left):
    deadline = TODAY + timedelta(days=offset)
    line = timeline(sending=deadline, decision=deadline, claim=deadline)

    assert (line.sending_days, line.decision_days, line.claim_days) == (days, days, days)
    assert (line.sending_left, line.decision_left, line.claim_left) == (left, left, left)


def test_timeline_without_decision_or_claim_deadline():
    line = timeline()

    assert (line.decision_days, line.claim_days, line.decision_left, line.claim_left, line.claim_at_risk) == (None, None, 0, 0, False)


@pytest.mark.parametrize(("days_left", "at_risk"), [
    (BALANCE_WARNING_DAYS + 1, False), (BALANCE_WARNING_DAYS, True), (BALANCE_WARNING_DAYS - 1, True), (0, True), (-5, True),
])
def test_the_balance_is_at_risk_30_days_before_its_claim_limit(days_left, at_risk):
    assert timeline(claim=TODAY + timedelta(days=days_left)).claim_at_risk is at_risk


def row(category="unpaid", *, deadline=TODAY, file_opco="Atlas", company_opco="OPCO EP", name="Martin", pk=1):
    contract = SimpleNamespace(pk=pk, company=SimpleNamespace(opco=company_opco), apprentice=SimpleNamespace(last_name=name, first_name="Alice"))
    opco_file = SimpleNamespace(opco=file_opco) if file_opco is not None else None
    return BoardRow(category=category, contract=contract, opco_file=opco_file, what="x", deadline=deadline, today=TODAY, amount=Decimal("1"))


@pytest.mark.parametrize(("offset", "days", "days_left", "late"), [(-1, 1, 0, True), (0, 0, 0, False), (1, -1, 1, False)])
def test_board_row_days_around_its_deadline(offset, days, days_left, late):
    board_row = row(deadline=TODAY + timedelta(days=offset))

    assert (board_row.days, board_row.days_left, board_row.is_late) == (days, days_left, late)


def test_board_row_without_deadline_sorts_last_and_is_never_late():
    board_row = row(deadline=None, pk=7)

    assert (board_row.days, board_row.days_left, board_row.is_late) == (None, None, False)
    assert board_row.sort_key == (date.max, "Martin", "Alice", 7)


@pytest.mark.parametrize(("file_opco", "expected"), [("Atlas", "Atlas"), ("", "OPCO EP"), (None, "OPCO EP")])
def test_board_row_names_the_files_opco_else_the_employers(file_opco, expected):
    assert row(file_opco=file_opco).opco == expected


def test_late_rows_of_one_stage():
    rows = [row("unpaid", pk=1), row("to_send", pk=2), row("unpaid", pk=3)]

    assert [r.contract.pk for r in late_rows_of_stage(rows, "unpaid")] == [1, 3]
    assert late_rows_of_stage(rows, "balance_at_risk") == []
