"""Reads of the tutors' workspace (issue 5, part 4): cohorts, apprentices and what is due.

Every read goes through the access policy, with an explicit ``today``. The workspace costs a fixed
number of queries whatever the number of apprentices: cohorts, apprentices (+ their active
contracts), one aggregate of visits per contract, the planned visits, one aggregate of absences
to justify, and the two settings rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, QuerySet

from alerts.models import RuleSettings
from alternance import access
from alternance.attendance.roster import RegisterPeople, register_apprentices  # noqa: F401 — the register page's roster
from alternance.choices import ApprenticeStatus, AttendanceStatus, JustificationStatus, Role, VisitKind
from alternance.models import Apprentice, AttendanceRecord, Cohort, User, Visit, VisitCriterion
from alternance.planning import practical
from alternance.selectors import name_search, with_active_contracts
from alternance.tutoring.rules import (
    URGENCY,
    Due,
    DueState,
    end_review_due,
    mid_term_review_due,
    next_visit_due,
    suggested_visit,
)
from contracts.choices import ContractKind
from contracts.models import Contract, ContractSettings, Document
from contracts.trial_period import trial_period

# Apprentices no longer followed by the tutor (their training is over).
NOT_FOLLOWED = (ApprenticeStatus.COMPLETED, ApprenticeStatus.DROPPED_OUT)
TO_JUSTIFY = (JustificationStatus.NONE, JustificationStatus.PENDING)


@dataclass
class WorkspaceRow:
    apprentice: Apprentice
    contract: Contract | None = None
    next_visit: Due | None = None
    mid_term: Due | None = None
    end_review: Due | None = None
    planned_visit: dict | None = None  # {"pk", "planned_date", "kind"} of the next planned visit
    absences_to_justify: int = 0
    suggestion: Due | None = field(default=None)

    @property
    def dues(self) -> list[Due]:
        return [item for item in (self.next_visit, self.mid_term, self.end_review) if item is not None]

    @property
    def has_something_due(self) -> bool:
        return self.absences_to_justify > 0 or any(item.is_pending for item in self.dues)

    @property
    def urgency(self) -> tuple:
        pending = [item for item in self.dues if item.state != DueState.DONE and item.due_date]
        if not pending:
            return (9, date.max)
        first = min(pending, key=lambda item: (URGENCY[item.state], item.due_date))
        return (URGENCY[first.state], first.due_date)


WORKSPACE_SORTS = {
    "visit": lambda row: (row.urgency, row.apprentice.last_name, row.apprentice.pk),
    "name": lambda row: (row.apprentice.last_name.lower(), row.apprentice.first_name.lower(), row.apprentice.pk),
    "cohort": lambda row: (row.apprentice.cohort.name, row.apprentice.last_name.lower(), row.apprentice.pk),
    "absences": lambda row: (-row.absences_to_justify, row.apprentice.last_name.lower(), row.apprentice.pk),
}


def workspace_tutor(user: User, tutor_id: int | None) -> User:
    """Whose workspace ``user`` opens: its own (tutor), or the tutor chosen by the coordinator.

    Raises Http404 for a tutor outside the user's scope, PermissionDenied for anybody else."""
    if tutor_id in (None, user.pk) and access.can_view_tutor_workspace(user, user):
        return user
    access.require(tutor_id is not None)
    tutor = access.get_visible_or_404(user, User.objects.filter(role=Role.TUTOR, is_active=True), pk=tutor_id)
    access.require(access.can_view_tutor_workspace(user, tutor))
    return tutor


def tutor_choices(user: User) -> QuerySet:
    return access.visible(user, User).filter(role=Role.TUTOR, is_active=True).order_by("last_name", "first_name", "pk")


def tutor_cohorts(user: User, tutor: User) -> list[Cohort]:
    return list(
        access.visible(user, Cohort).filter(referent_tutor=tutor).select_related("programme").order_by("name", "pk")
    )


# What a workspace row reads of the apprentice's active contract: its dates and what its due dates
# depend on (the practical start, the trial period of a professionalisation contract), its company.
WORKSPACE_CONTRACT_FIELDS = (
    "kind", "status", "start_date", "end_date", "practical_training_start_date", "employment_term",
    "employee_category", "company__name",
)


def tutor_workspace(
    user: User,
    *,
    tutor: User,
    today: date,
    q: str = "",
    cohort_id: int | None = None,
    only_due: bool = False,
    sort: str = "",
    apprentice_id: int | None = None,
) -> list[WorkspaceRow]:
    """One row per apprentice followed in the cohorts ``tutor`` refers, with what is due on ``today``."""
    # Only what the rows, their due dates and the export read: a tutor follows a hundred learners or
    # more, and an apprentice row is 45 columns, a contract with its company 90 (issue 18 §2).
    apprentices = (
        access.visible(user, Apprentice)
        .filter(cohort__referent_tutor=tutor)
        .exclude(status__in=NOT_FOLLOWED)
        .select_related("cohort")
        .only("id", "first_name", "last_name", "usage_name", "cohort")
    )
    if cohort_id:
        apprentices = apprentices.filter(cohort_id=cohort_id)
    if apprentice_id:
        apprentices = apprentices.filter(pk=apprentice_id)
    apprentices = list(with_active_contracts(
        user, name_search(apprentices, q, ("last_name", "first_name", "usage_name")), fields=WORKSPACE_CONTRACT_FIELDS,
    ))
    visits = access.visible(user, Visit).filter(apprentice__cohort__referent_tutor=tutor)
    by_contract = {
        row["contract_id"]: row
        for row in visits.filter(contract__isnull=False)
        .order_by()
        .values("contract_id")
        .annotate(
            last_done=Max("done_date", filter=Q(done_date__lte=today)),
            mid_done=Count("pk", filter=Q(kind=VisitKind.MID_TERM_REVIEW, done_date__isnull=False)),
            end_done=Count("pk", filter=Q(kind=VisitKind.END_REVIEW, done_date__isnull=False)),
        )
    }
    planned: dict[int, dict] = {}
    for visit in visits.filter(done_date__isnull=True).order_by("apprentice_id", "planned_date", "pk").values(
        "pk", "apprentice_id", "planned_date", "kind"
    ):
        planned.setdefault(visit["apprentice_id"], visit)
    absences = dict(
        access.visible(user, AttendanceRecord)
        .filter(apprentice__cohort__referent_tutor=tutor, status=AttendanceStatus.ABSENT, justification__in=TO_JUSTIFY)
        .order_by()
        .values("apprentice_id")
        .annotate(n=Count("pk"))
        .values_list("apprentice_id", "n")
    )
    # Read the thresholds without writing (a GET never creates the settings rows).
    rule_settings = RuleSettings.objects.filter(pk=1).first() or RuleSettings(pk=1)
    contract_settings = ContractSettings.objects.filter(pk=1).first() or ContractSettings(pk=1)
    # The real calendars of the apprentices under contract (closures, exceptions): two queries.
    started = [a for a in apprentices if a.active_contracts]
    starts = [a.active_contracts[0].practical_training_start_date or a.active_contracts[0].start_date for a in started]
    calendars = practical.load_calendars(
        (practical.CohortRhythm(a.pk, a.cohort_id, a.cohort.rhythm_pattern, a.cohort.start_date, a.cohort.end_date) for a in started),
        first_day=min(starts, default=today), last_day=max(starts, default=today) + timedelta(days=practical.HORIZON_DAYS),
    )
    rows = []
    for apprentice in apprentices:
        row = WorkspaceRow(apprentice=apprentice, absences_to_justify=absences.get(apprentice.pk, 0))
        row.planned_visit = planned.get(apprentice.pk)
        contract = apprentice.active_contracts[0] if apprentice.active_contracts else None
        if contract is not None:
            row.contract = contract
            done = by_contract.get(contract.pk, {})
            row.next_visit = next_visit_due(
                today=today,
                practical_start=contract.practical_training_start_date or contract.start_date,
                last_visit_done=done.get("last_done"),
                interval_days=rule_settings.visit_interval_days,
                free_period_days=contract_settings.free_period_company_days,
                warning_days=rule_settings.first_visit_warning_days,
                calendar=calendars[apprentice.pk],
                trial_period_end=(
                    trial_period(start=contract.start_date, end=contract.end_date, term=contract.employment_term,
                                 category=contract.employee_category).last_day
                    if contract.kind == ContractKind.PROFESSIONALISATION else None
                ),
            )
            row.mid_term = mid_term_review_due(
                today=today, start=contract.start_date, end=contract.end_date, done=bool(done.get("mid_done"))
            )
            row.end_review = end_review_due(today=today, end=contract.end_date, done=bool(done.get("end_done")))
            row.suggestion = suggested_visit(next_visit=row.next_visit, mid_term=row.mid_term, end_review=row.end_review)
        if only_due and not row.has_something_due:
            continue
        rows.append(row)
    rows.sort(key=WORKSPACE_SORTS.get(sort.lstrip("-"), WORKSPACE_SORTS["visit"]), reverse=sort.startswith("-"))
    return rows


def apprentice_next_due(user: User, apprentice: Apprentice, *, today: date) -> WorkspaceRow:
    """The workspace row of one apprentice (to suggest the kind and date of a visit to plan)."""
    rows = tutor_workspace(user, tutor=apprentice.cohort.referent_tutor, today=today, apprentice_id=apprentice.pk)
    return rows[0] if rows else WorkspaceRow(apprentice=apprentice)


def active_criteria() -> list[VisitCriterion]:
    """The tutor's grid: active criteria, without those the employer fills on the extranet."""
    return list(VisitCriterion.objects.filter(active=True, for_employer=False).order_by("order", "pk"))


def visit_get(user: User, pk: int) -> Visit:
    qs = Visit.objects.select_related("apprentice__cohort__programme", "tutor", "contract__company", "contract__master")
    return access.get_visible_or_404(user, qs, pk=pk)


def visit_grid_rows(visit: Visit, criteria: list[VisitCriterion] | None = None) -> list[dict]:
    """The grid as printed: one row per active criterion, then any answer to a retired criterion."""
    if criteria is None:
        # The employer's criteria have their own part (``tutoring.evaluations.employer_grid_rows``).
        criteria = list(VisitCriterion.objects.filter(for_employer=False).order_by("order", "pk"))
    answers = visit.grid_answers or {}
    known = {criterion.code for criterion in criteria}
    rows = [
        {"code": c.code, "label": c.label, "scale_max": c.scale_max, **(answers.get(c.code) or {})}
        for c in criteria
        if c.active or c.code in answers
    ]
    rows += [
        {"code": code, "label": code, "scale_max": None, **(answer if isinstance(answer, dict) else {})}
        for code, answer in answers.items()
        if code not in known
    ]
    return rows


def visit_reports(user: User, visit: Visit) -> list[Document]:
    """The PDF reports stored for this visit (latest first). A report is tied to its visit by the
    apprentice, the kind and the visit's date (``period_start``)."""
    if visit.done_date is None:
        return []
    return list(
        access.visible(user, Document)
        .filter(kind="visit_report", apprentice=visit.apprentice_id, period_start=visit.done_date)
        .order_by("-version", "-pk")
    )


def register_existing(apprentice_ids: list[int], day: date, half: str) -> dict[int, AttendanceRecord]:
    return {
        record.apprentice_id: record
        for record in AttendanceRecord.objects.filter(apprentice_id__in=apprentice_ids, day=day, half=half)
    }
