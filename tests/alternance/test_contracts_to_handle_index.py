"""The admin staff's « Contrats à traiter » read along a partial index of their statuses (issue 18 §2:
12 ms at 20 000 contracts through contract_start_idx, 17 000 other contracts filtered out; 0,1 ms
along contract_to_handle_idx): the index's condition names exactly the statuses of the list, and
PostgreSQL uses it."""

import pytest
from django.db import connection

from alternance import access
from alternance.selectors import CONTRACTS_TO_HANDLE_STATUSES
from contracts.models import Contract
from tests.factories.alternance import AdminStaffFactory

pytestmark = pytest.mark.django_db


def test_the_index_condition_names_the_statuses_to_handle():
    index = next(index for index in Contract._meta.indexes if index.name == "contract_to_handle_idx")

    assert index.fields == ["start_date", "id"]
    assert index.condition.children == [("status__in", list(CONTRACTS_TO_HANDLE_STATUSES))]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plan PostgreSQL")
def test_postgresql_reads_the_contracts_to_handle_along_the_index():
    qs = (
        access.visible(AdminStaffFactory(), Contract).filter(status__in=CONTRACTS_TO_HANDLE_STATUSES)
        .exclude(pk__in=[0]).order_by("start_date", "pk")[:50]
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would be scanned anyway
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "contract_to_handle_idx" in plan
