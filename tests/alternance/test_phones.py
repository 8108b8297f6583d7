"""Phone numbers are read as the Tableau de bord reads them (issue 15 §12): the real numbering plans,
the overseas departments, the unallocated ranges; stored « 06 12 34 56 78 »."""

import pytest
from django.core.exceptions import ValidationError

from alternance.phones import check_phone, format_phone, normalize_phone_number, tdb_form

# (typed, stored form) — every number the dashboard accepts.
ACCEPTED = [
    ("06 12 34 56 78", "06 12 34 56 78"),
    ("06.12.34.56.78", "06 12 34 56 78"),
    ("06-12-34-56-78", "06 12 34 56 78"),
    ("(06) 12 34 56 78", "06 12 34 56 78"),
    ("+33 6 12 34 56 78", "06 12 34 56 78"),
    ("0033 6 12 34 56 78", "06 12 34 56 78"),
    ("612345678", "06 12 34 56 78"),
    ("01 23 45 67 89", "01 23 45 67 89"),
    ("09 70 12 34 56", "09 70 12 34 56"),
    # 07: 07 30 is the first allocated block (07 00 to 07 29 are not allocated by the ARCEP).
    ("07 30 12 34 56", "07 30 12 34 56"),
    ("07 99 99 99 99", "07 99 99 99 99"),
    # The overseas plans: Réunion, Mayotte landlines, Guadeloupe, Martinique, Guyane.
    ("+262 692 12 34 56", "06 92 12 34 56"),
    ("0692 12 34 56", "06 92 12 34 56"),
    ("0262 12 34 56", "02 62 12 34 56"),
    ("0269 61 23 45", "02 69 61 23 45"),
    ("0590 12 34 56", "05 90 12 34 56"),
    ("0696 12 34 56", "06 96 12 34 56"),
    ("0694 12 34 56", "06 94 12 34 56"),
    # Abroad: the international format.
    ("+32 470 12 34 56", "+32 470 12 34 56"),
]

# (typed, why) — every number the dashboard refuses.
REFUSED = [
    ("07 00 12 34 56", "n'existe pas"),
    ("07 29 99 99 99", "n'existe pas"),
    ("06 12 34 56 7", "n'existe pas"),  # a possible length in the plan, but no such number
    ("06 12 34 56 78 9", "nombre de chiffres"),
    ("+33 6 12 34 56", "nombre de chiffres"),
    ("téléphone", "nombre de chiffres"),
    ("08 99 12 34 56", "numéro spécial"),  # premium rate
    ("+262 639 12 34 56", "n'existe pas"),
]


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
def test_a_number_the_dashboard_accepts_is_stored_in_the_french_form(typed, stored):
    assert normalize_phone_number(typed) == stored
    # The stored form is read back as the same number (idempotent).
    assert normalize_phone_number(stored) == stored


@pytest.mark.parametrize(("typed", "why"), REFUSED)
def test_a_number_the_dashboard_refuses_is_refused_with_a_french_reason(typed, why):
    assert not check_phone(typed).ok
    with pytest.raises(ValidationError) as error:
        normalize_phone_number(typed)
    assert why in error.value.messages[0]


def test_an_empty_number_stays_empty():
    assert (normalize_phone_number(""), normalize_phone_number("  "), normalize_phone_number(None)) == ("", "", "")


@pytest.mark.parametrize(("typed", "written"), [
    ("06 12 34 56 78", "0612345678"),
    ("06 92 12 34 56", "+262692123456"),
    ("05 90 12 34 56", "+590590123456"),
    ("+32 470 12 34 56", "+32470123456"),
])
def test_the_export_writes_what_the_dashboard_stores(typed, written):
    assert tdb_form(check_phone(typed).number) == written


def test_a_number_typed_before_the_check_is_shown_as_typed_when_invalid():
    assert (format_phone("0612345678"), format_phone("07 00 12 34 56"), format_phone("")) == ("06 12 34 56 78", "07 00 12 34 56", "")
