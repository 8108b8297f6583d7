"""Navigation menu per role (base layout). Links only to pages that exist and that the role may open.

Staff get their daily pages in the bar and the occasional ones (imports, State dashboard export,
Qualiopi, settings, API keys…) in an "Outils" drop-down, so that the bar fits a laptop screen.
Extranet accounts (apprentice, employer) get their own few pages; the back-office lists stay 403
for them and their records are reached from their pages.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from alternance import access
from alternance.choices import Role

STAFF = (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)
OFFICE = (Role.COORDINATOR, Role.ADMIN_STAFF)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str = ""
    # A count shown next to the label (lazy: computed only if the page renders the menu).
    badge: Any = None
    # What the badge counts, singular and plural (« 1 alerte ouverte pour moi », « 3 alertes… »).
    badge_label: tuple[str, str] = ("", "")
    # A drop-down: its entries (``url`` unused).
    children: tuple["NavItem", ...] = ()

    @property
    def path(self) -> str:
        """The page the entry opens, without its query or section: the menu marks it as current."""
        return self.url.split("?")[0].split("#")[0]

    @property
    def badge_text(self) -> str:
        singular, plural = self.badge_label
        # The lazy count proxies str() and bool() but not int().
        return ngettext(singular, plural, int(str(self.badge)) if self.badge else 0)


def _lazy_count(function, user) -> SimpleLazyObject:
    return SimpleLazyObject(lambda: function(user))


def _inbox_badge(user) -> SimpleLazyObject:
    from alerts.selectors import inbox_count  # the alerts app builds on the core app, not the reverse

    return _lazy_count(inbox_count, user)


def _justifications_badge(user) -> SimpleLazyObject:
    from alternance.attendance.services import pending_count

    return _lazy_count(pending_count, user)


def _evaluations_badge(user) -> SimpleLazyObject:
    from alternance.extranet.selectors import employer_evaluations_to_fill_count

    return _lazy_count(employer_evaluations_to_fill_count, user)


def _admissions_badge(user) -> SimpleLazyObject:
    from alternance.admissions.selectors import new_applications_count

    return _lazy_count(new_applications_count, user)


def _tools(role: str) -> tuple[NavItem, ...]:
    tools = [
        NavItem(_("Calendriers"), reverse("calendar_mine")),
        # The training catalogue (issue 13 §2): every staff member reads it, the office manages it.
        NavItem(_("Formations"), reverse("catalogue:programme_list")),
        NavItem(_("Promotions"), reverse("catalogue:cohort_list")),
        NavItem(_("Sites de formation"), reverse("catalogue:site_list")),
    ]
    if role in OFFICE:
        tools += [
            NavItem(_("Fermetures du centre"), reverse("closure_list")),
            NavItem(_("Importer des données"), reverse("data_import_list")),
            NavItem(_("Tableau de bord de l'apprentissage"), reverse("tdb_export")),
            NavItem(_("Preuves Qualiopi"), reverse("qualiopi_packs")),
            NavItem(_("Dossiers à anonymiser"), reverse("privacy_due")),
            NavItem(_("Paramètres des absences"), reverse("attendance_settings")),
            # The team's accounts: the coordinator manages them, admin staff read them (access.can_view_staff).
            NavItem(_("Comptes de l'équipe"), reverse("staff:staff_list")),
        ]
    if role == Role.COORDINATOR:
        # The second factor rule (issue 17 §9): the coordinator's call, as the team's accounts.
        tools.append(NavItem(_("Sécurité des connexions"), reverse("security_settings")))
    tools.append(NavItem(_("Clés d'API"), reverse("api:token_list")))
    return tuple(tools)


def menu_for(user, *, evaluations_to_fill: int | None = None) -> list[NavItem]:
    """The menu of ``user``'s role. ``evaluations_to_fill``: the employer's badge when the page has
    just counted the same rows (its home page), instead of a query of its own."""
    items = [NavItem(_("Accueil"), reverse("home"))]
    role = getattr(user, "role", None)
    if role == Role.APPRENTICE:
        items += [
            # The sign-in by code (issue 19 §2): one tap from the menu on the phone.
            NavItem(_("Émarger"), reverse("signin:sign")),
            NavItem(_("Mon calendrier"), reverse("calendar_mine")), NavItem(_("Mes absences"), reverse("my_absences")),
        ]
    if role == Role.EMPLOYER:
        items += [
            NavItem(_("Calendrier"), reverse("calendar_mine")),
            # The badge counts the « À remplir » section the link opens.
            NavItem(_("Évaluations"), reverse("employer_evaluations") + "#titre-a-remplir", badge=_evaluations_badge(user) if evaluations_to_fill is None else evaluations_to_fill,
                    badge_label=("évaluation à remplir", "évaluations à remplir")),
        ]
    if role in OFFICE:
        items.append(NavItem(_("Pilotage"), reverse("dashboard")))
    if role in STAFF:
        items.append(NavItem(_("Apprenti·es"), reverse("apprentice_list")))
        # A tutor sees the employers of its apprentices (access policy), so it gets the list too.
        items.append(NavItem(_("Entreprises"), reverse("companies:company_list")))
        items.append(NavItem(_("Contrats"), reverse("contracts:contract_list")))
        items.append(NavItem(_("Suivi OPCO"), reverse("contracts:opco_board")))
    if role in STAFF:
        # Candidates (issue 13 §1): the badge counts the new applications, as the list's first stage.
        # The link opens the queue itself (the stage the badge counts).
        items.append(NavItem(_("Admissions"), f"{reverse('candidate_list')}?etape=received", badge=_admissions_badge(user),
                             badge_label=("nouvelle candidature", "nouvelles candidatures")))
    if access.can_use_placement_desk(user):
        # The desk is the CREs' tool (and the coordinator's): the same predicate as its views.
        items.append(NavItem(_("Placement"), reverse("companies:placement_desk")))
    if role == Role.TUTOR:
        items.append(NavItem(_("Mon suivi"), reverse("tutor_workspace")))
    if role in STAFF:
        # Today's sessions whose sign-in the user runs (issue 19 §2).
        items.append(NavItem(_("Émargement"), reverse("signin:today")))
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.TUTOR):
        items.append(NavItem(_("Justificatifs"), reverse("justification_queue"), badge=_justifications_badge(user),
                             badge_label=("justificatif à examiner", "justificatifs à examiner")))
    if role in STAFF:
        items.append(NavItem(_("Alertes"), reverse("alerts:alert_list")))
    if role in (Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        # The coordinator dispatches alerts and is never their assignee: no inbox of its own.
        items.append(NavItem(_("Mes alertes"), reverse("alerts:inbox"), badge=_inbox_badge(user),
                             badge_label=("alerte ouverte pour moi", "alertes ouvertes pour moi")))
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.APPRENTICE, Role.EMPLOYER):
        # The parties who sign documents: the apprentice, the employer, the OF (coordinator, admin staff).
        items.append(NavItem(_("À signer"), reverse("contracts:signatures_to_sign")))
    if role in (Role.APPRENTICE, Role.EMPLOYER):
        # Their own phone and address (issue 13 §2: extranet users edit only those).
        items.append(NavItem(_("Mes coordonnées"), reverse("my_details")))
    if role in STAFF:
        items.append(NavItem(_("Outils"), children=_tools(role)))
    return items
