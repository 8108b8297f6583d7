"""CSV / XLSX exports of the back-office lists: the whole filtered list, in the user's scope."""

import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from alternance.choices import ApprenticeStatus
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))


def test_apprentice_export_is_scoped_and_filtered(client):
    world = make_world()
    client.force_login(world.a.tutor)

    response = client.get(reverse("apprentice_list"), {"status": ApprenticeStatus.UNDER_CONTRACT, "export": "csv"})

    rows = read_csv(response)
    assert response["Content-Disposition"] == 'attachment; filename="apprenti-es-2026-11-28.csv"'
    assert rows[0] == ["Nom", "Prénom", "Promotion", "Statut", "Depuis le", "E-mail"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        (world.a.apprentice.last_name, world.a.apprentice.first_name, world.a.cohort.name)
    ]


def test_contract_export_in_xlsx_has_real_dates(client):
    world = make_world()
    client.force_login(world.coordinator)

    response = client.get(reverse("contracts:contract_list"), {"export": "xlsx", "sort": "apprentice"})

    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Apprenti·e", "Entreprise", "SIRET", "Formation", "État", "Début", "Fin")
    assert {r[0] for r in rows[1:]} == {world.a.contract.apprentice.full_name, world.b.contract.apprentice.full_name}
    assert all(isinstance(r[5], datetime) for r in rows[1:])


def test_alert_export_is_scoped(client):
    world = make_world()
    client.force_login(world.b.tutor)

    rows = read_csv(client.get(reverse("alerts:alert_list"), {"export": "csv"}))

    assert rows[0][:3] == ["Règle", "Gravité", "Objet"]
    assert world.a.apprentice.full_name not in " ".join(" ".join(r) for r in rows)


def test_extranet_users_cannot_export(client):
    world = make_world()
    client.force_login(world.a.employer_user)

    assert client.get(reverse("contracts:contract_list"), {"export": "csv"}).status_code == 403


@pytest.mark.parametrize(("file_name", "expected"), [
    ("justificatifs-2026-12-05", "Justificatifs"),
    ("entreprises-2027-01-31", "Entreprises"),
    ("charges-cre-tuteurs-2026-12-05", "Charges cre tuteurs"),
    ("suivi/tuteur:a*b?[c]", "Suivi tuteur a b  c"),
    ("x" * 40, "X" + "x" * 30),
    ("2026-12-05", "2026 12 05"),
    ("", "Export"),
])
def test_the_xlsx_tab_is_named_after_the_list_never_sheet(file_name, expected):
    from alternance.exports import sheet_name

    assert sheet_name(file_name) == expected


def test_an_xlsx_export_carries_its_sheet_name():
    from io import BytesIO

    from openpyxl import load_workbook

    from alternance.exports import export_response

    response = export_response("xlsx", name="offres-2026-12-05", header=["Titre"], rows=[["Vendeur"]])

    workbook = load_workbook(BytesIO(response.getvalue()))
    assert workbook.sheetnames == ["Offres"]
    assert [[c.value for c in row] for row in workbook.active.iter_rows()] == [["Titre"], ["Vendeur"]]
