"""The staff lists' paginator (issue 18 §2): a page read as its keys first, then its rows by key, is
the same page, in the same order, as the plain OFFSET slice — with annotations and joins — and its key
query carries none of the joins the rows need; UNION and DISTINCT query sets are paginated as usual."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from alternance.models import Apprentice
from alternance.views.mixins import KeysFirstPaginator
from tests.factories.alternance import ApprenticeFactory, CohortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def learners():
    cohorts = [CohortFactory(name=f"Promotion {n}") for n in range(3)]
    # Equal last names: the sort's tie-break (pk) decides, as in the lists.
    for n in range(23):
        ApprenticeFactory(cohort=cohorts[n % 3], last_name=f"Nom {n % 7}", first_name=f"P{n:02d}")
    return Apprentice.objects.select_related("cohort__programme").annotate(visits_n=Count("visits")).order_by("last_name", "pk")


@pytest.mark.parametrize(("number", "size"), [(1, 5), (3, 5), (5, 3)])
def test_a_page_holds_the_rows_of_the_plain_slice_in_its_order(learners, number, size):
    expected = list(Paginator(learners, 5).page(number).object_list)
    page = KeysFirstPaginator(learners, 5).page(number)
    assert [a.pk for a in page.object_list] == [a.pk for a in expected]
    assert len(page.object_list) == size
    assert [(a.cohort.name, a.visits_n) for a in page.object_list] == [(a.cohort.name, a.visits_n) for a in expected]


def test_the_keys_query_is_narrow_and_the_page_costs_two_queries(learners):
    paginator = KeysFirstPaginator(learners, 5)
    assert paginator.count == 23
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(4)
        names = [a.cohort.programme.title for a in page.object_list]
    assert len(names) == 5 and len(queries) == 2
    keys_sql = queries[0]["sql"]
    assert "alternance_programme" not in keys_sql and "LIMIT 5" in keys_sql


def test_distinct_and_union_query_sets_are_paginated_as_usual(learners):
    distinct = Apprentice.objects.order_by("pk").distinct()
    union = Apprentice.objects.filter(first_name="P01").order_by().union(Apprentice.objects.filter(first_name="P02").order_by()).order_by("pk")
    for rows in (distinct, union):
        with CaptureQueriesContext(connection) as queries:
            page = KeysFirstPaginator(rows, 5).page(1)
            list(page.object_list)
        assert len(queries) == 2  # the count, then the page itself
