"""The pre-flight check: a complete contract passes; each rule fires with its message and source."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from contracts.choices import ContractKind, ContractType, DerogationType
from contracts.preflight import ERROR, WARNING, ContractRules, MasterLoad, check_contract

ORGANISATION = {"name": "CFA Démo", "uai": "0751234J", "siret": "73282932000074"}
SMIC = D("1823.03")


def run(contract, stage="opco", **kwargs):
    arguments = {"today": date(2026, 8, 20), "organisation": ORGANISATION, "smic_monthly": SMIC, **kwargs}
    return check_contract(contract, stage=stage, **arguments)


def test_complete_contract_has_no_error_and_no_warning(contract):
    report = run(contract)

    assert report.findings == []
    assert report.ok


def test_missing_cerfa_fields_are_blocking_errors_with_their_source(contract):
    contract.pension_fund = ""
    contract.signature_date = None
    contract.company.headcount = None
    contract.apprentice.situation_before_contract = None

    report = run(contract)

    assert sorted(report.codes()) == [
        "missing.apprentice_situation",
        "missing.contract_pension_fund",
        "missing.contract_signature_date",
        "missing.employer_headcount",
    ]
    assert {f.severity for f in report.findings} == {ERROR}
    assert all("Cerfa" in f.source for f in report.findings)
    assert not report.ok


def test_signature_date_is_not_required_before_signature(contract):
    contract.signature_date = None

    assert run(contract, stage="signature").codes() == []


@pytest.mark.parametrize(
    ("birth_date", "flags", "expected"),
    [
        (date(2011, 10, 1), {}, ["age.too_young", "minor.legal_representative"]),  # 14 at start
        (date(1995, 1, 1), {}, ["age.over_29"]),  # 31 at start
        (date(1995, 1, 1), {"rqth": True}, []),
        (date(1995, 1, 1), {"business_project": True}, []),
        (date(1995, 1, 1), {"top_athlete": True}, []),
    ],
)
def test_age_at_start_with_the_legal_exceptions(contract, birth_date, flags, expected):
    contract.apprentice.birth_date = birth_date
    for name, value in flags.items():
        setattr(contract.apprentice, name, value)
    contract.gross_monthly_salary = D("1823.03")

    codes = [c for c in run(contract).codes() if c.startswith(("age.", "minor."))]

    assert codes == expected


def test_over_29_in_a_succession_contract_is_a_warning_up_to_34(contract):
    contract.apprentice.birth_date = date(1994, 1, 1)  # 32 at start
    contract.contract_type = ContractType.SUCCESSION_OTHER_EMPLOYER
    contract.previous_contract_number = "075202501000123"
    contract.gross_monthly_salary = D("1823.03")

    findings = [f for f in run(contract).findings if f.code.startswith("age.")]

    assert [(f.code, f.severity) for f in findings] == [("age.over_29_succession", WARNING)]


def test_minor_needs_a_legal_representative(contract):
    contract.apprentice.birth_date = date(2009, 1, 10)  # 17 at start
    contract.gross_monthly_salary = D("1000")

    report = run(contract)

    assert "minor.legal_representative" in report.codes()
    contract.apprentice.legal_representative_name = "Marie Durand"
    assert "minor.legal_representative" not in run(contract).codes()


@pytest.mark.parametrize(
    ("end", "derogation", "expected"),
    [
        (date(2027, 2, 27), None, ["duration.too_short"]),  # 6 months minus 1 day after a start on 1 Sept
        (date(2027, 2, 28), None, []),  # exactly 6 months
        (date(2027, 2, 27), DerogationType.SHORTER, ["duration.too_short"]),  # no dérogation goes under 6 months
        (date(2029, 8, 31), None, []),  # exactly 36 months
        (date(2029, 9, 30), None, ["duration.over_3_years"]),  # 37 months
        (date(2030, 8, 31), DerogationType.LONGER, []),  # 4 years with the dérogation
        (date(2031, 6, 30), DerogationType.LONGER, ["duration.too_long"]),  # 58 months
    ],
)
def test_contract_duration_6_months_to_3_years_and_longer_only_with_derogation(contract, end, derogation, expected):
    contract.end_date = end
    contract.exams_end_date = end
    contract.derogation_type = derogation
    contract.training_hours = 4000

    codes = [c for c in run(contract).codes() if c.startswith("duration.")]

    assert codes == expected


@pytest.mark.parametrize(
    ("practical", "training", "expected"),
    [
        (date(2026, 12, 1), date(2026, 12, 1), []),  # exactly 3 months after 1 Sept
        (date(2026, 12, 2), date(2026, 9, 1), ["dates.practical_start"]),
        (date(2026, 9, 3), date(2026, 12, 2), ["dates.training_start_late"]),
    ],
)
def test_practical_and_cfa_training_start_within_3_months(contract, practical, training, expected):
    contract.practical_training_start_date = practical
    contract.training_start_date = training

    assert [c for c in run(contract).codes() if c.startswith("dates.")] == expected


def test_contract_end_at_most_3_months_after_the_exams(contract):
    contract.exams_end_date = date(2028, 5, 31)  # + 3 months = 31 Aug 2028 = end: fine
    assert "dates.end_after_exams" not in run(contract).codes()

    contract.exams_end_date = date(2028, 5, 30)
    report = run(contract)
    assert "dates.end_after_exams" in report.codes()
    assert "30/08/2028" in next(f.message for f in report.findings if f.code == "dates.end_after_exams")


def test_weekly_hours_over_40_is_blocking(contract):
    contract.weekly_hours = D("40.5")

    assert [f.code for f in run(contract).errors] == ["hours.weekly_max"]


def test_training_hours_at_least_25_percent_of_1607_hours_a_year(contract):
    # 2 years = 731 days → 3 218.4 h; 25 % = 804.6 h.
    contract.training_hours = 805
    assert "training.share" not in run(contract).codes()
    contract.training_hours = 804
    assert "training.share" in run(contract).codes()


def test_contrat_pro_training_between_15_and_25_percent_and_150_hours(contract):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date = date(2027, 8, 31)
    contract.exams_end_date = date(2027, 6, 30)
    contract.gross_monthly_salary = D("1300")  # 70 % for 21–25 = 1 276.13

    contract.training_hours = 200  # 12.4 % of 1 611 h
    assert "training.pro_share" in run(contract).codes()
    contract.training_hours = 300  # 18.6 %
    assert [c for c in run(contract).codes() if c.startswith("training.")] == []
    contract.training_hours = 500  # 31 %
    assert [(f.code, f.severity) for f in run(contract).findings if f.code.startswith("training.")] == [("training.pro_share_high", WARNING)]


def test_master_must_be_adult_and_eligible(contract):
    contract.master.birth_date = date(2009, 1, 1)
    contract.master.experience_years = 0

    findings = {f.code: f.severity for f in run(contract).findings if f.code.startswith("master_1.")}

    assert findings == {"master_1.minor": ERROR, "master_1.eligibility": WARNING}


def test_master_without_related_diploma_needs_two_years(contract):
    contract.master.diploma_level = 4  # below the BTS (level 5)
    contract.master.experience_years = 1
    assert "master_1.eligibility" in run(contract).codes()
    contract.master.experience_years = 2
    assert "master_1.eligibility" not in run(contract).codes()


def test_master_capacity_two_apprentices_plus_one_extended(contract):
    master_id = contract.master_id
    assert "master_1.capacity" not in run(contract, master_loads={master_id: MasterLoad(apprentices=1, alternants_all_kinds=1)}).codes()
    assert "master_1.capacity" in run(contract, master_loads={master_id: MasterLoad(apprentices=2, alternants_all_kinds=2)}).codes()
    # Two ordinary apprentices + this one extended after an exam failure: allowed.
    contract.contract_type = ContractType.AMEND_EXTENSION_EXAM_FAILURE
    contract.amends_id = 1
    loads = {master_id: MasterLoad(apprentices=2, extended=0, alternants_all_kinds=2)}
    assert "master_1.capacity" not in run(contract, master_loads=loads).codes()


def test_contrat_pro_tutor_at_most_three_alternants(contract):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.end_date, contract.exams_end_date, contract.training_hours = date(2027, 8, 31), date(2027, 6, 30), 300
    contract.gross_monthly_salary = D("1300")
    master_id = contract.master_id

    assert "master_1.capacity" not in run(contract, master_loads={master_id: MasterLoad(alternants_all_kinds=2)}).codes()
    assert "master_1.capacity" in run(contract, master_loads={master_id: MasterLoad(alternants_all_kinds=3)}).codes()


def test_identifier_formats_are_checked(contract):
    contract.company.siret = "73282932000075"
    contract.programme.rncp_code = "RNCP12"
    contract.programme.cfd_code = "3203121"

    report = run(contract, organisation={**ORGANISATION, "uai": "0751234K"})

    assert sorted(c for c in report.codes() if c.startswith("format.")) == ["format.cfd", "format.rncp", "format.siret", "format.uai"]


def test_salary_below_the_legal_minimum_is_blocking(contract):
    contract.gross_monthly_salary = D("966.20")  # 53 % of 1 823.03 = 966.21

    finding = next(f for f in run(contract).findings if f.code == "salary.below_minimum")

    assert finding.severity == ERROR
    assert "966.21" in finding.message


def test_missing_smic_reference_is_a_warning(contract):
    assert [(f.code, f.severity) for f in run(contract, smic_monthly=None).findings] == [("salary.no_smic", WARNING)]


def test_thresholds_come_from_the_rules_passed_in(contract):
    contract.weekly_hours = D("38")
    strict = replace(ContractRules(), max_weekly_hours=D("35"))

    assert run(contract, rules=strict).codes() == ["hours.weekly_max"]


@pytest.mark.parametrize("missing", ["start_date", "end_date"])
def test_a_form_without_one_of_its_dates_is_checked_without_the_length_rules(contract, missing):
    """The check can run on unsaved values: the form itself requires both dates (the model's fields are not
    nullable), so the pre-flight only skips the rules that need both, without failing."""
    setattr(contract, missing, None)

    assert run(contract, stage="signature").codes() == []
