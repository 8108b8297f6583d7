"""Reads of the sign-in (issue 19 §2), scoped by the access policy."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from alternance import access
from alternance.choices import Role, SessionStatus, SigninState
from alternance.models import Apprentice, TrainingSession, User


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
