"""Reading one cell: dates in every form people use, Oui/Non/1/0/X, sex, French numbers, codes,
identifiers — each unreadable cell gives a French message quoting it and saying how to write it."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from alternance.choices import DiplomaCode, Nationality
from alternance.imports import values as v


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (date(2005, 3, 14), date(2005, 3, 14)),  # a real date cell
        (datetime(2005, 3, 14, 0, 0), date(2005, 3, 14)),
        (38425, date(2005, 3, 14)),  # Excel serial number (date cell shown as a number)
        (38425.0, date(2005, 3, 14)),
        ("38425", date(2005, 3, 14)),  # the same number exported as text in a CSV
        ("14/03/2005", date(2005, 3, 14)),
        ("4/3/2005", date(2005, 3, 4)),
        ("14-03-2005", date(2005, 3, 14)),
        ("14.03.2005", date(2005, 3, 14)),
        ("2005-03-14", date(2005, 3, 14)),
        ("2005-03-14 00:00:00", date(2005, 3, 14)),
        ("2005-03-14T00:00:00Z", date(2005, 3, 14)),
        ("20050314", date(2005, 3, 14)),
    ],
)
def test_dates_in_every_form(raw, expected):
    assert v.parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("31/02/2005", "« 31/02/2005 » n'est pas une date qui existe (jour ou mois impossible) : vérifiez-la et écrivez-la "
                       "JJ/MM/AAAA (par exemple 14/03/2005) ou AAAA-MM-JJ."),
        ("14/03/05", "« 14/03/05 » : l'année sur 2 chiffres est ambiguë (19xx ou 20xx ?). Écrivez l'année sur 4 chiffres, "
                     "JJ/MM/AAAA (par exemple 14/03/2005) ou AAAA-MM-JJ."),
        ("demain", "« demain » n'est pas une date : écrivez-la JJ/MM/AAAA (par exemple 14/03/2005) ou AAAA-MM-JJ."),
        (2005, "« 2005 » n'est pas une date : écrivez-la JJ/MM/AAAA (par exemple 14/03/2005) ou AAAA-MM-JJ."),
    ],
)
def test_unreadable_dates_say_how_to_write_them(raw, message):
    with pytest.raises(v.CellError) as error:
        v.parse_date(raw)
    assert str(error.value) == message


@pytest.mark.parametrize("raw", ["Oui", "OUI ", "o", "1", 1, "X", "x", "Vrai", True, "yes"])
def test_true_values(raw):
    assert v.parse_bool(raw) is True


@pytest.mark.parametrize("raw", ["Non", "non", "N", "0", 0, "Faux", False, "no", "-"])
def test_false_values(raw):
    assert v.parse_bool(raw) is False


def test_unknown_boolean_says_what_is_accepted():
    with pytest.raises(v.CellError) as error:
        v.parse_bool("peut-être")
    assert str(error.value) == ("« peut-être » n'est pas compris comme oui ou non : écrivez Oui ou Non "
                                "(1/0 ou X pour oui sont aussi acceptés).")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("M", "M"), ("m", "M"), ("H", "M"), ("Homme", "M"), ("Masculin", "M"), ("M.", "M"), ("Monsieur", "M"), (1, "M"),
     ("F", "F"), ("Femme", "F"), ("féminin", "F"), ("Mme", "F"), ("Madame", "F"), (2, "F")],
)
def test_sex_spellings(raw, expected):
    assert v.parse_sex(raw) == expected


def test_unknown_sex():
    with pytest.raises(v.CellError) as error:
        v.parse_sex("Z")
    assert str(error.value) == "« Z » : indiquez M (masculin) ou F (féminin) ; H, Homme, Femme, M. et Mme sont aussi acceptés."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1 234,56", Decimal("1234.56")), ("1 234,56 €", Decimal("1234.56")), ("1.234,56", Decimal("1234.56")),
     ("1,234.56", Decimal("1234.56")), ("966,32", Decimal("966.32")), (966.32, Decimal("966.32")), (35, Decimal("35"))],
)
def test_french_and_english_amounts(raw, expected):
    assert v.parse_decimal(raw) == expected


def test_integers_accept_spaces_and_excel_floats():
    assert [v.parse_int("1 350"), v.parse_int(1350.0), v.parse_int("35,0")] == [1350, 1350, 35]
    with pytest.raises(v.CellError):
        v.parse_int("trente")


def test_siret_with_spaces_dots_or_stored_as_a_number():
    assert v.parse_siret(" 732 829 320 00074 ") == "73282932000074"
    assert v.parse_siret("732.829.320.00074") == "73282932000074"
    assert v.parse_siret(73282932000074) == "73282932000074"
    assert v.parse_siret(7.3282932000074e13) == "73282932000074"


def test_siret_with_a_wrong_key_names_the_value_and_the_fix():
    with pytest.raises(v.CellError) as error:
        v.parse_siret("123 456 789 00012")
    assert str(error.value) == (
        "123 456 789 00012 n'est pas un SIRET valide (clé de contrôle). Vérifiez les 14 chiffres sur l'avis de situation INSEE."
    )


def test_siret_with_a_wrong_length():
    with pytest.raises(v.CellError) as error:
        v.parse_siret("732 829 320")
    assert str(error.value).startswith("732 829 320 n'est pas un SIRET : il faut 14 chiffres (SIREN 9 + NIC 5), la cellule en contient 9.")


def test_postal_codes_lose_their_zero_only_in_number_cells():
    assert v.parse_postal_code(1000) == "01000"
    assert v.parse_postal_code("75011") == "75011"
    with pytest.raises(v.CellError) as error:
        v.parse_postal_code("7501")
    assert "n'a que 4 chiffres" in str(error.value)


def test_department_from_a_postal_code_and_corsica():
    assert [v.parse_department("75011"), v.parse_department("97411"), v.parse_department(1), v.parse_department("2a")] == [
        "75", "974", "01", "2A"]
    with pytest.raises(v.CellError):
        v.parse_department("20000")


def test_phone_stored_as_a_number_gets_its_zero_back():
    assert v.parse_phone(612345678) == "06 12 34 56 78"
    assert v.parse_phone("06 12 34 56 78") == "06 12 34 56 78"


def test_codes_by_code_label_or_synonym():
    nationality = v.choice_parser(Nationality, synonyms={"francaise": 1, "hors ue": 3}, what="« Nationalité »")
    diploma = v.choice_parser(DiplomaCode, what="« Diplôme »")
    assert [nationality("1"), nationality(2), nationality("Française"), nationality("Hors UE")] == [1, 2, 1, 3]
    assert [diploma("54"), diploma("BTS"), diploma("54 - BTS"), diploma("Baccalauréat professionnel")] == [54, 54, 54, 41]
    with pytest.raises(v.CellError) as error:
        nationality("martienne")
    assert str(error.value) == ("« martienne » ne correspond à aucune valeur de la liste « Nationalité » : utilisez un code ou son "
                                "libellé exact — 1 (Française), 2 (Union européenne), 3 (Étranger hors Union européenne).")


def test_email_and_identifiers():
    assert v.parse_email(" mailto:lea@example.fr") == "lea@example.fr"
    with pytest.raises(v.CellError) as error:
        v.parse_email("lea@")
    assert str(error.value) == "« lea@ » n'est pas une adresse e-mail valide : écrivez-la sous la forme prenom.nom@exemple.fr."
    assert v.parse_ine("1234 567 890 a") == "1234567890A"
    assert v.parse_nir("2 05 03 75 056 123 46") == "205037505612346"
    with pytest.raises(v.CellError) as error:
        v.parse_nir("2 05 03 75 056 123 47")
    assert str(error.value) == "« 2 05 03 •• ••• ••• •• » : La clé du NIR est incorrecte : vérifiez le numéro sur la carte Vitale."  # masked (issue 17 §5)
