"""A CRE's and a tutor's alerts (issue 18 §2): the alerts assigned to them or about their portfolio's
companies / their cohorts' learners, the companies or learners read first as keys — joined, the
whole register was hash-joined with the 12 000 companies for each count and page (10 ms each at
20 000 learners, 1 ms by the keys). The same rows either way: the access-policy matrix holds them."""

import pytest
from django.db import connection

from alerts.models import Alert
from alternance import access
from tests.factories.alerts import AlertFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


@pytest.mark.parametrize(("role", "keys_table"), [("cre", "companies_company"), ("tutor", "alternance_apprentice")])
def test_the_scope_reads_the_keys_first_and_joins_nothing(role, keys_table):
    world = make_world()
    user = getattr(world.a, role)

    sql = str(access.visible(user, Alert).query)

    outer = sql.split(" WHERE ")[0]
    assert " JOIN " not in outer
    assert (f'= ANY(ARRAY((SELECT U0."id" AS "pk" FROM "{keys_table}"' in sql) is POSTGRESQL
    assert (f'IN (SELECT U0."id" AS "pk" FROM "{keys_table}"' in sql) is not POSTGRESQL


@pytest.mark.parametrize("role", ["cre", "tutor"])
def test_an_alert_is_seen_when_assigned_or_about_the_scope_and_not_otherwise(role):
    world = make_world()
    user, other = getattr(world.a, role), getattr(world.b, role)
    about_mine = AlertFactory(rule_code="test.mine", company=world.a.company, apprentice=world.a.apprentice)
    assigned = AlertFactory(rule_code="test.assigned", company=world.b.company, apprentice=world.b.apprentice, assignee=user)
    about_theirs = AlertFactory(rule_code="test.theirs", company=world.b.company, apprentice=world.b.apprentice, assignee=other)
    about_no_one = AlertFactory(rule_code="test.orphan", company=None, apprentice=world.b.seeking)

    visible = set(access.visible(user, Alert).filter(rule_code__startswith="test."))  # the world has its own alerts

    assert visible == {about_mine, assigned}
    assert about_theirs not in visible and about_no_one not in visible
