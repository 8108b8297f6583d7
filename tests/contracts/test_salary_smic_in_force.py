"""The remuneration schedule follows the SMIC in force at payment (issue 15 §8): each period's amount
uses the SMIC in force on its first day, a period is cut on the day a new SMIC comes into force."""

from datetime import date, timedelta
from decimal import Decimal as D
from functools import partial

import pytest

from contracts.salary import SmicValue, apprenticeship_periods, periods_at_smic_in_force

START, END = date(2026, 9, 1), date(2028, 8, 31)
SMIC_2026 = SmicValue(date(2026, 1, 1), D("1823.03"))
# A hypothetical revaluation, to test the cut (not a published value).
NEW = D("1850.00")

compute = partial(apprenticeship_periods, birth_date=date(2005, 3, 14), start=START, end=END)


def schedule(*values: SmicValue):
    periods = periods_at_smic_in_force(start=START, end=END, smic_values=list(values), compute=lambda smic: compute(smic_monthly=smic))
    return [(p.label, p.start, p.end, p.rate, p.smic_monthly, p.smic_valid_from, p.monthly_amount) for p in periods]


def test_one_smic_for_the_whole_contract_keeps_the_cerfa_periods():
    assert schedule(SMIC_2026) == [
        ("1.1", START, date(2027, 8, 31), D(53), D("1823.03"), date(2026, 1, 1), D("966.21")),
        ("2.1", date(2027, 9, 1), END, D(61), D("1823.03"), date(2026, 1, 1), D("1112.05")),
    ]


def test_a_revaluation_during_year_1_cuts_the_period_and_raises_year_2():
    assert schedule(SMIC_2026, SmicValue(date(2027, 1, 1), NEW)) == [
        ("1.1", START, date(2026, 12, 31), D(53), D("1823.03"), date(2026, 1, 1), D("966.21")),
        ("1.1", date(2027, 1, 1), date(2027, 8, 31), D(53), NEW, date(2027, 1, 1), D("980.50")),
        ("2.1", date(2027, 9, 1), END, D(61), NEW, date(2027, 1, 1), D("1128.50")),
    ]


@pytest.mark.parametrize(
    ("valid_from", "expected_first"),
    [
        # The new value in force the day before the start, on the start: the whole contract uses it.
        (START - timedelta(days=1), [("1.1", START, date(2027, 8, 31), NEW)]),
        (START, [("1.1", START, date(2027, 8, 31), NEW)]),
        # The day after the start: the first day at the old value, the rest at the new one.
        (START + timedelta(days=1), [("1.1", START, START, D("1823.03")), ("1.1", START + timedelta(days=1), date(2027, 8, 31), NEW)]),
    ],
    ids=["start-1", "start", "start+1"],
)
def test_the_smic_in_force_on_the_first_day_of_the_contract(valid_from, expected_first):
    rows = schedule(SMIC_2026, SmicValue(valid_from, NEW))
    assert [(label, start, end, smic) for label, start, end, _rate, smic, _day, _amount in rows if label == "1.1"] == expected_first


@pytest.mark.parametrize(
    ("valid_from", "last_day_smic", "rows_count"),
    [(END - timedelta(days=1), NEW, 3), (END, NEW, 3), (END + timedelta(days=1), D("1823.03"), 2)],
    ids=["end-1", "end", "end+1"],
)
def test_a_value_in_force_after_the_end_does_not_apply(valid_from, last_day_smic, rows_count):
    rows = schedule(SMIC_2026, SmicValue(valid_from, NEW))
    assert len(rows) == rows_count
    assert rows[-1][2] == END and rows[-1][4] == last_day_smic


def test_no_smic_in_force_at_the_start_gives_no_periods():
    assert schedule(SmicValue(START + timedelta(days=1), NEW)) == []
