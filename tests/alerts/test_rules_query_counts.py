"""Each rule runs a fixed number of queries: the same with 1 and with 5 subjects."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.rules import ORDER, RULES
from tests.alerts.conftest import SITUATION_OVERRIDES, TODAY, context, situation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ORDER)
def test_query_count_does_not_grow_with_the_number_of_subjects(code):
    ctx = context(TODAY + timedelta(days=20) if code == "visits_overdue" else TODAY, **SITUATION_OVERRIDES.get(code, {}))
    situation(code, 0)
    with CaptureQueriesContext(connection) as one:
        first = RULES[code](ctx)
    for index in range(1, 5):
        situation(code, index)
    with CaptureQueriesContext(connection) as five:
        second = RULES[code](ctx)

    assert (len(first), len(second)) == (1, 5)
    assert len(five) == len(one), [q["sql"][:120] for q in five.captured_queries]
