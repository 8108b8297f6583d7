"""OPCO funding schedule and OPCO deadlines (contracts.funding): pure functions, exact amounts."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from contracts.deadlines import DayCount
from contracts.funding import (
    EmployerParticipation,
    add_months,
    decision_deadline,
    funding_reference_date,
    funding_schedule,
    rule_in_force,
    sending_deadline,
    started_months,
)
from contracts.reference_data import FUNDING_RULES

BEFORE_JULY_2025, PER_DAY = (
    SimpleNamespace(**{**values, "valid_from": date.fromisoformat(values["valid_from"])}) for values in FUNDING_RULES
)
D = Decimal


def rows(schedule):
    return [(i.contract_year, i.kind, i.amount, i.due_date) for i in schedule.instalments]


def test_two_year_per_day_contract_from_september_2026():
    schedule = funding_schedule(rule=PER_DAY, start=date(2026, 9, 1), end=date(2028, 8, 31), npec=D("8000"))

    assert [(y.number, y.start, y.end, y.days, y.amount) for y in schedule.years] == [
        (1, date(2026, 9, 1), date(2027, 8, 31), 365, D("8000.00")),
        # 2028 is a leap year: 366 days funded 366/365 of the NPEC, as the rule is written [check].
        (2, date(2027, 9, 1), date(2028, 8, 31), 366, D("8021.92")),
    ]
    assert rows(schedule) == [
        (1, "advance", D("3200.00"), date(2026, 9, 1)),
        (1, "month_7", D("2400.00"), date(2027, 3, 1)),
        (1, "month_10", D("1600.00"), date(2027, 6, 1)),
        (1, "balance", D("800.00"), date(2027, 8, 31)),
        (2, "advance", D("3208.77"), date(2027, 9, 1)),
        (2, "month_7", D("2406.58"), date(2028, 3, 1)),
        (2, "month_10", D("1604.38"), date(2028, 6, 1)),
        (2, "balance", D("802.19"), date(2028, 8, 31)),
    ]
    assert schedule.total == D("16021.92")
    assert schedule.balance_claim_limit == date(2028, 12, 31)


@pytest.mark.parametrize(
    ("end", "expected_year", "expected_instalments"),
    [
        # One year cut after 181 days: 8 000 × 181 / 365; the late instalments fall on the last day.
        (date(2027, 2, 28), (1, 181, D("3967.12")), [
            (1, "advance", D("1586.85"), date(2026, 9, 1)),
            (1, "month_7", D("1190.14"), date(2027, 2, 28)),
            (1, "month_10", D("793.42"), date(2027, 2, 28)),
            (1, "balance", D("396.71"), date(2027, 2, 28)),
        ]),
        # Second year cut after 153 days.
        (date(2028, 1, 31), (2, 153, D("3353.42")), [
            (2, "advance", D("1341.37"), date(2027, 9, 1)),
            (2, "month_7", D("1006.03"), date(2028, 1, 31)),
            (2, "month_10", D("670.68"), date(2028, 1, 31)),
            (2, "balance", D("335.34"), date(2028, 1, 31)),
        ]),
    ],
)
def test_a_contract_cut_mid_year_is_funded_pro_rata_of_its_days(end, expected_year, expected_instalments):
    schedule = funding_schedule(rule=PER_DAY, start=date(2026, 9, 1), end=end, npec=D("8000"))

    last = schedule.years[-1]
    assert (last.number, last.days, last.amount) == expected_year
    assert [r for r in rows(schedule) if r[0] == expected_year[0]] == expected_instalments
    assert sum(i.amount for i in schedule.instalments if i.contract_year == last.number) == last.amount


def test_contract_before_july_2025_pays_every_started_month():
    schedule = funding_schedule(
        rule=BEFORE_JULY_2025, start=date(2024, 9, 1), end=date(2026, 3, 15), npec=D("8000"), programme_level=6
    )

    # Year 2 runs from 1 Sept 2025 to 15 March 2026: 7 started months → 8 000 × 7 / 12.
    assert [(y.number, y.started_months, y.amount) for y in schedule.years] == [(1, 12, D("8000.00")), (2, 7, D("4666.67"))]
    assert rows(schedule) == [
        (1, "advance", D("3200.00"), date(2024, 9, 1)),
        (1, "month_7", D("2400.00"), date(2025, 3, 1)),
        (1, "balance", D("2400.00"), date(2025, 6, 1)),
        (2, "advance", D("1866.67"), date(2025, 9, 1)),
        (2, "month_7", D("1400.00"), date(2026, 3, 1)),
        (2, "balance", D("1400.00"), date(2026, 3, 15)),
    ]
    assert schedule.balance_claim_limit is None
    assert schedule.employer_participation is None


def test_the_last_instalment_takes_the_rounding_remainder():
    schedule = funding_schedule(rule=PER_DAY, start=date(2026, 9, 1), end=date(2027, 8, 31), npec=D("9999.99"))

    # 10 % of 9 999.99 rounds to 1 000.00, which would make the year 10 000.00: the balance absorbs it.
    assert [i.amount for i in schedule.instalments] == [D("4000.00"), D("3000.00"), D("2000.00"), D("999.99")]
    assert schedule.total == D("9999.99")


@pytest.mark.parametrize(
    ("remote_hours", "expected_year_amount", "expected_reduction"),
    [(800, D("6400.00"), D("20")), (799, D("8000.00"), D("0")), (None, D("8000.00"), D("0"))],
)
def test_remote_training_of_80_percent_or_more_reduces_the_funding(remote_hours, expected_year_amount, expected_reduction):
    schedule = funding_schedule(
        rule=PER_DAY, start=date(2026, 9, 1), end=date(2027, 8, 31), npec=D("8000"), training_hours=1000, remote_training_hours=remote_hours
    )

    assert schedule.years[0].amount == expected_year_amount
    assert schedule.reduction_percent == expected_reduction
    assert schedule.total == expected_year_amount


@pytest.mark.parametrize(
    ("level", "expected"),
    [(6, EmployerParticipation(amount=D("750.00"), invoiceable_from=date(2026, 10, 16))), (7, EmployerParticipation(D("750.00"), date(2026, 10, 16))), (5, None), (None, None)],
)
def test_employer_participation_from_level_6_invoiceable_from_day_45(level, expected):
    schedule = funding_schedule(rule=PER_DAY, start=date(2026, 9, 1), end=date(2028, 8, 31), npec=D("8000"), programme_level=level)

    assert schedule.employer_participation == expected


@pytest.mark.parametrize(
    ("end", "limit"),
    [(date(2028, 8, 31), date(2028, 12, 31)), (date(2027, 6, 30), date(2027, 10, 30)), (date(2027, 10, 31), date(2028, 2, 29))],
)
def test_balance_claim_limit_is_the_end_plus_four_months(end, limit):
    assert funding_schedule(rule=PER_DAY, start=date(2026, 9, 1), end=end, npec=D("8000")).balance_claim_limit == limit


def test_the_rule_in_force_is_the_one_of_the_signature_date_else_the_start():
    rules = [BEFORE_JULY_2025, PER_DAY]

    assert rule_in_force(rules, date(2025, 6, 30)) is BEFORE_JULY_2025
    assert rule_in_force(rules, date(2025, 7, 1)) is PER_DAY
    assert rule_in_force(rules, date(2018, 12, 31)) is None
    assert funding_reference_date(signature_date=date(2025, 6, 20), start_date=date(2025, 9, 1)) == date(2025, 6, 20)
    assert funding_reference_date(signature_date=None, start_date=date(2025, 9, 1)) == date(2025, 9, 1)


def test_month_arithmetic_clamps_to_the_end_of_shorter_months():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert started_months(date(2025, 9, 1), date(2025, 9, 1)) == 1
    assert started_months(date(2025, 9, 1), date(2025, 9, 30)) == 1
    assert started_months(date(2025, 9, 1), date(2025, 10, 1)) == 2


@pytest.mark.parametrize(
    ("start", "days", "count", "deadline"),
    [
        # Friday 6 Nov 2026, 5 jours ouvrables: Sat 7, (Sun 8), Mon 9, Tue 10, (Wed 11 Armistice), Thu 12, Fri 13.
        (date(2026, 11, 6), 5, DayCount.OUVRABLES, date(2026, 11, 13)),
        (date(2026, 11, 6), 5, DayCount.OUVRES, date(2026, 11, 16)),
        (date(2026, 11, 6), 5, DayCount.CALENDAIRES, date(2026, 11, 11)),
    ],
)
def test_sending_deadline_counts_its_days_in_the_settings_mode(start, days, count, deadline):
    assert sending_deadline(start, days, count) == deadline


def test_decision_deadline_is_20_calendar_days_after_the_complete_file():
    assert decision_deadline(date(2026, 11, 2), 20, DayCount.CALENDAIRES) == date(2026, 11, 22)
