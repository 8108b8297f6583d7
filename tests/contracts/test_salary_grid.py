"""The legal minimum remuneration grid, table-driven, with birthday-boundary cases (domain §2.1, §6)."""

from datetime import date
from decimal import Decimal as D

import pytest

from contracts.salary import apprenticeship_periods, band_change_date, professionalisation_periods

SMIC_2024_11 = D("1801.80")
SMIC_2026_01 = D("1823.03")


def rows(periods):
    return [(p.label, p.start, p.end, p.rate, p.base, p.monthly_amount) for p in periods]


APPRENTICESHIP_CASES = [
    pytest.param(
        dict(birth_date=date(2008, 5, 10), start=date(2025, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC_2024_11),
        [
            ("1.1", date(2025, 9, 1), date(2026, 5, 31), D(27), "SMIC", D("486.49")),
            ("1.2", date(2026, 6, 1), date(2026, 8, 31), D(43), "SMIC", D("774.78")),
            ("2.1", date(2026, 9, 1), date(2027, 8, 31), D(51), "SMIC", D("918.92")),
        ],
        id="minor-turns-18-during-year-1-split-on-1st-of-next-month",
    ),
    pytest.param(
        dict(birth_date=date(2007, 3, 1), start=date(2024, 9, 2), end=date(2026, 9, 1), smic_monthly=SMIC_2024_11),
        [
            ("1.1", date(2024, 9, 2), date(2025, 3, 31), D(27), "SMIC", D("486.49")),
            ("1.2", date(2025, 4, 1), date(2025, 9, 1), D(43), "SMIC", D("774.78")),
            ("2.1", date(2025, 9, 2), date(2026, 9, 1), D(51), "SMIC", D("918.92")),
        ],
        id="birthday-on-the-1st-changes-on-the-1st-of-the-following-month",
    ),
    pytest.param(
        dict(birth_date=date(2004, 12, 31), start=date(2025, 9, 1), end=date(2026, 8, 31), smic_monthly=SMIC_2024_11),
        [
            ("1.1", date(2025, 9, 1), date(2025, 12, 31), D(43), "SMIC", D("774.78")),
            ("1.2", date(2026, 1, 1), date(2026, 8, 31), D(53), "SMIC", D("954.96")),
        ],
        id="21st-birthday-on-31-december-changes-on-1-january",
    ),
    pytest.param(
        dict(birth_date=date(2008, 2, 29), start=date(2025, 9, 1), end=date(2026, 8, 31), smic_monthly=SMIC_2024_11),
        [
            ("1.1", date(2025, 9, 1), date(2026, 2, 28), D(27), "SMIC", D("486.49")),
            ("1.2", date(2026, 3, 1), date(2026, 8, 31), D(43), "SMIC", D("774.78")),
        ],
        id="born-29-february-turns-18-on-28-february-of-a-common-year",
    ),
    pytest.param(
        dict(birth_date=date(2008, 8, 15), start=date(2026, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC_2026_01),
        [("1.1", date(2026, 9, 1), date(2027, 8, 31), D(43), "SMIC", D("783.91"))],
        id="band-change-on-the-start-day-gives-no-split",
    ),
    pytest.param(
        dict(birth_date=date(2008, 8, 15), start=date(2025, 9, 1), end=date(2026, 8, 31), smic_monthly=SMIC_2026_01),
        [("1.1", date(2025, 9, 1), date(2026, 8, 31), D(27), "SMIC", D("492.22"))],
        id="band-change-the-day-after-the-contract-end-gives-no-split",
    ),
    pytest.param(
        dict(birth_date=date(2008, 7, 31), start=date(2025, 9, 1), end=date(2026, 8, 31), smic_monthly=SMIC_2026_01),
        [
            ("1.1", date(2025, 9, 1), date(2026, 7, 31), D(27), "SMIC", D("492.22")),
            ("1.2", date(2026, 8, 1), date(2026, 8, 31), D(43), "SMIC", D("783.91")),
        ],
        id="18-on-31-july-last-month-of-the-year-is-a-sub-period",
    ),
    pytest.param(
        dict(birth_date=date(2000, 1, 10), start=date(2026, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC_2026_01),
        [
            ("1.1", date(2026, 9, 1), date(2027, 8, 31), D(100), "SMIC", D("1823.03")),
        ],
        id="26-and-over-is-paid-the-smic",
    ),
    pytest.param(
        dict(birth_date=date(2000, 1, 10), start=date(2026, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC_2026_01, smc_monthly=D("2000.00")),
        [("1.1", date(2026, 9, 1), date(2027, 8, 31), D(100), "SMC", D("2000.00"))],
        id="26-and-over-is-paid-the-smc-when-higher",
    ),
    pytest.param(
        dict(birth_date=date(2003, 6, 20), start=date(2025, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC_2024_11, smc_monthly=D("2000.00")),
        [
            ("1.1", date(2025, 9, 1), date(2026, 8, 31), D(53), "SMC", D("1060.00")),
            ("2.1", date(2026, 9, 1), date(2027, 8, 31), D(61), "SMC", D("1220.00")),
        ],
        id="21-to-25-uses-the-smc-when-higher",
    ),
    pytest.param(
        dict(birth_date=date(2006, 6, 20), start=date(2025, 9, 1), end=date(2026, 8, 31), smic_monthly=SMIC_2024_11, smc_monthly=D("2000.00")),
        [("1.1", date(2025, 9, 1), date(2026, 8, 31), D(43), "SMIC", D("774.78"))],
        id="18-to-20-ignores-the-smc",
    ),
    pytest.param(
        dict(birth_date=date(2006, 3, 5), start=date(2024, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC_2024_11),
        [
            ("1.1", date(2024, 9, 1), date(2025, 8, 31), D(43), "SMIC", D("774.78")),
            ("2.1", date(2025, 9, 1), date(2026, 8, 31), D(51), "SMIC", D("918.92")),
            ("3.1", date(2026, 9, 1), date(2027, 3, 31), D(67), "SMIC", D("1207.21")),
            ("3.2", date(2027, 4, 1), date(2027, 8, 31), D(78), "SMIC", D("1405.41")),
        ],
        id="three-year-contract-turning-21-in-year-3",
    ),
    pytest.param(
        dict(birth_date=date(2009, 11, 2), start=date(2025, 9, 1), end=date(2029, 8, 31), smic_monthly=SMIC_2024_11),
        [
            ("1.1", date(2025, 9, 1), date(2026, 8, 31), D(27), "SMIC", D("486.49")),
            ("2.1", date(2026, 9, 1), date(2027, 8, 31), D(39), "SMIC", D("702.71")),
            ("3.1", date(2027, 9, 1), date(2027, 11, 30), D(55), "SMIC", D("990.99")),
            ("3.2", date(2027, 12, 1), date(2028, 8, 31), D(67), "SMIC", D("1207.21")),
            ("4.1", date(2028, 9, 1), date(2029, 8, 31), D(67), "SMIC", D("1207.21")),
        ],
        id="fourth-year-uses-the-third-year-rates",
    ),
    pytest.param(
        dict(birth_date=date(2004, 1, 15), start=date(2025, 10, 6), end=date(2026, 7, 3), smic_monthly=SMIC_2024_11, first_contract_year=2),
        [("2.1", date(2025, 10, 6), date(2026, 7, 3), D(61), "SMIC", D("1099.10"))],
        id="contract-continuing-an-apprenticeship-starts-at-year-2",
    ),
    pytest.param(
        dict(birth_date=date(2001, 9, 14), start=date(2026, 9, 1), end=date(2027, 12, 31), smic_monthly=SMIC_2026_01),
        [
            ("1.1", date(2026, 9, 1), date(2027, 8, 31), D(53), "SMIC", D("966.21")),
            ("2.1", date(2027, 9, 1), date(2027, 9, 30), D(61), "SMIC", D("1112.05")),
            ("2.2", date(2027, 10, 1), date(2027, 12, 31), D(100), "SMIC", D("1823.03")),
        ],
        id="turning-26-in-a-short-last-year",
    ),
    pytest.param(
        dict(birth_date=date(2008, 5, 10), start=date(2026, 9, 1), end=date(2027, 8, 31), smic_monthly=D("1415.05")),
        [("1.1", date(2026, 9, 1), date(2027, 8, 31), D(43), "SMIC", D("608.48"))],
        id="mayotte-smic-is-passed-in",
    ),
    pytest.param(
        dict(birth_date=date(2010, 12, 15), start=date(2028, 2, 29), end=date(2030, 2, 27), smic_monthly=SMIC_2026_01),
        [
            ("1.1", date(2028, 2, 29), date(2028, 12, 31), D(27), "SMIC", D("492.22")),
            ("1.2", date(2029, 1, 1), date(2029, 2, 27), D(43), "SMIC", D("783.91")),
            ("2.1", date(2029, 2, 28), date(2030, 2, 27), D(51), "SMIC", D("929.75")),
        ],
        id="start-on-29-february-years-run-to-28-february",
    ),
]


@pytest.mark.parametrize(("arguments", "expected"), APPRENTICESHIP_CASES)
def test_apprenticeship_remuneration_periods(arguments, expected):
    assert rows(apprenticeship_periods(**arguments)) == expected


PROFESSIONALISATION_CASES = [
    pytest.param(dict(birth_date=date(2007, 4, 1), qualified=False), [("1.1", D(55), "SMIC", D("1002.67"))], id="under-21-without-qualification"),
    pytest.param(dict(birth_date=date(2007, 4, 1), qualified=True), [("1.1", D(65), "SMIC", D("1184.97"))], id="under-21-with-bac-pro"),
    pytest.param(dict(birth_date=date(2003, 4, 1), qualified=False), [("1.1", D(70), "SMIC", D("1276.13"))], id="21-to-25"),
    pytest.param(dict(birth_date=date(2003, 4, 1), qualified=True), [("1.1", D(80), "SMIC", D("1458.43"))], id="21-to-25-qualified"),
    pytest.param(dict(birth_date=date(1990, 4, 1), smc_monthly=D("2000.00")), [("1.1", D(100), "SMIC", D("1823.03"))], id="26-plus-smic-above-85-percent-smc"),
    pytest.param(dict(birth_date=date(1990, 4, 1), smc_monthly=D("2500.00")), [("1.1", D(85), "SMC", D("2125.00"))], id="26-plus-85-percent-of-smc-when-higher"),
]


@pytest.mark.parametrize(("arguments", "expected"), PROFESSIONALISATION_CASES)
def test_professionalisation_remuneration(arguments, expected):
    periods = professionalisation_periods(start=date(2026, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC_2026_01, **arguments)
    assert [(p.label, p.rate, p.base, p.monthly_amount) for p in periods] == expected


def test_professionalisation_rate_rises_the_month_after_the_21st_birthday():
    periods = professionalisation_periods(
        birth_date=date(2005, 12, 10), start=date(2026, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC_2026_01
    )
    assert rows(periods) == [
        ("1.1", date(2026, 9, 1), date(2026, 12, 31), D(55), "SMIC", D("1002.67")),
        ("1.2", date(2027, 1, 1), date(2027, 8, 31), D(70), "SMIC", D("1276.13")),
    ]


@pytest.mark.parametrize(
    ("birth_date", "age", "expected"),
    [
        (date(2008, 5, 10), 18, date(2026, 6, 1)),
        (date(2008, 5, 1), 18, date(2026, 6, 1)),
        (date(2008, 12, 31), 18, date(2027, 1, 1)),
        (date(2008, 2, 29), 18, date(2026, 3, 1)),
    ],
)
def test_band_changes_on_the_first_day_of_the_month_after_the_birthday(birth_date, age, expected):
    assert band_change_date(birth_date, age) == expected


def test_end_before_start_is_refused():
    with pytest.raises(ValueError, match="précède"):
        apprenticeship_periods(birth_date=date(2005, 1, 1), start=date(2026, 9, 1), end=date(2026, 8, 1), smic_monthly=SMIC_2026_01)
