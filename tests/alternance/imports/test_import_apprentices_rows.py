"""The row validation of the apprentices' import at its limits (issue 16, mutation survivors of
alternance/imports/apprentices.py): the list of cohorts quoted at 0, 8 and 9 cohorts, rows whose
identity is in doubt get no model check and do not stop the next rows, rows without a readable
e-mail are not duplicates of each other, a re-import moves a learner to another cohort, a cell that
could not be read gets only its reading error, the progress figures, the real run's locks, the
learners read by batches of 500 and the history's author."""

from datetime import date

import pytest
from auditlog.models import LogEntry

from alternance.imports.apprentices import ApprenticeImport
from alternance.imports.base import CREATE
from alternance.imports.mapping import suggest_mapping
from alternance.imports.readers import read_table
from alternance.imports.runner import KINDS, import_table
from alternance.models import Apprentice
from tests.alternance.imports.import_files import apprentice_row, csv_bytes
from tests.factories.alternance import AdminStaffFactory, ApprenticeFactory, CohortFactory

pytestmark = pytest.mark.django_db

COHORT = "BTS SIO 2026-2028"


@pytest.fixture
def cohort():
    return CohortFactory(name=COHORT, start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))


def run(rows: list[dict], **options):
    table = read_table(csv_bytes(rows), name="apprentis.csv")
    mapping = suggest_mapping(table.headers, KINDS["apprentices"].fields)
    return import_table(table=table, kind="apprentices", mapping=mapping, **options)


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


def test_no_cohort_at_all_asks_to_create_it_first():
    report = run([apprentice_row(1, "BTS MCO 2026")])
    assert messages(report) == [
        "Ligne 2, colonne « Promotion » : aucune promotion n'existe encore : créez d'abord la promotion « BTS MCO 2026 », "
        "puis relancez l'import."
    ]


@pytest.mark.parametrize("count, ellipsis", [(7, ""), (8, ""), (9, " …")], ids=["limit-1", "limit", "limit+1"])
def test_an_unknown_cohort_quotes_the_first_eight_names_then_an_ellipsis(count, ellipsis):
    names = [f"Promo {n}" for n in range(1, count + 1)]
    for name in names:
        CohortFactory(name=name)
    report = run([apprentice_row(1, "Promo inconnue")])
    listing = ", ".join(f"« {name} »" for name in names[:8]) + ellipsis
    assert messages(report) == [
        "Ligne 2, colonne « Promotion » : aucune promotion ne s'appelle « Promo inconnue » : écrivez le nom exact d'une "
        f"promotion existante ({listing})."
    ]


def test_a_row_repeating_an_ine_gets_only_the_duplicate_error_and_the_next_rows_go_on(cohort):
    """A minor without a legal representative would also fail the model's check: a row whose identity
    is in doubt is not checked further (one problem to fix first)."""
    minor = {"Date de naissance": "14/03/2010"}
    rows = [apprentice_row(1, COHORT), apprentice_row(1, COHORT, **minor, **{"E-mail": "autre@example.fr"}),
            apprentice_row(2, COHORT)]
    table = read_table(csv_bytes(rows), name="a.csv")
    handler = ApprenticeImport(mapping=suggest_mapping(table.headers, KINDS["apprentices"].fields), headers=table.headers)
    outcomes = handler.validate(table.rows, for_write=False)

    assert [str(e) for e in outcomes[1].errors] == [
        "Ligne 3, colonne « INE » : cette personne figure déjà ligne 2 (même INE) : gardez une seule ligne par apprenti·e."
    ]
    assert (outcomes[1].action, outcomes[1].payload) == ("", None)
    assert [o.ok for o in outcomes] == [True, False, True]
    assert [o.action for o in outcomes] == [CREATE, "", CREATE]


def test_a_row_repeating_an_email_without_ine_gets_only_the_duplicate_error_and_the_next_rows_go_on(cohort):
    rows = [apprentice_row(1, COHORT, INE=""),
            apprentice_row(2, COHORT, INE="", **{"E-mail": "PERSONNE1@example.fr", "Date de naissance": "14/03/2010"}),
            apprentice_row(3, COHORT)]
    report = run(rows, dry_run=True)
    assert messages(report) == [
        "Ligne 3, colonne « E-mail » : cette personne figure déjà ligne 2 (même e-mail) : gardez une seule ligne par apprenti·e."
    ]
    assert (report.created, report.in_error) == (2, 1)


def test_an_email_repeated_with_two_different_ines_is_blocked_on_the_second_row_only_and_the_next_rows_go_on(cohort):
    rows = [apprentice_row(1, COHORT, INE=""),
            apprentice_row(2, COHORT, **{"E-mail": "personne1@example.fr", "Date de naissance": "14/03/2010"}),
            apprentice_row(3, COHORT)]
    report = run(rows, dry_run=True)
    assert messages(report) == [
        "Ligne 3, colonne « E-mail » : cet e-mail est déjà celui de la ligne 2 : une même personne ne peut figurer qu'une "
        "fois (indiquez l'INE de chacun·e si ce sont deux personnes différentes)."
    ]
    assert (report.created, report.in_error) == (2, 1)


def test_rows_without_a_readable_email_are_not_duplicates_of_each_other(cohort):
    rows = [apprentice_row(1, COHORT, INE="", **{"E-mail": ""}), apprentice_row(2, COHORT, INE="", **{"E-mail": "x@"})]
    report = run(rows, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "E-mail"), (3, "E-mail")]
    assert not any("figure déjà" in message for message in messages(report))


def test_a_reimport_moves_the_learner_to_the_cohort_named(cohort):
    other = CohortFactory(name="BTS SIO 2027-2029", start_date=date(2026, 9, 1), end_date=date(2029, 6, 30))
    run([apprentice_row(1, COHORT)])
    report = run([apprentice_row(1, "bts sio 2027-2029")])
    assert (report.updated, report.in_error) == (1, 0)
    assert Apprentice.objects.get(email="personne1@example.fr").cohort == other


def test_an_unreadable_cell_gets_only_its_reading_error_not_the_models_on_the_stored_value(cohort):
    """The stored birth date (14/03/2005) is after the new enrolment date: the model would say so on the
    birth date's column, where the person has first to fix an unreadable cell."""
    run([apprentice_row(1, COHORT)])
    report = run([apprentice_row(1, COHORT, **{"Date de naissance": "31/02/2005", "Date d'inscription": "01/01/2005"})],
                 dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "Date de naissance")]
    assert messages(report)[0].startswith("Ligne 2, colonne « Date de naissance » : « 31/02/2005 » n'est pas une date")


def test_the_progress_is_reported_every_500_rows_of_both_passes(cohort):
    """Two passes (reading the rows, then the model's checks): 1 000 steps for 500 rows, reported at 500
    and 1 000 (base.ImportKindBase.tick)."""
    calls = []
    report = run([apprentice_row(n, COHORT) for n in range(500)], dry_run=True, progress=lambda done, total: calls.append((done, total)))
    assert report.created == 500
    assert calls == [(500, 1000), (1000, 1000)]


@pytest.mark.parametrize("dry_run, locked", [(False, True), (True, False)])
def test_only_the_real_run_locks_the_learners_it_updates(cohort, monkeypatch, dry_run, locked):
    seen = []
    load = ApprenticeImport._load
    monkeypatch.setattr(ApprenticeImport, "_load", staticmethod(lambda pks, *, for_write: seen.append(for_write) or load(pks, for_write=for_write)))
    run([apprentice_row(1, COHORT)], dry_run=dry_run)
    assert seen == [locked]


def test_learners_are_read_by_batches_of_500(cohort, django_assert_num_queries):
    apprentices = Apprentice.objects.bulk_create(ApprenticeFactory.build_batch(501, cohort=cohort))
    pks = {a.pk for a in apprentices}
    with django_assert_num_queries(2):
        found = ApprenticeImport._load(pks, for_write=False)
    assert set(found) == pks
    with django_assert_num_queries(1):
        assert len(ApprenticeImport._load(set(sorted(pks)[:500]), for_write=False)) == 500


def test_the_history_names_who_imported(cohort):
    staff = AdminStaffFactory()
    run([apprentice_row(1, COHORT)], by=staff)
    run([apprentice_row(1, COHORT, Adresse="9 place du Marché")], by=staff)
    apprentice = Apprentice.objects.get(email="personne1@example.fr")
    entries = LogEntry.objects.get_for_object(apprentice).order_by("pk")
    assert [(entry.action, entry.actor_id) for entry in entries] == [(LogEntry.Action.CREATE, staff.pk), (LogEntry.Action.UPDATE, staff.pk)]
