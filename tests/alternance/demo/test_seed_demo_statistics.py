"""After its bulk load, ``seed_demo`` gathers the planner's statistics; on PostgreSQL outside a
transaction it also vacuums, so that the counts an index answers alone never visit the table."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alternance.management.commands.seed_demo import Command


def statements() -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        Command()._refresh_planner_statistics()
    return [q["sql"] for q in queries]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_postgresql_vacuums_and_analyzes():
    assert statements() == (["VACUUM ANALYZE"] if connection.vendor == "postgresql" else ["ANALYZE"])


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_it_only_analyzes():
    with transaction.atomic():
        assert statements() == ["ANALYZE"]
