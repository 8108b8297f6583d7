"""A contract after another, or shorter than its cycle (issue 15 §6): the salary floor of the previous
contract's last year (D6222-29), the years counted as done of a reduced contract (D6222-28-1), read
by the selector that feeds the pre-flight, the contract page and the schedule; and the pre-flight
finding for more than 3 months at the CFA without an employer (L6222-12-1)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from alerts.models import RuleSettings
from contracts.choices import ContractStatus, ContractType, DerogationType, RuptureKind
from contracts.preflight import WARNING, ContractRules, check_contract
from contracts.salary import apprenticeship_periods
from contracts.selectors import contract_preflight, contract_remuneration, counted_from
from tests.factories.contracts import ContractFactory

SMIC = D("1823.03")
ORGANISATION = {"name": "CFA Démo", "uai": "0751234J", "siret": "73282932000074"}


def rows(periods):
    return [(p.label, p.start, p.end, p.rate) for p in periods]


# --- pure: years counted as done, and the floor -------------------------------------------------

@pytest.mark.parametrize(
    ("counted", "expected"),
    [
        pytest.param(None, [("1.1", date(2026, 9, 1), date(2027, 8, 31), D(43))], id="no-reduction"),
        pytest.param(
            date(2025, 9, 1), [("2.1", date(2026, 9, 1), date(2027, 8, 31), D(51))], id="one-year-contract-of-a-two-year-cycle",
        ),
        pytest.param(
            date(2026, 3, 1),
            [("1.1", date(2026, 9, 1), date(2027, 2, 28), D(43)), ("2.1", date(2027, 3, 1), date(2027, 8, 31), D(51))],
            id="six-months-counted-as-done",
        ),
    ],
)
def test_years_counted_as_done_move_the_contract_years(counted, expected):
    periods = apprenticeship_periods(
        birth_date=date(2007, 1, 10), start=date(2026, 9, 1), end=date(2027, 8, 31), smic_monthly=SMIC, counted_from=counted,
    )

    assert rows(periods) == expected


@pytest.mark.parametrize(
    ("floor", "expected_rates"),
    [
        # 19 at the start: 43 % in year 1, 51 % in year 2, 61 % from February 2028 (21 in January).
        (None, [D(43), D(51), D(61)]),
        (D(50), [D(50), D(51), D(61)]),  # the floor lifts year 1 only: year 2 by age gives more
        (D(51), [D(51), D(51), D(61)]),
        (D(52), [D(52), D(52), D(61)]),
        (D(62), [D(62), D(62), D(62)]),
    ],
)
def test_the_previous_contracts_rate_is_a_floor_unless_the_age_gives_more(floor, expected_rates):
    periods = apprenticeship_periods(
        birth_date=date(2007, 1, 10), start=date(2026, 9, 1), end=date(2028, 8, 31), smic_monthly=SMIC, minimum_rate=floor,
    )

    assert [p.rate for p in periods] == expected_rates


def test_a_floor_equal_to_the_grids_rate_leaves_the_grids_rate_and_each_period_reads_in_words():
    """The previous contract's rate (stored with its two decimals) replaces the grid's only when it is
    higher (Code du travail, art. D. 6222-29): equal, the grid's own rate stays, written as the grid
    writes it (« 51 % », not « 51,00 % »)."""
    periods = apprenticeship_periods(
        birth_date=date(2007, 1, 10), start=date(2026, 9, 1), end=date(2028, 8, 31), smic_monthly=SMIC, minimum_rate=D("51.00"),
    )

    assert [(str(p.rate), p.screen_label) for p in periods] == [
        ("51.00", "Année 1, période 1"),  # 43 % by age: the floor, as stored
        ("51", "Année 2, période 1"),     # 51 % by age, equal to the floor: the grid's
        ("61", "Année 2, période 2"),
    ]


# --- the selector: the cycle and the previous contract from the database ----------------------

@pytest.mark.django_db
@pytest.mark.parametrize(
    ("end", "derogation", "cohort_end", "expected"),
    [
        # Reduced by convention (dérogation 21): a day short of the 24-month cycle counts one day as done.
        (date(2028, 8, 30), DerogationType.SHORTER, date(2028, 8, 31), date(2026, 8, 31)),
        (date(2028, 8, 31), DerogationType.SHORTER, date(2028, 8, 31), None),  # the whole cycle
        (date(2027, 8, 31), DerogationType.SHORTER, date(2028, 8, 31), date(2025, 9, 1)),  # one year of a two-year cycle
        (date(2027, 8, 31), DerogationType.SEVERAL, date(2028, 8, 31), date(2025, 9, 1)),
        # No dérogation: counted only when the contract runs to the end of the learner's cycle.
        (date(2027, 8, 31), None, date(2027, 8, 31), date(2025, 9, 1)),
        (date(2027, 8, 31), None, date(2027, 9, 1), None),
    ],
)
def test_counted_from_compares_the_contract_with_its_programmes_cycle(contract, end, derogation, cohort_end, expected):
    contract.end_date, contract.derogation_type = end, derogation
    contract.apprentice.cohort.end_date = cohort_end

    assert counted_from(contract) == expected


@pytest.fixture
def previous(contract):
    """The apprentice's first contract, 18 to 20: broken in its second year (51 %)."""
    contract.apprentice.birth_date = date(2006, 1, 10)
    contract.apprentice.save()
    first = ContractFactory(
        apprentice=contract.apprentice, company=contract.company, master=contract.master, status=ContractStatus.BROKEN,
        signature_date=date(2024, 8, 25), start_date=date(2024, 9, 2), practical_training_start_date=date(2024, 9, 2),
        end_date=date(2026, 8, 31), training_start_date=date(2024, 9, 2), exams_end_date=date(2026, 6, 15),
        rupture_date=date(2025, 10, 15), rupture_kind=RuptureKind.MUTUAL_AGREEMENT,
    )
    return first


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("contract_type", "expected"),
    [
        # 20 at the start: 43 % by age, 53 % from 1 February 2027 (21 on 10 January).
        (ContractType.FIRST, [(date(2026, 9, 1), D(43)), (date(2027, 2, 1), D(53))]),
        # After the previous contract, broken in its year 2 (51 %): 51 % until the age gives more.
        (ContractType.SUCCESSION_AFTER_RUPTURE, [(date(2026, 9, 1), D(51)), (date(2027, 2, 1), D(53))]),
        (ContractType.SUCCESSION_OTHER_EMPLOYER, [(date(2026, 9, 1), D(51)), (date(2027, 2, 1), D(53))]),
        (ContractType.SUCCESSION_SAME_EMPLOYER, [(date(2026, 9, 1), D(51)), (date(2027, 2, 1), D(53))]),
    ],
)
def test_a_new_contract_pays_at_least_the_previous_contracts_last_year(contract, previous, contract_type, expected):
    contract.contract_type = contract_type

    periods = contract_remuneration(contract)

    assert [(p.start, p.rate) for p in periods][:2] == expected


@pytest.mark.django_db
def test_preflight_refuses_a_succession_salary_under_the_previous_floor(contract, previous):
    contract.apprentice.birth_date = date(2006, 1, 10)
    contract.contract_type = ContractType.SUCCESSION_AFTER_RUPTURE
    contract.previous_contract_number = "075202409000123"
    contract.gross_monthly_salary = D("929.74")  # 51 % of 1 823.03 = 929.75

    report = contract_preflight(contract, stage="signature", today=date(2026, 8, 20))

    finding = next(f for f in report.findings if f.code == "salary.below_minimum")
    assert "929.75" in finding.message and "51 %" in finding.message and "D6222-29" in finding.source

    contract.gross_monthly_salary = D("929.75")
    assert "salary.below_minimum" not in contract_preflight(contract, stage="signature", today=date(2026, 8, 20)).codes()


@pytest.mark.django_db
def test_a_succession_without_its_previous_contract_here_is_a_warning(contract):
    contract.contract_type = ContractType.SUCCESSION_OTHER_EMPLOYER
    contract.previous_contract_number = "075202409000123"

    report = contract_preflight(contract, stage="signature", today=date(2026, 8, 20))

    finding = next(f for f in report.findings if f.code == "salary.previous_contract_unknown")
    assert (finding.severity, finding.field) == (WARNING, "gross_monthly_salary")
    assert "D6222-29" in finding.source


# --- L6222-12-1: at most 3 months at the CFA without an employer --------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days_before", "contract_type", "expected"),
    [
        (89, ContractType.FIRST, []),
        (90, ContractType.FIRST, []),
        (91, ContractType.FIRST, ["dates.without_employer_too_long"]),
        (91, ContractType.SUCCESSION_AFTER_RUPTURE, []),  # after a rupture the limit is another one
    ],
)
def test_more_than_3_months_at_the_cfa_without_an_employer_is_a_finding(contract, days_before, contract_type, expected):
    contract.apprentice.training_start_date = date.fromordinal(contract.start_date.toordinal() - days_before)
    contract.contract_type = contract_type
    contract.previous_contract_number = "075202409000123"

    report = check_contract(contract, stage="opco", today=date(2026, 8, 20), organisation=ORGANISATION, smic_monthly=SMIC)

    findings = [f for f in report.findings if f.code == "dates.without_employer_too_long"]
    assert [f.code for f in findings] == expected
    for finding in findings:
        assert finding.severity == WARNING and "L6222-12-1" in finding.source
        assert f"{days_before} jours avant le début du contrat" in finding.message


@pytest.mark.django_db
def test_the_limit_is_the_alerts_seeking_setting(contract):
    contract.apprentice.training_start_date = date(2026, 7, 1)  # 62 days before the start
    RuleSettings.objects.update_or_create(pk=1, defaults={"seeking_limit_days": 61})

    report = contract_preflight(contract, stage="signature", today=date(2026, 8, 20))

    finding = next(f for f in report.findings if f.code == "dates.without_employer_too_long")
    assert "01/07/2026, 62 jours avant" in finding.message and "limitée à 61 jours" in finding.message


@pytest.mark.django_db
@pytest.mark.parametrize(("limit", "expected"), [(61, ["dates.without_employer_too_long"]), (62, [])])
def test_the_pure_rule_takes_the_limit_from_its_rules(contract, limit, expected):
    contract.apprentice.training_start_date = date(2026, 7, 1)  # 62 days before the start

    report = check_contract(
        contract, stage="opco", today=date(2026, 8, 20), organisation=ORGANISATION, smic_monthly=SMIC,
        rules=replace(ContractRules(), seeking_limit_days=limit),
    )

    assert [f.code for f in report.findings if f.code.startswith("dates.without")] == expected

