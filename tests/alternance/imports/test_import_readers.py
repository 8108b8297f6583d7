"""Reading files as people and other ERPs produce them: delimiters, encodings, BOMs, empty lines,
trailing spaces, XLSX with real dates and serial numbers — and refusing what cannot be read."""

from datetime import date, datetime

import pytest

from alternance.imports.readers import ImportFileError, column_letter, read_table
from tests.alternance.imports.import_files import read_fixture, xlsx_bytes


def test_semicolon_latin1_file_is_decoded_with_row_numbers_of_the_spreadsheet():
    table = read_table(read_fixture("apprentis_erp_latin1.csv"), name="export.csv")

    assert (table.format, table.encoding, table.delimiter) == ("csv", "Windows-1252", ";")
    assert table.headers[:3] == ["NOM DE NAISSANCE", "Prénom", "Sexe"]
    assert table.headers[-3:] == ["Promo", "RQTH", "Date d'inscription"]
    # Rows 4 (empty) and 5 (only separators) are skipped; numbering keeps the spreadsheet's.
    assert [row.number for row in table.rows] == [2, 3, 6]
    # Trailing spaces (and non-breaking ones) are removed.
    assert table.rows[0].values[:2] == ["DUPRÉ", "Hélène"]
    assert table.rows[2].values[12] == "BTS SIO 2026-2028"
    assert table.describe() == "CSV Windows-1252, séparateur point-virgule"


def test_comma_file_with_bom_keeps_quoted_commas_inside_a_cell():
    table = read_table(read_fixture("apprentis_virgule_utf8_bom.csv"), name="apprentis.csv")

    assert (table.encoding, table.delimiter) == ("UTF-8", ",")
    assert table.headers[0] == "Nom"  # no BOM left in the first header
    assert table.rows[0].values[6] == "3, avenue du Général-de-Gaulle"


def test_tab_separated_utf16_file_from_excel_unicode_text():
    content = "Nom\tPrénom\tVille\r\nDupré\tÉlise\tSaint-Étienne, Loire\r\n".encode("utf-16")

    table = read_table(content, name="export.txt")

    assert (table.encoding, table.delimiter) == ("UTF-16", "\t")
    assert table.rows[0].values == ["Dupré", "Élise", "Saint-Étienne, Loire"]


def test_latin1_bytes_outside_windows_1252_still_decode():
    content = "Nom;Ville\nA\x81b;Paris\n".encode("latin-1")

    table = read_table(content, name="vieux.csv")

    assert table.encoding == "Latin-1"
    assert table.rows[0].values == ["A\x81b", "Paris"]


def test_semicolons_win_over_commas_inside_french_addresses():
    content = "Nom;Adresse;Ville\nDupont;3, rue des Lilas, bât. B;Paris\nMartin;5 rue, Nord;Lyon\n".encode()

    table = read_table(content, name="a.csv")

    assert table.delimiter == ";"
    assert table.rows[0].values == ["Dupont", "3, rue des Lilas, bât. B", "Paris"]


def test_excel_sep_hint_line_is_used_and_not_counted_as_a_row():
    content = b"sep=,\r\nNom,Ville\r\nDupont,Paris\r\n"

    table = read_table(content, name="a.csv")

    assert table.delimiter == ","
    assert table.headers == ["Nom", "Ville"]
    assert table.rows[0].number == 2


def test_duplicate_and_missing_headers_get_names_and_empty_trailing_columns_are_dropped():
    content = b"Nom;;Nom;;\nDupont;x;Durand;;\n"

    table = read_table(content, name="a.csv")

    assert table.headers == ["Nom", "Colonne B", "Nom (2)"]
    assert table.rows[0].values == ["Dupont", "x", "Durand"]
    assert table.notes == ["Deux colonnes s'intitulent « Nom » : la seconde est appelée « Nom (2) »."]


def test_xlsx_keeps_real_dates_and_numbers_and_counts_rows_like_excel():
    header = ["Nom", "Date de naissance", "Serial", "SIRET"]
    rows = [["Dupont  ", date(2005, 3, 14), 38425, 73282932000074], [None, None, None, None], ["Durand", datetime(2004, 1, 2, 0, 0), 38353.0, "732 829 320 00074"]]

    table = read_table(xlsx_bytes(rows, header), name="classeur.xlsx")

    assert (table.format, table.sheet) == ("xlsx", "Apprentis")
    assert [row.number for row in table.rows] == [2, 4]
    assert table.rows[0].values == ["Dupont", date(2005, 3, 14), 38425, 73282932000074]
    assert table.rows[1].values[1] == date(2004, 1, 2)
    assert table.describe() == "classeur XLSX, feuille « Apprentis »"


def test_max_rows_reads_only_the_beginning():
    content = ("Nom\n" + "".join(f"N{i}\n" for i in range(50))).encode()

    table = read_table(content, name="a.csv", max_rows=10)

    assert len(table.rows) == 10 and table.truncated


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"\xd0\xcf\x11\xe0 old excel", "vieux.xls", "Enregistrer sous"),
        (b"not a zip at all", "faux.xlsx", "n'est pas un classeur Excel"),
        (b"PK\x03\x04broken zip", "casse.xlsx", "ne peut pas être ouvert"),
        (b"\x00\x01\x02binary", "binaire.csv", "données binaires"),
        (b"Nom;Ville\n", "entete.csv", "ne contient que la ligne d'intitulés"),
        (b"\n\n", "vide.csv", "Le fichier est vide"),
        (b"Nom\nDupont\n", "notes.pdf", "Déposez un fichier .csv ou .xlsx"),
    ],
)
def test_unreadable_files_are_refused_with_what_to_do(content, name, expected):
    with pytest.raises(ImportFileError) as error:
        read_table(content, name=name)
    assert expected in str(error.value)


def test_column_letters_follow_excel():
    assert [column_letter(i) for i in (0, 5, 25, 26, 27, 701, 702)] == ["A", "F", "Z", "AA", "AB", "ZZ", "AAA"]
