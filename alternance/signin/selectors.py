"""Reads of the sign-in (issue 19 §2), scoped by the access policy."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from alternance import access
from alternance.choices import Role, SessionStatus, SigninState
from alternance.models import Apprentice, Cohort, TrainingSession, User
from alternance.signin.sheets import month_bounds, sheet_fingerprint, sheets_in_preparation
from contracts.choices import DocumentKind
from contracts.models import Document


def signin_session_get(user: User, pk: int) -> TrainingSession:
    """A session whose sign-in ``user`` runs: outside its scope → 404, in scope but not its trainer
    nor a manager of its cohort → 403."""
    qs = TrainingSession.objects.select_related("cohort__programme", "trainer", "closed_by", "competence_block")
    session = access.get_visible_or_404(user, qs, pk=pk)
    access.require(access.can_run_signin(user, session))
    return session


def sessions_to_run(user: User, day: date) -> QuerySet:
    """The planned sessions of ``day`` whose sign-in ``user`` may run (the « Émargement » page):
    the office sees every cohort's, a tutor its cohorts' and those it trains, a CRE those it trains."""
    qs = access.visible(user, TrainingSession).filter(day=day, status=SessionStatus.PLANNED)
    role = getattr(user, "role", None)
    if role == Role.TUTOR:
        qs = qs.filter(Q(cohort__referent_tutor=user) | Q(trainer=user))
    elif role not in (Role.COORDINATOR, Role.ADMIN_STAFF):
        qs = qs.filter(trainer=user)
    return qs.select_related("cohort", "trainer").order_by("start_time", "cohort__name", "pk")


def apprentice_of(user: User) -> Apprentice | None:
    return access.visible(user, Apprentice).filter(user=user).select_related("cohort").first()


def open_sessions_for(apprentice: Apprentice, day: date) -> list[TrainingSession]:
    """The sessions of the apprentice's cohort whose sign-in is open on ``day`` (the « Émarger » page)."""
    return list(TrainingSession.objects.filter(
        cohort_id=apprentice.cohort_id, day=day, status=SessionStatus.PLANNED, signin_state=SigninState.OPEN,
    ).select_related("trainer").order_by("start_time", "pk"))


def cohort_month_sheets(cohort: Cohort, first: date) -> dict:
    """A cohort's signed sheets of the month starting ``first`` (four queries): its planned sessions
    with their sign-in state and the current sheet of each closed one, and the monthly sheets (the
    cohort's and each apprentice's), latest version first."""
    first, last = month_bounds(first)
    sessions = list(TrainingSession.objects.filter(cohort=cohort, day__range=(first, last), status=SessionStatus.PLANNED)
                    .select_related("trainer", "closed_by").order_by("day", "start_time", "pk"))
    closed = [s for s in sessions if s.signin_state == SigninState.CLOSED]
    current: dict[int, Document] = {}
    if closed:
        wanted = {(s.pk, sheet_fingerprint(s)) for s in closed}
        for document in Document.objects.filter(training_session__in=closed, kind=DocumentKind.SIGNIN_SHEET).order_by("version"):
            if (document.training_session_id, document.source_fingerprint) in wanted:
                current[document.training_session_id] = document
    preparing = sheets_in_preparation([s.pk for s in closed if s.pk not in current], now=timezone.now())
    for session in sessions:
        session.current_sheet = current.get(session.pk)
        session.sheet_preparing = session.pk in preparing
    monthly = list(
        Document.objects.filter(kind=DocumentKind.MONTHLY_SIGNIN_SHEET, period_start=first)
        .filter(Q(cohort=cohort) | Q(apprentice__cohort=cohort)).select_related("apprentice")
        .order_by("-version", "apprentice__last_name", "apprentice__first_name", "pk")
    )
    latest: list[Document] = []
    owners: set[tuple[int | None, int | None]] = set()
    for document in monthly:  # latest version first: keep one per owner (the cohort, each apprentice)
        if (document.cohort_id, document.apprentice_id) not in owners:
            owners.add((document.cohort_id, document.apprentice_id))
            latest.append(document)
    latest.sort(key=lambda d: (d.apprentice is not None, (d.apprentice.usage_name or d.apprentice.last_name).lower() if d.apprentice else "", d.pk))
    return {
        "sessions": sessions,
        "closed_count": len(closed),
        "missing_sheets": [s for s in closed if s.pk not in current and s.pk not in preparing],
        "cohort_sheet": next((d for d in latest if d.cohort_id == cohort.pk), None),
        "apprentice_sheets": [d for d in latest if d.apprentice_id],
        "earlier_monthly_count": len(monthly) - len(latest),
    }
