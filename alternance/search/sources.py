"""Where the searchable selects (issue 13 §3) take their rows: one source per kind of pick.

A source gives the scoped rows (the same queryset the form validates against — forms set their
field's queryset from ``Source.rows``), how a typed query narrows them and the label that tells two
rows apart. The autocomplete endpoint (``views.choices``) and the no-JavaScript fallback of the
field (``fields.SearchableModelChoiceField``) both read them here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.selectors import assignable_users
from alternance import access
from alternance.models import Apprentice, Cohort, User
from alternance.search.selectors import (
    ParsedQuery,
    apprentice_label,
    company_label,
    contact_label,
    match_apprentices,
    match_companies,
    match_contacts,
    parse_query,
)
from companies.models import Company, CompanyContact
from companies.selectors import cre_choices, proposable_companies

SUGGESTIONS_LIMIT = 20  # options in a drop-down; more → the user types more


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _raw_words(qs: QuerySet, query: ParsedQuery, fields: tuple[str, ...]) -> QuerySet:
    """For the short lists without a search key (staff accounts, cohorts): each typed word in one of
    ``fields``, case-insensitive."""
    for word in query.text.split()[:5]:
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": word})
        qs = qs.filter(condition)
    return qs


def user_label(user: User) -> str:
    """« DURAND Léa — CRE — lea.durand@cfa.test »: two homonyms differ by their role or address."""
    name = f"{user.last_name.upper()} {user.first_name}".strip() or user.email
    return " — ".join((name, str(user.get_role_display()), user.email))


def cre_label(user: User) -> str:
    """« DURAND Léa — lea.durand@cfa.test »: every row is a CRE, the role would only lengthen it."""
    return " — ".join((f"{user.last_name.upper()} {user.first_name}".strip() or user.email, user.email))


def cohort_label(cohort: Cohort) -> str:
    """« BTS MCO 2025-2027 — BTS Management commercial opérationnel — 09/2025 à 06/2027 »."""
    programme = cohort.programme.short_title or cohort.programme.title
    period = _("%(start)s à %(end)s") % {"start": date_format(cohort.start_date, "m/Y"), "end": date_format(cohort.end_date, "m/Y")}
    return " — ".join((cohort.name, programme, period))


@dataclass(frozen=True)
class Source:
    slug: str
    rows: Callable[[User, Mapping], QuerySet]  # (user, params of the request: e.g. the chosen company)
    match: Callable[[QuerySet, ParsedQuery], QuerySet]
    label: Callable[[Any], str]
    # Said when a typed text matches no row (the no-JavaScript path), and when an id is not a choice.
    not_found: Any
    placeholder: Any


def _apprentices(user: User, params: Mapping) -> QuerySet:
    return access.visible(user, Apprentice).select_related("cohort").order_by("last_name", "first_name", "pk")


def _companies(user: User, params: Mapping) -> QuerySet:
    """Companies to put on a contract: those in scope, archived ones left out."""
    return access.visible(user, Company).filter(archived_at__isnull=True).order_by("name", "pk")


def _placement_companies(user: User, params: Mapping) -> QuerySet:
    return proposable_companies(user)


def _masters(user: User, params: Mapping) -> QuerySet:
    """Active maîtres d'apprentissage in scope; of the chosen company when there is one."""
    qs = access.visible(user, CompanyContact).filter(is_master=True, active=True).select_related("company")
    company_id = _int(params.get("company"))
    if company_id:
        qs = qs.filter(company_id=company_id)
    return qs.order_by("last_name", "first_name", "pk")


def _people(user: User, params: Mapping) -> QuerySet:
    return assignable_users(user)


def _cres(user: User, params: Mapping) -> QuerySet:
    return cre_choices(user)


def _cohorts(user: User, params: Mapping) -> QuerySet:
    return access.visible(user, Cohort).select_related("programme").order_by("name")


SOURCES: dict[str, Source] = {
    source.slug: source for source in (
        Source("apprentis", _apprentices, match_apprentices, apprentice_label,
               gettext_lazy("Aucun·e apprenti·e de votre périmètre ne correspond à « %(text)s » : tapez le début du nom, l'INE ou le téléphone."),
               gettext_lazy("Tapez un nom, un INE ou un téléphone…")),
        Source("entreprises", _companies, match_companies, company_label,
               gettext_lazy("Aucune entreprise de votre périmètre ne correspond à « %(text)s » : tapez le début de la raison sociale ou le SIRET."),
               gettext_lazy("Tapez une raison sociale ou un SIRET…")),
        Source("entreprises-placement", _placement_companies, match_companies, company_label,
               gettext_lazy("Aucune entreprise de votre portefeuille ne correspond à « %(text)s » : tapez le début de la raison sociale ou le SIRET."),
               gettext_lazy("Tapez une raison sociale ou un SIRET…")),
        Source("maitres", _masters, match_contacts, contact_label,
               gettext_lazy("Aucun maître d'apprentissage actif de cette entreprise ne correspond à « %(text)s » : tapez le début de son nom."),
               gettext_lazy("Tapez le nom du maître d'apprentissage…")),
        Source("personnes", _people, lambda qs, query: _raw_words(qs, query, ("first_name", "last_name", "email")), user_label,
               gettext_lazy("Aucune personne de l'équipe ne correspond à « %(text)s » : tapez le début de son nom ou de son e-mail."),
               gettext_lazy("Tapez un nom ou un e-mail…")),
        Source("cres", _cres, lambda qs, query: _raw_words(qs, query, ("first_name", "last_name", "email")), cre_label,
               gettext_lazy("Aucun·e CRE en activité ne correspond à « %(text)s » : tapez le début de son nom ou de son e-mail."),
               gettext_lazy("Tapez le nom d'un·e CRE…")),
        Source("promotions", _cohorts, lambda qs, query: _raw_words(qs, query, ("name", "programme__short_title")),
               cohort_label,
               gettext_lazy("Aucune promotion ne correspond à « %(text)s » : tapez une partie de son nom, par exemple « BTS MCO 2026 »."),
               gettext_lazy("Tapez le nom d'une promotion…")),
    )
}


def suggestions(user: User, slug: str, text: str, params: Mapping) -> list[tuple[int, str]]:
    """(id, label) of the rows of source ``slug`` matching ``text``: one query."""
    source = SOURCES[slug]
    query = parse_query(text)
    if query.is_empty:
        return []
    return [(row.pk, source.label(row)) for row in source.match(source.rows(user, params), query)[:SUGGESTIONS_LIMIT]]
