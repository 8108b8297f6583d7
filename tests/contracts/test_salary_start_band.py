"""The pay band at the start of a contract (issue 15 §13): the band of the age on the first day
(D6222-26); the delay to the 1st of the following month (D6222-31) only for a birthday reached
during the contract. Each threshold (18, 21, 26) with its birthday the day before, on and the day
after a start on the 16th."""

from datetime import date
from decimal import Decimal as D

import pytest

from contracts.preflight import ERROR, check_contract
from contracts.salary import apprenticeship_periods, contract_band_change_date, professionalisation_periods

SMIC = D("1823.03")  # 2026-01-01
START, END = date(2026, 9, 16), date(2027, 9, 15)  # one contract year, starting mid-month


def rows(periods):
    return [(p.label, p.start, p.end, p.rate, p.monthly_amount) for p in periods]


APPRENTICESHIP_CASES = [
    # 18: 27 % → 43 %
    pytest.param(date(2008, 9, 15), [("1.1", START, END, D(43), D("783.91"))], id="18-the-day-before-the-start"),
    pytest.param(date(2008, 9, 16), [("1.1", START, END, D(43), D("783.91"))], id="18-on-the-start-day"),
    pytest.param(
        date(2008, 9, 17),
        [("1.1", START, date(2026, 9, 30), D(27), D("492.22")), ("1.2", date(2026, 10, 1), END, D(43), D("783.91"))],
        id="18-the-day-after-the-start",
    ),
    # 21: 43 % → 53 %
    pytest.param(date(2005, 9, 15), [("1.1", START, END, D(53), D("966.21"))], id="21-the-day-before-the-start"),
    pytest.param(date(2005, 9, 16), [("1.1", START, END, D(53), D("966.21"))], id="21-on-the-start-day"),
    pytest.param(
        date(2005, 9, 17),
        [("1.1", START, date(2026, 9, 30), D(43), D("783.91")), ("1.2", date(2026, 10, 1), END, D(53), D("966.21"))],
        id="21-the-day-after-the-start",
    ),
    # 26: 53 % → 100 %
    pytest.param(date(2000, 9, 15), [("1.1", START, END, D(100), D("1823.03"))], id="26-the-day-before-the-start"),
    pytest.param(date(2000, 9, 16), [("1.1", START, END, D(100), D("1823.03"))], id="26-on-the-start-day"),
    pytest.param(
        date(2000, 9, 17),
        [("1.1", START, date(2026, 9, 30), D(53), D("966.21")), ("1.2", date(2026, 10, 1), END, D(100), D("1823.03"))],
        id="26-the-day-after-the-start",
    ),
    # Earlier in the month: the example (18 on the 1st, start on the 16th), 43 % from the start.
    pytest.param(date(2008, 9, 1), [("1.1", START, END, D(43), D("783.91"))], id="18-on-the-1st-start-on-the-16th"),
]


@pytest.mark.parametrize(("birth_date", "expected"), APPRENTICESHIP_CASES)
def test_apprenticeship_band_at_the_start_is_the_age_on_the_first_day(birth_date, expected):
    periods = apprenticeship_periods(birth_date=birth_date, start=START, end=END, smic_monthly=SMIC)

    assert rows(periods) == expected


def test_a_birthday_in_year_two_still_waits_for_the_first_of_the_following_month():
    periods = apprenticeship_periods(birth_date=date(2008, 9, 17), start=date(2025, 9, 16), end=END, smic_monthly=SMIC)

    assert rows(periods) == [
        ("1.1", date(2025, 9, 16), date(2026, 9, 15), D(27), D("492.22")),
        ("2.1", date(2026, 9, 16), date(2026, 9, 30), D(39), D("710.99")),
        ("2.2", date(2026, 10, 1), END, D(51), D("929.75")),
    ]


PRO_CASES = [
    # 21: 55 % → 70 % (no qualification)
    pytest.param(date(2005, 9, 15), [("1.1", START, END, D(70), D("1276.13"))], id="pro-21-the-day-before"),
    pytest.param(date(2005, 9, 16), [("1.1", START, END, D(70), D("1276.13"))], id="pro-21-on-the-start-day"),
    pytest.param(
        date(2005, 9, 17),
        [("1.1", START, date(2026, 9, 30), D(55), D("1002.67")), ("1.2", date(2026, 10, 1), END, D(70), D("1276.13"))],
        id="pro-21-the-day-after",
    ),
    # 26: 70 % → the SMIC
    pytest.param(date(2000, 9, 15), [("1.1", START, END, D(100), D("1823.03"))], id="pro-26-the-day-before"),
    pytest.param(date(2000, 9, 16), [("1.1", START, END, D(100), D("1823.03"))], id="pro-26-on-the-start-day"),
    pytest.param(
        date(2000, 9, 17),
        [("1.1", START, date(2026, 9, 30), D(70), D("1276.13")), ("1.2", date(2026, 10, 1), END, D(100), D("1823.03"))],
        id="pro-26-the-day-after",
    ),
]


@pytest.mark.parametrize(("birth_date", "expected"), PRO_CASES)
def test_contrat_pro_band_at_the_start_is_the_age_on_the_first_day(birth_date, expected):
    periods = professionalisation_periods(birth_date=birth_date, start=START, end=END, smic_monthly=SMIC)

    assert rows(periods) == expected


@pytest.mark.parametrize(
    ("birth_date", "age", "expected"),
    [
        (date(2008, 9, 15), 18, START),
        (date(2008, 9, 16), 18, START),
        (date(2008, 9, 17), 18, date(2026, 10, 1)),
        (date(2008, 12, 31), 18, date(2027, 1, 1)),
    ],
)
def test_band_change_date_under_a_contract(birth_date, age, expected):
    assert contract_band_change_date(birth_date, age, START) == expected


@pytest.mark.parametrize(
    ("birth_date", "salary", "expected"),
    [
        (date(2008, 9, 15), D("783.90"), ["salary.below_minimum"]),  # 18 the day before: 43 % = 783.91
        (date(2008, 9, 15), D("783.91"), []),
        (date(2008, 9, 16), D("783.90"), ["salary.below_minimum"]),  # 18 on the start day
        (date(2008, 9, 16), D("783.91"), []),
        (date(2008, 9, 17), D("492.21"), ["salary.below_minimum"]),  # 17 at the start: 27 % = 492.22
        (date(2008, 9, 17), D("492.22"), []),
    ],
)
def test_preflight_salary_check_uses_the_band_of_the_age_on_the_first_day(contract, birth_date, salary, expected):
    contract.apprentice.birth_date = birth_date
    contract.apprentice.legal_representative_name = "Parent Exemple"
    contract.start_date = contract.practical_training_start_date = contract.training_start_date = START
    contract.gross_monthly_salary = salary

    report = check_contract(
        contract, stage="opco", today=date(2026, 9, 1), smic_monthly=SMIC,
        organisation={"name": "CFA Démo", "uai": "0751234J", "siret": "73282932000074"},
    )

    salary_findings = [f for f in report.findings if f.code.startswith("salary.")]
    assert [f.code for f in salary_findings] == expected
    assert all(f.severity == ERROR and str(salary + D("0.01")) in f.message for f in salary_findings)
