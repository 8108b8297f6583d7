"""Reading one cell at the limits (issue 16, mutation survivors of alternance/imports/values.py):
Excel serial numbers EXCEL_SERIAL_MIN/MAX ± 1, compact AAAAMMJJ years 1900/2100 ± 1, how each kind
of cell is shown back in messages, number and identifier cells, code lists short and long."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import models

from alternance.imports import values as v

DATE_ERROR = "« {} » n'est pas une date : écrivez-la JJ/MM/AAAA (par exemple 14/03/2005) ou AAAA-MM-JJ."


@pytest.mark.parametrize("raw, expected", [
    (v.EXCEL_SERIAL_MIN, date(1927, 5, 18)),
    (v.EXCEL_SERIAL_MAX, date(2119, 1, 11)),
    (float(v.EXCEL_SERIAL_MIN), date(1927, 5, 18)),
    ("10000", date(1927, 5, 18)),
    ("38425,0", date(2005, 3, 14)),
    ("38425.00", date(2005, 3, 14)),
], ids=["min", "max", "min-float", "min-text", "comma-decimal", "dot-decimal"])
def test_excel_serials_within_the_plausible_range(raw, expected):
    assert v.parse_date(raw) == expected


@pytest.mark.parametrize("raw", [v.EXCEL_SERIAL_MIN - 1, v.EXCEL_SERIAL_MAX + 1, 9999.0, "80001"],
                         ids=["min-1", "max+1", "min-1-float", "max+1-text"])
def test_excel_serials_outside_the_range_are_not_dates(raw):
    with pytest.raises(v.CellError) as error:
        v.parse_date(raw)
    assert str(error.value) == DATE_ERROR.format(v.shown(raw))


@pytest.mark.parametrize("raw, expected", [
    ("19000101", date(1900, 1, 1)), ("21001231", date(2100, 12, 31)), ("19010615", date(1901, 6, 15)),
])
def test_compact_dates_between_1900_and_2100(raw, expected):
    assert v.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["18991231", "21010101", True, False, "14/03/2005 x", "2005-03"],
                         ids=["1899", "2101", "true", "false", "trailing", "no-day"])
def test_not_dates(raw):
    with pytest.raises(v.CellError) as error:
        v.parse_date(raw)
    assert str(error.value) == DATE_ERROR.format(v.shown(raw))


@pytest.mark.parametrize("raw, expected", [
    ("14/03/2005 08:30", date(2005, 3, 14)), ("14/03/2005 08:30:15", date(2005, 3, 14)),
    ("2005/3/4", date(2005, 3, 4)), ("2005.03.14", date(2005, 3, 14)), ("2005-03-14T08:30:00.123+01:00", date(2005, 3, 14)),
    (" 14/03/2005 ", date(2005, 3, 14)), ("2005-03-14 08:30", date(2005, 3, 14)),
])
def test_dates_with_times_and_separators(raw, expected):
    assert v.parse_date(raw) == expected


def test_an_impossible_compact_or_iso_date_says_so():
    for raw in ("20050231", "2005-13-01"):
        with pytest.raises(v.CellError) as error:
            v.parse_date(raw)
        assert str(error.value).startswith(f"« {raw} » n'est pas une date qui existe")


@pytest.mark.parametrize("raw, expected", [
    (datetime(2005, 3, 14, 8, 5), "14/03/2005 08:05"), (date(2005, 3, 4), "04/03/2005"), (12.0, "12"), (12.5, "12.5"),
    (True, "VRAI"), (False, "FAUX"), (7, "7"), ("texte", "texte"),
])
def test_shown(raw, expected):
    assert v.shown(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("  Féminin  ", "feminin"), ("Adresse  e-mail", "adresse e mail"), ("ÉLÈVE_n°2", "eleve n2"), (54, "54"), ("", ""),
])
def test_fold(raw, expected):
    assert v.fold(raw) == expected


@pytest.mark.parametrize("raw, expected", [(None, True), ("", True), ("   ", True), (0, False), ("x", False), (False, False)])
def test_is_empty(raw, expected):
    assert v.is_empty(raw) is expected


@pytest.mark.parametrize("raw, expected", [
    (12.0, "12"), (12.5, "12.5"), (date(2005, 3, 4), "04/03/2005"), (datetime(2005, 3, 4, 9, 0), "04/03/2005 09:00"),
    ("  deux   mots \n ici ", "deux mots ici"),
])
def test_parse_text(raw, expected):
    assert v.parse_text(raw) == expected


@pytest.mark.parametrize("raw, expected", [(1234567890, "1234567890"), (123.0, "123"), (" 12 34 ", "12 34"), (12.5, "12.5")])
def test_parse_identifier(raw, expected):
    assert v.parse_identifier(raw) == expected


@pytest.mark.parametrize("raw", [True, False])
def test_a_boolean_is_not_an_identifier(raw):
    with pytest.raises(v.CellError) as error:
        v.parse_identifier(raw)
    assert str(error.value) == f"« {v.shown(raw)} » n'est pas un identifiant."


@pytest.mark.parametrize("raw, expected", [(1000, "01000"), (1000.0, "01000"), ("75 011", "75011"), (75011, "75011"), ("123", "123")])
def test_postal_codes(raw, expected):
    assert v.parse_postal_code(raw) == expected


def test_a_four_digit_text_postal_code_says_how_to_write_it():
    with pytest.raises(v.CellError) as error:
        v.parse_postal_code("1 000")
    assert str(error.value) == (
        "« 1000 » n'a que 4 chiffres : un code postal en a 5. S'il commence par 0 (Ain, Aisne, Allier…), "
        "le tableur a pu supprimer ce zéro : écrivez par exemple 01000.")


@pytest.mark.parametrize("raw, expected", [
    ("9", "09"), ("75", "75"), ("2b", "2B"), ("2A004", "2A"), ("2B033", "2B"), ("97100", "971"), ("13 001", "13"), ("99", "99"),
    (974, "974"),
])
def test_departments(raw, expected):
    assert v.parse_department(raw) == expected


def test_corsica_by_a_20xxx_code_asks_for_2a_or_2b():
    with pytest.raises(v.CellError) as error:
        v.parse_department(20090)
    assert str(error.value) == "« 20090 » : pour la Corse, indiquez le département 2A ou 2B."


@pytest.mark.parametrize("raw, expected", [
    (612345678, "06 12 34 56 78"), (612345678.0, "06 12 34 56 78"), ("0612345678", "06 12 34 56 78"),
])
def test_phones(raw, expected):
    assert v.parse_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12", 12, 12345678])
def test_an_impossible_phone_quotes_the_cell(raw):
    with pytest.raises(v.CellError) as error:
        v.parse_phone(raw)
    assert str(error.value).startswith(f"« {raw} » : ")


@pytest.mark.parametrize("raw, expected", [
    (True, True), (False, False), (1, True), (0, False), (1.0, True), (0.0, False), ("OK", True), ("Coché", True), (" - ", False),
    ("y", True), ("n", False),
])
def test_booleans(raw, expected):
    assert v.parse_bool(raw) is expected


@pytest.mark.parametrize("raw", [2, 0.5, "peut-être", "--"])
def test_not_booleans(raw):
    with pytest.raises(v.CellError) as error:
        v.parse_bool(raw)
    assert str(error.value) == (f"« {v.shown(raw)} » n'est pas compris comme oui ou non : écrivez Oui ou Non "
                                "(1/0 ou X pour oui sont aussi acceptés).")


@pytest.mark.parametrize("raw, expected", [(1, "M"), (2.0, "F"), ("Mme", "F"), ("M.", "M"), ("garçon", "M")])
def test_sex_numbers_and_titles(raw, expected):
    assert v.parse_sex(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (35, 35), (35.0, 35), ("1 234", 1234), ("1\u202f234", 1234), ("1\xa0234", 1234), ("35,00", 35), ("35.0", 35), ("-3", -3),
])
def test_integers(raw, expected):
    assert v.parse_int(raw) == expected


@pytest.mark.parametrize("raw, message", [
    (True, "« VRAI » n'est pas un nombre entier : écrivez par exemple 35."),
    (35.5, "« 35.5 » n'est pas un nombre entier : écrivez-le en chiffres, par exemple 35."),
    ("35,5", "« 35,5 » n'est pas un nombre entier : écrivez-le en chiffres, par exemple 35."),
    ("trente", "« trente » n'est pas un nombre entier : écrivez-le en chiffres, par exemple 35."),
])
def test_not_integers(raw, message):
    with pytest.raises(v.CellError) as error:
        v.parse_int(raw)
    assert str(error.value) == message


@pytest.mark.parametrize("raw, expected", [
    (12, Decimal(12)), (0.1 + 0.2, Decimal("0.3")), ("1.234,56", Decimal("1234.56")), ("1,234.56", Decimal("1234.56")),
    ("1 234,56 €", Decimal("1234.56")), ("12 eur", Decimal("12")), ("-3,5", Decimal("-3.5")), ("7", Decimal("7")),
])
def test_decimals(raw, expected):
    assert v.parse_decimal(raw) == expected


@pytest.mark.parametrize("raw, message", [
    (True, "« VRAI » n'est pas un nombre."),
    ("1,2,3", "« 1,2,3 » n'est pas un nombre : écrivez-le avec une virgule pour les décimales, par exemple 1 234,56."),
    ("douze", "« douze » n'est pas un nombre : écrivez-le avec une virgule pour les décimales, par exemple 1 234,56."),
    (".5", "« .5 » n'est pas un nombre : écrivez-le avec une virgule pour les décimales, par exemple 1 234,56."),
])
def test_not_decimals(raw, message):
    with pytest.raises(v.CellError) as error:
        v.parse_decimal(raw)
    assert str(error.value) == message


class Twelve(models.IntegerChoices):
    C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12 = ((n, f"L{n}") for n in range(1, 13))


class Thirteen(models.IntegerChoices):
    C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13 = ((n, f"L{n}") for n in range(1, 14))


def test_code_list_of_12_lists_codes_and_labels_of_13_codes_only():
    with pytest.raises(v.CellError) as twelve:
        v.choice_parser(Twelve, what="« X »")("zz")
    with pytest.raises(v.CellError) as thirteen:
        v.choice_parser(Thirteen, what="« X »")("zz")
    assert str(twelve.value).endswith("— " + ", ".join(f"{n} (L{n})" for n in range(1, 13)) + ".")
    assert str(thirteen.value).endswith("— " + ", ".join(str(n) for n in range(1, 14)) + ".")


@pytest.mark.parametrize("raw, expected", [("07", 7), (7.0, 7), ("l7", 7), ("13 - L13", 13), ("13x", None), ("0013", 13)])
def test_codes_with_zeros_labels_and_code_prefixes(raw, expected):
    parse = v.choice_parser(Thirteen, synonyms={"sept": 7})
    if expected is None:
        with pytest.raises(v.CellError):
            parse(raw)
    else:
        assert parse(raw) == expected
    assert parse("Sept") == 7


def test_a_float_cell_keeps_six_decimals():
    assert v.parse_decimal(0.1234567) == Decimal("0.123457")
    assert v.parse_decimal(2.5) == Decimal("2.5")


@pytest.mark.parametrize("raw", ["1,234.5,6", "1.2,3.4"], ids=["comma-both-sides-of-the-dot", "dot-both-sides-of-the-comma"])
def test_mixed_separators_on_both_sides_are_not_numbers(raw):
    """The last separator is the decimal one: what is left of the other kind makes the cell unreadable."""
    with pytest.raises(v.CellError):
        v.parse_decimal(raw)


def test_code_list_without_a_name_and_a_boolean_cell():
    parse = v.choice_parser(Thirteen)
    with pytest.raises(v.CellError) as unnamed:
        parse("zz")
    assert str(unnamed.value).startswith("« zz » ne correspond à aucune valeur de la liste  : utilisez un code")
    with pytest.raises(v.CellError) as boolean:
        parse(True)
    assert str(boolean.value) == "« VRAI » n'est pas un identifiant."


def test_siret_of_the_wrong_length_says_where_to_find_it():
    with pytest.raises(v.CellError) as error:
        v.parse_siret("123")
    assert str(error.value) == ("123 n'est pas un SIRET : il faut 14 chiffres (SIREN 9 + NIC 5), la cellule en contient 3. "
                                "Recopiez-le depuis l'avis de situation INSEE, par exemple 732 829 320 00074.")


def test_an_ine_of_the_wrong_length_quotes_the_cell_and_the_rule():
    with pytest.raises(v.CellError) as error:
        v.parse_ine("12 3")
    assert str(error.value) == ("« 12 3 » : L'INE doit comporter 11 caractères (10 chiffres + 1 lettre, ou 9 chiffres + 2 lettres), "
                                "par exemple 1234567890A.")


def test_a_french_date_with_an_iso_time_separator():
    assert v.parse_date("14/03/2005T08:30") == date(2005, 3, 14)


# --- times (issue 19 §1: the timetable import) --------------------------------------------------------

TIME_ERROR = "« {} » n'est pas une heure : écrivez-la HH:MM (par exemple 09:00 ou 13:30) ; 9h et 9h30 sont aussi acceptés."
IMPOSSIBLE_TIME = ("« {} » n'est pas une heure qui existe (de 00:00 à 23:59 ; minuit s'écrit 00:00) : écrivez-la HH:MM "
                   "(par exemple 09:00 ou 13:30) ; 9h et 9h30 sont aussi acceptés.")


@pytest.mark.parametrize("raw, expected", [
    ("09:00", time(9, 0)),
    ("9:00", time(9, 0)),
    ("9h", time(9, 0)),
    ("9H", time(9, 0)),
    ("9h30", time(9, 30)),
    ("9 h 30", time(9, 30)),
    ("09:00:00", time(9, 0)),
    (" 13:45 ", time(13, 45)),
    ("00:00", time(0, 0)),
    ("0h", time(0, 0)),
    ("23:59", time(23, 59)),
    ("23h59", time(23, 59)),
    ("23:59:00", time(23, 59)),
    (time(9, 30), time(9, 30)),
    (time(9, 30, 45), time(9, 30)),
    (datetime(1899, 12, 30, 14, 15), time(14, 15)),
    (0.375, time(9, 0)),
    (0.0, time(0, 0)),
    (0, time(0, 0)),
    (23 / 24 + 59 / 1440, time(23, 59)),
    (0.3749999, time(9, 0)),
], ids=["hh:mm", "h:mm", "9h", "9H", "9h30", "spaces", "hh:mm:ss", "padded", "midnight", "0h", "23:59", "23h59",
        "23:59:00", "time-cell", "time-cell-seconds", "datetime-cell", "fraction", "fraction-zero", "int-zero",
        "fraction-23:59", "fraction-rounded"])
def test_times_that_are_read(raw, expected):
    assert v.parse_time(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("24:00", IMPOSSIBLE_TIME.format("24:00")),
    ("24h", IMPOSSIBLE_TIME.format("24h")),
    ("9h60", IMPOSSIBLE_TIME.format("9h60")),
    ("09:60", IMPOSSIBLE_TIME.format("09:60")),
    ("25:00", IMPOSSIBLE_TIME.format("25:00")),
    ("09:00:30", "« 09:00:30 » : indiquez l'heure à la minute près, sans secondes, par exemple 09:00."),
    ("9h5", TIME_ERROR.format("9h5")),
    ("neuf heures", TIME_ERROR.format("neuf heures")),
    ("9", TIME_ERROR.format("9")),
    ("123:00", TIME_ERROR.format("123:00")),
    (1.0, TIME_ERROR.format("1")),
    (1, TIME_ERROR.format("1")),
    (-0.1, TIME_ERROR.format("-0.1")),
    (0.99999, TIME_ERROR.format("0.99999")),
    (True, TIME_ERROR.format("VRAI")),
], ids=["24:00", "24h", "9h60", "09:60", "25:00", "seconds", "one-digit-minutes", "words", "bare-number", "three-digit-hours",
        "fraction-one", "int-one", "negative", "rounds-to-24:00", "boolean"])
def test_times_that_are_refused_say_how_to_write_them(raw, message):
    with pytest.raises(v.CellError) as error:
        v.parse_time(raw)
    assert str(error.value) == message


def test_a_nir_masked_by_an_error_report_is_explained_not_read():
    """Issue 17 §5: the error report masks NIRs; sent back as it is, the masked cell says what to do and
    still never shows the number."""
    with pytest.raises(v.CellError) as error:
        v.parse_nir("1 85 05 •• ••• ••• ••")
    assert str(error.value) == (
        "« 1 85 05 •• ••• ••• •• » : le NIR est masqué dans le rapport d'erreurs. Recopiez-le depuis votre fichier "
        "d'origine, ou videz la cellule pour garder le NIR déjà enregistré."
    )
