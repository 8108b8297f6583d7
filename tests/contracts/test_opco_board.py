"""The OPCO board (contracts.opco.opco_board): each tab with the rows that should and should not
appear, what is due and by when, deadlines at their boundaries, and the scope of each role."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.choices import Role
from alternance.planning.services import closure_create
from contracts.choices import ContractStatus, OpcoDecision, RuptureKind
from contracts.opco import opco_board, opco_board_summary
from tests.factories.alternance import AdminStaffFactory, ApprenticeFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory, OpcoInstalmentFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def staff():
    return AdminStaffFactory()


def contract_for(name, *, status=ContractStatus.IN_PROGRESS, start=date(2026, 9, 1), end=date(2028, 8, 31), **extra):
    apprentice = ApprenticeFactory(last_name=name, first_name="Test")
    return ContractFactory(
        apprentice=apprentice, status=status, start_date=start, end_date=end, signature_date=min(start, date(2026, 8, 25)),
        practical_training_start_date=None, training_start_date=start, **extra,
    )


def accepted_file(contract, **extra):
    """A file sent, complete and accepted: nothing due on the decision side."""
    values = {"sent_date": date(2026, 9, 4), "complete_file_date": date(2026, 9, 7), "decision": OpcoDecision.ACCEPTED,
              "decision_date": date(2026, 9, 20), "deposit_number": "075202609000001", **extra}
    return OpcoFileFactory(contract=contract, **values)


def board(user, today, tab):
    return [(r.contract.apprentice.last_name, r.what, r.deadline, r.days) for r in opco_board(user, today=today, filter=tab)]


# --- to send -------------------------------------------------------------------------------------

@pytest.fixture
def sending_cases():
    contract_for("Tardif", status=ContractStatus.SIGNED, start=date(2026, 11, 6))  # Friday, before the 11 Nov holiday
    contract_for("Recent", status=ContractStatus.SIGNED, start=date(2026, 11, 9))
    no_sent_date = contract_for("Sansdate", status=ContractStatus.SIGNED, start=date(2026, 11, 9))
    OpcoFileFactory(contract=no_sent_date, sent_date=None)
    accepted_file(contract_for("Envoye", status=ContractStatus.SENT_TO_OPCO, start=date(2026, 11, 6)), decision=OpcoDecision.PENDING,
                  decision_date=None, complete_file_date=None, sent_date=date(2026, 11, 10))
    contract_for("Brouillon", status=ContractStatus.DRAFT, start=date(2026, 11, 6))
    contract_for("Attente", status=ContractStatus.AWAITING_SIGNATURES, start=date(2026, 11, 6))


def test_to_send_lists_signed_contracts_without_a_sent_date_with_their_deadline(staff, sending_cases):
    assert board(staff, date(2026, 11, 13), "to_send") == [
        ("Tardif", "Envoyer le dossier complet à l'OPCO", date(2026, 11, 13), 0),
        ("Recent", "Envoyer le dossier complet à l'OPCO", date(2026, 11, 16), -3),
        ("Sansdate", "Envoyer le dossier complet à l'OPCO", date(2026, 11, 16), -3),
    ]


def test_sending_is_late_from_the_sixth_jour_ouvrable(staff, sending_cases):
    # Start Friday 6 Nov 2026: 5 jours ouvrables skip Sunday 8 and Wednesday 11 (Armistice) → Friday 13.
    assert [name for name, *_ in board(staff, date(2026, 11, 13), "late")] == []
    assert board(staff, date(2026, 11, 14), "late") == [("Tardif", "Envoyer le dossier complet à l'OPCO", date(2026, 11, 13), 1)]


# --- awaiting decision ---------------------------------------------------------------------------

@pytest.fixture
def decision_cases():
    pending = {"decision": OpcoDecision.PENDING, "decision_date": None, "sent_date": date(2026, 10, 28)}
    accepted_file(contract_for("Complet", status=ContractStatus.SENT_TO_OPCO), complete_file_date=date(2026, 11, 2), **pending)
    accepted_file(contract_for("Incomplet", status=ContractStatus.SENT_TO_OPCO), complete_file_date=None, **pending)
    accepted_file(contract_for("Accepte"))
    OpcoFileFactory(contract=contract_for("Nonenvoye", status=ContractStatus.SIGNED), sent_date=None)


def test_awaiting_decision_lists_pending_files_with_their_20_day_deadline(staff, decision_cases):
    rows = opco_board(staff, today=date(2026, 11, 22), filter="awaiting_decision")

    assert [(r.contract.apprentice.last_name, r.what, r.deadline, r.days, r.deadline_note) for r in rows] == [
        ("Complet", "Décision de l'OPCO attendue", date(2026, 11, 22), 0, ""),
        ("Incomplet", "Dossier incomplet : obtenir de l'OPCO l'accusé de dossier complet", None, None, "dossier incomplet"),
    ]


def test_no_decision_is_late_from_day_21(staff, decision_cases):
    late_names = lambda today: [name for name, *_ in board(staff, today, "late") if name != "Nonenvoye"]  # noqa: E731

    assert late_names(date(2026, 11, 22)) == []
    assert late_names(date(2026, 11, 23)) == ["Complet"]


# --- instalments ---------------------------------------------------------------------------------

@pytest.fixture
def instalment_cases():
    first = accepted_file(contract_for("Premier"))
    OpcoInstalmentFactory(opco_file=first, kind="advance", amount=D("3200.00"), due_date=date(2026, 9, 1),
                          invoiced_date=date(2026, 9, 2), invoice_number="F-1", paid_date=date(2026, 9, 28))
    OpcoInstalmentFactory(opco_file=first, kind="month_7", amount=D("2400.00"), due_date=date(2027, 3, 1))
    OpcoInstalmentFactory(opco_file=first, kind="month_10", amount=D("1600.00"), due_date=date(2027, 6, 1))
    second = accepted_file(contract_for("Second"))
    OpcoInstalmentFactory(opco_file=second, kind="advance", amount=D("3000.00"), due_date=date(2026, 9, 1))
    unpaid = accepted_file(contract_for("Impaye"))
    OpcoInstalmentFactory(opco_file=unpaid, kind="advance", amount=D("3100.00"), due_date=date(2026, 9, 1),
                          invoiced_date=date(2027, 1, 1), invoice_number="F-10")
    OpcoInstalmentFactory(opco_file=unpaid, kind="month_7", amount=D("2325.00"), due_date=date(2027, 3, 1),
                          invoiced_date=date(2027, 3, 1), invoice_number="F-11")


def test_instalment_due_lists_due_instalments_not_invoiced(staff, instalment_cases):
    rows = opco_board(staff, today=date(2027, 3, 1), filter="instalment_due")

    assert [(r.contract.apprentice.last_name, r.what, r.amount, r.deadline, r.days) for r in rows] == [
        ("Second", "Facturer à l'OPCO : Avance, année 1", D("3000.00"), date(2026, 9, 1), 181),
        ("Premier", "Facturer à l'OPCO : Versement du 7e mois, année 1", D("2400.00"), date(2027, 3, 1), 0),
    ]


def test_unpaid_lists_invoiced_instalments_with_their_30_day_payment_deadline(staff, instalment_cases):
    rows = opco_board(staff, today=date(2027, 3, 1), filter="unpaid")

    assert [(r.contract.apprentice.last_name, r.what, r.deadline, r.days) for r in rows] == [
        ("Impaye", "Paiement attendu de l'OPCO : Avance, année 1 (facture F-10)", date(2027, 1, 31), 29),
        ("Impaye", "Paiement attendu de l'OPCO : Versement du 7e mois, année 1 (facture F-11)", date(2027, 3, 31), -30),
    ]


def test_late_lists_instalments_past_due_and_invoices_unpaid_after_30_days(staff, instalment_cases):
    assert board(staff, date(2027, 3, 1), "late") == [
        ("Second", "Facturer à l'OPCO : Avance, année 1", date(2026, 9, 1), 181),
        ("Impaye", "Paiement attendu de l'OPCO : Avance, année 1 (facture F-10)", date(2027, 1, 31), 29),
    ]


# --- balance at risk -----------------------------------------------------------------------------

@pytest.fixture
def balance_cases():
    at_risk = accepted_file(contract_for("Risque"))  # ends 31 Aug 2028 → limit 31 Dec 2028
    OpcoInstalmentFactory(opco_file=at_risk, contract_year=1, kind="balance", amount=D("800.00"), due_date=date(2027, 8, 31),
                          invoiced_date=date(2027, 9, 1), invoice_number="S-1", paid_date=date(2027, 9, 20))
    OpcoInstalmentFactory(opco_file=at_risk, contract_year=2, kind="balance", amount=D("802.19"), due_date=date(2028, 8, 31))
    claimed = accepted_file(contract_for("Reclame"))
    OpcoInstalmentFactory(opco_file=claimed, contract_year=2, kind="balance", amount=D("802.19"), due_date=date(2028, 8, 31),
                          invoiced_date=date(2028, 9, 5), invoice_number="S-2", paid_date=date(2028, 9, 30))
    old_rule = accepted_file(contract_for("Ancien", start=date(2024, 9, 2), end=date(2026, 8, 31)))  # no claim limit
    OpcoInstalmentFactory(opco_file=old_rule, contract_year=2, kind="balance", amount=D("2400.00"), due_date=date(2026, 6, 2))


@pytest.mark.parametrize(("today", "expected"), [(date(2028, 11, 30), []), (date(2028, 12, 1), [-30]), (date(2029, 1, 1), [1])])
def test_balance_at_risk_from_30_days_before_the_claim_limit(staff, balance_cases, today, expected):
    rows = opco_board(staff, today=today, filter="balance_at_risk")

    assert [r.days for r in rows] == expected
    assert all((r.contract.apprentice.last_name, r.deadline, r.amount) == ("Risque", date(2028, 12, 31), D("802.19")) for r in rows)
    late = [(r.contract.apprentice.last_name, r.category) for r in opco_board(staff, today=today, filter="late")]
    # At risk, the last balance shows once in "late" (not also as an instalment due).
    assert [c for c in late if c[0] == "Risque"] == ([("Risque", "balance_at_risk")] if expected else [("Risque", "instalment_due")])


# --- employer participation ----------------------------------------------------------------------

@pytest.fixture
def participation_cases():
    # Cohorts CCEEE from Tuesday 1 September 2026 (Wed–Fri in the company, 11 Nov off): the 45th
    # company day from the 1st is Wednesday 16 December — the participation is due from the 17th.
    accepted_file(contract_for("Licence"), employer_participation_amount=D("750.00"))
    # Its cohort's centre closed 26–30 October: Mon 26 and Tue 27 are company days, the 45th comes
    # two company days earlier (Thursday 10 December), due from Friday 11 December.
    closed = contract_for("Fermeture")
    closure_create(label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30), cohort=closed.apprentice.cohort)
    accepted_file(closed, employer_participation_amount=D("750.00"))
    # Broken on Friday 2 October, within its 45 company days: the reduced amount is due from the 3rd.
    accepted_file(contract_for("Rompu", status=ContractStatus.BROKEN, rupture_date=date(2026, 10, 2), rupture_kind=RuptureKind.FREE_PERIOD), employer_participation_amount=D("350.68"))
    accepted_file(contract_for("Facturee"), employer_participation_amount=D("750.00"), employer_participation_invoiced_date=date(2026, 12, 17))
    accepted_file(contract_for("Bts"))


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 10, 2), []),
    (date(2026, 10, 3), [("Rompu", date(2026, 10, 3), 0)]),
    (date(2026, 12, 10), [("Rompu", date(2026, 10, 3), 68)]),
    (date(2026, 12, 11), [("Rompu", date(2026, 10, 3), 69), ("Fermeture", date(2026, 12, 11), 0)]),
    (date(2026, 12, 16), [("Rompu", date(2026, 10, 3), 74), ("Fermeture", date(2026, 12, 11), 5)]),
    (date(2026, 12, 17), [("Rompu", date(2026, 10, 3), 75), ("Fermeture", date(2026, 12, 11), 6), ("Licence", date(2026, 12, 17), 0)]),
])
def test_employer_participation_is_listed_once_the_45_company_days_are_over_until_invoiced(staff, participation_cases, today, expected):
    rows = board(staff, today, "employer_participation")

    assert [(name, deadline, days) for name, _what, deadline, days in rows] == expected
    assert {what for _name, what, _deadline, _days in rows} <= {"Facturer la participation employeur à l'employeur"}


def test_participation_rows_cost_the_same_queries_whatever_their_number(staff):
    def add(names):
        for name in names:
            contract = contract_for(name)
            closure_create(label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30), cohort=contract.apprentice.cohort)
            accepted_file(contract, employer_participation_amount=D("750.00"))

    def summary():
        with CaptureQueriesContext(connection) as queries:
            rows = opco_board_summary(staff, today=date(2026, 12, 17))["employer_participation"]
        return len(rows), len(queries)

    add(["Un"])
    one = summary()
    add(["Deux", "Trois", "Quatre"])
    four = summary()

    assert (one[0], four[0]) == (1, 4)
    assert four[1] == one[1], (one, four)


# --- scope ---------------------------------------------------------------------------------------

def test_tutor_sees_only_its_cohorts_files_and_extranet_users_nothing(staff):
    world = make_world()  # two sides, each with a file sent on 4 Sept 2026, no complete file yet
    today = date(2026, 11, 28)

    names = lambda user: [r.contract.apprentice.full_name for r in opco_board(user, today=today, filter="awaiting_decision")]  # noqa: E731
    assert names(world.coordinator) == ["Bruno Durand", "Alice Martin"]  # same deadline: by last name
    assert names(world.a.tutor) == ["Alice Martin"]
    assert names(world.b.tutor) == ["Bruno Durand"]
    for role in (Role.APPRENTICE, Role.EMPLOYER):
        assert all(rows == [] for rows in opco_board_summary(world.user(role), today=today).values())


def test_the_late_tab_narrows_to_one_stage_and_other_tabs_ignore_the_stage(client, staff, decision_cases, time_machine):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.urls import reverse

    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
    client.force_login(staff)
    url = reverse("contracts:opco_board")

    late_decisions = client.get(url, {"filter": "late", "etape": "awaiting_decision"})
    late_sending = client.get(url, {"filter": "late", "etape": "to_send"})
    all_late = client.get(url, {"filter": "late"})
    other_tab = client.get(url, {"filter": "awaiting_decision", "etape": "to_send"})

    names = lambda response: [r.contract.apprentice.last_name for r in response.context["rows"]]  # noqa: E731
    assert names(late_decisions) == ["Complet"]
    assert all(r.category == "awaiting_decision" for r in late_decisions.context["rows"])
    assert names(late_sending) == [n for n in names(all_late) if n != "Complet"]
    assert sorted(names(all_late)) == sorted(names(late_decisions) + names(late_sending))
    assert names(other_tab) == ["Complet", "Incomplet"]
    assert "étape « Décision attendue » seulement" in late_decisions.text


def test_an_unpaid_invoice_without_number_says_its_date_not_an_empty_number(staff):
    file = accepted_file(contract_for("Sansnumero"))
    OpcoInstalmentFactory(opco_file=file, kind="advance", amount=D("3000.00"), due_date=date(2026, 9, 1),
                          invoiced_date=date(2026, 9, 2), invoice_number="")

    rows = opco_board(staff, today=date(2026, 11, 22), filter="unpaid")

    assert [r.what for r in rows] == ["Paiement attendu de l'OPCO : Avance, année 1 (facturé le 02/09/2026)"]


def test_the_badges_and_the_late_figures_are_one_grouped_count_of_the_kept_lines(db):
    """The dashboard's and the weekly meeting's late figures and the board's badges come from one
    count of the kept lines (``OpcoBoardItem``), never from the contracts, files or instalments."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alternance.choices import Role
    from contracts import opco
    from tests.factories.alternance import UserFactory

    user = UserFactory(role=Role.COORDINATOR)
    board = opco.Board(user, today=date(2026, 12, 7))
    with CaptureQueriesContext(connection) as queries:
        board.late_counts()
        board.tab_counts()

    assert len(queries) == 1
    assert '"contracts_opcoboarditem"' in queries[0]["sql"] and "GROUP BY" in queries[0]["sql"]
    assert not any(table in queries[0]["sql"] for table in ('"contracts_opcofile"', '"contracts_opcoinstalment"', '"contracts_contract"'))
