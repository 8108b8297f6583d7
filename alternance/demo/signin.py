"""Demo sign-in sheets (issue 19 §2): the sessions of the last four weeks before ``today`` are closed
and signed by their trainer, with one line per apprentice the demo's register has present or late
on that half-day (the register and the sheets tell the same story: an absent apprentice has no line).
Signatures are spread over the first minutes of the session (a late one at its lateness), mostly by
QR code, some by the code typed, one in fifteen noted by the trainer (no phone). The sheets of the
last day of the first cohorts are rendered as PDFs (issue 19 §3). Deterministic; sessions already
signed are left alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from alternance.choices import AttendanceStatus, SessionStatus, SignatureMethod, SigninState
from alternance.models import AttendanceRecord, SessionSignature, TrainingSession
from alternance.signin import codes, sheets
from alternance.signin.services import session_half

WEEKS = 4
SHEET_COHORTS = 8  # cohorts whose last day's sheets the demo renders as PDFs
PHONES = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def _at(day: date, moment) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def seed_signin(*, today: date) -> dict[str, int]:
    sessions = list(TrainingSession.objects.filter(
        day__range=(today - timedelta(weeks=WEEKS), today - timedelta(days=1)), status=SessionStatus.PLANNED,
        signin_state=SigninState.NOT_OPEN,
    ).select_related("cohort").order_by("day", "start_time", "pk"))
    if not sessions:
        return {}
    attended: dict[tuple[int, date, str], list[AttendanceRecord]] = {}
    for record in AttendanceRecord.objects.filter(
        day__range=(sessions[0].day, sessions[-1].day), apprentice__cohort__in={s.cohort_id for s in sessions},
        status__in=(AttendanceStatus.PRESENT, AttendanceStatus.LATE),
    ).select_related("apprentice").order_by("apprentice_id"):
        attended.setdefault((record.apprentice.cohort_id, record.day, record.half), []).append(record)
    signatures = []
    for session in sessions:
        start, end = _at(session.day, session.start_time), _at(session.day, session.end_time)
        session.signin_state, session.signin_secret = SigninState.CLOSED, codes.new_secret()
        session.signin_opened_at, session.signin_opened_by_id = start - timedelta(minutes=2), session.trainer_id
        session.closed_by_id, session.closed_at, session.closed_ip, session.closed_user_agent = (
            session.trainer_id, end, "10.0.0.1", DESKTOP)
        for index, record in enumerate(attended.get((session.cohort_id, session.day, session_half(session)), [])):
            signed_at = start + timedelta(minutes=record.minutes_late or (record.apprentice_id % 5), seconds=index % 50)
            line = SessionSignature(session=session, apprentice_id=record.apprentice_id, signed_at=signed_at,
                                    minutes_late=record.minutes_late)
            if record.apprentice_id % 15 == 0:
                line.method, line.manual_reason, line.recorded_by_id = SignatureMethod.MANUAL, "Pas de téléphone", session.trainer_id
            else:
                line.method = SignatureMethod.QR if record.apprentice_id % 4 else SignatureMethod.CODE
                line.code_used = codes.current_code(session, signed_at).code
                line.ip_address, line.user_agent = f"10.0.1.{record.apprentice_id % 250 + 1}", PHONES[record.apprentice_id % 2]
            signatures.append(line)
    TrainingSession.objects.bulk_update(sessions, [
        "signin_state", "signin_secret", "signin_opened_at", "signin_opened_by", "closed_by", "closed_at", "closed_ip",
        "closed_user_agent"], batch_size=500)
    SessionSignature.objects.bulk_create(signatures, batch_size=1000)
    # The signed sheets (PDF) of the last day of the first cohorts: what the closing's task would have
    # rendered. Only those, to keep the demo quick at any size (a PDF takes a fraction of a second);
    # the other closed sessions offer « Produire la feuille », and the cohort's page the monthly sheets.
    last_day: dict[int, date] = {}
    for session in sessions:
        last_day[session.cohort_id] = session.day
    shown = set(sorted(last_day)[:SHEET_COHORTS])
    rendered = [s for s in sessions if s.cohort_id in shown and s.day == last_day[s.cohort_id]]
    for session in rendered:
        sheets.session_sheet_store(session_id=session.pk, now=session.closed_at)
    return {"feuilles d'émargement signées": len(sessions), str(SessionSignature._meta.verbose_name_plural): len(signatures),
            "feuilles d'émargement en PDF": len(rendered)}
