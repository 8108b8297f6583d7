"""The OPCO board's employer participation read on the kept 45th company day
(``Contract.free_period_end``, issue 18 §2): the first day in SQL is
``funding.participation_invoiceable_from`` — the day after a rupture within the period (its last
day included), else the day after the period — at each limit, with the tab's badge equal to its list."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from contracts import funding
from contracts.choices import ContractStatus, RuptureKind
from contracts.models import Contract
from contracts.opco import Board, BoardFilter
from tests.contracts.test_opco_board import accepted_file, contract_for

pytestmark = pytest.mark.django_db

END = date(2026, 12, 16)  # the kept last day of the free period


@pytest.fixture
def staff():
    from tests.factories.alternance import AdminStaffFactory

    return AdminStaffFactory()


def participation_file(name, *, free_period_end, rupture_date=None):
    broken = {"status": ContractStatus.BROKEN, "rupture_date": rupture_date, "rupture_kind": RuptureKind.MUTUAL_AGREEMENT} if rupture_date else {}
    contract = contract_for(name, **broken)
    Contract.objects.filter(pk=contract.pk).update(free_period_end=free_period_end)
    return accepted_file(contract, employer_participation_amount=D("750.00"))


def listed(staff, today):
    board = Board(staff, today=today)
    items = list(board.tab(BoardFilter.EMPLOYER_PARTICIPATION))
    rows = board.rows(items)
    assert board.tab_counts()[BoardFilter.EMPLOYER_PARTICIPATION] == len(rows)
    return [(row.contract.apprentice.last_name, row.deadline) for row in rows]


@pytest.mark.parametrize(("free_period_end", "rupture_date", "first_day"), [
    (END, None, END + timedelta(days=1)),
    (END, END - timedelta(days=1), END),  # broken within: the day after the rupture
    (END, END, END + timedelta(days=1)),  # broken on the period's last day: still within it
    (END, END + timedelta(days=1), END + timedelta(days=1)),  # broken after: the day after the period
    (None, date(2026, 10, 2), date(2026, 10, 3)),  # no 45th company day on the calendar: within
])
def test_the_participation_is_listed_from_its_first_day_on(staff, free_period_end, rupture_date, first_day):
    participation_file("Lefebvre", free_period_end=free_period_end, rupture_date=rupture_date)
    assert first_day == funding.participation_invoiceable_from(free_period_end=free_period_end, rupture_date=rupture_date)

    assert listed(staff, first_day - timedelta(days=1)) == []
    assert listed(staff, first_day) == [("Lefebvre", first_day)]
    assert listed(staff, first_day + timedelta(days=1)) == [("Lefebvre", first_day)]


def test_without_a_45th_company_day_nor_a_rupture_the_participation_is_never_listed(staff):
    participation_file("Lefebvre", free_period_end=None)

    assert listed(staff, date(2030, 1, 1)) == []


def test_the_tab_is_in_first_day_order_and_leaves_the_invoiced_and_the_late_tab_out(staff):
    participation_file("Bernard", free_period_end=END)
    participation_file("Arnaud", free_period_end=date(2026, 11, 2), rupture_date=date(2026, 10, 2))
    invoiced = participation_file("Carre", free_period_end=date(2026, 11, 2))
    invoiced.employer_participation_invoiced_date = date(2026, 11, 20)
    invoiced.save()

    assert listed(staff, date(2026, 12, 17)) == [("Arnaud", date(2026, 10, 3)), ("Bernard", date(2026, 12, 17))]
    board = Board(staff, today=date(2026, 12, 17))
    assert list(board.tab(BoardFilter.LATE, stage=BoardFilter.EMPLOYER_PARTICIPATION)) == []
    assert BoardFilter.EMPLOYER_PARTICIPATION not in board.late_counts()


def test_the_tab_sorts_every_participation_on_its_own_first_day(staff):
    # Not broken: from the day after the period (3 November); broken after the period: the same;
    # broken within it, or without a 45th company day: the day after the rupture.
    participation_file("Dubois", free_period_end=date(2026, 11, 20))  # from 21 November
    participation_file("Colin", free_period_end=date(2026, 11, 2), rupture_date=date(2026, 12, 20))  # after: from 3 November
    participation_file("Bailly", free_period_end=None, rupture_date=date(2026, 11, 10))  # within: from 11 November
    participation_file("Adam", free_period_end=date(2026, 12, 1), rupture_date=date(2026, 11, 25))  # within: from 26 November

    assert listed(staff, date(2026, 12, 21)) == [
        ("Colin", date(2026, 11, 3)), ("Bailly", date(2026, 11, 11)), ("Dubois", date(2026, 11, 21)), ("Adam", date(2026, 11, 26)),
    ]
