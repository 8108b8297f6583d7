"""The sign-in of the training sessions (issue 19 §2): opening, the rotating code at its limits (its
own 30-second step and the next are accepted, the one before is expired), every refusal (other cohort,
twice, not open, closed, replay after a reopening, not expected), the lateness tolerance at its limits
(the setting ``AttendanceSettings.signin_late_tolerance_minutes``), closing (absent → to justify, the
register and its tally written), the office's reopening, and a sign-in's fixed number of queries."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from alternance.attendance.services import my_absences
from alternance.choices import AttendanceStatus, JustificationStatus, SignatureMethod, SigninState
from alternance.models import AttendanceRecord, AttendanceSettings, AttendanceTally, SessionSignature, TrainingSession
from alternance.sessions import services as session_services
from alternance.signin import codes, services
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    ApprenticeUserFactory,
    CohortFactory,
    TrainingSessionFactory,
)
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)  # a centre day of the factory's CCEEE cohort
OPENED = datetime(2026, 12, 7, 9, 0, 5, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()


@pytest.fixture
def session():
    return TrainingSessionFactory(day=MONDAY, start_time=time(9, 0), end_time=time(12, 30))


def learner(cohort, **fields):
    return ApprenticeFactory(cohort=cohort, user=ApprenticeUserFactory(), **fields)


@pytest.fixture
def opened(session):
    return services.signin_open(session=session, by=session.trainer, now=OPENED)


def sign(session, apprentice, at, code=None):
    return services.signin_sign(
        session_pk=session.pk, user=apprentice.user, code=code or codes.current_code(session, at).code,
        method=SignatureMethod.QR, ip="192.0.2.10", user_agent="Mobile Safari", now=at)


def refusal(call) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.code, refused.value.messages[0]


# --- opening --------------------------------------------------------------------------------------

def test_opening_draws_a_secret_and_keeps_who_and_when(opened):
    row = TrainingSession.objects.get(pk=opened.pk)
    assert (row.signin_state, row.signin_opened_at, row.signin_opened_by_id) == (SigninState.OPEN, OPENED, opened.trainer_id)
    assert len(row.signin_secret) == 64


def test_opening_is_refused_another_day(session):
    code, message = refusal(lambda: services.signin_open(session=session, by=session.trainer, now=OPENED - timedelta(days=1)))
    assert (code, message) == ("not_today", "L'émargement s'ouvre le jour de la séance, le 07/12/2026.")
    assert TrainingSession.objects.get(pk=session.pk).signin_state == SigninState.NOT_OPEN


def test_opening_is_refused_on_a_company_day_of_the_cohort():
    wednesday = TrainingSessionFactory(day=date(2026, 12, 9))  # CCEEE: Wednesday is a company day
    code, message = refusal(lambda: services.signin_open(
        session=wednesday, by=wednesday.trainer, now=datetime(2026, 12, 9, 9, 0, tzinfo=PARIS)))
    assert code == "not_a_centre_day"
    assert message.startswith("La promotion n'est pas au centre le 09/12/2026 (")


def test_opening_twice_is_refused(opened):
    code, _message = refusal(lambda: services.signin_open(session=opened, by=opened.trainer, now=OPENED))
    assert code == "transition"


def test_the_database_refuses_an_open_sign_in_without_secret(opened):
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSession.objects.filter(pk=opened.pk).update(signin_secret="")


def test_an_opened_session_can_no_longer_be_moved_split_or_cancelled(opened):
    for call in (
        lambda: session_services.session_update(session=opened, by=opened.trainer, start_time=time(10, 0)),
        lambda: session_services.session_split(session=opened, at=time(10, 0), by=opened.trainer),
        lambda: session_services.session_cancel(session=opened, reason="Formateur absent", by=opened.trainer),
    ):
        assert refusal(call)[0] == "signin_started"
    row = TrainingSession.objects.get(pk=opened.pk)
    assert (row.start_time, row.end_time, row.status) == (time(9, 0), time(12, 30), "planned")


# --- the code at its limits ----------------------------------------------------------------------

def test_a_code_is_accepted_in_its_step_and_the_next_then_expired(opened):
    step = codes.step_seconds()
    assert step == 30
    start = datetime.fromtimestamp((int(OPENED.timestamp()) // step + 4) * step, tz=PARIS)  # the start of a step
    shown = codes.current_code(opened, start).code
    assert codes.check(opened, shown, start) == codes.VALID
    assert codes.check(opened, shown, start + timedelta(seconds=step - 1)) == codes.VALID  # same step
    assert codes.check(opened, shown, start + timedelta(seconds=2 * step - 1)) == codes.VALID  # the next step
    assert codes.check(opened, shown, start + timedelta(seconds=2 * step)) == codes.EXPIRED  # two steps later
    assert codes.check(opened, shown.replace(shown[0], str((int(shown[0]) + 1) % 10), 1), start) == codes.UNKNOWN


def test_the_code_changes_every_step_and_differs_between_sessions(opened):
    other = services.signin_open(
        session=TrainingSessionFactory(day=MONDAY, start_time=time(9, 0), end_time=time(12, 0)), by=opened.trainer, now=OPENED)
    now = OPENED + timedelta(minutes=5)
    assert codes.current_code(opened, now).code != codes.current_code(opened, now + timedelta(seconds=30)).code
    assert codes.current_code(opened, now).code != codes.current_code(other, now).code
    assert codes.check(other, codes.current_code(opened, now).code, now) != codes.VALID


def test_typed_codes_accept_spaces_and_dashes(opened):
    now = OPENED + timedelta(seconds=40)
    code = codes.current_code(opened, now).code
    assert codes.check(opened, f"{code[:3]} {code[3:]}", now) == codes.VALID
    assert codes.check(opened, f"{code[:3]}-{code[3:]}", now) == codes.VALID
    assert codes.check(opened, code[:5], now) == codes.UNKNOWN


# --- signing and its refusals -----------------------------------------------------------------------

def test_a_signature_keeps_time_address_browser_and_code(opened):
    apprentice = learner(opened.cohort)
    at = OPENED + timedelta(minutes=2)
    sign(opened, apprentice, at)
    row = SessionSignature.objects.get(session=opened, apprentice=apprentice)
    assert (row.signed_at, row.ip_address, row.user_agent, row.code_used, row.method, row.minutes_late) == (
        at, "192.0.2.10", "Mobile Safari", codes.current_code(opened, at).code, SignatureMethod.QR, 0)


def test_a_second_signature_is_refused(opened):
    apprentice = learner(opened.cohort)
    sign(opened, apprentice, OPENED + timedelta(minutes=2))
    code, message = refusal(lambda: sign(opened, apprentice, OPENED + timedelta(minutes=3)))
    assert (code, message) == ("already_signed", "Vous avez déjà émargé pour cette séance, à 09:02 : c'est enregistré.")
    assert SessionSignature.objects.filter(apprentice=apprentice).count() == 1


def test_an_apprentice_of_another_cohort_is_refused(opened):
    stranger = learner(CohortFactory(name="BTS NDRC 2026"))
    code, message = refusal(lambda: sign(opened, stranger, OPENED + timedelta(minutes=1)))
    assert code == "other_cohort"
    assert message == ("Ce code est celui d'une séance d'une autre promotion : vous ne pouvez émarger que pour les séances de "
                       "votre promotion.")
    assert opened.cohort.name not in message
    assert not SessionSignature.objects.exists()


def test_an_expired_code_is_refused(opened):
    apprentice = learner(opened.cohort)
    old = codes.current_code(opened, OPENED).code
    code, message = refusal(lambda: sign(opened, apprentice, OPENED + timedelta(minutes=2), code=old))
    assert code == "expired_code"
    assert message.startswith("Ce code a expiré : il change toutes les 30 secondes.")


def test_a_session_not_open_is_refused(session):
    apprentice = learner(session.cohort)
    code, _message = refusal(lambda: sign(session, apprentice, OPENED, code="123456"))
    assert code == "not_open"


def test_a_closed_session_is_refused(opened):
    apprentice = learner(opened.cohort)
    services.signin_close(session=opened, by=opened.trainer, ip="192.0.2.1", user_agent="Firefox", now=OPENED + timedelta(hours=3))
    code, message = refusal(lambda: sign(opened, apprentice, OPENED + timedelta(hours=3, minutes=1)))
    assert (code, message) == ("closed", "L'émargement de cette séance est clos depuis 12:00 : adressez-vous au formateur·rice.")


def test_a_code_shown_before_a_reopening_is_worthless_after_it(opened):
    apprentice = learner(opened.cohort)
    closed_at = OPENED + timedelta(hours=3)
    before = codes.current_code(opened, closed_at).code
    services.signin_close(session=opened, by=opened.trainer, ip=None, user_agent="", now=closed_at)
    services.signin_reopen(session=opened, reason="Apprentie oubliée", by=AdminStaffFactory(), now=closed_at + timedelta(seconds=5))
    code, _message = refusal(lambda: sign(opened, apprentice, closed_at + timedelta(seconds=10), code=before))
    assert code == "unknown_code"


def test_an_apprentice_not_yet_in_training_is_not_expected(opened):
    late_starter = learner(opened.cohort, training_start_date=MONDAY + timedelta(days=1))
    code, _message = refusal(lambda: sign(opened, late_starter, OPENED + timedelta(minutes=1)))
    assert code == "not_expected"


def test_wrong_codes_are_throttled_at_the_limit(opened, settings):
    settings.SIGNIN_MAX_FAILURES = 3
    apprentice = learner(opened.cohort)
    at = OPENED + timedelta(minutes=1)
    wrong = "000000" if codes.current_code(opened, at).code != "000000" else "111111"
    for _attempt in range(3):
        assert refusal(lambda: sign(opened, apprentice, at, code=wrong))[0] in ("unknown_code", "expired_code")
    assert refusal(lambda: sign(opened, apprentice, at))[0] == "throttled"  # even the right code, until the window ends


def test_the_code_typed_without_session_finds_the_cohort_session(opened):
    apprentice = learner(opened.cohort)
    at = OPENED + timedelta(minutes=1)
    signature = services.signin_sign_by_code(user=apprentice.user, code=codes.current_code(opened, at).display, ip=None,
                                             user_agent="", now=at)
    assert (signature.session_id, signature.method) == (opened.pk, SignatureMethod.CODE)


def test_the_code_typed_of_another_cohort_session_says_so(opened):
    stranger = learner(CohortFactory(name="BTS NDRC 2026"))
    TrainingSessionFactory(cohort=stranger.cohort, day=MONDAY)  # its cohort has a session, not open
    at = OPENED + timedelta(minutes=1)
    code, message = refusal(lambda: services.signin_sign_by_code(
        user=stranger.user, code=codes.current_code(opened, at).code, ip=None, user_agent="", now=at))
    assert code == "other_cohort"
    assert opened.cohort.name not in message


# --- lateness at the tolerance's limits -----------------------------------------------------------

@pytest.mark.parametrize(("after_start", "expected"), [
    (timedelta(minutes=9, seconds=59), 0),
    (timedelta(minutes=10, seconds=59), 0),  # 10 whole minutes: within the tolerance of 10
    (timedelta(minutes=11), 11),  # past it: late by 11 minutes
    (timedelta(minutes=12), 12),
])
def test_lateness_setting_signin_late_tolerance_minutes_at_its_limits(session, after_start, expected):
    start = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
    assert AttendanceSettings.load().signin_late_tolerance_minutes == 10
    assert services.minutes_late(session, start + after_start, tolerance=10) == expected


def test_a_tolerance_of_zero_makes_the_first_minute_late(session):
    start = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
    assert services.minutes_late(session, start + timedelta(seconds=59), tolerance=0) == 0
    assert services.minutes_late(session, start + timedelta(minutes=1), tolerance=0) == 1


# --- closing ---------------------------------------------------------------------------------------

def test_closing_writes_the_half_day_and_the_absent_is_to_justify(opened):
    on_time, late, absent = (learner(opened.cohort, last_name=name) for name in ("Alpha", "Bravo", "Charlie"))
    sign(opened, on_time, OPENED + timedelta(minutes=1))
    sign(opened, late, datetime(2026, 12, 7, 9, 25, tzinfo=PARIS))
    closed_at = datetime(2026, 12, 7, 12, 31, tzinfo=PARIS)
    services.signin_close(session=opened, by=opened.trainer, ip="192.0.2.1", user_agent="Firefox", now=closed_at)

    row = TrainingSession.objects.get(pk=opened.pk)
    assert (row.signin_state, row.closed_by_id, row.closed_at, row.closed_ip) == (
        SigninState.CLOSED, opened.trainer_id, closed_at, "192.0.2.1")
    records = {r.apprentice_id: r for r in AttendanceRecord.objects.filter(day=MONDAY, half="am")}
    assert (records[on_time.pk].status, records[on_time.pk].minutes_late) == (AttendanceStatus.PRESENT, 0)
    assert (records[late.pk].status, records[late.pk].minutes_late) == (AttendanceStatus.LATE, 25)
    assert (records[absent.pk].status, records[absent.pk].justification) == (AttendanceStatus.ABSENT, JustificationStatus.NONE)
    assert list(my_absences(absent.user)) == [records[absent.pk]]
    tally = AttendanceTally.objects.get(cohort=opened.cohort, day=MONDAY)
    assert (tally.recorded, tally.attended) == (3, 2)


def test_a_manual_mark_counts_as_present_with_its_reason(opened):
    no_phone = learner(opened.cohort)
    services.signin_mark(session=opened, apprentice=no_phone, reason="Pas de téléphone", minutes=0, by=opened.trainer,
                         now=OPENED + timedelta(minutes=30))
    services.signin_close(session=opened, by=opened.trainer, ip=None, user_agent="", now=OPENED + timedelta(hours=3))
    line = SessionSignature.objects.get(apprentice=no_phone)
    assert (line.method, line.manual_reason, line.recorded_by_id) == (SignatureMethod.MANUAL, "Pas de téléphone", opened.trainer_id)
    assert AttendanceRecord.objects.get(apprentice=no_phone).status == AttendanceStatus.PRESENT


def test_a_manual_mark_needs_a_reason(opened):
    with pytest.raises(ValidationError) as refused:
        services.signin_mark(session=opened, apprentice=learner(opened.cohort), reason=" ", minutes=0, by=opened.trainer, now=OPENED)
    assert refused.value.message_dict == {
        "reason": ["Indiquez pourquoi l'apprenti·e ne signe pas, par exemple « pas de téléphone »."]}
    assert not SessionSignature.objects.exists()


def test_a_struck_line_leaves_the_apprentice_absent_and_the_reason_in_history(opened):
    apprentice = learner(opened.cohort)
    signature = sign(opened, apprentice, OPENED + timedelta(minutes=1))
    services.signin_strike(signature=signature, reason="Absent de la salle", by=opened.trainer)
    services.signin_close(session=opened, by=opened.trainer, ip=None, user_agent="", now=OPENED + timedelta(hours=3))
    assert AttendanceRecord.objects.get(apprentice=apprentice).status == AttendanceStatus.ABSENT


def test_signing_only_the_second_session_of_the_morning_is_late_from_the_first_start(session):
    second = TrainingSessionFactory(cohort=session.cohort, day=MONDAY, start_time=time(12, 30), end_time=time(13, 0))
    apprentice = learner(session.cohort)
    session, second = (services.signin_open(session=each, by=session.trainer, now=OPENED) for each in (session, second))
    sign(second, apprentice, datetime(2026, 12, 7, 12, 35, tzinfo=PARIS))
    for each in (session, second):
        services.signin_close(session=each, by=session.trainer, ip=None, user_agent="", now=datetime(2026, 12, 7, 13, 0, tzinfo=PARIS))
    record = AttendanceRecord.objects.get(apprentice=apprentice, half="am")
    assert (record.status, record.minutes_late) == (AttendanceStatus.LATE, 215)


def test_the_office_reopens_with_a_reason_and_closing_again_rewrites_the_half_day(opened):
    apprentice = learner(opened.cohort)
    services.signin_close(session=opened, by=opened.trainer, ip=None, user_agent="", now=OPENED + timedelta(hours=3))
    assert AttendanceRecord.objects.get(apprentice=apprentice).status == AttendanceStatus.ABSENT
    office = AdminStaffFactory()
    services.signin_reopen(session=opened, reason="Oubli : présente sans téléphone", by=office, now=OPENED + timedelta(hours=4))
    row = TrainingSession.objects.get(pk=opened.pk)
    assert (row.signin_state, row.closed_at) == (SigninState.OPEN, None)
    services.signin_mark(session=row, apprentice=apprentice, reason="Sans téléphone", minutes=0, by=office, now=OPENED + timedelta(hours=4))
    services.signin_close(session=row, by=office, ip=None, user_agent="", now=OPENED + timedelta(hours=4, minutes=1))
    assert AttendanceRecord.objects.get(apprentice=apprentice).status == AttendanceStatus.PRESENT
    from auditlog.models import LogEntry
    notes = [entry.additional_data.get("note") for entry in LogEntry.objects.filter(object_pk=str(opened.pk)) if entry.additional_data]
    assert "Oubli : présente sans téléphone" in notes


# --- scale -----------------------------------------------------------------------------------------

def _queries_of_one_signature(session, apprentice, at) -> int:
    with CaptureQueriesContext(connection) as captured:
        sign(session, apprentice, at)
    return len(captured)


def test_a_signature_costs_the_same_queries_in_a_cohort_of_3_and_of_40():
    small = services.signin_open(session=TrainingSessionFactory(day=MONDAY), by=None, now=OPENED)
    big = services.signin_open(session=TrainingSessionFactory(day=MONDAY), by=None, now=OPENED)
    small_members = [learner(small.cohort) for _ in range(3)]
    big_members = [learner(big.cohort) for _ in range(40)]
    at = OPENED + timedelta(minutes=1)
    for apprentice in big_members[:-1]:
        sign(big, apprentice, at)
    assert _queries_of_one_signature(small, small_members[0], at) == _queries_of_one_signature(big, big_members[-1], at)
