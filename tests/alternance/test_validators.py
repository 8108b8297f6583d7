"""Validators and normalisers of the domain identifiers (domain.md §9).

Valid examples are either published ones (INSEE's SIRET example) or computed here from the rule
of the domain reference, written independently of the code under test.
"""

import pytest
from django.core.exceptions import ValidationError

from alternance import validators as v

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def luhn_is_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def nir_with_key(first_thirteen: str) -> str:
    """domain.md §9: key = 97 − (number mod 97), with 2A read as 19 and 2B as 18."""
    number = int(first_thirteen.replace("2A", "19").replace("2B", "18"))
    return f"{first_thirteen}{97 - number % 97:02d}"


def error_code(validator, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.code


# --- SIRET -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["73282932000074", "732 829 320 00074", "732.829.320.00074", "35600000000048"])
def test_validate_siret_accepts_luhn_valid_sirets_with_or_without_separators(value):
    assert v.validate_siret(value) is None


def test_normalize_siret_removes_spaces_and_dots():
    assert v.normalize_siret(" 732 829.320-00074 ") == "73282932000074"


def test_validate_siret_refuses_a_wrong_check_digit():
    assert not luhn_is_valid("73282932000075")

    assert error_code(v.validate_siret, "73282932000075") == "siret_checksum"


@pytest.mark.parametrize("value", ["7328293200007", "732829320000740", "7328293200007A", "", None])
def test_validate_siret_refuses_a_value_that_is_not_14_digits(value):
    assert error_code(v.validate_siret, value) == "siret_format"


def test_validate_siret_accepts_a_la_poste_siret_whose_digit_sum_is_a_multiple_of_5_even_if_luhn_fails():
    siret = "35600000012346"
    assert sum(map(int, siret)) % 5 == 0 and not luhn_is_valid(siret)

    assert v.validate_siret(siret) is None


def test_validate_siret_refuses_a_la_poste_siret_whose_digit_sum_is_not_a_multiple_of_5():
    siret = "35600000012345"
    assert sum(map(int, siret)) % 5 == 4

    assert error_code(v.validate_siret, siret) == "siret_checksum"


# --- UAI -------------------------------------------------------------------------------------

def test_uai_check_letter_follows_the_modulo_23_rule():
    assert v.uai_check_letter("0751234") == UAI_LETTERS[751234 % 23] == "J"
    assert v.uai_check_letter("1234567") == UAI_LETTERS[1234567 % 23] == "W"


@pytest.mark.parametrize("value", ["0751234J", "0751234j", "1234567W", " 075 1234 J "])
def test_validate_uai_accepts_seven_digits_and_the_right_check_letter(value):
    assert v.validate_uai(value) is None


@pytest.mark.parametrize("value", ["0751234K", "1234567A"])
def test_validate_uai_refuses_a_wrong_check_letter(value):
    assert error_code(v.validate_uai, value) == "uai_checksum"


@pytest.mark.parametrize("value", ["075123J", "07512345J", "0751234", "A751234J", ""])
def test_validate_uai_refuses_a_value_that_is_not_seven_digits_and_a_letter(value):
    assert error_code(v.validate_uai, value) == "uai_format"


# --- RNCP ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [("RNCP35341", "RNCP35341"), ("35341", "RNCP35341"), ("rncp 123", "RNCP123"), ("123", "RNCP123"), ("RNCP12345", "RNCP12345")],
)
def test_normalize_rncp_adds_the_prefix_and_uppercases(value, expected):
    assert v.normalize_rncp(value) == expected


@pytest.mark.parametrize("value", ["RNCP123", "RNCP35341", "35341", "rncp35341", "12345"])
def test_validate_rncp_accepts_3_to_5_digits_with_or_without_the_prefix(value):
    assert v.validate_rncp(value) is None


@pytest.mark.parametrize("value", ["RNCP12", "12", "RNCP123456", "123456", "RNCPABC", "RS1234", ""])
def test_validate_rncp_refuses_other_forms(value):
    assert error_code(v.validate_rncp, value) == "rncp_format"


# --- CFD -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["32031213", "50022141", "4033120a", "ABC12345"])
def test_validate_cfd_accepts_eight_characters_of_the_right_shape(value):
    assert v.validate_cfd(value) is None


@pytest.mark.parametrize("value", ["3203121", "320312134", "ABCDEFGH", "320A1213", ""])
def test_validate_cfd_refuses_other_forms(value):
    assert error_code(v.validate_cfd, value) == "cfd_format"


# --- NAF -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [("62.01Z", "6201Z"), ("6201Z", "6201Z"), ("62.01z", "6201Z"), (" 62 01 Z", "6201Z")])
def test_normalize_naf_stores_four_digits_and_an_uppercase_letter(value, expected):
    assert v.normalize_naf(value) == expected


@pytest.mark.parametrize("value", ["62.01Z", "6201Z", "0111z"])
def test_validate_naf_accepts_the_shown_and_the_stored_forms(value):
    assert v.validate_naf(value) is None


@pytest.mark.parametrize("value", ["620Z", "62011", "6201ZZ", "A201Z", ""])
def test_validate_naf_refuses_other_forms(value):
    assert error_code(v.validate_naf, value) == "naf_format"


def test_format_naf_shows_the_dot_and_leaves_odd_values_alone():
    assert [v.format_naf("6201Z"), v.format_naf(""), v.format_naf("620")] == ["62.01Z", "", "620"]


# --- IDCC ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [("1486", "1486"), ("16", "0016"), ("9999", "9999"), ("7", "0007"), (" 16 ", "0016")])
def test_normalize_idcc_pads_to_four_digits(value, expected):
    assert v.normalize_idcc(value) == expected


@pytest.mark.parametrize("value", ["1486", "16", "9999", "9998", "0016"])
def test_validate_idcc_accepts_one_to_four_digits(value):
    assert v.validate_idcc(value) is None


@pytest.mark.parametrize("value", ["12345", "ABCD", "14A6", ""])
def test_validate_idcc_refuses_other_forms(value):
    assert error_code(v.validate_idcc, value) == "idcc_format"


# --- INE -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1234567890A", "123456789AB", "1234A12345B", "1234567890a"])
def test_validate_ine_accepts_the_three_forms(value):
    assert v.validate_ine(value) is None


@pytest.mark.parametrize("value", ["1234567890", "12345678901", "123456789ABC", "ABCDEFGHIJK", "1234B12345C", "12345678ABC", ""])
def test_validate_ine_refuses_other_forms(value):
    assert error_code(v.validate_ine, value) == "ine_format"


# --- NIR -------------------------------------------------------------------------------------

NIR_METROPOLE = "185057800608491"  # 1 85 05 78 006 084, key 91 (computed by hand from the rule)
NIR_CORSICA_2A = "290022A00401218"  # 2 90 02 2A 004 012: 2A read as 19 → key 18
NIR_CORSICA_2B = "177012B12345697"  # 1 77 01 2B 123 456: 2B read as 18 → key 97


def test_the_nir_examples_follow_the_key_rule_of_the_domain_reference():
    assert [nir_with_key(nir[:13]) for nir in (NIR_METROPOLE, NIR_CORSICA_2A, NIR_CORSICA_2B)] == [
        NIR_METROPOLE, NIR_CORSICA_2A, NIR_CORSICA_2B,
    ]


@pytest.mark.parametrize(
    ("first_thirteen", "key"), [("1850578006084", 91), ("290022A004012", 18), ("177012B123456", 97), ("1040575056123", 80)]
)
def test_nir_key_is_97_minus_the_number_modulo_97_with_corsica_read_as_19_and_18(first_thirteen, key):
    assert v.nir_key(first_thirteen) == key


@pytest.mark.parametrize(
    "value",
    [NIR_METROPOLE, NIR_CORSICA_2A, NIR_CORSICA_2B, "1 85 05 78 006 084 91", "2 90 02 2a 004 012 18", nir_with_key("2990799350123")],
)
def test_validate_nir_accepts_a_nir_with_the_right_key(value):
    assert v.validate_nir(value) is None


@pytest.mark.parametrize("value", ["185057800608492", "185057800608490", "290022A00401219", "290022B00401218"])
def test_validate_nir_refuses_a_wrong_key(value):
    assert error_code(v.validate_nir, value) == "nir_key"


@pytest.mark.parametrize("value", ["18505780060849", "1850578006084911", "585057800608491", "290022C00401218", "18505780060849A", ""])
def test_validate_nir_refuses_a_value_of_the_wrong_shape(value):
    assert error_code(v.validate_nir, value) == "nir_format"


def test_normalize_nir_removes_spaces_and_uppercases_corsica():
    assert v.normalize_nir("2 90 02 2a 004 012 18") == NIR_CORSICA_2A


# --- postal code, INSEE commune, birth département --------------------------------------------

@pytest.mark.parametrize("value", ["75011", "01000", "97411", " 75011 "])
def test_validate_postal_code_accepts_five_digits(value):
    assert v.validate_postal_code(value) is None


@pytest.mark.parametrize("value", ["7501", "750110", "2A004", "75 011", ""])
def test_validate_postal_code_refuses_other_forms(value):
    assert error_code(v.validate_postal_code, value) == "postal_code"


@pytest.mark.parametrize("value", ["75056", "2A004", "2B033", "97411", "2a004"])
def test_validate_insee_commune_accepts_five_characters_with_corsica(value):
    assert v.validate_insee_commune(value) is None


@pytest.mark.parametrize("value", ["7505", "750567", "2C004", "A5056", ""])
def test_validate_insee_commune_refuses_other_forms(value):
    assert error_code(v.validate_insee_commune, value) == "insee"


@pytest.mark.parametrize("value", ["01", "75", "95", "99", "2A", "2B", "2a", "971", "974", "976"])
def test_validate_department_accepts_metropole_corsica_overseas_and_abroad(value):
    assert v.validate_department(value) is None


@pytest.mark.parametrize("value", ["00", "96", "98", "977", "970", "2C", "7", "750", ""])
def test_validate_department_refuses_other_codes(value):
    assert error_code(v.validate_department, value) == "department"


# --- DECA contract number --------------------------------------------------------------------

@pytest.mark.parametrize("value", ["02B202212000000", "075202501000123", "02A202309AB0001", "974202412XY9999"])
def test_validate_deca_number_accepts_the_examples_of_the_domain_reference(value):
    assert v.validate_deca_number(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "075202513000123",  # month 13
        "075202500000123",  # month 00
        "02C202212000000",  # not a département
        "07520250100012",  # 14 characters
        "0752025010001234",  # 16 characters
        "075202501AB012X",  # last four must be digits
        "",
    ],
)
def test_validate_deca_number_refuses_other_forms(value):
    assert error_code(v.validate_deca_number, value) == "deca"


# --- alternance rhythm -----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["CCEEE", "CCCCC|EEEEE|EEEEE", "CCEEE-", "--EEE", "EEEEEE|CCCCCC"])
def test_validate_rhythm_pattern_accepts_weeks_of_five_or_six_days(value):
    assert v.validate_rhythm_pattern(value) is None


@pytest.mark.parametrize("value", ["", "CCEE", "CCEEEEE", "CCXEE", "cceee", "CCEEE|", "CCEEE||EEEEE", "CCEEE EEEEE", None])
def test_validate_rhythm_pattern_refuses_other_forms(value):
    assert error_code(v.validate_rhythm_pattern, value) == "rhythm"
