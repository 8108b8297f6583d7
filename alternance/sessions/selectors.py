"""Reads of the training sessions (issue 19 §1), scoped by the access policy.

``session_list`` is the one definition of a cohort's sessions in a month: the page's count and its
rows come from it. The choices of the forms (trainers, competence blocks) come from here too.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from alternance import access
from alternance.choices import SessionStatus
from alternance.models import Cohort, CompetenceBlock, TrainingSession, User
from alternance.models.sessions import TRAINER_ROLES
from alternance.planning.calendar import month_bounds


def session_list(user: User, cohort: Cohort, *, year: int | None = None, month: int | None = None) -> QuerySet:
    """The cohort's sessions ``user`` may see (cancelled ones included), in one month when given,
    by date and time, with what the list shows."""
    qs = access.visible(user, TrainingSession).filter(cohort=cohort)
    if year and month:
        qs = qs.filter(day__range=month_bounds(year, month))
    return qs.select_related("trainer", "competence_block").order_by("day", "start_time", "pk")


def session_get(user: User, cohort: Cohort, pk: int) -> TrainingSession:
    """One session of ``cohort`` through the access policy (outside the scope → 404)."""
    qs = TrainingSession.objects.filter(cohort=cohort).select_related("cohort__programme", "trainer", "competence_block")
    return access.get_visible_or_404(user, qs, pk=pk)


def trainer_choices(user: User, *, current: User | None = None) -> QuerySet:
    """Active staff accounts ``user`` may see; the session's current trainer stays offered."""
    qs = access.visible(user, User).filter(is_active=True, role__in=TRAINER_ROLES)
    if current is not None:
        qs = qs | User.objects.filter(pk=current.pk)
    return qs.distinct().order_by("last_name", "first_name", "pk")


def competence_block_choices(user: User, cohort: Cohort) -> QuerySet:
    return access.visible(user, CompetenceBlock).filter(programme_id=cohort.programme_id).order_by("order", "code")


def planned_count(sessions: list[TrainingSession]) -> int:
    return sum(1 for session in sessions if session.status == SessionStatus.PLANNED)


def default_generation_period(cohort: Cohort, today: date) -> tuple[date, date]:
    """« Générer les séances »: from today (or the cohort's start, if later) to the cohort's end."""
    return max(today, cohort.start_date), cohort.end_date
