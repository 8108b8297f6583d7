"""The OPCO board at scale (issue 18 §2): each tab's badge equals the rows its list shows across its
pages, the dashboard's late figures are the same counts, and a page of any tab costs the same
queries with 3 and with 30 files of each kind."""

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.choices import ContractStatus, InstalmentKind, OpcoDecision, RuptureKind
from contracts.opco import BOARD_FILTERS, LATE_STAGES, Board, BoardFilter, opco_late_counts
from contracts.views.opco import OpcoBoardView
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory, OpcoInstalmentFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db
BOARD = reverse("contracts:opco_board")
TODAY = date(2026, 12, 21)
D = Decimal


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 12, 21, 10, 0, tzinfo=PARIS), tick=False)


def contract(name, cohort, *, status=ContractStatus.IN_PROGRESS, start=date(2026, 9, 1), end=date(2028, 8, 31), **extra):
    apprentice = ApprenticeFactory(last_name=name, first_name="Test", cohort=cohort)
    return ContractFactory(
        apprentice=apprentice, status=status, start_date=start, end_date=end, signature_date=min(start, date(2026, 8, 25)),
        practical_training_start_date=None, training_start_date=start, **extra,
    )


def sent_file(contract, **extra):
    values = {"sent_date": date(2026, 9, 4), "complete_file_date": date(2026, 9, 7), "decision": OpcoDecision.ACCEPTED,
              "decision_date": date(2026, 9, 20), "deposit_number": "075202609000001", **extra}
    return OpcoFileFactory(contract=contract, **values)


def items_at_every_stage(cohort, n: int, *, company=None) -> None:
    """Per unit: a late item and one not late (when the stage has both) at every stage of the board."""
    extra = {"company": company} if company else {}
    for i in range(n):
        contract(f"Envoi{i}", cohort, status=ContractStatus.SIGNED, start=date(2026, 11, 2), **extra)  # sending late
        contract(f"Recent{i}", cohort, status=ContractStatus.SIGNED, start=date(2026, 12, 18), **extra)  # due on 24 Dec
        pending = {"decision": OpcoDecision.PENDING, "decision_date": None, "sent_date": date(2026, 10, 20)}
        sent_file(contract(f"Decision{i}", cohort, status=ContractStatus.SENT_TO_OPCO, **extra), complete_file_date=date(2026, 10, 20), **pending)
        sent_file(contract(f"Incomplet{i}", cohort, status=ContractStatus.SENT_TO_OPCO, **extra), complete_file_date=None, **pending)
        # Ended 31 Aug 2026 under the July 2025 rule: its last balance is lost after 31 Dec 2026 (at risk
        # from 1 Dec); its advance was invoiced long ago and is unpaid, its 7th month recently.
        ended = sent_file(contract(f"Solde{i}", cohort, start=date(2025, 9, 1), end=date(2026, 8, 31), **extra))
        OpcoInstalmentFactory(opco_file=ended, contract_year=1, kind=InstalmentKind.ADVANCE, amount=D("3000.00"),
                              due_date=date(2025, 9, 1), invoiced_date=date(2026, 10, 1), invoice_number=f"F-{i}")
        OpcoInstalmentFactory(opco_file=ended, contract_year=1, kind=InstalmentKind.MONTH_7, amount=D("2000.00"),
                              due_date=date(2026, 3, 1), invoiced_date=date(2026, 12, 1), invoice_number=f"G-{i}")
        OpcoInstalmentFactory(opco_file=ended, contract_year=1, kind=InstalmentKind.BALANCE, amount=D("800.00"), due_date=date(2026, 8, 31))
        # Broken within its free period on 2 Oct: the participation is due from the 3rd; its advance
        # was due on 1 Sept (late), its 7th month falls today (due, not late yet).
        broken = sent_file(contract(f"Participation{i}", cohort, status=ContractStatus.BROKEN, rupture_date=date(2026, 10, 2),
                                    rupture_kind=RuptureKind.FREE_PERIOD, **extra), employer_participation_amount=D("350.68"))
        OpcoInstalmentFactory(opco_file=broken, contract_year=1, kind=InstalmentKind.ADVANCE, amount=D("1000.00"), due_date=date(2026, 9, 1))
        OpcoInstalmentFactory(opco_file=broken, contract_year=1, kind=InstalmentKind.MONTH_7, amount=D("700.00"), due_date=TODAY)


@pytest.fixture
def world():
    world = make_world()
    items_at_every_stage(world.a.cohort, 2)
    items_at_every_stage(world.b.cohort, 1)  # outside side A's tutor's scope
    public = CompanyFactory(name="Mairie de Lyon", is_public=True, employer_type="22")
    items_at_every_stage(world.a.cohort, 1, company=public)  # a DDETS deposit: only « à envoyer »
    return world


def listed(client, **params) -> tuple[int, list[tuple]]:
    """The tab's badge and every row listed across its pages (category, contract, instalment)."""
    first = client.get(BOARD, params)
    badge = {tab["key"]: tab["count"] for tab in first.context["tabs"]}[params["filter"]]
    rows, page = [], first
    while True:
        rows += [(r.category, r.contract.pk, r.instalment.pk if r.instalment else None) for r in page.context["rows"]]
        if not page.context["page_obj"].has_next():
            return badge, rows
        page = client.get(BOARD, {**params, "page": page.context["page_obj"].next_page_number()})


@pytest.mark.parametrize("who", ["admin_staff", "tutor_a"])
def test_each_tabs_badge_is_the_number_of_rows_its_pages_list(client, world, who, monkeypatch):
    monkeypatch.setattr(OpcoBoardView, "paginate_by", 4)  # several pages with a few rows
    user = world.admin_staff if who == "admin_staff" else world.a.tutor
    client.force_login(user)
    late_counts = opco_late_counts(user, today=TODAY)

    for tab in BOARD_FILTERS:
        badge, rows = listed(client, filter=tab)
        assert badge == len(rows) == len(set(rows)), tab
        assert badge > 0, tab
    badge, late_rows = listed(client, filter=BoardFilter.LATE)
    assert dict(Counter(category for category, *_ in late_rows)) == late_counts
    assert set(late_counts) == set(LATE_STAGES)  # late items at every stage
    for stage in LATE_STAGES:
        _badge, rows = listed(client, filter=BoardFilter.LATE, etape=stage)
        assert rows == [row for row in late_rows if row[0] == stage]


def test_the_counts_follow_the_scope_and_leave_out_a_public_employers_opco_stages(world):
    # Per unit: 2 to send (one late), 2 awaiting a decision (one late), 3 instalments due (2 late, one
    # of them at risk), 2 unpaid (one late), 1 balance at risk, 1 participation.
    per_unit = {"to_send": 2, "awaiting_decision": 2, "instalment_due": 3, "unpaid": 2, "balance_at_risk": 1, "employer_participation": 1}
    late_per_unit = {"to_send": 1, "awaiting_decision": 1, "instalment_due": 1, "unpaid": 1, "balance_at_risk": 1}

    def expected(units, public_units):
        counts = {stage: count * units for stage, count in per_unit.items()}
        counts["to_send"] += 2 * public_units  # the DDETS deposits
        late = {stage: count * units for stage, count in late_per_unit.items()}
        late["to_send"] += public_units
        # make_world's two files: sent on 4 Sept, no complete file yet (awaiting a decision, not late).
        counts["awaiting_decision"] += 2 if units == 3 else 1
        return {**counts, "late": sum(late.values())}, late

    staff_counts, staff_late = expected(3, 1)  # sides A (2 units, the public one) and B (1)
    tutor_counts, tutor_late = expected(2, 1)
    assert Board(world.admin_staff, today=TODAY).tab_counts() == staff_counts
    assert opco_late_counts(world.admin_staff, today=TODAY) == staff_late
    assert Board(world.a.tutor, today=TODAY).tab_counts() == tutor_counts
    assert opco_late_counts(world.a.tutor, today=TODAY) == tutor_late


def board_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BOARD, params)
    assert response.status_code == 200
    assert len(response.context["rows"]) > 0
    return len(queries)


def test_a_board_page_costs_the_same_queries_with_3_and_30_files_of_each_kind(client):
    world = make_world()
    client.force_login(world.admin_staff)
    pages = [{"filter": tab} for tab in BOARD_FILTERS] + [{"filter": "late", "etape": stage} for stage in LATE_STAGES]
    items_at_every_stage(world.a.cohort, 3)
    client.get(BOARD)  # the site's settings are cached by the first request
    with_3 = [board_queries(client, **page) for page in pages]

    items_at_every_stage(world.a.cohort, 27)
    with_30 = [board_queries(client, **page) for page in pages]

    assert Board(world.admin_staff, today=TODAY).tab_counts()["to_send"] == 60
    assert with_30 == with_3


@pytest.mark.parametrize("who", ["admin_staff", "tutor_a"])
def test_the_board_reads_its_kept_lines_scoped_through_joins_never_a_set_of_every_file(world, who):
    """At 20 000 apprentices ``opco_file IN (every visible file)`` made PostgreSQL hash all 17 876
    files: the board reads its kept lines only, the tutor's scope through the joins to its cohorts
    (counts above), the office's with no join at all."""
    user = world.admin_staff if who == "admin_staff" else world.a.tutor
    board = Board(user, today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        board.tab_counts()
        items = list(board.tab(BoardFilter.LATE)[:25])

    assert items and len(queries) == 2
    for sql in (q["sql"] for q in queries):
        assert '"contracts_opcoboarditem"' in sql and "IN (SELECT" not in sql
        assert ('"alternance_cohort"' in sql) == (who == "tutor_a")
        assert '"contracts_opcoinstalment"' not in sql and '"contracts_opcofile"' not in sql
