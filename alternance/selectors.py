"""Reads of the core app: apprentices, and the staff roles' home pages (the extranet roles' are the
extranet's spaces; ``alternance.views.home`` picks one per role).

Every selector takes the user and goes through ``access.visible``; each carries the
``select_related`` / ``prefetch_related`` its template needs, and counts are aggregate queries,
so a page costs the same number of queries whatever the number of rows.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from alerts.choices import AlertStatus
from alerts.models import Alert
from alternance import access
from alternance.choices import ApprenticeStatus, AttendanceStatus
from alternance.models import Apprentice, AttendanceRecord, Cohort, User, Visit
from companies.choices import PlacementStatus
from companies.models import Company, Interaction, Placement
from contracts.choices import ACTIVE_CONTRACT_STATUSES, ContractStatus, OpcoDecision
from contracts.models import Contract, OpcoFile

# A contract "ending soon" on the coordinator's dashboard (domain §5: anticipate contract ends).
ENDING_SOON_DAYS = 60
# Contracts the administrative team still has to handle before the OPCO decides.
CONTRACTS_TO_HANDLE_STATUSES = (
    ContractStatus.DRAFT,
    ContractStatus.AWAITING_SIGNATURES,
    ContractStatus.SIGNED,
    ContractStatus.SENT_TO_OPCO,
)
ABSENCE_STATUSES = (AttendanceStatus.ABSENT, AttendanceStatus.LATE)
RECENT_ABSENCES_LIMIT = 10
UPCOMING_VISITS_LIMIT = 20
TO_HANDLE_LIMIT = 50  # the home page shows the oldest ones; the filtered list shows them all


def search_terms(q: str) -> list[str]:
    """Words of a search box: every word must match one of the searched fields."""
    return [word for word in (q or "").split() if word][:5]


def name_search(qs: QuerySet, q: str, fields: tuple[str, ...]) -> QuerySet:
    for word in search_terms(q):
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        qs = qs.filter(condition)
    return qs


def with_active_contracts(
    user: User, qs: QuerySet, to_attr: str = "active_contracts", fields: tuple[str, ...] | None = None,
) -> QuerySet:
    """Prefetch each apprentice's active contracts (the user may see) with their company: one query.
    ``fields``: only those columns (``company__name``…), for a page of many rows that shows few."""
    contracts = (
        access.visible(user, Contract)
        .filter(status__in=ACTIVE_CONTRACT_STATUSES)
        .select_related("company")
        .order_by("-start_date")
    )
    if fields is not None:
        contracts = contracts.only("apprentice", *fields)
    return qs.prefetch_related(Prefetch("contracts", queryset=contracts, to_attr=to_attr))


# --- apprentices ---------------------------------------------------------------------------------

APPRENTICE_SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "-name": ("-last_name", "-first_name", "-pk"),
    "cohort": ("cohort__name", "last_name", "first_name", "pk"),
    "-cohort": ("-cohort__name", "last_name", "first_name", "pk"),
    "status": ("status", "last_name", "first_name", "pk"),
    "-status": ("-status", "last_name", "first_name", "pk"),
}


# The status filter of the apprentice list: the learners of the OF by status, those who left it
# (« Abandon »: exclusion date set), or everyone. Without a filter, the list shows the learners
# still at the OF (the cohort breakdown of the dashboard counts the same, « hors abandons »).
ALL_APPRENTICES = "all"
APPRENTICE_STATUS_FILTERS = (
    *[(value, label) for value, label in ApprenticeStatus.choices if value != ApprenticeStatus.DROPPED_OUT],
    (ApprenticeStatus.DROPPED_OUT.value, _("Sorti·es de l'OF (abandon, exclusion…)")),
    (ALL_APPRENTICES, _("Tous, y compris les sorti·es")),
)


def apprentice_list(user: User, *, q: str = "", status: str = "", cohort_id: int | None = None, sort: str = "") -> QuerySet:
    qs = access.visible(user, Apprentice).select_related("cohort__programme")
    qs = name_search(qs, q, ("last_name", "first_name", "usage_name"))
    if status in ApprenticeStatus.values:
        qs = qs.filter(status=status)
    elif status != ALL_APPRENTICES:
        qs = qs.exclude(status=ApprenticeStatus.DROPPED_OUT)
    if cohort_id:
        qs = qs.filter(cohort_id=cohort_id)
    qs = qs.order_by(*APPRENTICE_SORTS.get(sort, APPRENTICE_SORTS["name"]))
    return with_active_contracts(user, qs)


def cohort_choices(user: User) -> QuerySet:
    return access.visible(user, Cohort).only("pk", "name").order_by("name")


def apprentice_get(user: User, pk: int) -> Apprentice:
    """The apprentice record, or 404 outside the user's scope."""
    qs = Apprentice.objects.select_related("cohort__programme", "cohort__referent_tutor", "user")
    return access.get_visible_or_404(user, qs, pk=pk)


def apprentice_related(user: User, apprentice: Apprentice) -> dict:
    """What hangs from an apprentice record, each list scoped for the user."""
    return {
        "contracts": list(
            access.visible(user, Contract)
            .filter(apprentice=apprentice)
            .select_related("company", "programme", "master")
            .order_by("-start_date")
        ),
        "visits": list(
            access.visible(user, Visit).filter(apprentice=apprentice).select_related("tutor", "contract__company")
        ),
        "absences": list(
            access.visible(user, AttendanceRecord)
            .filter(apprentice=apprentice, status__in=ABSENCE_STATUSES)
            .order_by("-day", "half")[:RECENT_ABSENCES_LIMIT]
        ),
        "alerts": list(
            access.visible(user, Alert).filter(apprentice=apprentice).select_related("assignee").order_by("-raised_at")
        ),
    }


# --- home pages, one per role -----------------------------------------------------------------------

@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: int
    url: str | None = None


def _url(name: str, **params) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


def coordinator_home(user: User, *, today: date) -> dict:
    """Key figures of the whole activity, each linking to the list it counts (one query per model)."""
    contracts = access.visible(user, Contract).aggregate(
        active=Count("pk", filter=Q(status__in=ACTIVE_CONTRACT_STATUSES)),
        ending_soon=Count(
            "pk",
            filter=Q(status__in=ACTIVE_CONTRACT_STATUSES, end_date__gte=today, end_date__lte=today + timedelta(days=ENDING_SOON_DAYS)),
        ),
    )
    apprentices = access.visible(user, Apprentice).aggregate(
        seeking=Count("pk", filter=Q(status=ApprenticeStatus.SEEKING)),
        rupturants=Count("pk", filter=Q(status=ApprenticeStatus.RUPTURANT)),
    )
    opco_pending = (
        access.visible(user, OpcoFile).filter(decision=OpcoDecision.PENDING, sent_date__isnull=False).count()
    )
    new_alerts = access.visible(user, Alert).filter(status=AlertStatus.NEW).count()
    companies = access.visible(user, Company).count()
    cohorts = access.visible(user, Cohort).count()
    figures = [
        KeyFigure(_("Contrats actifs"), contracts["active"], _url("contracts:contract_list", status="active")),
        KeyFigure(_("Apprenti·es en recherche d'entreprise"), apprentices["seeking"], _url("apprentice_list", status=ApprenticeStatus.SEEKING)),
        KeyFigure(_("Rupturant·es"), apprentices["rupturants"], _url("apprentice_list", status=ApprenticeStatus.RUPTURANT)),
        KeyFigure(
            _("Contrats finissant dans les %(days)s jours") % {"days": ENDING_SOON_DAYS},
            contracts["ending_soon"],
            _url("contracts:contract_list", status="active", ending=ENDING_SOON_DAYS),
        ),
        KeyFigure(_("Dossiers OPCO en attente de décision"), opco_pending, _url("contracts:contract_list", opco="pending")),
        KeyFigure(_("Alertes à valider"), new_alerts, _url("alerts:alert_list", status=AlertStatus.NEW)),
        KeyFigure(_("Entreprises"), companies, _url("companies:company_list")),
        KeyFigure(_("Promotions"), cohorts, None),
    ]
    return {"figures": figures}


def cre_home(user: User, *, today: date) -> dict:
    """The CRE's portfolio (companies it owns, with their active contracts) and its follow-ups due."""
    companies = (
        access.visible(user, Company)
        .filter(owner_cre=user, archived_at__isnull=True)
        .annotate(active_contracts=Count("contracts", filter=Q(contracts__status__in=ACTIVE_CONTRACT_STATUSES)))
        .order_by("-sensitive", "name")
    )
    follow_ups = (
        access.visible(user, Interaction)
        .filter(author=user, follow_up_done=False, next_follow_up__lte=today)
        .select_related("company", "contact")
        .order_by("next_follow_up", "pk")
    )
    return {"companies": list(companies), "follow_ups": list(follow_ups), "can_create_company": access.can_create_company(user)}


def tutor_home(user: User, *, today: date) -> dict:
    """The apprentices of the cohorts the tutor refers, and the visits planned from today."""
    apprentices = with_active_contracts(
        user,
        access.visible(user, Apprentice)
        .select_related("cohort__programme")
        .order_by("cohort__name", "last_name", "first_name", "pk"),
    )
    planned = access.visible(user, Visit).filter(done_date__isnull=True).select_related("apprentice", "contract__company")
    # A planned visit whose day has passed without its report stays on the list, marked late, until
    # its report is written (the same definition as the weekly meeting's « Visites en retard »).
    overdue = list(planned.filter(overdue_planned_visits(today)).order_by("planned_date", "pk"))
    upcoming = list(planned.filter(planned_date__gte=today).order_by("planned_date", "pk")[:UPCOMING_VISITS_LIMIT])
    return {"apprentices": list(apprentices), "overdue_visits": overdue, "visits": upcoming}


def overdue_planned_visits(today: date) -> Q:
    """A visit planned before ``today`` and not done: its report is late. The one definition of a
    late planned visit (tutor's home, its workspace, the weekly meeting)."""
    return Q(done_date__isnull=True, planned_date__lt=today)


def contracts_handed_over(user: User) -> QuerySet:
    """Hires handed to the administrative team by someone who may not edit contracts (a CRE): the
    hired placements whose contract with that company has not left the draft since the hand-over
    (it passes to signature once its checklist is complete). Follows the facts: no to-do status to
    tick, the task goes when the contract moves on."""
    moved_on = (
        Contract.objects.filter(apprentice=OuterRef("apprentice"), company=OuterRef("company"))
        .exclude(status=ContractStatus.DRAFT)
        .filter(Q(pk=OuterRef("contract_id")) | Q(updated_at__gte=OuterRef("contract_handed_over_at")))
    )
    return (
        access.visible(user, Placement)
        .filter(status=PlacementStatus.HIRED, contract_handed_over_at__isnull=False)
        .exclude(Exists(moved_on))
        # Fetched apart, and only when there are hires: joined here, the six tables cost the planner
        # 3 ms for a page that usually has none (issue 18 §2).
        .prefetch_related("apprentice__cohort", "company", "contract", "contract_handed_over_by")
        .order_by("contract_handed_over_at", "pk")
    )


def admin_staff_home(user: User, *, today: date) -> dict:
    """Contracts by status, the hires handed over by the CREs (their contract to prepare) and the
    contracts the administrative team still has to handle (a handed-over draft shows once, above)."""
    counts = dict(
        # COUNT(*), not COUNT(id): PostgreSQL then counts along the status index alone (2 ms, not 8).
        access.visible(user, Contract).order_by().values("status").annotate(n=Count("*")).values_list("status", "n")
    )
    by_status = [
        KeyFigure(label, counts.get(value, 0), _url("contracts:contract_list", status=value))
        for value, label in ContractStatus.choices
    ]
    handed_over = list(contracts_handed_over(user)[:TO_HANDLE_LIMIT])
    to_handle = (
        access.visible(user, Contract)
        .filter(status__in=CONTRACTS_TO_HANDLE_STATUSES)
        .exclude(pk__in=[p.contract_id for p in handed_over if p.contract_id])
        .select_related("apprentice", "company")
        .order_by("start_date", "pk")[:TO_HANDLE_LIMIT]
    )
    return {"by_status": by_status, "handed_over": handed_over, "to_handle": list(to_handle)}
