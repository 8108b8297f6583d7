"""Web layer of the OPCO follow-up: the board (permissions, tabs, exports, query count) and the
OPCO panel's actions on the contract page (permission matrix, state re-read, French errors)."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from alternance.choices import Role
from contracts.models import OpcoFile, OpcoInstalment, OpcoReminder
from tests.factories.contracts import OpcoInstalmentFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db
BOARD = reverse("contracts:opco_board")
HEADER = [
    "Apprenti·e", "Entreprise", "OPCO", "Étape", "À faire", "Montant (€)", "Échéance",
    "Retard (jours, négatif = jours restants)", "Contrat",
]


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def advance(world):
    """Side A's advance, due on 1 Sept 2026 and not invoiced: 88 days late on 28 Nov 2026."""
    return OpcoInstalmentFactory(opco_file=world.a.contract.opco_file, amount=Decimal("3200.00"), due_date=date(2026, 9, 1))


# --- board ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.COORDINATOR, 200), (Role.ADMIN_STAFF, 200), (Role.CRE, 200), (Role.TUTOR, 200), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403)],
)
def test_board_permissions(client, world, role, status):
    client.force_login(world.user(role))

    assert client.get(BOARD).status_code == status
    assert client.get(BOARD + "?format=csv").status_code == status


def test_board_requires_login(client):
    response = client.get(BOARD)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_board_tabs_count_rows_and_show_what_is_due(client, world, advance):
    client.force_login(world.admin_staff)

    response = client.get(BOARD + "?filter=instalment_due")

    counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {"late": 1, "to_send": 0, "awaiting_decision": 2, "instalment_due": 1, "unpaid": 0,
                      "balance_at_risk": 0, "employer_participation": 0}
    assert [(r.contract.apprentice.full_name, r.deadline, r.days) for r in response.context["rows"]] == [
        ("Alice Martin", date(2026, 9, 1), 88)
    ]
    html = response.content.decode()
    for expected in ("Facturer à l&#x27;OPCO : Avance, année 1", "01/09/2026", "88 jours de retard", "3\u00a0200,00\u00a0€", "Boulangerie Alpha", "Atlas"):
        assert expected in html, expected


def test_board_rows_without_a_deadline_say_the_file_is_incomplete(client, world):
    client.force_login(world.a.tutor)

    response = client.get(BOARD + "?filter=awaiting_decision")

    assert [r.contract.apprentice.full_name for r in response.context["rows"]] == ["Alice Martin"]
    assert "dossier incomplet" in response.content.decode()


def test_csv_export_of_the_current_tab_for_excel_fr(client, world, advance):
    client.force_login(world.coordinator)

    response = client.get(BOARD + "?filter=instalment_due&format=csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="suivi-opco-instalment_due-2026-11-28.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(content[1:]), delimiter=";")) == [
        HEADER,
        ["Alice Martin", "Boulangerie Alpha", "Atlas", "En cours", "Facturer à l'OPCO : Avance, année 1", "3200,00", "01/09/2026", "88",
         f"http://testserver/contrats/{world.a.contract.pk}/"],
    ]


def test_xlsx_export_has_a_header_row_real_dates_and_numbers(client, world, advance):
    client.force_login(world.coordinator)

    response = client.get(BOARD + "?filter=awaiting_decision&format=xlsx")
    late = client.get(BOARD + "?filter=late&format=xlsx")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        HEADER,
        ["Bruno Durand", "Garage Bêta", "Atlas", "En cours", "Dossier incomplet : obtenir de l'OPCO l'accusé de dossier complet",
         None, "dossier incomplet", None, f"http://testserver/contrats/{world.b.contract.pk}/"],
        ["Alice Martin", "Boulangerie Alpha", "Atlas", "En cours", "Dossier incomplet : obtenir de l'OPCO l'accusé de dossier complet",
         None, "dossier incomplet", None, f"http://testserver/contrats/{world.a.contract.pk}/"],
    ]
    row = list(load_workbook(io.BytesIO(late.content)).active.iter_rows(min_row=2, values_only=True))[0]
    assert row[:8] == ("Alice Martin", "Boulangerie Alpha", "Atlas", "En cours", "Facturer à l'OPCO : Avance, année 1", 3200,
                       datetime(2026, 9, 1), 88)
    assert load_workbook(io.BytesIO(late.content)).active["G2"].number_format == "DD/MM/YYYY"


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.ADMIN_STAFF, Role.TUTOR])
def test_board_query_count_does_not_grow_with_files(client, world, advance, role):
    client.force_login(world.user(role))
    url = BOARD + "?filter=awaiting_decision"
    before = len(client.get(url).context["rows"])
    with_one = count_queries(client, url)
    for n in range(3):
        contract = add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Ajout{n}")
        OpcoInstalmentFactory(opco_file=contract.opco_file, due_date=date(2026, 9, 1))

    with_four = count_queries(client, url)

    assert len(client.get(url).context["rows"]) == before + 3
    assert with_four == with_one, (with_one, with_four)


# --- the contract page's panel and its actions ----------------------------------------------------

def actions(world, instalment):
    pk = world.a.contract.pk
    return [
        (reverse("contracts:opco_file_update", args=[pk]), {"complete_file_date": "2026-09-10", "npec_amount": "8000,00",
                                                              "deposit_number": "075202609000123", "amendment_number": ""}),
        (reverse("contracts:opco_schedule_generate", args=[pk]), {}),
        (reverse("contracts:opco_instalment_invoice", args=[instalment.pk]),
         {f"facture-{instalment.pk}-invoice_number": "F-1", f"facture-{instalment.pk}-invoiced_date": "2026-09-02"}),
        (reverse("contracts:opco_instalment_payment", args=[instalment.pk]), {f"paiement-{instalment.pk}-paid_date": "2026-09-30"}),
        (reverse("contracts:opco_employer_participation", args=[pk]), {"invoiced_date": "2026-10-20"}),
        (reverse("contracts:opco_reminder_log", args=[pk]), {"sent_on": "2026-11-20", "subject": "Relance", "note": ""}),
    ]


@pytest.mark.parametrize(("role", "status"), [(Role.TUTOR, 403), (Role.CRE, 403), (Role.APPRENTICE, 404), (Role.EMPLOYER, 404)])
def test_only_coordinator_and_admin_staff_change_opco_data(client, world, advance, role, status):
    client.force_login(world.user(role))
    before = (list(OpcoFile.objects.values()), list(OpcoInstalment.objects.values()))

    for url, data in actions(world, advance):
        assert client.post(url, data).status_code == status, url

    assert (list(OpcoFile.objects.values()), list(OpcoInstalment.objects.values())) == before
    assert not OpcoReminder.objects.exists()


def test_another_cohorts_tutor_gets_404(client, world, advance):
    client.force_login(world.b.tutor)

    assert [client.post(url, data).status_code for url, data in actions(world, advance)] == [404] * 6


def test_get_on_an_action_is_not_allowed(client, world):
    client.force_login(world.admin_staff)

    assert client.get(reverse("contracts:opco_schedule_generate", args=[world.a.contract.pk])).status_code == 405


def test_admin_staff_runs_the_whole_follow_up_without_javascript(client, world, advance):
    client.force_login(world.admin_staff)
    detail = reverse("contracts:contract_detail", args=[world.a.contract.pk]) + "#panel-opco"
    update, generate, invoice, payment, _participation, reminder = actions(world, advance)

    for url, data in (update, generate, invoice, payment, reminder):
        response = client.post(url, data)
        assert (response.status_code, response.url) == (302, detail), url

    opco_file = OpcoFile.objects.get(contract=world.a.contract)
    assert (opco_file.complete_file_date, opco_file.npec_amount, opco_file.deposit_number) == (
        date(2026, 9, 10), Decimal("8000.00"), "075202609000123"
    )
    assert list(opco_file.instalments.order_by("contract_year", "due_date").values_list(
        "contract_year", "kind", "amount", "invoice_number", "invoiced_date", "paid_date", "paid_amount"
    ))[:2] == [
        (1, "advance", Decimal("3200.00"), "F-1", date(2026, 9, 2), date(2026, 9, 30), Decimal("3200.00")),
        (1, "month_7", Decimal("2400.00"), "", None, None, None),
    ]
    assert opco_file.instalments.count() == 8
    assert list(OpcoReminder.objects.values_list("subject", "sent_on", "sent_by")) == [("Relance", date(2026, 11, 20), world.admin_staff.pk)]
    page = client.get(detail).content.decode()
    for expected in ("Tableau de suivi OPCO", "8\u00a0000,00\u00a0€", "F-1 · 02/09/2026", "payé", "Relance", "Recalculer l'échéancier"):
        assert expected in page, expected


def test_invalid_input_is_kept_with_french_errors_per_field(client, world):
    client.force_login(world.admin_staff)
    url = reverse("contracts:opco_file_update", args=[world.a.contract.pk])

    response = client.post(url, {"complete_file_date": "2026-09-01", "npec_amount": "huit mille", "deposit_number": "D-42"})

    assert response.status_code == 200
    form = response.context["opco_file_form"]
    assert form.errors == {"npec_amount": ["Saisissez un montant en euros, par exemple 8000,00."]}
    html = response.content.decode()
    assert 'value="huit mille"' in html and 'value="D-42"' in html
    # Once the amount is valid, the service's rule on the complete date comes back on its field.
    response = client.post(url, {"complete_file_date": "2026-09-01", "npec_amount": "8000", "deposit_number": "D-42"})
    assert response.context["opco_file_form"].errors == {
        "complete_file_date": ["Le dossier complet ne peut être reçu qu'après son envoi : indiquez d'abord la date d'envoi."]
    }
    assert OpcoFile.objects.get(contract=world.a.contract).deposit_number == ""


def test_htmx_post_returns_the_refreshed_panel(client, world, advance):
    client.force_login(world.admin_staff)
    url = reverse("contracts:opco_instalment_payment", args=[advance.pk])

    refused = client.post(url, {f"paiement-{advance.pk}-paid_date": "2026-09-30"}, headers={"HX-Request": "true"})

    assert refused.status_code == 200
    assert refused.templates[0].name == "contracts/panels/opco.html"
    assert "Enregistrez d&#x27;abord la facture de ce versement" in refused.content.decode()
    assert OpcoInstalment.objects.get(pk=advance.pk).paid_date is None

    schedule = client.post(reverse("contracts:opco_schedule_generate", args=[world.a.contract.pk]), headers={"HX-Request": "true"})
    assert schedule.status_code == 200
    assert "Renseignez d&#x27;abord le montant NPEC annuel" in schedule.content.decode()


def test_tutor_sees_the_panel_without_the_forms(client, world, advance):
    client.force_login(world.a.tutor)

    response = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk]))

    html = response.content.decode()
    assert "Dossier OPCO" in html and "3\u00a0200,00\u00a0€" in html
    assert reverse("contracts:opco_file_update", args=[world.a.contract.pk]) not in html
    assert response.context["opco_can_edit"] is False


def test_htmx_success_saves_and_answers_with_the_panel_and_its_message(client, world, advance):
    client.force_login(world.admin_staff)
    url = reverse("contracts:opco_instalment_invoice", args=[advance.pk])

    response = client.post(
        url, {f"facture-{advance.pk}-invoice_number": "F-7", f"facture-{advance.pk}-invoiced_date": "2026-11-27"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card mb-4" id="panel-opco">')
    assert "Facture enregistrée." in html and "F-7 · 27/11/2026" in html
    advance.refresh_from_db()
    assert (advance.invoice_number, advance.invoiced_date) == ("F-7", date(2026, 11, 27))


# --- the signed sheets of each instalment's period (issue 19 §3) ---------------------------------------

def test_each_instalment_lists_the_monthly_sheets_of_its_period(client, world, advance, settings, tmp_path):
    """The advance of year 1 covers the contract's first six months: the apprentice's monthly sheets of
    those months (latest version of each) are listed; a month after the period and another apprentice's
    sheet are not."""
    from contracts.choices import DocumentKind
    from contracts.documents import document_store
    from contracts.pdf import instalment_period

    settings.MEDIA_ROOT = tmp_path
    contract = world.a.contract
    period = instalment_period(contract, advance)
    first_month = period.start.replace(day=1)

    def sheet(apprentice, start, end):
        return document_store(content=b"%PDF sheet", filename="f.pdf", kind=DocumentKind.MONTHLY_SIGNIN_SHEET, title="Feuille",
                              apprentice=apprentice, generated=True, period_start=start, period_end=end)

    older = sheet(contract.apprentice, first_month, period.start.replace(day=28))
    newer = sheet(contract.apprentice, first_month, period.start.replace(day=28))
    after = sheet(contract.apprentice, period.end + timedelta(days=1), period.end + timedelta(days=30))
    other = sheet(world.b.apprentice, first_month, period.start.replace(day=28))
    client.force_login(world.admin_staff)
    page = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert f"Période du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y} — feuilles d'émargement :" in page
    link = reverse("contracts:document_download", args=[newer.pk])
    assert link in page
    for absent in (older, after, other):
        assert reverse("contracts:document_download", args=[absent.pk]) not in page
