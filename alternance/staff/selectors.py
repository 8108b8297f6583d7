"""Reads of the staff accounts screens (issue 13): the team list with what each account holds
(counted in the list's one query), an account's page with those very rows, and the accounts that
may take them over.

What an account "holds" has one definition each, used by the list's counts and the account's page:
- its portfolio: the companies it is the CRE of (archived ones included: restored, they would come
  back with a departed CRE);
- its open alerts: those assigned to it and not yet resolved or dismissed;
- its cohorts: those it is the referent tutor of that have not ended yet (an ended cohort keeps the
  tutor who followed it, as its history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from alerts import selectors as alert_selectors
from alerts.choices import OPEN_ALERT_STATUSES
from alerts.models import Alert
from alternance import access
from alternance.choices import STAFF_ROLES, ApprenticeStatus, Role
from alternance.models import Cohort, User
from alternance.selectors import name_search
from companies import selectors as company_selectors
from companies.models import Company
from contracts.choices import ACTIVE_CONTRACT_STATUSES

ACTIVE, INACTIVE = "active", "inactive"


def portfolio_of(who) -> Q:
    """The companies of a CRE's portfolio (``who``: an account or ``OuterRef("pk")``)."""
    return Q(owner_cre=who)


def open_alerts_of(who) -> Q:
    """The open alerts assigned to an account."""
    return Q(assignee=who, status__in=OPEN_ALERT_STATUSES)


def cohorts_of(who, *, today: date) -> Q:
    """The cohorts a tutor refers that have not ended on ``today``."""
    return Q(referent_tutor=who, end_date__gte=today)


def _count(qs: QuerySet, field: str) -> Coalesce:
    """A correlated COUNT of ``qs`` (already filtered on ``OuterRef("pk")``) grouped by ``field``:
    no join that would multiply the rows, no query per account."""
    counted = qs.order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def staff_accounts(user: User) -> QuerySet:
    """The OF's staff accounts the user may see, for those who may open the team screens."""
    if not access.can_view_staff(user):
        return User.objects.none()
    return access.visible(user, User).filter(role__in=STAFF_ROLES)


def staff_list(user: User, *, today: date, q: str = "", role: str = "", status: str = "") -> QuerySet:
    """The team, active accounts first, each with ``portfolio_count``, ``open_alerts_count`` and
    ``cohorts_count`` — the same rows as its page lists (one query for the whole page)."""
    qs = staff_accounts(user).annotate(
        portfolio_count=_count(access.visible(user, Company).filter(portfolio_of(OuterRef("pk"))), "owner_cre"),
        open_alerts_count=_count(access.visible(user, Alert).filter(open_alerts_of(OuterRef("pk"))), "assignee"),
        cohorts_count=_count(access.visible(user, Cohort).filter(cohorts_of(OuterRef("pk"), today=today)), "referent_tutor"),
    )
    qs = name_search(qs, q, ("first_name", "last_name", "email"))
    if role in STAFF_ROLES:
        qs = qs.filter(role=role)
    if status == ACTIVE:
        qs = qs.filter(is_active=True)
    elif status == INACTIVE:
        qs = qs.filter(is_active=False)
    return qs.order_by("-is_active", "last_name", "first_name", "email", "pk")


def staff_member_get(user: User, pk: int) -> User:
    """One staff account (an extranet account or one outside the scope → 404)."""
    return access.get_visible_or_404(user, staff_accounts(user), pk=pk)


# --- what an account holds ----------------------------------------------------------------------------

def member_companies(user: User, member: User) -> QuerySet:
    return (
        access.visible(user, Company).filter(portfolio_of(member))
        .annotate(active_contracts=Count("contracts", filter=Q(contracts__status__in=ACTIVE_CONTRACT_STATUSES)))
        .order_by("name", "pk")
    )


def member_open_alerts(user: User, member: User) -> QuerySet:
    return access.visible(user, Alert).filter(open_alerts_of(member)).select_related("apprentice", "company").order_by("-raised_at", "-pk")


def member_cohorts(user: User, member: User, *, today: date) -> QuerySet:
    return (
        access.visible(user, Cohort).filter(cohorts_of(member, today=today)).select_related("programme")
        .annotate(enrolled=Count("apprentices", filter=~Q(apprentices__status=ApprenticeStatus.DROPPED_OUT)))
        .order_by("start_date", "name", "pk")
    )


@dataclass(frozen=True)
class Holdings:
    """What an account holds (its page lists it; after a deactivation, to be reassigned)."""

    companies: list[Company]
    alerts: list[Alert]
    cohorts: list[Cohort]

    @property
    def is_empty(self) -> bool:
        return not (self.companies or self.alerts or self.cohorts)


def staff_holdings(user: User, member: User, *, today: date) -> Holdings:
    return Holdings(
        companies=list(member_companies(user, member)),
        alerts=list(member_open_alerts(user, member)),
        cohorts=list(member_cohorts(user, member, today=today)),
    )


# --- who may take them over ---------------------------------------------------------------------------

def cre_successors(user: User, member: User) -> QuerySet:
    """Active CRE accounts other than ``member`` (a portfolio goes to a CRE)."""
    return company_selectors.cre_choices(user).exclude(pk=member.pk)


def alert_successors(user: User, member: User) -> QuerySet:
    """Active accounts that may receive an alert (CRE, tutor, admin staff), ``member`` excluded."""
    return alert_selectors.assignable_users(user).exclude(pk=member.pk)


def tutor_successors(user: User, member: User) -> QuerySet:
    """Active tutor accounts other than ``member`` (a cohort's referent is a tutor)."""
    return staff_accounts(user).filter(role=Role.TUTOR, is_active=True).exclude(pk=member.pk).order_by("last_name", "first_name", "pk")
