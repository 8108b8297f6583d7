"""The sign-in load test's data (``manage.py loadtest_signin``, issue 19 §4): setup opens one session
per cohort on the next centre day (a Saturday's next is the Monday), run twice it starts afresh;
report fails until every apprentice of the plan signed exactly once."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from alternance.choices import SignatureMethod, SigninState
from alternance.models import Apprentice, TrainingSession, User
from alternance.signin import codes, services
from tests.factories.alternance import ProgrammeFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def saturday(time_machine):
    cache.clear()
    time_machine.move_to(datetime(2026, 12, 5, 18, 0, tzinfo=PARIS), tick=False)


def test_setup_opens_the_sessions_of_the_next_centre_day_and_report_checks_every_signature(tmp_path):
    ProgrammeFactory()
    plan_path = tmp_path / "plan.json"
    call_command("loadtest_signin", "setup", plan=str(plan_path), cohorts=2, size=3, stdout=StringIO())
    call_command("loadtest_signin", "setup", plan=str(plan_path), cohorts=2, size=3, stdout=StringIO())  # afresh
    plan = json.loads(plan_path.read_text())

    assert plan["day"] == "2026-12-07"
    assert (len(plan["sessions"]), len(plan["apprentices"])) == (2, 6)
    assert Apprentice.objects.count() == 6 and User.objects.filter(email__startswith="charge-emargement").count() == 8
    sessions = list(TrainingSession.objects.order_by("pk"))
    assert [s.pk for s in sessions] == [s["pk"] for s in plan["sessions"]]
    assert {s.signin_state for s in sessions} == {SigninState.OPEN}
    with pytest.raises(CommandError, match="Attendu : 6 signatures"):
        call_command("loadtest_signin", "report", plan=str(plan_path), stdout=StringIO())

    at = datetime(2026, 12, 7, 9, 1, tzinfo=PARIS)
    by_pk = {s.pk: s for s in sessions}
    for entry in plan["apprentices"]:
        session = by_pk[entry["session"]]
        services.signin_sign(session_pk=session.pk, user=User.objects.get(email=entry["email"]),
                             code=codes.current_code(session, at).code, method=SignatureMethod.CODE, ip=None, user_agent="", now=at)
    out = StringIO()
    call_command("loadtest_signin", "report", plan=str(plan_path), stdout=out)
    assert out.getvalue().strip() == "Signatures enregistrées : 6 sur 6 (3, 3 par séance)."
