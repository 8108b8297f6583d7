"""Issue 15 §4 and §5: the working time of minors and the contrat de professionnalisation (its
length, its pay by qualification), each finding with its limits on both sides."""

from datetime import date
from decimal import Decimal as D

import pytest

from alternance.choices import CertificationKind, DiplomaCode
from contracts.choices import ContractKind, EmploymentTerm, MinorHoursDerogation
from contracts.preflight import ERROR, SOURCE_MINOR_HOURS, SOURCE_PRO_DURATION, WARNING, check_contract
from contracts.salary import holds_pro_qualification
from tests.factories.alternance import ProgrammeFactory

ORGANISATION = {"name": "CFA Démo", "uai": "0751234J", "siret": "73282932000074"}
SMIC = D("1823.03")


def run(contract, **kwargs):
    arguments = {"today": date(2026, 8, 20), "organisation": ORGANISATION, "smic_monthly": SMIC, **kwargs}
    return check_contract(contract, stage="opco", **arguments)


def findings(contract, prefix):
    return [(f.code, f.severity) for f in run(contract).findings if f.code.startswith(prefix)]


# --- §5 contrat pro: pay by qualification (D6325-15) -----------------------------------------------

@pytest.mark.parametrize(
    ("diploma", "qualified"),
    [
        (None, False),
        (DiplomaCode.NONE, False),
        (DiplomaCode.CAP, False),
        (DiplomaCode.OTHER_LEVEL_3, False),
        (DiplomaCode.BAC_PRO, True),
        (DiplomaCode.BAC_GENERAL, False),
        (DiplomaCode.BAC_TECHNO, False),
        (DiplomaCode.OTHER_BAC, True),
        (DiplomaCode.BTS, True),
        (DiplomaCode.LICENCE, True),
        (DiplomaCode.DOCTORATE, True),
    ],
)
def test_only_a_bac_pro_or_a_vocational_or_higher_qualification_raises_the_contrat_pro_rate(diploma, qualified):
    assert holds_pro_qualification(diploma) is qualified


def pro_contract(contract, *, end=date(2027, 8, 31)):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date, contract.exams_end_date, contract.training_hours = end, min(end, date(2027, 6, 30)), 300
    return contract


@pytest.mark.parametrize(
    ("diploma", "salary", "expected"),
    [
        # 20 years old at the start: 55 % of 1 823,03 € = 1 002,67 €; 65 % = 1 184,97 €.
        (DiplomaCode.BAC_GENERAL, D("1002.67"), []),
        (DiplomaCode.BAC_GENERAL, D("1002.66"), [("salary.below_minimum", ERROR)]),
        (DiplomaCode.BAC_TECHNO, D("1002.67"), []),
        (DiplomaCode.BAC_PRO, D("1002.67"), [("salary.below_minimum", ERROR)]),
        (DiplomaCode.BAC_PRO, D("1184.96"), [("salary.below_minimum", ERROR)]),
        (DiplomaCode.BAC_PRO, D("1184.97"), []),
    ],
)
def test_a_general_or_technological_bac_keeps_the_base_contrat_pro_rate(contract, diploma, salary, expected):
    pro_contract(contract)
    contract.apprentice.birth_date = date(2006, 1, 1)
    contract.apprentice.highest_diploma = diploma
    contract.gross_monthly_salary = salary

    assert findings(contract, "salary.") == expected


# --- §5 a CQP or a branch qualification without RNCP code: contrat pro only (L6314-1, L6211-1) --------

@pytest.mark.parametrize(
    ("kind", "expected"),
    [(ContractKind.PROFESSIONALISATION, []), (ContractKind.APPRENTICESHIP, ["training.not_rncp"])],
)
def test_a_cqp_without_rncp_code_is_open_to_the_contrat_pro_only(contract, kind, expected):
    contract.programme = ProgrammeFactory(certification_kind=CertificationKind.CQP, rncp_code="", cfd_code="")
    contract.kind = kind

    assert [f.code for f in run(contract).findings if f.code.startswith(("training.not_rncp", "missing.training_rncp"))] == expected


# --- §5 contrat pro: length (L6325-11, L6325-12) ---------------------------------------------------

@pytest.mark.parametrize(
    ("end", "branch", "public", "expected"),
    [
        (date(2027, 2, 27), False, False, ["pro.duration_short"]),  # 6 months minus a day
        (date(2027, 2, 28), False, False, []),  # 6 months
        (date(2027, 3, 1), False, False, []),
        (date(2027, 7, 31), False, False, []),  # 11 months
        (date(2027, 8, 31), False, False, []),  # 12 months
        (date(2027, 9, 1), False, False, ["pro.duration_long"]),  # 12 months and a day
        (date(2027, 9, 1), True, False, []),
        (date(2028, 8, 31), True, False, []),  # 24 months with a branch agreement
        (date(2028, 9, 1), True, False, ["pro.duration_long"]),
        (date(2028, 9, 1), False, True, []),
        (date(2029, 8, 31), False, True, []),  # 36 months for a public of L6325-1-1
        (date(2029, 9, 1), False, True, ["pro.duration_long"]),
        (date(2029, 9, 1), True, True, ["pro.duration_long"]),
    ],
)
def test_contrat_pro_lasts_6_to_12_months_24_by_branch_agreement_36_for_the_publics_of_l6325_1_1(contract, end, branch, public, expected):
    pro_contract(contract, end=end)
    contract.training_hours = 600
    contract.pro_branch_agreement, contract.pro_public_l6325_1_1 = branch, public

    report = run(contract)

    assert [f.code for f in report.findings if f.code.startswith(("pro.", "duration."))] == expected
    assert all(f.severity == ERROR and f.source == SOURCE_PRO_DURATION for f in report.findings if f.code.startswith("pro."))


def test_contrat_pro_length_message_says_which_limit_and_how_to_fix(contract):
    pro_contract(contract, end=date(2028, 8, 31))
    contract.employment_term = EmploymentTerm.OPEN_ENDED

    finding = next(f for f in run(contract).findings if f.code == "pro.duration_long")

    assert finding.message == (
        "Contrat de professionnalisation : l'action de professionnalisation du CDI dure 24 mois ; 12 mois au maximum "
        "sans accord de branche. Raccourcissez-le, ou cochez « accord de branche » (24 mois) ou « public visé à "
        "l'article L6325-1-1 » (36 mois) si c'est le cas."
    )
    assert finding.field == "end_date"


@pytest.mark.parametrize(
    ("end", "words"),
    [(date(2027, 9, 1), "12 mois et 1 jour"), (date(2027, 9, 2), "12 mois et 2 jours"), (date(2027, 2, 27), "5 mois et 27 jours")],
)
def test_contrat_pro_length_is_said_in_months_and_days(contract, end, words):
    pro_contract(contract, end=end)

    [finding] = [f for f in run(contract).findings if f.code.startswith("pro.duration")]

    assert finding.message.startswith(f"Contrat de professionnalisation : le contrat dure {words} ; ")


def test_an_apprenticeship_keeps_its_own_length_rules(contract):
    contract.end_date = date(2029, 8, 31)  # 36 months: lawful for an apprenticeship, too long for a contrat pro

    assert [c for c in run(contract).codes() if c.startswith(("pro.", "duration."))] == []


# --- §4 minors' working time (L6222-25, L3162-1, R3162-1) ------------------------------------------

# The factory's contract starts on 1 September 2026: born on 2 September 2008 the apprentice is 17
# on the start day, born on 1 September 2008 18.
MINOR, ADULT = date(2008, 9, 2), date(2008, 9, 1)


def minor_hours(contract, birth_date, weekly, daily):
    contract.apprentice.birth_date = birth_date
    contract.apprentice.legal_representative_name = "Claire Martin"
    contract.weekly_hours, contract.daily_hours = weekly, daily
    return findings(contract, "hours.")


@pytest.mark.parametrize(
    ("birth_date", "weekly", "daily", "expected"),
    [
        (MINOR, D("34.99"), D("7"), []),
        (MINOR, D("35"), D("7"), []),
        (MINOR, D("35.01"), D("7"), [("hours.minor", ERROR)]),
        (MINOR, D("35"), D("7.99"), []),
        (MINOR, D("35"), D("8"), []),
        (MINOR, D("35"), D("8.01"), [("hours.minor", ERROR)]),
        (ADULT, D("35.01"), D("8.01"), []),
        (ADULT, D("39"), D("10"), []),
        (MINOR, D("35"), None, [("hours.minor_daily_missing", WARNING)]),
        (ADULT, D("35"), None, []),
    ],
)
def test_a_minor_works_at_most_8_hours_a_day_and_35_hours_a_week(contract, birth_date, weekly, daily, expected):
    assert minor_hours(contract, birth_date, weekly, daily) == expected


def test_the_minor_finding_names_the_derogation_sectors_and_asks_for_the_compensatory_rest(contract):
    minor_hours(contract, MINOR, D("37"), D("9"))

    finding = next(f for f in run(contract).findings if f.code == "hours.minor")

    assert finding.message == (
        "Apprenti·e mineur·e : 9 h par jour et 37 h par semaine, au-delà de 8 h par jour et 35 h par semaine. Réduisez "
        "la durée, ou, si l'activité se déroule sur un chantier de bâtiment, de travaux publics ou d'espaces paysagers "
        "(création, aménagement, entretien — R3162-1) ou avec l'accord de l'inspection du travail, indiquez la "
        "dérogation et le repos compensateur prévu (10 h par jour et 40 h par semaine au plus)."
    )
    assert finding.source == SOURCE_MINOR_HOURS
    assert finding.field == "minor_hours_derogation"


@pytest.mark.parametrize(
    ("derogation", "rest", "weekly", "daily", "expected"),
    [
        (MinorHoursDerogation.BUILDING_SITES, "", D("35"), D("9"), [("hours.minor_compensatory_rest", ERROR)]),
        (MinorHoursDerogation.BUILDING_SITES, "1 h le vendredi", D("35"), D("9"), []),
        (MinorHoursDerogation.PUBLIC_WORKS, "", D("37"), D("8"), []),  # no hour beyond 8 a day: no rest owed
        (MinorHoursDerogation.LANDSCAPING, "", D("37"), None, [("hours.minor_daily_missing", WARNING), ("hours.minor_compensatory_rest", ERROR)]),
        (MinorHoursDerogation.LANDSCAPING, "2 h le lundi", D("40"), D("9.99"), []),
        (MinorHoursDerogation.LANDSCAPING, "2 h le lundi", D("40"), D("10"), []),
        (MinorHoursDerogation.LANDSCAPING, "2 h le lundi", D("40"), D("10.01"), [("hours.minor_over_derogation", ERROR)]),
    ],
)
def test_a_derogation_sector_allows_up_to_10_hours_a_day_and_40_a_week_with_the_rest_recorded(contract, derogation, rest, weekly, daily, expected):
    contract.minor_hours_derogation, contract.minor_compensatory_rest = derogation, rest

    assert minor_hours(contract, MINOR, weekly, daily) == expected
