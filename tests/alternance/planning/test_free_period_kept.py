"""The contracts' kept 45th company day (``Contract.free_period_end``, issue 18 §2): every service
that changes a calendar keeps it equal to a recomputation; the closures touch only the contracts
whose period may hold one of their days; the nightly task and the migration correct what drifted.

The calendar of reference: cohorts CCEEE from Tuesday 1 September 2026 (Wednesday to Friday in the
company, 11 November off): the 45th company day from the 1st is Wednesday 16 December 2026."""

import importlib
import logging
from datetime import date

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.apprentices.services import apprentice_update
from alternance.catalogue.services import COHORT_FIELDS, cohort_update
from alternance.planning import free_period
from alternance.planning.services import (
    calendar_override_delete,
    calendar_override_set,
    closure_create,
    closure_delete,
    closure_update,
)
from alternance.planning.tasks import refresh_free_period_ends
from contracts.choices import ContractStatus
from contracts.models import Contract, ContractSettings
from contracts.services import CONTRACT_FORM_FIELDS, contract_create, contract_update
from tests.factories.alternance import AdminStaffFactory, ApprenticeFactory, CohortFactory, CoordinatorFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

DEC_16 = date(2026, 12, 16)


def contract_for(apprentice=None, *, start=date(2026, 9, 1), practical_training_start_date=None, **extra):
    return ContractFactory(
        apprentice=apprentice or ApprenticeFactory(), start_date=start, practical_training_start_date=practical_training_start_date,
        signature_date=date(2026, 8, 25), training_start_date=start, **extra,
    )


def kept() -> dict[int, date | None]:
    return dict(Contract.objects.values_list("pk", "free_period_end"))


def assert_kept_equals_a_recomputation() -> None:
    assert kept() == free_period.computed_free_period_ends(Contract.objects.all())


def test_each_calendar_change_through_its_service_keeps_the_day_equal_to_a_recomputation():
    staff, coordinator = AdminStaffFactory(), CoordinatorFactory()
    first = contract_for()
    apprentice, cohort = first.apprentice, first.apprentice.cohort
    other = contract_for()  # another cohort: no closure of this one reaches it
    assert kept() == {first.pk: DEC_16, other.pk: DEC_16}

    # A contract created and edited through its service (a draft: its dates may change).
    draft = contract_create(by=staff, **{**{name: getattr(first, name) for name in CONTRACT_FORM_FIELDS}, "start_date": date(2026, 9, 2)})
    assert Contract.objects.get(pk=draft.pk).free_period_end == DEC_16  # Tuesday 1st was a centre day anyway
    contract_update(contract=draft, by=staff, start_date=date(2026, 9, 3))
    assert Contract.objects.get(pk=draft.pk).free_period_end == date(2026, 12, 17)
    assert_kept_equals_a_recomputation()

    # The cohort's centre closed 26–30 October: Monday 26 and Tuesday 27 become company days.
    closure = closure_create(label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30), cohort=cohort)
    assert kept() == {first.pk: date(2026, 12, 10), other.pk: DEC_16, draft.pk: date(2026, 12, 11)}
    # The same closure for the whole OF: the other cohort's contract too.
    closure_update(closure=closure, label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30), cohort=None)
    assert kept()[other.pk] == date(2026, 12, 10)
    # Back to this cohort only: the other contract's centre days are centre days again.
    closure_update(closure=closure, label="Toussaint", start_date=date(2026, 10, 26), end_date=date(2026, 10, 30), cohort=cohort)
    assert kept()[other.pk] == DEC_16
    closure_delete(closure=closure)
    assert kept() == {first.pk: DEC_16, other.pk: DEC_16, draft.pk: date(2026, 12, 17)}
    assert_kept_equals_a_recomputation()

    # An exception: Wednesday 2 September at the centre, one company day fewer.
    override = calendar_override_set(apprentice=apprentice, day=date(2026, 9, 2), place="C", reason="Journée d'accueil", by=staff)
    assert kept() == {first.pk: date(2026, 12, 17), other.pk: DEC_16, draft.pk: date(2026, 12, 17)}
    calendar_override_delete(override=override)
    assert kept()[first.pk] == DEC_16

    # The cohort's rhythm changes: four days in the company a week.
    data = {name: getattr(cohort, name) for name in COHORT_FIELDS}
    cohort_update(cohort=cohort, by=coordinator, data={**data, "rhythm_pattern": "CEEEE"})
    assert kept()[first.pk] == date(2026, 11, 18)
    assert kept()[other.pk] == DEC_16
    assert_kept_equals_a_recomputation()

    # The apprentice moves to a cohort at the centre three days a week.
    slower = CohortFactory(programme=cohort.programme, rhythm_pattern="CCCEE")
    apprentice_update(apprentice=apprentice, data={"cohort": slower}, by=staff, today=date(2026, 9, 1))
    assert kept()[first.pk] == date(2027, 2, 11)  # Thursdays and Fridays; 25 December and 1 January off
    assert_kept_equals_a_recomputation()


def test_a_cohort_edit_that_leaves_the_calendar_alone_recomputes_nothing():
    contract = contract_for()
    cohort = contract.apprentice.cohort
    Contract.objects.filter(pk=contract.pk).update(free_period_end=date(2030, 1, 1))  # drifted: the nightly task's job

    data = {name: getattr(cohort, name) for name in COHORT_FIELDS}
    cohort_update(cohort=cohort, by=CoordinatorFactory(), data={**data, "name": "BTS MCO (renommée)", "capacity": 30})

    assert kept() == {contract.pk: date(2030, 1, 1)}


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("rhythm_pattern", "CEEEE", date(2026, 11, 18)),  # Tuesday to Friday in the company
    # Tuesday 1 September is now before the cohort's training: full time in the company, one day more.
    ("start_date", date(2026, 9, 2), date(2026, 12, 11)),
    ("end_date", date(2026, 11, 30), date(2026, 12, 9)),  # 38 company days by then, full time from December
])
def test_each_calendar_field_of_a_cohort_recomputes_its_contracts(field, value, expected):
    contract = contract_for()
    cohort = contract.apprentice.cohort
    data = {name: getattr(cohort, name) for name in COHORT_FIELDS}

    cohort_update(cohort=cohort, by=CoordinatorFactory(), data={**data, field: value})

    assert kept() == {contract.pk: expected}
    assert_kept_equals_a_recomputation()


# --- which contracts a closure recomputes ---------------------------------------------------------
# Each case starts from a wrong kept day, so that "recomputed" is seen.

WRONG = date(2030, 1, 1)
CLOSURE_FIRST, CLOSURE_LAST = date(2026, 10, 26), date(2026, 10, 30)


@pytest.mark.parametrize(("practical_start", "recomputed"), [
    (date(2026, 10, 29), True),  # last day − 1
    (CLOSURE_LAST, True),
    (date(2026, 10, 31), False),  # last day + 1: the closure is before its period
])
def test_a_closure_recomputes_the_periods_starting_by_its_last_day(practical_start, recomputed):
    contract = contract_for(start=date(2026, 9, 1), practical_training_start_date=practical_start)
    Contract.objects.filter(pk=contract.pk).update(free_period_end=None)

    changed = free_period.refresh_for_period(cohort_ids=[None], first_day=CLOSURE_FIRST, last_day=CLOSURE_LAST)

    assert (changed, Contract.objects.get(pk=contract.pk).free_period_end is not None) == (int(recomputed), recomputed)


@pytest.mark.parametrize(("kept_end", "recomputed"), [
    (date(2026, 10, 25), False),  # its period was over the day before the closure
    (CLOSURE_FIRST, True),
    (date(2026, 10, 27), True),
    (None, True),  # no 45th company day found: it may have one now
])
def test_a_closure_recomputes_the_periods_not_over_before_its_first_day(kept_end, recomputed):
    contract = contract_for()
    Contract.objects.filter(pk=contract.pk).update(free_period_end=kept_end)

    changed = free_period.refresh_for_period(cohort_ids=[None], first_day=CLOSURE_FIRST, last_day=CLOSURE_LAST)

    assert (changed, Contract.objects.get(pk=contract.pk).free_period_end) == ((1, DEC_16) if recomputed else (0, kept_end))


def test_a_closure_of_one_cohort_recomputes_that_cohort_only():
    mine, theirs = contract_for(), contract_for()
    Contract.objects.update(free_period_end=WRONG)

    changed = free_period.refresh_for_period(cohort_ids=[mine.apprentice.cohort_id], first_day=CLOSURE_FIRST, last_day=CLOSURE_LAST)

    assert (changed, kept()) == (1, {mine.pk: DEC_16, theirs.pk: WRONG})


def test_the_refreshes_by_apprentice_cohort_and_contract_touch_theirs_only():
    first, second = contract_for(), contract_for()
    Contract.objects.update(free_period_end=WRONG)

    assert free_period.refresh_apprentices([second.apprentice_id, None]) == 1
    assert kept() == {first.pk: WRONG, second.pk: DEC_16}
    Contract.objects.update(free_period_end=WRONG)
    assert free_period.refresh_cohorts([first.apprentice.cohort_id]) == 1
    assert kept() == {first.pk: DEC_16, second.pk: WRONG}
    Contract.objects.update(free_period_end=WRONG)
    assert free_period.refresh_contracts([second.pk, 0]) == 1
    assert kept() == {first.pk: WRONG, second.pk: DEC_16}
    assert free_period.refresh_cohorts([None]) == 1  # the whole OF
    assert kept() == {first.pk: DEC_16, second.pk: DEC_16}
    assert (free_period.refresh_apprentices([]), free_period.refresh_cohorts([]), free_period.refresh_contracts([])) == (0, 0, 0)


def test_a_refresh_writes_only_what_changed_by_batches_of_a_fixed_size(monkeypatch):
    contracts = [contract_for() for _ in range(5)]
    Contract.objects.filter(pk__in=[contracts[1].pk, contracts[3].pk]).update(free_period_end=WRONG)
    monkeypatch.setattr(free_period, "BATCH", 2)

    with CaptureQueriesContext(connection) as queries:
        changed = free_period.free_period_ends_refresh(Contract.objects.all())

    assert (changed, set(kept().values())) == (2, {DEC_16})
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 2  # one per batch holding a wrong day, none for the batch without


def test_the_number_of_days_comes_from_the_settings():
    contract = contract_for()
    ContractSettings.objects.update_or_create(pk=1, defaults={"free_period_company_days": 44})

    assert free_period.refresh_all() == 1
    assert kept() == {contract.pk: date(2026, 12, 11)}  # the 44th company day: Friday 11 December


def test_the_nightly_task_corrects_what_drifted_and_says_how_many(caplog):
    right, drifted = contract_for(), contract_for()
    Contract.objects.filter(pk=drifted.pk).update(free_period_end=WRONG)

    with caplog.at_level(logging.INFO, logger="alternance.planning.free_period"):
        assert refresh_free_period_ends.apply().get() == 1
    assert kept() == {right.pk: DEC_16, drifted.pk: DEC_16}
    ours = [r for r in caplog.records if r.name == "alternance.planning.free_period"]
    assert [(r.getMessage(), r.contracts) for r in ours] == [("free period ends corrected", 1)]
    caplog.clear()

    assert refresh_free_period_ends.apply().get() == 0
    assert [r for r in caplog.records if r.name == "alternance.planning.free_period"] == []


def test_the_migration_fills_the_existing_contracts_with_the_settings_of_the_time():
    migration = importlib.import_module("contracts.migrations.0024_free_period_end")
    contract = contract_for(status=ContractStatus.IN_PROGRESS)
    Contract.objects.update(free_period_end=None)
    ContractSettings.objects.update_or_create(pk=1, defaults={"free_period_company_days": 44})

    migration.fill(apps, None)

    assert kept() == {contract.pk: date(2026, 12, 11)}


def test_the_migration_uses_the_default_number_of_days_without_settings_and_skips_an_empty_database():
    migration = importlib.import_module("contracts.migrations.0024_free_period_end")
    with CaptureQueriesContext(connection) as queries:
        migration.fill(apps, None)
    assert len(queries) == 1  # is there any contract?

    contract = contract_for()
    Contract.objects.update(free_period_end=None)
    ContractSettings.objects.all().delete()
    migration.fill(apps, None)
    assert kept() == {contract.pk: DEC_16}


def test_an_import_that_moves_a_learner_to_another_cohort_recomputes_its_contracts():
    from alternance.imports.mapping import suggest_mapping
    from alternance.imports.readers import read_table
    from alternance.imports.runner import KINDS, import_table
    from tests.alternance.imports.import_files import APPRENTICE_HEADER, apprentice_row, csv_bytes

    CohortFactory(name="BTS SIO 2026-2028 (CCCEE)", rhythm_pattern="CCCEE")
    moved = ApprenticeFactory(email="lea.martin@example.fr", ine="")
    stays = ApprenticeFactory(email="zoe@example.fr", ine="")
    contract, other = contract_for(moved), contract_for(stays)
    header = [h for h in APPRENTICE_HEADER if h != "INE"]
    table = read_table(csv_bytes([
        apprentice_row(1, "BTS SIO 2026-2028 (CCCEE)", **{"E-mail": "lea.martin@example.fr"}),
        apprentice_row(2, stays.cohort.name, **{"E-mail": "zoe@example.fr"}),
    ], header=header), name="a.csv")

    report = import_table(table=table, kind="apprentices", mapping=suggest_mapping(table.headers, KINDS["apprentices"].fields))

    assert report.updated == 2
    assert kept() == {contract.pk: date(2027, 2, 11), other.pk: DEC_16}


def test_a_merge_recomputes_the_contracts_on_the_kept_learner_calendar():
    from alternance.merges.services import apprentice_merge

    kept_learner = ApprenticeFactory(last_name="Moreau", first_name="Inès", birth_date=date(2006, 4, 2), ine="")
    duplicate = ApprenticeFactory(last_name="MOREAU", first_name="Ines", birth_date=date(2006, 4, 2), ine="",
                                  cohort=CohortFactory(rhythm_pattern="CCCEE"))
    contract = contract_for(duplicate, status=ContractStatus.DRAFT)
    assert kept() == {contract.pk: date(2027, 2, 11)}

    apprentice_merge(kept=kept_learner, merged=duplicate, by=CoordinatorFactory(), today=date(2026, 9, 1))

    assert kept() == {contract.pk: DEC_16}


@pytest.mark.parametrize(("nightly_minute", "minute"), [(30, 10), (20, 0), (19, 0), (21, 1)])
def test_the_kept_days_are_recomputed_every_night_before_the_rules_run(nightly_minute, minute):
    from alternance.celery import beat_schedule

    entry = beat_schedule(nightly_hour=2, nightly_minute=nightly_minute)["free-period-ends"]

    assert entry["task"] == "alternance.refresh_free_period_ends" == refresh_free_period_ends.name
    assert (entry["schedule"].hour, entry["schedule"].minute, entry["options"]) == ({2}, {minute}, {"expires": 6 * 3600})


@pytest.mark.parametrize(("changed", "intents"), [(["free_period_company_days"], 1), (["opco_sending_days"], 0)])
def test_a_new_number_of_days_in_the_administration_has_the_worker_recompute_every_contract(changed, intents):
    from types import SimpleNamespace

    from django.contrib import admin

    from alternance.models import TaskIntent
    from contracts.admin import ContractSettingsAdmin

    row = ContractSettings.load()
    row.free_period_company_days = 44
    ContractSettingsAdmin(ContractSettings, admin.site).save_model(None, row, SimpleNamespace(changed_data=changed), True)

    assert ContractSettings.load().free_period_company_days == 44
    assert list(TaskIntent.objects.filter(name="alternance.refresh_free_period_ends").values_list("kwargs", flat=True)) == [{}] * intents
