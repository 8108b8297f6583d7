"""Import of a timetable (issue 19 §1): sessions re-read from the database with their exact values
from a latin-1 CSV and a workbook with real date and time cells; every error with its row, column
and French message; the overlap at the limit (in the file and against the database); re-imports
that update without duplicating; a cancelled session left alone; a dry run that writes nothing;
a number of queries that does not grow with the rows."""

from datetime import date, datetime, time

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.choices import ImportKind, SessionStatus
from alternance.imports.mapping import suggest_mapping
from alternance.imports.readers import read_table
from alternance.imports.runner import KINDS, import_table
from alternance.models import TrainingSession
from alternance.sessions.services import session_cancel
from tests.alternance.imports.import_files import csv_bytes, read_fixture, xlsx_bytes
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeUserFactory,
    CohortFactory,
    CompetenceBlockFactory,
    CoordinatorFactory,
    TrainingSessionFactory,
    TutorFactory,
)

pytestmark = pytest.mark.django_db

COHORT = "BTS SIO 2026-2028"
HEADER = ["Promotion", "Date", "Début", "Fin", "Matière", "Salle", "Formateur", "Bloc"]
MONDAY = date(2026, 12, 7)


@pytest.fixture
def coordinator():
    return CoordinatorFactory(email="coordination@example.fr")


@pytest.fixture
def cohort():
    cohort = CohortFactory(name=COHORT, start_date=date(2026, 9, 1), end_date=date(2028, 6, 30))
    CompetenceBlockFactory(programme=cohort.programme, code="RNCP35340BC01", order=1)
    CompetenceBlockFactory(programme=cohort.programme, code="RNCP35340BC02", order=2)
    return cohort


@pytest.fixture
def trainer():
    return TutorFactory(email="marc.durand@example.fr")


def run(content: bytes, name: str = "emploi-du-temps.csv", **options):
    table = read_table(content, name=name)
    mapping = options.pop("mapping", None) or suggest_mapping(table.headers, KINDS[ImportKind.SESSIONS].fields)
    return import_table(table=table, kind=ImportKind.SESSIONS, mapping=mapping, **options)


def row(**overrides) -> dict:
    values = {"Promotion": COHORT, "Date": "07/12/2026", "Début": "09:00", "Fin": "12:30", "Matière": "Bases de données",
              "Salle": "Salle 2", "Formateur": "marc.durand@example.fr", "Bloc": "RNCP35340BC01"}
    values.update(overrides)
    return values


def stored(cohort) -> list[tuple]:
    return [(s.day, s.start_time, s.end_time, s.subject, s.room, s.trainer.email if s.trainer else None,
             s.competence_block.code if s.competence_block else None, s.status)
            for s in TrainingSession.objects.filter(cohort=cohort).select_related("trainer", "competence_block")]


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


# --- reading real files ---------------------------------------------------------------------------------

def test_the_kind_is_offered_with_french_columns():
    assert ImportKind.SESSIONS.label == "Séances (emploi du temps)"
    assert [str(spec.label) for spec in KINDS["sessions"].fields] == [
        "Promotion", "Date", "Début", "Fin", "Matière", "Salle", "Formateur (e-mail)", "Bloc de compétences (code)"]
    assert [spec.name for spec in KINDS["sessions"].fields if spec.required] == ["cohort", "day", "start_time", "end_time", "subject"]


def test_an_erp_export_in_latin1_with_semicolons_creates_every_session_with_its_values(cohort, trainer, coordinator):
    content = read_fixture("seances_ypareo_latin1.csv")
    table = read_table(content, name="export.csv")
    assert table.encoding == "Windows-1252"  # latin-1 bytes; Windows-1252 reads them the same
    assert suggest_mapping(table.headers, KINDS["sessions"].fields) == {
        "cohort": "Groupe", "day": "Date", "start_time": "Heure début", "end_time": "Heure fin", "subject": "Matière",
        "room": "Salle", "trainer": "Intervenant", "competence_block": "Code bloc"}

    report = run(content, by=coordinator)

    assert (report.written, report.created, report.updated, report.unchanged, report.in_error) == (True, 3, 0, 0, 0)
    assert stored(cohort) == [
        (MONDAY, time(8, 30), time(12, 30), "Bases de données - requêtes", "Salle 2", "marc.durand@example.fr",
         "RNCP35340BC01", SessionStatus.PLANNED),
        (MONDAY, time(13, 30), time(17, 0), "Réseaux : câblage", "Salle B", "marc.durand@example.fr", None, SessionStatus.PLANNED),
        (date(2026, 12, 8), time(9, 0), time(12, 0), "Éthique et société", "", None, "RNCP35340BC02", SessionStatus.PLANNED),
    ]
    assert set(TrainingSession.objects.values_list("created_by", flat=True)) == {coordinator.pk}
    # The history of each creation, written in bulk like the other kinds.
    assert LogEntry.objects.filter(content_type__model="trainingsession", action=LogEntry.Action.CREATE).count() == 3


def test_a_workbook_with_real_date_and_time_cells_and_fractions_of_a_day(cohort, trainer, coordinator):
    content = xlsx_bytes([
        [COHORT, MONDAY, time(8, 0), time(10, 0), "Algorithmique", "B12", "marc.durand@example.fr", None],
        [COHORT, datetime(2026, 12, 7), 10 / 24, 0.5, "Anglais", None, None, None],
        [COHORT, 46364, "13h30", "17h", "Projet", None, None, None],  # 46364: the Excel serial of 8 December 2026
    ], HEADER, number_formats={2: "HH:MM", 3: "HH:MM"})

    report = run(content, name="edt.xlsx", by=coordinator)

    assert (report.written, report.created, report.in_error) == (True, 3, 0), messages(report)
    assert stored(cohort) == [
        (MONDAY, time(8, 0), time(10, 0), "Algorithmique", "B12", "marc.durand@example.fr", None, SessionStatus.PLANNED),
        (MONDAY, time(10, 0), time(12, 0), "Anglais", "", None, None, SessionStatus.PLANNED),
        (date(2026, 12, 8), time(13, 30), time(17, 0), "Projet", "", None, None, SessionStatus.PLANNED),
    ]


# --- errors, each on its row and column ------------------------------------------------------------------

def test_unreadable_and_empty_cells_are_reported_by_row_and_column_and_nothing_is_written(cohort, trainer):
    report = run(csv_bytes([
        row(Date="31/11/2026"),
        row(**{"Début": "9h60", "Fin": "24:00"}),
        row(Date="08/12/2026", **{"Matière": "", "Formateur": "marc.durand@"}),
    ]))

    assert (report.written, report.created, report.in_error) == (False, 0, 3)
    assert messages(report) == [
        "Ligne 2, colonne « Date » : « 31/11/2026 » n'est pas une date qui existe (jour ou mois impossible) : "
        "vérifiez-la et écrivez-la JJ/MM/AAAA (par exemple 14/03/2005) ou AAAA-MM-JJ.",
        "Ligne 3, colonne « Début » : « 9h60 » n'est pas une heure qui existe (de 00:00 à 23:59 ; minuit s'écrit 00:00) : "
        "écrivez-la HH:MM (par exemple 09:00 ou 13:30) ; 9h et 9h30 sont aussi acceptés.",
        "Ligne 3, colonne « Fin » : « 24:00 » n'est pas une heure qui existe (de 00:00 à 23:59 ; minuit s'écrit 00:00) : "
        "écrivez-la HH:MM (par exemple 09:00 ou 13:30) ; 9h et 9h30 sont aussi acceptés.",
        "Ligne 4, colonne « Matière » : la cellule est vide : renseignez « Matière ».",
        "Ligne 4, colonne « Formateur » : « marc.durand@ » n'est pas une adresse e-mail valide : écrivez-la sous la forme "
        "prenom.nom@exemple.fr.",
    ]
    assert TrainingSession.objects.count() == 0


def test_an_end_before_the_start_is_refused_with_the_screens_message(cohort, trainer):
    report = run(csv_bytes([row(**{"Début": "14:00", "Fin": "14:00"})]))

    assert messages(report) == [
        "Ligne 2, colonne « Fin » : « 14:00 » : L'heure de fin doit suivre l'heure de début : par exemple de 09:00 à 12:30."]


def test_an_unknown_cohort_lists_the_existing_ones(cohort, trainer):
    CohortFactory(name="CAP Boulanger 2026")

    report = run(csv_bytes([row(Promotion="BTS SIO 2025")]))

    assert messages(report) == [
        "Ligne 2, colonne « Promotion » : aucune promotion ne s'appelle « BTS SIO 2025 » : écrivez le nom exact d'une "
        "promotion existante (« BTS SIO 2026-2028 », « CAP Boulanger 2026 »)."]


def test_an_unknown_trainer_email_is_named(cohort, trainer):
    report = run(csv_bytes([row(Formateur="inconnu@example.fr")]))

    assert messages(report) == [
        "Ligne 2, colonne « Formateur » : aucun compte n'a l'e-mail inconnu@example.fr : indiquez l'e-mail du compte du "
        "formateur·rice, ou créez son compte avant l'import."]


@pytest.mark.parametrize("make", [
    lambda: ApprenticeUserFactory(email="lea@example.fr"),
    lambda: TutorFactory(email="lea@example.fr", is_active=False),
], ids=["apprentice", "inactive-tutor"])
def test_a_trainer_who_is_not_active_staff_is_refused(cohort, make):
    make()

    report = run(csv_bytes([row(Formateur="Lea@example.fr")]))

    assert messages(report) == [
        "Ligne 2, colonne « Formateur » : le compte lea@example.fr n'est pas celui d'un membre actif de l'équipe du centre "
        "(coordination, administration, chargé·e de relations entreprises ou référent·e) : indiquez l'e-mail du formateur·rice."]
    assert TrainingSession.objects.count() == 0


def test_every_staff_role_may_train(cohort):
    AdminStaffFactory(email="admin@example.fr")
    CoordinatorFactory(email="coord@example.fr")

    report = run(csv_bytes([row(Formateur="admin@example.fr"), row(Formateur="coord@example.fr", Date="08/12/2026")]))

    assert (report.created, report.in_error) == (2, 0), messages(report)


def test_an_unknown_block_lists_the_codes_of_the_cohorts_programme(cohort, trainer):
    CompetenceBlockFactory(code="RNCP99999BC01")  # another programme's block
    other = CohortFactory(name="Sans blocs")

    report = run(csv_bytes([row(Bloc="RNCP99999BC01"), row(Promotion=other.name, Bloc="RNCP35340BC01")]))

    assert messages(report) == [
        "Ligne 2, colonne « Bloc » : la formation de la promotion « BTS SIO 2026-2028 » n'a pas de bloc « RNCP99999BC01 » : "
        "écrivez l'un de ses codes (RNCP35340BC01, RNCP35340BC02).",
        "Ligne 3, colonne « Bloc » : la formation de la promotion « Sans blocs » n'a aucun bloc de compétences : "
        "laissez la cellule vide.",
    ]


# --- overlaps, at the limit ------------------------------------------------------------------------------

def test_in_the_file_touching_sessions_pass_and_an_overlap_names_the_first_row(cohort, trainer):
    report = run(csv_bytes([
        row(),  # 09:00–12:30
        row(**{"Début": "12:30", "Fin": "14:00"}),  # touches it: fine
        row(**{"Début": "12:29", "Fin": "12:45"}),  # one minute inside the first one
        row(Date="08/12/2026", **{"Début": "12:29", "Fin": "12:45"}),  # another day: fine
    ]))

    assert messages(report) == [
        "Ligne 4, colonne « Début » : la séance chevauche celle de la ligne 2 (le 07/12/2026 de 09:00 à 12:30) : "
        "changez l'heure ou la date."]
    assert [outcome_row.number for outcome_row in report.error_rows] == [4]


def test_against_the_database_touching_passes_and_a_minute_of_overlap_is_refused(cohort, trainer):
    TrainingSessionFactory(cohort=cohort, day=MONDAY, start_time=time(9, 0), end_time=time(12, 30), subject="Déjà là")
    TrainingSessionFactory(cohort=CohortFactory(), day=MONDAY, start_time=time(12, 0), end_time=time(14, 0))  # another cohort

    report = run(csv_bytes([row(**{"Début": "12:30", "Fin": "14:00"}), row(**{"Début": "12:29", "Fin": "12:30"})]),
                 only_valid_rows=True)

    assert messages(report) == [
        "Ligne 3, colonne « Début » : La séance chevauche celle du 07/12/2026 de 09:00 à 12:30 : changez l'heure ou la date."]
    assert [(s[1], s[2], s[3]) for s in stored(cohort)] == [
        (time(9, 0), time(12, 30), "Déjà là"), (time(12, 30), time(14, 0), "Bases de données")]


def test_a_cancelled_session_does_not_block_another_at_its_time(cohort, trainer, coordinator):
    session = TrainingSessionFactory(cohort=cohort, day=MONDAY, start_time=time(8, 0), end_time=time(12, 0))
    session_cancel(session=session, reason="Formateur absent", by=coordinator)

    report = run(csv_bytes([row()]))

    assert (report.created, report.in_error) == (1, 0), messages(report)


def test_a_session_the_file_moves_is_checked_at_its_new_times(cohort, trainer):
    # Stored 09:00–12:30; the file shortens it to 09:00–10:00 and adds 10:00–12:00: no overlap.
    TrainingSessionFactory(cohort=cohort, day=MONDAY, start_time=time(9, 0), end_time=time(12, 30), trainer=trainer)

    report = run(csv_bytes([row(Fin="10:00"), row(**{"Début": "10:00", "Fin": "12:00", "Matière": "Anglais"})]))

    assert (report.created, report.updated, report.in_error) == (1, 1, 0), messages(report)
    assert [(s[1], s[2]) for s in stored(cohort)] == [(time(9, 0), time(10, 0)), (time(10, 0), time(12, 0))]


def test_two_rows_for_the_same_session_are_refused(cohort, trainer):
    report = run(csv_bytes([row(), row(Salle="B12")]))

    assert messages(report) == [
        "Ligne 3, colonne « Début » : la ligne 2 décrit déjà la séance de cette promotion le 07/12/2026 à 09:00 : "
        "gardez une seule ligne par séance."]


# --- re-imports -------------------------------------------------------------------------------------------

def test_importing_the_same_file_again_changes_nothing_and_a_changed_file_updates(cohort, trainer, coordinator):
    first = [row(), row(Date="08/12/2026", Salle="", Formateur="", Bloc="")]
    run(csv_bytes(first), by=coordinator)
    ids = list(TrainingSession.objects.values_list("pk", flat=True))

    again = run(csv_bytes(first), by=coordinator)
    assert (again.created, again.updated, again.unchanged, again.in_error) == (0, 0, 2, 0)

    other = TutorFactory(email="nadia.ben@example.fr")
    changed = run(csv_bytes([
        row(**{"Fin": "12:00", "Matière": "SQL avancé", "Salle": "Salle 4", "Formateur": other.email, "Bloc": "RNCP35340BC02"}),
        row(Date="08/12/2026", Salle="", Formateur="", Bloc=""),
    ]), by=coordinator)

    assert (changed.created, changed.updated, changed.unchanged, changed.in_error) == (0, 1, 1, 0)
    assert list(TrainingSession.objects.values_list("pk", flat=True)) == ids
    assert stored(cohort) == [
        (MONDAY, time(9, 0), time(12, 0), "SQL avancé", "Salle 4", "nadia.ben@example.fr", "RNCP35340BC02", SessionStatus.PLANNED),
        (date(2026, 12, 8), time(9, 0), time(12, 30), "Bases de données", "", None, None, SessionStatus.PLANNED),
    ]
    entry = LogEntry.objects.filter(content_type__model="trainingsession", action=LogEntry.Action.UPDATE).get()
    assert set(entry.changes) == {"competence_block", "end_time", "room", "subject", "trainer"}


def test_a_cancelled_session_is_left_alone_and_the_row_says_to_restore_it(cohort, trainer, coordinator):
    session = TrainingSessionFactory(cohort=cohort, day=MONDAY, start_time=time(9, 0), end_time=time(12, 30), subject="Ancien")
    session_cancel(session=session, reason="Formateur absent", by=coordinator)

    report = run(csv_bytes([row(Salle="B12"), row(Date="08/12/2026")]), only_valid_rows=True)

    assert messages(report) == [
        "Ligne 2, colonne « Début » : la séance de cette promotion le 07/12/2026 à 09:00 est annulée (Formateur absent) : "
        "rétablissez-la depuis son planning avant de la réimporter, ou retirez cette ligne du fichier."]
    session.refresh_from_db()
    assert (session.status, session.subject, session.room, session.cancel_reason) == (
        SessionStatus.CANCELLED, "Ancien", "Salle 1", "Formateur absent")
    assert report.created == 1


def test_a_dry_run_checks_everything_and_writes_nothing(cohort, trainer):
    TrainingSessionFactory(cohort=cohort, day=MONDAY, start_time=time(9, 0), end_time=time(12, 30), subject="Avant")
    history = LogEntry.objects.count()

    report = run(csv_bytes([row(Fin="12:00"), row(Date="08/12/2026")]), dry_run=True)

    assert (report.written, report.created, report.updated, report.in_error) == (False, 1, 1, 0)
    assert [(s[2], s[3]) for s in stored(cohort)] == [(time(12, 30), "Avant")]
    assert LogEntry.objects.count() == history


# --- queries ----------------------------------------------------------------------------------------------

def _rows(count: int) -> list[dict]:
    return [row(Date=f"{day:02d}/01/2027", **{"Début": "09:00" if n % 2 else "14:00", "Fin": "12:00" if n % 2 else "17:00"})
            for n, day in ((n, 1 + n // 2) for n in range(count))]


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_the_number_of_queries_does_not_grow_with_the_rows(cohort, trainer, coordinator, dry_run):
    counts = []
    for count in (3, 30):
        TrainingSession.objects.all().delete()
        with CaptureQueriesContext(connection) as created:
            report = run(csv_bytes(_rows(count)), by=coordinator, dry_run=dry_run)
        assert (report.created, report.in_error) == (count, 0), messages(report)
        counts.append(len(created))
    assert counts[0] == counts[1]


def test_the_number_of_queries_of_a_re_import_that_updates_does_not_grow(cohort, trainer, coordinator):
    counts = []
    for count in (3, 30):
        TrainingSession.objects.all().delete()
        run(csv_bytes(_rows(count)), by=coordinator)
        with CaptureQueriesContext(connection) as updated:
            report = run(csv_bytes([{**r, "Salle": "Salle 9"} for r in _rows(count)]), by=coordinator)
        assert (report.updated, report.in_error) == (count, 0), messages(report)
        counts.append(len(updated))
    assert counts[0] == counts[1]


def test_empty_optional_cells_keep_the_stored_values(cohort, trainer):
    TrainingSessionFactory(cohort=cohort, day=MONDAY, start_time=time(9, 0), end_time=time(12, 30), trainer=trainer,
                           subject="Bases de données", room="Salle 1")

    report = run(csv_bytes([row(Salle="", Formateur="", Bloc="")]))

    assert (report.updated, report.unchanged, report.in_error) == (0, 1, 0), messages(report)
    assert stored(cohort) == [(MONDAY, time(9, 0), time(12, 30), "Bases de données", "Salle 1", "marc.durand@example.fr",
                               None, SessionStatus.PLANNED)]


def test_a_session_whose_start_moved_is_a_new_one_refused_while_it_overlaps_the_old_one(cohort, trainer):
    TrainingSessionFactory(cohort=cohort, day=MONDAY, start_time=time(9, 0), end_time=time(12, 30), subject="Avant")

    report = run(csv_bytes([row(**{"Début": "10:00"})]))

    assert messages(report) == [
        "Ligne 2, colonne « Début » : La séance chevauche celle du 07/12/2026 de 09:00 à 12:30 : changez l'heure ou la date."]
    assert [(s[1], s[3]) for s in stored(cohort)] == [(time(9, 0), "Avant")]
