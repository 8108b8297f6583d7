"""Writes of the sign-in (issue 19 §2): open a session's sign-in, an apprentice signs by the code of
the moment, the trainer notes who cannot sign or strikes a line, closes and signs the sheet (the
half-day's attendance is then written through the register's service), the office reopens it.

The state machine (``TRANSITIONS``) moves by compare-and-set with a history row, as the sessions'.
A sign-in costs a fixed number of queries whatever the cohort's size (the session, the apprentice's
place that day, the settings, the insert). Every refusal says in French what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.attendance import register
from alternance.attendance.roster import register_apprentices
from alternance.choices import AttendanceStatus, HalfDay, SessionStatus, SignatureMethod, SigninState
from alternance.history.services import record_change, record_update
from alternance.models import Apprentice, AttendanceSettings, SessionSignature, TrainingSession, User
from alternance.outbox import enqueue
from alternance.planning import calendar as planning
from alternance.planning.rhythm import CENTRE
from alternance.signin import codes

TRANSITIONS = {
    (SigninState.NOT_OPEN, SigninState.OPEN),
    (SigninState.OPEN, SigninState.CLOSED),
    (SigninState.CLOSED, SigninState.OPEN),  # the office's reopening, with a reason
}

USER_AGENT_MAX = 400
# The tasks rendering the signed sheets (alternance.signin.tasks, issue 19 §3), started by name.
SHEET_TASK = "alternance.signin_sheet_store"
MONTHLY_TASK = "alternance.signin_monthly_sheets_store"


def _other_cohort_message() -> str:
    # The other cohort is not named: an apprentice learns nothing of a session not its own.
    return _("Ce code est celui d'une séance d'une autre promotion : vous ne pouvez émarger que pour les séances de "
             "votre promotion.")
MANUAL_REASON_MAX = 200


def _hhmm(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def _session_start(session: TrainingSession) -> datetime:
    return timezone.make_aware(datetime.combine(session.day, session.start_time))


def session_half(session: TrainingSession) -> str:
    """The half-day a session belongs to in the register: the afternoon when it starts at or after
    the cohort's afternoon start, the morning otherwise."""
    return HalfDay.AFTERNOON if session.start_time >= session.cohort.session_afternoon_start else HalfDay.MORNING


def minutes_late(session: TrainingSession, signed_at: datetime, *, tolerance: int) -> int:
    """Whole minutes after the session's start when they pass the tolerance, 0 otherwise: with a
    tolerance of 10, a signature 10 minutes after the start is on time, 11 minutes after is late by 11."""
    late = int((signed_at - _session_start(session)).total_seconds() // 60)
    return late if late > tolerance else 0


def _transition(session: TrainingSession, *, to: str, by: User, values: dict, kind: str, note: str = "") -> TrainingSession:
    if (session.signin_state, to) not in TRANSITIONS:
        raise ValidationError(_("L'émargement de cette séance ne peut pas passer de l'état « %(from)s » à « %(to)s ».") % {
            "from": session.get_signin_state_display(), "to": SigninState(to).label}, code="transition")
    values = {"signin_state": to, "updated_at": timezone.now(), **values}
    updated = TrainingSession.objects.filter(pk=session.pk, signin_state=session.signin_state).update(**values)
    if not updated:
        raise ValidationError(_("L'émargement a été modifié entre-temps : rechargez la page."), code="stale")
    record_update(session, {k: v for k, v in values.items() if k != "signin_secret"}, actor=by, kind=kind, note=note)
    for name, value in values.items():
        setattr(session, name, value)
    return session


def _locked(session: TrainingSession) -> TrainingSession:
    return TrainingSession.objects.select_for_update().select_related("cohort").get(pk=session.pk)


@transaction.atomic
def signin_open(*, session: TrainingSession, by: User, now: datetime) -> TrainingSession:
    """Open the sign-in of a planned session, on its day, when its cohort is at the centre that day
    (the register's rule: attendance is recorded only on a real centre day)."""
    session = _locked(session)
    if session.is_cancelled:
        raise ValidationError(_("Cette séance est annulée : rétablissez-la avant d'ouvrir l'émargement."), code="cancelled")
    today = timezone.localtime(now).date()
    if session.day != today:
        raise ValidationError(_("L'émargement s'ouvre le jour de la séance, le %(day)s.") % {"day": f"{session.day:%d/%m/%Y}"},
                              code="not_today")
    where = planning.cohort_days(session.cohort, session.day, session.day)[session.day]
    if where.place != CENTRE:
        raise ValidationError(_(
            "La promotion n'est pas au centre le %(day)s (%(place)s) : déplacez la séance sur un jour de formation "
            "au centre avant d'ouvrir l'émargement.") % {"day": f"{session.day:%d/%m/%Y}", "place": where.label},
            code="not_a_centre_day")
    return _transition(session, to=SigninState.OPEN, by=by, kind="signin_opened", values={
        "signin_secret": codes.new_secret(), "signin_opened_at": now, "signin_opened_by": by})


# --- the apprentice signs -------------------------------------------------------------------------

def _failures_key(user: User) -> str:
    return f"signin-failures:{user.pk}"


def _count_failure(user: User) -> None:
    key = _failures_key(user)
    if not cache.add(key, 1, timeout=settings.SIGNIN_FAILURE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=settings.SIGNIN_FAILURE_WINDOW_SECONDS)


def _refuse(user: User, message: str, code: str) -> ValidationError:
    if code in ("unknown_code", "expired_code"):
        _count_failure(user)
    return ValidationError(message, code=code)


def _check_throttle(user: User) -> None:
    if (cache.get(_failures_key(user)) or 0) >= settings.SIGNIN_MAX_FAILURES:
        raise ValidationError(_(
            "Trop de codes erronés : attendez %(minutes)d minutes, puis saisissez le code affiché à l'écran, "
            "ou demandez au formateur·rice de noter votre présence.") % {"minutes": settings.SIGNIN_FAILURE_WINDOW_SECONDS // 60},
            code="throttled")


def _expected(apprentice: Apprentice, day: date) -> bool:
    """Whether the apprentice is expected at the centre on ``day`` (the register's roster rule)."""
    if apprentice.training_start_date and apprentice.training_start_date > day:
        return False
    if apprentice.exclusion_date and apprentice.exclusion_date < day:
        return False
    return planning.places_on([apprentice], day)[apprentice.pk].place == CENTRE


def _code_refusal(session: TrainingSession, user: User, typed: str, now: datetime) -> None:
    verdict = codes.check(session, typed, now)
    if verdict == codes.EXPIRED:
        raise _refuse(user, _(
            "Ce code a expiré : il change toutes les %(seconds)d secondes. Scannez le QR code ou saisissez le code "
            "affiché en ce moment à l'écran.") % {"seconds": codes.step_seconds()}, "expired_code")
    if verdict != codes.VALID:
        raise _refuse(user, _("Code inconnu : vérifiez les 6 chiffres affichés à l'écran de la salle."), "unknown_code")


def _state_refusal(session: TrainingSession) -> None:
    if session.signin_closed:
        raise ValidationError(_(
            "L'émargement de cette séance est clos depuis %(time)s : adressez-vous au formateur·rice.") % {
            "time": _hhmm(session.closed_at)}, code="closed")
    if not session.signin_open or session.is_cancelled:
        raise ValidationError(_(
            "L'émargement de cette séance n'est pas ouvert : attendez que le formateur·rice l'ouvre, puis scannez le "
            "QR code affiché."), code="not_open")


def _apprentice_of(user: User) -> Apprentice:
    apprentice = Apprentice.objects.select_related("cohort").filter(user=user).first()
    if apprentice is None:
        raise ValidationError(_("Votre compte n'est pas celui d'un·e apprenti·e : l'émargement est réservé aux apprenti·es."),
                              code="not_an_apprentice")
    return apprentice


def _create_signature(session: TrainingSession, apprentice: Apprentice, **values) -> SessionSignature:
    previous = SessionSignature.objects.filter(session=session, apprentice=apprentice).only("signed_at").first()
    if previous is not None:
        raise ValidationError(_("Vous avez déjà émargé pour cette séance, à %(time)s : c'est enregistré.") % {
            "time": _hhmm(previous.signed_at)}, code="already_signed")
    signature = SessionSignature(session=session, apprentice=apprentice, **values)
    try:
        with transaction.atomic():  # two taps at once: the database's unique line decides
            signature.save()
    except IntegrityError:
        raise ValidationError(_("Vous avez déjà émargé pour cette séance : c'est enregistré."), code="already_signed") from None
    return signature


@transaction.atomic
def signin_sign(
    *, session_pk: int, user: User, code: str, method: str, ip: str | None, user_agent: str, now: datetime,
) -> SessionSignature:
    """The apprentice behind ``user`` signs session ``session_pk`` with the code it scanned or typed.
    Refused, with the reason: another cohort's session, a sign-in not open or closed, an expired or
    unknown code, an apprentice not expected that day, a second signature, too many wrong codes."""
    _check_throttle(user)
    apprentice = _apprentice_of(user)
    session = TrainingSession.objects.select_related("cohort").filter(pk=session_pk).first()
    if session is None:
        raise _refuse(user, _("Code inconnu : vérifiez les 6 chiffres affichés à l'écran de la salle."), "unknown_code")
    if session.cohort_id != apprentice.cohort_id:
        raise ValidationError(_other_cohort_message(), code="other_cohort")
    return _sign(session, apprentice, user=user, code=code, method=method, ip=ip, user_agent=user_agent, now=now)


def _sign(session: TrainingSession, apprentice: Apprentice, *, user: User, code: str, method: str, ip: str | None,
          user_agent: str, now: datetime) -> SessionSignature:
    """The checks and the line once the session and the apprentice (of its cohort) are known."""
    _state_refusal(session)
    _code_refusal(session, user, code, now)
    if not _expected(apprentice, session.day):
        raise ValidationError(_(
            "Vous n'êtes pas attendu·e au centre ce jour-là d'après votre calendrier : adressez-vous au formateur·rice."),
            code="not_expected")
    tolerance = AttendanceSettings.load().signin_late_tolerance_minutes
    return _create_signature(
        session, apprentice, method=method, signed_at=now, minutes_late=minutes_late(session, now, tolerance=tolerance),
        code_used=codes.normalise(code), ip_address=ip, user_agent=(user_agent or "")[:USER_AGENT_MAX],
    )


@transaction.atomic
def signin_sign_by_code(*, user: User, code: str, ip: str | None, user_agent: str, now: datetime) -> SessionSignature:
    """The apprentice typed the code shown in the room (no session number): the open sessions of its
    cohort today are tried; a code of another cohort's session or an expired one is said as such."""
    _check_throttle(user)
    apprentice = _apprentice_of(user)
    today = timezone.localtime(now).date()
    open_today = list(TrainingSession.objects.select_related("cohort").filter(
        day=today, signin_state=SigninState.OPEN, status=SessionStatus.PLANNED))
    mine = [(session, codes.check(session, code, now)) for session in open_today if session.cohort_id == apprentice.cohort_id]
    for session, verdict in mine:
        if verdict == codes.VALID:
            return _sign(session, apprentice, user=user, code=code, method=SignatureMethod.CODE, ip=ip,
                         user_agent=user_agent, now=now)
    # Other cohorts' sessions: only the codes of the moment (no look back: hundreds may be open).
    other = next((session for session in open_today if session.cohort_id != apprentice.cohort_id
                  and codes.check(session, code, now, look_back=False) == codes.VALID), None)
    if other is not None:
        raise ValidationError(_other_cohort_message(), code="other_cohort")
    if any(verdict == codes.EXPIRED for _session, verdict in mine):
        _code_refusal(next(session for session, verdict in mine if verdict == codes.EXPIRED), user, code, now)
    if not mine:
        raise ValidationError(_(
            "Aucun émargement n'est ouvert pour votre promotion en ce moment : attendez que le formateur·rice l'ouvre."),
            code="not_open")
    raise _refuse(user, _("Code inconnu : vérifiez les 6 chiffres affichés à l'écran de la salle."), "unknown_code")


# --- the trainer ---------------------------------------------------------------------------------

def _require_open(session: TrainingSession) -> None:
    if not session.signin_open:
        raise ValidationError(_("L'émargement de cette séance n'est pas ouvert : ouvrez-le (ou faites-le rouvrir) d'abord."),
                              code="not_open")


@transaction.atomic
def signin_mark(
    *, session: TrainingSession, apprentice: Apprentice, reason: str, minutes: int, by: User, now: datetime,
) -> SessionSignature:
    """The trainer notes the presence of an apprentice who cannot sign (no phone…), with the reason,
    and its lateness in minutes if it came late."""
    session = _locked(session)
    _require_open(session)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez pourquoi l'apprenti·e ne signe pas, par exemple « pas de téléphone ».")},
                              code="required")
    if apprentice.cohort_id != session.cohort_id or not _expected(apprentice, session.day):
        raise ValidationError(_("%(name)s n'est pas attendu·e à cette séance.") % {"name": apprentice.full_name}, code="not_expected")
    duration = int((datetime.combine(session.day, session.end_time) - datetime.combine(session.day, session.start_time)).total_seconds() // 60)
    if minutes < 0 or minutes >= duration:
        raise ValidationError({"minutes": _("Le retard va de 0 à %(max)d minutes pour cette séance.") % {"max": duration - 1}},
                              code="minutes")
    values = {"method": SignatureMethod.MANUAL, "signed_at": now, "minutes_late": minutes,
              "manual_reason": reason[:MANUAL_REASON_MAX], "recorded_by": by}
    if SessionSignature.objects.filter(session=session, apprentice=apprentice).exists():
        raise ValidationError(_("%(name)s a déjà émargé pour cette séance.") % {"name": apprentice.full_name}, code="already_signed")
    signature = SessionSignature.objects.create(session=session, apprentice=apprentice, **values)
    record_change(session, changes={}, actor=by, kind="signature_marked", note=f"{apprentice.full_name} : {reason}")
    return signature


@transaction.atomic
def signin_strike(*, signature: SessionSignature, reason: str, by: User) -> None:
    """Strike a line while the sign-in is open (someone signed who is not in the room, or a mark
    by mistake), with the reason kept in the session's history."""
    session = _locked(signature.session)
    _require_open(session)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez pourquoi vous retirez cette signature.")}, code="required")
    name = signature.apprentice.full_name
    signed = _hhmm(signature.signed_at)
    signature.delete()
    record_change(session, changes={}, actor=by, kind="signature_struck", note=f"{name} ({signed}) : {reason}")


@dataclass(frozen=True)
class Line:
    """One apprentice of a sign-in sheet: its signature, or None."""

    apprentice: Apprentice
    signature: SessionSignature | None

    @property
    def signed(self) -> bool:
        return self.signature is not None


def sheet_lines(session: TrainingSession) -> list[Line]:
    """The apprentices expected at the session, by name, with their signature (3 + 1 queries); an
    apprentice who signed but is no longer expected (its calendar changed since) keeps its line."""
    expected = register_apprentices(session.cohort, session.day).at_centre
    signatures = {s.apprentice_id: s for s in SessionSignature.objects.filter(session=session).select_related("apprentice", "recorded_by")}
    lines = [Line(apprentice, signatures.pop(apprentice.pk, None)) for apprentice in expected]
    lines += [Line(signature.apprentice, signature) for signature in signatures.values()]
    return lines


def _half_entries(session: TrainingSession, expected: list[Apprentice]) -> list[register.RegisterEntry]:
    """The register's entries of the session's half-day, from every closed session of that half:
    absent when the apprentice signed none; otherwise late when it signed its first session late, or
    signed only a later one (late from the half's first start), present else."""
    half = session_half(session)
    closed = [
        s for s in TrainingSession.objects.select_related("cohort").filter(
            cohort=session.cohort, day=session.day, status=SessionStatus.PLANNED, signin_state=SigninState.CLOSED)
        if session_half(s) == half
    ]
    closed.sort(key=lambda s: (s.start_time, s.pk))
    first_start = _session_start(closed[0])
    by_apprentice: dict[int, list[tuple[TrainingSession, SessionSignature]]] = {}
    order = {s.pk: s for s in closed}
    for signature in SessionSignature.objects.filter(session__in=closed):
        by_apprentice.setdefault(signature.apprentice_id, []).append((order[signature.session_id], signature))
    entries = []
    for apprentice in expected:
        signed = sorted(by_apprentice.get(apprentice.pk, []), key=lambda pair: (pair[0].start_time, pair[0].pk))
        if not signed:
            entries.append(register.RegisterEntry(apprentice.pk, AttendanceStatus.ABSENT))
            continue
        first_session, signature = signed[0]
        if first_session.pk == closed[0].pk:
            late = signature.minutes_late
        else:
            late = max(1, int((signature.signed_at - first_start).total_seconds() // 60))
        entries.append(register.RegisterEntry(apprentice.pk, AttendanceStatus.LATE if late else AttendanceStatus.PRESENT, late))
    return entries


@transaction.atomic
def signin_close(*, session: TrainingSession, by: User, ip: str | None, user_agent: str, now: datetime) -> TrainingSession:
    """Close the sign-in and sign the sheet; the half-day of every expected apprentice is written in
    the register (the register's service: tallies, history, the employer's e-mail for a new
    unjustified absence, the alerts): who did not sign becomes absent, to justify."""
    session = _locked(session)
    _require_open(session)
    _transition(session, to=SigninState.CLOSED, by=by, kind="signin_closed", values={
        "closed_by": by, "closed_at": now, "closed_ip": ip, "closed_user_agent": (user_agent or "")[:USER_AGENT_MAX]})
    expected = register_apprentices(session.cohort, session.day).at_centre
    if expected:
        register.attendance_register_save(
            cohort=session.cohort, day=session.day, half=session_half(session), entries=_half_entries(session, expected), by=by)
    # The signed sheet (PDF) is rendered in the background; the intent commits with the closing.
    enqueue(SHEET_TASK, kwargs={"session_id": session.pk})
    return session


@transaction.atomic
def sheet_request(*, session: TrainingSession) -> None:
    """Render a closed session's sheet again (its task is safe to run twice)."""
    enqueue(SHEET_TASK, kwargs={"session_id": session.pk})


@transaction.atomic
def monthly_sheets_request(*, cohort, year: int, month: int, by: User) -> None:
    """Ask for the monthly sheets of a cohort (its own and each apprentice's), rendered in the background."""
    enqueue(MONTHLY_TASK, kwargs={"cohort_id": cohort.pk, "year": year, "month": month, "by_id": by.pk})


@transaction.atomic
def signin_reopen(*, session: TrainingSession, reason: str, by: User, now: datetime) -> TrainingSession:
    """The office reopens a closed sheet (a forgotten apprentice, a trainer's mistake), with a reason
    kept in the history. A new secret: the codes shown before are worthless. Closing it again
    rewrites the half-day."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez pourquoi vous rouvrez l'émargement.")}, code="required")
    session = _locked(session)
    return _transition(session, to=SigninState.OPEN, by=by, kind="signin_reopened", note=reason, values={
        "signin_secret": codes.new_secret(), "signin_opened_at": now, "signin_opened_by": by,
        "closed_by": None, "closed_at": None, "closed_ip": None, "closed_user_agent": ""})

