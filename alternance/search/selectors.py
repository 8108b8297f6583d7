"""The search box (issue 13 §3): one query finds apprentices, candidates, companies, contacts and
contracts, each kind through the access policy, grouped and capped.

How a query is read (``parse_query``): the words, folded like the stored search keys (no accents,
lower case), must each start a word of the row's names or e-mail (« dup mar » finds Martin
Dupont); the same text without spaces, dots or dashes is also tried as an identifier — an INE
(exact), a SIRET or SIREN (prefix), a phone number (prefix of the 10 national digits, « +33 »
understood), an OPCO deposit number (prefix) or an RNCP code (« RNCP 35341 »: the apprentices,
candidates and contracts of that certification). Identifier matches use btree indexes; names use
the ``search_text`` column (a pg_trgm GIN index on PostgreSQL, see ``alternance.search.pg``).

Each group is one query (``limit + 1`` rows tell whether there are more), whatever the number
of rows in the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance import access
from alternance.choices import Role
from alternance.models import Apprentice, Candidate, User
from alternance.validators import INE_PATTERNS, fold_text, normalize_phone
from companies.models import Company, CompanyContact
from contracts.models import Contract, OpcoFile

GROUP_LIMIT = 8  # results per kind in the drop-down and on the results page; "voir tout" for the rest
PAGE_SIZE = 50  # one kind's full list (« voir tout »)
MIN_QUERY_LENGTH = 2
MAX_WORDS = 5
MIN_PHONE_DIGITS = 4
MIN_SIRET_DIGITS = 5
MIN_DEPOSIT_CHARS = 4


@dataclass(frozen=True)
class ParsedQuery:
    """What was typed, read every way the search compares it."""

    text: str
    words: tuple[str, ...] = ()  # folded words (names, e-mail prefixes)
    compact: str = ""  # upper case without spaces, dots, dashes (INE, SIRET, deposit number)
    phone: str = ""  # national digits when the query is a phone number
    email: str = ""  # lower case, when the query holds an « @ »

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.compact)

    @property
    def digits_only(self) -> bool:
        return self.compact.isdigit()

    @property
    def ine(self) -> str:
        return self.compact if any(re.fullmatch(p, self.compact) for p in INE_PATTERNS) else ""

    @property
    def rncp(self) -> str:
        """« RNCP 35341 », « rncp35341 » → RNCP35341 (the prefix typed: a bare number is not taken
        for a certification, it may be a phone or a SIRET)."""
        return self.compact if re.fullmatch(r"RNCP\d{3,5}", self.compact) else ""


def parse_query(q: str) -> ParsedQuery:
    """Read a typed query; too short (under 2 characters) → an empty query that finds nothing."""
    text = " ".join(str(q or "").split())[:200]
    if len(text.replace(" ", "")) < MIN_QUERY_LENGTH:
        return ParsedQuery(text=text)
    email = text.lower() if "@" in text and " " not in text else ""
    words = tuple(word for word in fold_text(text).replace("@", " ").replace("_", " ").replace("+", " ").split())[:MAX_WORDS]
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    phone = normalize_phone(text) if re.fullmatch(r"\+?[\d\s.\-/()]+", text) else ""
    return ParsedQuery(text=text, words=words, compact=compact, phone=phone, email=email)


def _words(query: ParsedQuery, column: str = "search_text") -> Q | None:
    """Every word starts a word of the row's search key (the key begins with a space); an e-mail
    starts one of the row's addresses."""
    email = Q(**{f"{column}__contains": f" {query.email}"}) if query.email else None
    if email is not None or not query.words or any(ch.isdigit() for word in query.words for ch in word):
        # Names hold no digits: a query with one (INE, SIRET, phone, deposit number) is an identifier,
        # matched on its indexed column alone rather than by scanning every name.
        return email
    condition = Q()
    for word in query.words:
        condition &= Q(**{f"{column}__contains": f" {word}"})
    return condition


def _any(*conditions: Q | None) -> Q | None:
    kept = [c for c in conditions if c is not None]
    if not kept:
        return None
    combined = kept[0]
    for condition in kept[1:]:
        combined |= condition
    return combined


def _phone(query: ParsedQuery, column: str = "phone_key") -> Q | None:
    return Q(**{f"{column}__startswith": query.phone}) if len(query.phone) >= MIN_PHONE_DIGITS else None


def _ine(query: ParsedQuery, column: str = "ine") -> Q | None:
    return Q(**{column: query.ine}) if query.ine else None


# --- matching per kind (also used by the searchable selects) ------------------------------------

def match_apprentices(qs: QuerySet, query: ParsedQuery) -> QuerySet:
    if query.rncp:  # « RNCP 35341 »: the learners of that certification
        return qs.filter(cohort__programme__rncp_code=query.rncp)
    condition = _any(_words(query), _phone(query), _ine(query))
    return qs.filter(condition) if condition is not None else qs.none()


def match_candidates(qs: QuerySet, query: ParsedQuery) -> QuerySet:
    if query.rncp:
        return qs.filter(programme__rncp_code=query.rncp)
    condition = _any(_words(query), _phone(query), _ine(query))
    return qs.filter(condition) if condition is not None else qs.none()


def match_companies(qs: QuerySet, query: ParsedQuery) -> QuerySet:
    siret = Q(siret__startswith=query.compact) if query.digits_only and len(query.compact) >= MIN_SIRET_DIGITS else None
    condition = _any(_words(query), siret)
    return qs.filter(condition) if condition is not None else qs.none()


def match_contacts(qs: QuerySet, query: ParsedQuery) -> QuerySet:
    condition = _any(_words(query), _phone(query))
    return qs.filter(condition) if condition is not None else qs.none()


def match_contracts(qs: QuerySet, query: ParsedQuery) -> QuerySet:
    """By the apprentice (name, e-mail, INE) or the OPCO deposit number — never both in one OR: an OR
    across two tables makes PostgreSQL read every contract. A query is one or the other: without
    digits (or with an « @ ») it is a name or an e-mail, an INE has its own format, any other
    query with digits is a deposit number."""
    if query.rncp:
        return qs.filter(programme__rncp_code=query.rncp)
    has_digits = any(ch.isdigit() for ch in query.compact)
    if query.email or not has_digits:
        apprentices = _words(query)
    elif query.ine:
        apprentices = _ine(query)
    else:
        if len(query.compact) < MIN_DEPOSIT_CHARS:
            return qs.none()
        return qs.filter(pk__in=OpcoFile.objects.filter(deposit_number__startswith=query.compact).values("contract_id"))
    if apprentices is None:
        return qs.none()
    return qs.filter(apprentice__in=Apprentice.objects.filter(apprentices).values("pk"))


# --- labels: what tells two rows apart ------------------------------------------------------------

def format_siret(siret: str) -> str:
    """« 123 456 789 00012 »: the SIREN in groups of three, then the NIC."""
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}" if len(siret) == 14 else siret


def person_name(last_name: str, first_name: str) -> str:
    """« DUPONT Marie »: the family name first, in capitals, as on French administrative lists."""
    return f"{last_name.upper()} {first_name}"


def born_on(birth_date) -> str:
    return _("né·e le %(date)s") % {"date": date_format(birth_date, "d/m/Y")}


def apprentice_label(apprentice: Apprentice) -> str:
    """« DUPONT Marie — BTS MCO 2025 — né·e le 12/03/2006 » (the cohort must be selected)."""
    return " — ".join((
        person_name(apprentice.usage_name or apprentice.last_name, apprentice.first_name),
        apprentice.cohort.name,
        born_on(apprentice.birth_date),
    ))


def company_label(company: Company) -> str:
    """« Boulangerie Martin — SIRET 123 456 789 00012 — Lyon »."""
    return " — ".join((company.name, _("SIRET %(siret)s") % {"siret": format_siret(company.siret)}, company.city))


def contact_label(contact: CompanyContact) -> str:
    """« LEMOINE Sophie — Menuiserie Gamma — Cheffe d'atelier » (the company must be selected)."""
    parts = [person_name(contact.last_name, contact.first_name), contact.company.name]
    if contact.job_title:
        parts.append(contact.job_title)
    return " — ".join(parts)


# --- the search box -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    details: tuple[str, ...] = ()
    badge: str = ""


@dataclass
class Group:
    kind: str
    label: Any
    hits: list[Hit] = field(default_factory=list)
    has_more: bool = False
    more_url: str = ""


@dataclass(frozen=True)
class Kind:
    """One kind of result: who may search it, its scoped rows, its matching and how a row reads."""

    slug: str
    label: Any
    allowed: Any  # (user) -> bool
    rows: Any  # (user) -> QuerySet, scoped and with what ``hit`` reads
    match: Any  # (QuerySet, ParsedQuery) -> QuerySet
    hit: Any  # (user, row) -> Hit


def _apprentice_hit(user: User, row: Apprentice) -> Hit:
    # An employer follows its apprentices on its own page; staff open the full record.
    name = "employer_apprentice" if getattr(user, "role", None) == Role.EMPLOYER else "apprentice_detail"
    details = [row.cohort.name, born_on(row.birth_date)]
    if row.ine:
        details.append(_("INE %(ine)s") % {"ine": row.ine})
    return Hit(person_name(row.usage_name or row.last_name, row.first_name), reverse(name, args=[row.pk]), tuple(details),
               row.get_status_display())


def _candidate_hit(user: User, row: Candidate) -> Hit:
    return Hit(person_name(row.last_name, row.first_name), reverse("candidate_detail", args=[row.pk]),
               (row.programme.short_title or row.programme.title, born_on(row.birth_date)), row.get_status_display())


def _company_hit(user: User, row: Company) -> Hit:
    return Hit(row.name, reverse("companies:company_detail", args=[row.pk]),
               (_("SIRET %(siret)s") % {"siret": format_siret(row.siret)}, f"{row.postal_code} {row.city}"),
               _("archivée") if row.archived_at else "")


def _contact_hit(user: User, row: CompanyContact) -> Hit:
    roles = [label for flag, label in (
        (row.is_master, _("maître d'apprentissage")), (row.is_employer_representative, _("représentant·e de l'employeur")),
        (row.is_hr, _("RH")),
    ) if flag]
    details = [row.company.name, ", ".join(roles)]
    details += [value for value in (row.email, row.phone) if value]
    return Hit(person_name(row.last_name, row.first_name), reverse("companies:company_detail", args=[row.company_id]) + f"#contact-{row.pk}",
               tuple(details), "" if row.active else _("inactif·ve"))


def _contract_hit(user: User, row: Contract) -> Hit:
    apprentice = row.apprentice
    details = [
        row.company.name,
        _("du %(start)s au %(end)s") % {"start": date_format(row.start_date, "d/m/Y"), "end": date_format(row.end_date, "d/m/Y")},
    ]
    opco_file = getattr(row, "opco_file", None)
    if opco_file is not None and opco_file.deposit_number:
        details.append(_("dépôt n° %(number)s") % {"number": opco_file.deposit_number})
    return Hit(person_name(apprentice.usage_name or apprentice.last_name, apprentice.first_name),
               reverse("contracts:contract_detail", args=[row.pk]), tuple(details), row.get_status_display())


KINDS: tuple[Kind, ...] = (
    Kind("apprentis", gettext_lazy("Apprenti·es"), access.can_use_search,
         lambda user: access.visible(user, Apprentice).select_related("cohort").order_by("last_name", "first_name", "pk"),
         match_apprentices, _apprentice_hit),
    Kind("candidats", gettext_lazy("Candidat·es"), access.can_view_candidates,
         lambda user: access.visible(user, Candidate).select_related("programme").order_by("last_name", "first_name", "pk"),
         match_candidates, _candidate_hit),
    Kind("entreprises", gettext_lazy("Entreprises"), access.can_use_back_office,
         lambda user: access.visible(user, Company).order_by("name", "pk"),
         match_companies, _company_hit),
    Kind("contacts", gettext_lazy("Contacts en entreprise"), access.can_use_back_office,
         lambda user: access.visible(user, CompanyContact).select_related("company").order_by("last_name", "first_name", "pk"),
         match_contacts, _contact_hit),
    Kind("contrats", gettext_lazy("Contrats"), access.can_use_search,
         lambda user: access.visible(user, Contract).select_related("apprentice", "company", "opco_file").order_by("-start_date", "pk"),
         match_contracts, _contract_hit),
)
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}


def kinds_for(user: User) -> list[Kind]:
    return [kind for kind in KINDS if kind.allowed(user)]


def search_url(q: str, kind: str = "") -> str:
    params = {"q": q, **({"type": kind} if kind else {})}
    return f"{reverse('search:results')}?{urlencode(params)}"


def search(user: User, q: str, *, limit: int = GROUP_LIMIT) -> list[Group]:
    """The groups of results ``user`` may see for ``q``, in a fixed order, empty groups left out.
    One query per kind the user may search."""
    query = parse_query(q)
    if query.is_empty:
        return []
    groups = []
    for kind in kinds_for(user):
        rows = list(kind.match(kind.rows(user), query)[: limit + 1])
        if rows:
            groups.append(Group(kind.slug, kind.label, [kind.hit(user, row) for row in rows[:limit]],
                                has_more=len(rows) > limit, more_url=search_url(query.text, kind.slug)))
    return groups


def search_kind(user: User, q: str, kind: str) -> QuerySet:
    """All the rows of one kind matching ``q`` (the « voir tout » page, paginated by the view);
    an unknown kind or one the user may not search: no rows."""
    found = KINDS_BY_SLUG.get(kind)
    query = parse_query(q)
    if found is None or not found.allowed(user) or query.is_empty:
        return Apprentice.objects.none()
    return found.match(found.rows(user), query)


def hits_of(user: User, kind: str, rows) -> list[Hit]:
    return [KINDS_BY_SLUG[kind].hit(user, row) for row in rows]
