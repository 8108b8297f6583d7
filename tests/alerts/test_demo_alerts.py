"""The demo data contains a situation for every rule: its nightly run raises alerts of every kind."""

from io import StringIO

import pytest
from django.core.management import call_command

from alerts.choices import AlertStatus
from alerts.models import Alert, NightlyRun
from alerts.rules import ORDER

pytestmark = pytest.mark.django_db


def test_seed_demo_raises_alerts_of_every_rule_and_a_second_run_raises_nothing():
    call_command("seed_demo", apprentices=60, seed=7, today="2026-11-28", stdout=StringIO())

    assert set(Alert.objects.values_list("rule_code", flat=True)) == set(ORDER)
    assert sorted(Alert.objects.exclude(status=AlertStatus.NEW).values_list("status", flat=True)) == [AlertStatus.ASSIGNED, AlertStatus.VALIDATED]
    before = list(Alert.objects.order_by("pk").values_list("pk", "rule_code", "subject_id", "status"))
    out = StringIO()

    call_command("run_nightly_checks", "--date", "2026-11-28", stdout=out)

    assert list(Alert.objects.order_by("pk").values_list("pk", "rule_code", "subject_id", "status")) == before
    assert out.getvalue().splitlines()[-1] == f"Total : 0 levées, {len(before)} toujours ouvertes, 0 résolues."
    assert list(NightlyRun.objects.order_by("pk").values_list("trigger", "status")) == [("seed_demo", "succeeded"), ("command", "succeeded")]
