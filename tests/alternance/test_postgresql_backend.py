"""PostgreSQL with its statements prepared on the server (alternance/postgresql, issue 18 §2): the
setting that turns it on or off, the batches that stay under the protocol's 65 535 parameters, and a
statement run often on a connection that PostgreSQL then holds prepared."""

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from alternance.choices import Role
from alternance.models import ClosurePeriod, User
from alternance.postgresql.base import MAX_SERVER_SIDE_PARAMETERS
from alternance.settings.base import database_settings

POSTGRES_URL = "postgres://alice@db.example:5432/alternance"
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (CI)")


def settings_for(url: str, threshold: str) -> dict:
    return database_settings(url, conn_max_age=60, prepare_threshold=threshold)


@pytest.mark.parametrize("threshold, expected", [("0", 0), ("1", 1), ("5", 5), (" 12 ", 12)])
def test_a_threshold_prepares_statements_on_postgresql(threshold, expected):
    database = settings_for(POSTGRES_URL, threshold)

    assert database["ENGINE"] == "alternance.postgresql"
    assert database["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": expected}
    assert (database["NAME"], database["CONN_MAX_AGE"]) == ("alternance", 60)


@pytest.mark.parametrize("threshold", ["off", "OFF", " none ", "non"])
def test_off_keeps_djangos_own_behaviour(threshold):
    database = settings_for(POSTGRES_URL, threshold)

    # The backend stays (its batches are Django's when nothing is bound on the server).
    assert database["ENGINE"] == "alternance.postgresql"
    assert "server_side_binding" not in database.get("OPTIONS", {})
    assert "prepare_threshold" not in database.get("OPTIONS", {})


@pytest.mark.parametrize("threshold", ["-1", "cinq", "2,5", "5.0"])
def test_a_bad_threshold_stops_the_start_with_how_to_fix_it(threshold):
    with pytest.raises(ImproperlyConfigured) as error:
        settings_for(POSTGRES_URL, threshold)

    assert str(error.value) == (
        f"DATABASE_PREPARE_THRESHOLD vaut « {threshold} » : indiquez un nombre entier "
        "(0 ou plus, 5 par défaut) ou « off » pour ne rien préparer."
    )


def test_sqlite_is_left_as_django_reads_it():
    database = settings_for("sqlite:////tmp/alternance-test.sqlite3", "5")

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert "server_side_binding" not in database.get("OPTIONS", {})


@on_postgresql
def test_batches_stay_under_the_parameter_cap():
    fields = ClosurePeriod._meta.concrete_fields[1:]  # what an insert sends: 4 fields
    rows = [object()] * 100_000

    # Two parameters per field at most (an update's CASE WHEN pk = … THEN …), whatever the rows.
    assert connection.ops.bulk_batch_size(fields, rows) == MAX_SERVER_SIDE_PARAMETERS // 8 == 8191
    assert connection.ops.bulk_batch_size(fields[:1], rows) == 32767
    assert connection.ops.bulk_batch_size([], rows) == 32767


@on_postgresql
@pytest.mark.django_db
def test_an_update_of_more_than_65535_parameters_runs_in_batches():
    # Inserts go as one array per column (Django 5.2's UNNEST); an update sends, per row, its key and
    # a « WHEN pk = %s THEN %s » per field: 14 000 closures × 5 = 70 000 parameters, which one
    # statement could not carry.
    ClosurePeriod.objects.bulk_create(
        ClosurePeriod(label=f"Fermeture {n}", start_date=date(2027, 1, 1), end_date=date(2027, 1, 2)) for n in range(14_000)
    )
    rows = list(ClosurePeriod.objects.filter(label__startswith="Fermeture "))
    for row in rows:
        row.label, row.end_date = f"Pont {row.label[10:]}", date(2027, 1, 3)

    ClosurePeriod.objects.bulk_update(rows, ["label", "end_date"])

    assert ClosurePeriod.objects.filter(label__startswith="Pont ", end_date=date(2027, 1, 3)).count() == 14_000
    assert ClosurePeriod.objects.filter(label="Pont 13999").exists()


@on_postgresql
@pytest.mark.django_db
def test_a_statement_run_often_on_a_connection_is_prepared():
    user = User.objects.create_user(email="prepare@example.test", password="x" * 12, role=Role.TUTOR)
    assert connection.connection.prepare_threshold == 5

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%prepare-probe%"])
            return [row[0] for row in cursor.fetchall()]

    def probe() -> str:
        # A comment names the statement among the others the connection may hold prepared.
        with connection.cursor() as cursor:
            cursor.execute("SELECT email /* prepare-probe */ FROM alternance_user WHERE id = %s", [user.pk])
            return cursor.fetchone()[0]

    for _run in range(5):
        assert probe() == "prepare@example.test"
    assert prepared() == []  # five runs: not yet

    assert probe() == "prepare@example.test"  # the sixth is prepared, and still answers
    assert prepared() == ["SELECT email /* prepare-probe */ FROM alternance_user WHERE id = $1"]
