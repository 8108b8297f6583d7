"""Reads of the merge screens: the plausible duplicates of a record, then any record by search."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from alternance import access
from alternance.admissions.services import find_duplicates
from alternance.models import Apprentice, User
from alternance.selectors import name_search
from companies.models import Company
from companies.selectors import name_words, similar_names

SEARCH_LIMIT = 20


def company_duplicates(user: User, company: Company) -> list[Company]:
    """Companies the user may see that are probably ``company`` typed twice: same SIREN (another
    establishment of the same company, or a mistyped NIC), or a similar name. Two queries."""
    words = sorted(name_words(company.name), key=len, reverse=True)[:3]
    by_name = Q()
    for word in words:
        if len(word) >= 3:
            by_name |= Q(name__icontains=word)
    condition = Q(siret__startswith=company.siren)
    if by_name:
        condition |= by_name
    rows = access.visible(user, Company).filter(condition).exclude(pk=company.pk).order_by("name", "pk")[:200]
    return [c for c in rows if c.siren == company.siren or similar_names(c.name, company.name)][:SEARCH_LIMIT]


def company_search(user: User, q: str, *, exclude: Company) -> QuerySet:
    return name_search(access.visible(user, Company), q, ("name", "siret", "city")).exclude(pk=exclude.pk).order_by("name", "pk")[:SEARCH_LIMIT]


def apprentice_duplicates(user: User, apprentice: Apprentice) -> list[Apprentice]:
    """Apprentices the user may see that are probably the same person: same INE, or same name and
    birth date (the admissions' rule, ``find_duplicates``)."""
    found = find_duplicates(
        ine=apprentice.ine, last_name=apprentice.last_name, first_name=apprentice.first_name, birth_date=apprentice.birth_date,
    )
    ids = [a.pk for a in found.apprentices if a.pk != apprentice.pk]
    return list(access.visible(user, Apprentice).filter(pk__in=ids).select_related("cohort").order_by("last_name", "first_name", "pk"))


def apprentice_search(user: User, q: str, *, exclude: Apprentice) -> QuerySet:
    qs = name_search(access.visible(user, Apprentice), q, ("last_name", "first_name", "usage_name", "ine", "email"))
    return qs.exclude(pk=exclude.pk).select_related("cohort").order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT]
