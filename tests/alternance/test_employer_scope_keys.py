"""An employer's scopes filter by the keys of its contracts, read first (issue 18 §2): on PostgreSQL
``= ANY(ARRAY(subquery))``, run once and looked up by index, instead of a semi-join the planner placed
after the pages' wide joins (183 ms → 2 ms for an employer's visits at 20 000 learners)."""

import pytest
from django.db import connection

from alternance import access
from alternance.extranet import selectors
from alternance.models import Apprentice, AttendanceRecord, Visit
from contracts.models import Contract, Document
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


@pytest.mark.parametrize("model", [Apprentice, Contract, Visit, AttendanceRecord, Document])
def test_each_employer_scope_reads_the_contract_keys_first(model):
    world = make_world()

    sql = str(access.visible(world.a.employer_user, model).query)

    assert ("= ANY(ARRAY((SELECT" in sql) is POSTGRESQL
    if model is not Document:  # a company document is also reached through the companies it is a contact of
        assert (" IN (SELECT" in sql) is not POSTGRESQL


@pytest.mark.skipif(not POSTGRESQL, reason="plan PostgreSQL")
def test_postgresql_runs_the_keys_once_and_reads_the_visits_by_index():
    world = make_world()
    qs = selectors._to_fill(world.a.employer_user).order_by("planned_date", "done_date", "pk")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would be scanned anyway
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "InitPlan" in plan
    assert "Semi Join" not in plan
    assert "contract_id = ANY ($" in plan


def test_the_employer_sees_the_same_rows_through_the_keys(client):
    world = make_world()
    employer = world.a.employer_user

    assert list(access.visible(employer, Contract).values_list("pk", flat=True)) == [world.a.contract.pk]
    assert list(access.visible(employer, Apprentice).values_list("pk", flat=True)) == [world.a.apprentice.pk]
    assert set(access.visible(employer, Visit).values_list("contract_id", flat=True)) <= {world.a.contract.pk}


@pytest.mark.parametrize("model", [Apprentice, Contract, Visit, AttendanceRecord, Document])
def test_within_a_request_of_its_own_each_scope_compares_with_the_ids_read_once(model, django_assert_num_queries):
    world = make_world()
    employer = world.a.employer_user
    with access.request_keys(employer.pk):
        with django_assert_num_queries(1):  # the keys, read at the first scope
            access.visible(employer, Apprentice)
        with django_assert_num_queries(0):
            sql, params = access.visible(employer, model).query.sql_with_params()

    assert "ANY(ARRAY" not in sql
    if model is not Document:  # a company document is also reached through the companies it is a contact of
        assert " IN (SELECT" not in sql
        assert "companies_companycontact" not in sql  # the attendance's contract covering the day included
    if connection.vendor == "postgresql":
        # The ids as one array parameter (``access._AmongIds``): the same statement whatever their
        # number, which psycopg parses once.
        assert "= ANY(%s))" in sql and " IN (%s" not in sql
        assert [world.a.contract.pk] in params or [world.a.apprentice.pk] in params
    else:
        assert " IN (%s)" in sql
        assert world.a.contract.pk in params or world.a.apprentice.pk in params


@pytest.mark.parametrize("in_request", [False, True])
def test_an_employer_sees_each_apprentices_days_of_its_own_contract_only(in_request):
    """Two apprentices of one employer, their contracts at different times: a day of the first one
    outside its own contract is hidden, even when it falls within the second one's contract — with
    the scope's subqueries or within a request of its own (the contracts' ids read once)."""
    from datetime import timedelta

    from alternance.choices import AttendanceStatus
    from contracts.choices import ContractStatus
    from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory
    from tests.factories.contracts import ContractFactory

    world = make_world()
    first, second = world.a.apprentice, ApprenticeFactory(cohort=world.a.cohort)
    first_contract = world.a.contract
    later = first_contract.end_date + timedelta(days=1)
    ContractFactory(apprentice=second, company=world.a.company, status=ContractStatus.IN_PROGRESS,
                    start_date=later, practical_training_start_date=later, end_date=later + timedelta(days=365))
    inside = AttendanceRecordFactory(apprentice=first, day=first_contract.start_date, status=AttendanceStatus.ABSENT)
    outside = AttendanceRecordFactory(apprentice=first, day=later + timedelta(days=1), status=AttendanceStatus.ABSENT)
    second_day = AttendanceRecordFactory(apprentice=second, day=later + timedelta(days=1), status=AttendanceStatus.ABSENT)

    with access.request_keys(world.a.employer_user.pk if in_request else None):
        visible = set(access.visible(world.a.employer_user, AttendanceRecord).values_list("pk", flat=True))

    assert inside.pk in visible and second_day.pk in visible
    assert outside.pk not in visible
