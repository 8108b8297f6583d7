"""Navigation menu per role (base layout). Links only to pages that exist.

Extranet accounts (apprentice, employer) get the home page only: the lists are back-office
pages (403 for them); their records are reached from their home page.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from alternance.choices import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    # A count shown next to the label (lazy: computed only if the page renders the menu).
    badge: Any = None
    badge_label: str = ""


def _inbox_badge(user) -> SimpleLazyObject:
    from alerts.selectors import inbox_count  # the alerts app builds on the core app, not the reverse

    return SimpleLazyObject(lambda: inbox_count(user))


def menu_for(user) -> list[NavItem]:
    items = [NavItem(_("Accueil"), reverse("home"))]
    role = getattr(user, "role", None)
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF):
        items.append(NavItem(_("Pilotage"), reverse("dashboard")))
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        items.append(NavItem(_("Apprenti·es"), reverse("apprentice_list")))
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        # A tutor sees the employers of its apprentices (access policy), so it gets the list too.
        items.append(NavItem(_("Entreprises"), reverse("companies:company_list")))
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        items.append(NavItem(_("Contrats"), reverse("contracts:contract_list")))
        items.append(NavItem(_("Suivi OPCO"), reverse("contracts:opco_board")))
    if role in (Role.COORDINATOR, Role.CRE):
        items.append(NavItem(_("Placement"), reverse("companies:placement_desk")))
    if role == Role.TUTOR:
        items.append(NavItem(_("Mon suivi"), reverse("tutor_workspace")))
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        items.append(NavItem(_("Alertes"), reverse("alerts:alert_list")))
    if role in (Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        # The coordinator dispatches alerts and is never their assignee: no inbox of its own.
        items.append(NavItem(_("Mes alertes"), reverse("alerts:inbox"), badge=_inbox_badge(user),
                             badge_label=_("alertes ouvertes pour moi")))
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.APPRENTICE, Role.EMPLOYER):
        # The parties who sign documents: the apprentice, the employer, the OF (coordinator, admin staff).
        items.append(NavItem(_("À signer"), reverse("contracts:signatures_to_sign")))
    return items
