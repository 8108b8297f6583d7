"""The pre-flight's small helpers, at the edges the checks rely on (issue 16).

Lengths in months (L6222-7-1: 6 months to 3 years for an apprenticeship; L6325-11: 6 to 12 months
for a contrat de professionnalisation) are counted from the start to the day after the end, the
part of the month under way over that month's own length; the working time of a minor (L3162-1,
R3162-1: 8 h a day and 35 h a week, 10 h and 40 h at most with a derogation) names the field to fix.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from contracts.choices import EmploymentTerm
from contracts.preflight import (
    ERROR,
    SOURCE_FORMATS,
    SOURCE_MINOR_HOURS,
    SOURCE_PRO_DURATION,
    ContractRules,
    _check_minor_hours,
    _check_pro_duration,
    _duration_months,
    _format_problems,
    _length_words,
)


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2026, 9, 1), date(2027, 8, 31), Decimal(12)),  # the day after the end is the start's day: whole months
    (date(2026, 9, 15), date(2027, 3, 14), Decimal(6)),
    (date(2026, 9, 15), date(2026, 10, 9), Decimal(25) / Decimal(30)),  # the day after the end (10th) before the 15th
    (date(2026, 8, 1), date(2027, 1, 30), 5 + Decimal(30) / Decimal(31)),
    (date(2026, 9, 15), date(2027, 3, 15), 6 + Decimal(1) / Decimal(31)),  # 15 March to 15 April: 31 days
])
def test_a_length_in_months_counts_the_month_under_way_over_its_own_length(start, end, months):
    assert _duration_months(start, end) == months


@pytest.mark.parametrize(("start", "end", "words"), [
    (date(2026, 9, 1), date(2027, 8, 31), "12 mois"),
    (date(2026, 9, 1), date(2027, 9, 1), "12 mois et 1 jour"),
    (date(2026, 9, 15), date(2027, 9, 13), "11 mois et 30 jours"),  # one day short of 12 months
    (date(2026, 9, 15), date(2027, 9, 14), "12 mois"),
])
def test_a_length_in_words_is_whole_months_and_days(start, end, words):
    assert _length_words(start, end) == words


def test_every_message_of_a_format_error_is_kept():
    found = []

    def validator(value):
        raise ValidationError(["14 chiffres attendus.", "Clé de contrôle fausse."])

    _format_problems(lambda *args: found.append(args), "1234", validator, "format.siret", "Employeur : SIRET", "company")
    _format_problems(lambda *args: found.append(args), "", validator, "format.siret", "Employeur : SIRET", "company")  # empty: nothing

    assert found == [("format.siret", ERROR, "Employeur : SIRET : 14 chiffres attendus. Clé de contrôle fausse.", SOURCE_FORMATS, "company")]


def test_a_contrat_pro_too_short_points_to_its_end_date():
    found = []
    contract = SimpleNamespace(pro_public_l6325_1_1=False, pro_branch_agreement=False, employment_term=EmploymentTerm.FIXED_TERM,
                               start_date=date(2026, 9, 1), end_date=date(2027, 2, 27))

    _check_pro_duration(lambda *args: found.append(args), contract, _duration_months(contract.start_date, contract.end_date),
                        ContractRules())

    assert found == [("pro.duration_short", ERROR, "Contrat de professionnalisation : le contrat dure 5 mois et 27 jours ; "
                      "6 mois au minimum. Reportez la date de fin.", SOURCE_PRO_DURATION, "end_date")]


@pytest.mark.parametrize(("daily", "weekly", "field", "hours"), [
    (Decimal("11"), Decimal("35"), "daily_hours", "11 h par jour"),
    (Decimal("8"), Decimal("41"), "weekly_hours", "41 h par semaine"),
    (Decimal("11"), Decimal("41"), "weekly_hours", "11 h par jour et 41 h par semaine"),
])
def test_hours_beyond_any_derogation_point_to_the_field_to_lower(daily, weekly, field, hours):
    found = []
    contract = SimpleNamespace(weekly_hours=weekly, daily_hours=daily, minor_hours_derogation="", minor_compensatory_rest="")

    _check_minor_hours(lambda *args: found.append(args), contract, ContractRules())

    assert found == [("hours.minor_over_derogation", ERROR, f"Apprenti·e mineur·e : {hours}, au-delà de ce que permet même une "
                      "dérogation (10 h par jour et 40 h par semaine). Réduisez la durée du travail.", SOURCE_MINOR_HOURS, field)]
