"""The OPCO board's rows (contracts.opco.Board.rows, opco_board) at their limits: a row is alarming
from the day after its deadline — sending 5 jours ouvrables after the start (D6224-1,
ContractSettings.opco_sending_*), decision 20 days after the complete file (D6224-2,
ContractSettings.opco_decision_*); a public employer's contract is deposited with the DDETS; a row
names its file's OPCO; a page of rows costs two queries whatever its length."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.models import Apprentice
from companies.models import Company
from contracts import opco
from contracts.choices import ContractStatus, OpcoDecision, RuptureKind
from contracts.models import Contract, OpcoFile
from contracts.opco import Board, BoardFilter, BoardList
from tests.factories.alternance import AdminStaffFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db
SENDING_LIMIT = date(2026, 9, 7)  # start Tue 1 Sept 2026 + 5 jours ouvrables (Sunday 6 skipped)
DECISION_LIMIT = date(2026, 9, 30)  # complete on 10 Sept + 20 days


@pytest.fixture
def staff():
    return AdminStaffFactory()


def summary(rows):
    return [(r.category, r.contract.pk, r.what, r.deadline, r.alarming) for r in rows]


@pytest.mark.parametrize(("today", "alarming"), [
    pytest.param(date(2026, 9, 6), False, id="sending-limit-1"),
    pytest.param(SENDING_LIMIT, False, id="sending-limit"),
    pytest.param(date(2026, 9, 8), True, id="sending-limit+1"),
])
def test_a_contract_to_send_is_alarming_after_its_sending_limit(staff, contract, today, alarming):
    rows = opco.opco_board(staff, today=today, filter=BoardFilter.TO_SEND)

    assert summary(rows) == [("to_send", contract.pk, "Envoyer le dossier complet à l'OPCO", SENDING_LIMIT, alarming)]


def test_a_public_employers_contract_is_deposited_with_the_ddets(staff, contract):
    Company.objects.filter(pk=contract.company_id).update(is_public=True, employer_type="22")

    rows = opco.opco_board(staff, today=date(2026, 9, 8), filter=BoardFilter.TO_SEND)

    assert summary(rows) == [("to_send", contract.pk, "Déposer le contrat auprès de la DDETS (employeur public)", SENDING_LIMIT, True)]


@pytest.mark.parametrize(("today", "alarming"), [
    pytest.param(DECISION_LIMIT, False, id="decision-limit"),
    pytest.param(date(2026, 10, 1), True, id="decision-limit+1"),
])
def test_a_pending_decision_is_alarming_after_its_limit_and_names_the_files_opco(staff, contract, today, alarming):
    Company.objects.filter(pk=contract.company_id).update(opco="OPCO EP")
    opco_file = OpcoFileFactory(contract=contract, opco="Atlas", sent_date=date(2026, 9, 4), complete_file_date=date(2026, 9, 10),
                                decision=OpcoDecision.PENDING)

    rows = opco.opco_board(staff, today=today, filter=BoardFilter.AWAITING_DECISION)

    assert summary(rows) == [("awaiting_decision", contract.pk, "Décision de l'OPCO attendue", DECISION_LIMIT, alarming)]
    assert (rows[0].opco_file.pk, rows[0].opco) == (opco_file.pk, "Atlas")


def test_a_page_of_rows_costs_two_queries_whatever_its_length(staff, contract):
    for _ in range(2):
        ContractFactory()
    board = Board(staff, today=date(2026, 9, 8))
    items = list(board.tab(BoardFilter.TO_SEND))
    assert len(items) == 3

    for page in (items[:1], items):
        with CaptureQueriesContext(connection) as queries:
            shown = [(r.contract.apprentice.last_name, r.contract.company.name, r.opco) for r in board.rows(page)]
        assert len(shown) == len(page)
        assert len(queries) == 1  # the contracts with their apprentice, company and file; no instalment


def test_an_unknown_tab_is_refused_by_its_name(staff):
    with pytest.raises(KeyError) as error:
        opco.opco_board(staff, today=date(2026, 9, 8), filter="nope")

    assert error.value.args == ("nope",)


# --- the rows of a file's instalments and participation ----------------------------------------

def instalment_summary(rows):
    return [
        (r.category, r.what, r.deadline, r.instalment and r.instalment.pk, r.instalment and r.instalment.opco_file.pk, r.amount, r.alarming)
        for r in rows
    ]


@pytest.fixture
def accepted(contract):
    return OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), complete_file_date=date(2026, 9, 10),
                           decision=OpcoDecision.ACCEPTED, decision_date=date(2026, 9, 20), npec_amount=Decimal("8000.00"))


@pytest.mark.parametrize(("today", "alarming"), [
    pytest.param(date(2026, 10, 2), False, id="due-day-and-payment-limit-30-days"),
    pytest.param(date(2026, 10, 3), True, id="the-day-after"),
])
def test_instalment_rows_to_invoice_and_unpaid_are_alarming_the_day_after_their_deadline(staff, accepted, today, alarming):
    # Due on 2 Oct, not invoiced; invoiced on 2 Sept, paid within opco.PAYMENT_DAYS (30) → 2 Oct.
    due = OpcoInstalmentFactory(opco_file=accepted, kind="month_7", amount=Decimal("2400.00"), due_date=date(2026, 10, 2))
    unpaid = OpcoInstalmentFactory(opco_file=accepted, kind="advance", amount=Decimal("3200.00"), due_date=date(2026, 9, 1),
                                   invoiced_date=date(2026, 9, 2), invoice_number="F-1")

    assert instalment_summary(opco.opco_board(staff, today=today, filter=BoardFilter.INSTALMENT_DUE)) == [
        ("instalment_due", "Facturer à l'OPCO : Versement du 7e mois, année 1", date(2026, 10, 2), due.pk, accepted.pk,
         Decimal("2400.00"), alarming),
    ]
    assert instalment_summary(opco.opco_board(staff, today=today, filter=BoardFilter.UNPAID)) == [
        ("unpaid", "Paiement attendu de l'OPCO : Avance, année 1 (facture F-1)", date(2026, 10, 2), unpaid.pk, accepted.pk,
         Decimal("3200.00"), alarming),
    ]


def test_the_balance_at_risk_row_and_the_participation_row(staff, contract, accepted):
    # Broken on 2 Oct 2026 within its free period: the last balance is claimed by 2 Feb 2027
    # (FundingRule.balance_claim_months, 4), at risk from 3 Jan (BALANCE_WARNING_DAYS, 30); the
    # participation may be invoiced from 3 Oct (R6332-25-2).
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.BROKEN, rupture_date=date(2026, 10, 2),
                                                   rupture_kind=RuptureKind.FREE_PERIOD)
    OpcoFile.objects.filter(pk=accepted.pk).update(employer_participation_amount=Decimal("350.68"))
    balance = OpcoInstalmentFactory(opco_file=accepted, kind="balance", amount=Decimal("87.67"), due_date=date(2026, 10, 2))
    today = date(2027, 1, 3)

    assert instalment_summary(opco.opco_board(staff, today=today, filter=BoardFilter.BALANCE_AT_RISK)) == [
        ("balance_at_risk", "Réclamer le solde de la dernière année (facture et certificat de réalisation) avant qu'il soit perdu",
         date(2027, 2, 2), balance.pk, accepted.pk, Decimal("87.67"), True),
    ]
    assert instalment_summary(opco.opco_board(staff, today=today, filter=BoardFilter.EMPLOYER_PARTICIPATION)) == [
        ("employer_participation", "Facturer la participation employeur à l'employeur", date(2026, 10, 3), None, None,
         Decimal("350.68"), False),
    ]
    # Never alarming: the participation has no place in the "late" tab, even asked by its stage.
    board = Board(staff, today=today)
    assert [i["stage"] for i in board.tab(BoardFilter.LATE)] == ["balance_at_risk"]
    assert list(board.tab(BoardFilter.LATE, stage=BoardFilter.EMPLOYER_PARTICIPATION)) == []
    assert len(BoardList(board, BoardFilter.LATE, stage=BoardFilter.EMPLOYER_PARTICIPATION)) == 0


def test_a_board_list_gives_each_row_by_index_as_its_slice_does(staff, contract):
    for _ in range(2):
        ContractFactory()
    board_list = BoardList(Board(staff, today=date(2026, 9, 8)), BoardFilter.TO_SEND)

    by_slice = [r.contract.pk for r in board_list[0:3]]

    assert [board_list[i].contract.pk for i in range(3)] == by_slice
    assert sorted(by_slice) == sorted([contract.pk, *Contract.objects.exclude(pk=contract.pk).values_list("pk", flat=True)])
    assert (len(board_list), board_list.count()) == (3, 3)


def test_the_items_without_a_deadline_are_keyed_to_sort_last(staff, contract):
    # An incomplete file has no decision deadline: its kept sort date (date.max) puts it after the
    # dated items in SQL on every database, whatever its apprentice's name.
    complete = OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), complete_file_date=date(2026, 9, 10))
    incomplete = OpcoFileFactory(contract=ContractFactory(apprentice__last_name="Aaron"), sent_date=date(2026, 9, 4))

    items = Board(staff, today=date(2026, 9, 8)).tab(BoardFilter.AWAITING_DECISION)

    assert [(i["contract_id"], i["deadline"], i["instalment_id"]) for i in items] == [
        (complete.contract_id, DECISION_LIMIT, None),
        (incomplete.contract_id, None, None),
    ]


def test_the_instalments_of_one_contract_due_the_same_day_are_in_due_date_order(staff, accepted):
    # Both invoiced on 2 Sept (payment deadline 2 Oct, opco.PAYMENT_DAYS): the 7th month, recorded
    # first, comes after the advance, due before it — the board's order within one contract.
    month_7 = OpcoInstalmentFactory(opco_file=accepted, kind="month_7", amount=Decimal("2400.00"), due_date=date(2027, 3, 1),
                                    invoiced_date=date(2026, 9, 2), invoice_number="F-2")
    advance = OpcoInstalmentFactory(opco_file=accepted, kind="advance", amount=Decimal("3200.00"), due_date=date(2026, 9, 1),
                                    invoiced_date=date(2026, 9, 2), invoice_number="F-1")

    rows = opco.opco_board(staff, today=date(2026, 10, 3), filter=BoardFilter.UNPAID)

    assert [(r.instalment.pk, r.deadline) for r in rows] == [(advance.pk, date(2026, 10, 2)), (month_7.pk, date(2026, 10, 2))]


def test_unpaid_items_carry_their_payment_deadline_30_days_after_the_invoice_and_sort_by_it(staff, contract, accepted):
    # opco.PAYMENT_DAYS (30): invoiced 2 Sept → 2 Oct; invoiced 12 Sept → 12 Oct, whatever the names.
    apprentice = Apprentice.objects.get(pk=contract.apprentice_id)
    apprentice.last_name = "Zola"
    apprentice.save()
    OpcoInstalmentFactory(opco_file=accepted, invoiced_date=date(2026, 9, 2), invoice_number="F-1")
    other = OpcoFileFactory(contract=ContractFactory(apprentice__last_name="Aaron"), sent_date=date(2026, 9, 4))
    OpcoInstalmentFactory(opco_file=other, invoiced_date=date(2026, 9, 12), invoice_number="F-2")

    items = Board(staff, today=date(2026, 10, 3)).tab(BoardFilter.UNPAID)

    assert [(i["contract_id"], i["deadline"]) for i in items] == [
        (contract.pk, date(2026, 10, 2)), (other.contract_id, date(2026, 10, 12)),
    ]


def test_an_unknown_stage_is_refused_by_its_name(staff):
    with pytest.raises(KeyError) as error:
        Board(staff, today=date(2026, 9, 8)).stage("nope")

    assert error.value.args == ("nope",)


def test_the_late_items_of_one_contract_on_one_deadline_are_keyed_in_the_files_order(staff, contract):
    # Start 1 Sept 2026: to send by 7 Sept (D6224-1); the advance falls due on 7 Sept too, and a
    # 7th month invoiced on 8 Aug is paid by 7 Sept (opco.PAYMENT_DAYS). On 8 Sept all three are
    # late on one deadline: the sending first, then the instalments by year and due date.
    opco_file = OpcoFileFactory(contract=contract, sent_date=None, npec_amount=Decimal("8000.00"))
    advance = OpcoInstalmentFactory(opco_file=opco_file, kind="advance", due_date=SENDING_LIMIT)
    month_7 = OpcoInstalmentFactory(opco_file=opco_file, kind="month_7", amount=Decimal("2400.00"), due_date=date(2027, 3, 1),
                                    invoiced_date=date(2026, 8, 8), invoice_number="F-7")
    OpcoInstalmentFactory(opco_file=opco_file, kind="month_10", amount=Decimal("1600.00"), due_date=date(2027, 6, 1))  # not due yet
    board = Board(staff, today=date(2026, 9, 8))

    items = board.tab(BoardFilter.LATE)

    assert [(i["stage"], i["deadline"], i["instalment_id"]) for i in items] == [
        ("to_send", SENDING_LIMIT, None),
        ("instalment_due", SENDING_LIMIT, advance.pk),
        ("unpaid", SENDING_LIMIT, month_7.pk),
    ]
    assert board.tab_counts() == {"late": 3, "to_send": 1, "awaiting_decision": 0, "instalment_due": 1, "unpaid": 1,
                                  "balance_at_risk": 0, "employer_participation": 0}


def test_the_late_badge_counts_only_the_late_items(staff, contract):
    # On the sending limit (7 Sept) the contract is to send, not late yet; on the 8th it is.
    assert Board(staff, today=SENDING_LIMIT).tab_counts()["late"] == 0
    assert Board(staff, today=date(2026, 9, 8)).tab_counts()["late"] == 1


def test_a_public_employers_instalments_are_not_on_the_board(staff, contract):
    # A DDETS deposit has no OPCO instalments: even one recorded stays off every instalment tab.
    Company.objects.filter(pk=contract.company_id).update(is_public=True, employer_type="22")
    OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contract), due_date=date(2026, 9, 1))
    board = Board(staff, today=date(2026, 9, 8))

    assert [(name, list(board.tab(name))) for name in (BoardFilter.INSTALMENT_DUE, BoardFilter.UNPAID)] == [
        (BoardFilter.INSTALMENT_DUE, []), (BoardFilter.UNPAID, []),
    ]


def test_board_tab_refuses_an_unknown_tab_by_its_name(staff):
    with pytest.raises(KeyError) as error:
        Board(staff, today=date(2026, 9, 8)).tab("nope")

    assert error.value.args == ("nope",)


def test_the_counts_are_computed_once_per_board(staff, contract):
    # Every tab's badge (BoardList) asks for the counts: one set of COUNT queries per board.
    board = Board(staff, today=date(2026, 9, 8))
    counts = board.tab_counts()

    with CaptureQueriesContext(connection) as queries:
        assert (board.tab_counts(), board.late_counts()) == (counts, {"to_send": 1})
    assert len(queries) == 0
