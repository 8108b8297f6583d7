"""Reads of the CRM: companies, their contacts, contracts and interactions, scoped by the access policy."""

from django.db.models import Count, Q, QuerySet

from alerts.choices import OPEN_ALERT_STATUSES
from alerts.models import Alert
from alternance import access
from alternance.models import User
from alternance.selectors import name_search
from companies.models import Company, CompanyContact, Interaction
from contracts.choices import ACTIVE_CONTRACT_STATUSES
from contracts.models import Contract

INTERACTIONS_SHOWN = 50

COMPANY_SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "city": ("city", "name", "pk"),
    "-city": ("-city", "name", "pk"),
    "contracts": ("active_contracts", "name", "pk"),
    "-contracts": ("-active_contracts", "name", "pk"),
}


def company_list(user: User, *, q: str = "", mine: bool = False, sensitive: bool = False, sort: str = "") -> QuerySet:
    """Companies the user may see, with their number of active contracts (one aggregate query)."""
    qs = (
        access.visible(user, Company)
        .select_related("owner_cre")
        .annotate(active_contracts=Count("contracts", filter=Q(contracts__status__in=ACTIVE_CONTRACT_STATUSES)))
    )
    qs = name_search(qs, q, ("name", "siret", "city"))
    if mine:
        qs = qs.filter(owner_cre=user)
    if sensitive:
        qs = qs.filter(sensitive=True)
    return qs.order_by(*COMPANY_SORTS.get(sort, COMPANY_SORTS["name"]))


def company_get(user: User, pk: int) -> Company:
    return access.get_visible_or_404(user, Company.objects.select_related("owner_cre"), pk=pk)


def company_related(user: User, company: Company) -> dict:
    """Contacts, contracts, interactions timeline and open alerts of a company, each scoped."""
    return {
        "contacts": list(
            access.visible(user, CompanyContact).filter(company=company).select_related("user").order_by("-active", "last_name", "first_name")
        ),
        "contracts": list(
            access.visible(user, Contract).filter(company=company).select_related("apprentice", "programme", "master").order_by("-start_date")
        ),
        "interactions": list(
            access.visible(user, Interaction)
            .filter(company=company)
            .select_related("author", "contact", "apprentice")
            .order_by("-occurred_at", "-pk")[:INTERACTIONS_SHOWN]
        ),
        "alerts": list(
            access.visible(user, Alert).filter(company=company, status__in=OPEN_ALERT_STATUSES).order_by("-raised_at")
        ),
    }
