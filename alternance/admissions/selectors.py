"""Reads of admissions, scoped by the access policy. ``candidates`` is the one definition behind
the list, the menu badge (new applications) and the dashboard's figures per stage and programme."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from alternance import access
from alternance.catalogue import selectors as catalogue_selectors
from alternance.choices import CandidateStatus
from alternance.models import Candidate, CandidateEvent, Programme, User
from alternance.selectors import name_search

# The stages shown as columns, in pipeline order.
STAGES = tuple(CandidateStatus)


def candidates(user: User, *, status: str = "", programme_id: int | None = None, q: str = "") -> QuerySet:
    """Candidates the user sees, optionally at one stage, for one programme, or matching a name."""
    qs = access.visible(user, Candidate).select_related("programme", "cohort", "apprentice")
    if status in CandidateStatus.values:
        qs = qs.filter(status=status)
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    return name_search(qs, q, ("last_name", "first_name", "email"))


def new_applications_count(user: User) -> int:
    """The queue of applications received and not yet handled (menu badge)."""
    return candidates(user, status=CandidateStatus.RECEIVED).count()


@dataclass
class PipelineRow:
    programme_id: int
    title: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[str, int]]:
        return [(stage.value, self.counts.get(stage.value, 0)) for stage in STAGES]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def pipeline(user: User) -> list[PipelineRow]:
    """Candidates per programme and stage (one query over ``candidates``), programmes by title."""
    rows: dict[int, PipelineRow] = {}
    grouped = (
        candidates(user).order_by().values("programme_id", "programme__title", "status").annotate(n=Count("pk"))
    )
    for item in grouped:
        row = rows.setdefault(item["programme_id"], PipelineRow(item["programme_id"], item["programme__title"]))
        row.counts[item["status"]] = item["n"]
    return sorted(rows.values(), key=lambda r: (r.title, r.programme_id))


def pipeline_totals(rows: list[PipelineRow]) -> list[tuple[str, int]]:
    return [(stage.value, sum(row.counts.get(stage.value, 0) for row in rows)) for stage in STAGES]


def candidate_get(user: User, pk: int) -> Candidate:
    """A candidate with its history (and who moved it): 404 outside the scope."""
    events = CandidateEvent.objects.select_related("by").order_by("at", "pk")
    return access.get_visible_or_404(
        user,
        Candidate.objects.select_related("programme", "cohort", "apprentice", "created_by").prefetch_related(
            Prefetch("events", queryset=events)
        ),
        pk=pk,
    )


def programme_choices(user: User) -> QuerySet:
    """Every programme the user sees (the list's filter: archived ones keep their candidates)."""
    return access.visible(user, Programme).order_by("title")


def new_candidate_programmes(user: User) -> QuerySet:
    """The programmes a new candidate may apply to: not archived (catalogue's choices for new records)."""
    return catalogue_selectors.programmes_for_new_records(user)


def open_programmes() -> QuerySet:
    """The programmes whose public application page is open (public: no user, no scope); an
    archived programme is never open (database constraint), the filter says it again."""
    return Programme.objects.filter(admissions_open=True, archived_at__isnull=True).order_by("title")


def enrolment_cohorts(user: User, candidate: Candidate) -> QuerySet:
    """The cohorts of the candidate's programme a learner may join (not archived), most recent first."""
    cohorts = catalogue_selectors.cohorts_for_new_records(user).filter(programme_id=candidate.programme_id)
    return catalogue_selectors.with_cohort_counts(cohorts)
