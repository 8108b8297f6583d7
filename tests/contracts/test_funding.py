"""OPCO funding schedule and OPCO deadlines (contracts.funding): pure functions, exact amounts."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from contracts.deadlines import DayCount
from contracts.funding import (
    EmployerParticipation,
    ParticipationBasis,
    add_months,
    decision_deadline,
    employer_participation,
    funding_reference_date,
    funding_schedule,
    participation_invoiceable_from,
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


# --- employer participation (R6332-25-1, R6332-25-2, décret 2025-585) ---------------------------------
# A contract from Monday 7 September 2026 whose 45th company day (``alternance.planning.practical``)
# is Wednesday 23 December 2026; its 44th is Friday 18 December, its 46th Thursday 24 December.
START = date(2026, 9, 7)
DAY_44, DAY_45, DAY_46 = date(2026, 12, 18), date(2026, 12, 23), date(2026, 12, 24)


def participation(rule=PER_DAY, *, level=6, npec=D("8000"), rupture=None, elsewhere=False, free_period_end=DAY_45):
    return employer_participation(
        rule, start=START, programme_level=level, free_period_end=free_period_end, rupture_date=rupture, npec=npec,
        after_rupture_with_another_employer=elsewhere,
    )


@pytest.mark.parametrize(("level", "expected"), [
    (5, None),
    (6, EmployerParticipation(D("750.00"), date(2026, 12, 24), ParticipationBasis.FLAT)),
    (7, EmployerParticipation(D("750.00"), date(2026, 12, 24), ParticipationBasis.FLAT)),
    (None, None),
])
def test_participation_from_level_6_invoiceable_the_day_after_the_45th_company_day(level, expected):
    assert participation(level=level) == expected


@pytest.mark.parametrize(("concluded", "expected"), [
    (date(2025, 6, 30), None),
    (date(2025, 7, 1), D("750.00")),
])
def test_participation_applies_to_contracts_concluded_from_1_july_2025(concluded, expected):
    rule = rule_in_force([BEFORE_JULY_2025, PER_DAY], concluded)
    schedule = funding_schedule(rule=rule, start=START, end=date(2028, 8, 31), npec=D("8000"), programme_level=6, free_period_end=DAY_45)

    assert (schedule.employer_participation.amount if schedule.employer_participation else None) == expected


@pytest.mark.parametrize(("rupture", "npec", "expected"), [
    # Rupture on the first day, no company day done yet: 4 000 × 1 / 365 × 50 % = 5,479… → 5,48 €.
    (START, D("4000"), EmployerParticipation(D("5.48"), date(2026, 9, 8), ParticipationBasis.RUPTURE)),
    # On the 44th company day: 103 contract days, 4 000 × 103 / 365 × 50 % = 564,38 €.
    (DAY_44, D("4000"), EmployerParticipation(D("564.38"), date(2026, 12, 19), ParticipationBasis.RUPTURE)),
    # On the 45th: still within the period (it ends at the end of that day), 108 days → 591,78 €.
    (DAY_45, D("4000"), EmployerParticipation(D("591.78"), date(2026, 12, 24), ParticipationBasis.RUPTURE)),
    # The day after: the period is over, the flat amount is due.
    (DAY_46, D("4000"), EmployerParticipation(D("750.00"), date(2026, 12, 24), ParticipationBasis.FLAT)),
])
def test_rupture_within_the_45_company_days_pays_half_the_npec_pro_rata(rupture, npec, expected):
    assert participation(rupture=rupture, npec=npec) == expected


@pytest.mark.parametrize(("npec", "amount"), [
    # Rupture after 100 contract days (Tuesday 15 December 2026): NPEC × 100 / 365 × 50 %.
    (D("5474"), D("749.86")),
    (D("5475"), D("750.00")),  # exactly the cap
    (D("5476"), D("750.00")),  # 750,14 € capped at 750 €
    (D("8000"), D("750.00")),
])
def test_the_reduced_participation_is_capped_at_750(npec, amount):
    assert participation(rupture=date(2026, 12, 15), npec=npec).amount == amount


@pytest.mark.parametrize(("elsewhere", "rupture", "expected"), [
    (False, None, (D("750.00"), ParticipationBasis.FLAT)),
    (True, None, (D("200.00"), ParticipationBasis.NEW_EMPLOYER)),
    # The new contract broken in its own 45 days: the reduced amount never exceeds the 200 € due.
    (True, DAY_44, (D("200.00"), ParticipationBasis.RUPTURE)),
    (True, START, (D("5.48"), ParticipationBasis.RUPTURE)),
])
def test_a_new_contract_with_another_employer_after_a_rupture_pays_200(elsewhere, rupture, expected):
    result = participation(elsewhere=elsewhere, rupture=rupture, npec=D("4000"))

    assert (result.amount, result.basis) == expected


def test_participation_rates_and_amounts_are_the_rules_data_not_constants():
    later = SimpleNamespace(**{**vars(PER_DAY), "employer_participation_amount": D("900"), "employer_participation_rupture_percent": D("40"),
                               "employer_participation_rupture_cap": D("800"), "employer_participation_new_employer_amount": D("300")})

    assert participation(later).amount == D("900.00")
    assert participation(later, elsewhere=True).amount == D("300.00")
    # 40 % of 8 000 × 108 / 365 = 946,85 €, capped at 800 €; 40 % of 4 000 × 108 / 365 = 473,42 €.
    assert participation(later, rupture=DAY_45).amount == D("800.00")
    assert participation(later, rupture=DAY_45, npec=D("4000")).amount == D("473.42")


def test_participation_date_is_unknown_while_the_45th_company_day_is_out_of_reach():
    assert participation(free_period_end=None) == EmployerParticipation(D("750.00"), None, ParticipationBasis.FLAT)
    assert participation_invoiceable_from(free_period_end=None, rupture_date=date(2027, 1, 4)) == date(2027, 1, 5)


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
