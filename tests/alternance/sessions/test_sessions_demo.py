"""seed_demo's training sessions (issue 19 §1): every demo cohort gets its sessions on its centre
days only (never on a closure or a public holiday), with its referent tutor as trainer, a subject
and a room; one cancelled session shows its reason; generating again creates nothing. The sessions
of the last four weeks are closed and signed (issue 19 §2), their lines matching the register."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from alternance.choices import AttendanceStatus, SessionStatus, SigninState
from alternance.models import AttendanceRecord, Cohort, SessionSignature, TrainingSession
from alternance.planning import calendar as planning
from alternance.planning.rhythm import CENTRE
from alternance.sessions.services import sessions_generate
from alternance.signin.services import session_half

pytestmark = pytest.mark.django_db


def test_the_demo_generates_dressed_sessions_on_centre_days_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", apprentices=60, seed=7, today="2026-11-28", stdout=StringIO())

    cohorts = list(Cohort.objects.select_related("referent_tutor"))
    for cohort in cohorts:
        sessions = list(TrainingSession.objects.filter(cohort=cohort))
        days = planning.cohort_days(cohort, cohort.start_date, cohort.end_date)
        centre_days = {day for day, where in days.items() if where.place == CENTRE}
        assert {s.day for s in sessions} == centre_days, cohort.name
        assert len(sessions) == 2 * len(centre_days)
        assert {s.trainer_id for s in sessions} == {cohort.referent_tutor_id}
        assert all(s.subject and s.room for s in sessions)
    cancelled = list(TrainingSession.objects.filter(status=SessionStatus.CANCELLED).values_list("day", "cancel_reason"))
    assert len(cancelled) == 1 and cancelled[0][0] > date(2026, 11, 28)
    assert cancelled[0][1] == "Formateur en jury d'examen"
    again = [sessions_generate(cohort=c, start=c.start_date, end=c.end_date, created_by=None).created_count for c in cohorts]
    assert again == [0] * len(cohorts)

    # Issue 19 §2: the sessions of the four weeks before today are closed and signed; their lines
    # are exactly the register's present and late half-days (an absent apprentice has none).
    signed = TrainingSession.objects.filter(signin_state=SigninState.CLOSED)
    assert signed.exists()
    assert set(signed.values_list("day", flat=True)) <= {date(2026, 10, 31) + timedelta(days=n) for n in range(28)}
    assert not TrainingSession.objects.filter(signin_state=SigninState.CLOSED, closed_at__isnull=True).exists()
    assert not TrainingSession.objects.filter(day__gte=date(2026, 11, 28)).exclude(signin_state=SigninState.NOT_OPEN).exists()
    lines = {(line.apprentice_id, line.session.day, session_half(line.session))
             for line in SessionSignature.objects.select_related("session__cohort")}
    attended = set(AttendanceRecord.objects.filter(
        day__in=signed.values("day"), status__in=(AttendanceStatus.PRESENT, AttendanceStatus.LATE),
    ).values_list("apprentice_id", "day", "half"))
    assert lines and lines <= attended

    # Issue 19 §3: the last signed day of the first cohorts has its sessions' signed sheets (PDF), current for
    # their closing; the earlier days' are not rendered (the page offers to render them).
    from alternance.demo.signin import SHEET_COHORTS
    from alternance.signin.sheets import current_session_sheet
    from contracts.choices import DocumentKind
    from contracts.models import Document

    last_days = {}
    for session in signed.order_by("day"):
        last_days[session.cohort_id] = session.day
    shown = sorted(last_days)[:SHEET_COHORTS]
    expected = [s for s in signed.select_related("cohort", "closed_by") if s.cohort_id in shown and s.day == last_days[s.cohort_id]]
    assert len(shown) == min(SHEET_COHORTS, len(last_days)) and expected
    assert {d.training_session_id for d in Document.objects.filter(kind=DocumentKind.SIGNIN_SHEET)} == {s.pk for s in expected}
    assert all(current_session_sheet(s) is not None for s in expected)
