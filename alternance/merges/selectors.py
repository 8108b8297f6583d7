"""Reads of the merge screens: the plausible duplicates of a record, then any record by search."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q, QuerySet

from alternance import access
from alternance.admissions.services import find_duplicates
from alternance.models import Apprentice, User
from alternance.selectors import name_search
from companies.models import Company

SEARCH_LIMIT = 20
# Words of a company name that do not tell two companies apart (legal forms, "établissements"…).
NAME_NOISE = frozenset({
    "sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "scop", "ei", "eirl", "ets", "etablissements", "etablissement", "societe",
    "ste", "cie", "et", "de", "du", "des", "la", "le", "les", "l", "d", "groupe", "france",
})


def name_words(name: str) -> set[str]:
    """The telling words of a company name, without accents, case, punctuation or legal forms."""
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    return {word for word in re.split(r"[^a-z0-9]+", plain) if word and word not in NAME_NOISE}


def similar_names(a: str, b: str) -> bool:
    """Two company names that probably name the same company: half of their telling words shared
    (« Boulangerie Martin SARL » and « Martin Boulangerie »), or one's words within the other's."""
    words_a, words_b = name_words(a), name_words(b)
    if not words_a or not words_b:
        return False
    shared = words_a & words_b
    return shared in (words_a, words_b) or len(shared) / len(words_a | words_b) >= 0.5


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
