"""The salary grid at its limits (issue 16, mutation testing): pure functions, no database."""

from datetime import date
from decimal import Decimal as D

import pytest

from contracts.salary import SmicValue, apprenticeship_periods, periods_at_smic_in_force, professionalisation_periods

SMIC = D("1823.03")
START, END = date(2026, 9, 1), date(2027, 8, 31)
END_BEFORE_START = "^La date de fin du contrat précède sa date de début\\.$"


@pytest.mark.parametrize("compute", [apprenticeship_periods, professionalisation_periods], ids=["D6222-26", "D6325-15"])
@pytest.mark.parametrize(
    ("end", "refused"),
    [
        pytest.param(date(2026, 8, 31), True, id="end-the-day-before-the-start"),
        pytest.param(START, False, id="end-on-the-start-day"),
    ],
)
def test_an_end_before_the_start_is_refused_with_its_message(compute, end, refused):
    arguments = {"birth_date": date(2000, 1, 1), "start": START, "end": end, "smic_monthly": SMIC}
    if refused:
        with pytest.raises(ValueError, match=END_BEFORE_START):
            compute(**arguments)
    else:
        assert [(p.start, p.end) for p in compute(**arguments)] == [(START, START)]


@pytest.mark.parametrize(
    ("smc", "expected"),
    [
        # 85 % of the SMC, rounded up: 1 823,02 € (SMC 2 144,72), 1 823,03 € (2 144,74), 1 823,88 € (2 145,74).
        pytest.param(D("2144.72"), (D(100), "SMIC", D("1823.03")), id="D6325-16-85pc-SMC-one-cent-under-the-SMIC"),
        pytest.param(D("2144.74"), (D(100), "SMIC", D("1823.03")), id="D6325-16-85pc-SMC-equal-to-the-SMIC-keeps-the-SMIC"),
        pytest.param(D("2145.74"), (D(85), "SMC", D("1823.88")), id="D6325-16-85pc-SMC-above-the-SMIC"),
        pytest.param(None, (D(100), "SMIC", D("1823.03")), id="D6325-16-no-SMC"),
    ],
)
def test_contrat_pro_from_26_the_smc_only_when_85_percent_of_it_is_above_the_smic(smc, expected):
    [period] = professionalisation_periods(birth_date=date(1990, 1, 1), start=START, end=END, smic_monthly=SMIC, smc_monthly=smc)

    assert (period.rate, period.base, period.monthly_amount) == expected


def test_two_revaluations_during_the_contract_cut_it_in_three():
    """Each part of a period uses the SMIC in force on its first day (D6222-26), up to the day
    before the next value comes into force."""
    values = [
        SmicValue(date(2027, 5, 1), D("1900.00")),
        SmicValue(date(2026, 1, 1), SMIC),
        SmicValue(date(2027, 1, 1), D("1850.00")),
    ]

    periods = periods_at_smic_in_force(
        start=START, end=END, smic_values=values,
        compute=lambda smic: apprenticeship_periods(birth_date=date(2005, 3, 14), start=START, end=END, smic_monthly=smic),
    )

    assert [(p.start, p.end, p.smic_monthly, p.smic_valid_from, p.monthly_amount) for p in periods] == [
        (START, date(2026, 12, 31), SMIC, date(2026, 1, 1), D("966.21")),
        (date(2027, 1, 1), date(2027, 4, 30), D("1850.00"), date(2027, 1, 1), D("980.50")),
        (date(2027, 5, 1), END, D("1900.00"), date(2027, 5, 1), D("1007.00")),
    ]


@pytest.mark.parametrize(
    ("smc", "expected"),
    [
        pytest.param(D("1823.02"), ("SMIC", D("966.21")), id="D6222-27-SMC-one-cent-under-the-SMIC"),
        pytest.param(SMIC, ("SMIC", D("966.21")), id="D6222-27-SMC-equal-to-the-SMIC-keeps-the-SMIC"),
        pytest.param(D("1823.04"), ("SMC", D("966.22")), id="D6222-27-SMC-one-cent-above-the-SMIC"),
    ],
)
def test_apprenticeship_from_21_the_smc_only_when_higher_than_the_smic(smc, expected):
    [period] = apprenticeship_periods(birth_date=date(2005, 3, 14), start=START, end=END, smic_monthly=SMIC, smc_monthly=smc)

    assert (period.base, period.monthly_amount) == expected


@pytest.mark.parametrize(
    ("birth_date", "apprenticeship_band", "pro_band"),
    [
        pytest.param(date(2009, 9, 2), "moins de 18 ans", "moins de 21 ans", id="17"),
        pytest.param(date(2008, 9, 1), "18 à 20 ans", "moins de 21 ans", id="18"),
        pytest.param(date(2005, 9, 1), "21 à 25 ans", "21 à 25 ans", id="21"),
        pytest.param(date(2000, 9, 1), "26 ans et plus", "26 ans et plus", id="26"),
    ],
)
def test_each_period_says_its_age_band(birth_date, apprenticeship_band, pro_band):
    arguments = {"birth_date": birth_date, "start": START, "end": END, "smic_monthly": SMIC}

    assert [p.age_band for p in apprenticeship_periods(**arguments)] == [apprenticeship_band]
    assert [p.age_band for p in professionalisation_periods(**arguments)] == [pro_band]


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # 21 on 14 March 2026: the 21–25 rate from 1 April 2026 (D6222-31).
        pytest.param(date(2026, 3, 31), [(date(2025, 9, 1), date(2026, 3, 31), D(43))], id="D6222-31-ends-the-day-before-the-change"),
        pytest.param(
            date(2026, 4, 1),
            [(date(2025, 9, 1), date(2026, 3, 31), D(43)), (date(2026, 4, 1), date(2026, 4, 1), D(53))],
            id="D6222-31-ends-on-the-day-of-the-change",
        ),
    ],
)
def test_a_band_change_on_the_last_day_of_the_contract_gives_that_day_its_own_period(end, expected):
    periods = apprenticeship_periods(birth_date=date(2005, 3, 14), start=date(2025, 9, 1), end=end, smic_monthly=SMIC)

    assert [(p.start, p.end, p.rate) for p in periods] == expected
