"""The pre-flight check at each legal limit: limit − 1, limit and limit + 1 (issue 16, mutation testing).

The factory's contract starts on 1 September 2026 and ends on 31 August 2028 (2 years); the
apprentice is 21 at the start; the SMIC passed in is 1 823,03 €.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from alternance.choices import DiplomaCode
from contracts.choices import ContractKind, ContractType, DerogationType
from contracts.preflight import ERROR, SOURCE_CT_AGE, SOURCE_CT_SALARY, WARNING, ContractRules, check_contract
from contracts.salary import RemunerationPeriod

ORGANISATION = {"name": "CFA Démo", "uai": "0751234J", "siret": "73282932000074"}
SMIC = D("1823.03")
START = date(2026, 9, 1)


def run(contract, stage="opco", **kwargs):
    arguments = {"today": date(2026, 8, 20), "organisation": ORGANISATION, "smic_monthly": SMIC, **kwargs}
    return check_contract(contract, stage=stage, **arguments)


def found(contract, prefixes, **kwargs):
    return [(f.code, f.severity) for f in run(contract, **kwargs).findings if f.code.startswith(prefixes)]


def born_aged(age: int, *, days_later: int = 0) -> date:
    """Birth date of someone exactly ``age`` on the start day (one day younger per ``days_later``)."""
    return date(START.year - age, START.month, START.day + days_later)


# --- Age at the start: L6222-1 (15 to 29), L6222-2 (exceptions), succession up to 34 -------------------

@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        pytest.param(born_aged(29, days_later=1), [], id="L6222-1-28-the-day-before-29"),
        pytest.param(born_aged(29), [], id="L6222-1-exactly-29"),
        pytest.param(born_aged(30, days_later=1), [], id="L6222-1-29-the-day-before-30"),
        pytest.param(born_aged(30), [("age.over_29", ERROR)], id="L6222-1-30"),
    ],
)
def test_max_age_29_is_allowed_30_is_not(contract, birth_date, expected):
    contract.apprentice.birth_date = birth_date
    contract.gross_monthly_salary = SMIC

    assert found(contract, ("age.", "minor.", "salary.")) == expected


def test_the_over_29_finding_says_the_age_and_its_source(contract):
    contract.apprentice.birth_date = born_aged(30)
    contract.gross_monthly_salary = SMIC

    finding = next(f for f in run(contract).findings if f.code == "age.over_29")

    assert finding.message.startswith("L'apprenti·e aura 30 ans au début du contrat : au-delà de 29 ans, il faut une RQTH")
    assert (finding.source, finding.field) == (SOURCE_CT_AGE, "start_date")


def test_a_contrat_pro_has_no_maximum_age(contract):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date, contract.exams_end_date, contract.training_hours = date(2027, 8, 31), date(2027, 6, 30), 300
    contract.apprentice.birth_date = born_aged(45)
    contract.gross_monthly_salary = SMIC

    assert found(contract, ("age.",)) == []


@pytest.mark.parametrize(
    ("birth_date", "derogation", "expected"),
    [
        pytest.param(born_aged(15, days_later=1), None, [("age.too_young", ERROR)], id="L6222-1-14"),
        pytest.param(born_aged(15), None, [("age.under_16", WARNING)], id="L6222-1-exactly-15"),
        pytest.param(born_aged(15), DerogationType.UNDER_16, [], id="L6222-1-15-with-derogation-11"),
        pytest.param(born_aged(16, days_later=1), None, [("age.under_16", WARNING)], id="L6222-1-15-the-day-before-16"),
        pytest.param(born_aged(16), None, [], id="L6222-1-exactly-16"),
    ],
)
def test_min_age_15_and_under_16_only_after_middle_school(contract, birth_date, derogation, expected):
    contract.apprentice.birth_date = birth_date
    contract.apprentice.legal_representative_name = "Claire Martin"
    contract.derogation_type = derogation
    contract.gross_monthly_salary = SMIC

    assert found(contract, ("age.",)) == expected


@pytest.mark.parametrize("contract_type", [ContractType.SUCCESSION_SAME_EMPLOYER, ContractType.SUCCESSION_OTHER_EMPLOYER, ContractType.SUCCESSION_AFTER_RUPTURE])
@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        pytest.param(born_aged(30), [("age.over_29_succession", WARNING)], id="L6222-2-30"),
        pytest.param(born_aged(34), [("age.over_29_succession", WARNING)], id="L6222-2-exactly-34"),
        pytest.param(born_aged(35, days_later=1), [("age.over_29_succession", WARNING)], id="L6222-2-34-the-day-before-35"),
        pytest.param(born_aged(35), [("age.over_29", ERROR)], id="L6222-2-35"),
    ],
)
def test_a_succession_contract_admits_up_to_34(contract, contract_type, birth_date, expected):
    contract.apprentice.birth_date = birth_date
    contract.contract_type = contract_type
    contract.previous_contract_number = "075202501000123"
    contract.gross_monthly_salary = SMIC

    assert found(contract, ("age.",)) == expected


# --- A minor's legal representative (Cerfa): not for an emancipated minor nor an adult --------------

@pytest.mark.parametrize(
    ("birth_date", "emancipated", "representative", "expected"),
    [
        pytest.param(born_aged(18, days_later=1), False, "", [("minor.legal_representative", ERROR)], id="17-not-emancipated"),
        pytest.param(born_aged(18, days_later=1), True, "", [], id="17-emancipated"),
        pytest.param(born_aged(18, days_later=1), False, "Claire Martin", [], id="17-with-representative"),
        pytest.param(born_aged(18), False, "", [], id="exactly-18"),
    ],
)
def test_a_non_emancipated_minor_needs_a_legal_representative(contract, birth_date, emancipated, representative, expected):
    contract.apprentice.birth_date = birth_date
    contract.apprentice.emancipated = emancipated
    contract.apprentice.legal_representative_name = representative
    contract.gross_monthly_salary = SMIC

    assert found(contract, ("minor.",)) == expected


# --- Signature on or before the start day (Cerfa generator) -------------------------------------------

@pytest.mark.parametrize(
    ("signature", "amendment", "expected"),
    [
        pytest.param(date(2026, 8, 31), False, [], id="the-day-before-the-start"),
        pytest.param(START, False, [], id="on-the-start-day"),
        pytest.param(date(2026, 9, 2), False, [("dates.signature_after_start", ERROR)], id="the-day-after-the-start"),
        pytest.param(date(2026, 9, 2), True, [], id="an-amendment-signed-after"),
    ],
)
def test_the_contract_is_signed_on_or_before_its_start_day(contract, signature, amendment, expected):
    contract.signature_date = signature
    contract.practical_training_start_date = date(2026, 9, 3)
    contract.training_start_date = date(2026, 9, 3)
    if amendment:
        contract.contract_type = ContractType.AMEND_OTHER

    assert found(contract, ("dates.signature",)) == expected


# --- Weekly hours: 40 at most (L3121-20) --------------------------------------------------------------

@pytest.mark.parametrize(
    ("weekly", "expected"),
    [
        pytest.param(D("39.99"), [], id="L3121-20-39.99h"),
        pytest.param(D("40"), [], id="L3121-20-exactly-40h"),
        pytest.param(D("40.01"), [("hours.weekly_max", ERROR)], id="L3121-20-40.01h"),
        pytest.param(None, [], id="not-entered"),
    ],
)
def test_an_adult_works_at_most_40_hours_a_week(contract, weekly, expected):
    contract.weekly_hours = weekly

    assert found(contract, ("hours.",)) == expected


# --- Duration: 36 months, longer with the dérogation 22 or the cumulated dérogations 50 (L6222-7-1) ----

@pytest.mark.parametrize(
    ("derogation", "expected"),
    [
        pytest.param(None, [("duration.over_3_years", ERROR)], id="L6222-7-1-none"),
        pytest.param(DerogationType.LONGER, [], id="L6222-7-1-22-longer"),
        pytest.param(DerogationType.SEVERAL, [], id="L6222-7-1-50-several"),
        pytest.param(DerogationType.SHORTER, [("duration.over_3_years", ERROR)], id="L6222-7-1-21-shorter"),
        pytest.param(DerogationType.OTHER, [("duration.over_3_years", ERROR)], id="L6222-7-1-60-other"),
    ],
)
def test_a_contract_over_3_years_needs_the_longer_or_the_cumulated_derogation(contract, derogation, expected):
    contract.end_date = contract.exams_end_date = date(2029, 9, 30)  # 37 months
    contract.derogation_type = derogation
    contract.training_hours = 4000

    assert found(contract, ("duration.",)) == expected


# --- Salary at least the legal minimum (D6222-26) ------------------------------------------------------

@pytest.mark.parametrize(
    ("salary", "expected"),
    [
        pytest.param(D("966.20"), [("salary.below_minimum", ERROR)], id="D6222-26-one-cent-below"),
        pytest.param(D("966.21"), [], id="D6222-26-exactly-53pc"),
        pytest.param(D("966.22"), [], id="D6222-26-one-cent-above"),
    ],
)
def test_a_salary_exactly_at_the_legal_minimum_passes(contract, salary, expected):
    contract.gross_monthly_salary = salary  # 21 at the start, year 1: 53 % of 1 823,03 = 966,21

    assert found(contract, ("salary.",)) == expected


def test_the_below_minimum_finding_gives_the_minimum_the_rate_and_the_base(contract):
    contract.gross_monthly_salary = D("966.20")

    [finding] = [f for f in run(contract).findings if f.code == "salary.below_minimum"]

    assert finding.message == "Le salaire à l'embauche (966.20 €) est inférieur au minimum légal (966.21 €, 53 % du SMIC)."
    assert (finding.source, finding.field) == (SOURCE_CT_SALARY, "gross_monthly_salary")


@pytest.mark.parametrize(
    ("smc", "salary", "expected"),
    [
        pytest.param(D("2000"), D("1059.99"), [("salary.below_minimum", ERROR)], id="D6222-27-53pc-of-a-higher-SMC-minus-1ct"),
        pytest.param(D("2000"), D("1060.00"), [], id="D6222-27-53pc-of-a-higher-SMC"),
        pytest.param(D("1800"), D("966.21"), [], id="D6222-27-lower-SMC-keeps-the-SMIC"),
    ],
)
def test_from_21_the_collective_minimum_when_higher(contract, smc, salary, expected):
    contract.gross_monthly_salary = salary

    assert found(contract, ("salary.",), smc_monthly=smc) == expected


def period(amount: str, rate: str) -> RemunerationPeriod:
    return RemunerationPeriod(
        contract_year=1, sub_period=1, start=START, end=date(2027, 8, 31), age_band="21 à 25 ans",
        rate=D(rate), base="SMIC", monthly_amount=D(amount),
    )


@pytest.mark.parametrize(
    ("salary", "expected"),
    [
        pytest.param(D("999.99"), [("salary.below_minimum", ERROR)], id="rates-from-the-database-minus-1ct"),
        pytest.param(D("1000.00"), [], id="rates-from-the-database-exactly"),
    ],
)
def test_the_minimum_periods_passed_in_rates_edited_in_the_admin_are_the_ones_checked(contract, salary, expected):
    contract.gross_monthly_salary = salary  # above the built-in 53 % (966,21 €)

    report = run(contract, minimum_periods=[period("1000.00", "54.86")])

    assert [(f.code, f.severity) for f in report.findings if f.code.startswith("salary.")] == expected
    assert all("1000.00 €, 54.86 % du SMIC" in f.message for f in report.findings if f.code == "salary.below_minimum")


def test_no_smic_says_the_start_day(contract):
    [finding] = run(contract, smic_monthly=None).findings

    assert (finding.code, finding.severity, finding.source, finding.field) == ("salary.no_smic", WARNING, SOURCE_CT_SALARY, "")
    assert "01/09/2026" in finding.message


@pytest.mark.parametrize(("missing", "expected"), [
    ("birth_date", ["missing.apprentice_birth_date"]),
    ("gross_monthly_salary", ["missing.contract_salary"]),
])
def test_the_salary_is_compared_only_when_the_birth_date_and_the_salary_are_known(contract, missing, expected):
    """The age bands need the birth date; the comparison needs the salary. Either missing is reported as
    missing (Cerfa), and no minimum is computed."""
    setattr(contract.apprentice if missing == "birth_date" else contract, missing, None)

    assert run(contract).codes() == expected


# --- Contrat pro pay (D6325-15, D6325-16): 21–25 by qualification, 26 and over -------------------------

def pro_contract(contract, birth_date, diploma, salary):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date, contract.exams_end_date, contract.training_hours = date(2027, 8, 31), date(2027, 6, 30), 300
    contract.apprentice.birth_date = birth_date
    contract.apprentice.highest_diploma = diploma
    contract.gross_monthly_salary = salary
    return contract


@pytest.mark.parametrize(
    ("birth_date", "diploma", "salary", "expected"),
    [
        # 21–25: 70 % = 1 276,13 €; 80 % with a bac pro = 1 458,43 €.
        pytest.param(born_aged(25), DiplomaCode.BAC_GENERAL, D("1276.12"), [("salary.below_minimum", ERROR)], id="D6325-15-25-70pc-minus-1ct"),
        pytest.param(born_aged(25), DiplomaCode.BAC_GENERAL, D("1276.13"), [], id="D6325-15-25-70pc"),
        pytest.param(born_aged(25), DiplomaCode.BAC_PRO, D("1458.42"), [("salary.below_minimum", ERROR)], id="D6325-15-25-bac-pro-80pc-minus-1ct"),
        pytest.param(born_aged(25), DiplomaCode.BAC_PRO, D("1458.43"), [], id="D6325-15-25-bac-pro-80pc"),
        pytest.param(born_aged(21), DiplomaCode.BAC_PRO, D("1458.42"), [("salary.below_minimum", ERROR)], id="D6325-15-exactly-21-bac-pro"),
        pytest.param(born_aged(21, days_later=1), DiplomaCode.BAC_PRO, D("1184.97"), [], id="D6325-15-20-bac-pro-65pc"),
        # 26 and over: the SMIC whatever the diploma.
        pytest.param(born_aged(26, days_later=1), DiplomaCode.BAC_PRO, D("1458.43"), [], id="D6325-16-the-day-before-26"),
        pytest.param(born_aged(26), DiplomaCode.BAC_PRO, D("1823.02"), [("salary.below_minimum", ERROR)], id="D6325-16-exactly-26-minus-1ct"),
        pytest.param(born_aged(26), DiplomaCode.NONE, D("1823.03"), [], id="D6325-16-exactly-26-SMIC"),
        pytest.param(born_aged(27), DiplomaCode.NONE, D("1823.02"), [("salary.below_minimum", ERROR)], id="D6325-16-27-minus-1ct"),
    ],
)
def test_contrat_pro_pay_by_age_band_and_qualification(contract, birth_date, diploma, salary, expected):
    pro_contract(contract, birth_date, diploma, salary)

    assert found(contract, ("salary.",)) == expected


@pytest.mark.parametrize(
    ("smc", "salary", "expected"),
    [
        # 85 % of 2 200 € = 1 870,00 € > SMIC.
        pytest.param(D("2200"), D("1869.99"), [("salary.below_minimum", ERROR)], id="D6325-16-85pc-SMC-minus-1ct"),
        pytest.param(D("2200"), D("1870.00"), [], id="D6325-16-85pc-SMC"),
        # 85 % of 2 000 € = 1 700 € < SMIC: the SMIC.
        pytest.param(D("2000"), D("1823.02"), [("salary.below_minimum", ERROR)], id="D6325-16-SMIC-above-85pc-SMC"),
    ],
)
def test_contrat_pro_from_26_at_least_85_percent_of_the_smc(contract, smc, salary, expected):
    pro_contract(contract, born_aged(30), DiplomaCode.NONE, salary)

    assert found(contract, ("salary.",), smc_monthly=smc) == expected


def test_the_rules_passed_in_move_the_max_age(contract):
    contract.apprentice.birth_date = born_aged(30)
    contract.gross_monthly_salary = SMIC

    assert found(contract, ("age.",), rules=replace(ContractRules(), max_age=30)) == []


# --- Length in months: the month under way counts over its own length (L6222-7-1, L6325-11) -----------

@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(date(2026, 8, 1), date(2027, 1, 30), [("duration.too_short", ERROR)], id="L6222-7-1-1-aug-to-30-jan-is-a-day-short"),
        pytest.param(date(2026, 8, 1), date(2027, 1, 31), [], id="L6222-7-1-1-aug-to-31-jan-is-6-months"),
        pytest.param(date(2026, 9, 1), date(2027, 2, 27), [("duration.too_short", ERROR)], id="L6222-7-1-1-sep-to-27-feb-is-a-day-short"),
        pytest.param(date(2026, 9, 1), date(2027, 2, 28), [], id="L6222-7-1-1-sep-to-28-feb-is-6-months"),
        pytest.param(date(2026, 8, 31), date(2027, 2, 28), [], id="L6222-7-1-31-aug-to-28-feb-is-6-months"),
    ],
)
def test_six_months_at_least_counted_in_calendar_months(contract, start, end, expected):
    contract.signature_date = contract.apprentice.training_start_date = start
    contract.start_date = contract.practical_training_start_date = contract.training_start_date = start
    contract.end_date = contract.exams_end_date = end
    contract.training_hours = 500

    assert found(contract, ("duration.",)) == expected


@pytest.mark.parametrize(
    ("exams_end", "end", "expected"),
    [
        # 3 months after the exams (Cerfa): the same day 3 months later, or that month's last day.
        pytest.param(date(2028, 3, 31), date(2028, 6, 30), [], id="31-march-to-30-june"),
        pytest.param(date(2028, 3, 31), date(2028, 7, 1), ["30/06/2028"], id="31-march-to-1-july"),
        pytest.param(date(2027, 11, 30), date(2028, 2, 29), [], id="30-november-to-29-february-leap-year"),
        pytest.param(date(2027, 11, 30), date(2028, 3, 1), ["29/02/2028"], id="30-november-to-1-march-leap-year"),
        pytest.param(date(2026, 11, 30), date(2027, 2, 28), [], id="30-november-to-28-february"),
        pytest.param(date(2026, 11, 30), date(2027, 3, 1), ["28/02/2027"], id="30-november-to-1-march"),
    ],
)
def test_the_contract_ends_at_most_3_months_after_the_exams(contract, exams_end, end, expected):
    contract.exams_end_date, contract.end_date = exams_end, end
    contract.training_hours = 2000

    findings = [f.message for f in run(contract).findings if f.code == "dates.end_after_exams"]

    assert [message[-12:-2] for message in findings] == expected


# --- 54 months at most even with a dérogation; an amendment keeps the initial contract's length -------

@pytest.mark.parametrize(
    ("kind", "contract_type", "end", "expected"),
    [
        pytest.param(ContractKind.APPRENTICESHIP, ContractType.FIRST, date(2031, 2, 28), [], id="L6222-7-1-exactly-54-months"),
        pytest.param(ContractKind.APPRENTICESHIP, ContractType.FIRST, date(2031, 3, 1), ["duration.too_long"], id="L6222-7-1-54-months-and-a-day"),
        pytest.param(ContractKind.APPRENTICESHIP, ContractType.AMEND_OTHER, date(2031, 3, 1), [], id="amendment-longer"),
        pytest.param(ContractKind.APPRENTICESHIP, ContractType.AMEND_OTHER, date(2026, 12, 31), [], id="amendment-shorter"),
        pytest.param(ContractKind.PROFESSIONALISATION, ContractType.AMEND_OTHER, date(2026, 12, 31), [], id="contrat-pro-amendment-shorter"),
        pytest.param(ContractKind.PROFESSIONALISATION, ContractType.FIRST, date(2026, 12, 31), ["pro.duration_short"], id="contrat-pro-shorter"),
    ],
)
def test_duration_limits_and_amendments(contract, kind, contract_type, end, expected):
    contract.kind, contract.contract_type = kind, contract_type
    contract.derogation_type = DerogationType.LONGER
    contract.end_date = contract.exams_end_date = end
    contract.training_hours = 5000

    assert [c for c in run(contract).codes() if c.startswith(("duration.", "pro.duration"))] == expected


# --- Practical training: between the start and 3 months later, not before the signature (L6222-12) ----

@pytest.mark.parametrize(
    ("signature", "practical", "end", "expected"),
    [
        pytest.param(date(2026, 8, 25), date(2026, 8, 31), date(2028, 8, 31), ["dates.practical_start"], id="L6222-12-the-day-before-the-start"),
        pytest.param(date(2026, 8, 25), START, date(2028, 8, 31), [], id="L6222-12-on-the-start-day"),
        pytest.param(START, START, date(2028, 8, 31), [], id="on-the-signature-day"),
        pytest.param(date(2026, 8, 25), date(2026, 12, 1), date(2028, 8, 31), [], id="L6222-12-exactly-3-months"),
        pytest.param(date(2026, 8, 25), date(2026, 12, 2), date(2028, 8, 31), ["dates.practical_start"], id="L6222-12-3-months-and-a-day"),
    ],
)
def test_practical_training_starts_within_3_months_of_the_start(contract, signature, practical, end, expected):
    contract.signature_date, contract.practical_training_start_date, contract.end_date = signature, practical, end

    assert [c for c in run(contract).codes() if c.startswith("dates.")] == expected


def test_practical_training_after_the_end_of_a_short_contract(contract):
    """A contract shorter than 3 months is refused anyway; the practical start must still fall in it."""
    contract.end_date = contract.exams_end_date = date(2026, 10, 31)
    contract.practical_training_start_date = date(2026, 11, 2)
    contract.training_hours = 200

    [finding] = [f for f in run(contract).findings if f.code == "dates.practical_start"]

    assert finding.message == "La formation pratique chez l'employeur doit commencer entre le 01/09/2026 et le 31/10/2026."


@pytest.mark.parametrize(
    ("contract_type", "training_start", "expected"),
    [
        pytest.param(ContractType.FIRST, date(2026, 8, 24), ["dates.training_before_signature"], id="the-day-before-the-signature"),
        pytest.param(ContractType.FIRST, date(2026, 8, 25), [], id="on-the-signature-day"),
        pytest.param(ContractType.AMEND_OTHER, date(2026, 8, 24), [], id="amendment"),
    ],
)
def test_cfa_training_before_the_signature_is_a_warning(contract, contract_type, training_start, expected):
    contract.contract_type, contract.training_start_date = contract_type, training_start

    assert [c for c in run(contract).codes() if c.startswith("dates.")] == expected


# --- L6222-12-1: 3 months (the seeking limit, 90 days) at the CFA without an employer ------------------

@pytest.mark.parametrize(
    ("contract_type", "days_before", "expected"),
    [
        pytest.param(ContractType.FIRST, 89, [], id="L6222-12-1-89-days"),
        pytest.param(ContractType.FIRST, 90, [], id="L6222-12-1-90-days"),
        pytest.param(ContractType.FIRST, 91, [("dates.without_employer_too_long", WARNING)], id="L6222-12-1-91-days"),
        pytest.param(ContractType.SUCCESSION_OTHER_EMPLOYER, 91, [], id="L6222-12-1-not-a-first-contract"),
    ],
)
def test_at_most_the_seeking_limit_at_the_cfa_without_an_employer(contract, contract_type, days_before, expected):
    contract.contract_type, contract.previous_contract_number = contract_type, "075202501000123"
    contract.apprentice.training_start_date = date.fromordinal(START.toordinal() - days_before)

    assert found(contract, ("dates.",)) == expected


# --- Maître d'apprentissage: adult, experience with a diploma of the programme's level (R6223-22) -----

@pytest.mark.parametrize(
    ("birth_date", "level", "years", "expected"),
    [
        pytest.param(date(2008, 9, 2), 6, 1, ["master_1.minor"], id="17-on-the-start-day"),
        pytest.param(date(2008, 9, 1), 6, 1, [], id="18-on-the-start-day"),
        pytest.param(date(1980, 1, 1), 5, 1, [], id="R6223-22-diploma-of-the-programme-level-1-year"),
        pytest.param(date(1980, 1, 1), 5, 0, ["master_1.eligibility"], id="R6223-22-diploma-of-the-programme-level-0-year"),
        pytest.param(date(1980, 1, 1), 4, 1, ["master_1.eligibility"], id="R6223-24-lower-diploma-1-year"),
    ],
)
def test_master_adult_and_experienced(contract, birth_date, level, years, expected):
    contract.programme.level = 5
    contract.master.birth_date, contract.master.diploma_level, contract.master.experience_years = birth_date, level, years

    assert [c for c in run(contract).codes() if c.startswith("master_")] == expected


def test_master_experience_in_years_said_in_the_plural(contract):
    contract.master.diploma_level, contract.master.experience_years = 4, 2

    [finding] = [f for f in run(contract, rules=ContractRules(ma_experience_years_without_diploma=3)).findings if f.code.startswith("master_")]

    assert finding.message.startswith("Maître d'apprentissage n° 1 : 2 ans d'expérience ; il en faut 3 sans diplôme")


@pytest.mark.parametrize(
    ("hours", "expected"),
    [pytest.param(149, ["training.pro_share"], id="149h"), pytest.param(150, [], id="150h")],
)
def test_contrat_pro_training_at_least_150_hours(contract, hours, expected):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date, contract.exams_end_date, contract.training_hours = date(2027, 8, 31), date(2027, 6, 30), hours
    contract.gross_monthly_salary = SMIC

    codes = [c for c in run(contract, rules=ContractRules(pro_min_training_share=D("5"))).codes() if c.startswith("training.")]

    assert codes == expected


@pytest.mark.parametrize(
    ("end", "branch", "public", "message"),
    [
        pytest.param(
            date(2029, 9, 1), False, True,
            "Contrat de professionnalisation : le contrat dure 36 mois et 1 jour ; 36 mois au maximum pour un public de "
            "l'article L6325-1-1. Raccourcissez-le.",
            id="L6325-11-public-36-months",
        ),
        pytest.param(
            date(2028, 9, 1), True, False,
            "Contrat de professionnalisation : le contrat dure 24 mois et 1 jour ; 24 mois au maximum avec l'accord de "
            "branche. Raccourcissez-le, ou cochez « accord de branche » (24 mois) ou « public visé à l'article L6325-1-1 » "
            "(36 mois) si c'est le cas.",
            id="L6325-12-branch-24-months",
        ),
        pytest.param(
            date(2027, 2, 27), False, False,
            "Contrat de professionnalisation : le contrat dure 5 mois et 27 jours ; 6 mois au minimum. Reportez la date de fin.",
            id="L6325-11-6-months-minimum",
        ),
    ],
)
def test_contrat_pro_length_messages(contract, end, branch, public, message):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date, contract.exams_end_date, contract.training_hours = end, min(end, date(2027, 6, 30)), 900
    contract.pro_branch_agreement, contract.pro_public_l6325_1_1 = branch, public

    assert [f.message for f in run(contract).findings if f.code.startswith("pro.duration")] == [message]


@pytest.mark.parametrize(("practical", "expected"), [
    pytest.param(date(2026, 10, 30), [], id="the-day-before-the-end"),
    pytest.param(date(2026, 10, 31), [], id="on-the-last-day"),
    pytest.param(date(2026, 11, 1), ["dates.practical_start"], id="the-day-after-the-end"),
])
def test_practical_training_starts_at_the_latest_on_the_last_day_of_a_short_contract(contract, practical, expected):
    contract.end_date = contract.exams_end_date = date(2026, 10, 31)
    contract.practical_training_start_date = practical

    assert [c for c in run(contract).codes() if c.startswith("dates.practical")] == expected


# --- Share of training: 25 % of the contract's hours for an apprenticeship (L6211-2), 15 to 25 % for a
# contrat pro (L6325-13, L6325-14). A one-year contract (365 days) on a 1 600-hour year: exactly 1 600 h.

ONE_YEAR = {"end_date": date(2027, 8, 31), "exams_end_date": date(2027, 6, 30)}
BASIS_1600 = ContractRules(yearly_hours_basis=1600)


@pytest.mark.parametrize(("hours", "expected"), [
    pytest.param(399, ["training.share"], id="24.94%"), pytest.param(400, [], id="25%"), pytest.param(401, [], id="25.06%"),
])
def test_an_apprenticeship_trains_at_least_25_percent_of_the_contract(contract, hours, expected):
    contract.end_date, contract.exams_end_date, contract.training_hours = *ONE_YEAR.values(), hours

    assert [c for c in run(contract, rules=BASIS_1600).codes() if c.startswith("training.")] == expected


@pytest.mark.parametrize(("hours", "expected"), [
    pytest.param(239, ["training.pro_share"], id="14.94%"), pytest.param(240, [], id="15%"), pytest.param(241, [], id="15.06%"),
    pytest.param(399, [], id="24.94%"), pytest.param(400, [], id="25%"), pytest.param(401, ["training.pro_share_high"], id="25.06%"),
])
def test_a_contrat_pro_trains_15_to_25_percent_of_the_contract(contract, hours, expected):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date, contract.exams_end_date, contract.training_hours = *ONE_YEAR.values(), hours
    contract.gross_monthly_salary = SMIC

    assert [c for c in run(contract, rules=BASIS_1600).codes() if c.startswith("training.")] == expected

