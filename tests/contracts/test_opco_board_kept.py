"""The OPCO board's kept lines (``contracts.opco_board``, ``OpcoBoardItem``; issue 18 §2): every
writer of the rows they read keeps them equal to a recomputation — the saves (signals), the
contract's status compare-and-set, the OPCO services, a rename, the anonymisation, an employer
turned public, the kept 45th company day, the deletions once committed —; the nightly task and the
migration correct what drifted; a batch of writes refreshes once.

Contract of reference: starts Tuesday 1 September 2026, to send by Monday 7 September (5 jours
ouvrables, D6224-1), ends 31 August 2028."""

import importlib
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.apprentices.services import apprentice_update
from alternance.models import Apprentice, TaskIntent
from alternance.privacy.services import apprentice_anonymise
from companies.models import Company
from contracts import opco, opco_board
from contracts.admin import ContractSettingsAdmin, FundingRuleAdmin
from contracts.models import Contract, ContractSettings, FundingRule, OpcoBoardItem, OpcoFile, OpcoInstalment
from contracts.opco_board import FIELDS, BoardRules, Line
from contracts.services import contract_end
from contracts.tasks import refresh_opco_board
from tests.factories.alternance import AdminStaffFactory, CoordinatorFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db

SENDING_LIMIT = date(2026, 9, 7)


def kept() -> set[Line]:
    return {Line(*row) for row in OpcoBoardItem.objects.values_list(*FIELDS)}


def recomputed() -> set[Line]:
    return opco_board.computed_lines(list(Contract.objects.values_list("pk", flat=True)), BoardRules.load())


def stages(contract: Contract) -> list[tuple]:
    return sorted(OpcoBoardItem.objects.filter(contract=contract).values_list("stage", "instalment_id", "deadline"), key=str)


def assert_kept_equals_a_recomputation() -> None:
    assert kept() == recomputed()


def test_a_contract_saved_has_its_line_and_its_status_compare_and_set_removes_it():
    contract = ContractFactory()
    assert stages(contract) == [("to_send", None, SENDING_LIMIT)]

    # The status moves by a compare-and-set (no signal): the service refreshes the lines itself.
    contract_end(contract=contract, by=AdminStaffFactory(), today=date(2028, 9, 1))

    assert Contract.objects.get(pk=contract.pk).status == "ended"
    assert stages(contract) == []
    assert_kept_equals_a_recomputation()


def test_the_opco_services_keep_the_lines_of_a_file_and_its_instalments():
    staff = AdminStaffFactory()
    opco_file = OpcoFileFactory(sent_date=date(2026, 9, 4), complete_file_date=None)
    contract = opco_file.contract
    assert stages(contract) == [("awaiting_decision", None, None)]

    opco.opco_file_update(opco_file=opco_file, by=staff, complete_file_date=date(2026, 9, 10), npec_amount=Decimal("8000.00"),
                          deposit_number="", amendment_number="", today=date(2026, 9, 20))
    assert stages(contract) == [("awaiting_decision", None, date(2026, 9, 30))]

    advance = OpcoInstalmentFactory(opco_file=opco_file, due_date=date(2026, 10, 4))
    assert ("instalment_due", advance.pk, date(2026, 10, 4)) in stages(contract)
    opco.instalment_record_invoice(instalment=advance, invoice_number="F-1", invoiced_date=date(2026, 10, 5), by=staff,
                                   today=date(2026, 10, 5))
    assert ("unpaid", advance.pk, date(2026, 11, 4)) in stages(contract)
    opco.instalment_record_payment(instalment=advance, paid_date=date(2026, 10, 20), paid_amount=None, by=staff, today=date(2026, 10, 20))
    assert [s for s in stages(contract) if s[1] == advance.pk] == []
    assert_kept_equals_a_recomputation()


def test_a_balance_becomes_the_last_years_when_a_later_year_is_deleted_once_committed(django_capture_on_commit_callbacks):
    opco_file = OpcoFileFactory()
    balance_1 = OpcoInstalmentFactory(opco_file=opco_file, contract_year=1, kind="balance", percent=Decimal("10"), due_date=date(2027, 9, 1))
    balance_2 = OpcoInstalmentFactory(opco_file=opco_file, contract_year=2, kind="balance", percent=Decimal("10"), due_date=date(2028, 9, 1))
    at_risk = set(OpcoBoardItem.objects.filter(stage="balance_at_risk").values_list("instalment_id", flat=True))
    assert at_risk == {balance_2.pk}

    with django_capture_on_commit_callbacks(execute=True):
        balance_2.delete()

    assert set(OpcoBoardItem.objects.filter(stage="balance_at_risk").values_list("instalment_id", flat=True)) == {balance_1.pk}
    assert_kept_equals_a_recomputation()


def test_an_instalment_saved_finds_its_contract_through_its_loaded_file_else_by_one_query():
    opco_file = OpcoFileFactory()
    loaded = OpcoInstalmentFactory(opco_file=opco_file, due_date=date(2026, 10, 4))
    with CaptureQueriesContext(connection) as with_file:
        loaded.save()
    alone = OpcoInstalment.objects.get(pk=loaded.pk)  # its file not loaded
    with CaptureQueriesContext(connection) as without_file:
        alone.save()

    reads_the_file = [q for q in with_file.captured_queries if 'FROM "contracts_opcofile"' in q["sql"]]
    assert reads_the_file == []
    assert len(without_file.captured_queries) == len(with_file.captured_queries) + 1
    assert ("instalment_due", loaded.pk, date(2026, 10, 4)) in stages(opco_file.contract)
    assert_kept_equals_a_recomputation()


def test_a_file_deleted_alone_puts_its_contract_back_to_send_and_a_deleted_contract_takes_its_lines(django_capture_on_commit_callbacks):
    kept_contract = OpcoFileFactory(sent_date=date(2026, 9, 4)).contract
    gone = OpcoFileFactory(sent_date=date(2026, 9, 4))
    OpcoInstalmentFactory(opco_file=gone)
    assert stages(kept_contract) == [("awaiting_decision", None, None)]

    with django_capture_on_commit_callbacks(execute=True):
        OpcoFile.objects.get(contract=kept_contract).delete()
        gone.contract.delete()  # its file and instalment go with it, and their lines

    assert stages(kept_contract) == [("to_send", None, SENDING_LIMIT)]
    assert OpcoBoardItem.objects.exclude(contract=kept_contract).count() == 0
    assert_kept_equals_a_recomputation()


def test_a_renamed_apprentice_moves_on_the_board_and_an_anonymised_one_carries_no_name():
    first = ContractFactory(apprentice__last_name="Martin", apprentice__first_name="Léa")
    second = ContractFactory(apprentice__last_name="Zola", apprentice__first_name="Émile")
    board = lambda: [i["contract_id"] for i in opco.Board(AdminStaffFactory(), today=date(2026, 9, 8)).tab("to_send")]  # noqa: E731
    assert board() == [first.pk, second.pk]

    apprentice_update(apprentice=second.apprentice, data={"last_name": "Abel"}, by=CoordinatorFactory(), today=date(2026, 9, 8))
    assert board() == [second.pk, first.pk]

    apprentice_anonymise(apprentice=first.apprentice, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert Apprentice.objects.get(pk=first.apprentice_id).last_name == "Anonyme"
    assert set(OpcoBoardItem.objects.filter(contract=first).values_list("last_name_key", "first_name_key")) == {
        ("Anonyme", f"n° {first.apprentice_id}")
    }
    assert_kept_equals_a_recomputation()


def test_an_employer_turned_public_keeps_only_the_deposit_to_send():
    opco_file = OpcoFileFactory(sent_date=None)
    OpcoInstalmentFactory(opco_file=opco_file, due_date=date(2026, 10, 4))
    company = Company.objects.get(pk=opco_file.contract.company_id)
    assert [s[0] for s in stages(opco_file.contract)] == ["instalment_due", "to_send"]

    company.is_public, company.employer_type = True, "22"
    company.save()

    assert [s[0] for s in stages(opco_file.contract)] == ["to_send"]
    assert_kept_equals_a_recomputation()


def test_a_new_45th_company_day_moves_the_employer_participation():
    # The factory's contract: practical start Thursday 3 September, 45th company day 17 December.
    opco_file = OpcoFileFactory(employer_participation_amount=Decimal("750.00"))
    contract = opco_file.contract
    assert Contract.objects.get(pk=contract.pk).free_period_end == date(2026, 12, 17)
    assert ("employer_participation", None, date(2026, 12, 18)) in stages(contract)

    settings_row = ContractSettings.load()
    settings_row.free_period_company_days = 44
    settings_row.save()
    from alternance.planning import free_period

    assert free_period.refresh_all() == 1

    new_end = Contract.objects.get(pk=contract.pk).free_period_end
    assert new_end < date(2026, 12, 17)
    assert ("employer_participation", None, date.fromordinal(new_end.toordinal() + 1)) in stages(contract)
    assert_kept_equals_a_recomputation()


def test_the_nightly_task_corrects_every_drift_and_says_how_many():
    opco_file = OpcoFileFactory(sent_date=None)
    OpcoInstalmentFactory(opco_file=opco_file, due_date=date(2026, 10, 4))
    expected = kept()
    OpcoBoardItem.objects.filter(stage="to_send").update(deadline=date(2026, 9, 30))  # one changed
    OpcoBoardItem.objects.filter(stage="instalment_due").delete()  # one missing
    OpcoFile.objects.filter(pk=opco_file.pk).update(sent_date=date(2026, 9, 4))  # a write without signal

    assert refresh_opco_board.apply().get() == 3  # the changed line written again, the missing one, the stale one gone
    assert kept() == recomputed() != expected
    assert refresh_opco_board.apply().get() == 0


@pytest.mark.parametrize(("nightly_minute", "minute"), [(30, 20), (10, 0), (9, 0), (11, 1)])
def test_the_lines_are_recomputed_every_night_after_the_45th_company_days_and_before_the_rules(nightly_minute, minute):
    from alternance.celery import beat_schedule

    schedule = beat_schedule(nightly_hour=2, nightly_minute=nightly_minute)
    entry = schedule["opco-board"]

    assert entry["task"] == "contracts.refresh_opco_board" == refresh_opco_board.name
    assert (entry["schedule"].hour, entry["schedule"].minute, entry["options"]) == ({2}, {minute}, {"expires": 6 * 3600})


@pytest.mark.parametrize(("changed", "intents"), [
    (["opco_sending_days"], 1), (["opco_decision_count"], 1), (["opco_sending_count", "opco_decision_days"], 1), (["ma_max_apprentices"], 0),
])
def test_new_opco_deadlines_in_the_administration_have_the_worker_recompute_the_lines(changed, intents):
    row = ContractSettings.load()
    ContractSettingsAdmin(ContractSettings, admin.site).save_model(None, row, SimpleNamespace(changed_data=changed), True)

    assert list(TaskIntent.objects.filter(name="contracts.refresh_opco_board").values_list("kwargs", flat=True)) == [{}] * intents


def test_a_funding_rule_changed_or_deleted_in_the_administration_has_the_worker_recompute_the_lines():
    rule = FundingRule.objects.order_by("valid_from").first()
    rule_admin = FundingRuleAdmin(FundingRule, admin.site)

    rule_admin.save_model(None, rule, SimpleNamespace(changed_data=["balance_claim_months"]), True)
    rule_admin.delete_model(None, rule)

    assert TaskIntent.objects.filter(name="contracts.refresh_opco_board").count() == 2


def test_a_batch_of_writes_refreshes_its_contracts_once_on_leaving():
    with opco_board.deferred():
        contracts = [ContractFactory() for _ in range(3)]
        with opco_board.deferred():  # nested: the outer block refreshes
            OpcoFileFactory(contract=contracts[0], sent_date=date(2026, 9, 4))
        assert OpcoBoardItem.objects.count() == 0

    assert sorted(OpcoBoardItem.objects.values_list("contract_id", "stage")) == [
        (contracts[0].pk, "awaiting_decision"), (contracts[1].pk, "to_send"), (contracts[2].pk, "to_send"),
    ]
    assert_kept_equals_a_recomputation()


def test_refreshing_the_lines_costs_the_same_queries_for_1_or_20_contracts():
    def queries(contract_ids) -> int:
        OpcoBoardItem.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            opco_board.lines_refresh(contract_ids)
        return len(captured)

    files = [OpcoFileFactory(sent_date=date(2026, 9, 4)) for _ in range(20)]
    for opco_file in files:
        OpcoInstalmentFactory(opco_file=opco_file)
    ids = [f.contract_id for f in files]

    assert queries(ids[:1]) == queries(ids)
    assert_kept_equals_a_recomputation()


def test_the_migration_fills_the_lines_of_the_contracts_already_there():
    migration = importlib.import_module("contracts.migrations.0025_opco_board_items")
    opco_file = OpcoFileFactory(sent_date=None)
    OpcoInstalmentFactory(opco_file=opco_file, due_date=date(2026, 10, 4))
    expected = kept()
    OpcoBoardItem.objects.all().delete()

    migration.fill(apps, None)

    assert kept() == expected == recomputed()
    assert len(expected) == 2


def test_a_learner_renamed_by_an_import_moves_its_lines():
    from alternance.imports.mapping import suggest_mapping
    from alternance.imports.readers import read_table
    from alternance.imports.runner import KINDS, import_table
    from tests.alternance.imports.import_files import apprentice_row, csv_bytes

    def run(rows):
        table = read_table(csv_bytes(rows), name="apprentis.csv")
        return import_table(table=table, kind="apprentices", mapping=suggest_mapping(table.headers, KINDS["apprentices"].fields))

    contract = ContractFactory(apprentice__cohort__name="BTS SIO 2026-2028")
    run([apprentice_row(1, "BTS SIO 2026-2028")])
    learner = Apprentice.objects.get(email="personne1@example.fr")
    Contract.objects.filter(pk=contract.pk).update(apprentice=learner)
    opco_board.lines_refresh([contract.pk])
    assert set(OpcoBoardItem.objects.values_list("last_name_key", "first_name_key")) == {("Nom1", "Prénom1")}

    report = run([apprentice_row(1, "BTS SIO 2026-2028", **{"NOM DE NAISSANCE": "Abel", "Prénom": "Zoé"})])

    assert (report.updated, report.in_error) == (1, 0)
    assert set(OpcoBoardItem.objects.values_list("last_name_key", "first_name_key")) == {("Abel", "Zoé")}
    assert_kept_equals_a_recomputation()


def test_the_nightly_rebuild_goes_by_batches_and_counts_every_line_once(monkeypatch, django_assert_num_queries):
    # 5 contracts by batches of 2: 3 batches, the rules read once (settings, funding rules).
    contracts = [ContractFactory() for _ in range(5)]
    OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contracts[2]), due_date=date(2026, 10, 4))
    OpcoBoardItem.objects.all().delete()
    monkeypatch.setattr(opco_board, "BATCH", 2)

    # The rules once (2); per batch its ids (3, and one more finding none), its contracts, its stored
    # lines and its inserts by BATCH rows (the 3 lines of the batch with the file: two), the
    # instalments of the one batch holding a file.
    with django_assert_num_queries(2 + 4 + 3 * 2 + 4 + 1):
        assert opco_board.refresh_all() == 6  # 5 to send (the file is not sent) and 1 instalment due

    assert_kept_equals_a_recomputation()
    assert len(kept()) == 6


def test_the_refreshes_of_nothing_cost_nothing_and_say_so(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert opco_board.lines_refresh([]) == 0
        assert opco_board.lines_refresh([None]) == 0
        assert opco_board.refresh_apprentices([]) == 0
        assert opco_board.refresh_companies([None]) == 0


def test_a_rename_updates_only_the_lines_that_carry_the_old_name():
    first = OpcoFileFactory(sent_date=None).contract
    OpcoInstalmentFactory(opco_file=first.opco_file, due_date=date(2026, 10, 4))
    second = ContractFactory()
    Apprentice.objects.filter(pk=first.apprentice_id).update(last_name="Nouveau")

    assert opco_board.refresh_apprentices([first.apprentice_id, second.apprentice_id]) == 2
    assert opco_board.refresh_apprentices([first.apprentice_id, second.apprentice_id]) == 0
    assert_kept_equals_a_recomputation()


def test_a_batch_of_writes_also_keeps_the_renamed_and_the_public_employers_lines():
    renamed = ContractFactory()
    opco_file = OpcoFileFactory(sent_date=None)
    OpcoInstalmentFactory(opco_file=opco_file, due_date=date(2026, 10, 4))
    with opco_board.deferred():
        apprentice = Apprentice.objects.get(pk=renamed.apprentice_id)
        apprentice.last_name = "Renommé"
        apprentice.save()
        company = Company.objects.get(pk=opco_file.contract.company_id)
        company.is_public, company.employer_type = True, "22"
        company.save()
        assert {line.stage for line in kept()} == {"to_send", "instalment_due"}

    assert sorted((line.contract_id, line.stage, line.last_name_key) for line in kept()) == sorted([
        (renamed.pk, "to_send", "Renommé"), (opco_file.contract_id, "to_send", opco_file.contract.apprentice.last_name),
    ])
    assert_kept_equals_a_recomputation()


def test_a_refresh_of_more_contracts_than_a_batch_counts_every_batch(monkeypatch):
    contracts = [ContractFactory() for _ in range(5)]
    OpcoBoardItem.objects.all().delete()
    monkeypatch.setattr(opco_board, "BATCH", 2)

    assert opco_board.lines_refresh([c.pk for c in contracts]) == 5
    assert_kept_equals_a_recomputation()


def test_the_funding_rule_is_the_one_in_force_at_the_signature_else_at_the_start():
    # Rules of reference: from 2019 no claim limit for the balance, from 1 July 2025 four months.
    dates = {"start_date": date(2025, 7, 10), "practical_training_start_date": date(2025, 7, 10), "end_date": date(2026, 7, 9),
             "training_start_date": date(2025, 7, 10), "exams_end_date": date(2026, 6, 15)}
    signed_before = OpcoFileFactory(contract=ContractFactory(signature_date=date(2025, 6, 20), **dates))
    unsigned = OpcoFileFactory(contract=ContractFactory(signature_date=None, **dates))
    for opco_file in (signed_before, unsigned):
        OpcoInstalmentFactory(opco_file=opco_file, kind="balance", percent=Decimal("10"), due_date=date(2026, 7, 10))

    at_risk = OpcoBoardItem.objects.filter(stage="balance_at_risk")

    assert list(at_risk.values_list("contract_id", "deadline")) == [(unsigned.contract_id, date(2026, 11, 9))]
    assert_kept_equals_a_recomputation()
