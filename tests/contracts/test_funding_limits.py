"""contracts.funding at its limits: cent rounding half up, month arithmetic across years, contract
years cut on an anniversary, the rule's percents, the employer participation's facts passed through
the schedule (R6332-25-1, R6332-25-2), and the last year's balance (FundingRule.balance_claim_months)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from contracts.funding import (
    EmployerParticipation,
    ParticipationBasis,
    add_months,
    cents,
    contract_years,
    employer_participation,
    funding_schedule,
    is_last_year_balance,
    started_months,
)
from tests.contracts.test_funding import DAY_44, DAY_45, PER_DAY, START

D = Decimal


@pytest.mark.parametrize(("amount", "expected"), [
    (D("0.124"), D("0.12")), (D("0.125"), D("0.13")), (D("0.135"), D("0.14")), (D("2.675"), D("2.68")), (D("-0.125"), D("-0.13")),
])
def test_amounts_round_to_the_cent_half_up(amount, expected):
    assert cents(amount) == expected


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 11, date(2026, 12, 31)),
    (date(2026, 1, 31), 12, date(2027, 1, 31)),
    (date(2026, 12, 31), 1, date(2027, 1, 31)),
    (date(2026, 9, 1), 16, date(2028, 1, 1)),
    (date(2026, 9, 1), 15, date(2027, 12, 1)),
])
def test_months_carry_into_the_next_years(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("end", "expected"), [
    (date(2026, 9, 6), 0),  # the day before the start: no month begun
    (date(2026, 9, 7), 1),
    (date(2026, 10, 6), 1),
    (date(2026, 10, 7), 2),
])
def test_started_months_count_from_the_start_day(end, expected):
    assert started_months(START, end) == expected


def test_contract_years_refuse_an_end_before_the_start_and_accept_a_one_day_contract():
    with pytest.raises(ValueError, match=r"^La fin du contrat précède son début\.$"):
        contract_years(START, date(2026, 9, 6))
    assert contract_years(START, START) == [(1, START, START)]


@pytest.mark.parametrize(("end", "expected"), [
    (date(2027, 9, 5), [(1, date(2026, 9, 7), date(2027, 9, 5))]),
    (date(2027, 9, 6), [(1, date(2026, 9, 7), date(2027, 9, 6))]),
    # Ending on the anniversary: a second year of one day.
    (date(2027, 9, 7), [(1, date(2026, 9, 7), date(2027, 9, 6)), (2, date(2027, 9, 7), date(2027, 9, 7))]),
])
def test_a_contract_year_runs_anniversary_to_anniversary(end, expected):
    assert contract_years(START, end) == expected


def test_each_instalment_keeps_its_percent_of_the_rule():
    schedule = funding_schedule(rule=PER_DAY, start=START, end=date(2027, 9, 6), npec=D("8000"))

    assert [(i.kind, i.percent) for i in schedule.instalments] == [
        ("advance", D("40")), ("month_7", D("30")), ("month_10", D("20")), ("balance", D("10")),
    ]


@pytest.mark.parametrize("reduction", [D("0"), None])
def test_a_rule_without_remote_reduction_keeps_the_full_amount_at_100_percent_remote(reduction):
    rule = SimpleNamespace(**{**vars(PER_DAY), "remote_training_reduction_percent": reduction})

    schedule = funding_schedule(rule=rule, start=START, end=date(2027, 9, 6), npec=D("8000"), training_hours=400, remote_training_hours=400)

    assert (schedule.reduction_percent, schedule.years[0].amount) == (D("0"), D("8000.00"))


@pytest.mark.parametrize("missing", [
    {"employer_participation_amount": None},
    {"employer_participation_min_level": None},
])
def test_no_participation_when_the_rule_lacks_its_amount_or_its_level(missing):
    rule = SimpleNamespace(**{**vars(PER_DAY), **missing})

    assert employer_participation(rule, start=START, programme_level=7, free_period_end=DAY_45) is None


def test_the_participation_is_the_flat_amount_unless_told_of_a_previous_rupture():
    assert employer_participation(PER_DAY, start=START, programme_level=6, free_period_end=DAY_45) == EmployerParticipation(
        D("750.00"), date(2026, 12, 24), ParticipationBasis.FLAT
    )


@pytest.mark.parametrize(("rupture", "elsewhere", "expected"), [
    pytest.param(None, False, EmployerParticipation(D("750.00"), date(2026, 12, 24), ParticipationBasis.FLAT), id="R6332-25-1-flat"),
    pytest.param(None, True, EmployerParticipation(D("200.00"), date(2026, 12, 24), ParticipationBasis.NEW_EMPLOYER), id="new-employer"),
    # Broken on the 44th company day: 4 000 × 103 / 365 × 50 % = 564,38 €, invoiceable the next day.
    pytest.param(DAY_44, False, EmployerParticipation(D("564.38"), date(2026, 12, 19), ParticipationBasis.RUPTURE), id="R6332-25-2-day-44"),
    pytest.param(DAY_44, True, EmployerParticipation(D("200.00"), date(2026, 12, 19), ParticipationBasis.RUPTURE), id="new-employer-day-44"),
])
def test_the_schedule_passes_the_participations_facts(rupture, elsewhere, expected):
    schedule = funding_schedule(
        rule=PER_DAY, start=START, end=rupture or date(2028, 9, 6), npec=D("4000"), programme_level=6,
        free_period_end=DAY_45, rupture_date=rupture, after_rupture_with_another_employer=elsewhere,
    )

    assert schedule.employer_participation == expected


@pytest.mark.parametrize(("kind", "year", "last_year", "expected"), [
    ("balance", 2, 2, True),
    ("balance", 1, 2, False),  # an earlier year's balance
    ("month_10", 2, 2, False),
    ("balance", 3, 2, False),
])
def test_only_the_balance_of_the_last_contract_year_has_a_claim_limit(kind, year, last_year, expected):
    assert is_last_year_balance(kind, year, last_year) is expected


def test_a_rule_without_rupture_cap_caps_the_reduced_participation_at_the_amount_due():
    rule = SimpleNamespace(**{**vars(PER_DAY), "employer_participation_rupture_cap": None})

    # 50 % of 8 000 × 108 / 365 = 1 183,56 €: never more than the 750 € otherwise due.
    assert employer_participation(rule, start=START, programme_level=6, free_period_end=DAY_45, rupture_date=DAY_45, npec=D("8000")) == (
        EmployerParticipation(D("750.00"), date(2026, 12, 24), ParticipationBasis.RUPTURE)
    )
